from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import shendu
from tests.helpers import check, grad_check

POSITIVE = {"low": 0.5, "high": 2.0}
INF = np.inf
NAN = np.nan
EXTREMES = np.array([-INF, -1e4, -50.0, -1.0, 0.0, 1.0, 50.0, 1e4, INF])
INTS = np.array([-3, 0, 2, 7], dtype=np.int64)
BOOLS = np.array([True, False, True])
# Int and bool inputs are the same in both runs; one run, with float32 tolerances for float32 results.
INT_RUN = {"dtypes": ("float32",)}

FLOAT_UNARY = ["exp", "expm1", "sin", "cos", "tanh", "sigmoid", "erf"]
POSITIVE_UNARY = ["log", "log2", "log10", "sqrt", "rsqrt", "reciprocal"]


@pytest.mark.parametrize("name", [*FLOAT_UNARY, "abs", "square", "sign", "floor", "ceil", "trunc", "round"])
def test_unary_ops(name: str) -> None:
    check(lambda m, a: getattr(m, name)(a), (3, 4))
    check(lambda m, a: getattr(a, name)(), (2, 3))
    check(lambda m, a: getattr(m, name)(a), ())
    check(lambda m, a: getattr(m, name)(a), (0, 3))
    check(lambda m, a: getattr(m, name)(a), (4, 5), noncontiguous=True)


@pytest.mark.parametrize("name", POSITIVE_UNARY)
def test_unary_ops_on_positive_domain(name: str) -> None:
    check(lambda m, a: getattr(m, name)(a), (3, 4), **POSITIVE)
    check(lambda m, a: getattr(a, name)(), (2, 3), **POSITIVE)
    check(lambda m, a: getattr(m, name)(a), (), **POSITIVE)
    check(lambda m, a: getattr(m, name)(a), (4, 5), noncontiguous=True, **POSITIVE)


def test_log1p_and_expm1_near_zero() -> None:
    check(lambda m, a: m.log1p(a), (3, 4), low=-0.5, high=2.0)
    check(lambda m, a: m.log1p(a), np.array([1e-12, -1e-12, 1e-5]))
    check(lambda m, a: m.expm1(a), np.array([1e-12, -1e-12, 1e-5]))


def test_erf_matches_torch_across_its_range() -> None:
    values = np.concatenate([np.linspace(-7.0, 7.0, 141), [1e-300, -1e-30, 1e-8, 0.5, -0.5, 30.0, -INF, INF, NAN]])
    check(lambda m, a: m.erf(a), values)
    check(lambda m, a: m.erf(a), (300,), dtypes=("float16",), grad=False, rtol=1e-3, atol=1e-3)


def test_erf_of_a_large_tensor() -> None:
    # Large CPU inputs are evaluated in cache-sized blocks; the result must not depend on it.
    check(lambda m, a: m.erf(a), (150, 130), noncontiguous=True)


@pytest.mark.parametrize(
    "name", [*FLOAT_UNARY, *POSITIVE_UNARY, "log1p", "abs", "square", "sign", "floor", "ceil", "trunc", "round"]
)
def test_special_values_without_warnings(name: str) -> None:
    special = np.array([-INF, -2.0, -0.0, 0.0, 0.5, 2.0, INF, NAN])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check(lambda m, a: getattr(m, name)(a), special)


