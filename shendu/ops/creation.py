"""Creating tensors, and moving or casting them (differentiably)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _dtype
from .. import backend as _backend
from .._checks import check_tensor, is_int, is_number
from ..autograd.function import Function
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from ._common import allocating, parse_size

__all__ = [
    "arange",
    "as_tensor",
    "cast",
    "clone",
    "empty",
    "empty_like",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "linspace",
    "logspace",
    "meshgrid",
    "move",
    "ones",
    "ones_like",
    "tensor",
    "zeros",
    "zeros_like",
]


def _finish(array: Any, device: Any, requires_grad: bool, op: str) -> Tensor:
    if requires_grad and array.dtype.kind != "f":
        raise DtypeError(
            f"{op}: only floating-point tensors can require gradients, got dtype {_dtype.from_numpy_dtype(array.dtype)}"
        )
    if device is not None:
        target = _backend.as_device(device, op)
    else:
        # Arrays already on a GPU (the copy of a GPU tensor) stay there; host arrays go to the default.
        target = _backend.get_default_device() if type(array) is np.ndarray else None
    if target is not None and target.type != "cpu":
        array = _backend.to_device(array, target, op)
    out = Tensor._make(array)
    if requires_grad:
        out.requires_grad_(True)
    return out


def _infer_array(op: str, data: Any, wanted: np.dtype | None = None) -> np.ndarray:
    """Turn Python data into an array with PyTorch's default dtypes (float32 for floats, int64 for ints).

    ``wanted``, the dtype the caller asked for: a floating one replaces the default for Python floats, so
    that ``tensor(0.3, dtype=float64)`` is exactly 0.3 rather than 0.3 rounded through float32; a floating
    or bool one also takes ints beyond int64, as PyTorch does.
    """
    float_dtype = wanted if wanted is not None and wanted.kind == "f" else None
    try:
        return _default_array(op, data, float_dtype)
    except ValueError:
        if wanted is not None and wanted.kind in "fb" and _holds_big_int(data):
            return np.array(data, dtype=np.float64)
        raise


def _default_array(op: str, data: Any, float_dtype: np.dtype | None) -> np.ndarray:
    if isinstance(data, np.ndarray):
        return data
    # Before the Python types: np.float64 is a subclass of float, and keeps its own dtype as in PyTorch.
    if isinstance(data, np.generic):
        return np.asarray(data)
    if isinstance(data, bool):
        return np.asarray(data, dtype=np.bool_)
    if isinstance(data, int):
        _check_int64(op, data, data)
        return np.asarray(data, dtype=np.int64)
    if isinstance(data, float):
        return np.asarray(data, dtype=float_dtype or _dtype.get_default_dtype().np)
    if isinstance(data, (list, tuple)):
        try:
            array = np.array(data)
        except ValueError as exc:
            raise ShapeError(f"{op}: nested sequences must be rectangular; {exc}") from None
        except OverflowError:
            raise ValueError(f"{op}: an integer in the data does not fit in int64") from None
        target = _sequence_dtype(data)
        if array.dtype.kind in "OUS" or target is None:
            for item in array.reshape(-1):
                if isinstance(item, int):
                    _check_int64(op, item, data)
            raise TypeError(f"{op}: could not infer a dtype from the data; expected nested lists of numbers")
        if target.np.kind in "iu" and (array.dtype.kind not in "biu" or array.dtype == np.uint64):
            # NumPy reads ints beyond int64 as uint64, or as floats next to negative ones.
            _check_int64(op, max((int(v) for v in array.reshape(-1).tolist()), key=abs, default=0), data)
        if float_dtype is not None and target.is_floating_point:
            return array.astype(float_dtype, copy=False)
        return array.astype(target.np, copy=False)
    raise TypeError(f"{op}: cannot make a tensor from {type(data).__name__}; expected a number, list, tuple or array")


def _holds_big_int(data: Any) -> bool:
    """Whether ``data`` (a number or nested sequences) holds a Python int beyond int64."""
    if isinstance(data, (list, tuple)):
        return any(_holds_big_int(item) for item in data)
    return type(data) is int and not -(2**63) <= data < 2**63


def _check_int64(op: str, value: int, data: Any) -> None:
    if not -(2**63) <= value < 2**63:
        raise ValueError(f"{op}: the integer {value} does not fit in int64 (in {data!r})")


def _sequence_dtype(data: list[Any] | tuple[Any, ...]) -> _dtype.dtype | None:
    """PyTorch's dtype for nested sequences: the promotion of every leaf's dtype (None for a non-number).

    Python floats count as the default float dtype, ints as int64 and bools as bool; NumPy scalars,
    arrays and tensors bring their own dtype. Types are gathered per sequence with ``set(map(type, ...))``,
    so a long list of Python numbers costs one fast pass.
    """
    found: set[_dtype.dtype] = set()
    stack = [data]
    while stack:
        seq = stack.pop()
        for kind in set(map(type, seq)):
            if kind is list or kind is tuple:
                stack.extend(item for item in seq if type(item) is kind)
            elif kind is np.ndarray:
                found.update(_dtype.from_numpy_dtype(item.dtype) for item in seq if type(item) is kind)
            elif kind is Tensor:
                found.update(item.dtype for item in seq if type(item) is kind)
            elif issubclass(kind, np.generic):
                found.add(_dtype.from_numpy_dtype(np.dtype(kind)))
            elif kind is bool:
                found.add(_dtype.bool)
            elif kind is int:
                found.add(_dtype.int64)
            elif kind is float:
                found.add(_dtype.get_default_dtype())
            else:
                return None
    result = None
    for d in found:
        result = d if result is None else _dtype.promote_types(result, d)
    return result or _dtype.get_default_dtype()


def _check_array_dtype(op: str, array: np.ndarray) -> None:
    if array.dtype.kind in "cOUSV" or array.dtype not in _dtype._BY_NP:
        _dtype.from_numpy_dtype(array.dtype, op)


def _convert(op: str, array: np.ndarray, target: np.dtype) -> np.ndarray:
    """``array`` as ``target``, refusing floats that an integer dtype cannot hold, as PyTorch does."""
    if target.kind in "iu" and array.dtype.kind == "f" and array.size:
        info = np.iinfo(target)
        low, high = float(info.min), float(info.max)
        # int64's maximum rounds up to 2**63 as a float, which itself no longer fits.
        below_high = array < high if high > info.max else array <= high
        bad = ~((array >= low) & below_high)
        if bad.any():
            value = array[bad].ravel()[0]
            raise ValueError(f"{op}: the value {value} cannot be converted to {target} without overflow")
    return array.astype(target, copy=False)


def tensor(data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Build a new tensor that owns a copy of ``data``.

    Args:
        data: a number, a (nested) list or tuple of numbers, a NumPy array, or a tensor.
        dtype: the element type. Default: inferred (float32 for Python floats, int64 for ints).
        device: ``"cpu"`` or ``"cuda[:N]"``. Default: ``data``'s device for a tensor, else the default device.
        requires_grad: record operations for autograd. Default: False.

    Example:
        >>> shendu.tensor([[1, 2], [3, 4]], dtype=shendu.float32)
        tensor([[1., 2.],
                [3., 4.]])
    """
    if isinstance(data, Tensor):
        array = data._array.copy()
    else:
        if isinstance(data, (list, tuple)) and any(isinstance(item, Tensor) for item in data):
            data = [
                item._array if isinstance(item, Tensor) and type(item._array) is np.ndarray else item for item in data
            ]
        wanted = _dtype.to_dtype(dtype, "tensor").np if dtype is not None else None
        array = np.array(_infer_array("tensor", data, wanted), copy=True)
    _check_array_dtype("tensor", array)
    if dtype is not None:
        array = _convert("tensor", array, _dtype.to_dtype(dtype, "tensor").np)
    return _finish(array, device, requires_grad, "tensor")


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor``, but shares memory with ``data`` (a tensor or NumPy array) when no conversion is needed."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if (device is not None or dtype is not None) else data
    array = _infer_array("as_tensor", data, _dtype.to_dtype(dtype, "as_tensor").np if dtype is not None else None)
    _check_array_dtype("as_tensor", array)
    if dtype is not None:
        array = _convert("as_tensor", array, _dtype.to_dtype(dtype, "as_tensor").np)
    return _finish(array, device, False, "as_tensor")


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor that shares memory with the NumPy array ``array``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    _check_array_dtype("from_numpy", array)
    return Tensor._make(array)


