from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from shendu import lab
from tests.lab import judges

JUDGES: judges.Judges = {
    15: (
        {
            "bn_budget_steps": 128,
            "bn_steps_with": 30,
            "bn_steps_with_high_lr": 70,
            "bn_steps_without": math.inf,
            "bn_steps_without_high_lr": math.inf,
            "dropout_best_val_difference": 0.009,
            "dropout_epochs_to_fit_with": math.inf,
            "dropout_epochs_to_fit_without": 16,
            "dropout_gap_with": 0.163,
            "dropout_gap_without": 0.221,
        },
        {
            "dropout-narrows-gap": [{"dropout_gap_with": 0.221}],
            "dropout-slows-fitting": [{"dropout_epochs_to_fit_with": 16}],
            "dropout-validation": [{"dropout_best_val_difference": 0.022}],
            "bn-faster": [{"bn_steps_without": 30.0}],
            "bn-high-rate": [{"bn_steps_with_high_lr": 129}, {"bn_steps_without_high_lr": 128}],
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
    judges.assert_quick_run(quick(15))
    numbers = quick(15).numbers
    assert numbers["bn_target_accuracy"] == 0.75 and numbers["bn_budget_steps"] > 0
