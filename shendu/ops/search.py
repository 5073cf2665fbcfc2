"""Which elements, and how many: ``nonzero``, ``argwhere``, ``unique`` and ``bincount``.

Their results are int64 positions and counts, or values picked from the input, and carry no gradient,
as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_dim
from ..backend import get_array_module
from ..errors import DtypeError, ShapeError
from ..sparse.coo import unsupported
from ..tensor import Tensor

__all__ = ["argwhere", "bincount", "nonzero", "unique"]


def _check(op: str, input: Any) -> Any:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if input.is_sparse:
        raise unsupported(op)
    return input._array


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """The positions of the nonzero (True) elements.

    Args:
        input: the tensor.
        as_tuple: return one 1-d tensor of positions per dim (ready for indexing, ``x[x.nonzero(as_tuple=True)]``)
            instead of one (count, ndim) tensor. Default: False.

    Example:
        >>> shendu.nonzero(shendu.tensor([[0, 3], [5, 0]]))
        tensor([[0, 1],
                [1, 0]])
    """
    data = _check("nonzero", input)
    xp = get_array_module(data)
    if as_tuple:
        return tuple(Tensor._make(p.astype(np.int64)) for p in xp.nonzero(data.reshape(-1) if data.ndim == 0 else data))
    return Tensor._make(xp.argwhere(data).astype(np.int64))


def argwhere(input: Tensor) -> Tensor:
    """The positions of the nonzero elements, one row each: ``nonzero(input)``.

    Example:
        >>> shendu.argwhere(shendu.tensor([0.0, 2.0, 1.0]))
        tensor([[1],
                [2]])
    """
    data = _check("argwhere", input)
    return Tensor._make(get_array_module(data).argwhere(data).astype(np.int64))


def unique(
    input: Tensor,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Tensor | tuple[Tensor, ...]:
    """The distinct elements (or distinct slices along ``dim``), in ascending order.

    Args:
        input: the tensor.
        sorted: accepted for PyTorch's signature; the result is always in ascending order. Default: True.
        return_inverse: also return, for each element (or slice), the position of its value in the
            result, shaped like the input (or with the size of ``dim``). Default: False.
        return_counts: also return how often each distinct value occurs. Default: False.
        dim: find distinct slices along this dim instead of distinct elements of the flattened input.
            Default: None.

    Returns:
        The distinct values, followed by the inverse positions and the counts when asked for.

    Example:
        >>> shendu.unique(shendu.tensor([3, 1, 3, 2]), return_counts=True)
        (tensor([1, 2, 3]), tensor([1, 1, 2]))
    """
    data = _check("unique", input)
    xp = get_array_module(data)
    if dim is None:
        # Every NaN is distinct, as in PyTorch (NumPy merges them by default).
        distinct_nans = {"equal_nan": False} if xp is np else {}
        found = xp.unique(data.reshape(-1), return_inverse=True, return_counts=True, **distinct_nans)
        inverse_shape = data.shape
    else:
        axis = check_dim("unique", dim, data.ndim, data.shape)
        if data.ndim == 0:
            raise ShapeError("unique: dim needs an input with at least one dim, got a 0-d tensor")
        if sum(size == 0 for size in data.shape) > 1:
            raise ShapeError(
                f"unique: with dim, the input may have at most one dim of size 0, got shape {tuple(data.shape)}"
            )
        if 0 in data.shape and data.shape[axis] != 0:
            raise ShapeError(
                f"unique: with dim={dim}, a dim of size 0 must be the one selected, got shape {tuple(data.shape)}; "
                "the slices along dim are empty and cannot be told apart"
            )
        found = xp.unique(data, return_inverse=True, return_counts=True, axis=axis)
        inverse_shape = (data.shape[axis],)
    values, inverse, counts = found
    result = [Tensor._make(values.astype(data.dtype, copy=False))]
    if return_inverse:
        result.append(Tensor._make(inverse.reshape(inverse_shape).astype(np.int64)))
    if return_counts:
        result.append(Tensor._make(counts.astype(np.int64)))
    return result[0] if len(result) == 1 else tuple(result)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, ..., max(input) occurs in a 1-d tensor of non-negative ints.

    Args:
        input: 1-d non-negative integers.
        weights: add this tensor's element (same shape as ``input``) instead of 1 for each occurrence;
            the result then has the weights' float dtype. Default: None.
        minlength: the least length of the result. Default: 0.

    Example:
        >>> shendu.bincount(shendu.tensor([0, 1, 1, 4]))
        tensor([1, 2, 0, 0, 1])
    """
    data = _check("bincount", input)
    if data.ndim != 1:
        raise ShapeError(f"bincount: expected a 1-d tensor, got shape {tuple(data.shape)}")
    if data.dtype.kind not in "iu":
        raise DtypeError(f"bincount: expected an integer tensor, got {input.dtype}; cast it first (x.long())")
    xp = get_array_module(data)
    if data.size and int(data.min()) < 0:
        raise ValueError(f"bincount: the values must be non-negative, got a minimum of {int(data.min())}")
    if weights is None:
        return Tensor._make(xp.bincount(data, minlength=minlength).astype(np.int64))
    given = _check("bincount", weights)
    if given.shape != data.shape:
        raise ShapeError(f"bincount: weights must have the input's shape {tuple(data.shape)}, got {tuple(given.shape)}")
    out_dtype = given.dtype if given.dtype.kind == "f" else np.dtype(np.float64)
    return Tensor._make(xp.bincount(data, weights=given, minlength=minlength).astype(out_dtype))
