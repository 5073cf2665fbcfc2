"""Distances between batches of vectors: ``pairwise_distance`` and ``cosine_similarity`` (built from ops)."""

from __future__ import annotations

from .._checks import check_dim, check_tensor
from ..tensor import Tensor
from ._common import broadcast_shape
from .elementwise import clamp
from .reduction import norm

__all__ = ["cosine_similarity", "pairwise_distance"]


def _pair(op: str, x1: Tensor, x2: Tensor) -> tuple[int, ...]:
    check_tensor(op, x1, name="x1")
    check_tensor(op, x2, name="x2")
    return broadcast_shape(op, tuple(x1.shape), tuple(x2.shape))


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """The p-norm distance between the rows of ``x1`` and ``x2``: ``||x1 - x2 + eps||_p`` over the last dim.

    Args:
        x1: a tensor of vectors in its last dim.
        x2: a tensor broadcastable with ``x1``.
        p: the order of the norm. Default: 2.0.
        eps: added to the difference, so the gradient exists where the vectors are equal. Default: 1e-6.
        keepdim: keep the last dim with size 1. Default: False.

    Shape:
        - Input: :math:`(N, D)`, :math:`(D)` or :math:`()`. Output: :math:`(N)` or :math:`()`.

    Example:
        >>> F.pairwise_distance(shendu.tensor([[3.0, 4.0]]), shendu.zeros(1, 2), eps=0.0)
        tensor([5.])
    """
    shape = _pair("pairwise_distance", x1, x2)
    if not shape:
        # Two numbers are two vectors of one element, as in PyTorch.
        return norm(x1 - x2 + eps, p=p)
    return norm(x1 - x2 + eps, p=p, dim=-1, keepdim=keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim``: ``x1 . x2 / (max(|x1|, eps) max(|x2|, eps))``.

    Args:
        x1: a tensor.
        x2: a tensor broadcastable with ``x1``.
        dim: the dim holding the vectors. Default: 1.
        eps: the smallest norm divided by, so zero vectors give 0. Default: 1e-8.

    Shape:
        - Input: :math:`(*, D, *)` with ``D`` at ``dim``. Output: the broadcast shape without ``dim``.

    Example:
        >>> F.cosine_similarity(shendu.tensor([[1.0, 0.0]]), shendu.tensor([[1.0, 1.0]]))
        tensor([0.7071])
    """
    shape = _pair("cosine_similarity", x1, x2)
    d = check_dim("cosine_similarity", dim, len(shape), shape)
    # The norms are those of the broadcast vectors, as in PyTorch.
    x1, x2 = x1.expand(shape), x2.expand(shape)
    return ((x1 / _norm_at_least(x1, d, eps)) * (x2 / _norm_at_least(x2, d, eps))).sum(dim=d)


def _norm_at_least(x: Tensor, dim: int, eps: float) -> Tensor:
    """The norm along ``dim``, raised to ``eps`` in value only: PyTorch clamps it outside autograd, so the
    gradient is still the norm's."""
    n = norm(x, dim=dim, keepdim=True)
    floor = n.detach()
    return n + (clamp(floor, min=eps) - floor)
