from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import shendu
from shendu import lab
from shendu.lab.topics import foundations
from tests.lab import judges

JUDGES: judges.Judges = {
    1: (
        {
            "filter_change": 0.499,
            "filter_smoothness": 0.174,
            "filter_smoothness_start": -0.0517,
            "gain_over_linear": 0.0436,
            "smooth_filters": 5,
            "smooth_filters_start": 1,
            "test_accuracy": 0.81,
        },
        {
            "beats-chance": [{"test_accuracy": 0.675}],
            "beats-linear": [{"gain_over_linear": 0.018}],
            "filters-move": [{"filter_change": 0.18}],
            "filters-structured": [
                {"filter_smoothness": 0.135},
                {"smooth_filters": 1},
                {"smooth_filters": 8},
                {"filter_smoothness_start": 0.11},
            ],
        },
    ),
    2: (
        {
            "gan_distance_ratio": 0.126,
            "gan_modes_covered": 7,
            "gan_samples_near_a_mode": 0.843,
            "mlp_test_accuracy": 1.0,
            "probe_first_minus_input": 0.23,
            "probe_first_test_accuracy": 0.737,
            "probe_hidden_test_accuracy": 1.0,
            "probe_raw_test_accuracy": 0.507,
            "probe_training_gain": 0.362,
            "probe_untrained_test_accuracy": 0.638,
            "probe_width_gain": 0.131,
        },
        {
            "mlp-fits": [{"mlp_test_accuracy": 0.855}],
            "input-not-separable": [{"probe_raw_test_accuracy": 0.825}],
            "layers-build-it": [
                {"probe_first_minus_input": 0.04},
                {"probe_first_test_accuracy": 0.95},
                {"probe_hidden_test_accuracy": 0.855},
            ],
            "training-made-it": [
                {"probe_untrained_test_accuracy": 0.76},
                {"probe_training_gain": 0.24},
                {"probe_width_gain": 0.4},
            ],
            "gan-covers-modes": [{"gan_modes_covered": 6}, {"gan_samples_near_a_mode": 0.72}],
            "gan-approaches-data": [{"gan_distance_ratio": 0.275}],
        },
    ),
}


@pytest.mark.parametrize("number", sorted(JUDGES))
def test_every_claim_holds_on_good_numbers(number: int) -> None:
    judges.assert_all_hold(number, JUDGES[number][0])


@pytest.mark.parametrize(("number", "claim", "index"), judges.cases(JUDGES))
def test_each_check_fails_alone(number: int, claim: str, index: int) -> None:
    judges.assert_only_this_check_fails(number, *JUDGES[number], claim, index)


def test_quick_runs(quick: Callable[[int], lab.Result]) -> None:
    judges.assert_quick_run(quick(1), unmeasured={"beats-linear"})
    judges.assert_quick_run(quick(2))
    # the starting filters are those of a fresh CNN, seeded as the run seeds it
    shendu.manual_seed(0)
    fresh = foundations.small_cnn()[0].weight.detach().numpy()[:, 0]
    assert quick(1).numbers["filter_smoothness_start"] == pytest.approx(foundations.filter_smoothness(fresh))


def test_filter_smoothness_sees_structure_and_noise() -> None:
    rng = np.random.default_rng(0)
    assert abs(foundations.filter_smoothness(rng.normal(size=(64, 5, 5)))) < 0.1
    ramps = np.broadcast_to(np.arange(5.0), (8, 5, 5)) * rng.normal(size=(8, 1, 1))
    assert foundations.filter_smoothness(ramps + 0.01 * rng.normal(size=(8, 5, 5))) > 0.9


def test_mode_coverage_and_distance_on_known_samples() -> None:
    rng = np.random.default_rng(0)
    real = foundations.ring_samples(4000, rng)
    assert foundations.mode_coverage(real) == (8, 1.0)
    one_mode = real[np.linalg.norm(real - foundations.ring_modes()[0], axis=1) < 0.5]
    assert foundations.mode_coverage(one_mode)[0] == 1
    noise = rng.normal(0, 0.1, (4000, 2))
    assert foundations.mode_coverage(noise) == (0, 0.0)
    other = foundations.ring_samples(4000, rng)
    assert foundations.sliced_wasserstein(real, other) < 0.05 < foundations.sliced_wasserstein(real, noise)
