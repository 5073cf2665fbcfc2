from __future__ import annotations

import numpy as np

import shendu
from shendu import lab, nn
from shendu.lab.topics import activations

PNG = b"\x89PNG\r\n\x1a\n"


def test_quick_run_collapses_the_linear_network_and_fits_the_others() -> None:
    result = lab.run(6, seed=0, quick=True)
    assert result.verdict.passed, result.verdict.sentence
    numbers = result.numbers
    assert numbers["collapse_max_error"] < 1e-4 and numbers["collapsed_weight_rank"] == 2
    assert numbers["sigmoid_max_derivative"] == 0.25 and numbers["tanh_max_derivative"] == 1.0
    assert len(result.outcome.figures) == 2 and all(p.startswith(PNG) for p in result.outcome.figures.values())


def test_collapse_reproduces_a_stack_of_linear_layers() -> None:
    model = activations.build(None)
    weight, bias = activations.collapse(model)
    x = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    with shendu.no_grad():
        expected = model(shendu.tensor(x)).numpy()
    np.testing.assert_allclose(x @ weight.T + bias, expected, rtol=1e-4, atol=1e-6)
    assert not any(isinstance(m, nn.ReLU) for m in model) and len(model) == activations.DEPTH + 1


def _numbers() -> dict[str, float]:
    return {
        "linear_accuracy": 0.69,
        "best_line_accuracy": 0.7,
        "collapse_max_error": 5e-7,
        "derivative_max_error": 0.0,
        "sigmoid_accuracy": 0.98,
        "tanh_accuracy": 1.0,
        "relu_accuracy": 1.0,
    }


def test_judge_both_ways() -> None:
    assert activations.judge(_numbers()).passed
    failing = activations.judge({**_numbers(), "linear_accuracy": 0.9, "sigmoid_accuracy": 0.8})
    assert not failing.passed
    assert (
        "without activations reached 0.900" in failing.sentence
        and "sigmoid network reached only 0.800" in failing.sentence
    )
    assert not activations.judge({**_numbers(), "collapse_max_error": 0.01}).passed
