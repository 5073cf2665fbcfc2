from __future__ import annotations

from collections.abc import Callable

import pytest

from shendu import lab
from tests.lab import judges

JUDGES: judges.Judges = {
    17: (
        {
            "best_test_error": 0.117,
            "best_val_error": 0.107,
            "cv_degree_test_error": 0.117,
            "cv_test_rank_correlation": 0.862,
            "epoch_budget": 800,
            "es_stopped_epoch": 171,
            "es_test_error": 0.121,
            "final_test_error": 0.136,
            "lowest_test_error": 0.119,
            "test_error_at_kept_epoch": 0.121,
            "train_error_best": 0.0234,
            "train_error_highest": 0.0121,
            "train_error_lowest": 0.687,
            "val_error_highest": 758.0,
            "val_error_lowest": 0.961,
        },
        {
            "underfits": [{"train_error_lowest": 0.0963}, {"val_error_lowest": 0.193}],
            "overfits": [{"train_error_highest": 0.0234}, {"val_error_highest": 0.193}],
            "cv-picks": [{"cv_test_rank_correlation": 0.63}, {"cv_degree_test_error": 0.193}],
            "early-stopping": [
                {"es_stopped_epoch": 800},
                {"test_error_at_kept_epoch": 0.151},
                {"es_test_error": 0.136},
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
    judges.assert_quick_run(quick(17))
    rows = quick(17).outcome.tables[0].rows
    assert [row[0] for row in rows] == list(range(16))
