from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from tests.helpers import check, grad_check

INTS = np.array([[1, -2, 3], [4, 0, -6]], dtype=np.int64)
INT32 = np.array([[1, -2, 3], [4, 0, -6]], dtype=np.int32)
BOOLS = np.array([[True, False, True], [True, True, True]])
# Slices with no zero, one zero and two zeros: the three cases of cumprod's gradient.
ZEROS = np.array([[1.5, -2.0, 0.5, 3.0], [1.5, 0.0, 2.0, -1.0], [0.0, 2.0, 0.0, 1.0]])


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumulative(name: str) -> None:
    check(lambda m, x: getattr(m, name)(x, 0), (5,))
    check(lambda m, x: getattr(m, name)(x, 1), (3, 4))
    check(lambda m, x: getattr(m, name)(x, -3), (2, 3, 4))
    check(lambda m, x: getattr(m, name)(x, dim=0), ())
    check(lambda m, x: getattr(m, name)(x, 0), (0, 3))
    check(lambda m, x: getattr(x, name)(0), (4, 5), noncontiguous=True)
    check(lambda m, x: getattr(m, name)(x, 1), INT32)
    check(lambda m, x: getattr(m, name)(x, 0), BOOLS)
    check(lambda m, x: getattr(m, name)(x, 1, dtype=m.float64), (2, 3))
    check(lambda m, x: getattr(m, name)(x, 0, dtype=m.float32), INTS)


def test_cumprod_gradient_with_zeros() -> None:
    check(lambda m, x: m.cumprod(x, 1), ZEROS)
    check(lambda m, x: m.cumprod(x, 0), ZEROS)
    check(lambda m, x: m.cumprod(x, 0), np.array([0.0, 0.0, 2.0]))
    check(lambda m, x: m.cumprod(x, 0), np.array([3.0, 2.0, 0.0]))


def test_gradcheck() -> None:
    grad_check(lambda m, x: m.cumsum(x, 1), (3, 4))
    grad_check(lambda m, x: m.cumprod(x, 0), (3, 4))
    grad_check(lambda m, x: m.cumprod(x, 1), ZEROS)


@st.composite
def shape_and_dim(draw: st.DrawFn) -> tuple[tuple[int, ...], int]:
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=4)))
    span = max(len(shape), 1)
    return shape, draw(st.integers(-span, span - 1))


@settings(max_examples=40, deadline=None)
@given(shape_and_dim())
def test_property_cumsum_cumprod(case: tuple) -> None:
    shape, dim = case
    check(lambda m, x: m.cumsum(x, dim), shape)
    check(lambda m, x: m.cumprod(x, dim), shape)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 2), min_size=1, max_size=6), st.integers(0, 1))
def test_property_cumprod_gradient_with_repeated_zeros(digits: list, dim: int) -> None:
    values = np.array(digits, dtype=np.float64) - 1.0
    check(lambda m, x: m.cumprod(x, dim), np.stack([values, values[::-1] * 0.5]))


def test_errors() -> None:
    x = shendu.ones(2, 3)
    with pytest.raises(shendu.ShapeError, match="cumsum: dim -3 is out of range"):
        shendu.cumsum(x, -3)
    with pytest.raises(TypeError, match=r"cumsum: dim must be a single int, got tuple \(0,\)"):
        shendu.cumsum(x, (0,))
    with pytest.raises(TypeError, match="cumprod: expected a Tensor as input, got list"):
        shendu.cumprod([1.0], 0)
