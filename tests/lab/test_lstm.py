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
            "memory_unit_forget_gate_between_markers": 0.999,
            "memory_unit_input_gate_at_markers": 0.84,
            "memory_unit_input_gate_elsewhere": 0.0068,
            "rnn_val_mse": 0.175,
            "units_tracking_target": 11,
        },
        {
            "lstm-learns": [{"lstm_val_mse": 0.0159}],
            "rnn-fails": [{"rnn_val_mse": 0.0795}],
            "gates-recomputed": [{"gates_recomputed_max_diff": 0.0001}],
            "sum-in-the-cells": [{"units_tracking_target": 4}],
            "input-gate-opens": [
                {"memory_unit_input_gate_at_markers": 0.45},
                {"memory_unit_input_gate_elsewhere": 0.1},
            ],
            "forget-gate-holds": [{"memory_unit_forget_gate_between_markers": 0.81}],
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


def test_memory_unit_is_picked_on_one_half_and_measured_on_the_other() -> None:
    rng = np.random.default_rng(0)
    n, steps, units = 40, 6, 3
    marked = np.zeros((n, steps), bool)
    marked[:, 1] = marked[:, 4] = True
    target = rng.random(n)

    def gates(tracking: int) -> dict[str, np.ndarray]:
        cells = rng.normal(size=(n, steps, units))
        cells[:, -1, tracking] = -3 * target  # the sign does not matter, the strength does
        write = np.where(marked[:, :, None], 0.9, 0.05) * np.eye(units)[tracking] + 0.2 * (1 - np.eye(units)[tracking])
        return {"c": cells, "i": np.broadcast_to(write, (n, steps, units)), "f": np.full((n, steps, units), 0.97)}

    numbers = lstm.memory_unit(gates(2), target, gates(1), marked, target)
    # unit 2 tracks the target where the unit is picked; on the measuring half it does not
    assert numbers["memory_unit"] == 2 and numbers["units_tracking_target"] == 1
    assert numbers["memory_unit_input_gate_at_markers"] == pytest.approx(0.2)
    assert numbers["memory_unit_forget_gate_between_markers"] == pytest.approx(0.97)
    assert abs(numbers["memory_unit_correlation"]) < 0.5
