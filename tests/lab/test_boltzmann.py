from __future__ import annotations

import numpy as np

from shendu import lab
from shendu.lab.topics import boltzmann

PNG = b"\x89PNG\r\n\x1a\n"


def test_quick_run_rbm_features_classify_held_out_digits() -> None:
    result = lab.run(5, seed=0, quick=True)
    assert result.verdict.passed, result.verdict.sentence
    numbers = result.numbers
    assert numbers["rbm_logistic_accuracy"] >= 0.93
    assert numbers["reconstruction_end"] < numbers["reconstruction_start"] and numbers["pseudo_likelihood"] < 0
    assert result.outcome.tables["side by side"][0] == ["features", "held-out accuracy"]
    assert all(png.startswith(PNG) for png in result.outcome.figures.values()) and result.outcome.figures


def test_nudge_shifts_by_one_pixel_and_fills_with_zeros() -> None:
    image = np.zeros((1, 8, 8))
    image[0, 0, 0] = image[0, 7, 7] = 1.0
    shifted, labels = boltzmann.nudge(image, np.array([3]))
    assert shifted.shape == (5, 8, 8) and list(labels) == [3] * 5
    assert shifted[1, 1, 0] == 1 and shifted[1, 0, 7] == 0 and shifted[1].sum() == 1
    assert shifted[4, 7, 6] == 1 and shifted[4, 0, 7] == 0 and shifted[4].sum() == 1


def _numbers() -> dict[str, object]:
    return {
        "training": "persistent CD-1, 20 epochs",
        "rbm_logistic_accuracy": 0.95,
        "reconstruction_start": 0.088,
        "reconstruction_end": 0.043,
        "sklearn_accuracy": 0.967,
    }


def test_judge_both_ways() -> None:
    verdict = boltzmann.judge(_numbers())
    assert verdict.passed and "scikit-learn" in verdict.sentence
    assert (
        "scikit-learn" not in boltzmann.judge({k: v for k, v in _numbers().items() if k != "sklearn_accuracy"}).sentence
    )
    failing = boltzmann.judge({**_numbers(), "rbm_logistic_accuracy": 0.9, "reconstruction_end": 0.08})
    assert not failing.passed and "0.900, below 0.93" in failing.sentence and "fell only" in failing.sentence
