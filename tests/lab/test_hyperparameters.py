from __future__ import annotations

import math

from shendu import lab
from shendu.lab.topics.hyperparameters import judge_learning_rate, judge_search

PNG = b"\x89PNG\r\n\x1a\n"


def _ran(number: int) -> lab.Result:
    result = lab.run(number, seed=0, quick=True)
    assert result.numbers and result.outcome.figures
    assert all(png.startswith(PNG) for png in result.outcome.figures.values())
    return result


def test_random_search_quick() -> None:
    result = _ran(13)
    table = result.outcome.tables["fold scores (sorted by mean)"]
    assert len(table) == result.numbers["trials"] + 1 and table[1][-1] == "chosen"
    assert len(table[0]) == result.numbers["folds"] + 6
    assert result.verdict.passed, result.verdict.sentence


def test_learning_rate_quick() -> None:
    result = _ran(14)
    assert result.numbers["range test: steepest-descent rate"] < result.numbers["range test: blow-up rate"]
    assert result.verdict.passed, result.verdict.sentence


SEARCH = {
    "trials": 5,
    "folds": 3,
    "chosen learning rate": 0.05,
    "chosen hidden size": 64,
    "chosen CV accuracy (mean)": 0.95,
    "worst CV accuracy (mean)": 0.11,
    "chosen test accuracy": 0.96,
}


def test_judge_search_both_ways() -> None:
    assert judge_search(SEARCH).passed
    assert "0.950" in judge_search(SEARCH).sentence
    assert not judge_search({**SEARCH, "worst CV accuracy (mean)": 0.9}).passed
    failed = judge_search({**SEARCH, "chosen test accuracy": 0.85})
    assert not failed.passed and "held-out test gave 0.850" in failed.sentence


LR = {
    "low rate": 1e-3,
    "good rate": 0.3,
    "high rate": 10.0,
    "steps": 180,
    "initial loss": 2.31,
    "low-rate final loss": 2.29,
    "good-rate final loss": 0.2,
    "high-rate final loss": 2.4,
    "high-rate peak loss": 840.0,
    "high-rate diverged (NaN)": False,
    "good-rate train accuracy": 0.95,
}


def test_judge_learning_rate_both_ways() -> None:
    assert judge_learning_rate(LR).passed
    assert judge_learning_rate({**LR, "high-rate final loss": math.nan, "high-rate diverged (NaN)": True}).passed
    assert not judge_learning_rate({**LR, "low-rate final loss": 0.3}).passed
    assert not judge_learning_rate({**LR, "high-rate final loss": 0.5}).passed
    failed = judge_learning_rate({**LR, "good-rate final loss": 1.5})
    assert not failed.passed and "good rate ended at loss 1.500" in failed.sentence
