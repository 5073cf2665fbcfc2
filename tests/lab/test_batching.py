from __future__ import annotations

from collections.abc import Callable

import pytest

from shendu import lab
from tests.lab import judges

JUDGES: judges.Judges = {
    16: (
        {
            "epoch_loss_1": 1.33,
            "epoch_loss_256": 2.22,
            "epoch_loss_32": 1.14,
            "epoch_loss_full": 2.26,
            "noise_variance_slope": -1.01,
            "time_loss_1": 3.73,
            "time_loss_best_minibatch": 0.0873,
            "time_loss_full": 0.241,
            "update_loss_1": 2.2,
            "update_loss_32": 0.835,
            "update_loss_full": 0.793,
            "updates_per_second_1": 710.0,
            "updates_per_second_256": 590.0,
        },
        {
            "per-epoch": [{"epoch_loss_256": 1.14}, {"epoch_loss_full": 1.14}],
            "one-sample-too-noisy": [{"epoch_loss_1": 1.03}],
            "per-update": [{"update_loss_1": 1.5}, {"update_loss_full": 0.918}],
            "per-second": [{"time_loss_1": 0.0873}, {"time_loss_best_minibatch": 0.241}],
            "vectorized-batches": [{"updates_per_second_256": 130.0}],
            "noise-falls": [{"noise_variance_slope": -1.38}, {"noise_variance_slope": -0.675}],
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
    judges.assert_quick_run(quick(16))
    numbers = quick(16).numbers
    assert numbers["time_loss_best_minibatch"] == min(numbers["time_loss_32"], numbers["time_loss_256"])
