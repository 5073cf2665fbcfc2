"""Module: the base class of every layer and model."""

from __future__ import annotations

import functools
import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from .. import _dtype
from .. import backend as _backend
from ..autograd import anomaly as _anomaly
from ..autograd.grad_mode import no_grad
from ..errors import DeviceError, DtypeError, GraphError, ShapeError, ShenduError
from ..tensor import Tensor
from .parameter import Parameter

__all__ = ["Module", "RemovableHandle", "StateDictError"]

# Errors from ops that get the path of the module whose forward raised them.
_WRAPPED_ERRORS = (ShapeError, DtypeError, DeviceError, GraphError)


class StateDictError(ShenduError, RuntimeError):
    """A state_dict that does not fit the module: missing or unexpected keys, or shape mismatches."""


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods: ``handle.remove()`` takes the hook away.

    Also a context manager that removes the hook on exit.
    """

    _ids = itertools.count()

    def __init__(self, *hook_dicts: dict[int, Any]) -> None:
        self._hook_dicts = hook_dicts
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        for hooks in self._hook_dicts:
            hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    pad = " " * spaces
    return lines[0] + "\n" + "\n".join(pad + line for line in lines[1:])


def _join(prefix: str | None, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _loadable(value: Any) -> tuple[Any, str | None]:
    """``value`` as a tensor or array that ``copy_`` takes, or None and why it cannot be loaded."""
    if isinstance(value, Tensor):
        array = value._array
    elif isinstance(value, np.ndarray) or _backend.device_of(value).type != "cpu":
        array = value
    else:
        try:
            array = value = np.asarray(value)
        except Exception as exc:
            return None, f"a {type(value).__name__} that is not an array ({type(exc).__name__}: {exc})"
    if array.dtype.kind not in "biuf":
        shown = repr(array.item()) if array.size == 1 else f"dtype {array.dtype}"
        return None, f"holds {shown}, not numbers"
    return value, None


def _recording_arguments(init: Callable[..., None]) -> Callable[..., None]:
    """``init``, remembering the arguments of the outermost constructor call in ``_constructor_args``.

    ``shendu.save(module, f)`` stores them, so that ``load(f, weights_only=False)`` can build the
    module again. The most derived class's ``__init__`` runs first, so its arguments are the ones kept.
    """

    @functools.wraps(init)
    def recorded_init(self: Module, *args: Any, **kwargs: Any) -> None:
        if "_constructor_args" not in self.__dict__:
            object.__setattr__(self, "_constructor_args", (args, kwargs))
        init(self, *args, **kwargs)

    return recorded_init


class Module:
    """Base class for every layer and model.

    A subclass calls ``super().__init__()``, assigns its layers and parameters as attributes (which
    registers them) and defines ``forward``. Calling the module runs the forward pre-hooks, ``forward``
    and the forward hooks.

    Every module remembers the attribute path under which it was last registered (``features.3``),
    so that errors raised inside it name the layer: ``features.3 (Conv2d): expected input with 16
    channels, got 3; input shape (8, 3, 32, 32)``.

    Example:
        >>> class Net(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc1 = nn.Linear(784, 128)
        ...         self.fc2 = nn.Linear(128, 10)
        ...     def forward(self, x):
        ...         return self.fc2(F.relu(self.fc1(x)))
        >>> [name for name, _ in Net().named_parameters()]
        ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    """

    training: bool
    _path: str | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None:
            cls.__init__ = _recording_arguments(init)  # type: ignore[method-assign]

    def __init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "training", True)
        set_(self, "_parameters", {})
        set_(self, "_buffers", {})
        set_(self, "_non_persistent_buffers_set", set())
        set_(self, "_modules", {})
        set_(self, "_forward_pre_hooks", {})
        set_(self, "_forward_pre_hooks_with_kwargs", set())
        set_(self, "_forward_hooks", {})
        set_(self, "_forward_hooks_with_kwargs", set())
        set_(self, "_path", None)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ------------------------------------------------------------------ errors
    def _error_prefix(self) -> str:
        """``"features.3 (Conv2d): "`` for a registered module, ``"Conv2d: "`` for a root module."""
        name = type(self).__name__
        return f"{self._path} ({name}): " if self._path else f"{name}: "

    def _with_path(self, exc: Exception) -> Exception:
        """``exc`` with this module's prefix added, unless an inner module already added one."""
        if getattr(exc, "_shendu_module_path", False):
            return exc
        prefix = self._error_prefix()
        message = str(exc)
        if message.startswith(prefix):
            exc._shendu_module_path = True  # type: ignore[attr-defined]
            return exc
        try:
            wrapped = type(exc)(prefix + message)
        except TypeError:
            return exc
        wrapped._shendu_module_path = True  # type: ignore[attr-defined]
        return wrapped.with_traceback(exc.__traceback__)

    def _set_path(self, path: str, seen: set[int] | None = None) -> None:
        seen = set() if seen is None else seen
        if id(self) in seen:
            return
        seen.add(id(self))
        object.__setattr__(self, "_path", path)
        for name, child in self._modules.items():
            if child is not None:
                child._set_path(f"{path}.{name}", seen)

    # ------------------------------------------------------------------ calling
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._forward_pre_hooks:
            args, kwargs = self._run_pre_hooks(args, kwargs)
        recording = _anomaly._State.enabled
        if recording:
            # Anomaly mode names the innermost running module in its reports.
            _anomaly.push_module(self._error_prefix()[:-2])
        try:
            result = self.forward(*args, **kwargs)
        except _WRAPPED_ERRORS as exc:
            wrapped = self._with_path(exc)
            if wrapped is exc:
                raise
            raise wrapped from None
        finally:
            if recording:
                _anomaly.pop_module()
        if self._forward_hooks:
            for hook_id, hook in list(self._forward_hooks.items()):
                if hook_id in self._forward_hooks_with_kwargs:
                    changed = hook(self, args, kwargs, result)
                else:
                    changed = hook(self, args, result)
                if changed is not None:
                    result = changed
        return result

    def _run_pre_hooks(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        for hook_id, hook in list(self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                changed = hook(self, args, kwargs)
                if changed is not None:
                    if not (isinstance(changed, tuple) and len(changed) == 2):
                        raise TypeError(
                            f"{self._error_prefix()}a forward pre-hook registered with with_kwargs=True must "
                            f"return None or a tuple (args, kwargs), got {type(changed).__name__}"
                        )
                    args, kwargs = changed
            else:
                changed = hook(self, args)
                if changed is not None:
                    args = changed if isinstance(changed, tuple) else (changed,)
        return args, kwargs

    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args)`` before every forward; a non-None result replaces the positional args.

        Args:
            hook: the function to call. With ``with_kwargs=True`` it is called as
                ``hook(module, args, kwargs)`` and may return a new ``(args, kwargs)``.
            prepend: run this hook before the ones already registered. Default: False.
            with_kwargs: pass the keyword arguments of the call too. Default: False.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        handle = RemovableHandle(self._forward_pre_hooks)
        self._add_hook(self._forward_pre_hooks, handle.id, hook, prepend)
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs.add(handle.id)
        return handle

    def register_forward_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every forward; a non-None result replaces the output.

        Args:
            hook: the function to call; with ``with_kwargs=True`` it gets ``(module, args, kwargs, output)``.
            prepend: run this hook before the ones already registered. Default: False.
            with_kwargs: pass the keyword arguments of the call too. Default: False.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        handle = RemovableHandle(self._forward_hooks)
        self._add_hook(self._forward_hooks, handle.id, hook, prepend)
        if with_kwargs:
            self._forward_hooks_with_kwargs.add(handle.id)
        return handle

    @staticmethod
    def _add_hook(hooks: dict[int, Any], hook_id: int, hook: Callable[..., Any], prepend: bool) -> None:
        if not callable(hook):
            raise TypeError(f"register hook: expected a callable, got {type(hook).__name__}")
        if prepend:
            existing = list(hooks.items())
            hooks.clear()
            hooks[hook_id] = hook
            hooks.update(existing)
        else:
            hooks[hook_id] = hook

    # ------------------------------------------------------------------ registration
    def _check_name(self, op: str, name: Any) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{op}: the name must be a string, got {type(name).__name__}")
        if not name:
            raise ValueError(f'{op}: the name must not be empty ""')
        if "." in name:
            raise ValueError(f'{op}: the name must not contain ".", got {name!r}')

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None, a declared but absent parameter such as a disabled bias).

        Args:
            name: the attribute name.
            param: an ``nn.Parameter``, or None.
        """
        if "_parameters" not in self.__dict__:
            raise AttributeError("register_parameter: call Module.__init__() before assigning parameters")
        self._check_name("register_parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise ValueError(f"register_parameter: attribute {name!r} already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: cannot assign a {type(param).__name__} as parameter {name!r} "
                "(nn.Parameter or None expected); wrap it as nn.Parameter(tensor)"
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a buffer: state that is not a parameter, such as BatchNorm's running mean.

        Args:
            name: the attribute name.
            tensor: the buffer, or None.
            persistent: whether the buffer is part of ``state_dict()``. Default: True.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("register_buffer: call Module.__init__() before assigning buffers")
        self._check_name("register_buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise ValueError(f"register_buffer: attribute {name!r} already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"register_buffer: cannot assign a {type(tensor).__name__} as buffer {name!r} (Tensor or None expected)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module, reachable as the attribute ``name``.

        Args:
            name: the attribute name.
            module: the child module, or None.
        """
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"add_module: {type(module).__name__} is not a Module subclass")
        self._check_name("add_module", name)
        if hasattr(self, name) and name not in self._modules:
            raise ValueError(f"add_module: attribute {name!r} already exists")
        self._register_child(name, module)

    register_module = add_module

    def _register_child(self, name: str, module: Module | None) -> None:
        self._modules[name] = module
        if module is not None:
            module._set_path(_join(self._path, name))

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, d, self._buffers, self._modules)
            self._non_persistent_buffers_set.discard(name)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"{self._error_prefix()}cannot assign a {type(value).__name__} as parameter {name!r} "
                    "(nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            modules = d.get("_modules")
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, d, params, self._buffers)
            self._non_persistent_buffers_set.discard(name)
            self._register_child(name, value)
        elif d.get("_modules") is not None and name in d["_modules"]:
            if value is not None:
                raise TypeError(
                    f"{self._error_prefix()}cannot assign a {type(value).__name__} as child module {name!r} "
                    "(Module or None expected)"
                )
            d["_modules"][name] = None
        elif d.get("_buffers") is not None and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"{self._error_prefix()}cannot assign a {type(value).__name__} as buffer {name!r} "
                    "(Tensor or None expected)"
                )
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    @staticmethod
    def _forget(name: str, *stores: dict[str, Any]) -> None:
        for store in stores:
            store.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            values = d.get(store)
            if values is not None and name in values:
                return values[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            values = d.get(store)
            if values is not None and name in values:
                del values[name]
                if store == "_buffers":
                    self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        names = set(object.__dir__(self))
        for store in (self._parameters, self._buffers, self._modules):
            names.update(key for key in store if not key[0].isdigit())
        return sorted(names)

    def get_submodule(self, target: str) -> Module:
        """The submodule at the dotted path ``target`` (``""`` is the module itself)."""
        module: Module = self
        if target == "":
            return module
        walked = []
        for part in target.split("."):
            child = module._modules.get(part) if isinstance(module, Module) else None
            if child is None:
                where = ".".join(walked) or type(self).__name__
                raise AttributeError(f"get_submodule: {where} has no submodule {part!r} (looking up {target!r})")
            walked.append(part)
            module = child
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path ``target``, e.g. ``"features.0.weight"``."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        param = module._parameters.get(name)
        if param is None:
            raise AttributeError(f"get_parameter: {module_path or type(self).__name__} has no parameter {name!r}")
        return param

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at the dotted path ``target``, e.g. ``"bn.running_mean"``."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        buffer = module._buffers.get(name)
        if buffer is None:
            raise AttributeError(f"get_buffer: {module_path or type(self).__name__} has no buffer {name!r}")
        return buffer

    # ------------------------------------------------------------------ traversal
    def named_modules(
        self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Yield ``(path, module)`` for this module and every module below it, depth first.

        Args:
            memo: ids of modules already yielded (internal). Default: None.
            prefix: prepended to every path. Default: ``""``.
            remove_duplicate: yield a module reachable by several paths only once. Default: True.
        """
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is None:
                continue
            yield from child.named_modules(memo, _join(prefix, name), remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """Every module in the tree, this one included, each once."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for each direct child, each once."""
        seen: set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        """The direct children, each once."""
        for _, child in self.named_children():
            yield child

    def _named_members(
        self, store: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, store).items():
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield _join(module_prefix, name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(name, parameter)`` pairs, e.g. ``("fc1.weight", Parameter)``.

        Args:
            prefix: prepended to every name. Default: ``""``.
            recurse: include the parameters of submodules. Default: True.
            remove_duplicate: yield a shared parameter only once. Default: True.
        """
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)  # type: ignore[misc]

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter, each once (the usual argument to an optimizer).

        Args:
            recurse: include the parameters of submodules. Default: True.
        """
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """Yield ``(name, buffer)`` pairs, non-persistent buffers included.

        Args:
            prefix: prepended to every name. Default: ``""``.
            recurse: include the buffers of submodules. Default: True.
            remove_duplicate: yield a shared buffer only once. Default: True.
        """
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer, each once.

        Args:
            recurse: include the buffers of submodules. Default: True.
        """
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ------------------------------------------------------------------ modes and conversion
    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=True``) or evaluation mode on this module and all below it."""
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode must be a bool, got {type(mode).__name__} {mode!r}")
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode: dropout off, batch norm uses its running statistics. Same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (``False`` freezes the module)."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradient of every parameter.

        Args:
            set_to_none: set ``.grad`` to None instead of filling it with zeros. Default: True.
        """
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad._array.fill(0)

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every submodule (children first) and then on this module; returns self.

        Example:
            >>> def init_weights(m):
            ...     if isinstance(m, nn.Linear):
            ...         nn.init.zeros_(m.weight)
            >>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
            >>> net.apply(init_weights) is net
            True
            >>> float(net[0].weight.abs().sum())
            0.0
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def _apply(self, fn: Callable[[Tensor], Tensor]) -> Module:
        for child in self.children():
            child._apply(fn)
        with no_grad():
            for param in self._parameters.values():
                if param is None:
                    continue
                # The Parameter object stays the same, so optimizers built before .to() keep working.
                param._array = fn(param)._array
                if param.grad is not None:
                    param.grad = Tensor._make(fn(param.grad)._array)
            for name, buffer in self._buffers.items():
                if buffer is not None:
                    self._buffers[name] = fn(buffer)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Move and/or cast the parameters and buffers in place: ``to("cuda")``, ``to(shendu.float64)``.

        Only floating-point parameters and buffers change dtype; integer buffers such as
        BatchNorm's ``num_batches_tracked`` keep theirs.

        Args:
            device: the target device. dtype: the target floating-point dtype. A tensor gives both.

        Returns:
            self
        """
        device, dtype = self._parse_to(args, kwargs)

        def convert(t: Tensor) -> Tensor:
            out = t
            if dtype is not None and t.is_floating_point():
                out = out.to(dtype)
            if device is not None:
                out = out.to(device)
            return out

        return self._apply(convert)

    @staticmethod
    def _parse_to(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
        device = _backend.as_device(kwargs.pop("device", None), "Module.to")
        dtype = kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"Module.to: unexpected keyword arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                device, dtype = arg.device, arg.dtype
            elif isinstance(arg, (str, _backend.device)):
                device = _backend.as_device(arg, "Module.to")
            elif isinstance(arg, bool):
                continue
            elif arg is not None:
                dtype = arg
        if dtype is not None:
            dtype = _dtype.to_dtype(dtype, "Module.to")
            if not dtype.is_floating_point:
                raise DtypeError(f"Module.to: only floating-point dtypes are accepted, got {dtype}")
        return device, dtype

    def cuda(self, device: int | str | None = None) -> Module:
        """Move every parameter and buffer to a GPU."""
        if isinstance(device, int):
            device = f"cuda:{device}"
        return self.to(device or "cuda")

    def cpu(self) -> Module:
        """Move every parameter and buffer to the CPU."""
        return self.to("cpu")

    def float(self) -> Module:
        """Cast floating-point parameters and buffers to float32."""
        return self.to(_dtype.float32)

    def double(self) -> Module:
        """Cast floating-point parameters and buffers to float64."""
        return self.to(_dtype.float64)

    def half(self) -> Module:
        """Cast floating-point parameters and buffers to float16."""
        return self.to(_dtype.float16)

    def share_memory(self) -> Module:
        """Move every parameter and buffer into shared memory, in place (see ``Tensor.share_memory_``).

        Processes forked afterwards, or started by ``shendu.multiprocessing`` with the module as an
        argument, work on the same parameters: Hogwild-style training, each process stepping its own
        optimizer. Returns self.
        """
        for t in (*self.parameters(), *self.buffers()):
            t.share_memory_()
        return self

    # ------------------------------------------------------------------ state_dict
    def state_dict(
        self, *, destination: dict[str, Any] | None = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict[str, Tensor]:
        """The parameters and persistent buffers by dotted name, with PyTorch's keys.

        Args:
            destination: a dict to fill. Default: a new OrderedDict.
            prefix: prepended to every key. Default: ``""``.
            keep_vars: keep the Parameters themselves instead of detached tensors sharing their data.
                Default: False.

        Example:
            >>> list(nn.Linear(2, 3).state_dict())
            ['weight', 'bias']
        """
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination=destination, prefix=f"{prefix}{name}.", keep_vars=keep_vars)
        return destination  # type: ignore[return-value]

    def _state_entries(self, prefix: str = "") -> Iterator[tuple[str, Module, str, str]]:
        for name, param in self._parameters.items():
            if param is not None:
                yield prefix + name, self, "_parameters", name
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                yield prefix + name, self, "_buffers", name
        for name, child in self._modules.items():
            if child is not None:
                yield from child._state_entries(f"{prefix}{name}.")

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False) -> Any:
        """Copy parameters and buffers from ``state_dict`` into this module.

        Values may be shendu tensors or NumPy arrays, so a PyTorch checkpoint converted with
        ``{k: v.numpy() for k, v in torch_model.state_dict().items()}`` loads directly. Nothing is
        copied unless everything fits: every value is checked first (its shape, and that it holds
        numbers: a string or an object is refused), and one StateDictError lists every problem;
        with ``strict=True`` also every missing and every unexpected key. Shape mismatches and
        unloadable values are errors even when not strict. A failed load leaves the module as it was.

        Args:
            state_dict: a mapping from dotted names to values.
            strict: require the keys to match exactly. Default: True.
            assign: replace the parameters and buffers by the given values instead of copying into
                them. Default: False.

        Returns:
            A named tuple ``(missing_keys, unexpected_keys)``.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a dict, got {type(state_dict).__name__}")
        entries = list(self._state_entries())
        expected = {key for key, *_ in entries}
        missing = [key for key, *_ in entries if key not in state_dict]
        unexpected = [key for key in state_dict if key not in expected]
        mismatched, unloadable, ready = [], [], []
        for key, module, store, name in entries:
            if key not in state_dict:
                continue
            value, why = _loadable(state_dict[key])
            if why is not None:
                unloadable.append(f"{key}: the value {why}")
                continue
            target = getattr(module, store)[name]
            if tuple(value.shape) != tuple(target.shape):
                mismatched.append(f"{key}: checkpoint shape {tuple(value.shape)}, model shape {tuple(target.shape)}")
                continue
            ready.append((module, store, name, value))
        problems = []
        if strict and missing:
            problems.append(f"missing keys ({len(missing)}): " + ", ".join(missing))
        if strict and unexpected:
            problems.append(f"unexpected keys ({len(unexpected)}): " + ", ".join(unexpected))
        if mismatched:
            problems.append(f"shape mismatches ({len(mismatched)}): " + "; ".join(mismatched))
        if unloadable:
            problems.append(f"values that are not tensors of numbers ({len(unloadable)}): " + "; ".join(unloadable))
        if problems:
            raise StateDictError(
                f"load_state_dict: the state_dict does not fit {type(self).__name__}:\n  " + "\n  ".join(problems)
            )
        with no_grad():
            for module, store, name, value in ready:
                module._load_value(store, name, value, assign)
        return _IncompatibleKeys(missing, unexpected)

    def _load_value(self, store: str, name: str, value: Any, assign: bool) -> None:
        target = getattr(self, store)[name]
        if not isinstance(value, (Tensor, np.ndarray)):
            value = np.asarray(value)
        if assign:
            from ..ops.creation import as_tensor

            new = as_tensor(value).detach()
            if store == "_parameters":
                self._parameters[name] = Parameter(new, requires_grad=target.requires_grad)
            else:
                self._buffers[name] = new
            return
        target.copy_(value)

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr; layers override it."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def _child_repr_lines(self) -> list[str]:
        return [f"({name}): " + _addindent(repr(child), 2) for name, child in self._modules.items()]

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = self._child_repr_lines()
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"
