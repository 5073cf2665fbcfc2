"""Argument checks shared by the ops, layers, optimizers and data tools: each one written once, with its message.

A check names the op (or layer) that called it, what it expected and what came, so every caller gets
the same wording for the same mistake. Python counts ``True`` as the int 1, so "an int" and "a number"
here never include bools: ``dropout(x, p=True)`` or ``Linear(True, 3)`` is a mistake to report, not
a value to use.

Example:
    >>> from shendu._checks import check_tensor, is_int
    >>> is_int(3), is_int(np.int64(3)), is_int(True), is_int(np.int64(3), numpy=False)
    (True, True, False, False)
    >>> check_tensor("relu", [1.0], "as input")
    Traceback (most recent call last):
    ...
    TypeError: relu: expected a Tensor as input, got list
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import DimError, DtypeError, ShapeError
from .tensor import Tensor

__all__ = ["check_dim", "check_floating", "check_tensor", "is_int", "is_number", "normalize_dims"]

_INTS = (int, np.integer)
_NUMBERS = (int, float, np.integer, np.floating)


def is_int(value: Any, *, numpy: bool = True) -> bool:
    """Whether ``value`` is an int and not a bool; ``numpy=False`` refuses NumPy integers too (as PyTorch's
    ``DataLoader`` and schedulers do for their settings)."""
    return isinstance(value, _INTS if numpy else int) and not isinstance(value, bool)


def is_number(value: Any, *, numpy: bool = True) -> bool:
    """Whether ``value`` is an int or a float and not a bool; ``numpy=False`` refuses NumPy scalars too."""
    return isinstance(value, _NUMBERS if numpy else (int, float)) and not isinstance(value, bool)


def check_tensor(op: str, value: Any, what: str = "", *, name: str | None = None, optional: bool = False) -> Any:
    """``value`` itself if it is a Tensor (or None, when ``optional``), else a TypeError naming ``op``.

    The message reads ``{op}: expected a Tensor {what}, got list`` (``what`` such as ``"as input"``),
    or ``{op}: expected {name} to be a Tensor, got list`` when the argument's ``name`` is given.
    """
    if isinstance(value, Tensor) or (optional and value is None):
        return value
    expected = "a Tensor or None" if optional else "a Tensor"
    if name is not None:
        expected = f"{name} to be {expected}"
    elif what:
        expected += " " + what
    raise TypeError(f"{op}: expected {expected}, got {type(value).__name__}")


def check_floating(op: str, x: Tensor, what: str = "tensor", hint: str = "") -> None:
    """Raise a DtypeError naming ``op`` unless ``x`` holds floating-point values (``hint`` ends the message)."""
    if x._array.dtype.kind != "f":
        raise DtypeError(f"{op}: expected a floating-point {what}, got dtype {x.dtype}{hint}")


def check_dim(op: str, dim: int, ndim: int, shape: Sequence[int] | None = None) -> int:
    """Return ``dim`` made non-negative, or raise a DimError naming the op, the dim and the tensor's rank."""
    if isinstance(dim, np.integer):
        dim = int(dim)
    if not is_int(dim, numpy=False):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__} {dim!r}")
    span = max(ndim, 1)
    if not -span <= dim < span:
        where = f" (input shape {tuple(shape)})" if shape is not None else ""
        raise DimError(
            f"{op}: dim {dim} is out of range for a {ndim}-d tensor{where}; expected a dim in [{-span}, {span - 1}]"
        )
    return dim % span


def normalize_dims(
    op: str, dim: int | Sequence[int] | None, ndim: int, shape: Sequence[int] | None = None
) -> tuple[int, ...]:
    """Turn ``dim`` (None, an int, or a sequence of ints) into a sorted tuple of non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, _INTS):
        dims: tuple[int, ...] = (dim,)
    elif isinstance(dim, (tuple, list)):
        dims = tuple(dim)
    else:
        raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {type(dim).__name__} {dim!r}")
    out = tuple(sorted({check_dim(op, d, ndim, shape) for d in dims}))
    if len(out) != len(dims):
        raise ShapeError(f"{op}: dim {tuple(dims)} names the same dimension twice")
    if ndim == 0:
        return ()
    return out
