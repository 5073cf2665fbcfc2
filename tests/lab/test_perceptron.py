from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import shendu
from shendu import lab
from shendu.lab.topics import perceptron
from shendu.lab.topics._data import spirals, xor
from shendu.lab.topics._planar import best_line_accuracy
from tests.lab import judges

JUDGES: judges.Judges = {
    3: (
        {
            "spirals_best_line_accuracy": 0.703,
            "spirals_best_line_plus_tolerance": 0.713,
            "spirals_mlp_accuracy": 1.0,
            "spirals_mlp_test_accuracy": 0.973,
            "spirals_perceptron_accuracy": 0.667,
            "xor_best_line_accuracy": 0.75,
            "xor_best_line_plus_tolerance": 0.76,
            "xor_mlp_accuracy": 1.0,
            "xor_mlp_test_accuracy": 1.0,
            "xor_perceptron_accuracy": 0.75,
        },
        {
            "no-line": [{"xor_best_line_accuracy": 0.88}, {"spirals_best_line_accuracy": 0.88}],
            "perceptron-is-a-line": [{"xor_perceptron_accuracy": 0.836}, {"spirals_perceptron_accuracy": 0.784}],
            "mlp-fits": [
                {"xor_mlp_accuracy": 0.891},
                {"spirals_mlp_accuracy": 0.891},
                {"xor_mlp_test_accuracy": 0.855},
                {"spirals_mlp_test_accuracy": 0.855},
            ],
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
    judges.assert_quick_run(quick(3))


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
