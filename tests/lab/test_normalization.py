from __future__ import annotations

import numpy as np

import shendu
from shendu import lab
from shendu.lab.topics import normalization

PNG = b"\x89PNG\r\n\x1a\n"


def test_quick_run_normalized_networks_train_faster_and_l1_sparsifies() -> None:
    result = lab.run(4, seed=0, quick=True)
    assert result.verdict.passed, result.verdict.sentence
    numbers = result.numbers
    for kind in ("none", *normalization.NORMALIZATIONS):
        assert f"steps_{kind}" in numbers and f"final_loss_{kind}" in numbers
    assert numbers["near_zero_l1"] > numbers["near_zero_l2"] and numbers["rms_l2"] < numbers["rms_none"]
    assert all(png.startswith(PNG) for png in result.outcome.figures.values()) and result.outcome.figures


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


def _numbers() -> dict[str, float]:
    return {
        "steps_none": float("inf"),
        "steps_batch": 26,
        "steps_layer": 36,
        "steps_group": 26,
        "steps_instance": 26,
        "steps_weight": 128,
        "budget_steps": 161,
        "near_zero_none": 0.006,
        "near_zero_l1": 0.6,
        "near_zero_l2": 0.017,
        "rms_none": 0.18,
        "rms_l1": 0.15,
        "rms_l2": 0.12,
    }


def test_judge_both_ways() -> None:
    verdict = normalization.judge(_numbers())
    assert verdict.passed and "did not get there in 161" in verdict.sentence
    failing = normalization.judge({**_numbers(), "steps_none": 40, "near_zero_l1": 0.05})
    assert not failing.passed
    assert "Batch norm needed 26 steps against 40" in failing.sentence and "L1 left only 5%" in failing.sentence
