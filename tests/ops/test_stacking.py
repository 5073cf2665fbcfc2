from __future__ import annotations

import numpy as np
import pytest

import shendu
from tests.helpers import check, grad_check


def test_hstack_vstack_dstack_column_stack() -> None:
    check(lambda m, a, b: m.hstack([a, b]), (2,), (3,))
    check(lambda m, a, b: m.hstack((a, b)), (2, 3), (2, 1))
    check(lambda m, a, b: m.hstack([a, b]), (), ())
    check(lambda m, a, b: m.vstack([a, b]), (3,), (2, 3))
    check(lambda m, a, b: m.row_stack([a, b]), (3,), (3,))
    check(lambda m, a, b: m.dstack([a, b]), (3,), (3,))
    check(lambda m, a, b: m.dstack([a, b]), (2, 3), (2, 3, 2))
    check(lambda m, a, b, c: m.column_stack([a, b, c]), (3,), (3, 2), (3,))
    check(lambda m, a, b: m.hstack([a, b]), np.array([1, 2]), np.array([3]), grad=False)
    grad_check(lambda m, a, b: m.vstack([a, b]), (3,), (2, 3))


def test_atleast() -> None:
    for shape in [(), (3,), (2, 3), (2, 3, 4)]:
        check(lambda m, a: m.atleast_1d(a), shape)
        check(lambda m, a: m.atleast_2d(a), shape)
        check(lambda m, a: m.atleast_3d(a), shape)
    check(lambda m, a, b: m.atleast_2d(a, b), (), (3,))
    check(lambda m, a, b: m.atleast_3d([a, b]), (2, 2), (3,))


def test_broadcast_to() -> None:
    check(lambda m, a: m.broadcast_to(a, (2, 3)), (3,))
    check(lambda m, a: a.broadcast_to((4, -1, 3)), (2, 1))
    check(lambda m, a: m.broadcast_to(a, (2, 2)), ())


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: shendu.hstack(shendu.ones(2)), TypeError, "hstack: expected a non-empty list or tuple of tensors"),
        (lambda: shendu.vstack([]), TypeError, "vstack: expected a non-empty list or tuple of tensors, got list"),
        (lambda: shendu.dstack([shendu.ones(2), [1.0]]), TypeError, "dstack: expected tensors, got list at index 1"),
        (lambda: shendu.vstack([shendu.ones(2), shendu.ones(3)]), shendu.ShapeError, "vstack: tensors must have"),
        (lambda: shendu.broadcast_to([1], (2,)), TypeError, "broadcast_to: expected a Tensor, got list"),
        (lambda: shendu.broadcast_to(shendu.ones(3), (2,)), shendu.ShapeError, "broadcast_to: the expanded size 2"),
        (lambda: shendu.row_stack([shendu.ones(2), shendu.ones(3)]), shendu.ShapeError, "row_stack: tensors must"),
    ],
)
def test_errors(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()
