from __future__ import annotations

from typing import Any

from shendu import lab
from shendu.lab.topics.gradients import judge


def _numbers(**changes: Any) -> dict[str, Any]:
    numbers = {
        "sigmoid_layer_spread": 2e7,
        "sigmoid_bn_layer_spread": 3.0,
        "relu_he_layer_spread": 1.6,
        "relu_he_bn_layer_spread": 10.0,
        "rnn_time_ratio": 1e-25,
        "rnn_large_time_ratio": 1e6,
        "lstm_open_time_ratio": 0.1,
        "unclipped_diverged": True,
        "unclipped_nonfinite_at": 45,
        "unclipped_final_loss": float("nan"),
        "clipped_final_loss": 0.2,
        "target_variance": 1.0,
    }
    numbers.update(changes)
    return numbers


def test_gradients_quick_run_passes() -> None:
    result = lab.run("vanishing-exploding-gradients", seed=0, quick=True)
    assert result.verdict.passed, result.verdict.sentence
    numbers = result.numbers
    assert numbers["sigmoid_first_layer_grad"] < numbers["sigmoid_last_layer_grad"]
    assert numbers["unclipped_diverged"] and numbers["clipped_nonfinite_at"] == 0
    assert set(result.outcome.figures) == {"gradient-norms", "clipping"}


def test_gradients_judge_both_ways() -> None:
    assert judge(_numbers()).passed
    failed = judge(_numbers(relu_he_layer_spread=500.0, unclipped_diverged=False, unclipped_final_loss=0.5))
    assert not failed.passed
    assert "ReLU + He init the gradient norms still spread 500x" in failed.sentence
    assert "did not diverge (final loss 0.5)" in failed.sentence
