from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import shendu
from tests.helpers import check

INTS = np.array([[3, 0, 1], [0, 2, 3]], dtype=np.int64)
ROWS = np.array([[1, 2], [0, 5], [1, 2], [0, 5], [0, 4]], dtype=np.int64)


def test_nonzero_and_argwhere() -> None:
    check(lambda m, x: m.nonzero(x), INTS, grad=False)
    check(lambda m, x: x.nonzero(as_tuple=True), INTS, grad=False)
    check(lambda m, x: (x > 0.5).nonzero(), (3, 4, 2), grad=False)
    check(lambda m, x: x[(x > 0).nonzero(as_tuple=True)], (3, 4))
    check(lambda m, x: m.nonzero(x), np.array(2.0), grad=False)
    check(lambda m, x: m.nonzero(x, as_tuple=True), np.array(2.0), grad=False)
    check(lambda m, x: m.nonzero(x), np.zeros((2, 0)), grad=False)
    check(lambda m, x: m.argwhere(x), INTS, grad=False)
    check(lambda m, x: x.argwhere(), np.array([True, False, True]), grad=False)


def test_unique() -> None:
    check(lambda m, x: m.unique(x), INTS, grad=False)
    check(lambda m, x: x.unique(return_inverse=True, return_counts=True), INTS, grad=False)
    check(lambda m, x: m.unique(x, return_counts=True), np.array([2.5, -1.0, 2.5]), grad=False)
    check(lambda m, x: m.unique(x, dim=0, return_inverse=True, return_counts=True), ROWS, grad=False)
    check(lambda m, x: m.unique(x, dim=1), ROWS.T, grad=False)
    check(lambda m, x: m.unique(x), np.array([True, False, True]), grad=False)
    nans = np.array([np.nan, 1.0, np.nan])
    check(lambda m, x: m.unique(x, return_inverse=True, return_counts=True), nans, grad=False)  # NaNs are distinct


def test_bincount() -> None:
    check(lambda m, x: m.bincount(x), np.array([0, 1, 1, 4], dtype=np.int64), grad=False)
    check(lambda m, x: x.bincount(minlength=7), np.array([0, 1, 1, 4], dtype=np.int64), grad=False)
    check(lambda m, x: m.bincount(x), np.array([], dtype=np.int64), grad=False)
    check(
        lambda m, x, w: m.bincount(x, weights=w),
        np.array([0, 2, 2], dtype=np.int64),
        np.array([0.5, 1.0, 2.0]),
        grad=False,
    )


@given(hnp.arrays(np.int64, hnp.array_shapes(max_dims=3, max_side=4), elements=st.integers(-3, 3)))
def test_unique_and_nonzero_property(values: np.ndarray) -> None:
    check(lambda m, x: m.unique(x, return_inverse=True, return_counts=True), values, grad=False)
    check(lambda m, x: m.nonzero(x), values, grad=False)


def test_results_carry_no_gradient() -> None:
    x = shendu.tensor([1.0, 0.0, 1.0], requires_grad=True)
    assert not x.unique().requires_grad and not x.nonzero().requires_grad
    # PyTorch's unique records a node whose backward raises "not implemented"; shendu records none.
    with pytest.raises(RuntimeError, match="not implemented"):
        torch.tensor([1.0], requires_grad=True).unique().sum().backward()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: shendu.bincount(shendu.ones(2, 2).long()), shendu.ShapeError, r"bincount: expected a 1-d tensor"),
        (lambda: shendu.bincount(shendu.ones(2)), shendu.DtypeError, r"bincount: expected an integer tensor.*long"),
        (lambda: shendu.bincount(shendu.tensor([1, -2])), ValueError, "bincount: the values must be non-negative"),
        (
            lambda: shendu.bincount(shendu.tensor([1, 2]), weights=shendu.ones(3)),
            shendu.ShapeError,
            r"bincount: weights must have the input's shape \(2,\), got \(3,\)",
        ),
        (lambda: shendu.unique(shendu.tensor(1.0), dim=0), shendu.ShapeError, "unique: dim needs an input"),
        (lambda: shendu.nonzero([1, 0]), TypeError, "nonzero: expected a Tensor, got list"),
        (lambda: shendu.zeros(0, 0).unique(dim=0), shendu.ShapeError, r"at most one dim of size 0, got shape \(0, 0\)"),
    ],
)
def test_errors(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()
