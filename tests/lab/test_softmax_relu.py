from __future__ import annotations

from shendu import lab
from shendu.lab.topics import softmax_relu


def _numbers(**changes: object) -> dict[str, object]:
    numbers: dict[str, object] = {
        "softmax_max_sum_error_float32": 2.4e-7,
        "softmax_max_sum_error_float64": 4.4e-16,
        "softmax_max_shift_change_float64": 3.6e-14,
        "softmax_finite_at_1000": True,
        "relu_layer1_zero_fraction": 0.59,
        "relu_layer2_zero_fraction": 0.54,
        "relu_layer3_zero_fraction": 0.54,
        "tanh_layer1_zero_fraction": 0.0,
        "tanh_layer2_zero_fraction": 0.0,
        "tanh_layer3_zero_fraction": 0.0,
        "relu_high_lr_layer1_zero_fraction": 0.9,
        "relu_dead_units": 14,
        "relu_high_lr_dead_units": 202,
        "hidden_units": 384,
    }
    numbers.update(changes)
    return numbers


def test_quick_run_reproduces_the_claim() -> None:
    result = lab.run(12, seed=0, quick=True)
    assert result.verdict.passed, result.verdict.sentence
    assert set(result.outcome.figures) == {"softmax", "relu_sparsity", "dead_units"}
    assert result.numbers["naive_softmax_nan_fraction_at_1000"] == 1.0


def test_judge_passes_on_sparse_relu() -> None:
    verdict = softmax_relu.judge(_numbers())
    assert verdict.passed and "54%-59%" in verdict.sentence and "202 dead" in verdict.sentence


def test_judge_fails_on_dense_relu_and_a_broken_softmax() -> None:
    verdict = softmax_relu.judge(_numbers(relu_layer2_zero_fraction=0.05, softmax_max_shift_change_float64=0.1))
    assert not verdict.passed
    assert "changed softmax by up to 0.1" in verdict.sentence and "only 5% exact zeros" in verdict.sentence
