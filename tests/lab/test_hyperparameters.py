from __future__ import annotations

from collections.abc import Callable

import pytest

from shendu import lab
from tests.lab import judges

JUDGES: judges.Judges = {
    13: (
        {"chosen_test_accuracy": 0.975, "cv_spread": 0.855, "cv_test_gap": 0.0396},
        {
            "choice-matters": [{"cv_spread": 0.09}],
            "cv-predicts-test": [{"cv_test_gap": 0.055}],
            "chosen-is-good": [{"chosen_test_accuracy": 0.81}],
        },
    ),
    14: (
        {
            "good_final_loss": 0.207,
            "good_rate": 0.3,
            "good_train_accuracy": 0.948,
            "high_final_loss": 2.38,
            "initial_loss": 2.31,
            "low_final_loss": 2.29,
            "range_blowup_rate": 2.34,
            "range_steepest_rate": 0.589,
        },
        {
            "too-low": [{"low_final_loss": 1.66}],
            "too-high": [{"high_final_loss": 1.04}],
            "good-converges": [{"good_final_loss": 0.508}, {"good_train_accuracy": 0.81}],
            "range-test-finds-it": [{"good_rate": 0.177}, {"good_rate": 1.94}, {"range_blowup_rate": 0.3}],
        },
    ),
}


@pytest.mark.parametrize("number", sorted(JUDGES))
def test_every_claim_holds_on_good_numbers(number: int) -> None:
    judges.assert_all_hold(number, JUDGES[number][0])


@pytest.mark.parametrize(("number", "claim", "index"), judges.cases(JUDGES))
def test_each_check_fails_alone(number: int, claim: str, index: int) -> None:
    judges.assert_only_this_check_fails(number, *JUDGES[number], claim, index)


def test_quick_runs(quick: Callable[[int], lab.Result]) -> None:
    search, rate = quick(13), quick(14)
    judges.assert_quick_run(search)
    judges.assert_quick_run(rate)
    table = search.outcome.tables[0]
    assert len(table.rows) == search.numbers["trials"] and table.rows[0][-1].en == "chosen"
    assert len(table.header) == search.numbers["folds"] + 6
    assert rate.numbers["range_steepest_rate"] < rate.numbers["range_blowup_rate"]
