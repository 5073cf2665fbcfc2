from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import shendu
from tests.helpers import check, grad_check


def test_diag_of_a_vector_is_a_matrix() -> None:
    check(lambda m, x: m.diag(x), (3,))
    check(lambda m, x: m.diag(x, 1), (3,))
    check(lambda m, x: m.diag(x, -2), (3,))
    check(lambda m, x: m.diag(x, diagonal=2), (2,))
    check(lambda m, x: x.diag(), (4,))
    check(lambda m, x: m.diag(x), (0,))
    check(lambda m, x: m.diag(x), np.array([1, 2], dtype=np.int64), grad=False)


def test_diag_of_a_matrix_is_its_diagonal() -> None:
    check(lambda m, x: m.diag(x), (3, 4))
    check(lambda m, x: m.diag(x, 1), (3, 4))
    check(lambda m, x: m.diag(x, -1), (3, 4))
    check(lambda m, x: m.diag(x, 3), (3, 4))
    check(lambda m, x: m.diag(x, 5), (3, 4))
    check(lambda m, x: m.diag(x, -5), (3, 4))
    check(lambda m, x: x.diag(-1), (4, 2), noncontiguous=True)
    check(lambda m, x: m.diag(m.diag(x)), (3, 3))


def test_diagonal_is_a_view() -> None:
    check(lambda m, x: m.diagonal(x), (3, 4))
    check(lambda m, x: m.diagonal(x, 1), (3, 4))
    check(lambda m, x: x.diagonal(offset=-1, dim1=1, dim2=0), (3, 4))
    check(lambda m, x: m.diagonal(x, 0, 0, 2), (2, 3, 4))
    check(lambda m, x: m.diagonal(x, 1, -1, -2), (2, 3, 4), noncontiguous=True)
    check(lambda m, x: m.diagonal(x, -7), (2, 3))
    check(lambda m, x: x.diagonal() * x.diagonal(1).sum(), (3, 3))
    x = shendu.zeros(3, 3)
    view = x.diagonal()
    view.fill_(1.0)
    assert x.tolist() == torch.eye(3).tolist() and view._vc is x._vc
    # A write through the view reaches the base's gradient, as in PyTorch.
    check(lambda m, a, b: _written(a, b), (3, 3), (3,))


def _written(a, b):
    y = a * 1.0
    y.diagonal().mul_(b)
    return y


@given(rows=st.integers(1, 4), cols=st.integers(1, 4), offset=st.integers(-4, 4))
def test_diagonal_property(rows: int, cols: int, offset: int) -> None:
    check(lambda m, x: m.diagonal(x, offset), (rows, cols), dtypes=("float64",))
    check(lambda m, x: m.diag(m.diag(x, offset), -offset), (rows, cols), dtypes=("float64",))


def test_gradcheck() -> None:
    grad_check(lambda m, x: m.diag(x, 1), (3,))
    grad_check(lambda m, x: m.diag(x, -1), (3, 4))
    grad_check(lambda m, x: m.diagonal(x, 1, 2, 0) ** 2, (3, 2, 4))


def test_errors() -> None:
    with pytest.raises(shendu.ShapeError, match=r"diag: expected a 1-D or 2-D tensor, got a 3-D tensor of shape"):
        shendu.diag(shendu.zeros(2, 2, 2))
    with pytest.raises(shendu.ShapeError, match="got a 0-D tensor"):
        shendu.diag(shendu.tensor(2.0))
    with pytest.raises(TypeError, match="diag: expected a Tensor, got float"):
        shendu.diag(2.0)
    with pytest.raises(TypeError, match="diag: diagonal must be an int, got float"):
        shendu.diag(shendu.zeros(2), 1.5)
    with pytest.raises(shendu.ShapeError, match=r"diagonal: dim1 and dim2 must be different dims, got 1 and -2"):
        shendu.diagonal(shendu.zeros(2, 3, 4), 0, 1, -2)
    with pytest.raises(IndexError, match=r"diagonal: dim 5 is out of range for a 3-d tensor"):
        shendu.diagonal(shendu.zeros(2, 3, 4), 0, 1, 5)
    with pytest.raises(IndexError, match=r"diagonal: dim 1 is out of range for a 1-d tensor"):
        shendu.zeros(3).diagonal()


def test_trace() -> None:
    check(lambda m, x: m.trace(x), (3, 3))
    check(lambda m, x: x.trace(), (2, 4), noncontiguous=True)
    check(lambda m, x: m.trace(x), np.array([[1, 2], [3, 4]], dtype=np.int32), grad=False)
    grad_check(lambda m, x: m.trace(x), (3, 2))
    with pytest.raises(shendu.ShapeError, match=r"trace: expected a 2-d matrix, got shape \(3,\)"):
        shendu.trace(shendu.ones(3))
