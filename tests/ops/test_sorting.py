from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import shendu
from tests.helpers import Fixed, check, grad_check

TIES = np.array([[2.0, 1.0, 2.0, 0.5, 1.0], [3.0, 3.0, -1.0, 3.0, 0.0]])


def test_sort_values_indices_and_gradient() -> None:
    check(lambda m, x: m.sort(x), (3, 5))
    check(lambda m, x: m.sort(x, dim=0, descending=True), (4, 3))
    check(lambda m, x: x.sort(descending=True, stable=True), (2, 3, 4), noncontiguous=True)
    check(lambda m, x: x.sort(-2), (2, 3, 4))
    check(lambda m, x: m.sort(x), ())
    check(lambda m, x: m.sort(x), (0,))
    check(lambda m, x: m.sort(x, stable=True), Fixed(TIES), grad=False)
    check(lambda m, x: m.sort(x, descending=True, stable=True), Fixed(TIES), grad=False)
    check(lambda m, x: m.sort(x, stable=True), Fixed(np.array([1.0, np.nan, -np.inf, 0.0])), grad=False)
    check(lambda m, x: m.sort(x, descending=True, stable=True), Fixed(np.array([1.0, np.nan, 0.0])), grad=False)
    check(lambda m, x: m.sort(x).values, np.array([3, 1, 2], dtype=np.int64), grad=False)
    check(lambda m, x: m.sort(x, descending=True), np.array([True, False, True]), grad=False)


def test_argsort() -> None:
    check(lambda m, x: m.argsort(x), (3, 5))
    check(lambda m, x: x.argsort(dim=0, descending=True), (4, 3))
    check(lambda m, x: m.argsort(x, stable=True), Fixed(TIES), grad=False)
    check(lambda m, x: m.argsort(x, descending=True, stable=True), Fixed(TIES), grad=False)


def test_topk() -> None:
    check(lambda m, x: m.topk(x, 2), (3, 5))
    check(lambda m, x: x.topk(3, dim=0, largest=False), (4, 3))
    check(lambda m, x: x.topk(k=1, dim=-1), (2, 3, 4), noncontiguous=True)
    check(lambda m, x: m.topk(x, 0), (2, 3))
    check(lambda m, x: m.topk(x, 5), (2, 5))
    check(lambda m, x: m.topk(x, 1), ())
    check(lambda m, x: m.topk(x, 2, sorted=True), np.array([4, 9, 1, 7], dtype=np.int64), grad=False)
    # A picked value's gradient reaches its position; among ties torch picks the first too.
    check(lambda m, x: m.topk(x.flatten(), 3).values, Fixed(np.array([[5.0, 1.0], [4.0, 3.0]])))


def test_sorting_gradients() -> None:
    grad_check(lambda m, x: m.sort(x, dim=0, descending=True).values, (4, 3))
    grad_check(lambda m, x: m.topk(x, 2).values, (3, 5))


@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), data=st.data())
def test_topk_property(shape: list[int], data: st.DataObject) -> None:
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    k = data.draw(st.integers(0, shape[dim]))
    largest = data.draw(st.booleans())
    check(lambda m, x: m.topk(x, k, dim, largest), tuple(shape), dtypes=("float64",))
    check(lambda m, x: m.sort(x, dim, descending=largest), tuple(shape), dtypes=("float64",))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x: x.topk(4), shendu.ShapeError, r"topk: k=4 is out of range for dim -1 of size 3 .*0 <= k <= 3"),
        (lambda x: x.topk(-1), shendu.ShapeError, r"topk: k=-1 is out of range"),
        (lambda x: x.topk(1.5), shendu.DtypeError, "topk: k must be an int, got float 1.5"),
        (lambda x: x.sort(dim=2), shendu.DimError, r"sort: dim 2 is out of range for a 2-d tensor"),
        (lambda x: x.argsort(dim=-3), shendu.DimError, r"argsort: dim -3 is out of range"),
        (lambda x: shendu.sort([3, 1]), TypeError, "sort: expected a Tensor, got list"),
    ],
)
def test_errors(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call(shendu.ones(2, 3))


def test_topk_refuses_bool_tensors_as_pytorch_does() -> None:
    with pytest.raises(shendu.DtypeError, match=r"topk: bool tensors are not supported, as in PyTorch; cast"):
        shendu.tensor([True, False]).topk(1)
