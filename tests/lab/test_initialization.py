from __future__ import annotations

from shendu import lab
from shendu.lab.topics.initialization import judge

PNG = b"\x89PNG\r\n\x1a\n"


def test_initialization_quick() -> None:
    result = lab.run(18, seed=0, quick=True)
    assert len(result.outcome.figures) == 4
    assert all(png.startswith(PNG) for png in result.outcome.figures.values())
    numbers = result.numbers
    assert numbers["zeros: activation std, last layer"] == 0.0
    assert numbers["large normal (std 1): gradient std, first / last layer"] > 100
    assert result.verdict.passed, result.verdict.sentence


NUMBERS = {
    "zeros: distinct units per layer after training (max)": 1,
    "small normal (std 0.01): activation std, last / first layer": 7.8e-8,
    "large normal (std 1): saturated fraction (|a| > 0.99)": 0.86,
    "Xavier + tanh: activation std, last / first layer": 0.47,
    "He + ReLU: activation std, last / first layer": 1.2,
    "Xavier + tanh: test accuracy": 0.78,
    "He + ReLU: test accuracy": 0.74,
    "zeros: test accuracy": 0.1,
    "small normal (std 0.01): test accuracy": 0.1,
    "training steps": 100,
}


def test_judge_both_ways() -> None:
    assert judge(NUMBERS).passed
    failed = judge({**NUMBERS, "zeros: distinct units per layer after training (max)": 256})
    assert not failed.passed and "256 distinct units" in failed.sentence
    assert not judge({**NUMBERS, "small normal (std 0.01): activation std, last / first layer": 0.1}).passed
    assert not judge({**NUMBERS, "large normal (std 1): saturated fraction (|a| > 0.99)": 0.3}).passed
    assert not judge({**NUMBERS, "He + ReLU: activation std, last / first layer": 40.0}).passed
    assert not judge({**NUMBERS, "Xavier + tanh: test accuracy": 0.2}).passed