@pytest.mark.parametrize("name", [*FLOAT_UNARY, "log1p", "sqrt", "rsqrt", "reciprocal"])
def test_float_ops_on_ints_and_bools_give_float32(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check(lambda m, a: getattr(m, name)(a), INTS, **INT_RUN)
        check(lambda m, a: getattr(m, name)(a), BOOLS, **INT_RUN)


@pytest.mark.parametrize("name", ["abs", "square", "sign", "floor", "ceil", "trunc", "round", "nan_to_num"])
def test_exact_ops_keep_integer_dtypes(name: str) -> None:
    check(lambda m, a: getattr(m, name)(a), INTS, **INT_RUN)
    check(lambda m, a: getattr(m, name)(a), INTS.astype(np.int32), **INT_RUN)


def test_small_integer_and_bool_dtypes() -> None:
    check(lambda m, a: m.abs(a), np.array([-128, 5], dtype=np.int8), **INT_RUN)
    check(lambda m, a: m.sign(a), np.array([0, 5], dtype=np.uint8), **INT_RUN)
    check(lambda m, a: m.abs(a), np.array([0, 5], dtype=np.uint8), **INT_RUN)
    check(lambda m, a: m.sign(a), BOOLS, **INT_RUN)
    check(lambda m, a: m.square(a), BOOLS, **INT_RUN)
    check(lambda m, a: m.nan_to_num(a), BOOLS, **INT_RUN)
    check(lambda m, a: m.exp(a), np.array([1, -2], dtype=np.int8), **INT_RUN)
    check(lambda m, a: m.exp(a), np.array([0.5, -2.0], dtype=np.float16), dtypes=("float16",), grad=False)


def test_sigmoid_is_stable_at_the_extremes() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check(lambda m, a: m.sigmoid(a), EXTREMES)
        check(lambda m, a: m.tanh(a), EXTREMES)
        check(lambda m, a: m.exp(a), EXTREMES)
    out = shendu.sigmoid(shendu.tensor([-1e4, -INF, 1e4, INF]))
    assert out.tolist() == [0.0, 0.0, 1.0, 1.0]
    out = shendu.sigmoid(shendu.tensor([-1e4, 1e4], dtype=shendu.float64))
    assert out.tolist() == [0.0, 1.0]


def test_gradients_at_kinks_and_poles_match_pytorch() -> None:
    check(lambda m, a: m.abs(a), np.array([-1.0, 0.0, 2.0, NAN]))
    check(lambda m, a: m.sqrt(a), np.array([0.0, 1.0, 4.0]))
    check(lambda m, a: m.rsqrt(a), np.array([0.0, 1.0, 4.0]))
    check(lambda m, a: m.log(a), np.array([0.0, 1.0, 4.0]))
    check(lambda m, a: m.reciprocal(a), np.array([0.0, -1.0, 4.0]))


def test_rounding_has_zero_gradient() -> None:
    for name in ["floor", "ceil", "trunc", "round", "sign"]:
        x = shendu.tensor([0.5, -1.5, 2.3], requires_grad=True)
        y = getattr(shendu, name)(x)
        assert y.requires_grad
        shendu.autograd.backward([y], [shendu.ones(3)])
        assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_round_halfway_cases_and_decimals() -> None:
    check(lambda m, a: m.round(a), np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5]))
    check(lambda m, a: m.round(a, decimals=2), np.array([0.125, 1.005, 2.675, -0.555, 3.14159]))
    check(lambda m, a: m.round(a, decimals=3), (3, 4))
    check(lambda m, a: m.round(a, decimals=-1), np.array([1234.5, 15.0, -25.0, 35.0]))
    check(lambda m, a: a.round(decimals=1), (2, 3))


def test_nan_to_num() -> None:
    special = np.array([NAN, INF, -INF, 1.5, -2.0])
    check(lambda m, a: m.nan_to_num(a), special)
    check(lambda m, a: m.nan_to_num(a, nan=1.0, posinf=2.0, neginf=-3.0), special)
    check(lambda m, a: m.nan_to_num(a, posinf=1e3), special)
    check(lambda m, a: a.nan_to_num(0.5), special)
    check(lambda m, a: m.nan_to_num(a), np.array([NAN, INF, -INF]), dtypes=("float16",), grad=False)


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_isnan_isinf_isfinite(name: str) -> None:
    special = np.array([NAN, INF, -INF, 1.5, 0.0])
    check(lambda m, a: getattr(m, name)(a), special)
    check(lambda m, a: getattr(a, name)(), special.reshape(1, 5))
    check(lambda m, a: getattr(m, name)(a), INTS)
    check(lambda m, a: getattr(m, name)(a), BOOLS)
    assert not getattr(shendu, name)(shendu.tensor([1.0], requires_grad=True)).requires_grad


