"""Distance layers: ``PairwiseDistance`` and ``CosineSimilarity`` (the module forms of the functions)."""

from __future__ import annotations

from ...ops.distance import cosine_similarity, pairwise_distance
from ...tensor import Tensor
from ..module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class PairwiseDistance(Module):
    """The p-norm distance between the rows of two inputs (see ``F.pairwise_distance``).

    Args:
        p: the order of the norm. Default: 2.0.
        eps: added to the difference. Default: 1e-6.
        keepdim: keep the last dim with size 1. Default: False.

    Shape:
        - Input: :math:`(N, D)` or :math:`(D)`, twice. Output: :math:`(N)` or :math:`()`.

    Example:
        >>> nn.PairwiseDistance(eps=0.0)(shendu.tensor([[3.0, 4.0]]), shendu.zeros(1, 2))
        tensor([5.])
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """The cosine of the angle between two inputs along ``dim`` (see ``F.cosine_similarity``).

    Args:
        dim: the dim holding the vectors. Default: 1.
        eps: the smallest norm divided by. Default: 1e-8.

    Shape:
        - Input: :math:`(*, D, *)`, twice. Output: the broadcast shape without ``dim``.

    Example:
        >>> nn.CosineSimilarity()(shendu.tensor([[1.0, 0.0]]), shendu.tensor([[2.0, 0.0]]))
        tensor([1.])
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)
