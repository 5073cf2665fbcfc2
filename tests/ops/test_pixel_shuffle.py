from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import shendu
import shendu.nn.functional as F
from tests.helpers import check, grad_check


def lib(m: object) -> object:
    return TF if m is torch else F


@pytest.mark.parametrize(
    ("shape", "factor"),
    [((2, 8, 3, 3), 2), ((9, 2, 4), 3), ((2, 3, 4, 2, 2), 2), ((1, 4, 1, 1), 1), ((1, 18, 2, 3), 3)],
)
def test_pixel_shuffle(shape: tuple[int, ...], factor: int) -> None:
    check(lambda m, x: lib(m).pixel_shuffle(x, factor), shape)


@pytest.mark.parametrize(
    ("shape", "factor"),
    [((2, 2, 4, 6), 2), ((3, 6, 9), 3), ((2, 1, 2, 4, 4), 2), ((1, 3, 2, 2), 1), ((1, 2, 6, 3), 3)],
)
def test_pixel_unshuffle(shape: tuple[int, ...], factor: int) -> None:
    check(lambda m, x: lib(m).pixel_unshuffle(x, factor), shape)


def test_empty_batch() -> None:
    # torch 2.13's backward of an empty batch returns a gradient of the wrong shape, so forward only.
    check(lambda m, x: lib(m).pixel_shuffle(x, 2), (0, 4, 2, 2), grad=False)


def test_empty_unshuffle_keeps_the_definition() -> None:
    """torch 2.13 returns an empty input of pixel_unshuffle unchanged; shendu rearranges its shape as for any input."""
    assert tuple(F.pixel_unshuffle(shendu.zeros(0, 2, 2), 2).shape) == (0, 1, 1)
    assert tuple(F.pixel_unshuffle(shendu.zeros(1, 0, 2, 4), 2).shape) == (1, 0, 1, 2)
    assert tuple(TF.pixel_unshuffle(torch.zeros(0, 2, 2), 2).shape) == (0, 2, 2)


def test_round_trip_and_integers() -> None:
    check(lambda m, x: lib(m).pixel_unshuffle(lib(m).pixel_shuffle(x, 2), 2), (2, 8, 3, 5), noncontiguous=True)
    check(lambda m, x: lib(m).pixel_shuffle(x, 2), np.arange(32).reshape(2, 4, 2, 2))
    x = shendu.randn(2, 12, 3, 4)
    assert F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2).equal(x)


def test_gradcheck() -> None:
    grad_check(lambda m, x: F.pixel_shuffle(x, 2) * F.pixel_shuffle(x.flip(1), 2), (2, 8, 2, 3))
    grad_check(lambda m, x: F.pixel_unshuffle(x, 2).cumsum(1), (1, 2, 4, 2))


def test_errors() -> None:
    with pytest.raises(
        shendu.ShapeError,
        match=r"pixel_shuffle: the channel dim \(-3\) must be divisible by upscale_factor² = 4, got 6 channels; "
        r"input shape \(2, 6, 3, 3\)",
    ):
        F.pixel_shuffle(shendu.zeros(2, 6, 3, 3), 2)
    with pytest.raises(
        shendu.ShapeError, match=r"pixel_shuffle: expected an input of at least 3 dims \(\*, C, H, W\), got a 2-D"
    ):
        F.pixel_shuffle(shendu.zeros(4, 4), 2)
    with pytest.raises(ValueError, match="pixel_shuffle: upscale_factor must be positive, got 0"):
        F.pixel_shuffle(shendu.zeros(1, 4, 2, 2), 0)
    with pytest.raises(TypeError, match=r"pixel_shuffle: upscale_factor must be an int, got float 1\.5"):
        F.pixel_shuffle(shendu.zeros(1, 4, 2, 2), 1.5)
    with pytest.raises(TypeError, match="pixel_unshuffle: expected a Tensor as input, got list"):
        F.pixel_unshuffle([1.0], 2)
    with pytest.raises(
        shendu.ShapeError,
        match=r"pixel_unshuffle: the height \(dim -2\) must be divisible by downscale_factor 2, got 5",
    ):
        F.pixel_unshuffle(shendu.zeros(2, 2, 5, 6), 2)
    with pytest.raises(shendu.ShapeError, match=r"pixel_unshuffle: the width \(dim -1\) must be divisible"):
        F.pixel_unshuffle(shendu.zeros(2, 2, 4, 5), 2)
    with pytest.raises(ValueError, match="pixel_unshuffle: downscale_factor must be positive, got -1"):
        F.pixel_unshuffle(shendu.zeros(2, 2, 4, 4), -1)
    for call in (
        lambda: TF.pixel_shuffle(torch.zeros(2, 6, 3, 3), 2),
        lambda: TF.pixel_unshuffle(torch.zeros(2, 2, 5, 6), 2),
    ):
        with pytest.raises(RuntimeError, match="divisible"):
            call()