BOUNDARY = np.array([-2.0, -1.0, -0.5, 0.0, 1.0, 1.5, 2.0, 3.0])


def test_clamp_with_numbers() -> None:
    check(lambda m, a: m.clamp(a, -1.0, 1.5), BOUNDARY)
    check(lambda m, a: m.clamp(a, min=0.0), BOUNDARY)
    check(lambda m, a: m.clamp(a, max=1.0), BOUNDARY)
    check(lambda m, a: a.clamp(-0.5, 0.5), (3, 4))
    check(lambda m, a: a.clip(-0.5, 0.5), (3, 4))
    check(lambda m, a: m.clip(a, max=0.0), (3, 4))
    check(lambda m, a: m.clamp(a, 1.0, 0.0), BOUNDARY)
    check(lambda m, a: m.clamp(a, np.float64(-1.0), 1), (4,))
    check(lambda m, a: m.clamp(a, -1.0, 1.0), (), noncontiguous=True)
    check(lambda m, a: m.clamp(a, -1.0, 1.0), (4, 5), noncontiguous=True)
    check(lambda m, a: m.clamp(a, -1.0, 1.0), np.array([NAN, INF, -INF, 0.5]))


def test_clamp_min_and_clamp_max() -> None:
    check(lambda m, a: a.clamp_min(0.0), BOUNDARY)
    check(lambda m, a: m.clamp_max(a, 1.0), BOUNDARY)
    check(lambda m, a, lo: a.clamp_min(lo), (3, 4), (4,))
    check(lambda m, a: (a * 1.0).clamp_min_(0.5).clamp_max_(1.0), (3, 4))
    check(lambda m, a: a.clamp_min(1), INTS)


def test_clamp_dtypes() -> None:
    check(lambda m, a: m.clamp(a, 0, 3), INTS)
    check(lambda m, a: m.clamp(a, min=0.5), INTS)
    check(lambda m, a: m.clamp(a, max=2.5), INTS.astype(np.int32))
    check(lambda m, a, lo: m.clamp(a, min=lo), INTS, np.array([0.5, 0.5, 0.5, 0.5]))
    check(lambda m, a, lo: m.clamp(a, min=lo), np.array([1, 5], dtype=np.int8), np.array([2, 3]))


def test_clamp_with_tensors() -> None:
    lo, hi = np.full(8, -1.0), np.full(8, 1.5)
    check(lambda m, a, lo, hi: m.clamp(a, lo, hi), BOUNDARY, lo, hi)
    check(lambda m, a, lo: m.clamp(a, min=lo), BOUNDARY, lo)
    check(lambda m, a, hi: m.clamp(a, max=hi), BOUNDARY, hi)
    check(lambda m, a, lo, hi: m.clamp(a, lo, hi), BOUNDARY, np.full(8, 1.0), np.full(8, 0.0))
    check(lambda m, a, lo, hi: m.clamp(a, lo, hi), (3, 4), (4,), (3, 1))
    check(lambda m, a, lo: m.clamp(a, min=lo), (4,), (2, 4))
    check(lambda m, a, lo, hi: a.clamp(lo, hi), (2, 3), (), (3,))
    check(lambda m, a, lo, hi: m.clamp(a, lo, hi), np.array([NAN, 0.0, 2.0]), np.array([0.0, NAN, 0.0]), np.ones(3))


def test_clamp_in_place() -> None:
    x = shendu.tensor([-2.0, 0.5, 3.0])
    assert x.clamp_(-1.0, 1.0) is x
    assert x.tolist() == [-1.0, 0.5, 1.0]


def test_clamp_mixed_number_and_tensor_bounds() -> None:
    # PyTorch rejects a tensor min with a number max; shendu treats the number as a 0-d tensor.
    x = shendu.tensor([-2.0, 0.5, 3.0])
    assert shendu.clamp(x, min=shendu.tensor([0.0, 0.0, 0.0]), max=1.0).tolist() == [0.0, 0.5, 1.0]


