from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import shendu
from tests.helpers import check

INF = np.inf
NAN = np.nan
INTS = np.array([-3, 0, 2, 7], dtype=np.int64)
BOOLS = np.array([True, False, True, False])
# Int and bool inputs are the same in both runs.
INT_RUN = {"dtypes": ("float32",)}
SPECIAL = np.array([-INF, -1.0, 0.0, 0.5, 2.0, INF, NAN, NAN])
SPECIAL_OTHER = np.array([-INF, 1.0, -0.0, 0.5, 3.0, 1.0, NAN, 1.0])

COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge"]
OPERATORS = [operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]
ALIASES = ["not_equal", "less", "less_equal", "greater", "greater_equal"]


@pytest.mark.parametrize("name", COMPARISONS)
def test_comparisons(name: str) -> None:
    check(lambda m, a, b: getattr(m, name)(a, b), (3, 4), (3, 4))
    check(lambda m, a, b: getattr(m, name)(a, b), SPECIAL, SPECIAL_OTHER)
    check(lambda m, a, b: getattr(a, name)(b), (3, 1), (4,))
    check(lambda m, a, b: getattr(m, name)(a, b), (), (3,))
    check(lambda m, a, b: getattr(m, name)(a, b), (0, 3), (3,))
    check(lambda m, a, b: getattr(m, name)(a, b), (4, 5), (4, 5), noncontiguous=True)
    check(lambda m, a: getattr(m, name)(a, 0.5), (3, 4))
    check(lambda m, a: getattr(m, name)(a, 0), SPECIAL)
    check(lambda m, a: getattr(a, name)(INF), SPECIAL)


@pytest.mark.parametrize("op", OPERATORS, ids=COMPARISONS)
def test_operators(op: operator) -> None:
    check(lambda m, a, b: op(a, b), (3, 4), (4,))
    check(lambda m, a: op(a, 0.0), (3, 4))
    check(lambda m, a: op(0.0, a), (3, 4))
    check(lambda m, a: op(a, a), SPECIAL)
    check(lambda m, a: op(a, 2), INTS, **INT_RUN)
    check(lambda m, a: op(2, a), INTS, **INT_RUN)


@pytest.mark.parametrize("name", COMPARISONS)
def test_comparison_promotion(name: str) -> None:
    check(lambda m, a: getattr(m, name)(a, 2.5), INTS, **INT_RUN)
    check(lambda m, a: getattr(m, name)(a, 2), INTS.astype(np.int8), **INT_RUN)
    check(lambda m, a: getattr(m, name)(a, True), BOOLS, **INT_RUN)
    check(lambda m, a: getattr(m, name)(a, 1), BOOLS, **INT_RUN)
    check(lambda m, a, b: getattr(m, name)(a, b), INTS, (4,))
    check(lambda m, a, b: getattr(m, name)(a, b), INTS, INTS.astype(np.int32)[::-1].copy(), **INT_RUN)
    check(lambda m, a, b: getattr(m, name)(a, b), BOOLS, INTS, **INT_RUN)
    # 16777217 is not a float32: PyTorch compares int64 with float32 in float32, where it equals 16777216.
    big = np.array([16777217, 3], dtype=np.int64)
    check(lambda m, a: getattr(m, name)(a, m.tensor([16777216.0, 3.0])), big, **INT_RUN)
    check(lambda m, a: getattr(m, name)(a, m.tensor([0.1, 1.0], dtype=m.float64)), (2,), dtypes=("float32",))
    check(lambda m, a: getattr(m, name)(a, np.float32(0.1)), np.array([0.1, 0.2]), dtypes=("float32",))


@pytest.mark.parametrize("name", ALIASES)
def test_aliases(name: str) -> None:
    check(lambda m, a, b: getattr(m, name)(a, b), (3, 4), (4,))
    check(lambda m, a: getattr(a, name)(0.0), (3, 4))


def test_out_of_range_integer_scalars_compare_exactly() -> None:
    # PyTorch wraps 1000 into int8 (-24) first; shendu compares the true values.
    x = shendu.tensor([1, -24], dtype=shendu.int8)
    assert (x == 1000).tolist() == [False, False]
    assert (x < 1000).tolist() == [True, True]
    assert (x > -1000).tolist() == [True, True]


def test_comparisons_do_not_require_grad() -> None:
    x = shendu.tensor([1.0, -1.0], requires_grad=True)
    for out in (x > 0, x == x, shendu.isclose(x, x), shendu.logical_not(x)):
        assert out.dtype == shendu.bool and not out.requires_grad and out.grad_fn is None


def test_equal() -> None:
    check(lambda m, a, b: m.equal(a, b), (3, 4), (3, 4))
    check(lambda m, a: m.equal(a, a.clone()), (3, 4))
    check(lambda m, a: a.equal(a.clone()), ())
    check(lambda m, a, b: m.equal(a, b), (3,), (4,))
    check(lambda m, a, b: m.equal(a, b), (3, 1), (3,))
    check(lambda m, a: m.equal(a, a), SPECIAL)
    check(lambda m, a: m.equal(a, a.to(m.float32)), INTS, **INT_RUN)
    check(lambda m, a: m.equal(a, a), (0, 2))
    assert shendu.equal(shendu.tensor([1, 2]), shendu.tensor([1.0, 2.0])) is True


