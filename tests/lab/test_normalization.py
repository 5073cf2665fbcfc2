from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

import shendu
from shendu import lab
from shendu.lab.topics import normalization
from tests.lab import judges

JUDGES: judges.Judges = {
    4: (
        {
            "budget_steps": 120,
            "final_loss_none": 2.3,
            "input_best_loss_raw": 0.207,
            "input_best_loss_standardized": 0.0758,
            "input_best_rate_raw": 0.01,
            "input_best_rate_standardized": 1.0,
            "near_zero_l1": 0.664,
            "near_zero_l2": 0.0116,
            "rms_l2": 0.123,
            "rms_none": 0.167,
            "steps_batch": 39,
            "steps_group": 43,
            "steps_he": 83,
            "steps_instance": 38,
            "steps_layer": 47,
            "steps_none": math.inf,
            "steps_weight": 52,
        },
        {
            "inputs-converge-further": [{"input_best_loss_standardized": 0.159}],
            "inputs-larger-rate": [{"input_best_rate_standardized": 0.09}],
            "deep-cnn-stalls": [{"steps_none": 120}, {"final_loss_none": 1.8}],
            "every-normalization-trains": [
                {"steps_batch": 121},
                {"steps_layer": 121},
                {"steps_group": 121},
                {"steps_instance": 121},
                {"steps_weight": 121},
            ],
            "he-init-trains": [{"steps_he": 121}],
            "l1-sparse": [{"near_zero_l1": 0.27}, {"near_zero_l1": 0.31, "near_zero_l2": 0.07}],
            "l2-small-not-zero": [{"rms_l2": 0.167}, {"near_zero_l2": 0.12}],
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
    judges.assert_quick_run(quick(4))


def test_steps_to_target_uses_a_moving_window() -> None:
    losses = [2.0] * 20 + [0.1] * 20
    assert normalization.steps_to_target(losses) == 20 + 8
    assert normalization.steps_to_target([2.0] * 30) == float("inf")


def test_data_dependent_init_standardizes_each_layer() -> None:
    model = normalization.deep_cnn("weight")
    batch = shendu.rand(64, 1, 8, 8)
    normalization.data_dependent_init(model, batch)
    with shendu.no_grad():
        out = model[:1](batch).numpy()
    np.testing.assert_allclose(out.mean((0, 2, 3)), 0, atol=1e-4)
    np.testing.assert_allclose(out.std((0, 2, 3)), 1, atol=1e-2)


def test_standardize_uses_the_reference_statistics_and_keeps_constant_features() -> None:
    reference = shendu.tensor([[1.0, 5.0], [3.0, 5.0]])
    out = normalization.standardize(shendu.tensor([[2.0, 6.0]]), reference)
    np.testing.assert_allclose(out.numpy(), [[0.0, 1.0]])
