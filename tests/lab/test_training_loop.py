from __future__ import annotations

from typing import Any

from shendu import lab
from shendu.lab.topics.training_loop import judge


def _numbers(**changes: Any) -> dict[str, Any]:
    numbers: dict[str, Any] = {}
    for key, per_epoch, used, last in (
        ("even", 50, 10000, 200),
        ("remainder", 51, 10050, 50),
        ("drop_last", 50, 10000, 200),
    ):
        numbers.update(
            {
                f"{key}_len_loader": per_epoch,
                f"{key}_log_iterations_per_epoch": per_epoch,
                f"{key}_batches_seen_epoch1": per_epoch,
                f"{key}_trainer_iteration": 2 * per_epoch,
                f"{key}_samples_used_per_epoch": used,
                f"{key}_last_batch_size": last,
            }
        )
    numbers.update(changes)
    return numbers


def test_training_loop_quick_run_passes() -> None:
    result = lab.run("epoch-batch-iteration", seed=0, quick=True)
    assert result.verdict.passed, result.verdict.sentence
    numbers = result.numbers
    assert (numbers["even_log_iterations_per_epoch"], numbers["remainder_log_iterations_per_epoch"]) == (50, 51)
    assert numbers["drop_last_trainer_iteration"] == 100 and numbers["remainder_history_iterations"] == "51,102"
    assert result.outcome.figures["batches"][:4] == b"\x89PNG"
    assert any("51 iterations per epoch" in note for note in result.outcome.notes)


def test_training_loop_judge_both_ways() -> None:
    assert judge(_numbers()).passed
    wrong = judge(_numbers(remainder_log_iterations_per_epoch=50, drop_last_samples_used_per_epoch=10050))
    assert not wrong.passed
    assert "50 in the log" in wrong.sentence and "used 10050" in wrong.sentence
