from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import shendu
from tests.helpers import check, grad_check

INF = np.inf
NAN = np.nan
INTS = np.array([-3, 0, 2, 7], dtype=np.int64)
INT_RUN = {"dtypes": ("float32",)}

# ReLU has a compiled backward and a NumPy one: every case runs on both.
pytestmark = pytest.mark.usefixtures("kernel_path")


def F(m: Any) -> Any:
    """torch.nn.functional for torch, the shendu namespace for shendu."""
    return torch.nn.functional if m is torch else m


# name -> keyword arguments; every function is called as F.name(x, **kwargs).
ACTIVATIONS: dict[str, list[dict[str, Any]]] = {
    "relu": [{}],
    "leaky_relu": [{}, {"negative_slope": 0.2}],
    "elu": [{}, {"alpha": 0.5}],
    "selu": [{}],
    "celu": [{}, {"alpha": 2.0}],
    "gelu": [{}, {"approximate": "tanh"}],
    "silu": [{}],
    "softplus": [{}, {"beta": 2.0, "threshold": 1.0}, {"beta": -1.0}],
    "hardtanh": [{}, {"min_val": -2.0, "max_val": 0.5}],
    "relu6": [{}],
    "hardsigmoid": [{}],
    "hardswish": [{}],
    "mish": [{}],
    "logsigmoid": [{}],
    "tanhshrink": [{}],
    "softsign": [{}],
}
CASES = [(name, kwargs) for name, options in ACTIVATIONS.items() for kwargs in options]
IDS = [f"{name}-{'-'.join(map(str, kw.values())) or 'default'}" for name, kw in CASES]
# Values spread over every piece of the piecewise activations (ReLU6 and hardswish bend at 3 and 6).
WIDE = {"low": -8.0, "high": 8.0}


def tolerance(name: str) -> dict[str, float]:
    # PyTorch's hardsigmoid backward multiplies by 1/6 rounded to float32, even in float64.
    return {"rtol": 1e-7} if name == "hardsigmoid" else {}


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_activations(name: str, kwargs: dict[str, Any]) -> None:
    tol = tolerance(name)
    check(lambda m, a: getattr(F(m), name)(a, **kwargs), (3, 4), **tol)
    check(lambda m, a: getattr(F(m), name)(a, **kwargs), (4, 5), noncontiguous=True, **WIDE, **tol)
    check(lambda m, a: getattr(F(m), name)(a, **kwargs), (), **tol)
    check(lambda m, a: getattr(F(m), name)(a, **kwargs), (0, 3), **tol)


# Exact corners: x = 0 for the ReLU family, the clamp ends for hardtanh, ±3 for the hard ones; and NaN,
# whose gradient PyTorch passes or blocks op by op.
CORNERS = np.array([-6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 7.0, NAN])


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_gradients_at_the_corners_match_pytorch(name: str, kwargs: dict[str, Any]) -> None:
    check(lambda m, a: getattr(F(m), name)(a, **kwargs), CORNERS, **tolerance(name))


