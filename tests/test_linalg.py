from __future__ import annotations

import math

import pytest

import shendu
from tests.helpers import check, grad_check


def test_vector_norm() -> None:
    check(lambda m, x: m.linalg.vector_norm(x), (3, 4))
    check(lambda m, x: m.linalg.vector_norm(x, ord=1, dim=1), (3, 4))
    check(lambda m, x: m.linalg.vector_norm(x, ord=3, dim=(0, 2), keepdim=True), (2, 3, 4))
    check(lambda m, x: m.linalg.vector_norm(x, ord=math.inf, dim=-1), (3, 4))
    check(lambda m, x: m.linalg.vector_norm(x, ord=-math.inf), (3, 4))
    check(lambda m, x: m.linalg.vector_norm(x, dim=0), (4, 3), noncontiguous=True)


@pytest.mark.parametrize("order", ["fro", 1, -1, math.inf, -math.inf])
def test_matrix_norm(order: float | str) -> None:
    check(lambda m, x: m.linalg.matrix_norm(x, ord=order), (3, 4))
    check(lambda m, x: m.linalg.matrix_norm(x, ord=order), (2, 3, 4))
    check(lambda m, x: m.linalg.matrix_norm(x, ord=order, dim=(2, 0), keepdim=True), (2, 3, 4))
    check(lambda m, x: m.linalg.matrix_norm(x, ord=order, dim=(-1, -3)), (2, 3, 4))
    check(lambda m, x: m.linalg.norm(x, ord=order), (4, 3))
    grad_check(lambda m, x: m.linalg.matrix_norm(x, ord=order, dim=(0, 1)), (3, 2))


def test_norm_picks_the_kind() -> None:
    check(lambda m, x: m.linalg.norm(x), (2, 3, 4))
    check(lambda m, x: m.linalg.norm(x, dim=1), (3, 4))
    check(lambda m, x: m.linalg.norm(x, 1, dim=0, keepdim=True), (3, 4))
    check(lambda m, x: m.linalg.norm(x, dim=(0, 1)), (3, 4, 2))
    check(lambda m, x: m.linalg.norm(x, ord=3), (5,))
    check(lambda m, x: m.linalg.norm(x, dtype=m.float64), (3,), dtypes=("float32",))
    grad_check(lambda m, x: m.linalg.norm(x, dim=1), (3, 4))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda x: shendu.linalg.norm(x, ord=1),
            shendu.ShapeError,
            r"linalg.norm: with ord=1 and no dim, the input must be 1-d or 2-d, got shape \(2, 2, 2\)",
        ),
        (
            lambda x: shendu.linalg.matrix_norm(x, ord=2),
            ValueError,
            "linalg.matrix_norm: ord=2 needs singular values, which shendu does not compute",
        ),
        (lambda x: shendu.linalg.matrix_norm(x, ord=3), ValueError, "ord must be 'fro', 1, -1, inf or -inf, got 3"),
        (lambda x: shendu.linalg.matrix_norm(x[0, 0]), shendu.ShapeError, r"at least 2 dims, got shape \(2,\)"),
        (lambda x: shendu.linalg.matrix_norm(x, dim=(1, -2)), shendu.DimError, "two different dims"),
        (lambda x: shendu.linalg.matrix_norm(x, dim=(0, 3)), shendu.DimError, "dim 3 is out of range"),
        (lambda x: shendu.linalg.norm(x, dim=(0, 1, 2)), shendu.ShapeError, "one dim or a pair of dims"),
        (lambda x: shendu.linalg.vector_norm(x, ord="fro"), ValueError, "ord must be a number, inf or -inf"),
        (lambda x: shendu.linalg.matrix_norm(x.long(), ord=1), shendu.DtypeError, "got dtype shendu.int64"),
        (lambda x: shendu.linalg.norm([1.0]), TypeError, "linalg.norm: expected a Tensor, got list"),
    ],
)
def test_errors(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call(shendu.ones(2, 2, 2))


def test_missing_functions_point_at_the_porting_guide() -> None:
    with pytest.raises(AttributeError, match=r"module 'shendu.linalg' has no attribute 'svd'; .*porting guide"):
        shendu.linalg.svd  # noqa: B018
