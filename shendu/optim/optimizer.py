"""The Optimizer base class: parameter groups, per-parameter state, and checkpoints of both.

An optimizer holds its parameters in ``param_groups``, a list of dicts that each carry a
``"params"`` list and the hyperparameters for those parameters (``"lr"``, ``"momentum"``...),
and the running quantities of each parameter (step count, moment buffers) in ``state``, a dict
keyed by the parameter tensor. ``state_dict()`` has the same layout as PyTorch's, so a
checkpoint lists the state by parameter index and the groups with index lists.

Subclasses update the parameters in place on raw arrays (``p._array``) with ``out=``
arguments; the scratch space they need comes from ``_scratch``, which keeps a few flat
buffers per dtype and device and reuses them on every step, so that a step allocates
nothing once the state exists.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import numpy as np

from .. import backend as _backend
from .._checks import is_number
from ..autograd import grad_mode
from ..errors import DeviceError, DtypeError, ShapeError
from ..tensor import Tensor

__all__ = ["Optimizer"]


class _RequiredParameter:
    """Marks a hyperparameter that every parameter group must give itself."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_UNORDERED = (
    "{name}: parameters must be given in an ordered collection such as a list; the order of a set changes "
    "between runs, and the order decides which state belongs to which parameter"
)


def _check_number(opt: str, name: str, value: Any) -> None:
    if not is_number(value):
        raise TypeError(f"{opt}: {name} must be a real number, got {type(value).__name__} {value!r}")


def check_non_negative(opt: str, name: str, label: str, value: Any) -> None:
    """Raise ValueError unless ``value`` is a number >= 0 (NaN is rejected too)."""
    _check_number(opt, name, value)
    if not value >= 0.0:
        raise ValueError(f"{opt}: invalid {label}: {value}; {name} must be >= 0")


