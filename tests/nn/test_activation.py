from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import shendu
from shendu import nn
from tests.helpers import check
from tests.nn.helpers import check_module

CASES = [
    ("ReLU", (), {}),
    ("ReLU6", (), {}),
    ("LeakyReLU", (), {}),
    ("LeakyReLU", (0.2,), {}),
    ("ELU", (), {}),
    ("ELU", (0.5,), {}),
    ("CELU", (1.5,), {}),
    ("SELU", (), {}),
    ("GELU", (), {}),
    ("GELU", (), {"approximate": "tanh"}),
    ("SiLU", (), {}),
    ("Mish", (), {}),
    ("Sigmoid", (), {}),
    ("Tanh", (), {}),
    ("LogSigmoid", (), {}),
    ("Hardsigmoid", (), {}),
    ("Hardswish", (), {}),
    ("Hardtanh", (), {}),
    ("Hardtanh", (-0.5, 2.0), {}),
    ("Softplus", (), {}),
    ("Softplus", (), {"beta": 2.0, "threshold": 1.0}),
    ("Softsign", (), {}),
    ("Softmax", (), {"dim": 1}),
    ("Softmax", (), {"dim": -1}),
    ("LogSoftmax", (1,), {}),
    ("Softmin", (), {"dim": 0}),
]


@pytest.mark.parametrize(("cls", "args", "kwargs"), CASES)
@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4)])
def test_activation_matches_torch(cls: str, args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple) -> None:
    # Values spread to [-6, 6] so that saturating regions (Hardtanh, ReLU6, Softplus' threshold) are hit.
    # PyTorch's hardsigmoid backward multiplies by 1/6 rounded to float32, even in float64.
    rtol = {"float64": 1e-7} if cls == "Hardsigmoid" else None
    torch_module, shendu_module = getattr(torch.nn, cls)(*args, **kwargs), getattr(nn, cls)(*args, **kwargs)
    check_module(torch_module, shendu_module, shape, low=-6, high=6, rtol=rtol)


@pytest.mark.parametrize(
    ("num", "init", "shape"), [(1, 0.25, (4, 5)), (3, 0.1, (2, 3, 4)), (3, 0.3, (2, 3)), (2, 0.2, (2, 2, 2, 2))]
)
def test_prelu(num: int, init: float, shape: tuple) -> None:
    torch_prelu = torch.nn.PReLU(num, init=init)
    with torch.no_grad():
        torch_prelu.weight.uniform_(0.0, 0.5)
    check_module(torch_prelu, lambda: nn.PReLU(num, init=init), shape)
    assert nn.PReLU(num, init=init).weight.tolist() == pytest.approx([init] * num)


@pytest.mark.filterwarnings("ignore:.*[Ii]mplicit dimension")
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (2, 3, 4, 5)])
def test_softmax_implicit_dim_follows_torch(shape: tuple) -> None:
    check_module(torch.nn.Softmax(), nn.Softmax(), shape)
    check_module(torch.nn.LogSoftmax(), nn.LogSoftmax(), shape)


def test_implicit_softmax_dim_warns() -> None:
    with pytest.warns(UserWarning, match="Softmin: implicit dimension choice has been deprecated"):
        nn.Softmin()(shendu.ones(2, 3))


def test_constructor_and_input_errors() -> None:
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh', got 'fast'"):
        nn.GELU(approximate="fast")
    with pytest.raises(
        ValueError, match=r"Hardtanh: max_val must be greater than min_val, got min_val=1.0, max_val=0.0"
    ):
        nn.Hardtanh(1.0, 0.0)
    with pytest.raises(ValueError, match="PReLU: num_parameters must be a positive int, got 0"):
        nn.PReLU(0)
    with pytest.raises(shendu.ShapeError, match=r"PReLU: expected input with 3 channels \(one slope each\), got 4"):
        nn.PReLU(3)(shendu.ones(2, 4))


def test_hardtanh_deprecated_aliases() -> None:
    m = nn.Hardtanh(min_value=-2.0, max_value=3.0)
    assert (m.min_val, m.max_val) == (-2.0, 3.0)
    out = m(shendu.tensor([-5.0, 0.5, 5.0]))
    np.testing.assert_allclose(out.numpy(), [-2.0, 0.5, 3.0])


@pytest.mark.parametrize(("p", "dim", "shape"), [(2.0, 1, (3, 4)), (1.0, -1, (2, 3, 4)), (2.0, 0, (5,))])
def test_functional_normalize_prelu_softmin(p: float, dim: int, shape: tuple) -> None:
    check(lambda m, x: m.nn.functional.normalize(x, p=p, dim=dim), shape)
    check(lambda m, x: m.nn.functional.softmin(x, dim=0), shape)
    check(lambda m, x, w: m.nn.functional.prelu(x, w), shape, (1,))
    zeros = np.zeros((2, 3))
    np.testing.assert_array_equal(nn.functional.normalize(shendu.from_numpy(zeros)).numpy(), zeros)
