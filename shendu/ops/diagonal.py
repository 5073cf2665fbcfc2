"""Diagonals: ``diag`` (a vector to a diagonal matrix and back) and ``diagonal`` (a view of a diagonal)."""

from __future__ import annotations

from typing import Any

from .._checks import check_dim, check_tensor
from ..autograd.function import Function
from ..autograd.inplace import record_view
from ..backend import get_array_module
from ..errors import ShapeError
from ..tensor import Tensor
from ._common import as_index

__all__ = ["diag", "diagonal", "trace"]


def _diagonal_view(x: Any, offset: int, dim1: int, dim2: int) -> Any:
    """A writable view of ``x``'s diagonal ``offset`` between ``dim1`` and ``dim2``, appended as the last dim.

    NumPy's ``diagonal`` returns a read-only view; PyTorch's is writable, so this one is built from strides.
    """
    xp = get_array_module(x)
    start = [slice(None)] * x.ndim
    start[dim1] = slice(max(0, -offset), None)
    start[dim2] = slice(max(0, offset), None)
    corner = x[tuple(start)]
    length = max(0, min(corner.shape[dim1], corner.shape[dim2]))
    keep = [i for i in range(x.ndim) if i not in (dim1, dim2)]
    shape = (*(x.shape[i] for i in keep), length)
    strides = (*(x.strides[i] for i in keep), x.strides[dim1] + x.strides[dim2])
    return xp.lib.stride_tricks.as_strided(corner, shape, strides)


class Diagonal(Function):
    linear = True

    def forward(self, x: Any, offset: int, dim1: int, dim2: int) -> Any:
        self.meta = (x.shape, offset, dim1, dim2)
        return _diagonal_view(x, offset, dim1, dim2)

    def backward(self, grad: Any) -> tuple[Any]:
        shape, offset, dim1, dim2 = self.meta
        out = get_array_module(grad).zeros(shape, grad.dtype)
        _diagonal_view(out, offset, dim1, dim2)[...] = grad
        return (out,)


class DiagEmbed(Function):
    """A vector placed on diagonal ``offset`` of a square matrix of zeros."""

    linear = True

    def forward(self, x: Any, offset: int) -> Any:
        self.meta = offset
        size = x.shape[0] + abs(offset)
        out = get_array_module(x).zeros((size, size), x.dtype)
        _diagonal_view(out, offset, 0, 1)[...] = x
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        return (_diagonal_view(grad, self.meta, 0, 1).copy(),)


class DiagOf(Diagonal):
    """Diagonal ``offset`` of a matrix, copied (``diag`` returns a new tensor, ``diagonal`` a view)."""

    def forward(self, x: Any, offset: int, dim1: int, dim2: int) -> Any:
        return super().forward(x, offset, dim1, dim2).copy()


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D tensor as a diagonal matrix, or the diagonal of a 2-D tensor as a new 1-D tensor.

    Args:
        input: a 1-D tensor (placed on a diagonal) or a 2-D tensor (whose diagonal is taken).
        diagonal: which diagonal: 0 is the main one, positive above it, negative below. Default: 0.

    Shape:
        - Input: :math:`(N)` gives :math:`(N + |k|, N + |k|)`; :math:`(R, C)` gives the diagonal's length.

    Example:
        >>> shendu.diag(shendu.tensor([1.0, 2.0]))
        tensor([[1., 0.],
                [0., 2.]])
        >>> shendu.diag(shendu.arange(9).view(3, 3), 1)
        tensor([1, 5])
    """
    check_tensor("diag", input)
    offset = as_index("diag", "diagonal", diagonal)
    ndim = input._array.ndim
    if ndim == 1:
        return DiagEmbed.apply(input, offset=offset)
    if ndim == 2:
        return DiagOf.apply(input, offset=offset, dim1=0, dim2=1)
    raise ShapeError(
        f"diag: expected a 1-D or 2-D tensor, got a {ndim}-D tensor of shape {tuple(input.shape)}; "
        "use shendu.diagonal(input, offset, dim1, dim2) for the diagonals of a batch of matrices"
    )


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A view of the diagonal ``offset`` of the matrices spanned by ``dim1`` and ``dim2``, as the last dim.

    Changes made in place through the view change ``input``, as in PyTorch.

    Args:
        input: a tensor with at least 2 dims.
        offset: which diagonal: 0 is the main one, positive above it, negative below. Default: 0.
        dim1: the dim of the rows. Default: 0.
        dim2: the dim of the columns. Default: 1.

    Shape:
        - Input: :math:`(*, R, *, C, *)`. Output: the other dims, then the diagonal's length.

    Example:
        >>> shendu.arange(6).view(2, 3).diagonal(offset=1)
        tensor([1, 5])
    """
    check_tensor("diagonal", input)
    shape = input._array.shape
    d1 = check_dim("diagonal", dim1, len(shape), shape)
    d2 = check_dim("diagonal", dim2, len(shape), shape)
    if d1 == d2:
        raise ShapeError(f"diagonal: dim1 and dim2 must be different dims, got {dim1} and {dim2} (shape {shape})")
    params = {"offset": as_index("diagonal", "offset", offset), "dim1": d1, "dim2": d2}
    return record_view(Diagonal.apply(input, **params), input, Diagonal, params)


def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's main diagonal (differentiable); integer matrices give int64.

    Example:
        >>> shendu.trace(shendu.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor(5.)
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"trace: expected a Tensor, got {type(input).__name__}")
    if input.ndim != 2:
        raise ShapeError(f"trace: expected a 2-d matrix, got shape {tuple(input.shape)}")
    return diagonal(input).sum()
