"""Helpers shared by the op families: operand checks, promotion, and unbroadcasting."""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from .. import _dtype
from .. import backend as _backend
from .._checks import is_int
from ..errors import DeviceError, OutOfMemoryError, ShapeError
from ..tensor import Tensor

__all__ = [
    "allocating",
    "as_index",
    "as_operand",
    "broadcast_shape",
    "check_same_device",
    "fit_int",
    "float_operand",
    "parse_size",
    "promote_pair",
    "quiet",
    "sum_to",
]

_SCALARS = (int, float, bool, np.integer, np.floating, np.bool_)


def quiet() -> np.errstate:
    """NumPy's warnings off for overflow, division by zero and invalid values: PyTorch returns inf and
    nan without a word, where NumPy would warn on every overflow or ``log(0)``."""
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


def sum_to(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum a broadcast gradient (an array, or a tensor in a graph) back to the shape of the input it came from."""
    shape = tuple(shape)
    if tuple(grad.shape) == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and grad.shape[lead + i] != 1
    )
    if axes:
        grad = grad.sum(dim=axes) if isinstance(grad, Tensor) else grad.sum(axis=axes)
    return grad.reshape(shape)


def is_scalar(value: object) -> bool:
    return isinstance(value, _SCALARS)


def as_operand(op: str, value: Any, like: Tensor | None = None) -> Tensor:
    """Turn a tensor, array, list or scalar into a tensor on ``like``'s device."""
    if isinstance(value, Tensor):
        return value
    from .creation import tensor

    where = None if like is None else _backend.CPU if type(like._array) is np.ndarray else like.device
    if isinstance(value, _SCALARS):
        return tensor(value.item() if isinstance(value, np.generic) else value, device=where)
    if isinstance(value, (list, tuple, np.ndarray)):
        return tensor(value, device=where)
    raise TypeError(f"{op}: expected a Tensor or a number, got {type(value).__name__}")


def as_index(op: str, name: str, value: Any) -> int:
    """``value`` as a Python int (an int, a NumPy int or a one-element integer tensor), or a TypeError naming the op."""
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int, got {type(value).__name__} {value!r}") from None


def check_same_device(op: str, *tensors: Tensor) -> None:
    """Raise a DeviceError naming the op and both devices when tensors live on different devices."""
    first = tensors[0]
    kind = type(first._array)
    for t in tensors[1:]:
        if type(t._array) is not kind or (kind is not np.ndarray and t.device != first.device):
            if first.is_sparse or t.is_sparse:
                from ..sparse.coo import unsupported

                raise unsupported(op)
            raise DeviceError(
                f"{op}: expected all tensors on the same device, but found {first.device} and {t.device}; "
                "move them with .to(device) first"
            )


def _scalar_joins_gpu(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Move a 0-d CPU tensor to its GPU partner's device: PyTorch lets it join the op as a scalar would."""
    if a._array.ndim == 0 and type(a._array) is np.ndarray:
        return a.to(b.device), b
    if b._array.ndim == 0 and type(b._array) is np.ndarray:
        return a, b.to(a.device)
    return a, b


def promote_pair(op: str, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Cast ``a`` and ``b`` to their common dtype under PyTorch's rules (0-d tensors rank lower)."""
    if type(a._array) is not type(b._array):
        a, b = _scalar_joins_gpu(a, b)
        check_same_device(op, a, b)
    if a._array.dtype is b._array.dtype or a._array.dtype == b._array.dtype:
        return a, b
    da, db = a.dtype, b.dtype
    dims = [d for d, t in ((da, a), (db, b)) if t._array.ndim]
    zero = [d for d, t in ((da, a), (db, b)) if not t._array.ndim]
    target = _dtype.result_type(dims, zero, [])
    from .creation import cast

    return cast(a, target), cast(b, target)


def scalar_result_dtype(x: Tensor, scalar: Any) -> _dtype.dtype:
    """The dtype of ``x op scalar`` under PyTorch's rules."""
    cat = _dtype.scalar_category(scalar)
    own = x.dtype
    if cat <= own._category:
        return own
    return _dtype.int64 if cat == 1 else _dtype.get_default_dtype()


def fit_int(op: str, scalar: int, target: np.dtype, wrap: bool) -> Any:
    """``scalar`` in the integer dtype ``target``, wrapping around as PyTorch converts it (-1 is 255 in uint8).

    NumPy refuses a Python int that its array's dtype cannot hold. PyTorch refuses one as an exponent.
    """
    info = np.iinfo(target)
    if info.min <= scalar <= info.max:
        return scalar
    if not wrap:
        raise ValueError(f"{op}: the integer {scalar} cannot be converted to {target} without overflow")
    if not -(2**63) <= scalar < 2**64:
        raise ValueError(f"{op}: the integer {scalar} does not fit in 64 bits")
    return np.array(scalar).astype(target)


def float_operand(x: Tensor) -> Tensor:
    """``x`` itself when it is floating point, else ``x`` cast to the default float dtype."""
    if x._array.dtype.kind == "f":
        return x
    from .creation import cast

    return cast(x, _dtype.get_default_dtype())


def parse_size(op: str, size: Sequence[Any]) -> tuple[int, ...]:
    """Accept ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])``; reject negative or non-integer sizes."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.__index__()
        if not is_int(s):
            raise TypeError(f"{op}: size must be a sequence of ints, got {type(s).__name__} {s!r} in {tuple(size)}")
        if s < 0:
            raise ShapeError(f"{op}: negative dimension {s} in size {tuple(int(v) for v in size)}; sizes must be >= 0")
        out.append(int(s))
    return tuple(out)


def broadcast_shape(op: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast of ``shapes``, or a ShapeError naming the op and the shapes."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        shown = " and ".join(str(tuple(s)) for s in shapes)
        raise ShapeError(
            f"{op}: shapes {shown} cannot be broadcast together; sizes must match or be 1, "
            "counting dimensions from the right"
        ) from None


@contextmanager
def renamed(op: str, inner: str) -> Iterator[None]:
    """Report an error of the op ``inner``, which ``op`` is built on, under ``op``: the name the user called."""
    try:
        yield
    except (ValueError, TypeError, IndexError, RuntimeError) as error:
        message = str(error.args[0]) if len(error.args) == 1 else ""
        if not message.startswith(f"{inner}: "):
            raise
        raise type(error)(f"{op}: {message[len(inner) + 2 :]}") from None


@contextmanager
def allocating(op: str, shape: Sequence[int], dtype: Any) -> Iterator[None]:
    """Refuse, naming the op, a tensor too large to address or to fit in memory (NumPy raises its own errors)."""
    nbytes = math.prod(shape) * np.dtype(dtype).itemsize
    if nbytes > np.iinfo(np.intp).max:
        raise OutOfMemoryError(
            f"{op}: a tensor of shape {tuple(shape)} and dtype {np.dtype(dtype)} would need {nbytes} bytes, "
            "more than this machine can address"
        )
    try:
        yield
    except MemoryError:
        raise OutOfMemoryError(
            f"{op}: not enough memory for a tensor of shape {tuple(shape)} and dtype {np.dtype(dtype)} "
            f"({nbytes / 2**30:.1f} GiB)"
        ) from None
