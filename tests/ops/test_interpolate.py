from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import shendu
import shendu.nn.functional as F
from tests.helpers import check, grad_check


def lib(m: Any) -> Any:
    return TF if m is torch else F


NEAREST_CASES = [
    ((2, 3, 5, 4), {"scale_factor": 2}),
    ((2, 3, 5, 4), {"scale_factor": 3.0}),
    ((2, 3, 5), {"scale_factor": 1.7}),
    ((2, 3, 5, 4), {"size": (7, 3)}),
    ((2, 3, 5, 4), {"size": 6}),
    ((2, 3, 5, 4), {"size": (5, 4)}),  # unchanged
    ((2, 3, 3, 3), {"scale_factor": 1.3}),  # the size rounds back to the input's
    ((2, 3, 8, 6), {"scale_factor": (0.5, 2.5)}),  # down and up
    ((2, 3, 7, 9), {"scale_factor": 0.3}),
    ((2, 3, 7, 9), {"scale_factor": 0.3, "recompute_scale_factor": True}),
    ((2, 3, 5, 4, 6), {"scale_factor": (1.5, 2.5, 0.7)}),
    ((1, 2, 4), {"size": 13}),
]


@pytest.mark.parametrize(("shape", "kwargs"), NEAREST_CASES)
def test_nearest(shape: tuple, kwargs: dict) -> None:
    check(lambda m, x: lib(m).interpolate(x, **kwargs), shape)


@pytest.mark.parametrize(("shape", "kwargs"), NEAREST_CASES[:6] + NEAREST_CASES[7:])
def test_nearest_exact(shape: tuple, kwargs: dict) -> None:
    check(lambda m, x: lib(m).interpolate(x, mode="nearest-exact", **kwargs), shape)


def test_integer_images() -> None:
    x = (np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5) % 256).astype(np.uint8)
    check(lambda m, x: lib(m).interpolate(x, scale_factor=2, mode="nearest"), x)
    check(lambda m, x: lib(m).interpolate(x, size=(3, 7), mode="nearest-exact"), x)


LINEAR_CASES = [
    ((2, 3, 4, 5), {"scale_factor": 2}),
    ((2, 3, 4, 5), {"scale_factor": 2, "align_corners": True}),
    ((1, 2, 5, 7), {"size": (8, 3)}),  # up in one dim, down in the other
    ((1, 2, 5, 7), {"size": (8, 3), "align_corners": True}),
    ((2, 1, 6, 6), {"scale_factor": 0.5}),
    ((2, 1, 6, 6), {"scale_factor": (1.7, 0.6)}),
    ((2, 1, 6, 6), {"scale_factor": (1.7, 0.6), "recompute_scale_factor": True}),
    ((2, 1, 6, 6), {"scale_factor": 1.3, "align_corners": True}),
    ((1, 2, 1, 1), {"size": (3, 4)}),  # a single pixel
    ((1, 2, 1, 1), {"size": (3, 4), "align_corners": True}),
    ((1, 2, 4, 4), {"size": 1, "align_corners": True}),  # a single output pixel
    ((1, 2, 3, 5), {"size": (3, 5)}),  # unchanged
    ((0, 2, 3, 3), {"size": (4, 4)}),  # an empty batch
]


@pytest.mark.parametrize(("shape", "kwargs"), LINEAR_CASES)
def test_bilinear(shape: tuple, kwargs: dict) -> None:
    check(lambda m, x: lib(m).interpolate(x, mode="bilinear", **kwargs), shape)


@pytest.mark.parametrize(("shape", "kwargs"), LINEAR_CASES[:9])
def test_bicubic(shape: tuple, kwargs: dict) -> None:
    check(lambda m, x: lib(m).interpolate(x, mode="bicubic", **kwargs), shape)


@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((2, 3, 5), {"scale_factor": 2}),
        ((2, 3, 5), {"scale_factor": 2.5, "align_corners": True}),
        ((1, 2, 9), {"size": 4}),
        ((1, 2, 9), {"scale_factor": 0.45}),
    ],
)
def test_linear(shape: tuple, kwargs: dict) -> None:
    check(lambda m, x: lib(m).interpolate(x, mode="linear", **kwargs), shape)


@pytest.mark.parametrize(
    "kwargs", [{"scale_factor": 2}, {"size": (3, 5, 2), "align_corners": True}, {"scale_factor": (1.5, 0.5, 2.0)}]
)
def test_trilinear(kwargs: dict) -> None:
    check(lambda m, x: lib(m).interpolate(x, mode="trilinear", **kwargs), (1, 2, 3, 4, 3))


@pytest.mark.parametrize(("shape", "size"), [((2, 3, 8, 6), (4, 3)), ((2, 3, 7, 5), (3, 2)), ((2, 3, 9), 4)])
def test_area(shape: tuple, size: Any) -> None:
    check(lambda m, x: lib(m).interpolate(x, size=size, mode="area"), shape)


def test_layouts() -> None:
    check(lambda m, x: lib(m).interpolate(x, scale_factor=2, mode="bilinear"), (2, 3, 4, 5), noncontiguous=True)
    check(lambda m, x: lib(m).interpolate(x, size=(5, 3), mode="bicubic", align_corners=True), (1, 2, 3, 4))


