from __future__ import annotations

from collections.abc import Callable

import pytest

from shendu import lab
from tests.lab import judges

JUDGES: judges.Judges = {
    18: (
        {
            "good_minus_bad_test_accuracy": 0.471,
            "he_activation_ratio": 1.2,
            "he_gradient_ratio": 1.1,
            "large_gradient_ratio": 16600.0,
            "large_saturated_fraction": 0.859,
            "small_activation_ratio": 7.83e-08,
            "small_gradient_ratio": 6.91e-08,
            "xavier_activation_ratio": 0.466,
            "xavier_gradient_ratio": 0.567,
            "zeros_distinct_units": 1,
            "zeros_test_accuracy": 0.1,
        },
        {
            "zeros-stay-identical": [{"zeros_distinct_units": 2}, {"zeros_test_accuracy": 0.22}],
            "small-vanishes": [{"small_activation_ratio": 0.0011}, {"small_gradient_ratio": 0.0011}],
            "large-saturates-and-explodes": [{"large_saturated_fraction": 0.63}, {"large_gradient_ratio": 9.0}],
            "xavier-he-keep-scale": [
                {"xavier_activation_ratio": 0.18},
                {"xavier_activation_ratio": 5.5},
                {"xavier_gradient_ratio": 0.18},
                {"xavier_gradient_ratio": 5.5},
                {"he_activation_ratio": 0.18},
                {"he_activation_ratio": 5.5},
                {"he_gradient_ratio": 0.18},
                {"he_gradient_ratio": 5.5},
            ],
            "only-good-schemes-train": [{"good_minus_bad_test_accuracy": 0.27}],
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
    judges.assert_quick_run(quick(18))
