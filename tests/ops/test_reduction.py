from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from shendu.ops import selection
from tests.helpers import check, grad_check

# PyTorch warns when a variance has no degrees of freedom left; those cases are compared on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0:UserWarning")

INF = math.inf
TIES = np.array([[1.0, 3.0, 3.0, -2.0], [2.0, 2.0, 0.0, 2.0], [-1.0, -1.0, -1.0, -1.0]])
INTS = np.array([[1, -2, 3], [4, 0, -6]], dtype=np.int64)
INT32 = np.array([[1, -2, 3], [4, 0, -6]], dtype=np.int32)
BOOLS = np.array([[True, False, True], [True, True, True]])
UINT8 = np.array([[1, 0, 2], [3, 4, 5]], dtype=np.uint8)
# Slices with no zero, one zero and two zeros: the three cases of prod's gradient.
ZEROS = np.array([[1.5, -2.0, 0.5, 3.0], [1.5, 0.0, 2.0, -1.0], [0.0, 2.0, 0.0, 1.0]])
NEG_INF_ROWS = np.array([[-INF, -INF, -INF], [0.5, -INF, 1.5], [1000.0, 1000.0, -1000.0]])


# ----------------------------------------------------------------- sum, mean, prod
@pytest.mark.parametrize("name", ["sum", "mean"])
def test_sum_mean_dims(name: str) -> None:
    check(lambda m, x: getattr(m, name)(x), (3, 4))
    check(lambda m, x: getattr(m, name)(x, 1), (3, 4))
    check(lambda m, x: getattr(m, name)(x, -1), (2, 3, 4))
    check(lambda m, x: getattr(m, name)(x, (0, 2)), (2, 3, 4))
    check(lambda m, x: getattr(m, name)(x, [-1, 0]), (2, 3, 4))
    check(lambda m, x: getattr(m, name)(x, ()), (2, 3))
    check(lambda m, x: getattr(m, name)(x, 1, keepdim=True), (2, 3, 4))
    check(lambda m, x: getattr(m, name)(x, (0, 1), True), (2, 3, 4))
    check(lambda m, x: getattr(m, name)(x, dim=None, keepdim=True), (2, 3))
    check(lambda m, x: getattr(x, name)(dim=0), (5,))


@pytest.mark.parametrize("name", ["sum", "mean"])
def test_sum_mean_zero_dim_size_zero_and_layout(name: str) -> None:
    check(lambda m, x: getattr(m, name)(x), ())
    check(lambda m, x: getattr(m, name)(x, 0), ())
    check(lambda m, x: getattr(m, name)(x, -1, keepdim=True), ())
    check(lambda m, x: getattr(m, name)(x), (0, 3))
    check(lambda m, x: getattr(m, name)(x, 0), (0, 3))
    check(lambda m, x: getattr(m, name)(x, 1), (0, 3))
    check(lambda m, x: getattr(m, name)(x, 1, keepdim=True), (3, 0))
    check(lambda m, x: getattr(m, name)(x, 0), (4, 5), noncontiguous=True)
    check(lambda m, x: getattr(m, name)(x, (-1, -2)), (2, 4, 5), noncontiguous=True)


def test_sum_dtypes() -> None:
    check(lambda m, x: m.sum(x), INTS)
    check(lambda m, x: m.sum(x, 1), INT32)
    check(lambda m, x: m.sum(x, 0), BOOLS)
    check(lambda m, x: m.sum(x, 1, keepdim=True), UINT8)
    check(lambda m, x: m.sum(x, 0, dtype=m.int16), INT32)
    check(lambda m, x: m.sum(x, dtype=m.float64), (2, 3))
    check(lambda m, x: m.sum(x, 1, dtype=m.float32), INTS)


def test_mean_dtype_argument() -> None:
    check(lambda m, x: m.mean(x, dtype=m.float64), INTS)
    check(lambda m, x: m.mean(x, 0, dtype=m.float32), BOOLS)
    check(lambda m, x: m.mean(x, 1, dtype=m.float64), (2, 3))


