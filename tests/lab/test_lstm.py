from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import shendu
from shendu import lab
from shendu.lab.topics import lstm
from tests.lab import judges

JUDGES: judges.Judges = {
    21: (
        {
            "gates_recomputed_max_diff": 8.94e-08,
            "lstm_val_mse": 0.00248,
            "mean_predictor_mse": 0.159,
            "memory_unit_forget_gate_mean": 0.987,
            "memory_unit_input_gate_at_markers": 0.88,
            "memory_unit_input_gate_elsewhere": 0.0193,
            "rnn_val_mse": 0.175,
        },
        {
            "lstm-learns": [{"lstm_val_mse": 0.0159}],
            "rnn-fails": [{"rnn_val_mse": 0.0795}],
            "gates-recomputed": [{"gates_recomputed_max_diff": 0.0001}],
            "input-gate-opens": [
                {"memory_unit_input_gate_at_markers": 0.45},
                {"memory_unit_input_gate_elsewhere": 0.1},
            ],
            "forget-gate-holds": [{"memory_unit_forget_gate_mean": 0.81}],
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
    judges.assert_quick_run(quick(21))


def test_adding_problem_sums_the_two_marked_values() -> None:
    x, y = lstm.adding_problem(200, 20, np.random.default_rng(0))
    assert x.shape == (200, 20, 2) and y.shape == (200, 1) and x.dtype == np.float32
    assert (x[:, :, 1].sum(1) == 2).all() and (x[:, :10, 1].sum(1) == 1).all()
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * x[:, :, 1]).sum(1), rtol=1e-6)


def test_gates_from_the_weights_reproduce_the_layer() -> None:
    shendu.manual_seed(0)
    model = lstm.SequenceRegressor("lstm", hidden=6)
    sequence = shendu.randn(7, 2)
    gates = lstm.lstm_gates(model.rnn, sequence)
    out, _ = model.rnn(sequence.unsqueeze(0))
    assert gates["f"].shape == (7, 6) and ((gates["i"] > 0) & (gates["i"] < 1)).all()
    np.testing.assert_allclose(gates["h"], out[0].detach().numpy(), atol=1e-6)
