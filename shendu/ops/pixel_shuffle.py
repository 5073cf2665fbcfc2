"""Pixel shuffle: trade channels for resolution (sub-pixel convolution), and its inverse.

Both are a reshape, a permutation and a reshape, so their gradients come from those ops.
"""

from __future__ import annotations

from .._checks import check_tensor
from ..errors import ShapeError
from ..tensor import Tensor
from ._common import as_index

__all__ = ["pixel_shuffle", "pixel_unshuffle"]


def _check(op: str, input: Tensor, factor: int, name: str) -> int:
    check_tensor(op, input, "as input")
    if isinstance(factor, bool):
        raise TypeError(f"{op}: {name} must be an int, got bool {factor!r}")
    factor = as_index(op, name, factor)
    if factor <= 0:
        raise ValueError(f"{op}: {name} must be positive, got {factor}")
    if input.ndim < 3:
        raise ShapeError(
            f"{op}: expected an input of at least 3 dims (*, C, H, W), got a {input.ndim}-D input of shape "
            f"{tuple(input.shape)}"
        )
    return factor


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange ``(*, C·r², H, W)`` into ``(*, C, H·r, W·r)``: each group of r² channels becomes an r×r block.

    Output pixel ``(c, h·r + i, w·r + j)`` is input ``(c·r² + i·r + j, h, w)``. Used to upsample at the
    end of a super-resolution network (Shi et al., 2016, "Real-Time Single Image and Video
    Super-Resolution Using an Efficient Sub-Pixel Convolutional Neural Network").

    Args:
        input: ``(*, C·r², H, W)``.
        upscale_factor: ``r``.

    Example:
        >>> F.pixel_shuffle(shendu.arange(4.0).reshape(1, 4, 1, 1), 2)
        tensor([[[[0., 1.],
                  [2., 3.]]]])
    """
    r = _check("pixel_shuffle", input, upscale_factor, "upscale_factor")
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise ShapeError(
            f"pixel_shuffle: the channel dim (-3) must be divisible by upscale_factor² = {r * r}, got {c} "
            f"channels; input shape {tuple(input.shape)}"
        )
    n = len(batch)
    x = input.reshape(*batch, c // (r * r), r, r, h, w)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange ``(*, C, H·r, W·r)`` into ``(*, C·r², H, W)``, undoing ``pixel_shuffle``.

    Args:
        input: ``(*, C, H·r, W·r)``.
        downscale_factor: ``r``.

    Example:
        >>> F.pixel_unshuffle(shendu.arange(4.0).reshape(1, 1, 2, 2), 2).flatten()
        tensor([0., 1., 2., 3.])
    """
    r = _check("pixel_unshuffle", input, downscale_factor, "downscale_factor")
    *batch, c, h, w = input.shape
    for name, size, dim in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise ShapeError(
                f"pixel_unshuffle: the {name} (dim {dim}) must be divisible by downscale_factor {r}, got {size}; "
                f"input shape {tuple(input.shape)}"
            )
    n = len(batch)
    x = input.reshape(*batch, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*batch, c * r * r, h // r, w // r)
