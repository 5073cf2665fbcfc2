"""Upsampling layers: ``F.interpolate`` as a module, and its two fixed-mode forms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...tensor import Tensor
from .. import functional as F
from ..module import Module
from ._utils import check_input

__all__ = ["Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"]


class Upsample(Module):
    """Resample signals, images or volumes by a scale factor or to a size (``F.interpolate`` as a module).

    Args:
        size: the output spatial size. Default: None.
        scale_factor: the multiplier of the spatial size. Default: None. Give exactly one of
            ``size`` and ``scale_factor``.
        mode: ``'nearest'``, ``'nearest-exact'``, ``'linear'``, ``'bilinear'``, ``'bicubic'``,
            ``'trilinear'`` or ``'area'`` (see ``F.interpolate``). Default: ``'nearest'``.
        align_corners: for the linear and cubic modes only: map the corner pixels' centres onto
            each other. Default: None (False).
        recompute_scale_factor: compute the scale from the output size. Default: None.

    Shape:
        - Input: :math:`(N, C, W_{in})`, :math:`(N, C, H_{in}, W_{in})` or :math:`(N, C, D_{in}, H_{in}, W_{in})`.
        - Output: :math:`H_{out} = \\lfloor H_{in} \\times scale \\rfloor` (or ``size``), likewise each spatial dim.

    Example:
        >>> nn.Upsample(scale_factor=2)(shendu.randn(1, 1, 2, 2)).shape
        shendu.Size([1, 1, 4, 4])
        >>> nn.Upsample(size=3, mode="bilinear", align_corners=True)(shendu.tensor([[[[0.0, 2.0]]]]))
        tensor([[[[0., 1., 2.],
                  [0., 1., 2.],
                  [0., 1., 2.]]]])
    """

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        scale_factor: float | Sequence[float] | None = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ValueError(f"{type(self).__name__}: give exactly one of size and scale_factor")
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor: Any = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        check_input(self, input)
        return F.interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of images: ``Upsample(size, scale_factor, mode='nearest')``.

    Args:
        size: the output's ``(H, W)``, or one int for both. Default: None.
        scale_factor: the multiplier of height and width. Default: None.

    Example:
        >>> nn.UpsamplingNearest2d(scale_factor=2)(shendu.randn(1, 3, 4, 4)).shape
        shendu.Size([1, 3, 8, 8])
    """

    def __init__(
        self, size: int | Sequence[int] | None = None, scale_factor: float | Sequence[float] | None = None
    ) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling of images with aligned corners: ``Upsample(..., mode='bilinear', align_corners=True)``.

    Args:
        size: the output's ``(H, W)``, or one int for both. Default: None.
        scale_factor: the multiplier of height and width. Default: None.

    Example:
        >>> nn.UpsamplingBilinear2d(scale_factor=2)(shendu.randn(1, 3, 4, 4)).shape
        shendu.Size([1, 3, 8, 8])
    """

    def __init__(
        self, size: int | Sequence[int] | None = None, scale_factor: float | Sequence[float] | None = None
    ) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