def test_prod() -> None:
    check(lambda m, x: m.prod(x), (2, 3))
    check(lambda m, x: m.prod(x, 1), (3, 4))
    check(lambda m, x: m.prod(x, -2, keepdim=True), (2, 3, 4))
    check(lambda m, x: m.prod(x, 0), ())
    check(lambda m, x: m.prod(x), ())
    check(lambda m, x: m.prod(x, 0), (0, 3))
    check(lambda m, x: m.prod(x, 1), (0, 3))
    check(lambda m, x: m.prod(x), (3, 0))
    check(lambda m, x: m.prod(x, 0), (4, 5), noncontiguous=True)
    check(lambda m, x: m.prod(x), INTS)
    check(lambda m, x: m.prod(x, 1), INT32)
    check(lambda m, x: m.prod(x, 0), BOOLS)
    check(lambda m, x: m.prod(x, 1, dtype=m.float64), INT32)


def test_prod_gradient_with_zeros() -> None:
    check(lambda m, x: m.prod(x, 1), ZEROS)
    check(lambda m, x: m.prod(x, 0), ZEROS)
    check(lambda m, x: m.prod(x), ZEROS)
    check(lambda m, x: m.prod(x), ZEROS[1])
    check(lambda m, x: m.prod(x, 1, keepdim=True), ZEROS)


def test_prod_over_several_dims_matches_repeated_prod() -> None:
    check(lambda m, x: m.prod(x, (0, 2)), (2, 3, 4), torch_fn=lambda m, x: x.prod(2).prod(0))
    check(lambda m, x: m.prod(x, (-1, 0), keepdim=True), (2, 3, 4), torch_fn=lambda m, x: x.prod(2, True).prod(0, True))
    check(lambda m, x: m.prod(x, (0, 1)), ZEROS, torch_fn=lambda m, x: x.prod(1).prod(0))


# ----------------------------------------------------------------- max, min, amax, amin
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_whole_tensor(name: str) -> None:
    check(lambda m, x: getattr(m, name)(x), (3, 4))
    check(lambda m, x: getattr(m, name)(x), ())
    check(lambda m, x: getattr(x, name)(), (2, 3, 4), noncontiguous=True)
    check(lambda m, x: getattr(m, name)(x), TIES)
    check(lambda m, x: getattr(m, name)(x), TIES[2])
    check(lambda m, x: getattr(m, name)(x), INTS)
    check(lambda m, x: getattr(m, name)(x), BOOLS)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_along_dim(name: str) -> None:
    check(lambda m, x: getattr(m, name)(x, 1), (3, 4))
    check(lambda m, x: getattr(m, name)(x, -3), (2, 3, 4))
    check(lambda m, x: getattr(m, name)(x, 0, True), (3, 4))
    check(lambda m, x: getattr(m, name)(x, dim=1, keepdim=True), (2, 3, 4))
    check(lambda m, x: getattr(m, name)(x, 0), ())
    check(lambda m, x: getattr(m, name)(x, -1, keepdim=True), ())
    check(lambda m, x: getattr(m, name)(x, 1), (0, 3))
    check(lambda m, x: getattr(m, name)(x, 0), (4, 5), noncontiguous=True)
    check(lambda m, x: getattr(m, name)(x, 0), TIES)
    check(lambda m, x: getattr(m, name)(x, 1), TIES)
    check(lambda m, x: getattr(m, name)(x, 1), INT32)
    check(lambda m, x: getattr(m, name)(x, 0), BOOLS)


def test_max_returns_named_values_and_indices() -> None:
    x = shendu.tensor([[1.0, 5.0, 5.0], [4.0, 2.0, 4.0]], requires_grad=True)
    result = shendu.max(x, dim=1)
    assert result._fields == ("values", "indices")
    assert result.values.tolist() == [5.0, 4.0]
    assert result.indices.tolist() == [1, 0]
    assert result.indices.dtype == shendu.int64 and not result.indices.requires_grad
    result.values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    _, indices = x.min(0)
    assert indices.tolist() == [0, 1, 1]


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_max_min_with_a_tensor_is_elementwise(name: str) -> None:
    op = "max" if name == "maximum" else "min"
    check(lambda m, a, b: getattr(m, op)(a, b), (3, 4), (4,))
    check(lambda m, a, b: getattr(a, op)(b), (2, 3), (2, 3))


@pytest.mark.parametrize(("op", "name"), [("max", "maximum"), ("min", "minimum")])
def test_max_min_with_a_tensor_delegates(monkeypatch: pytest.MonkeyPatch, op: str, name: str) -> None:
    calls = []
    monkeypatch.setattr(selection, name, lambda a, b: calls.append((a, b)) or a)
    a, b = shendu.ones(2), shendu.zeros(2)
    assert getattr(shendu, op)(a, b) is a
    assert getattr(a, op)(b) is a
    assert calls == [(a, b), (a, b)]


