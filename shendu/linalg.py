"""Norms in the form of PyTorch's ``torch.linalg``: ``vector_norm``, ``matrix_norm`` and ``norm``.

The matrix norms that need singular values (``ord=2``, ``-2`` and ``"nuc"``) and the factorizations and
solvers of ``torch.linalg`` are not in shendu; they raise and say so.
"""

from __future__ import annotations

import math
from typing import Any

from ._checks import check_dim
from .errors import DimError, DtypeError, ShapeError, missing_attribute
from .ops.reduction import norm as _norm
from .tensor import Tensor

__all__ = ["matrix_norm", "norm", "vector_norm"]

_MATRIX_ORDERS = ("fro", 1, -1, math.inf, -math.inf)


def _tensor(op: str, input: Any) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"linalg.{op}: expected a Tensor, got {type(input).__name__}")
    return input


def vector_norm(
    x: Tensor, ord: float = 2, dim: int | tuple[int, ...] | None = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """The vector ``ord``-norm of ``x`` over ``dim``, every element when ``dim`` is None.

    Args:
        x: a floating-point tensor.
        ord: the order: a number, ``inf`` or ``-inf``. Default: 2.
        dim: a dim or a tuple of dims. Default: None (every element, as one vector).
        keepdim: keep the reduced dims with size 1. Default: False.
        dtype: cast ``x`` to this floating-point dtype first. Default: None.

    Example:
        >>> shendu.linalg.vector_norm(shendu.tensor([[3.0, 4.0], [0.0, 1.0]]), dim=1)
        tensor([5., 1.])
    """
    _tensor("vector_norm", x)
    if isinstance(ord, str):
        raise ValueError(f"linalg.vector_norm: ord must be a number, inf or -inf, got {ord!r}")
    return _norm(x, p=ord, dim=dim, keepdim=keepdim, dtype=dtype)


def matrix_norm(
    A: Tensor,  # noqa: N803 - PyTorch's name
    ord: float | str = "fro",
    dim: tuple[int, int] = (-2, -1),
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """The matrix norm of ``A`` over the two dims ``dim`` (a batch of matrices in the other dims).

    Args:
        A: a floating-point tensor with at least two dims.
        ord: ``"fro"`` (Frobenius), ``1`` / ``-1`` (largest / smallest absolute column sum) or
            ``inf`` / ``-inf`` (largest / smallest absolute row sum). Default: ``"fro"``.
        dim: the two dims that hold the matrix. Default: (-2, -1).
        keepdim: keep the reduced dims with size 1. Default: False.
        dtype: cast ``A`` to this floating-point dtype first. Default: None.

    Example:
        >>> shendu.linalg.matrix_norm(shendu.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=1)
        tensor(6.)
    """
    _tensor("matrix_norm", A)
    if A.ndim < 2:
        raise ShapeError(f"linalg.matrix_norm: expected a tensor with at least 2 dims, got shape {tuple(A.shape)}")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise ShapeError(f"linalg.matrix_norm: dim must be a pair of dims, got {dim!r}")
    rows, cols = (check_dim("linalg.matrix_norm", d, A.ndim, tuple(A.shape)) for d in dim)
    if rows == cols:
        raise DimError(f"linalg.matrix_norm: dim must name two different dims, got {tuple(dim)}")
    if ord in ("nuc", 2, -2):
        raise ValueError(
            f"linalg.matrix_norm: ord={ord!r} needs singular values, which shendu does not compute; "
            "use 'fro', 1, -1, inf or -inf"
        )
    if ord not in _MATRIX_ORDERS:
        raise ValueError(f"linalg.matrix_norm: ord must be 'fro', 1, -1, inf or -inf, got {ord!r}")
    if ord == "fro":
        return _norm(A, p=2, dim=(rows, cols), keepdim=keepdim, dtype=dtype)
    matrix = A if dtype is None else A.to(dtype)
    if not matrix.is_floating_point():
        raise DtypeError(
            f"linalg.matrix_norm: expected a floating-point tensor, got dtype {matrix.dtype}; cast it first (A.float())"
        )
    summed, searched = (rows, cols) if abs(ord) == 1 else (cols, rows)
    sums = matrix.abs().sum(dim=summed, keepdim=True)
    out = sums.amax(dim=searched, keepdim=True) if ord > 0 else sums.amin(dim=searched, keepdim=True)
    return out if keepdim else out.squeeze(max(rows, cols)).squeeze(min(rows, cols))


def norm(
    A: Tensor,  # noqa: N803 - PyTorch's name
    ord: float | str | None = None,
    dim: int | tuple[int, ...] | None = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """A vector or a matrix norm, chosen as PyTorch's ``torch.linalg.norm`` chooses.

    With ``ord`` None, the 2-norm of every element over ``dim`` (all of them when ``dim`` is None, the
    Frobenius norm of a matrix). With ``ord`` given, ``dim`` (or the input's shape) picks the kind: one dim
    (or a 1-d input) gives ``vector_norm``, two dims (or a 2-d input) ``matrix_norm``.

    Args:
        A: a floating-point tensor.
        ord: the order. Default: None.
        dim: an int or a pair of dims. Default: None.
        keepdim: keep the reduced dims with size 1. Default: False.
        dtype: cast ``A`` to this floating-point dtype first. Default: None.

    Example:
        >>> shendu.linalg.norm(shendu.tensor([[1.0, -2.0], [3.0, 4.0]]), dim=1)
        tensor([2.2361, 5.0000])
    """
    _tensor("norm", A)
    if dim is None:
        if ord is None:
            return _norm(A, p=2, dim=None, keepdim=keepdim, dtype=dtype)
        if A.ndim not in (1, 2):
            raise ShapeError(
                f"linalg.norm: with ord={ord!r} and no dim, the input must be 1-d or 2-d, got shape "
                f"{tuple(A.shape)}; pass dim, or use linalg.vector_norm for the norm of every element"
            )
        dim = tuple(range(A.ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) == 1:
        return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    if len(dims) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    raise ShapeError(f"linalg.norm: dim must be one dim or a pair of dims, got {dim!r}")


def __getattr__(name: str) -> Any:
    # Only reached for a name the module lacks, such as torch.linalg's solvers and factorizations.
    if name.startswith("_"):
        raise AttributeError(f"module 'shendu.linalg' has no attribute {name!r}")
    raise missing_attribute("module 'shendu.linalg'", name)
