from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import shendu
from shendu import nn
from tests.nn.helpers import check_module

# Running statistics after several steps are compared too (check_module compares every buffer).
CASES = [
    ("BatchNorm1d", (4,), {}, (8, 4)),
    ("BatchNorm1d", (3,), {}, (5, 3, 6)),
    ("BatchNorm1d", (4,), {"momentum": None}, (6, 4)),
    ("BatchNorm1d", (4,), {"affine": False, "eps": 1e-3}, (6, 4)),
    ("BatchNorm1d", (4,), {"track_running_stats": False}, (6, 4)),
    ("BatchNorm1d", (4,), {"bias": False, "momentum": 0.5}, (2, 4, 3)),
    ("BatchNorm2d", (3,), {}, (4, 3, 5, 5)),
    ("BatchNorm2d", (3,), {"momentum": None}, (2, 3, 4, 6)),
    ("BatchNorm2d", (2,), {"affine": False, "track_running_stats": False}, (3, 2, 3, 3)),
    ("BatchNorm2d", (2,), {"momentum": 0.0}, (3, 2, 2, 2)),
    ("BatchNorm2d", (2,), {"momentum": 1.0, "eps": 0.1}, (3, 2, 2, 2)),
]

# Batch norm has a compiled path and a NumPy path: every case runs on both.
pytestmark = pytest.mark.usefixtures("kernel_path")


@pytest.mark.parametrize(("cls", "args", "kwargs", "shape"), CASES)
def test_training_steps_match_torch(cls: str, args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple) -> None:
    check_module(
        getattr(torch.nn, cls)(*args, **kwargs), lambda: getattr(nn, cls)(*args, **kwargs), shape, train=True, steps=4
    )


@pytest.mark.parametrize(("cls", "args", "kwargs", "shape"), CASES)
def test_eval_after_training_matches_torch(
    cls: str, args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple
) -> None:
    torch_bn = getattr(torch.nn, cls)(*args, **kwargs)
    rng = np.random.default_rng(1)
    with torch.no_grad():
        for _ in range(3):
            torch_bn(torch.from_numpy(rng.standard_normal(shape).astype(np.float32)) * 3 + 2)
        if torch_bn.affine:
            torch_bn.weight.uniform_(0.5, 1.5)
    check_module(torch_bn, lambda: getattr(nn, cls)(*args, **kwargs), shape, train=False)


def test_num_batches_tracked_and_cumulative_average() -> None:
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [np.random.default_rng(i).standard_normal((5, 2)).astype(np.float32) for i in range(3)]
    for b in batches:
        bn(shendu.from_numpy(b))
    assert bn.num_batches_tracked.item() == 3 and bn.num_batches_tracked.dtype == shendu.int64
    want = np.mean([b.mean(0) for b in batches], axis=0)
    np.testing.assert_allclose(bn.running_mean.numpy(), want, rtol=1e-5)
    want_var = np.mean([b.var(0, ddof=1) for b in batches], axis=0)
    np.testing.assert_allclose(bn.running_var.numpy(), want_var, rtol=1e-5)
    bn.eval()
    bn(shendu.from_numpy(batches[0]))
    assert bn.num_batches_tracked.item() == 3
    bn.reset_running_stats()
    assert bn.num_batches_tracked.item() == 0 and bn.running_var.tolist() == [1.0, 1.0]


def test_eval_keeps_inputs_with_a_large_mean_exact() -> None:
    """Evaluation subtracts the running mean before scaling: x near 1e4 with std 0.1 stays exact."""
    bn = nn.BatchNorm1d(1).eval()
    bn.running_mean._array[...] = 1e4
    bn.running_var._array[...] = 1e-2
    x = (1e4 + np.random.default_rng(0).uniform(-0.1, 0.1, (64, 1))).astype(np.float32)
    want = (x.astype(np.float64) - 1e4) / np.sqrt(1e-2 + 1e-5)
    np.testing.assert_allclose(bn(shendu.from_numpy(x)).detach().numpy(), want, atol=1e-5)


def test_defaults() -> None:
    bn = nn.BatchNorm2d(3)
    assert bn.weight.tolist() == [1.0, 1.0, 1.0] and bn.bias.tolist() == [0.0, 0.0, 0.0]
    assert bn.running_mean.tolist() == [0.0] * 3 and bn.running_var.tolist() == [1.0] * 3
    assert not bn.running_mean.requires_grad
    assert nn.BatchNorm1d(3, affine=False).weight is None
    assert nn.BatchNorm1d(3, track_running_stats=False).running_mean is None


def test_constructor_errors() -> None:
    with pytest.raises(ValueError, match="BatchNorm2d: num_features must be a positive int, got 0"):
        nn.BatchNorm2d(0)
    with pytest.raises(ValueError, match="BatchNorm1d: momentum must be a number or None, got 'fast'"):
        nn.BatchNorm1d(3, momentum="fast")
    with pytest.raises(ValueError, match="BatchNorm1d: eps must be a non-negative number, got -1"):
        nn.BatchNorm1d(3, eps=-1)


def test_one_value_per_channel_in_training_is_an_error() -> None:
    bn = nn.BatchNorm1d(3)
    with pytest.raises(shendu.ShapeError, match=r"BatchNorm1d: expected more than 1 value per channel when training"):
        bn(shendu.ones(1, 3))
    bn.eval()
    assert bn(shendu.ones(1, 3)).shape == (1, 3)