@pytest.mark.parametrize("name", ["amax", "amin"])
def test_amax_amin(name: str) -> None:
    check(lambda m, x: getattr(m, name)(x), (3, 4))
    check(lambda m, x: getattr(m, name)(x, 1), (3, 4))
    check(lambda m, x: getattr(m, name)(x, (0, -1)), (2, 3, 4))
    check(lambda m, x: getattr(m, name)(x, [2, 1], keepdim=True), (2, 3, 4))
    check(lambda m, x: getattr(m, name)(x, ()), (2, 3))
    check(lambda m, x: getattr(m, name)(x), ())
    check(lambda m, x: getattr(m, name)(x, 0, True), ())
    check(lambda m, x: getattr(m, name)(x, 1), (0, 3))
    check(lambda m, x: getattr(x, name)(0), (4, 5), noncontiguous=True)
    check(lambda m, x: getattr(m, name)(x), TIES)
    check(lambda m, x: getattr(m, name)(x, 1), TIES)
    check(lambda m, x: getattr(m, name)(x, 0, keepdim=True), TIES)
    check(lambda m, x: getattr(m, name)(x, 1), INT32)
    check(lambda m, x: getattr(m, name)(x, 0), BOOLS)
    check(lambda m, x: getattr(m, name)(x, 1), UINT8)


def test_max_of_nan_propagates_and_points_at_the_nan() -> None:
    with_nan = np.array([[1.0, np.nan, 3.0], [2.0, 0.0, -1.0]])
    check(lambda m, x: m.max(x, 1), with_nan, grad=False)
    check(lambda m, x: m.min(x, 1), with_nan, grad=False)
    check(lambda m, x: m.amax(x, 1), with_nan, grad=False)
    check(lambda m, x: m.argmax(x, 1), with_nan)


# ----------------------------------------------------------------- var, std
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_signatures(name: str) -> None:
    check(lambda m, x: getattr(m, name)(x), (3, 4))
    check(lambda m, x: getattr(m, name)(x, 1), (3, 4))
    check(lambda m, x: getattr(m, name)(x, (0, -1)), (2, 3, 4))
    check(lambda m, x: getattr(m, name)(x, dim=-2, keepdim=True), (2, 3, 4))
    check(lambda m, x: getattr(m, name)(x, correction=0), (3, 4))
    check(lambda m, x: getattr(m, name)(x, 0, correction=2.5), (6, 2))
    check(lambda m, x: getattr(m, name)(x, 1, correction=-1), (3, 4))
    check(lambda m, x: getattr(m, name)(x, 0, False), (3, 4))
    check(lambda m, x: getattr(m, name)(x, 0, True, True), (3, 4))
    check(lambda m, x: getattr(m, name)(x, (0,), True), (3, 4))
    check(lambda m, x: getattr(m, name)(x, None, True), (3, 4))
    check(lambda m, x: getattr(m, name)(x, False), (3, 4))
    check(lambda m, x: getattr(m, name)(x, dim=1, unbiased=False, keepdim=True), (3, 4))
    check(lambda m, x: getattr(m, name)(x, unbiased=False), (3, 4))
    check(lambda m, x: getattr(x, name)(1), (4, 5), noncontiguous=True)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_edge_cases(name: str) -> None:
    check(lambda m, x: getattr(m, name)(x), ())
    check(lambda m, x: getattr(m, name)(x, correction=0), ())
    check(lambda m, x: getattr(m, name)(x, 1), (3, 1))
    check(lambda m, x: getattr(m, name)(x, correction=3), (2,))
    check(lambda m, x: getattr(m, name)(x, 0, correction=3), (2, 3))
    check(lambda m, x: getattr(m, name)(x, 0, correction=2), (2, 3))
    check(lambda m, x: getattr(m, name)(x, 1, keepdim=True), (3, 1))
    check(lambda m, x: getattr(m, name)(x), (0, 3))
    check(lambda m, x: getattr(m, name)(x, 0), (0, 3))
    check(lambda m, x: getattr(m, name)(x, 1), (0, 3))
    check(lambda m, x: getattr(m, name)(x, 1), TIES)