def check_interval(opt: str, name: str, label: str, value: Any, high: float, closed: bool) -> None:
    """Raise ValueError unless ``0 <= value < high`` (``<= high`` when ``closed``)."""
    _check_number(opt, name, value)
    inside = 0.0 <= value <= high if closed else 0.0 <= value < high
    if not inside:
        bracket = "]" if closed else ")"
        raise ValueError(f"{opt}: invalid {label}: {value}; {name} must be in [0, {high:g}{bracket}")


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of tensors to optimize, or of dicts that each define a parameter
            group (a ``"params"`` entry plus hyperparameters that override ``defaults``).
        defaults: the default hyperparameters of every group.

    Attributes:
        param_groups: the list of parameter groups (dicts).
        state: per-parameter state (a dict keyed by the parameter tensor), filled in by ``step``.
        defaults: the hyperparameters groups fall back on.

    Example:
        >>> w, b = nn.Parameter(shendu.ones(2)), nn.Parameter(shendu.zeros(1))
        >>> opt = shendu.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.1}], lr=0.01)
        >>> [group["lr"] for group in opt.param_groups]  # b's group overrides the default
        [0.01, 0.1]
    """

    # Whether each parameter's state holds buffers of the parameter's shape (moments), which
    # load_state_dict checks; LBFGS keeps flat vectors and histories instead.
    _state_matches_params: ClassVar[bool] = True

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._check_hyperparameters(defaults)
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of tensors or of dicts, got a single Tensor; "
                "wrap it in a list: [tensor]"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(_UNORDERED.format(name=name))
        if isinstance(params, dict):
            raise TypeError(f"{name}: params must be an iterable of tensors or of dicts, got a dict; wrap it in a list")
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(
                f"{name}: params must be an iterable of tensors or of dicts, got {type(params).__name__}"
            ) from None
        if not groups:
            raise ValueError(f"{name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._buffers: dict[tuple[Any, ...], list[Any]] = {}
        self._step_calls = 0
        for group in groups:
            self.add_param_group(group)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Learning-rate schedulers warn when they are stepped before the optimizer, as PyTorch's
        # do; counting calls here spares each subclass from doing it in its own step.
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_counts_calls", False):

            def counted_step(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
                self._step_calls += 1
                return step(self, *args, **kwargs)

            counted_step.__doc__ = step.__doc__ or Optimizer.step.__doc__
            counted_step.__module__ = step.__module__
            counted_step.__name__ = "step"
            counted_step.__qualname__ = f"{cls.__qualname__}.step"
            counted_step._counts_calls = True  # type: ignore[attr-defined]
            cls.step = counted_step  # type: ignore[method-assign]

    # ----------------------------------------------------------------- groups
    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        """Raise ValueError for an invalid hyperparameter in ``group`` (subclasses extend this)."""

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, with its own hyperparameters, to ``param_groups``.

        Useful when fine-tuning: layers that were frozen can join the optimization later.

        Args:
            param_group: a dict with a ``"params"`` entry (a tensor or an iterable of tensors)
                and, optionally, hyperparameters that override the optimizer's defaults.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{name}: a parameter group must have a 'params' entry, got keys {sorted(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(_UNORDERED.format(name=name))
        else:
            params = list(params)
        index = len(self.param_groups)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{name}: can only optimize Tensors, but parameter {i} of group {index} is a {type(p).__name__}"
                )
            if p.grad_fn is not None:
                raise ValueError(
                    f"{name}: can't optimize a non-leaf tensor (parameter {i} of group {index} was computed by "
                    f"{p.grad_fn.name()}); optimize the leaf tensors it was computed from"
                )
            if p._array.dtype.kind != "f":
                raise DtypeError(
                    f"{name}: can only optimize floating-point tensors, but parameter {i} of group {index} "
                    f"has dtype {p.dtype}"
                )
        group = dict(param_group)
        group["params"] = params
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(f"{name}: parameter group {index} does not give the required hyperparameter {key!r}")
            group.setdefault(key, default)
        self._check_hyperparameters(group)
        if len({id(p) for p in params}) != len(params):
            warnings.warn(
                f"{name}: parameter group {index} contains the same parameter more than once; it will be "
                "updated once per appearance",
                stacklevel=3,
            )
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{name}: some parameters of group {index} already appear in another parameter group")
        self.param_groups.append(group)

    # ----------------------------------------------------------------- gradients
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all the optimized parameters.

        Args:
            set_to_none: set each ``.grad`` to None instead of filling it with zeros, which
                frees the memory; a parameter whose ``.grad`` is None is then skipped by
                ``step`` until a backward pass gives it a gradient again. Default: True.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.detach_()
                    p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss when a closure is given.

        Args:
            closure: a function that re-evaluates the model and returns the loss. Default: None.
        """
        raise NotImplementedError(f"{type(self).__name__}.step is not implemented")

    @staticmethod
    def _evaluate(closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with grad_mode.enable_grad():
            return closure()

    def _grads(self, group_index: int, group: dict[str, Any]) -> list[tuple[Tensor, Any, Any]]:
        """The (parameter, data array, gradient array) of each parameter in the group that has a gradient."""
        name = type(self).__name__
        out = []
        for i, p in enumerate(group["params"]):
            grad = p.grad
            if grad is None:
                continue
            data, g = p._array, grad._array
            if type(g) is not type(data):
                raise DeviceError(
                    f"{name}: the gradient of parameter {i} in group {group_index} is on {grad.device} "
                    f"but the parameter is on {p.device}"
                )
            if g.shape != data.shape:
                raise ShapeError(
                    f"{name}: the gradient of parameter {i} in group {group_index} has shape {tuple(g.shape)} "
                    f"but the parameter has shape {tuple(data.shape)}"
                )
            if g.dtype != data.dtype:
                raise DtypeError(
                    f"{name}: the gradient of parameter {i} in group {group_index} has dtype {grad.dtype} "
                    f"but the parameter has dtype {p.dtype}"
                )
            out.append((p, data, g))
        return out

    def _scratch(self, array: Any, count: int, dtype: Any = None) -> list[Any]:
        """``count`` scratch arrays shaped like ``array`` (in ``dtype``, default its own), views of
        buffers reused across steps."""
        xp = _backend.get_array_module(array)
        dtype = array.dtype if dtype is None else np.dtype(dtype)
        key = (dtype.str, _backend.device_of(array))
        flats = self._buffers.get(key)
        size = array.size
        if flats is None or len(flats) < count or flats[0].size < size:
            have = 0 if flats is None else flats[0].size
            flats = [xp.empty(max(size, have), dtype=dtype) for _ in range(max(count, len(flats or ())))]
            self._buffers[key] = flats
        return [flat[:size].reshape(array.shape) for flat in flats[:count]]

    @staticmethod
    def _gradient(xp: Any, data: Any, grad: Any, maximize: bool, weight_decay: float, out: Any, tmp: Any) -> Any:
        """The gradient an update starts from: ``grad``, negated when maximizing, plus ``weight_decay * data``
        (L2 decay) when that is not 0; written into ``out`` (``tmp`` is scratch) unless it is ``grad`` itself."""
        g = grad
        if maximize:
            xp.negative(grad, out=out)
            g = out
        if weight_decay != 0:
            xp.multiply(data, weight_decay, out=tmp)
            xp.add(g, tmp, out=out)
            g = out
        return g

    @staticmethod
    def _zeros_like(array: Any) -> Tensor:
        return Tensor._make(_backend.get_array_module(array).zeros_like(array))

    def _state(self, p: Tensor, data: Any, *buffers: str) -> dict[str, Any]:
        """The state of ``p``, created at its first step: a step count and a zero buffer per name."""
        state = self.state[p]
        if not state:
            state["step"] = self._new_step()
            for name in buffers:
                state[name] = self._zeros_like(data)
        return state

    @staticmethod
    def _new_step() -> Tensor:
        # A float32 CPU scalar, as in PyTorch's state, so that checkpoints have the same layout.
        return Tensor._make(np.zeros((), dtype=np.float32))

    # ----------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as a dict with two entries, laid out as in PyTorch.

        ``"state"`` maps each parameter's index (its position counting through all groups in
        order) to a dict of its state tensors; ``"param_groups"`` lists the groups, each with
        its hyperparameters and ``"params"``, the list of its parameters' indices. The state
        tensors are the optimizer's own (not copies): ``copy.deepcopy`` the result to keep a
        snapshot while training continues.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                ids.append(index.setdefault(id(p), len(index)))
            packed["params"] = ids
            groups.append(packed)
        state = {index[id(p)] if isinstance(p, Tensor) else p: s for p, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters, step counts and moment buffers from ``state_dict()``'s output.

        The saved groups must match this optimizer's groups in number and size; the saved
        state is copied (and cast to each parameter's dtype and device), so the optimizer never
        shares buffers with the dict it was loaded from.

        Args:
            state_dict: a dict returned by ``state_dict()`` (of shendu's optimizer, or PyTorch's
                with its tensors converted to shendu tensors).
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(
                f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups' entries, got {got}"
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state dict has {len(saved_groups)} parameter groups "
                f"but the optimizer has {len(self.param_groups)}"
            )
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} of the state dict has {len(saved['params'])} "
                    f"parameters but the optimizer's group {i} has {len(group['params'])}"
                )
        by_id = {
            saved_id: p
            for saved, group in zip(saved_groups, self.param_groups)
            for saved_id, p in zip(saved["params"], group["params"])
        }
        if not isinstance(state_dict["state"], dict):
            raise ValueError(
                f"{name}.load_state_dict: 'state' must be a dict from parameter ids to dicts, "
                f"got {type(state_dict['state']).__name__}"
            )
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in by_id:
                p = by_id[key]
                if self._state_matches_params:
                    _check_param_state(name, key, value, p)
                elif not isinstance(value, dict):
                    raise ValueError(
                        f"{name}.load_state_dict: the state of parameter {key!r} must be a dict, "
                        f"got {type(value).__name__}"
                    )
                state[p] = {k: _cast_state(k, v, p) for k, v in value.items()}
            else:
                state[key] = copy.deepcopy(value)
        groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            restored = copy.deepcopy({k: v for k, v in saved.items() if k != "params"})
            restored["params"] = group["params"]
            groups.append(restored)
        self.state = state
        self.param_groups = groups

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._buffers = {}
        self._step_calls = 0

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        lines.append(")")
        return "\n".join(lines)


