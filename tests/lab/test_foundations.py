from __future__ import annotations

import numpy as np

from shendu import lab
from shendu.lab.topics import foundations

PNG = b"\x89PNG\r\n\x1a\n"


def test_quick_run_small_cnn_learns_fashion_mnist() -> None:
    result = lab.run(1, seed=0, quick=True)
    assert result.verdict.passed, result.verdict.sentence
    assert result.numbers["test_accuracy"] > 0.75 and result.numbers["filter_change"] > 0.2
    assert len(result.outcome.figures) == 2 and all(p.startswith(PNG) for p in result.outcome.figures.values())


def test_quick_run_hidden_layer_separates_and_gan_covers_modes() -> None:
    result = lab.run(2, seed=0, quick=True)
    assert result.verdict.passed, result.verdict.sentence
    numbers = result.numbers
    assert numbers["probe_hidden_test_accuracy"] > numbers["probe_raw_test_accuracy"] + 0.3
    assert numbers["gan_distance_end"] < numbers["gan_distance_start"]
    assert "Total params: 4,491" in result.outcome.notes[0]
    assert len(result.outcome.figures) == 2 and all(p.startswith(PNG) for p in result.outcome.figures.values())


def test_mode_coverage_and_distance_on_known_samples() -> None:
    rng = np.random.default_rng(0)
    real = foundations.ring_samples(4000, rng)
    assert foundations.mode_coverage(real) == (8, 1.0)
    one_mode = real[np.linalg.norm(real - foundations.ring_modes()[0], axis=1) < 0.5]
    assert foundations.mode_coverage(one_mode)[0] == 1
    noise = rng.normal(0, 0.1, (4000, 2))
    assert foundations.mode_coverage(noise) == (0, 0.0)
    other = foundations.ring_samples(4000, rng)
    assert foundations.sliced_wasserstein(real, other) < 0.05 < foundations.sliced_wasserstein(real, noise)


def test_judges_both_ways() -> None:
    cnn = {"test_accuracy": 0.84, "parameters": 6882, "filter_change": 0.9, "chance": 0.1}
    assert foundations.judge_deep_learning(cnn).passed
    failing = foundations.judge_deep_learning({**cnn, "test_accuracy": 0.5})
    assert not failing.passed and "0.500 test accuracy" in failing.sentence
    network = {
        "probe_raw_test_accuracy": 0.56,
        "probe_hidden_test_accuracy": 1.0,
        "gan_modes_covered": 8,
        "gan_distance_ratio": 0.1,
    }
    assert foundations.judge_neural_network(network).passed
    failing = foundations.judge_neural_network({**network, "gan_modes_covered": 3, "probe_raw_test_accuracy": 0.9})
    assert (
        not failing.passed and "only 3 of 8 modes" in failing.sentence and "already reached 0.900" in failing.sentence
    )
