from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from shendu import lab
from tests.lab import judges

JUDGES: judges.Judges = {
    8: (
        {
            "bowl_budget": 1000,
            "bowl_final_distance_Momentum": 5.88e-23,
            "bowl_final_distance_Nesterov": 3.89e-25,
            "bowl_final_distance_RMSprop": 0.202,
            "bowl_steps_Adam": 110,
            "bowl_steps_GD": 273,
            "bowl_steps_Momentum": 95,
            "bowl_steps_Nesterov": 97,
            "bowl_steps_RMSprop": 8,
            "rosenbrock_budget": 3000,
            "rosenbrock_final_distance_Adam": 0.154,
            "rosenbrock_final_distance_Momentum": 1.99e-15,
            "rosenbrock_final_distance_Nesterov": 3.28e-06,
            "rosenbrock_steps_Adam": 731,
            "rosenbrock_steps_GD": math.inf,
            "rosenbrock_steps_Momentum": 509,
            "rosenbrock_steps_Nesterov": 1620,
        },
        {
            "momentum-faster-on-bowl": [{"bowl_steps_Momentum": 273}, {"bowl_steps_Nesterov": 273}],
            "all-arrive-on-bowl": [{"bowl_steps_GD": 1001}, {"bowl_steps_Adam": 1001}],
            "faster-on-rosenbrock": [
                {"rosenbrock_steps_Momentum": math.inf},
                {"rosenbrock_steps_GD": 1620.0},
                {"rosenbrock_steps_GD": 1700, "rosenbrock_steps_Adam": 1800},
            ],
            "adaptive-arrive-not-stay": [
                {"bowl_steps_RMSprop": 1001},
                {"bowl_final_distance_RMSprop": 0.001},
                {"rosenbrock_steps_Adam": 3001},
                {"rosenbrock_final_distance_Adam": 0.001},
            ],
            "momentum-stays": [
                {"bowl_final_distance_Momentum": 0.0011},
                {"bowl_final_distance_Nesterov": 0.0011},
                {"rosenbrock_final_distance_Momentum": 0.0011},
                {"rosenbrock_final_distance_Nesterov": 0.0011},
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
    judges.assert_quick_run(quick(8))
    tables = quick(8).outcome.tables
    assert [len(t.rows) for t in tables] == [5, 5] and "first within" in tables[0].header[2].en