@pytest.mark.parametrize("name", [*FLOAT_UNARY, "abs", "square", *POSITIVE_UNARY, "log1p"])
def test_gradcheck_unary(name: str) -> None:
    domain = POSITIVE if name in [*POSITIVE_UNARY, "log1p"] else {}
    grad_check(lambda m, a: getattr(m, name)(a), (3, 4), **domain)


def test_gradcheck() -> None:
    grad_check(lambda m, a: m.erf(a), (40,), low=-7.0, high=7.0)
    grad_check(lambda m, a: m.clamp(a, -0.5, 0.5), (3, 4))
    grad_check(lambda m, a, lo, hi: m.clamp(a, lo, hi), (3, 4), (4,), (3, 1))
    grad_check(lambda m, a, lo, hi: m.clamp(a, lo, hi), (), (3, 1), (4,))
    grad_check(lambda m, a, lo: m.clamp(a, max=lo), (4,), (2, 4))
    grad_check(lambda m, a: m.nan_to_num(a), (3, 4))


# One property test per op: drawing the op too would leave some ops never drawn (the runs are derandomized).
@pytest.mark.parametrize("name", [*FLOAT_UNARY, "abs", "square", "sign", "floor", "ceil", "trunc", "round"])
@settings(max_examples=15, deadline=None)
@given(shape=array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4))
def test_unary_property(name: str, shape: tuple[int, ...]) -> None:
    check(lambda m, a: getattr(m, name)(a), shape)


@pytest.mark.parametrize("name", POSITIVE_UNARY)
@settings(max_examples=15, deadline=None)
@given(shape=array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4))
def test_unary_property_on_positive_domain(name: str, shape: tuple[int, ...]) -> None:
    check(lambda m, a: getattr(m, name)(a), shape, **POSITIVE)


@settings(max_examples=40, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, min_side=0, max_side=3))
def test_clamp_property(shapes: tuple) -> None:
    a, b, c = shapes.input_shapes
    # PyTorch's clamp backward fails when the bounds broadcast the input to a larger shape.
    check(lambda m, x, lo, hi: m.clamp(x, lo, hi), a, b, c, grad=tuple(a) == tuple(shapes.result_shape))


def test_errors() -> None:
    with pytest.raises(shendu.DtypeError, match="abs: bool tensors are not supported"):
        shendu.abs(shendu.tensor([True]))
    with pytest.raises(shendu.DtypeError, match="floor: bool tensors are not supported"):
        shendu.floor(shendu.tensor([True]))
    with pytest.raises(shendu.DtypeError, match=r"round: decimals=2 is only supported for floating-point.*int64"):
        shendu.round(shendu.tensor([1, 2]), decimals=2)
    with pytest.raises(TypeError, match=r"round: decimals must be an int, got float 1\.5"):
        shendu.round(shendu.tensor([1.0]), decimals=1.5)
    with pytest.raises(TypeError, match="exp: expected a Tensor as input, got list"):
        shendu.exp([1.0, 2.0])
    with pytest.raises(ValueError, match="clamp: at least one of min and max must be given"):
        shendu.clamp(shendu.ones(3))
    with pytest.raises(shendu.ShapeError, match=r"clamp: shapes \(3,\) and \(2,\) cannot be broadcast"):
        shendu.clamp(shendu.ones(3), min=shendu.zeros(2))


def test_clamp_min_and_clamp_max_errors_name_themselves() -> None:
    with pytest.raises(ValueError, match=r"clamp_min: min 1e\+38 cannot be converted to float16 without overflow"):
        shendu.ones(2, dtype=shendu.float16).clamp_min(1e38)
    with pytest.raises(shendu.ShapeError, match=r"clamp_max: shapes \(2,\) and \(3,\) cannot be broadcast"):
        shendu.ones(2).clamp_max(shendu.ones(3))
