from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import shendu
from tests.helpers import check, grad_check

NAN = np.nan
INTS = np.array([-3, 0, 2, 7], dtype=np.int64)
BOOLS = np.array([True, False, True])


TIES_A = np.array([1.0, 2.0, NAN, 3.0, -1.0, 0.0])
TIES_B = np.array([1.0, 1.0, 0.0, NAN, 5.0, 0.0])


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum(name: str) -> None:
    check(lambda m, a, b: getattr(m, name)(a, b), TIES_A, TIES_B)
    check(lambda m, a, b: getattr(a, name)(b), (3, 4), (3, 4))
    check(lambda m, a, b: getattr(m, name)(a, b), (3, 1), (4,))
    check(lambda m, a, b: getattr(m, name)(a, b), (), (3,))
    check(lambda m, a, b: getattr(m, name)(a, b), (0, 3), (3,))
    check(lambda m, a, b: getattr(m, name)(a, b), (4, 5), (4, 5), noncontiguous=True)
    check(lambda m, a, b: getattr(m, name)(a, b), INTS, np.array([0, 0, 5, 5], dtype=np.int32))
    check(lambda m, a, b: getattr(m, name)(a, b), INTS, (4,))
    check(lambda m, a, b: getattr(m, name)(a, b), BOOLS, np.array([False, False, True]))
    check(lambda m, a: getattr(m, name)(a, m.tensor(0.5, dtype=m.float64)), (3,), dtypes=("float32",))


def test_maximum_with_a_number() -> None:
    # PyTorch requires a tensor; shendu also takes a number, promoted like one.
    assert shendu.maximum(shendu.tensor([1.0, 3.0]), 2).tolist() == [2.0, 3.0]
    assert shendu.minimum(shendu.tensor([1, 3]), 2.5).dtype == shendu.float32


def test_where() -> None:
    cond = np.array([[True, False, True], [False, False, True]])
    check(lambda m, c, a, b: m.where(c, a, b), cond, (2, 3), (2, 3))
    check(lambda m, c, a, b: m.where(c, a, b), cond, (3,), (2, 1))
    check(lambda m, c, a, b: m.where(c, a, b), cond[0], (2, 1), ())
    check(lambda m, a, b: m.where(a > 0, a, b), (4, 5), (4, 5), noncontiguous=True)
    check(lambda m, a: m.where(a > 0, a, 0.0), (3, 4))
    check(lambda m, a: m.where(a > 0, 1.5, a), (3, 4))
    check(lambda m, a: m.where(a > 0, 1.0, 0.0), (3, 4))
    check(lambda m, a: m.where(a > 0, 1, 0), (3, 4))
    check(lambda m, a, b: a.where(a > 0, b), (3, 4), (4,))
    check(lambda m, a: m.where(a > 0, a, 0.0), (0, 2))


def test_where_promotion() -> None:
    check(lambda m, a, b: m.where(a > 0, a, b), INTS, (4,))
    check(lambda m, a: m.where(a > 0, a, 1.5), INTS)
    check(lambda m, a: m.where(a > 0, a, 2), INTS.astype(np.int32))
    check(lambda m, a: m.where(a > 0, a, m.tensor(2.0, dtype=m.float64)), (3,), dtypes=("float32",))
    check(lambda m, a: m.where(a > 0, a, m.tensor([1.0, 2.0, 3.0], dtype=m.float64)), (3,), dtypes=("float32",))


def test_where_with_condition_only_gives_indices() -> None:
    check(lambda m, c: m.where(c), np.array([[True, False], [True, True]]))
    check(lambda m, c: m.where(c), np.array(True))
    check(lambda m, c: m.where(c), np.zeros((0, 3), dtype=bool))


def test_masked_fill() -> None:
    mask = np.array([[True, False, True], [False, False, True]])
    check(lambda m, a, mk: m.masked_fill(a, mk, 0.5), (2, 3), mask)
    check(lambda m, a, mk: a.masked_fill(mk, -1e9), (2, 3), mask)
    check(lambda m, a, mk: a.masked_fill(mk, float("-inf")), (2, 3), mask[0])
    check(lambda m, a, mk: a.masked_fill(mk, 1.0), (3,), mask)
    check(lambda m, a, mk, v: a.masked_fill(mk, v), (2, 3), mask, np.array(2.0))
    check(lambda m, a, mk: a.masked_fill(mk, 1.5), INTS, np.array([True, False, True, False]))
    check(lambda m, a: a.masked_fill(a > 0, 0.0), (4, 5), noncontiguous=True)
    check(lambda m, a: a.masked_fill(a > 0, 0.0), ())


def test_gradcheck() -> None:
    grad_check(lambda m, a, b: m.maximum(a, b), (3, 4), (4,))
    grad_check(lambda m, a, b: m.minimum(a, b), (3, 4), (4,))
    grad_check(lambda m, a, b: m.where(a > b, a * b, b), (3, 4), (4,))
    grad_check(lambda m, a, v: m.masked_fill(a, a > 0, v), (3, 4), np.array(2.0))


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(["maximum", "minimum"]),
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=3),
)
def test_binary_property(name: str, shapes: tuple) -> None:
    check(lambda m, a, b: getattr(m, name)(a, b), *shapes.input_shapes)


@settings(max_examples=40, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, min_side=0, max_side=3))
def test_where_property(shapes: tuple) -> None:
    a, b, c = shapes.input_shapes
    check(lambda m, x, y, z: m.where(x > z, x, y), a, b, c)


def test_errors() -> None:
    with pytest.raises(shendu.ShapeError, match=r"maximum: shapes \(3,\) and \(2,\) cannot be broadcast"):
        shendu.maximum(shendu.ones(3), shendu.zeros(2))
    with pytest.raises(
        shendu.DtypeError, match=r"where: expected condition to be a bool tensor, got dtype shendu\.float32"
    ):
        shendu.where(shendu.ones(3), shendu.ones(3), 0.0)
    with pytest.raises(TypeError, match="where: expected condition to be a bool Tensor, got list"):
        shendu.where([True], shendu.ones(1), 0.0)
    with pytest.raises(TypeError, match="where: expected both input and other, or neither"):
        shendu.where(shendu.ones(3) > 0, shendu.ones(3))
    with pytest.raises(shendu.ShapeError, match=r"where: shapes \(3,\) and \(2,\) and \(1,\) cannot be broadcast"):
        shendu.where(shendu.ones(3) > 0, shendu.ones(2), shendu.ones(1))
    with pytest.raises(
        shendu.DtypeError, match=r"masked_fill: expected mask to be a bool tensor, got dtype shendu\.int64"
    ):
        shendu.ones(3).masked_fill(shendu.tensor([1, 0, 1]), 0.0)
    with pytest.raises(shendu.ShapeError, match=r"masked_fill: value must be a number or a 0-d tensor.*\(1,\)"):
        shendu.ones(3).masked_fill(shendu.ones(3) > 0, shendu.ones(1))
    with pytest.raises(TypeError, match="masked_fill: value must be a number or a 0-d tensor, got str"):
        shendu.ones(3).masked_fill(shendu.ones(3) > 0, "a")
    with pytest.raises(shendu.ShapeError, match=r"masked_fill: shapes \(3,\) and \(2,\) cannot be broadcast"):
        shendu.ones(3).masked_fill(shendu.ones(2) > 0, 0.0)
