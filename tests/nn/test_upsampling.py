from __future__ import annotations

from typing import Any

import pytest
import torch

from shendu import nn
from tests.nn.helpers import check_module


@pytest.mark.parametrize(
    ("kwargs", "shape"),
    [
        ({"scale_factor": 2}, (2, 3, 4, 5)),
        ({"scale_factor": (2, 3)}, (1, 2, 3, 3)),
        ({"size": (5, 7)}, (1, 2, 3, 4)),
        ({"scale_factor": 3}, (2, 3, 4)),
        ({"size": 6}, (2, 3, 4, 4)),
        ({"scale_factor": 2, "mode": "bilinear"}, (2, 3, 4, 5)),
        ({"scale_factor": 2, "mode": "bilinear", "align_corners": True}, (2, 3, 4, 5)),
        ({"size": (3, 7), "mode": "bilinear"}, (1, 2, 5, 4)),
        ({"scale_factor": 1.5, "mode": "bicubic"}, (1, 2, 4, 4)),
        ({"scale_factor": 2, "mode": "linear", "align_corners": False}, (2, 3, 5)),
        ({"size": (2, 4, 3), "mode": "trilinear"}, (1, 2, 3, 3, 3)),
        ({"scale_factor": 2.5, "mode": "nearest-exact"}, (1, 2, 3, 3)),
    ],
)
def test_upsample(kwargs: dict[str, Any], shape: tuple[int, ...]) -> None:
    check_module(torch.nn.Upsample(**kwargs), nn.Upsample(**kwargs), shape)
    assert repr(nn.Upsample(**kwargs)) == repr(torch.nn.Upsample(**kwargs))


@pytest.mark.parametrize("cls", ["UpsamplingNearest2d", "UpsamplingBilinear2d"])
@pytest.mark.parametrize("kwargs", [{"scale_factor": 2}, {"size": (5, 3)}, {"size": 7}])
def test_fixed_mode_forms(cls: str, kwargs: dict[str, Any]) -> None:
    check_module(getattr(torch.nn, cls)(**kwargs), getattr(nn, cls)(**kwargs), (2, 3, 4, 4))
    assert repr(getattr(nn, cls)(**kwargs)) == repr(getattr(torch.nn, cls)(**kwargs))


def test_errors() -> None:
    with pytest.raises(ValueError, match="Upsample: give exactly one of size and scale_factor"):
        nn.Upsample()
    with pytest.raises(ValueError, match="Upsample: give exactly one of size and scale_factor"):
        nn.Upsample(size=2, scale_factor=2)
    with pytest.raises(ValueError, match="UpsamplingBilinear2d: give exactly one of size and scale_factor"):
        nn.UpsamplingBilinear2d()
    with pytest.raises(TypeError, match="Upsample: expected a Tensor input, got list"):
        nn.Upsample(scale_factor=2)([1.0])