CLOSE_A = np.array([1.0, 1.0, 1.0, 0.0, INF, INF, -INF, NAN, NAN, 1e-9, 100.0])
CLOSE_B = np.array([1.0, 1.0 + 1e-6, 1.1, 1e-9, INF, -INF, 1.0, NAN, 1.0, 0.0, 100.001])


def test_isclose() -> None:
    check(lambda m, a, b: m.isclose(a, b), CLOSE_A, CLOSE_B)
    check(lambda m, a, b: m.isclose(a, b, equal_nan=True), CLOSE_A, CLOSE_B)
    check(lambda m, a, b: m.isclose(a, b, rtol=0.0, atol=0.0), CLOSE_A, CLOSE_B)
    check(lambda m, a, b: m.isclose(a, b, rtol=0.2, atol=0.0), CLOSE_A, CLOSE_B)
    check(lambda m, a, b: m.isclose(a, b, rtol=0.0, atol=1e-8), CLOSE_A, CLOSE_B)
    check(lambda m, a, b: a.isclose(b, rtol=1.0), (3, 1), (4,))
    check(lambda m, a, b: m.isclose(a, b), INTS, INTS[::-1].copy(), **INT_RUN)
    check(lambda m, a, b: m.isclose(a, b, rtol=0.5, atol=1), INTS, INTS[::-1].copy(), **INT_RUN)
    check(lambda m, a, b: m.isclose(a, b), BOOLS, BOOLS[::-1].copy(), **INT_RUN)


def test_allclose() -> None:
    check(lambda m, a, b: m.allclose(a, b), CLOSE_A[:2], CLOSE_B[:2])
    check(lambda m, a, b: m.allclose(a, b), CLOSE_A, CLOSE_B)
    check(lambda m, a, b: a.allclose(b, rtol=1.0), (3, 1), (4,))
    check(lambda m, a: m.allclose(a, a), SPECIAL[:-2])
    check(lambda m, a: m.allclose(a, a), SPECIAL)
    check(lambda m, a: m.allclose(a, a, equal_nan=True), SPECIAL)
    check(lambda m, a: m.allclose(a, a + 1), INTS, **INT_RUN)
    check(lambda m, a: m.allclose(a, a + 1, atol=1), INTS, **INT_RUN)


LOGICAL = ["logical_and", "logical_or", "logical_xor"]


@pytest.mark.parametrize("name", LOGICAL)
def test_logical(name: str) -> None:
    check(lambda m, a, b: getattr(m, name)(a, b), BOOLS, BOOLS[::-1].copy(), **INT_RUN)
    check(lambda m, a, b: getattr(m, name)(a, b), INTS, BOOLS, **INT_RUN)
    check(lambda m, a, b: getattr(m, name)(a, b), np.array([0.0, NAN, 2.0, -0.0]), INTS)
    check(lambda m, a, b: getattr(a, name)(b), (3, 1), (4,), transform=np.round)
    check(lambda m, a, b: getattr(m, name)(a, b), (), (0,))
    check(lambda m, a, b: getattr(m, name)(a, b), (4, 5), (4, 5), noncontiguous=True, transform=np.round)


def test_logical_not() -> None:
    check(lambda m, a: m.logical_not(a), BOOLS, **INT_RUN)
    check(lambda m, a: m.logical_not(a), INTS, **INT_RUN)
    check(lambda m, a: a.logical_not(), np.array([0.0, NAN, -0.0, 2.0]))
    check(lambda m, a: m.logical_not(a), (0, 2))


def test_logical_with_a_number() -> None:
    # PyTorch wants a tensor for other; shendu also takes a number.
    assert shendu.logical_and(shendu.tensor([1, 0]), True).tolist() == [True, False]
    assert shendu.logical_or(shendu.tensor([0.0, 0.0]), 0).tolist() == [False, False]


BITWISE = ["bitwise_and", "bitwise_or", "bitwise_xor"]
BIT_OPERATORS = [operator.and_, operator.or_, operator.xor]


@pytest.mark.parametrize("name", BITWISE)
def test_bitwise(name: str) -> None:
    ints_b = np.array([5, -1, 12, 0], dtype=np.int64)
    check(lambda m, a, b: getattr(m, name)(a, b), INTS, ints_b, **INT_RUN)
    check(lambda m, a, b: getattr(a, name)(b), INTS.reshape(4, 1), ints_b, **INT_RUN)
    check(lambda m, a, b: getattr(m, name)(a, b), BOOLS, BOOLS[::-1].copy(), **INT_RUN)
    check(lambda m, a, b: getattr(m, name)(a, b), INTS, BOOLS, **INT_RUN)
    check(lambda m, a, b: getattr(m, name)(a, b), INTS.astype(np.int32), ints_b, **INT_RUN)
    check(lambda m, a, b: getattr(m, name)(a, b), INTS.astype(np.uint8), ints_b.astype(np.uint8), **INT_RUN)
    check(lambda m, a: getattr(m, name)(a, 6), INTS, **INT_RUN)
    check(lambda m, a: getattr(m, name)(a, True), BOOLS, **INT_RUN)
    check(lambda m, a: getattr(m, name)(a, 1), BOOLS, **INT_RUN)


