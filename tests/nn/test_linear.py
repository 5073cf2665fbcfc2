from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import shendu
from shendu import nn
from tests.nn.helpers import check_module


@pytest.mark.filterwarnings("ignore:.*zero-element")
@pytest.mark.parametrize(
    ("features", "shape"),
    [((5, 3), (4, 5)), ((5, 3), (5,)), ((5, 3), (2, 3, 5)), ((1, 1), (7, 1)), ((6, 2), (0, 6)), ((4, 0), (3, 4))],
)
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(features: tuple[int, int], shape: tuple[int, ...], bias: bool) -> None:
    torch.manual_seed(0)
    check_module(torch.nn.Linear(*features, bias=bias), lambda: nn.Linear(*features, bias=bias), shape)


def test_default_init_follows_pytorch() -> None:
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert abs(w.mean()) < 0.01 * bound
    assert np.abs(b).max() <= bound and abs(b.std() - bound / math.sqrt(3)) < 0.1 * bound
    assert layer.weight.shape == (300, 400) and layer.weight.dtype == shendu.float32


def test_init_is_reproducible_and_dtype_and_empty() -> None:
    shendu.manual_seed(3)
    a = nn.Linear(3, 2)
    shendu.manual_seed(3)
    b = nn.Linear(3, 2)
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    layer = nn.Linear(3, 2, dtype=shendu.float64)
    assert layer.weight.dtype == shendu.float64 and layer.bias.dtype == shendu.float64
    with pytest.warns(UserWarning, match="kaiming_uniform_: initializing a zero-element tensor is a no-op"):
        empty = nn.Linear(0, 2)
    assert not np.any(empty.bias.detach().numpy())
    layer.reset_parameters()


def test_constructor_errors() -> None:
    with pytest.raises(ValueError, match="Linear: in_features must be an int >= 0, got -1"):
        nn.Linear(-1, 2)
    with pytest.raises(ValueError, match=r"Linear: out_features must be an int >= 0, got 2.5"):
        nn.Linear(2, 2.5)


@pytest.mark.parametrize(
    ("features", "shapes", "bias"),
    [((3, 4, 2), ((5, 3), (5, 4)), True), ((2, 2, 3), ((2, 3, 2), (2, 3, 2)), False), ((3, 1, 2), ((3,), (1,)), True)],
)
def test_bilinear_matches_torch(features: tuple[int, int, int], shapes: tuple, bias: bool) -> None:
    torch.manual_seed(0)
    check_module(torch.nn.Bilinear(*features, bias=bias), lambda: nn.Bilinear(*features, bias=bias), *shapes)
    assert repr(nn.Bilinear(*features, bias=bias)) == repr(torch.nn.Bilinear(*features, bias=bias))


def test_bilinear_init_and_errors() -> None:
    weight = nn.Bilinear(16, 3, 50).weight.detach().numpy()
    assert np.abs(weight).max() <= 0.25 and np.abs(weight).max() > 0.24
    with pytest.raises(ValueError, match="Bilinear: in1_features must be a positive int, got 0"):
        nn.Bilinear(0, 2, 2)
    with pytest.raises(
        shendu.ShapeError, match=r"^Bilinear: expected input2 with 4 features in the last dimension, got 3"
    ):
        nn.Bilinear(3, 4, 2)(shendu.zeros(5, 3), shendu.zeros(5, 3))
    with pytest.raises(shendu.ShapeError, match=r"bilinear: the inputs must have the same leading dimensions"):
        nn.functional.bilinear(shendu.zeros(5, 3), shendu.zeros(4, 3), shendu.zeros(2, 3, 3))
