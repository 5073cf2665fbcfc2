from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from shendu import lab
from shendu.lab.topics import boltzmann
from tests.lab import judges

JUDGES: judges.Judges = {
    5: (
        {
            "gain_over_pixels": 0.0557,
            "mean_accuracy_gap_to_sklearn": 0.0056,
            "rbm_logistic_accuracy": 0.953,
            "rbm_minus_plain_pixels": -0.0167,
            "reconstruction_end": 0.0427,
            "reconstruction_start": 0.0882,
            "sklearn_seed_spread": 0.0279,
        },
        {
            "reconstruction-falls": [{"reconstruction_end": 0.0776}],
            "features-classify": [{"rbm_logistic_accuracy": 0.837}],
            "features-beat-pixels": [{"gain_over_pixels": 0.027}],
            "advantage-is-shift-tolerance": [{"rbm_minus_plain_pixels": 0.022}],
            "matches-scikit-learn": [{"mean_accuracy_gap_to_sklearn": 0.011}],
            "one-seed-is-not-enough": [{"sklearn_seed_spread": 0.0135}],
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
    judges.assert_quick_run(quick(5), unmeasured={"matches-scikit-learn", "one-seed-is-not-enough"})


def test_nudge_shifts_by_one_pixel_and_fills_with_zeros() -> None:
    image = np.zeros((1, 8, 8))
    image[0, 0, 0] = image[0, 7, 7] = 1.0
    shifted, labels = boltzmann.nudge(image, np.array([3]))
    assert shifted.shape == (5, 8, 8) and list(labels) == [3] * 5
    assert shifted[1, 1, 0] == 1 and shifted[1, 0, 7] == 0 and shifted[1].sum() == 1
    assert shifted[4, 7, 6] == 1 and shifted[4, 0, 7] == 0 and shifted[4].sum() == 1


def test_scikit_learn_comparison_fits_both_libraries_on_the_same_data() -> None:
    rng = np.random.default_rng(0)
    x = (rng.random((60, 64)) > 0.5).astype(np.float32)
    y = np.arange(60) % 10
    scores = boltzmann.scikit_learn_comparison(x, y, x[:20], y[:20], epochs=1, seeds=2)
    assert set(scores) == {"shendu", "sklearn"} and all(len(v) == 2 for v in scores.values())
    assert all(0.0 <= s <= 1.0 for v in scores.values() for s in v)