def test_var_mean_std_mean() -> None:
    check(lambda m, x: m.var_mean(x), (3, 4))
    check(lambda m, x: m.var_mean(x, 1), (3, 4))
    check(lambda m, x: m.var_mean(x, 1, unbiased=False, keepdim=True), (3, 4))
    check(lambda m, x: m.std_mean(x, (0, 1), correction=0), (2, 3, 4))
    check(lambda m, x: m.std_mean(x, -1, True), (2, 3))


# ----------------------------------------------------------------- norm, logsumexp
@pytest.mark.parametrize("p", ["fro", 2, 1, 3, 1.5, 0.5, 0, INF, -INF, -1.5])
def test_norm_orders(p: float | str) -> None:
    check(lambda m, x: m.norm(x, p), (3, 4))
    check(lambda m, x: m.norm(x, p, 1), (3, 4))
    check(lambda m, x: m.norm(x, p=p, dim=(0, -1), keepdim=True), (2, 3, 4))
    check(lambda m, x: x.norm(p, 0), (4, 5), noncontiguous=True)
    check(lambda m, x: m.norm(x, p), ())


@pytest.mark.parametrize("p", ["fro", 2, 1, 3, 1.5, 0.5, 0, INF])
def test_norm_at_zero_and_with_ties(p: float | str) -> None:
    check(lambda m, x: m.norm(x, p, 1), np.array([[0.0, 0.0, 0.0], [3.0, 0.0, -4.0], [2.0, -2.0, 1.0]]))


def test_norm_other_arguments() -> None:
    check(lambda m, x: m.norm(x, dim=()), (2, 3))
    check(lambda m, x: m.norm(x, 2, (0, 1), True), (2, 3))
    check(lambda m, x: m.norm(x, dtype=m.float64), (2, 3))
    check(lambda m, x: m.norm(x), (0, 3))
    check(lambda m, x: m.norm(x, 1, 0), (0, 3))
    check(lambda m, x: m.norm(x, INF, 1), (0, 3))


def test_logsumexp() -> None:
    check(lambda m, x: m.logsumexp(x, 1), (3, 4))
    check(lambda m, x: m.logsumexp(x, -1, keepdim=True), (2, 3, 4))
    check(lambda m, x: m.logsumexp(x, (0, 2)), (2, 3, 4))
    check(lambda m, x: m.logsumexp(x, 0), ())
    check(lambda m, x: m.logsumexp(x, 0), (0, 3))
    check(lambda m, x: m.logsumexp(x, 1), (0, 3))
    check(lambda m, x: x.logsumexp(0), (4, 5), noncontiguous=True)
    check(lambda m, x: m.logsumexp(x, 1), NEG_INF_ROWS)
    check(lambda m, x: m.logsumexp(x, 0), NEG_INF_ROWS)
    check(lambda m, x: m.logsumexp(x, 1), np.array([[INF, 0.0], [-INF, INF]]), grad=False)
    check(lambda m, x: m.logsumexp(x, 1), INTS)


def test_logsumexp_without_dim_reduces_everything() -> None:
    check(lambda m, x: m.logsumexp(x), (2, 3), torch_fn=lambda m, x: m.logsumexp(x, (0, 1)))
    check(lambda m, x: m.logsumexp(x, keepdim=True), (2, 3), torch_fn=lambda m, x: m.logsumexp(x, (0, 1), True))


# ----------------------------------------------------------------- argmax, argmin, all, any
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin(name: str) -> None:
    check(lambda m, x: getattr(m, name)(x), (3, 4))
    check(lambda m, x: getattr(m, name)(x, keepdim=True), (3, 4))
    check(lambda m, x: getattr(m, name)(x, 1), (3, 4))
    check(lambda m, x: getattr(m, name)(x, -1, True), (2, 3, 4))
    check(lambda m, x: getattr(m, name)(x), ())
    check(lambda m, x: getattr(m, name)(x, keepdim=True), ())
    check(lambda m, x: getattr(m, name)(x, 0, keepdim=True), ())
    check(lambda m, x: getattr(m, name)(x, 1), (0, 3))
    check(lambda m, x: getattr(x, name)(0), (4, 5), noncontiguous=True)
    check(lambda m, x: getattr(m, name)(x), TIES)
    check(lambda m, x: getattr(m, name)(x, 0), TIES)
    check(lambda m, x: getattr(m, name)(x, 1), INTS)
    check(lambda m, x: getattr(m, name)(x), UINT8)


