"""PixelShuffle and PixelUnshuffle: move values between the channel dim and the spatial dims."""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from ..module import Module
from ._utils import check_count, check_input

__all__ = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """Rearrange ``(*, C·r², H, W)`` into ``(*, C, H·r, W·r)``, the upsampling of a sub-pixel convolution.

    Args:
        upscale_factor: ``r``, the factor by which height and width grow.

    Shape:
        - Input: :math:`(*, C \\cdot r^2, H, W)`. Output: :math:`(*, C, H \\cdot r, W \\cdot r)`.

    Example:
        >>> nn.PixelShuffle(3)(shendu.randn(1, 9, 4, 4)).shape
        shendu.Size([1, 1, 12, 12])
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = check_count(self, "upscale_factor", upscale_factor)

    def forward(self, input: Tensor) -> Tensor:
        check_input(self, input)
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Rearrange ``(*, C, H·r, W·r)`` into ``(*, C·r², H, W)``, the inverse of ``PixelShuffle``.

    Args:
        downscale_factor: ``r``, the factor by which height and width shrink.

    Shape:
        - Input: :math:`(*, C, H \\cdot r, W \\cdot r)`. Output: :math:`(*, C \\cdot r^2, H, W)`.

    Example:
        >>> nn.PixelUnshuffle(2)(shendu.randn(1, 1, 4, 4)).shape
        shendu.Size([1, 4, 2, 2])
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = check_count(self, "downscale_factor", downscale_factor)

    def forward(self, input: Tensor) -> Tensor:
        check_input(self, input)
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