def _resolve_dtype(dtype: Any, default: _dtype.dtype | None = None) -> np.dtype:
    if dtype is None:
        return (default or _dtype.get_default_dtype()).np
    return _dtype.to_dtype(dtype).np


def _fill_value(op: str, fill: Any, np_dtype: np.dtype, name: str = "fill_value") -> Any:
    """``fill`` converted to ``np_dtype`` as PyTorch converts it, refusing values that overflow the dtype."""
    if isinstance(fill, Tensor):
        fill = fill.item()
    if not isinstance(fill, (bool, int, float, np.bool_, np.integer, np.floating)):
        raise TypeError(f"{op}: {name} must be a number, got {type(fill).__name__} {fill!r}")
    if np_dtype.kind == "b":
        return bool(fill)
    if np_dtype.kind in "iu":
        info = np.iinfo(np_dtype)
        # Like PyTorch, an unsigned dtype also takes an int in the signed range of its width (-1 becomes 255).
        integral = isinstance(fill, (int, np.integer))
        low = -(2 ** (np_dtype.itemsize * 8 - 1)) if integral else int(info.min)
        if not (math.isfinite(fill) and low <= fill <= int(info.max)):
            raise ValueError(f"{op}: {name} {fill} cannot be converted to {np_dtype} without overflow")
        return np.array(int(fill)).astype(np_dtype)
    if math.isfinite(fill) and abs(fill) > float(np.finfo(np_dtype).max):
        raise ValueError(f"{op}: {name} {fill} cannot be converted to {np_dtype} without overflow")
    return fill


