"""The Tensor: one NumPy or CuPy array, plus what autograd needs to know about it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

# The Tensor sits below autograd (whose Functions make tensors), so this module imports only the
# modules beneath it at load time and reaches autograd and the ops inside the methods that use them:
# any shendu module can then be the first one imported.
from . import _dtype
from . import backend as _backend
from ._dtype import dtype as _DType
from .errors import DeviceError, DtypeError, GraphError, ShapeError, missing_attribute

if TYPE_CHECKING:
    from .autograd.function import Function

__all__ = ["Size", "Tensor"]


class Size(tuple):
    """A tensor's shape: a tuple of ints, printed as ``shendu.Size([2, 3])``."""

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"shendu.Size({list(self)})"


def _read_only(data: Any) -> bool:
    """Whether writing into ``data`` would be wrong: a read-only NumPy array, or a GPU array that repeats
    elements through a zero stride (CuPy has no write flag; ``expand()`` makes such views)."""
    if type(data) is np.ndarray:
        return not data.flags.writeable
    return any(stride == 0 and size > 1 for stride, size in zip(data.strides, data.shape))


class Tensor:
    """A multi-dimensional array that can record the operations applied to it for autograd.

    Create tensors with ``shendu.tensor``, ``shendu.zeros``, ``shendu.randn`` and the other creation
    functions; ``Tensor(*sizes)`` and ``Tensor(data)`` behave as PyTorch's legacy constructor.

    Attributes:
        data: the same values as a detached tensor sharing memory (PyTorch's ``.data``).
        grad: the accumulated gradient (a Tensor) after ``backward()``, or None.
        requires_grad: whether operations on this tensor are recorded for autograd.

    Example:
        >>> x = shendu.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4., 6.])
    """

    __slots__ = ("__weakref__", "_array", "_grad", "_grad_fn", "_hooks", "_output_nr", "_requires_grad", "_vc", "_view")
    # NumPy must not take over `ndarray * tensor`: returning NotImplemented from its ufuncs lets
    # Python call Tensor.__rmul__, so the result is a tensor with shendu's promotion rules.
    __array_ufunc__ = None

    def __init__(self, *args: Any, device: Any = None) -> None:
        """PyTorch's constructor: ``Tensor(*sizes)``, ``Tensor(data)`` or ``Tensor(tensor)``.

        ``Tensor(2, 3)`` is an uninitialised float32 tensor of shape (2, 3) (shendu fills it with zeros),
        ``Tensor([1, 2])`` a float32 tensor holding the values, ``Tensor(t)`` a tensor sharing ``t``'s memory
        (and dtype), ``Tensor()`` an empty float32 tensor. ``shendu.tensor(data)`` infers the dtype instead.

        Args:
            args: sizes (ints or one ``Size``), one sequence or NumPy array of values, or one tensor.
            device: where to create the tensor. Default: the default device.
        """
        from ._tensor_types import construct

        made = construct("Tensor", args, None, device)
        self._array = made._array
        self._grad = None
        self._requires_grad = made._requires_grad
        self._grad_fn = made._grad_fn
        self._output_nr = made._output_nr
        self._vc = made._vc
        self._view = made._view
        self._hooks = None

    @staticmethod
    def _make(array: Any, grad_fn: Function | None = None, output_nr: int = 0) -> Tensor:
        """Wrap an array without copying it (the fast path every op uses)."""
        if isinstance(array, np.generic):
            # NumPy returns scalars, not 0-d arrays, from ops on 0-d arrays.
            array = np.asarray(array)
        t = object.__new__(Tensor)
        t._array = array
        t._grad = None
        t._requires_grad = grad_fn is not None
        t._grad_fn = grad_fn
        t._output_nr = output_nr
        t._vc = [0]
        t._view = None
        t._hooks = None
        return t

    def _make_grad(self, array: Any) -> Tensor:
        return Tensor._make(array)

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by ``backward()``, a tensor of this tensor's shape and dtype, or None."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            _check_grad(self, value)
        self._grad = value

    @property
    def data(self) -> Tensor:
        """The same values as a tensor outside autograd, sharing memory with this one.

        As in PyTorch, ``t.data`` is detached (``requires_grad=False``) and changes made through it
        in place are not seen by autograd's in-place checks: ``p.data.add_(...)`` updates a parameter
        without recording anything. Prefer ``detach()`` in new code, which keeps those checks.
        """
        return Tensor._make(self._array)

    @data.setter
    def data(self, value: Tensor) -> None:
        from ._checks import check_tensor

        check_tensor("Tensor.data", value)
        self._array = value._array

    # ----------------------------------------------------------------- attributes
    @property
    def shape(self) -> Size:
        """The size of each dimension."""
        return Size(self._array.shape)

    def size(self, dim: int | None = None) -> Size | int:
        """The shape, or the size of dimension ``dim``."""
        if dim is None:
            return Size(self._array.shape)
        from ._checks import check_dim

        return self._array.shape[check_dim("size", dim, self._array.ndim, self._array.shape)]

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self._array.ndim

    def dim(self) -> int:
        """The number of dimensions."""
        return self._array.ndim

    def numel(self) -> int:
        """The number of elements."""
        return int(self._array.size)

    nelement = numel

    def element_size(self) -> int:
        """Bytes per element."""
        return self._array.itemsize

    @property
    def dtype(self) -> _DType:
        """The element type, e.g. ``shendu.float32``."""
        return _dtype._BY_NP[self._array.dtype]

    @property
    def device(self) -> _backend.device:
        """Where the data lives: ``device(type='cpu')`` or ``device(type='cuda', index=0)``."""
        return _backend.device_of(self._array)

    @property
    def is_cuda(self) -> bool:
        """Whether the data lives on a GPU."""
        return self.device.type == "cuda"

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails: a PyTorch method shendu lacks, a typo, or an unset slot.
        if name.startswith("_"):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        raise missing_attribute(f"'{type(self).__name__}' object", name)

    def is_contiguous(self) -> bool:
        """Whether the elements lie in memory in row-major order, with no gaps (``contiguous()`` returns self)."""
        return bool(self._array.flags.c_contiguous)

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating-point type."""
        return self._array.dtype.kind == "f"

    def get_device(self) -> int:
        """The GPU index, or -1 on the CPU (as in PyTorch)."""
        d = self.device
        return -1 if d.type == "cpu" else (d.index or 0)

    @property
    def requires_grad(self) -> bool:
        """Whether autograd records operations on this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    @property
    def is_leaf(self) -> bool:
        """True for tensors created by the user rather than by a recorded op."""
        return self._grad_fn is None

    @property
    def grad_fn(self) -> Function | None:
        """The graph node that made this tensor, or None for a leaf."""
        if self._view is not None:
            from .autograd.inplace import refresh_view

            refresh_view(self)
        return self._grad_fn

    @property
    def _version(self) -> int:
        return self._vc[0]

    @property
    def T(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The tensor with all its dimensions reversed."""
        return self.permute(*range(self._array.ndim - 1, -1, -1))

    @property
    def mT(self) -> Tensor:  # noqa: N802
        """The tensor with its last two dimensions swapped (a batch of transposed matrices)."""
        if self._array.ndim < 2:
            raise ShapeError(f"mT: expected a tensor with at least 2 dimensions, got shape {tuple(self.shape)}")
        return self.transpose(-2, -1)

    # ----------------------------------------------------------------- conversion
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The data as a NumPy array, sharing memory on the CPU.

        Args:
            force: copy a GPU tensor to the host and detach a tensor that requires grad,
                instead of raising. Default: False.
        """
        if self._requires_grad and not force:
            raise GraphError("numpy: cannot convert a tensor that requires grad; use tensor.detach().numpy() instead")
        if type(self._array) is not np.ndarray:
            if not force:
                raise _backend.DeviceError(
                    f"numpy: the tensor is on {self.device}; call tensor.cpu().numpy() to copy it to the host first"
                )
            return _backend.to_device(self._array, _backend.CPU)
        return self._array

    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        if self._array.size != 1:
            raise ShapeError(
                f"item: only a tensor with one element can be converted to a Python number, "
                f"got shape {tuple(self.shape)} with {self._array.size} elements"
            )
        return self._array.reshape(()).item()

    def tolist(self) -> Any:
        """The data as (nested) Python lists of Python numbers."""
        return _backend.to_device(self._array, _backend.CPU).tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        array = _backend.to_device(self._array, _backend.CPU)
        return array if dtype is None else array.astype(dtype, copy=False)

    def detach(self) -> Tensor:
        """A tensor sharing this one's data, cut from the graph."""
        t = Tensor._make(self._array)
        t._vc = self._vc
        return t

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place, making it a leaf."""
        self._grad_fn = None
        self._requires_grad = False
        return self

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Move and/or cast: ``to("cuda")``, ``to(shendu.float64)``, ``to(other)``, ``to("cpu", shendu.float32)``.

        Returns ``self`` when nothing changes. The move and the cast are differentiable.
        """
        target_device, target_dtype = None, kwargs.pop("dtype", None)
        if "device" in kwargs:
            target_device = _backend.as_device(kwargs.pop("device"), "to")
        kwargs.pop("non_blocking", None)
        kwargs.pop("copy", None)
        if kwargs:
            raise TypeError(f"to: unexpected keyword arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                target_device, target_dtype = arg.device, arg.dtype
            elif isinstance(arg, (str, _backend.device)):
                target_device = _backend.as_device(arg, "to")
            elif arg is not None:
                target_dtype = _dtype.to_dtype(arg, "to")
        from .ops.creation import cast, move

        out = self
        if target_dtype is not None:
            out = cast(out, _dtype.to_dtype(target_dtype, "to"))
        if target_device is not None:
            out = move(out, target_device)
        return out

    def type(self, dtype: Any = None) -> str | Tensor:
        """Without an argument, the type name (``"shendu.FloatTensor"``); with one, ``to(dtype)``."""
        if dtype is None:
            return "shendu." + next(name for name, d in _dtype.LEGACY_TYPE_NAMES.items() if d is self.dtype)
        # A type name ("torch.LongTensor") is a dtype here, not a device as it would be for to().
        return self.to(_dtype.to_dtype(dtype, "type"))

    def float(self) -> Tensor:
        """Cast to float32."""
        return self.to(_dtype.float32)

    def double(self) -> Tensor:
        """Cast to float64."""
        return self.to(_dtype.float64)

    def half(self) -> Tensor:
        """Cast to float16."""
        return self.to(_dtype.float16)

    def long(self) -> Tensor:
        """Cast to int64."""
        return self.to(_dtype.int64)

    def int(self) -> Tensor:
        """Cast to int32."""
        return self.to(_dtype.int32)

    def bool(self) -> Tensor:
        """Cast to bool."""
        return self.to(_dtype.bool)

    def cpu(self) -> Tensor:
        """Copy to the CPU (returns self when already there)."""
        return self.to("cpu")

    def cuda(self, device: int | str | None = None) -> Tensor:
        """Copy to a GPU: ``cuda()``, ``cuda(1)`` or ``cuda("cuda:1")``."""
        if isinstance(device, int):
            device = f"cuda:{device}"
        return self.to(device or "cuda")

    # ----------------------------------------------------------------- autograd
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self."""
        if self._grad_fn is not None:
            if requires_grad:
                return self
            raise GraphError(
                "requires_grad_: only leaf tensors can change requires_grad; "
                "use tensor.detach() to get a tensor without history"
            )
        if requires_grad and self._array.dtype.kind != "f":
            raise DtypeError(
                f"requires_grad_: only floating-point tensors can require gradients, got dtype {self.dtype}"
            )
        self._requires_grad = bool(requires_grad)
        return self

    def backward(
        self,
        gradient: Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Compute the gradient of this tensor with respect to the graph's leaves, accumulating into ``.grad``.

        Args:
            gradient: the gradient of some scalar with respect to this tensor; required unless it
                has exactly one element. Default: None.
            retain_graph: keep the saved values so that backward can run through the graph again.
                Default: False.
        """
        from .autograd import backward

        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Callable[[], None]:
        """Call ``hook(grad)`` whenever the gradient of this tensor is computed.

        The hook may return a replacement gradient. Returns a handle; call ``handle.remove()`` to
        take the hook away.
        """
        if not self._requires_grad:
            raise GraphError("register_hook: cannot register a hook on a tensor that does not require grad")
        if self._grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            return _HookHandle(self._hooks, hook)
        self._grad_fn.register_output_hook(self._output_nr, hook)
        return _HookHandle(self._grad_fn.hooks[self._output_nr], hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> Any:
        """Call ``hook(tensor)`` once per backward, after this leaf's ``.grad`` holds all of its gradient.

        The hook reads (or changes in place) ``tensor.grad`` and must return None. Returns a handle;
        call ``handle.remove()`` to take the hook away.

        Example:
            >>> w = shendu.ones(2, requires_grad=True)
            >>> handle = w.register_post_accumulate_grad_hook(lambda t: print(t.grad))
            >>> (w * 2 + w * 3).sum().backward()
            tensor([5., 5.])
        """
        from .autograd import accumulate_hooks

        return accumulate_hooks.register(self, hook)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (the gradient its hooks leave)."""
        if not self._requires_grad:
            raise GraphError("retain_grad: cannot retain the gradient of a tensor that does not require grad")
        if self._grad_fn is None:
            return
        from .autograd import retain_grad

        retain_grad.retain(self)

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor whose ``.grad`` is kept after backward (see ``retain_grad``)."""
        from .autograd import retain_grad

        return retain_grad.retains_grad(self)

    # ----------------------------------------------------------------- in-place
    def _check_inplace(self, op: str) -> None:
        """Refuse an in-place change that autograd cannot record here, then bump the version."""
        if _read_only(self._array):
            raise GraphError(
                f"{op}: this tensor is a read-only view (e.g. the result of expand(), whose elements share "
                "memory, or a read-only NumPy array); clone() it before changing it in place"
            )
        from .autograd.grad_mode import is_grad_enabled

        if self._requires_grad and is_grad_enabled():
            if self._grad_fn is None:
                raise GraphError(
                    f"{op}: a leaf tensor that requires grad cannot be changed in place while grad mode is on; "
                    "wrap the update in `with shendu.no_grad():` (as optimizers do)"
                )
            raise GraphError(
                f"{op}: this tensor is part of the autograd graph and {op} is not recorded by autograd; "
                "detach() or clone() it first"
            )
        self._vc[0] += 1

    def _records_inplace(self, *others: Any) -> bool:
        """Whether an in-place change must go through autograd (rather than straight into memory)."""
        from .autograd.grad_mode import is_grad_enabled

        if not is_grad_enabled():
            return False
        if self._requires_grad or self._view is not None:
            return True
        return any(isinstance(o, Tensor) and o._requires_grad for o in others)

    def _inplace_op(self, op: str, compute: Callable[[Tensor], Tensor]) -> Tensor:
        from .autograd.inplace import apply_inplace

        return apply_inplace(op, self, compute)

    def add_(self, other: Any, *, alpha: float = 1) -> Tensor:
        """In place: ``self += alpha * other``."""
        return self._inplace_op("add_", lambda t: t.add(other, alpha=alpha) if alpha != 1 else t + other)

    def sub_(self, other: Any, *, alpha: float = 1) -> Tensor:
        """In place: ``self -= alpha * other``."""
        return self._inplace_op("sub_", lambda t: t.sub(other, alpha=alpha) if alpha != 1 else t - other)

    def mul_(self, other: Any) -> Tensor:
        """In place: ``self *= other``."""
        return self._inplace_op("mul_", lambda t: t * other)

    def div_(self, other: Any) -> Tensor:
        """In place: ``self /= other``."""
        return self._inplace_op("div_", lambda t: t / other)

    def pow_(self, exponent: Any) -> Tensor:
        """In place: ``self **= exponent``."""
        return self._inplace_op("pow_", lambda t: t**exponent)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        """In place: clamp every element into ``[min, max]``."""
        return self._inplace_op("clamp_", lambda t: t.clamp(min, max))

    clip_ = clamp_

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src`` (broadcast to this shape, cast to this dtype, moved to this device) into self."""
        from .ops.creation import as_tensor

        src_t = as_tensor(src)
        value = _backend.to_device(src_t._array, self.device, "copy_")
        try:
            shape = np.broadcast_shapes(value.shape, self._array.shape)
        except ValueError:
            shape = None
        if shape != self._array.shape:
            raise ShapeError(
                f"copy_: the source of shape {tuple(value.shape)} cannot be broadcast to the target's "
                f"shape {tuple(self.shape)}"
            )
        if self._records_inplace(src_t):
            from .autograd.inplace import Overwrite
            from .ops.creation import move

            moved = move(src_t, self.device) if src_t.device != self.device else src_t
            return self._inplace_op("copy_", lambda t: Overwrite.apply(t, moved))
        self._check_inplace("copy_")
        _backend.get_array_module(self._array).copyto(self._array, value, casting="unsafe")
        return self

    def _overwrite(self, op: str, values: Any) -> Tensor:
        """Fill in place with values that do not depend on the old ones (a scalar or an array)."""
        if self._records_inplace():
            from .autograd.inplace import Overwrite

            return self._inplace_op(op, lambda t: Overwrite.apply(t, values=values))
        self._check_inplace(op)
        if np.ndim(values) == 0:
            self._array.fill(values)
        else:
            _backend.get_array_module(self._array).copyto(self._array, values, casting="unsafe")
        return self

    def zero_(self) -> Tensor:
        """Fill with zeros in place."""
        return self._overwrite("zero_", 0)

    def fill_(self, value: Any) -> Tensor:
        """Fill with ``value`` in place."""
        if isinstance(value, Tensor):
            value = value.item()
        return self._overwrite("fill_", value)

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill in place with samples from U(a, b)."""
        from .ops.random import rand

        self._check_random_fill("uniform_")
        sample = rand(*self.shape, dtype=self.dtype, generator=generator)
        return self._store_random("uniform_", sample._array * (b - a) + a)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill in place with samples from N(mean, std**2)."""
        from .ops.random import randn

        self._check_random_fill("normal_")
        sample = randn(*self.shape, dtype=self.dtype, generator=generator)
        return self._store_random("normal_", sample._array * std + mean)

    def _check_random_fill(self, op: str) -> None:
        from ._checks import check_floating

        check_floating(op, self)

    def _store_random(self, op: str, values: Any) -> Tensor:
        return self._overwrite(op, _backend.to_device(values.astype(self._array.dtype, copy=False), self.device))

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def __setitem__(self, index: Any, value: Any) -> None:
        from .ops.indexing import setitem

        setitem(self, index, value)

    # ----------------------------------------------------------------- Python protocol
    def __repr__(self) -> str:
        from ._repr import format_tensor

        return format_tensor(self)

    def __len__(self) -> int:
        if self._array.ndim == 0:
            raise TypeError("len: a 0-d tensor has no length")
        return self._array.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._array.ndim == 0:
            raise TypeError("iter: cannot iterate over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        if self._array.size != 1:
            raise ShapeError(
                f"bool: the truth value of a tensor with {self._array.size} elements is ambiguous "
                f"(shape {tuple(self.shape)}); use .any() or .all()"
            )
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._array.dtype.kind not in "iu" or self._array.size != 1:
            raise TypeError(
                f"index: only an integer tensor with one element can be used as an index, "
                f"got dtype {self.dtype} and shape {tuple(self.shape)}"
            )
        return int(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __reduce__(self) -> Any:
        return (_rebuild, (_backend.to_device(self._array, _backend.CPU), str(self.device), self._requires_grad))

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        if self._grad_fn is not None:
            raise GraphError("deepcopy: only leaf tensors can be deep-copied; detach() the tensor first")
        t = Tensor._make(self._array.copy())
        t._requires_grad = self._requires_grad
        if self.grad is not None:
            t.grad = Tensor._make(self.grad._array.copy())
        memo[id(self)] = t
        return t


def _rebuild(array: np.ndarray, device: str, requires_grad: bool) -> Tensor:
    t = Tensor._make(array)
    if device != "cpu":
        t = t.to(device)
    t._requires_grad = requires_grad
    return t


def _check_grad(tensor: Tensor, grad: Any) -> None:
    """A gradient assigned to ``.grad`` must fit the tensor, as in PyTorch: an optimizer would
    otherwise broadcast a wrong shape into the update silently."""
    if not isinstance(grad, Tensor):
        raise TypeError(f"Tensor.grad: expected a Tensor or None, got {type(grad).__name__}")
    if grad._array.shape != tensor._array.shape:
        raise ShapeError(
            f"Tensor.grad: assigned a gradient of shape {tuple(grad.shape)} to a tensor of shape "
            f"{tuple(tensor.shape)}; they must match"
        )
    if grad._array.dtype != tensor._array.dtype:
        raise DtypeError(
            f"Tensor.grad: assigned a gradient of dtype {grad.dtype} to a tensor of dtype {tensor.dtype}; "
            f"cast it first (grad.to({tensor.dtype}))"
        )
    if type(grad._array) is not type(tensor._array) or grad.device != tensor.device:
        raise DeviceError(
            f"Tensor.grad: assigned a gradient on {grad.device} to a tensor on {tensor.device}; "
            f"move it first (grad.to({str(tensor.device)!r}))"
        )


class _HookHandle:
    """Returned by ``register_hook``: ``remove()`` takes the hook away."""

    def __init__(self, hooks: list[Any], hook: Any) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)
