from __future__ import annotations

from collections.abc import Callable

import pytest

from shendu import lab
from tests.lab import judges

JUDGES: judges.Judges = {
    23: (
        {
            "drop_last_batches_seen_epoch1": 50,
            "drop_last_epoch_lines": 2,
            "drop_last_last_batch_size": 200,
            "drop_last_len_loader": 50,
            "drop_last_log_iterations_per_epoch": 50,
            "drop_last_samples_used_per_epoch": 10000,
            "drop_last_trainer_iteration": 100,
            "even_batches_seen_epoch1": 50,
            "even_epoch_lines": 2,
            "even_len_loader": 50,
            "even_log_iterations_per_epoch": 50,
            "even_samples_used_per_epoch": 10000,
            "even_trainer_iteration": 100,
            "remainder_batches_seen_epoch1": 51,
            "remainder_epoch_lines": 2,
            "remainder_last_batch_size": 50,
            "remainder_len_loader": 51,
            "remainder_log_iterations_per_epoch": 51,
            "remainder_samples_used_per_epoch": 10050,
            "remainder_trainer_iteration": 102,
        },
        {
            "divides-evenly": [
                {"even_len_loader": 51},
                {"even_log_iterations_per_epoch": 51},
                {"even_batches_seen_epoch1": 51},
                {"even_trainer_iteration": 101},
                {"even_samples_used_per_epoch": 10001},
            ],
            "rounds-up": [
                {"remainder_len_loader": 52},
                {"remainder_log_iterations_per_epoch": 52},
                {"remainder_batches_seen_epoch1": 52},
                {"remainder_last_batch_size": 51},
                {"remainder_trainer_iteration": 103},
                {"remainder_samples_used_per_epoch": 10051},
            ],
            "drop-last": [
                {"drop_last_len_loader": 51},
                {"drop_last_log_iterations_per_epoch": 51},
                {"drop_last_batches_seen_epoch1": 51},
                {"drop_last_last_batch_size": 201},
                {"drop_last_trainer_iteration": 101},
                {"drop_last_samples_used_per_epoch": 10001},
            ],
            "one-line-per-epoch": [{"even_epoch_lines": 3}, {"remainder_epoch_lines": 3}, {"drop_last_epoch_lines": 3}],
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
    judges.assert_quick_run(quick(23))
    notes = quick(23).outcome.notes
    assert len(notes) == 3 and "10050 samples / batch 200 = 51 iterations per epoch" in notes[1].en