def test_known_values() -> None:
    row = shendu.tensor([[[0.0, 1.0]]])
    assert F.interpolate(row, size=4, mode="linear").flatten().tolist() == [0.0, 0.25, 0.75, 1.0]
    corners = F.interpolate(row, size=3, mode="linear", align_corners=True).flatten().tolist()
    assert corners == [0.0, 0.5, 1.0]
    image = shendu.arange(4.0).reshape(1, 1, 2, 2)
    assert F.interpolate(image, scale_factor=2, mode="bilinear").dtype == shendu.float32


def test_gradcheck() -> None:
    grad_check(lambda m, x: F.interpolate(x, scale_factor=(1.5, 0.6)), (2, 2, 5, 6))
    grad_check(lambda m, x: F.interpolate(x, scale_factor=(1.5, 0.6), mode="bilinear"), (2, 2, 5, 6))
    grad_check(lambda m, x: F.interpolate(x, size=(7, 3), mode="bilinear", align_corners=True), (1, 2, 4, 5))
    grad_check(lambda m, x: F.interpolate(x, size=(5, 4), mode="bicubic"), (1, 2, 3, 4))
    grad_check(lambda m, x: F.interpolate(x, scale_factor=2, mode="trilinear"), (1, 1, 2, 3, 2))
    grad_check(lambda m, x: F.interpolate(x, size=7, mode="nearest-exact"), (1, 2, 4))


def test_errors() -> None:
    x = shendu.zeros(1, 3, 4, 4)
    with pytest.raises(ValueError, match=r"interpolate: unknown mode 'cubic'; expected one of nearest, linear"):
        F.interpolate(x, scale_factor=2, mode="cubic")
    with pytest.raises(NotImplementedError, match=r"interpolate: mode 'lanczos' is not implemented"):
        F.interpolate(x, scale_factor=2, mode="lanczos")
    with pytest.raises(shendu.ShapeError, match=r"interpolate: give exactly one of size and scale_factor"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(shendu.ShapeError, match=r"interpolate: give exactly one of size and scale_factor"):
        F.interpolate(x)
    with pytest.raises(
        shendu.ShapeError,
        match=r"interpolate: align_corners can only be set with the interpolating modes \(linear, .*\), "
        r"not mode='nearest'",
    ):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(shendu.ShapeError, match=r"interpolate: antialias is only available for the bilinear"):
        F.interpolate(x, scale_factor=2, antialias=True)
    with pytest.raises(NotImplementedError, match=r"interpolate: antialias=True is not implemented"):
        F.interpolate(x, scale_factor=0.5, mode="bilinear", antialias=True)
    with pytest.raises(
        shendu.ShapeError, match=r"interpolate: expected a 3-D \(N, C, L\), 4-D .* got a 2-D input of shape \(4, 4\)"
    ):
        F.interpolate(shendu.zeros(4, 4), scale_factor=2)
    with pytest.raises(
        shendu.ShapeError, match=r"interpolate: mode 'bilinear' needs a 4-D input \(N, C, H, W\), got shape \(3, 4, 4\)"
    ):
        F.interpolate(shendu.zeros(3, 4, 4), scale_factor=2, mode="bilinear")
    with pytest.raises(shendu.ShapeError, match=r"interpolate: mode 'linear' needs a 3-D input \(N, C, L\)"):
        F.interpolate(x, scale_factor=2, mode="linear")
    with pytest.raises(shendu.DtypeError, match=r"interpolate: mode 'bilinear' needs a floating-point input"):
        F.interpolate(shendu.zeros(1, 3, 4, 4, dtype=shendu.int64), scale_factor=2, mode="bilinear")
    with pytest.raises(NotImplementedError, match=r"interpolate: mode 'area' is implemented for 3-D and 4-D inputs"):
        F.interpolate(shendu.zeros(1, 1, 2, 2, 2), size=1, mode="area")
    with pytest.raises(
        shendu.ShapeError,
        match=r"interpolate: size must be an int or 2 ints for an input of shape \(1, 3, 4, 4\), got \(4,\)",
    ):
        F.interpolate(x, size=(4,))
    with pytest.raises(shendu.ShapeError, match=r"interpolate: scale_factor must be a number or 2 numbers"):
        F.interpolate(x, scale_factor=(2, 2, 2))
    with pytest.raises(
        shendu.ShapeError,
        match=r"interpolate: input and output sizes must be positive, got input size \(4, 4\) and output size \(0, 4\)",
    ):
        F.interpolate(x, size=(0, 4))
    with pytest.raises(TypeError, match="interpolate: expected a Tensor as input, got list"):
        F.interpolate([1.0], size=2)
    for call in (
        lambda: TF.interpolate(torch.zeros(3, 4, 4), scale_factor=2, mode="bilinear"),
        lambda: TF.interpolate(torch.zeros(1, 3, 4, 4, dtype=torch.int64), scale_factor=2, mode="bilinear"),
        lambda: TF.interpolate(torch.zeros(1, 3, 4, 4), scale_factor=2, align_corners=True),
    ):
        with pytest.raises((NotImplementedError, ValueError)):
            call()