@pytest.mark.parametrize("name", ["all", "any"])
def test_all_any(name: str) -> None:
    mixed = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 0.0], [3.0, -1.0, 0.5]])
    check(lambda m, x: getattr(m, name)(x), mixed)
    check(lambda m, x: getattr(m, name)(x, 1), mixed)
    check(lambda m, x: getattr(m, name)(x, -2, keepdim=True), mixed)
    check(lambda m, x: getattr(m, name)(x, (0, 1)), mixed)
    check(lambda m, x: getattr(m, name)(x, ()), mixed)
    check(lambda m, x: getattr(m, name)(x), BOOLS)
    check(lambda m, x: getattr(m, name)(x, 0), BOOLS)
    check(lambda m, x: getattr(m, name)(x, 1), INTS)
    check(lambda m, x: getattr(m, name)(x, 0), UINT8)
    check(lambda m, x: getattr(m, name)(x), np.array(True))
    check(lambda m, x: getattr(m, name)(x), np.zeros((0, 3), dtype=bool))
    check(lambda m, x: getattr(m, name)(x, 0), np.zeros((0, 3), dtype=bool))
    check(lambda m, x: getattr(x, name)(1), (4, 5), noncontiguous=True)


# ----------------------------------------------------------------- finite-difference gradients
def test_gradcheck_every_differentiable_reduction() -> None:
    grad_check(lambda m, x: m.sum(x, (0, 2)), (2, 3, 4))
    grad_check(lambda m, x: m.mean(x, 1, keepdim=True), (3, 4))
    grad_check(lambda m, x: m.prod(x, 1), (3, 4))
    grad_check(lambda m, x: m.prod(x, 1), ZEROS)
    grad_check(lambda m, x: m.prod(x, (0, 1)), ZEROS)
    grad_check(lambda m, x: m.max(x), (3, 4))
    grad_check(lambda m, x: m.min(x, 0), (3, 4))
    grad_check(lambda m, x: m.max(x, 1, keepdim=True), (3, 4))
    grad_check(lambda m, x: m.amax(x, (0, 2)), (2, 3, 4))
    grad_check(lambda m, x: m.amin(x, 1), (3, 4))
    grad_check(lambda m, x: m.var(x, 1), (3, 4))
    grad_check(lambda m, x: m.var(x, (0, 1), correction=0), (3, 4))
    grad_check(lambda m, x: m.std(x, 0, keepdim=True), (3, 4))
    grad_check(lambda m, x: m.std(x), (3, 4))
    grad_check(lambda m, x: m.var_mean(x, 1), (3, 4))
    grad_check(lambda m, x: m.std_mean(x, 0), (3, 4))
    for p in ("fro", 1, 3, 1.5, 0.5, INF, -INF, -2):
        grad_check(lambda m, x, p=p: m.norm(x, p, 1), (3, 4))
    grad_check(lambda m, x: m.logsumexp(x, 1), (3, 4))
    grad_check(lambda m, x: m.logsumexp(x, (0, 1), keepdim=True), (3, 4))