@pytest.mark.parametrize("op", BIT_OPERATORS, ids=BITWISE)
def test_bitwise_operators(op: operator) -> None:
    check(lambda m, a, b: op(a, b), BOOLS, BOOLS[::-1].copy(), **INT_RUN)
    check(lambda m, a: op(a, 3), INTS, **INT_RUN)
    check(lambda m, a: op(3, a), INTS, **INT_RUN)
    check(lambda m, a: op(True, a), BOOLS, **INT_RUN)
    check(lambda m, a: op(a > 0, a < 1), (3, 4))


def test_bitwise_not() -> None:
    check(lambda m, a: ~a, BOOLS, **INT_RUN)
    check(lambda m, a: ~a, INTS, **INT_RUN)
    check(lambda m, a: m.bitwise_not(a), INTS.astype(np.uint8), **INT_RUN)
    check(lambda m, a: a.bitwise_not(), INTS.astype(np.int16), **INT_RUN)
    check(lambda m, a: ~(a > 0), (3, 4))


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(COMPARISONS + LOGICAL),
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=3),
)
def test_comparison_property(name: str, shapes: tuple) -> None:
    check(lambda m, a, b: getattr(m, name)(a, b), *shapes.input_shapes, transform=np.round)


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(BITWISE),
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=3),
    seed=st.integers(0, 2**16),
)
def test_bitwise_property(name: str, shapes: tuple, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = (np.asarray(rng.integers(-8, 8, size=s)) for s in shapes.input_shapes)
    check(lambda m, x, y: getattr(m, name)(x, y), a, b, **INT_RUN)
    check(lambda m, x, y: getattr(m, name)(x, y), np.asarray(a > 0), np.asarray(b > 0), **INT_RUN)


def test_errors() -> None:
    x = shendu.ones(3)
    for name, expr in [
        ("bitwise_and", lambda: x & x),
        ("bitwise_or", lambda: x | 1),
        ("bitwise_xor", lambda: 1 ^ x),
        ("bitwise_not", lambda: ~x),
        ("bitwise_and", lambda: shendu.bitwise_and(shendu.tensor([1]), x)),
    ]:
        with pytest.raises(
            shendu.DtypeError, match=rf"{name}: expected bool or integer tensors, got dtype shendu\.float32"
        ):
            expr()
    with pytest.raises(shendu.DtypeError, match=r"bitwise_or: expected a bool or integer operand, got the float 1\.5"):
        shendu.tensor([1]) | 1.5
    with pytest.raises(shendu.ShapeError, match=r"eq: shapes \(3,\) and \(2,\) cannot be broadcast"):
        x == shendu.ones(2)  # noqa: B015
    with pytest.raises(shendu.ShapeError, match=r"logical_and: shapes \(3,\) and \(2,\) cannot be broadcast"):
        shendu.logical_and(x, shendu.ones(2))
    with pytest.raises(shendu.ShapeError, match=r"bitwise_xor: shapes \(3,\) and \(2,\) cannot be broadcast"):
        shendu.tensor([1, 2, 3]) ^ shendu.tensor([1, 2])
    with pytest.raises(shendu.ShapeError, match=r"isclose: shapes \(3,\) and \(2,\) cannot be broadcast"):
        shendu.isclose(x, shendu.ones(2))
    with pytest.raises(TypeError, match="lt: expected a Tensor as input, got list"):
        shendu.lt([1.0], x)
    with pytest.raises(TypeError, match="gt: expected a Tensor or a number, got str"):
        shendu.gt(x, "a")
    with pytest.raises(
        shendu.DtypeError, match=r"isclose: input and other must have the same dtype, got shendu\.float32"
    ):
        shendu.isclose(x, x.double())
    with pytest.raises(shendu.DtypeError, match="allclose: input and other must have the same dtype"):
        shendu.allclose(x, shendu.tensor([1, 1, 1]))
    with pytest.raises(ValueError, match="isclose: rtol must be >= 0, got -1"):
        shendu.isclose(x, x, rtol=-1)
    with pytest.raises(ValueError, match=r"allclose: atol must be >= 0, got -0\.5"):
        shendu.allclose(x, x, atol=-0.5)
    with pytest.raises(TypeError, match="equal: expected other to be a Tensor, got list"):
        shendu.equal(x, [1.0, 1.0, 1.0])
    with pytest.raises(TypeError, match="isclose: expected other to be a Tensor, got float"):
        shendu.isclose(x, 1.0)
