from __future__ import annotations

from typing import Any

import pytest
import torch

import shendu
from shendu import nn
from tests.nn.helpers import check_module


def randomize_affine(module: torch.nn.Module) -> torch.nn.Module:
    torch.manual_seed(0)
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(0.5, 1.5)
    return module


@pytest.mark.parametrize(
    ("args", "kwargs", "shape"),
    [
        ((5,), {}, (3, 5)),
        ((5,), {}, (2, 3, 5)),
        (((3, 4),), {}, (2, 3, 4)),
        ([4], {"elementwise_affine": False}, (3, 4)),
        ((4,), {"bias": False, "eps": 1e-3}, (2, 2, 4)),
        ((6,), {}, (6,)),
    ],
)
def test_layer_norm(args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]) -> None:
    check_module(randomize_affine(torch.nn.LayerNorm(*args, **kwargs)), lambda: nn.LayerNorm(*args, **kwargs), shape)


@pytest.mark.parametrize(
    ("args", "kwargs", "shape"),
    [
        ((2, 4), {}, (3, 4, 5)),
        ((3, 6), {}, (2, 6, 3, 3)),
        ((1, 4), {}, (2, 4)),
        ((4, 4), {"affine": False}, (2, 4, 5)),
        ((2, 4), {"bias": False, "eps": 1e-2}, (2, 4, 2, 2)),
    ],
)
def test_group_norm(args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]) -> None:
    check_module(randomize_affine(torch.nn.GroupNorm(*args, **kwargs)), lambda: nn.GroupNorm(*args, **kwargs), shape)


@pytest.mark.parametrize(
    ("cls", "kwargs", "shape", "train"),
    [
        ("InstanceNorm1d", {}, (2, 3, 6), True),
        ("InstanceNorm1d", {"affine": True}, (3, 5), True),
        ("InstanceNorm1d", {"affine": True, "track_running_stats": True}, (2, 3, 6), True),
        ("InstanceNorm1d", {"track_running_stats": True}, (2, 3, 6), False),
        ("InstanceNorm2d", {}, (2, 3, 4, 4), True),
        ("InstanceNorm2d", {"affine": True, "eps": 1e-3}, (3, 4, 5), True),
        ("InstanceNorm2d", {"track_running_stats": True, "momentum": 0.3}, (2, 3, 4, 4), True),
        ("InstanceNorm2d", {"track_running_stats": True, "affine": True}, (2, 3, 4, 4), False),
    ],
)
def test_instance_norm(cls: str, kwargs: dict[str, Any], shape: tuple[int, ...], train: bool) -> None:
    torch_module = randomize_affine(getattr(torch.nn, cls)(3, **kwargs))
    check_module(torch_module, lambda: getattr(nn, cls)(3, **kwargs), shape, train=train, steps=3 if train else 1)


def test_instance_norm_without_parameters_accepts_any_channel_count() -> None:
    out = nn.InstanceNorm2d(3)(shendu.randn(2, 5, 4, 4))
    assert out.shape == (2, 5, 4, 4)


def test_constructor_errors() -> None:
    with pytest.raises(ValueError, match="GroupNorm: num_channels=6 must be divisible by num_groups=4"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match="GroupNorm: num_groups must be a positive int, got 0"):
        nn.GroupNorm(0, 6)
    with pytest.raises(ValueError, match="LayerNorm: normalized_shape must be a positive int, got 0"):
        nn.LayerNorm((3, 0))
