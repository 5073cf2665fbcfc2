"""Ordering: ``sort``, ``argsort`` and ``topk``.

The indices come from a stable sort, so ties keep their order of appearance (descending sorts too),
and NaN counts as the largest value, as in PyTorch. The values are ``gather`` of the input at those
indices, so their gradient flows back to the positions they came from.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .._checks import check_dim
from ..backend import get_array_module
from ..errors import DtypeError, ShapeError
from ..sparse.coo import unsupported
from ..tensor import Tensor
from .indexing import gather

__all__ = ["argsort", "sort", "topk"]


class SortResult(NamedTuple):
    """What ``sort`` and ``topk`` return, like ``torch.return_types.sort``.

    Attributes:
        values: the ordered values (differentiable).
        indices: the int64 positions of the values in the input, along the sorted dim.
    """

    values: Tensor
    indices: Tensor


def _check(op: str, input: Any, dim: Any) -> int:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if input.is_sparse:
        raise unsupported(op)
    return check_dim(op, dim, input._array.ndim, input._array.shape)


def _order(input: Tensor, axis: int, descending: bool) -> Any:
    """Stable sorting positions along ``axis`` as an int64 array."""
    data = input._array
    xp = get_array_module(data)
    if data.ndim == 0:
        return xp.zeros((), np.int64)
    if not descending:
        return xp.argsort(data, axis=axis, kind="stable").astype(np.int64, copy=False)
    # Sorting the reversed array and reversing the result keeps ties in their original order.
    size = data.shape[axis]
    backwards = xp.argsort(xp.flip(data, axis), axis=axis, kind="stable")
    return (size - 1 - xp.flip(backwards, axis)).astype(np.int64, copy=False)


def _values(input: Tensor, axis: int, order: Any) -> Tensor:
    indices = Tensor._make(order)
    if input._array.ndim == 0:
        return input.clone()
    return gather(input, axis, indices)


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> SortResult:
    """The values along ``dim`` in order, with the positions they came from.

    Args:
        input: the tensor to sort.
        dim: the dim to sort along. Default: -1.
        descending: largest first. Default: False.
        stable: keep tied values in their order of appearance; shendu's sort always does. Default: False.

    Returns:
        A named tuple ``(values, indices)``; ``indices`` are int64.

    Example:
        >>> shendu.sort(shendu.tensor([3.0, 1.0, 2.0]), descending=True)
        SortResult(values=tensor([3., 2., 1.]), indices=tensor([0, 2, 1]))
    """
    axis = _check("sort", input, dim)
    order = _order(input, axis, descending)
    return SortResult(_values(input, axis, order), Tensor._make(order))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The int64 positions that sort ``input`` along ``dim``; arguments as in ``sort``.

    Example:
        >>> shendu.argsort(shendu.tensor([[3, 1, 2]]), dim=1)
        tensor([[1, 2, 0]])
    """
    axis = _check("argsort", input, dim)
    return Tensor._make(_order(input, axis, descending))


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> SortResult:
    """The ``k`` largest (or smallest) values along ``dim``, with their positions.

    Args:
        input: the tensor.
        k: how many values to keep, at most ``input.size(dim)``.
        dim: the dim to search along. Default: -1.
        largest: the largest values; False takes the smallest. Default: True.
        sorted: return them in order (largest first, or smallest first); shendu always does. Default: True.

    Returns:
        A named tuple ``(values, indices)``; ``indices`` are int64. Among ties the earlier position wins.

    Example:
        >>> values, indices = shendu.topk(shendu.tensor([1.0, 5.0, 3.0, 4.0]), 2)
        >>> values, indices
        (tensor([5., 4.]), tensor([1, 3]))
    """
    axis = _check("topk", input, dim)
    if input.dtype.np.kind == "b":
        raise DtypeError("topk: bool tensors are not supported, as in PyTorch; cast the input first (x.int())")
    if isinstance(k, Tensor) and k.numel() == 1:
        k = k.item()
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise DtypeError(f"topk: k must be an int, got {type(k).__name__} {k!r}")
    size = input._array.shape[axis] if input._array.ndim else 1
    if not 0 <= k <= size:
        raise ShapeError(
            f"topk: k={k} is out of range for dim {dim} of size {size} (input shape {tuple(input.shape)}); "
            f"expected 0 <= k <= {size}"
        )
    order = _order(input, axis, descending=largest)
    if input._array.ndim:
        order = get_array_module(order).ascontiguousarray(order[(slice(None),) * axis + (slice(0, int(k)),)])
    return SortResult(_values(input, axis, order), Tensor._make(order))
