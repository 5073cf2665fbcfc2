from __future__ import annotations

import numpy as np
import pytest

import shendu
from tests.helpers import Fixed, check, grad_check

POSITIVE = {"low": 0.5, "high": 2.0}


@pytest.mark.parametrize(
    "shapes",
    [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (3, 4)), ((2, 1, 4), (3, 1)), ((), (3,)), ((3,), ()), ((0, 3), (3,))],
)
def test_binary_broadcasting(shapes: tuple) -> None:
    check(lambda m, a, b: a + b, *shapes)
    check(lambda m, a, b: a - b, *shapes)
    check(lambda m, a, b: a * b, *shapes)
    check(lambda m, a, b: a / b, *shapes, **POSITIVE)
    check(lambda m, a, b: a**b, *shapes, **POSITIVE)


def test_scalars_on_either_side() -> None:
    check(lambda m, a: a + 2.5, (3, 4))
    check(lambda m, a: 2.5 + a, (3, 4))
    check(lambda m, a: a - 1, (3, 4))
    check(lambda m, a: 1 - a, (3, 4))
    check(lambda m, a: a * 3, (3, 4))
    check(lambda m, a: -2.0 * a, (3, 4))
    check(lambda m, a: a / 4.0, (3, 4))
    check(lambda m, a: 4.0 / a, (3, 4), **POSITIVE)
    check(lambda m, a: a**2, (3, 4))
    check(lambda m, a: a**3, (3, 4))
    check(lambda m, a: a**0.5, (3, 4), **POSITIVE)
    check(lambda m, a: a**-1.5, (3, 4), **POSITIVE)
    check(lambda m, a: 2.0**a, (3, 4))
    check(lambda m, a: -a, (3, 4))
    check(lambda m, a: m.neg(a), (2, 0))


def test_functional_forms() -> None:
    check(lambda m, a, b: m.add(a, b, alpha=2), (3,), (3,))
    check(lambda m, a, b: m.sub(a, b, alpha=0.5), (3,), (2, 3))
    check(lambda m, a, b: m.mul(a, b), (2, 3), (2, 3))
    check(lambda m, a, b: m.div(a, b), (2, 3), (3,), **POSITIVE)
    check(lambda m, a, b: m.pow(a, b), (2, 3), (3,), **POSITIVE)
    check(lambda m, a, b: m.remainder(a, b), (2, 3), (3,), **POSITIVE)
    check(lambda m, a, b: m.rsub(a, b), (2, 3), (3,))


def test_alpha_times_a_number_stays_a_number_in_promotion() -> None:
    # 0 * 0.5 is a number, which ranks below a 0-d float16 tensor: the result stays float16.
    half = np.array(0.125, dtype=np.float16)
    check(lambda m, a: m.add(a, 0, alpha=0.5), Fixed(half), dtypes=("float32",))
    check(lambda m, a: m.sub(a, 2, alpha=0.5), Fixed(half), dtypes=("float32",))
    check(lambda m, a: m.add(a, 3, alpha=2), np.array([1, 2]), dtypes=("float32",))
    # Between bools alpha becomes a bool, as PyTorch converts it to the result's dtype.
    check(lambda m, a, b: m.add(a, b, alpha=2), np.array([True, False]), np.array([False, False]))
    check(lambda m, a: m.add(a, True, alpha=0), np.array([True, False]))
    check(lambda m, a: m.add(a, True, alpha=2), Fixed(np.array(3, dtype=np.int32)), dtypes=("float32",))


def test_sub_refuses_a_bool_number_even_with_alpha() -> None:
    with pytest.raises(TypeError, match="sub: subtracting a bool is not supported"):
        shendu.sub(shendu.ones(2), True, alpha=2)


def test_gradient_of_zero_to_a_power() -> None:
    # d(0**x)/dx is 0 where x >= 0 and inf * -inf where x < 0, as in PyTorch.
    check(lambda m, x: m.pow(0, x), np.array([0.5, -0.5, 0.0, 2.0]))


def test_non_contiguous_inputs() -> None:
    check(lambda m, a, b: a * b + a, (3, 4), (3, 4), noncontiguous=True)
    check(lambda m, a, b: a / b, (4, 5), (5,), noncontiguous=True, **POSITIVE)


def test_same_input_used_twice_accumulates() -> None:
    check(lambda m, a: a * a + a, (3,))
    check(lambda m, a, b: (a + b) * (a - b) / b, (2, 3), (3,), **POSITIVE)