def _check_param_state(name: str, param_id: Any, value: Any, param: Tensor) -> None:
    """Refuse a parameter's saved state that would fail (or silently broadcast) at the next step."""
    where = f"{name}.load_state_dict: the state of parameter {param_id!r}"
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be a dict, got {type(value).__name__}")
    for key, item in value.items():
        if isinstance(item, (Tensor, np.ndarray)):
            array = item._array if isinstance(item, Tensor) else item
            if array.dtype.kind not in "biuf":
                raise ValueError(f"{where}: {key!r} has dtype {array.dtype}; expected numbers")
            if key != "step" and array.ndim and tuple(array.shape) != tuple(param.shape):
                raise ValueError(
                    f"{where}: {key!r} has shape {tuple(item.shape)} but the parameter has shape {tuple(param.shape)}"
                )
        elif not (item is None or isinstance(item, (bool, int, float))):
            raise ValueError(f"{where}: {key!r} is a {type(item).__name__}; expected a tensor or a number")


def _cast_state(key: str, value: Any, param: Tensor) -> Any:
    """A copy of one saved state value, with floating-point buffers cast to the parameter's dtype and device."""
    if isinstance(value, np.ndarray):
        value = Tensor._make(value)
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    array = value._array
    if key != "step":
        array = _backend.to_device(array, param.device, "load_state_dict")
        if array.dtype.kind == "f":
            array = array.astype(param._array.dtype, copy=False)
    xp = _backend.get_array_module(array)
    return Tensor._make(xp.array(array, copy=True))
