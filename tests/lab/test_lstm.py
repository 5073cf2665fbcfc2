from __future__ import annotations

from typing import Any

import numpy as np

import shendu
from shendu import lab
from shendu.lab.topics.lstm import SequenceRegressor, adding_problem, judge, lstm_gates


def _numbers(**changes: Any) -> dict[str, Any]:
    numbers = {
        "T": 50,
        "iterations": 2000,
        "mean_predictor_mse": 0.167,
        "lstm_val_mse": 0.001,
        "rnn_val_mse": 0.17,
        "gates_recomputed_max_diff": 1e-7,
        "memory_unit": 3,
        "memory_unit_input_gate_at_markers": 0.8,
        "memory_unit_input_gate_elsewhere": 0.01,
        "memory_unit_forget_gate_mean": 0.99,
    }
    numbers.update(changes)
    return numbers


def test_adding_problem_sums_the_two_marked_values() -> None:
    x, y = adding_problem(200, 20, np.random.default_rng(0))
    assert x.shape == (200, 20, 2) and y.shape == (200, 1) and x.dtype == np.float32
    assert (x[:, :, 1].sum(1) == 2).all() and (x[:, :10, 1].sum(1) == 1).all()
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * x[:, :, 1]).sum(1), rtol=1e-6)


def test_gates_from_the_weights_reproduce_the_layer() -> None:
    shendu.manual_seed(0)
    model = SequenceRegressor("lstm", hidden=6)
    sequence = shendu.randn(7, 2)
    gates = lstm_gates(model.rnn, sequence)
    out, _ = model.rnn(sequence.unsqueeze(0))
    assert gates["f"].shape == (7, 6) and ((gates["i"] > 0) & (gates["i"] < 1)).all()
    np.testing.assert_allclose(gates["h"], out[0].detach().numpy(), atol=1e-6)


def test_lstm_quick_run_passes() -> None:
    result = lab.run("lstm", seed=0, quick=True)
    assert result.verdict.passed, result.verdict.sentence
    assert result.numbers["lstm_val_mse"] < result.numbers["rnn_val_mse"]
    assert set(result.outcome.figures) == {"adding-problem", "gates"}


def test_lstm_judge_both_ways() -> None:
    assert judge(_numbers()).passed
    failed = judge(_numbers(lstm_val_mse=0.1, rnn_val_mse=0.01))
    assert not failed.passed
    assert "LSTM's MSE 0.1000" in failed.sentence and "RNN's MSE 0.0100" in failed.sentence
