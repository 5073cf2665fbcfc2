from __future__ import annotations

from shendu import lab
from shendu.lab.topics import recurrent


def _memory(**changes: float) -> dict[str, float]:
    numbers = {"mlp_current_input_accuracy": 0.503, "rnn_accuracy": 1.0, "chance": 0.5, "delay": 5}
    numbers.update(changes)
    return numbers


def _applications(**changes: float) -> dict[str, float]:
    numbers = {
        "polarity_lstm_test_accuracy": 0.77,
        "polarity_bag_of_words_test_accuracy": 0.767,
        "polarity_bar": 0.74,
        "sunspots_lstm_rmse": 19.9,
        "sunspots_naive_rmse": 33.3,
    }
    numbers.update(changes)
    return numbers


def test_memory_quick_run_reproduces_the_claim() -> None:
    result = lab.run(10, seed=0, quick=True)
    assert result.verdict.passed, result.verdict.sentence
    assert set(result.outcome.figures) == {"memory_task"}


def test_memory_judge_both_ways() -> None:
    assert recurrent.judge_memory(_memory()).passed
    verdict = recurrent.judge_memory(_memory(mlp_current_input_accuracy=0.8, rnn_accuracy=0.6))
    assert not verdict.passed
    assert "scored 0.800, not chance" in verdict.sentence and "reached only 0.600" in verdict.sentence


def test_applications_quick_run_reproduces_the_claim() -> None:
    result = lab.run(11, seed=0, quick=True)
    assert result.verdict.passed, result.verdict.sentence
    assert set(result.outcome.figures) == {"sentiment", "sunspots_forecast"}
    assert result.numbers["polarity_bar"] == 0.62 and result.numbers["polarity_train_sentences"] == 4000


def test_applications_judge_both_ways() -> None:
    verdict = recurrent.judge_applications(_applications())
    assert verdict.passed and "0.770 test accuracy (target 0.74" in verdict.sentence
    verdict = recurrent.judge_applications(_applications(polarity_lstm_test_accuracy=0.7, sunspots_lstm_rmse=40.0))
    assert not verdict.passed
    assert "below the target 0.74" in verdict.sentence and "40.0 is not below naive 33.3" in verdict.sentence
