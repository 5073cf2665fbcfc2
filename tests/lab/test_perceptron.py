from __future__ import annotations

import numpy as np
import pytest

import shendu
from shendu import lab
from shendu.lab.topics import perceptron
from shendu.lab.topics._planar import best_line_accuracy, spirals, xor

PNG = b"\x89PNG\r\n\x1a\n"


def test_quick_run_separates_what_a_line_cannot() -> None:
    result = lab.run(3, seed=0, quick=True)
    assert result.verdict.passed, result.verdict.sentence
    assert result.numbers["xor_best_line_accuracy"] == pytest.approx(0.75, abs=0.01)
    assert all(png.startswith(PNG) for png in result.outcome.figures.values()) and result.outcome.figures
    again = lab.run(3, seed=0, quick=True)
    assert again.numbers == result.numbers


def test_judge_both_ways() -> None:
    numbers = {
        "xor_perceptron_accuracy": 0.75,
        "xor_mlp_accuracy": 1.0,
        "xor_best_line_accuracy": 0.75,
        "spirals_perceptron_accuracy": 0.66,
        "spirals_mlp_accuracy": 0.995,
        "spirals_best_line_accuracy": 0.7,
    }
    assert perceptron.judge(numbers).passed
    failing = perceptron.judge({**numbers, "spirals_perceptron_accuracy": 0.8, "xor_mlp_accuracy": 0.9})
    assert not failing.passed
    assert "0.800 on spirals" in failing.sentence and "0.900 on xor" in failing.sentence


def test_perceptron_criterion_is_zero_on_correct_points_and_the_margin_otherwise() -> None:
    scores = shendu.tensor([[2.0, 1.0], [0.5, 3.0]])
    assert perceptron.perceptron_criterion(scores, shendu.tensor([0, 1])).item() == 0.0
    assert perceptron.perceptron_criterion(scores, shendu.tensor([1, 0])).item() == pytest.approx(1.75)


def test_best_line_accuracy_on_separable_and_xor_data() -> None:
    rng = np.random.default_rng(0)
    x, y = xor(400, 0.1, rng)
    assert best_line_accuracy(x, y) == pytest.approx(0.75, abs=0.005)
    assert best_line_accuracy(x, (x[:, 0] > 0.1).astype(np.int64)) == 1.0
    points, labels = spirals(300, rng, classes=3)
    assert points.shape == (300, 2) and points.dtype == np.float32 and set(labels) == {0, 1, 2}