def _filled(op: str, size: tuple[Any, ...], fill: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    shape = parse_size(op, size)
    target = _backend.as_device(device, op) if device is not None else _backend.get_default_device()
    np_dtype = _resolve_dtype(dtype)
    xp = np if target.type == "cpu" else _backend.require_cuda(op)
    if xp is np:
        with allocating(op, shape, np_dtype):
            array = np.zeros(shape, np_dtype) if fill == 0 else np.full(shape, fill, np_dtype)
        return _finish(array, _backend.CPU, requires_grad, op)
    with xp.cuda.Device(target.index or 0), allocating(op, shape, np_dtype):
        array = xp.full(shape, fill, np_dtype)
    return _finish(array, None, requires_grad, op)


def size_arg(op: str, shape: tuple[Any, ...], size: Any) -> tuple[int, ...]:
    """The shape given as ``f(2, 3)``, ``f((2, 3))`` or ``f(size=(2, 3))``, checked."""
    if size is not None:
        if shape:
            raise TypeError(f"{op}: give the size either positionally or as size=, not both")
        return parse_size(op, (size,))
    return parse_size(op, shape)


def zeros(*shape: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros(size=(2, 3))``.

    Args:
        shape: the shape, as ints or one sequence (or pass ``size=``).
        dtype: Default: ``shendu.get_default_dtype()`` (float32).
        device: Default: the default device, the CPU unless ``set_default_device`` changed it.
        requires_grad: Default: False.

    Example:
        >>> shendu.zeros(2, 3, dtype=shendu.int64)
        tensor([[0, 0, 0],
                [0, 0, 0]])
    """
    return _filled("zeros", size_arg("zeros", shape, size), 0, dtype, device, requires_grad)


def ones(*shape: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones; arguments as in ``zeros``."""
    return _filled("ones", size_arg("ones", shape, size), 1, dtype, device, requires_grad)


def empty(*shape: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor; shendu fills it with zeros so that results never depend on stale memory."""
    return _filled("empty", size_arg("empty", shape, size), 0, dtype, device, requires_grad)


def full(size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; the dtype is inferred from the value when not given."""
    if dtype is None:
        dtype = _dtype.scalar_dtype(fill_value)
    return _filled(
        "full",
        (size,) if not isinstance(size, (tuple, list)) else tuple(size),
        _fill_value("full", fill_value, _resolve_dtype(dtype)),
        dtype,
        device,
        requires_grad,
    )


def _like(op: str, input: Tensor, fill: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    check_tensor(op, input)
    return _filled(
        op,
        tuple(input.shape),
        fill,
        dtype if dtype is not None else input.dtype,
        device if device is not None else input.device,
        requires_grad,
    )


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``input``'s shape, dtype and device."""
    return _like("zeros_like", input, 0, dtype, device, requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with ``input``'s shape, dtype and device."""
    return _like("ones_like", input, 1, dtype, device, requires_grad)


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor with ``input``'s shape, dtype and device, filled with zeros."""
    return _like("empty_like", input, 0, dtype, device, requires_grad)


def full_like(
    input: Tensor,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``fill_value`` everywhere, with ``input``'s shape, dtype and device."""
    if isinstance(input, Tensor):
        fill_value = _fill_value("full_like", fill_value, _resolve_dtype(dtype if dtype is not None else input.dtype))
    return _like("full_like", input, fill_value, dtype, device, requires_grad)


def arange(
    start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` in steps of ``step``: ``arange(end)`` or
    ``arange(start, end, step)``.

    Args:
        start: the first value. Default: 0 when only ``end`` is given.
        end: the bound, excluded.
        step: the gap between values. Default: 1.
        dtype: Default: int64 when every argument is an int, else ``shendu.get_default_dtype()``.
            With an integer dtype, float arguments are first truncated to integers, as in PyTorch.
        device: Default: the default device, the CPU unless ``set_default_device`` changed it.
        requires_grad: Default: False.

    Example:
        >>> shendu.arange(1, 2.5, 0.5)
        tensor([1.0000, 1.5000, 2.0000])
    """
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    names = ("start", "end", "step")
    for name, v in zip(names, values):
        if not is_number(v):
            raise TypeError(f"arange: {name} must be a number, got {type(v).__name__} {v!r}")
        # An infinite step is a range of at most one value, as in PyTorch; infinite bounds are not.
        if math.isnan(v) or (math.isinf(v) and name != "step"):
            raise ValueError(f"arange: {name} must be finite, got {v}")
    integral = all(isinstance(v, (int, np.integer)) for v in values)
    np_dtype = _resolve_dtype(dtype, _dtype.int64 if integral else None)
    counted = given = values
    if np_dtype.kind in "iub" and not integral:
        values = [int(_fill_value("arange", v, np.dtype(np.int64), name)) for name, v in zip(names, values)]
        # Like PyTorch, int64 counts the truncated values; the other integer dtypes count the given floats.
        counted = values if np_dtype == np.int64 else counted
        integral = True
    if counted[2] == 0:
        raise ValueError(f"arange: step must be nonzero, got {step!r}")
    # The direction is checked on the given bounds, before any truncation, as PyTorch does.
    if (given[1] - given[0]) * given[2] < 0 or (counted[1] - counted[0]) * counted[2] < 0:
        raise ValueError(f"arange: the range from {given[0]} to {given[1]} is not reachable with step {given[2]}")
    if all(isinstance(v, (int, np.integer)) for v in counted):
        count = max(0, -((counted[0] - counted[1]) // counted[2]))
    else:
        count = max(0, math.ceil((counted[1] - counted[0]) / counted[2]))
    with np.errstate(over="ignore"), allocating("arange", (count,), np.float64):
        if integral:
            array = (np.arange(count, dtype=np.int64) * values[2] + values[0]).astype(np_dtype)
        else:
            # Each value is rounded once, from float64: float32 results are the floats nearest to start + i * step.
            array = (np.arange(count, dtype=np.float64) * values[2] + values[0]).astype(np_dtype)
    return _finish(array, device, requires_grad, "arange")


def _check_steps(op: str, steps: Any) -> int:
    if not is_int(steps):
        raise TypeError(f"{op}: steps must be an int, got {type(steps).__name__} {steps!r}")
    if steps < 0:
        raise ValueError(f"{op}: steps must be non-negative, got {steps}")
    return int(steps)


def _endpoint(op: str, value: Any, target: np.dtype) -> Any:
    """``value`` as PyTorch holds an endpoint: converted to the output dtype first (integers truncate)."""
    if isinstance(value, Tensor):
        value = value.item()
    if not is_number(value):
        raise TypeError(f"{op}: start and end must be numbers, got {type(value).__name__} {value!r}")
    if target.kind in "iub":
        return int(_fill_value(op, value, target, "the endpoint"))
    return target.type(_fill_value(op, value, target, "the endpoint"))


def _spaced(first: Any, last: Any, steps: int, work: np.dtype) -> np.ndarray:
    """PyTorch's linspace arithmetic in ``work``: the first half steps up from ``first``, the rest down from ``last``.

    Counting from both ends makes both endpoints exact and the values symmetric, as in PyTorch.
    """
    if steps == 1:
        return np.full(1, first, dtype=work)
    first, last = work.type(first), work.type(last)
    step = (last - first) / work.type(steps - 1)
    index = np.arange(steps)
    half = steps // 2
    out = np.empty(steps, dtype=work)
    out[:half] = first + step * index[:half].astype(work)
    out[half:] = last - step * (steps - 1 - index[half:]).astype(work)
    return out


def linspace(
    start: float, end: float, steps: int, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included.

    Args:
        start: the first value.
        end: the last value.
        steps: how many values.
        dtype: Default: ``shendu.get_default_dtype()`` (float32).
        device: Default: the default device, the CPU unless ``set_default_device`` changed it.
        requires_grad: Default: False.

    Example:
        >>> shendu.linspace(0, 1, 5)
        tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    count = _check_steps("linspace", steps)
    target = _resolve_dtype(dtype)
    # Float16 and integer results are computed in float32 and float64, then converted.
    work = np.dtype(np.float32) if target == np.float16 else target if target.kind == "f" else np.dtype(np.float64)
    if count == 0:
        return _finish(np.empty(0, target), device, requires_grad, "linspace")
    with allocating("linspace", (count,), np.int64):
        first = _endpoint("linspace", start, target)
        # One step is the start alone: as in PyTorch, the end is then never converted.
        array = _spaced(first, _endpoint("linspace", end, target) if count > 1 else first, count, work)
    return _finish(array.astype(target, copy=False), device, requires_grad, "linspace")


def logspace(
    start: float,
    end: float,
    steps: int,
    base: float = 10.0,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` values from ``base**start`` to ``base**end``, evenly spaced on a log scale.

    Args:
        start: the first exponent.
        end: the last exponent.
        steps: how many values.
        base: the base of the powers. Default: 10.0.
        dtype: Default: ``shendu.get_default_dtype()`` (float32).
        device: Default: the default device, the CPU unless ``set_default_device`` changed it.
        requires_grad: Default: False.

    Example:
        >>> shendu.logspace(0, 2, 3)
        tensor([  1.,  10., 100.])
    """
    count = _check_steps("logspace", steps)
    target = _resolve_dtype(dtype)
    if count == 0:
        return _finish(np.empty(0, target), device, requires_grad, "logspace")
    first = float(_endpoint("logspace", start, target))
    last = float(_endpoint("logspace", end, target)) if count > 1 else first
    with allocating("logspace", (count,), np.int64):
        exponents = _spaced(first, last, count, np.dtype(np.float64))
    with np.errstate(over="ignore"):
        array = np.power(float(base), exponents).astype(target)
    return _finish(array, device, requires_grad, "logspace")


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An ``n`` x ``m`` matrix with ones on the diagonal (``m`` defaults to ``n``)."""
    shape = parse_size("eye", (n, n if m is None else m))
    np_dtype = _resolve_dtype(dtype)
    with allocating("eye", shape, np_dtype):
        array = np.eye(*shape, dtype=np_dtype)
    return _finish(array, device, requires_grad, "eye")


class Clone(Function):
    linear = True

    def forward(self, x: Any) -> Any:
        return x.copy()

    def backward(self, grad: Any) -> tuple[Any]:
        return (grad,)


def clone(input: Tensor) -> Tensor:
    """A copy of ``input`` with its own memory; gradients flow back to ``input``."""
    return Clone.apply(input)


class Cast(Function):
    linear = True

    def forward(self, x: Any, dtype: np.dtype) -> Any:
        self.source = x.dtype
        return x.astype(dtype)

    def backward(self, grad: Any) -> tuple[Any]:
        return (grad.astype(self.source) if self.source.kind == "f" else None,)


def cast(input: Tensor, dtype: _dtype.dtype) -> Tensor:
    """``input`` as ``dtype`` (itself when the dtype already matches); differentiable between float types."""
    if input._array.dtype == dtype.np:
        return input
    if input._requires_grad and not dtype.is_floating_point:
        return Tensor._make(input._array.astype(dtype.np))
    return Cast.apply(input, dtype=dtype.np)


class Move(Function):
    linear = True

    def forward(self, x: Any, device: _backend.device) -> Any:
        self.source = _backend.device_of(x)
        return _backend.to_device(x, device, "to")

    def backward(self, grad: Any) -> tuple[Any]:
        return (_backend.to_device(grad, self.source, "to"),)


def move(input: Tensor, device: _backend.device | str) -> Tensor:
    """``input`` on ``device`` (itself when already there); gradients flow back across the move."""
    check_tensor("move", input)
    device = _backend.as_device(device, "move")
    if device is None:
        raise TypeError("move: expected a device such as 'cpu' or 'cuda:0', got None")
    if input.device == device:
        return input
    return Move.apply(input, device=device)


# ----------------------------------------------------------------------------- Tensor.new_* and type_as
# Methods only (PyTorch has no torch.new_zeros): a new tensor with this one's dtype and device unless given.


def _new_filled(
    op: str, input: Tensor, shape: tuple[Any, ...], size: Any, fill: Any, dtype: Any, device: Any, requires_grad: bool
) -> Tensor:
    check_tensor(op, input)
    target = dtype if dtype is not None else input.dtype
    if fill != 0:
        fill = _fill_value(op, fill, _resolve_dtype(target))
    return _filled(
        op,
        size_arg(op, shape, size),
        fill,
        target,
        device if device is not None else input.device,
        requires_grad,
    )


def new_zeros(
    input: Tensor, *shape: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Zeros of shape ``size`` with this tensor's dtype and device: ``x.new_zeros(2, 3)`` or ``x.new_zeros((2, 3))``.

    Args:
        shape: the shape, as ints or one sequence (or pass ``size=``).
        dtype: Default: this tensor's dtype.
        device: Default: this tensor's device.
        requires_grad: Default: False.

    Example:
        >>> shendu.tensor([1.0], dtype=shendu.float64).new_zeros(2)
        tensor([0., 0.], dtype=shendu.float64)
    """
    return _new_filled("new_zeros", input, shape, size, 0, dtype, device, requires_grad)


def new_ones(
    input: Tensor, *shape: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Ones of shape ``size`` with this tensor's dtype and device; arguments as in ``new_zeros``.

    Example:
        >>> shendu.tensor([1, 2]).new_ones(3)
        tensor([1, 1, 1])
    """
    return _new_filled("new_ones", input, shape, size, 1, dtype, device, requires_grad)


def new_empty(
    input: Tensor, *shape: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """An uninitialised tensor of shape ``size`` with this tensor's dtype and device (shendu fills it with zeros).

    Example:
        >>> shendu.zeros(1).new_empty(2, 2).shape
        shendu.Size([2, 2])
    """
    return _new_filled("new_empty", input, shape, size, 0, dtype, device, requires_grad)


def new_full(
    input: Tensor, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """``fill_value`` everywhere, in shape ``size``, with this tensor's dtype and device unless given.

    Example:
        >>> shendu.zeros(1).new_full((2,), 7)
        tensor([7., 7.])
    """
    shape = tuple(size) if isinstance(size, (tuple, list)) else (size,)
    return _new_filled("new_full", input, shape, None, fill_value, dtype, device, requires_grad)


def new_tensor(
    input: Tensor, data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A new tensor holding a copy of ``data``, with this tensor's dtype and device unless given.

    Unlike ``shendu.tensor``, the dtype is not inferred from ``data``: ``x.new_tensor([1, 2])`` on a
    float64 ``x`` is float64.

    Example:
        >>> shendu.zeros(1).new_tensor([1, 2])
        tensor([1., 2.])
    """
    check_tensor("new_tensor", input)
    if isinstance(data, Tensor):
        data = data.detach()
    return tensor(
        data,
        dtype=dtype if dtype is not None else input.dtype,
        device=device if device is not None else input.device,
        requires_grad=requires_grad,
    )


def type_as(input: Tensor, other: Tensor) -> Tensor:
    """This tensor cast to ``other``'s dtype and moved to its device (itself when both already match).

    Example:
        >>> shendu.tensor([1, 2]).type_as(shendu.zeros(1))
        tensor([1., 2.])
    """
    check_tensor("type_as", input)
    check_tensor("type_as", other, name="other")
    return input.to(other.device, other.dtype)


def meshgrid(*tensors: Tensor | list[Tensor] | tuple[Tensor, ...], indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-d tensors: the k-th result varies along the k-th input's dim.

    Each result is an expanded view of its input (differentiable), as in PyTorch.

    Args:
        tensors: 1-d (or 0-d) tensors, given separately or as one list.
        indexing: ``"ij"`` (matrix indexing: result shape ``(len(t0), len(t1), ...)``) or ``"xy"``
            (Cartesian: the first two dims swapped). Default: None, which means ``"ij"``, PyTorch's default.

    Example:
        >>> rows, cols = shendu.meshgrid(shendu.arange(2), shendu.arange(3), indexing="ij")
        >>> cols
        tensor([[0, 1, 2],
                [0, 1, 2]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors or not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError(f"meshgrid: expected one or more tensors, got {[type(t).__name__ for t in tensors] or 'none'}")
    if indexing not in (None, "ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for i, t in enumerate(tensors):
        if t.ndim > 1:
            raise ShapeError(f"meshgrid: expected 0-d or 1-d tensors, got shape {tuple(t.shape)} for tensor {i}")
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) > 1:
        raise DtypeError(f"meshgrid: expected tensors of one dtype, got {sorted(str(d) for d in dtypes)}")
    flat = [t.reshape(-1) for t in tensors]
    swap = indexing == "xy" and len(flat) >= 2
    if swap:
        flat[0], flat[1] = flat[1], flat[0]
    shape = tuple(t.shape[0] for t in flat)
    grids = []
    for k, t in enumerate(flat):
        view = [1] * len(flat)
        view[k] = shape[k]
        grids.append(t.reshape(view).expand(*shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)
