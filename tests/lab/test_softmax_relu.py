from __future__ import annotations

from collections.abc import Callable

import pytest

from shendu import lab
from tests.lab import judges

JUDGES: judges.Judges = {
    12: (
        {
            "naive_softmax_nan_fraction_at_1000": 1.0,
            "relu_dead_units": 14,
            "relu_high_lr_dead_fraction": 0.526,
            "relu_high_lr_dead_units": 202,
            "relu_layer1_zero_fraction": 0.588,
            "relu_layer2_zero_fraction": 0.541,
            "relu_layer3_zero_fraction": 0.544,
            "softmax_finite_at_1000": True,
            "softmax_max_shift_change_float64": 3.56e-14,
            "softmax_max_sum_error_float32": 2.38e-07,
            "softmax_max_sum_error_float64": 4.44e-16,
            "tanh_layer1_zero_fraction": 0.0,
            "tanh_layer2_zero_fraction": 0.0,
            "tanh_layer3_zero_fraction": 0.0,
        },
        {
            "sums-to-one": [{"softmax_max_sum_error_float32": 1.1e-06}, {"softmax_max_sum_error_float64": 1.1e-12}],
            "shift-invariant": [{"softmax_max_shift_change_float64": 1.1e-12}],
            "no-overflow": [{"naive_softmax_nan_fraction_at_1000": 0.891}, {"softmax_finite_at_1000": False}],
            "relu-sparse": [
                {"relu_layer1_zero_fraction": 0.225},
                {"relu_layer2_zero_fraction": 0.225},
                {"relu_layer3_zero_fraction": 0.225},
                {"tanh_layer1_zero_fraction": 0.011},
                {"tanh_layer2_zero_fraction": 0.011},
                {"tanh_layer3_zero_fraction": 0.011},
            ],
            "dead-units": [{"relu_high_lr_dead_fraction": 0.09}, {"relu_high_lr_dead_units": 27}],
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
    judges.assert_quick_run(quick(12))
    numbers = quick(12).numbers
    assert numbers["relu_high_lr_dead_fraction"] == numbers["relu_high_lr_dead_units"] / 384
