"""NumPy-style joins and promotions built on ``cat`` and views: ``hstack``, ``vstack``, ``dstack``,
``column_stack``, ``atleast_1d/2d/3d`` and ``broadcast_to``; all differentiable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..tensor import Tensor
from ._common import renamed
from .shape import cat

__all__ = [
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "broadcast_to",
    "column_stack",
    "dstack",
    "hstack",
    "row_stack",
    "vstack",
]


def _tensors(op: str, tensors: Any) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)) or not tensors:
        raise TypeError(f"{op}: expected a non-empty list or tuple of tensors, got {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected tensors, got {type(t).__name__} at index {i}")
    return list(tensors)


def _at_least(op: str, shape_of: Any, tensors: tuple[Any, ...]) -> Any:
    items = list(tensors[0]) if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else list(tensors)
    grown = tuple(t.reshape(shape_of(tuple(t.shape))) for t in _tensors(op, items))
    return grown[0] if len(tensors) == 1 and isinstance(tensors[0], Tensor) else grown


def _shape_1d(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape or (1,)


def _shape_2d(shape: tuple[int, ...]) -> tuple[int, ...]:
    return (1, *_shape_1d(shape)) if len(shape) < 2 else shape


def _shape_3d(shape: tuple[int, ...]) -> tuple[int, ...]:
    if len(shape) == 0:
        return (1, 1, 1)
    if len(shape) == 1:
        return (1, shape[0], 1)
    return (*shape, 1) if len(shape) == 2 else shape


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least one dim (a 0-d tensor becomes shape (1,)); one tensor in, one out.

    Example:
        >>> shendu.atleast_1d(shendu.tensor(3.0))
        tensor([3.])
    """
    return _at_least("atleast_1d", _shape_1d, tensors)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least two dims: shape (n,) becomes (1, n), as in NumPy."""
    return _at_least("atleast_2d", _shape_2d, tensors)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least three dims: (n,) becomes (1, n, 1) and (m, n) becomes (m, n, 1), as in NumPy."""
    return _at_least("atleast_3d", _shape_3d, tensors)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1, or along dim 0 when the tensors are 1-d (0-d ones count as 1-d).

    Example:
        >>> shendu.hstack([shendu.tensor([1, 2]), shendu.tensor([3])])
        tensor([1, 2, 3])
    """
    items = [atleast_1d(t) for t in _tensors("hstack", tensors)]
    with renamed("hstack", "cat"):
        return cat(items, dim=0 if items[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 0 after making each tensor at least 2-d (a vector becomes one row).

    Example:
        >>> shendu.vstack([shendu.tensor([1, 2]), shendu.tensor([3, 4])])
        tensor([[1, 2],
                [3, 4]])
    """
    with renamed("vstack", "cat"):
        return cat([atleast_2d(t) for t in _tensors("vstack", tensors)], dim=0)


def row_stack(tensors: Sequence[Tensor]) -> Tensor:
    """``vstack``, under NumPy's older name."""
    with renamed("row_stack", "vstack"):
        return vstack(tensors)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 2 after making each tensor at least 3-d."""
    with renamed("dstack", "cat"):
        return cat([atleast_3d(t) for t in _tensors("dstack", tensors)], dim=2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Join as columns: 0-d and 1-d tensors become columns (n, 1), then everything is joined along dim 1."""
    items = _tensors("column_stack", tensors)
    with renamed("column_stack", "cat"):
        return cat([t.reshape(-1, 1) if t.ndim < 2 else t for t in items], dim=1)


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    """``input`` expanded to ``size`` without copying: ``input.expand(size)``; -1 keeps a dim's size.

    Example:
        >>> shendu.broadcast_to(shendu.tensor([1, 2]), (2, 2))
        tensor([[1, 2],
                [1, 2]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"broadcast_to: expected a Tensor, got {type(input).__name__}")
    with renamed("broadcast_to", "expand"):
        return input.expand(*size)
