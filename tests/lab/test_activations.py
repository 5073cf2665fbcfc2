from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

import shendu
from shendu import lab, nn
from shendu.lab.topics import activations
from tests.lab import judges

JUDGES: judges.Judges = {
    6: (
        {
            "best_line_plus_tolerance": 0.725,
            "collapse_max_error": 3.94e-07,
            "derivative_max_error": 0.0,
            "linear_accuracy": 0.7,
            "relu_accuracy": 1.0,
            "relu_active_derivative_max": 1.0,
            "relu_active_derivative_min": 1.0,
            "relu_epochs_to_fit": 23,
            "sigmoid_accuracy": 0.98,
            "sigmoid_derivative_at_5": 0.00665,
            "sigmoid_epochs_to_fit": 150,
            "sigmoid_max_derivative": 0.25,
            "tanh_accuracy": 0.99,
            "tanh_epochs_to_fit": 37,
            "tanh_max_derivative": 1.0,
        },
        {
            "collapse": [{"collapse_max_error": 0.00011}],
            "linear-is-a-line": [{"linear_accuracy": 0.797}],
            "nonlinear-fits": [{"sigmoid_accuracy": 0.873}, {"tanh_accuracy": 0.873}, {"relu_accuracy": 0.873}],
            "autograd-derivatives": [{"derivative_max_error": 1.1e-06}],
            "sigmoid-slope": [{"sigmoid_max_derivative": 0.275}, {"sigmoid_derivative_at_5": 0.01}],
            "tanh-relu-slope": [
                {"tanh_max_derivative": 0.899},
                {"relu_active_derivative_min": 2.0},
                {"relu_active_derivative_max": 2.0},
            ],
            "sigmoid-slowest": [{"sigmoid_epochs_to_fit": 37}, {"relu_epochs_to_fit": 150.0}],
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
    judges.assert_quick_run(quick(6))


def test_collapse_reproduces_a_stack_of_linear_layers() -> None:
    model = activations.build(None)
    weight, bias = activations.collapse(model)
    x = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    with shendu.no_grad():
        expected = model(shendu.tensor(x)).numpy()
    np.testing.assert_allclose(x @ weight.T + bias, expected, rtol=1e-4, atol=1e-6)
    assert not any(isinstance(m, nn.ReLU) for m in model) and len(model) == activations.DEPTH + 1


def test_derivatives_against_torch() -> None:
    z = np.linspace(-5, 5, 41)
    for name in ("sigmoid", "tanh", "relu"):
        t = torch.tensor(z, requires_grad=True)
        getattr(torch, name)(t).sum().backward()
        _, grad, closed = activations.derivatives(name, z)
        np.testing.assert_allclose(grad, t.grad.numpy(), atol=1e-12)
        np.testing.assert_allclose(closed, t.grad.numpy(), atol=1e-12)
