from __future__ import annotations

import math

from shendu import lab
from shendu.lab.topics import losses


def _numbers(**changes: float) -> dict[str, float]:
    numbers = {
        "confidently_wrong_probability": 0.0025,
        "grad_ce_confidently_wrong": 0.9975,
        "grad_mse_confidently_wrong": 0.0049,
        "confident_output_grad_ce": 1.27,
        "confident_output_grad_mse": 1.2e-4,
        "confident_epochs_to_0.9_ce": 5,
        "confident_epochs_to_0.9_mse": math.inf,
    }
    numbers.update(changes)
    return numbers


def test_quick_run_reproduces_the_claim() -> None:
    result = lab.run(7, seed=0, quick=True)
    assert result.verdict.passed, result.verdict.sentence
    assert set(result.outcome.figures) == {"output_gradient", "training_speed"}
    assert result.numbers["confident_init_confidence"] > 0.99


def test_judge_passes_on_vanishing_mse_gradient() -> None:
    verdict = losses.judge(_numbers())
    assert (
        verdict.passed
        and "(p = 0.0025)" in verdict.sentence
        and "0.0049" in verdict.sentence
        and "never within the run" in verdict.sentence
    )


def test_judge_fails_when_mse_trains_as_fast() -> None:
    verdict = losses.judge(_numbers(**{"confident_epochs_to_0.9_mse": 5, "grad_mse_confidently_wrong": 0.2}))
    assert not verdict.passed
    assert "MSE's output gradient" in verdict.sentence and "cross-entropy needed 5 epochs" in verdict.sentence
