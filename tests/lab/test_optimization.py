from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from shendu import lab
from tests.lab import judges

JUDGES: judges.Judges = {
    8: (
        {
            "bowl_budget": 3000,
            "bowl_final_distance_Momentum": 5.88e-23,
            "bowl_final_distance_Nesterov": 3.89e-25,
            "bowl_final_distance_RMSprop_lr0.01": 0.0072,
            "bowl_final_distance_RMSprop_lr0.03": 0.0212,
            "bowl_final_distance_RMSprop_lr0.1": 0.0707,
            "bowl_steps_Adam": 110,
            "bowl_steps_GD": 273,
            "bowl_steps_Momentum": 95,
            "bowl_steps_Nesterov": 97,
            "bowl_steps_RMSprop": 8,
            "bowl_steps_RMSprop_lr0.01": 659,
            "bowl_steps_RMSprop_lr0.03": 233,
            "bowl_steps_RMSprop_lr0.1": 44,
            "rosenbrock_budget": 20000,
            "rosenbrock_final_distance_Adam": 0.037,
            "rosenbrock_final_distance_Adam_lr0.03": 2.5e-06,
            "rosenbrock_final_distance_Momentum": 1.99e-15,
            "rosenbrock_final_distance_Nesterov": 3.28e-06,
            "rosenbrock_steps_Adam": 731,
            "rosenbrock_steps_Adam_lr0.03": 2415,
            "rosenbrock_steps_GD": 17082,
            "rosenbrock_steps_Momentum": 509,
            "rosenbrock_steps_Nesterov": 1620,
        },
        {
            "momentum-faster-on-bowl": [{"bowl_steps_Momentum": 273}, {"bowl_steps_Nesterov": 273}],
            "all-arrive-on-bowl": [
                {"bowl_steps_GD": 3001},
                {"bowl_steps_RMSprop": math.inf},
                {"bowl_steps_Adam": 3001},
            ],
            "faster-on-rosenbrock": [
                {"rosenbrock_steps_Momentum": math.inf},
                {"rosenbrock_steps_GD": 1620.0},
                {"rosenbrock_steps_GD": 1700, "rosenbrock_steps_Adam": 1800},
            ],
            "rmsprop-does-not-settle": [
                {"bowl_steps_RMSprop_lr0.01": math.inf},
                {"bowl_steps_RMSprop_lr0.03": 3001},
                {"bowl_steps_RMSprop_lr0.1": math.inf},
                {"bowl_final_distance_RMSprop_lr0.01": 4e-20},
                {"bowl_final_distance_RMSprop_lr0.01": 0.03},
                {"bowl_final_distance_RMSprop_lr0.1": 0.02},
            ],
            "adam-rate-decides": [
                {"rosenbrock_final_distance_Adam": 1e-3},
                {"rosenbrock_steps_Adam_lr0.03": 731},
                {"rosenbrock_steps_Adam_lr0.03": 20001},
                {"rosenbrock_final_distance_Adam_lr0.03": 0.0011},
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
    judges.assert_quick_run(quick(8), unmeasured={"rmsprop-does-not-settle"})
    tables = quick(8).outcome.tables
    assert [len(t.rows) for t in tables] == [5, 6] and "first within" in tables[0].header[2].en
    assert "条件数为 50 的二次碗" in tables[0].title.zh