def test_integer_and_bool_promotion() -> None:
    ints = np.array([1, 2, 3], dtype=np.int64)
    int32 = np.array([1, -2, 3], dtype=np.int32)
    bools = np.array([True, False, True])
    check(lambda m, a: a / 2, ints)
    check(lambda m, a: a * 2.5, ints)
    check(lambda m, a: a + 1, int32)
    check(lambda m, a: a * 1.5, int32)
    check(lambda m, a: a + 1, bools)
    check(lambda m, a, b: a / b, ints, int32)
    check(lambda m, a, b: a + b, ints, int32)
    check(lambda m, a, b: a * b, ints, (3,))
    check(lambda m, a, b: a + b, bools, ints)
    check(lambda m, a: a // 2, np.array([-3, 5, 7]))
    check(lambda m, a: a % 3, np.array([-3, 5, 7]))
    check(lambda m, a, b: m.div(a, b, rounding_mode="trunc"), np.array([-7, 5, 7]), np.array([2, 2, -2]))
    check(lambda m, a, b: m.div(a, b, rounding_mode="floor"), (4,), (4,), grad=False, **POSITIVE)


def test_zero_dim_tensors_rank_below_dimensioned_ones() -> None:
    f64_scalar = Fixed(np.array(2.0, dtype=np.float64))
    check(lambda m, a, s: a * s, (3,), f64_scalar, dtypes=("float32",), grad=False)
    check(lambda m, a, s: a * s, np.array([1, 2], dtype=np.int32), f64_scalar, grad=False)
    check(lambda m, a: a * np.float64(2.0), (3,), dtypes=("float32",))


def test_python_floats_keep_float64_precision_in_remainder_and_floor_division() -> None:
    # Through float32 on its way, 1.7 would become 1.70000005 and every remainder would be off by 5e-8.
    check(lambda m, a: a % 1.7 + m.remainder(a, 0.3), (3, 4), dtypes=("float64",), **POSITIVE)
    floors = lambda m, a: 5.3 % a + a // 0.7 + 5.3 // a + m.div(a, 0.3, rounding_mode="floor")  # noqa: E731
    check(floors, (3, 4), grad=False, **POSITIVE)


def test_float32_stays_float32_with_python_floats() -> None:
    x = shendu.ones(3)
    assert (x * 0.1 + 1e-3).dtype == shendu.float32
    assert (x / 7).dtype == shendu.float32
    assert (2.0**x).dtype == shendu.float32


def test_gradcheck() -> None:
    grad_check(lambda m, a, b: a * b + a / b - b**a, (2, 3), (3,), low=0.5, high=2.0)
    grad_check(lambda m, a: 3.0 / a + a**2.5 - 1.5**a, (4,), low=0.5, high=2.0)


def test_broadcast_failure_message() -> None:
    with pytest.raises(shendu.ShapeError, match=r"add: shapes \(3, 4\) and \(5,\) cannot be broadcast"):
        shendu.ones(3, 4) + shendu.ones(5)


def test_unsupported_operand_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="unsupported operand"):
        shendu.ones(3) + "a"
    with pytest.raises(TypeError, match="add: expected a Tensor or a number, got str"):
        shendu.add(shendu.ones(3), "a")


def test_lerp() -> None:
    check(lambda m, a, b: m.lerp(a, b, 0.3), (2, 3), (2, 3))
    check(lambda m, a, b, w: a.lerp(b, w), (2, 3), (3,), (2, 1))
    check(lambda m, a, b: (a * 1.0).lerp_(b, 0.9), (3,), (3,))
    check(lambda m, a, b: m.lerp(a, b, 1.5), (), (4,))
    check(lambda m, a, b: m.lerp(a, b, m.tensor(3)), (2,), (2,))  # a 0-d weight of any dtype is a number
    grad_check(lambda m, a, b, w: m.lerp(a, b, w), (2, 3), (2, 3), (3,))
    ema = shendu.zeros(3)
    param = shendu.nn.Parameter(shendu.ones(3))
    with shendu.no_grad():
        ema.lerp_(param, 1 - 0.99)
    np.testing.assert_allclose(ema.numpy(), 0.01, rtol=1e-6)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: shendu.lerp(shendu.ones(2), shendu.ones(2, dtype=shendu.float64), 0.5),
            shendu.DtypeError,
            r"lerp: expected end of the input's dtype shendu.float32, got shendu.float64; cast it first",
        ),
        (lambda: shendu.lerp(shendu.ones(2).long(), shendu.ones(2).long(), 1), shendu.DtypeError, "floating-point"),
        (lambda: shendu.lerp(shendu.ones(2), [1.0, 2.0], 0.5), TypeError, "lerp: expected tensors for input and end"),
        (
            lambda: shendu.lerp(shendu.ones(2), shendu.ones(3), 0.5),
            shendu.ShapeError,
            r"lerp: shapes \(2,\) and \(3,\) cannot be broadcast",
        ),
    ],
)
def test_lerp_errors(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()
