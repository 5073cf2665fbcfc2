from __future__ import annotations

from collections.abc import Callable

import pytest

from shendu import lab
from tests.lab import judges

JUDGES: judges.Judges = {
    19: (
        {
            "conv_share_of_multiply_adds": 0.859,
            "conv_share_of_params": 0.0417,
            "pool_max_error": 0.0,
            "pool_size_ratio": 0.25,
            "relu_max_error": 0.0,
            "relu_zero_fraction_block1": 0.282,
            "shapes_match": True,
            "test_accuracy": 0.482,
            "total_params_by_hand": 61706,
            "total_params_summary": 61706,
        },
        {
            "summary-matches": [{"total_params_summary": 61707}, {"shapes_match": False}],
            "relu-zeroes": [{"relu_max_error": 1.0}, {"relu_zero_fraction_block1": 0.09}],
            "pool-keeps-max": [{"pool_max_error": 1.0}, {"pool_size_ratio": 1.25}],
            "conv-cheap-weights-costly-compute": [{"conv_share_of_params": 0.05}, {"conv_share_of_multiply_adds": 0.5}],
            "trained": [{"test_accuracy": 0.36}],
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
    result = quick(19)
    judges.assert_quick_run(result)
    rows = result.outcome.tables[0].rows
    assert [row[1] for row in rows][:3] == ["Conv2d", "ReLU", "MaxPool2d"] and rows[0][3] == 156 == rows[0][4]