STABLE = np.array([-1e4, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1e4])


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_stable_at_large_inputs(name: str, kwargs: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check(lambda m, a: getattr(F(m), name)(a, **kwargs), STABLE, **tolerance(name))


# At ±inf PyTorch gives nan for some (silu(-inf) = -inf * 0); those are compared too, NaN for NaN.
@pytest.mark.parametrize(
    "name", ["relu", "leaky_relu", "elu", "selu", "celu", "silu", "softplus", "mish", "logsigmoid", "tanhshrink"]
)
def test_infinities_match_pytorch(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check(lambda m, a: getattr(F(m), name)(a), np.array([-INF, -1.0, 1.0, INF, NAN]))


def test_integer_inputs() -> None:
    check(lambda m, a: F(m).relu(a), INTS, **INT_RUN)
    check(lambda m, a: m.relu(a), INTS.astype(np.int32), **INT_RUN)
    check(lambda m, a: a.relu(), np.array([3, 0], dtype=np.uint8), **INT_RUN)
    check(lambda m, a: F(m).relu6(a), INTS, **INT_RUN)
    check(lambda m, a: F(m).hardtanh(a), INTS, **INT_RUN)
    check(lambda m, a: F(m).hardtanh(a, -2.5, 2.5), INTS, **INT_RUN)
    check(lambda m, a: F(m).tanhshrink(a), INTS, **INT_RUN)
    check(lambda m, a: F(m).softsign(a), INTS, **INT_RUN)


@pytest.mark.parametrize(
    "name", ["leaky_relu", "elu", "selu", "celu", "gelu", "silu", "softplus", "hardsigmoid", "hardswish", "mish"]
)
def test_float_only_activations_reject_ints(name: str) -> None:
    with pytest.raises(shendu.DtypeError, match=rf"{name}: expected a floating-point tensor, got dtype shendu\.int64"):
        getattr(shendu, name)(shendu.tensor([1, 2]))


def test_methods() -> None:
    check(lambda m, a: a.relu(), (3, 4))
    check(lambda m, a: a.softmax(-1), (3, 4))
    check(lambda m, a: a.log_softmax(dim=0), (3, 4))
    check(lambda m, a: a.sigmoid(), (3, 4))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax(name: str) -> None:
    check(lambda m, a: getattr(F(m), name)(a, dim=1), (3, 4))
    check(lambda m, a: getattr(F(m), name)(a, dim=0), (3, 4))
    check(lambda m, a: getattr(F(m), name)(a, dim=-1), (2, 3, 4))
    check(lambda m, a: getattr(F(m), name)(a, dim=1), (2, 3, 4))
    check(lambda m, a: getattr(m, name)(a, 0), ())
    check(lambda m, a: getattr(m, name)(a, -1), (5,))
    check(lambda m, a: getattr(F(m), name)(a, dim=1), (0, 3))
    check(lambda m, a: getattr(F(m), name)(a, dim=1), (3, 0))
    check(lambda m, a: getattr(F(m), name)(a, dim=0), (4, 5), noncontiguous=True)
    check(lambda m, a: getattr(F(m), name)(a, dim=1), (4, 5), noncontiguous=True)
    check(lambda m, a: getattr(F(m), name)(a, dim=1, dtype=m.float64), (3, 4), dtypes=("float32",))
    check(lambda m, a: getattr(F(m), name)(a, dim=0, dtype=m.float32), INTS, **INT_RUN)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_at_the_extremes(name: str) -> None:
    rows = np.array(
        [
            [1e4, -1e4, 0.0, 1.0],
            [-1e4, -1e4, -1e4, -1e4],
            [0.0, -INF, 1.0, -INF],
            [-INF, -INF, -INF, -INF],
            [INF, 1.0, 2.0, 3.0],
            [NAN, 1.0, 2.0, 3.0],
            [3e38, 0.0, -3e38, 1.0],
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check(lambda m, a: getattr(F(m), name)(a, dim=1), rows)
        check(lambda m, a: getattr(F(m), name)(a, dim=0), rows[:4].T.copy())


def test_log_softmax_of_large_logits_is_exact() -> None:
    out = shendu.log_softmax(shendu.tensor([1e4, 0.0, -1e4]), dim=0)
    assert out.tolist() == [0.0, -1e4, -2e4]


def test_softmax_without_dim_warns_and_uses_pytorchs_legacy_choice() -> None:
    for shape in [(3,), (2, 3), (2, 3, 4), (2, 3, 4, 5)]:
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        with pytest.warns(UserWarning, match="softmax: calling without dim is deprecated"):
            got = shendu.softmax(shendu.from_numpy(x))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = torch.nn.functional.softmax(torch.from_numpy(x))
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_inplace() -> None:
    x = shendu.tensor([-1.0, 2.0])
    version = x._version
    out = shendu.relu(x, inplace=True)
    assert out is x and x.tolist() == [0.0, 2.0] and x._version == version + 1
    for name in ["leaky_relu", "elu", "selu", "celu", "silu", "hardtanh", "relu6", "hardsigmoid", "hardswish", "mish"]:
        x = shendu.tensor([-1.0, 2.0])
        want = getattr(torch.nn.functional, name)(torch.tensor([-1.0, 2.0]))
        assert getattr(shendu, name)(x, inplace=True) is x
        np.testing.assert_allclose(x.numpy(), want.numpy(), rtol=1e-6)


def test_inplace_on_a_tensor_in_the_graph_is_recorded() -> None:
    leaf = shendu.tensor([-1.0, 2.0], requires_grad=True)
    with pytest.raises(shendu.GraphError, match="relu: a leaf tensor that requires grad"):
        shendu.relu(leaf, inplace=True)
    hidden = leaf * 2
    out = shendu.elu(hidden, inplace=True)
    assert out is hidden
    shendu.autograd.backward([out], [shendu.ones(2)])
    assert leaf.grad.tolist() == pytest.approx([2 * np.exp(-2.0), 2.0])
    with shendu.no_grad():
        assert shendu.relu(leaf, inplace=True) is leaf
    assert leaf.tolist() == [0.0, 2.0]


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_gradcheck(name: str, kwargs: dict[str, Any]) -> None:
    # Keep finite differences away from the corners, where the derivative jumps.
    grad_check(
        lambda m, a: getattr(m, name)(a, **kwargs), (4, 6), transform=lambda v: np.where(v >= 0, v + 0.1, v - 0.1)
    )
    grad_check(lambda m, a: getattr(m, name)(a, **kwargs), (12,), low=-7.9, high=7.9)


def test_gradcheck_softmax() -> None:
    grad_check(lambda m, a: m.softmax(a, dim=1), (3, 4))
    grad_check(lambda m, a: m.log_softmax(a, dim=0), (3, 4))
    grad_check(lambda m, a: m.log_softmax(a * 100, dim=-1), (2, 5))


@settings(max_examples=30, deadline=None)
@given(data=st.data(), shape=array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4))
def test_softmax_property(data: st.DataObject, shape: tuple[int, ...]) -> None:
    span = max(len(shape), 1)
    dim = data.draw(st.integers(-span, span - 1))
    name = data.draw(st.sampled_from(["softmax", "log_softmax"]))
    check(lambda m, a: getattr(F(m), name)(a, dim=dim), shape)


@settings(max_examples=30, deadline=None)
@given(case=st.sampled_from(CASES), shape=array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4))
def test_activation_property(case: tuple[str, dict[str, Any]], shape: tuple[int, ...]) -> None:
    name, kwargs = case
    if name == "gelu" and kwargs.get("approximate") == "tanh":
        # Its float32 gradient can differ from PyTorch's by one or two float32 ulps (1.3e-6 seen), as the two
        # libraries order the polynomial's operations differently; float64 keeps the strict tolerance.
        check(lambda m, a: F(m).gelu(a, **kwargs), shape, low=-8.0, high=8.0, dtypes=("float64",))
        check(lambda m, a: F(m).gelu(a, **kwargs), shape, low=-8.0, high=8.0, dtypes=("float32",), atol=3e-6)
        return
    check(lambda m, a: getattr(F(m), name)(a, **kwargs), shape, low=-8.0, high=8.0, **tolerance(name))


def test_errors() -> None:
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh', got 'fast'"):
        shendu.gelu(shendu.ones(2), approximate="fast")
    with pytest.raises(ValueError, match=r"celu: alpha must not be 0"):
        shendu.celu(shendu.ones(2), alpha=0.0)
    with pytest.raises(ValueError, match=r"hardtanh: min_val \(1\.0\) must not be greater than max_val \(-1\.0\)"):
        shendu.hardtanh(shendu.ones(2), 1.0, -1.0)
    with pytest.raises(shendu.DtypeError, match="relu: bool tensors are not supported"):
        shendu.relu(shendu.tensor([True]))
    with pytest.raises(shendu.DtypeError, match="hardtanh: bool tensors are not supported"):
        shendu.hardtanh(shendu.tensor([True]))
    with pytest.raises(shendu.ShapeError, match=r"softmax: dim 2 is out of range for a 2-d tensor \(input shape"):
        shendu.softmax(shendu.ones(2, 3), dim=2)
    with pytest.raises(shendu.ShapeError, match=r"log_softmax: dim -2 is out of range for a 1-d tensor"):
        shendu.log_softmax(shendu.ones(3), dim=-2)
    with pytest.raises(shendu.DtypeError, match=r"softmax: expected a floating-point tensor, got dtype shendu\.int64"):
        shendu.softmax(shendu.tensor([1, 2]), dim=0)
    with pytest.raises(shendu.DtypeError, match=r"log_softmax: expected a floating-point.*shendu\.int32"):
        shendu.log_softmax(shendu.ones(2), dim=0, dtype=shendu.int32)
    with pytest.raises(TypeError, match="relu: expected a Tensor as input, got list"):
        shendu.relu([1.0])
