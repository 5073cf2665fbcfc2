from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import torch

import shendu
from shendu import lab
from shendu.lab.topics import losses
from tests.lab import judges

JUDGES: judges.Judges = {
    7: (
        {
            "confident_epochs_to_target_ce": 5,
            "confident_epochs_to_target_mse": math.inf,
            "confident_output_grad_ce": 1.27,
            "confident_output_grad_mse": 0.000124,
            "epochs": 10,
            "grad_ce_confidently_wrong": 0.998,
            "grad_mse_confidently_wrong": 0.00492,
            "grad_mse_peak": 0.296,
            "standard_epochs_to_target_ce": 5,
            "standard_epochs_to_target_mse": math.inf,
        },
        {
            "ce-keeps-pushing": [{"grad_ce_confidently_wrong": 0.81}],
            "mse-goes-quiet": [{"grad_mse_confidently_wrong": 0.011}, {"grad_mse_peak": 0.33}],
            "network-gradients": [{"confident_output_grad_ce": 0.00112}],
            "ce-recovers": [{"confident_epochs_to_target_ce": 11}, {"confident_epochs_to_target_mse": 5}],
            "ce-faster-anyway": [{"standard_epochs_to_target_mse": 5}],
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
    judges.assert_quick_run(quick(7))


def test_output_gradients_against_torch() -> None:
    z = np.linspace(-10.0, 10.0, 21)
    ce, mse = losses.output_gradients(z)
    t = torch.tensor(z, requires_grad=True)
    torch.nn.functional.binary_cross_entropy_with_logits(
        t, torch.ones(21, dtype=torch.float64), reduction="sum"
    ).backward()
    np.testing.assert_allclose(ce, t.grad.numpy(), atol=1e-12)
    t.grad = None
    torch.nn.functional.mse_loss(torch.sigmoid(t), torch.ones(21, dtype=torch.float64), reduction="sum").backward()
    np.testing.assert_allclose(mse, t.grad.numpy(), atol=1e-12)


def test_brier_is_squared_distance_to_the_one_hot_target() -> None:
    logits = np.array([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]])
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    expected = (((probs - np.eye(3)[[0, 2]]) ** 2).sum(1)).mean()
    assert losses.brier(shendu.tensor(logits), shendu.tensor([0, 2])).item() == pytest.approx(expected)