def test_gradient_of_whole_max_is_shared_among_ties() -> None:
    x = shendu.tensor([[1.0, 3.0], [3.0, 3.0]], dtype=shendu.float64, requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [[0.0, 1 / 3], [1 / 3, 1 / 3]]


# ----------------------------------------------------------------- hypothesis properties
@st.composite
def shapes_and_dims(draw: st.DrawFn, min_size: int = 0) -> tuple[tuple[int, ...], int | tuple[int, ...] | None]:
    shape = tuple(draw(st.lists(st.integers(min_size, 4), max_size=4)))
    ndim = len(shape)
    span = max(ndim, 1)
    choice = draw(st.sampled_from(["none", "int", "tuple"]))
    if choice == "none":
        return shape, None
    if choice == "int":
        return shape, draw(st.integers(-span, span - 1))
    axes = draw(st.lists(st.integers(0, span - 1), unique=True, min_size=1, max_size=span))
    return shape, tuple(a - span if draw(st.booleans()) else a for a in axes)


def _reduced_count(shape: tuple[int, ...], dim: int | tuple[int, ...] | None) -> int:
    if not shape:
        return 1
    axes = range(len(shape)) if dim is None else [dim] if isinstance(dim, int) else dim
    return math.prod(shape[a] for a in axes)


@settings(max_examples=40, deadline=None)
@given(shapes_and_dims(), st.booleans())
def test_property_sum_mean_prod_logsumexp(case: tuple, keepdim: bool) -> None:
    shape, dim = case
    all_dims = tuple(range(len(shape))) if dim is None else dim
    check(lambda m, x: m.sum(x, dim, keepdim), shape, torch_fn=lambda m, x: m.sum(x, all_dims, keepdim))
    check(lambda m, x: m.mean(x, dim, keepdim), shape, torch_fn=lambda m, x: m.mean(x, all_dims, keepdim))
    check(lambda m, x: m.logsumexp(x, dim, keepdim), shape, torch_fn=lambda m, x: m.logsumexp(x, all_dims, keepdim))
    if isinstance(dim, int):
        check(lambda m, x: m.prod(x, dim, keepdim), shape)


@settings(max_examples=40, deadline=None)
@given(shapes_and_dims(), st.booleans(), st.sampled_from([0, 1, 2]))
def test_property_var_std_norm(case: tuple, keepdim: bool, correction: int) -> None:
    shape, dim = case
    all_dims = tuple(range(len(shape))) if dim is None else dim
    check(lambda m, x: m.var(x, dim, correction=correction, keepdim=keepdim), shape)
    check(lambda m, x: m.std(x, dim, correction=correction, keepdim=keepdim), shape)
    check(lambda m, x: m.norm(x, 2, dim, keepdim), shape, torch_fn=lambda m, x: m.norm(x, 2, all_dims, keepdim))
    check(lambda m, x: m.norm(x, 1, dim, keepdim), shape, torch_fn=lambda m, x: m.norm(x, 1, all_dims, keepdim))


@settings(max_examples=40, deadline=None)
@given(shapes_and_dims(min_size=1), st.booleans())
def test_property_max_like(case: tuple, keepdim: bool) -> None:
    shape, dim = case
    all_dims = tuple(range(len(shape))) if dim is None else dim
    check(lambda m, x: m.amax(x, all_dims, keepdim), shape)
    check(lambda m, x: m.amin(x, all_dims, keepdim), shape)
    check(lambda m, x: m.all(x, all_dims, keepdim), shape)
    check(lambda m, x: m.any(x, all_dims, keepdim), shape)
    if isinstance(dim, int):
        check(lambda m, x: m.max(x, dim, keepdim), shape)
        check(lambda m, x: m.min(x, dim, keepdim), shape)
        check(lambda m, x: m.argmax(x, dim, keepdim), shape)
        check(lambda m, x: m.argmin(x, dim, keepdim), shape)
    elif dim is None:
        check(lambda m, x: m.max(x), shape)
        check(lambda m, x: m.argmin(x, keepdim=keepdim), shape)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 2), min_size=1, max_size=6), st.integers(0, 1))
def test_property_prod_gradient_with_repeated_zeros(digits: list, dim: int) -> None:
    values = np.array(digits, dtype=np.float64) - 1.0
    values = np.stack([values, values[::-1] * 0.5])
    check(lambda m, x: m.prod(x, dim), values)
    if values.shape[dim]:
        check(lambda m, x: m.amax(x, dim), values)


# ----------------------------------------------------------------- errors
X = shendu.ones(2, 3)


def test_bad_dims_name_the_op() -> None:
    with pytest.raises(shendu.ShapeError, match=r"sum: dim 5 is out of range for a 2-d tensor \(input shape \(2, "):
        shendu.sum(X, 5)
    with pytest.raises(shendu.ShapeError, match=r"mean: dim -3 is out of range .* expected a dim in \[-2, 1\]"):
        X.mean(-3)
    with pytest.raises(shendu.ShapeError, match=r"amax: dim \(0, -2\) names the same dimension twice"):
        shendu.amax(X, (0, -2))
    with pytest.raises(shendu.ShapeError, match="max: dim 2 is out of range"):
        shendu.max(X, 2)
    with pytest.raises(shendu.ShapeError, match="argmax: dim 2 is out of range"):
        shendu.argmax(X, 2)
    with pytest.raises(shendu.ShapeError, match="any: dim 7 is out of range"):
        shendu.any(X, 7)
    with pytest.raises(shendu.ShapeError, match="var: dim 2 is out of range"):
        shendu.var(X, 2)
    with pytest.raises(shendu.ShapeError, match="norm: dim 2 is out of range"):
        shendu.norm(X, 2, 2)
    with pytest.raises(shendu.ShapeError, match=r"sum: dim 1 is out of range for a 0-d tensor"):
        shendu.sum(shendu.tensor(1.0), 1)


