from __future__ import annotations

from collections.abc import Callable

import pytest

from shendu import lab
from tests.lab import judges

JUDGES: judges.Judges = {
    24: (
        {
            "a_grad_is_row_sum": True,
            "b_grad_is_row_count": True,
            "bias_grad_is_batch_sum": True,
            "clone_shares": False,
            "grad_shapes_match_inputs": True,
            "images_rank": 4,
            "images_shape_is_n_1_28_28": True,
            "matrix_rank": 2,
            "scalar_is_float32": True,
            "scalar_rank": 0,
            "slice_shares": True,
            "transpose_reshape_shares": False,
            "transpose_shares": True,
            "vector_is_int64": True,
            "vector_rank": 1,
            "view_of_transpose_raises": True,
            "view_shares": True,
        },
        {
            "ranks": [
                {"scalar_rank": 1},
                {"vector_rank": 2},
                {"matrix_rank": 3},
                {"images_rank": 5},
                {"images_shape_is_n_1_28_28": False},
            ],
            "default-dtypes": [{"scalar_is_float32": False}, {"vector_is_int64": False}],
            "broadcast-gradients": [
                {"grad_shapes_match_inputs": False},
                {"a_grad_is_row_sum": False},
                {"b_grad_is_row_count": False},
                {"bias_grad_is_batch_sum": False},
            ],
            "views-share": [{"view_shares": False}, {"slice_shares": False}, {"transpose_shares": False}],
            "copies-do-not": [
                {"clone_shares": True},
                {"transpose_reshape_shares": True},
                {"view_of_transpose_raises": False},
            ],
        },
    ),
}


@pytest.mark.parametrize("number", sorted(JUDGES))
def test_every_claim_holds_on_good_numbers(number: int) -> None:
    judges.assert_all_hold(number, JUDGES[number][0])


@pytest.mark.parametrize(("number", "claim", "index"), judges.cases(JUDGES))
def test_each_check_fails_alone(number: int, claim: str, index: int) -> None:
    judges.assert_only_this_check_fails(number, *JUDGES[number], claim, index)


def test_quick_run(quick: Callable[[int], lab.Result]) -> None:
    result = quick(24)
    judges.assert_quick_run(result)
    views = {row[0]: row[2] for row in result.outcome.tables[1].rows}
    assert views == {
        "x.view(12)": True,
        "x[:, 1:3]": True,
        "x.t()": True,
        "x.t().reshape(12)": False,
        "x.clone()": False,
    }
