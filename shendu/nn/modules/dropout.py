"""Dropout layers: inverted dropout, active only in training mode."""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from ..module import Module
from ._utils import check_input, check_probability

__all__ = ["Dropout", "Dropout2d"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = check_probability(self, "p", p)
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` in training mode and scale the rest by ``1 / (1 - p)``.

    In ``eval()`` mode the input passes through unchanged. The mask comes from shendu's generator,
    so ``shendu.manual_seed`` makes runs reproducible.

    Args:
        p: the probability of zeroing an element. Default: 0.5.
        inplace: write the result into the input. Default: False.

    Shape:
        - Input: any shape. Output: the same shape.

    Example:
        >>> m = nn.Dropout(p=0.2)
        >>> m(shendu.randn(20, 16)).shape
        shendu.Size([20, 16])
    """

    def forward(self, input: Tensor) -> Tensor:
        check_input(self, input)
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels with probability ``p`` in training mode and scale the rest by ``1 / (1 - p)``.

    For feature maps whose neighbouring pixels are correlated, where dropping single pixels
    regularizes little.

    Args:
        p: the probability of zeroing a channel. Default: 0.5.
        inplace: write the result into the input. Default: False.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`. Output: the same shape.

    Example:
        >>> nn.Dropout2d(p=0.2)(shendu.randn(20, 16, 32, 32)).shape
        shendu.Size([20, 16, 32, 32])
    """

    def forward(self, input: Tensor) -> Tensor:
        check_input(self, input)
        return F.dropout2d(input, self.p, self.training, self.inplace)
