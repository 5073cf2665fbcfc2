from __future__ import annotations

import math

import pytest
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import shendu
import shendu.nn.functional as F
from tests.helpers import check, grad_check


def fn(name: str, *args, **kwargs):
    """``F.<name>`` in either library (torch's functions live in torch.nn.functional)."""
    return lambda m, *xs: getattr(TF if m.__name__ == "torch" else F, name)(*xs, *args, **kwargs)


def test_pairwise_distance() -> None:
    check(fn("pairwise_distance"), (4, 3), (4, 3))
    check(fn("pairwise_distance", p=1.0), (4, 3), (4, 3))
    check(fn("pairwise_distance", p=3.0, keepdim=True), (2, 5), (2, 5))
    check(fn("pairwise_distance", p=math.inf), (4, 3), (4, 3))
    check(fn("pairwise_distance", eps=0.0), (4, 3), (1, 3))
    check(fn("pairwise_distance"), (3,), (3,))
    check(fn("pairwise_distance"), (2, 3), (3,))
    check(fn("pairwise_distance"), (), ())
    check(fn("pairwise_distance", keepdim=True), (), (3,))
    check(fn("pairwise_distance"), (0, 3), (0, 3))


def test_cosine_similarity() -> None:
    check(fn("cosine_similarity"), (4, 3), (4, 3))
    check(fn("cosine_similarity", dim=0), (4, 3), (4, 3))
    check(fn("cosine_similarity", dim=-1), (2, 3, 4), (3, 4))
    check(fn("cosine_similarity", dim=1), (2,), (2, 1))
    check(fn("cosine_similarity", dim=0), (), ())
    check(fn("cosine_similarity", eps=1e-3), (4, 3), (4, 3), low=-1e-3, high=1e-3)
    check(lambda m, x: fn("cosine_similarity")(m, x, m.zeros_like(x)), (2, 3))


@given(rows=st.integers(0, 3), cols=st.integers(1, 4), p=st.sampled_from([1.0, 2.0, 3.0]))
def test_property(rows: int, cols: int, p: float) -> None:
    check(fn("pairwise_distance", p=p), (rows, cols), (rows, cols), dtypes=("float64",))
    check(fn("cosine_similarity"), (rows, cols), (rows, cols), dtypes=("float64",))


def test_gradcheck() -> None:
    grad_check(lambda m, a, b: F.pairwise_distance(a, b), (4, 3), (4, 3))
    grad_check(lambda m, a, b: F.pairwise_distance(a, b, p=1.5), (4, 3), (1, 3), transform=lambda v: v + 3)
    grad_check(lambda m, a, b: F.cosine_similarity(a, b, dim=0), (4, 3), (4, 3))


def test_errors() -> None:
    with pytest.raises(shendu.ShapeError, match=r"pairwise_distance: shapes \(2, 3\) and \(2, 4\) cannot be broadcast"):
        F.pairwise_distance(shendu.ones(2, 3), shendu.ones(2, 4))
    with pytest.raises(TypeError, match="cosine_similarity: expected x2 to be a Tensor, got list"):
        F.cosine_similarity(shendu.ones(2, 3), [1.0, 2.0, 3.0])
    with pytest.raises(IndexError, match=r"cosine_similarity: dim 2 is out of range for a 2-d tensor"):
        F.cosine_similarity(shendu.ones(2, 3), shendu.ones(2, 3), dim=2)
