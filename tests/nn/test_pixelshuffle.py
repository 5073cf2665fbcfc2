from __future__ import annotations

import pytest
import torch

from shendu import nn
from tests.nn.helpers import check_module


@pytest.mark.parametrize(("factor", "shape"), [(2, (2, 8, 3, 3)), (3, (9, 2, 2)), (1, (1, 2, 3, 3))])
def test_pixel_shuffle(factor: int, shape: tuple[int, ...]) -> None:
    check_module(torch.nn.PixelShuffle(factor), nn.PixelShuffle(factor), shape)
    assert repr(nn.PixelShuffle(factor)) == repr(torch.nn.PixelShuffle(factor))


@pytest.mark.parametrize(("factor", "shape"), [(2, (2, 2, 4, 6)), (3, (1, 3, 3))])
def test_pixel_unshuffle(factor: int, shape: tuple[int, ...]) -> None:
    check_module(torch.nn.PixelUnshuffle(factor), nn.PixelUnshuffle(factor), shape)
    assert repr(nn.PixelUnshuffle(factor)) == repr(torch.nn.PixelUnshuffle(factor))


def test_super_resolution_head() -> None:
    """The sub-pixel convolution head of a super-resolution network, weights loaded from torch."""
    torch.manual_seed(0)
    make = lambda lib: lib.Sequential(lib.Conv2d(3, 3 * 4, 3, padding=1), lib.PixelShuffle(2))  # noqa: E731
    check_module(make(torch.nn), make(nn), (2, 3, 5, 4))


def test_errors() -> None:
    with pytest.raises(ValueError, match="PixelShuffle: upscale_factor must be a positive int, got 0"):
        nn.PixelShuffle(0)
    with pytest.raises(ValueError, match=r"PixelUnshuffle: downscale_factor must be a positive int, got 1\.5"):
        nn.PixelUnshuffle(1.5)
    with pytest.raises(TypeError, match="PixelShuffle: expected a Tensor input, got list"):
        nn.PixelShuffle(2)([1.0])