def test_bad_dim_types() -> None:
    with pytest.raises(TypeError, match=r"sum: dim must be an int, a tuple of ints or None, got float 1\.5"):
        shendu.sum(X, 1.5)
    with pytest.raises(TypeError, match=r"max: dim must be a single int, got tuple \(0, 1\); use amax"):
        shendu.max(X, (0, 1))
    with pytest.raises(TypeError, match=r"argmin: dim must be a single int, got list \(1,\)"):
        shendu.argmin(X, [1])
    with pytest.raises(TypeError, match="max: keepdim=True needs a dim"):
        X.max(keepdim=True)
    with pytest.raises(TypeError, match="sum: expected a Tensor as input, got list"):
        shendu.sum([1.0, 2.0])


def test_empty_reductions_without_identity() -> None:
    empty = shendu.zeros(0, 3)
    with pytest.raises(shendu.ShapeError, match=r"max: cannot reduce an empty tensor \(shape \(0, 3\)\) without a dim"):
        shendu.max(empty)
    with pytest.raises(shendu.ShapeError, match=r"min: cannot reduce dim 0, which has size 0 \(input shape \(0, 3\)\)"):
        shendu.min(empty, 0)
    with pytest.raises(shendu.ShapeError, match="amax: cannot reduce an empty tensor"):
        shendu.amax(empty)
    with pytest.raises(shendu.ShapeError, match="amin: cannot reduce dim 0, which has size 0"):
        shendu.amin(empty, (0, 1))
    with pytest.raises(shendu.ShapeError, match="argmax: cannot reduce an empty tensor"):
        shendu.argmax(empty)
    with pytest.raises(shendu.ShapeError, match="argmin: cannot reduce dim 0, which has size 0"):
        shendu.argmin(empty, 0)
    with pytest.raises(shendu.ShapeError, match=r"norm: cannot compute the inf norm over no elements"):
        shendu.norm(empty, INF)
    with pytest.raises(shendu.ShapeError, match=r"norm: cannot compute the -1 norm over no elements"):
        shendu.norm(empty, -1, 0)


def test_dtype_errors() -> None:
    ints = shendu.tensor([[1, 2], [3, 4]])
    with pytest.raises(shendu.DtypeError, match=r"mean: could not infer the output dtype: .* got dtype shendu\.int64"):
        shendu.mean(ints)
    with pytest.raises(shendu.DtypeError, match=r"mean: .* dtype must be a floating-point dtype, got shendu\.int32"):
        shendu.mean(X, dtype=shendu.int32)
    with pytest.raises(shendu.DtypeError, match=r"var: expected a floating-point tensor, got dtype shendu\.int64"):
        ints.var()
    with pytest.raises(shendu.DtypeError, match="std: expected a floating-point tensor"):
        ints.std(0)
    with pytest.raises(shendu.DtypeError, match=r"norm: expected a floating-point tensor, got dtype shendu\.int64"):
        ints.norm()
    with pytest.raises(shendu.DtypeError, match="argmax: bool tensors are not supported"):
        shendu.argmax(shendu.tensor([True, False]))


def test_argument_errors() -> None:
    with pytest.raises(TypeError, match="var: pass either unbiased or correction, not both"):
        shendu.var(X, 0, True, correction=1)
    with pytest.raises(TypeError, match=r"std: got unbiased twice \(as dim=True and unbiased=False\)"):
        shendu.std(X, True, False)
    with pytest.raises(TypeError, match="var: unbiased must be a bool, got int 1"):
        shendu.var(X, 0, 1)
    with pytest.raises(TypeError, match="var_mean: correction must be a number, got str 'one'"):
        shendu.var_mean(X, correction="one")
    with pytest.raises(ValueError, match=r"norm: the nuclear norm \(p='nuc'\) is not supported"):
        shendu.norm(X, "nuc")
    with pytest.raises(ValueError, match="norm: p must be a number, inf, -inf or 'fro', got 'abc'"):
        shendu.norm(X, "abc")
    with pytest.raises(TypeError, match="norm: p must be a number or 'fro', got NoneType None"):
        shendu.norm(X, None)
