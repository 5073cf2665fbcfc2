from __future__ import annotations

import math

from shendu import lab
from shendu.lab.topics.regularization import judge

PNG = b"\x89PNG\r\n\x1a\n"


def test_dropout_and_batchnorm_quick() -> None:
    result = lab.run(15, seed=0, quick=True)
    assert len(result.outcome.figures) == 2
    assert all(png.startswith(PNG) for png in result.outcome.figures.values())
    assert result.numbers["dropout: gap with"] < result.numbers["dropout: gap without"]
    assert result.verdict.passed, result.verdict.sentence


NUMBERS = {
    "dropout: gap without": 0.2,
    "dropout: gap with": 0.14,
    "dropout: epochs to fit without": 20,
    "dropout: epochs to fit with": 40,
    "BN: steps to target without": 180,
    "BN: steps to target with": 60,
    "BN: steps to target without, high lr": math.inf,
    "BN: steps to target with, high lr": 60,
    "BN: target accuracy": 0.75,
    "BN: high learning rate": 0.3,
}


def test_judge_both_ways() -> None:
    assert judge(NUMBERS).passed
    assert judge({**NUMBERS, "dropout: epochs to fit with": math.inf}).passed
    assert not judge({**NUMBERS, "dropout: gap with": 0.25}).passed
    failed = judge({**NUMBERS, "dropout: epochs to fit with": 15})
    assert not failed.passed and "in 15 epochs" in failed.sentence
    assert not judge({**NUMBERS, "BN: steps to target with": 200}).passed
    failed = judge({**NUMBERS, "BN: steps to target without, high lr": 100})
    assert not failed.passed and "plain network in 100 steps" in failed.sentence
