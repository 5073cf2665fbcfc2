from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch

import shendu
from shendu import nn

SHAPES = [(300, 400), (64, 32, 3, 3), (128, 40, 5)]


def stats(t: shendu.Tensor) -> tuple[float, float, float]:
    values = t.detach().numpy().astype(np.float64)
    return float(values.mean()), float(values.std()), float(np.abs(values).max())


@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("linear", None),
        ("conv2d", None),
        ("conv_transpose2d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", 0),
        ("selu", None),
    ],
)
def test_calculate_gain_equals_torch(name: str, param: Any) -> None:
    assert nn.init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param), rel=1e-15)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize(
    ("nonlinearity", "a"), [("leaky_relu", 0), ("leaky_relu", math.sqrt(5)), ("relu", 0), ("tanh", 0), ("linear", 0)]
)
def test_kaiming_statistics(shape: tuple[int, ...], mode: str, nonlinearity: str, a: float) -> None:
    # torch computes the expected fan and gain, so the fan rules are checked against PyTorch's.
    fan = torch.nn.init._calculate_correct_fan(torch.empty(shape), mode)
    std = torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    t = nn.init.kaiming_uniform_(shendu.empty(shape), a=a, mode=mode, nonlinearity=nonlinearity)
    mean, got_std, peak = stats(t)
    bound = math.sqrt(3) * std
    assert peak <= bound * (1 + 1e-6) and peak > 0.99 * bound
    assert abs(got_std - std) < 0.02 * std and abs(mean) < 0.02 * std
    t = nn.init.kaiming_normal_(shendu.empty(shape), a=a, mode=mode, nonlinearity=nonlinearity)
    mean, got_std, _ = stats(t)
    assert abs(got_std - std) < 0.02 * std and abs(mean) < 0.02 * std


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_xavier_statistics(shape: tuple[int, ...], gain: float) -> None:
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    mean, got_std, peak = stats(nn.init.xavier_uniform_(shendu.empty(shape), gain=gain))
    assert peak <= math.sqrt(3) * std * (1 + 1e-6) and abs(got_std - std) < 0.02 * std and abs(mean) < 0.02 * std
    mean, got_std, _ = stats(nn.init.xavier_normal_(shendu.empty(shape), gain=gain))
    assert abs(got_std - std) < 0.02 * std and abs(mean) < 0.02 * std


def test_uniform_normal_and_truncated_normal() -> None:
    mean, std, _ = stats(nn.init.uniform_(shendu.empty(500, 400), -2.0, 4.0))
    values = nn.init.uniform_(shendu.empty(500, 400), -2.0, 4.0).numpy()
    assert values.min() >= -2.0 and values.max() < 4.0
    assert abs(mean - 1.0) < 0.02 and abs(std - 6 / math.sqrt(12)) < 0.02
    mean, std, _ = stats(nn.init.normal_(shendu.empty(500, 400), 3.0, 0.5))
    assert abs(mean - 3.0) < 0.01 and abs(std - 0.5) < 0.01
    t = nn.init.trunc_normal_(shendu.empty(500, 400, dtype=shendu.float64), mean=1.0, std=2.0, a=-1.0, b=3.0)
    values = t.numpy()
    assert values.min() >= -1.0 and values.max() <= 3.0
    # the truncated normal on [-1, 1] std units around the mean 1 with std 2: mean 1, std 2 * 0.5380
    assert abs(values.mean() - 1.0) < 0.02 and abs(values.std() - 2 * 0.53796) < 0.02
    t = nn.init.trunc_normal_(shendu.empty(400, 500), std=0.02)
    assert np.abs(t.numpy()).max() <= 2.0 and abs(t.numpy().std() - 0.02) < 0.001


def test_constant_ones_zeros_eye() -> None:
    p = nn.Parameter(shendu.empty(3, 4))
    assert nn.init.constant_(p, 0.5) is p and np.all(p.detach().numpy() == 0.5)
    assert np.all(nn.init.ones_(p).detach().numpy() == 1) and not np.any(nn.init.zeros_(p).detach().numpy())
    np.testing.assert_array_equal(nn.init.eye_(shendu.empty(3, 4)).numpy(), np.eye(3, 4))
    assert p.requires_grad and p.grad is None


@pytest.mark.parametrize("shape", [(40, 60), (60, 40), (16, 8, 3, 3), (5, 5)])
def test_orthogonal(shape: tuple[int, ...]) -> None:
    q = nn.init.orthogonal_(shendu.empty(shape, dtype=shendu.float64), gain=2.0).numpy().reshape(shape[0], -1)
    rows, cols = q.shape
    product = q @ q.T if rows <= cols else q.T @ q
    np.testing.assert_allclose(product, 4.0 * np.eye(min(rows, cols)), atol=1e-10)


def test_generator_argument_and_dtype() -> None:
    g = shendu.Generator().manual_seed(5)
    a = nn.init.normal_(shendu.empty(4, 4), generator=g).numpy().copy()
    b = nn.init.normal_(shendu.empty(4, 4), generator=shendu.Generator().manual_seed(5)).numpy()
    np.testing.assert_array_equal(a, b)
    shendu.manual_seed(1)
    c = nn.init.kaiming_uniform_(shendu.empty(4, 4)).numpy().copy()
    shendu.manual_seed(1)
    nn.init.kaiming_uniform_(shendu.empty(4, 4), generator=shendu.Generator().manual_seed(9))
    np.testing.assert_array_equal(nn.init.kaiming_uniform_(shendu.empty(4, 4)).numpy(), c)
    assert nn.init.xavier_uniform_(shendu.empty(3, 3, dtype=shendu.float64)).dtype == shendu.float64
    assert nn.init.orthogonal_(shendu.empty(3, 3, dtype=shendu.float16)).dtype == shendu.float16


def test_errors() -> None:
    with pytest.raises(
        shendu.ShapeError,
        match=r"init: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions, "
        r"got shape \(5,\)",
    ):
        nn.init.xavier_uniform_(shendu.empty(5))
    with pytest.raises(ValueError, match="init: mode 'fan_avg' is not supported; use 'fan_in' or 'fan_out'"):
        nn.init.kaiming_normal_(shendu.empty(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="calculate_gain: unsupported nonlinearity 'swish'"):
        nn.init.kaiming_normal_(shendu.empty(3, 3), nonlinearity="swish")
    with pytest.raises(ValueError, match="calculate_gain: negative_slope 'a' is not a valid number"):
        nn.init.calculate_gain("leaky_relu", "a")
    with pytest.raises(shendu.DtypeError, match=r"uniform_: expected a floating-point tensor, got dtype shendu.int64"):
        nn.init.uniform_(shendu.zeros(3, dtype=shendu.int64))
    with pytest.raises(shendu.ShapeError, match=r"eye_: only 2-D tensors are supported, got shape \(2, 2, 2\)"):
        nn.init.eye_(shendu.empty(2, 2, 2))
    with pytest.raises(shendu.ShapeError, match="orthogonal_: only tensors with 2 or more dimensions"):
        nn.init.orthogonal_(shendu.empty(3))
    with pytest.raises(ValueError, match="trunc_normal_: expected a < b, got a=2 and b=1"):
        nn.init.trunc_normal_(shendu.empty(3), a=2, b=1)
    with pytest.raises(TypeError, match="constant_: expected a Tensor, got list"):
        nn.init.constant_([1.0], 2.0)
    with pytest.warns(UserWarning, match="kaiming_normal_: initializing a zero-element tensor is a no-op"):
        nn.init.kaiming_normal_(shendu.empty(0, 3))
