from __future__ import annotations

from itertools import pairwise

from shendu import lab
from shendu.lab.topics.capacity import judge

PNG = b"\x89PNG\r\n\x1a\n"


def test_overfitting_underfitting_quick() -> None:
    result = lab.run(17, seed=0, quick=True)
    assert len(result.outcome.figures) == 4
    assert all(png.startswith(PNG) for png in result.outcome.figures.values())
    rows = result.outcome.tables["mean squared error by polynomial degree"]
    assert len(rows) == 17
    train_errors = [row[1] for row in rows[1:]]
    assert all(b <= a * 1.001 for a, b in pairwise(train_errors))
    numbers = result.numbers
    assert numbers["early stopping: stopped at epoch"] - numbers["early stopping: best epoch"] > numbers["patience"]
    assert result.verdict.passed, result.verdict.sentence


NUMBERS = {
    "lowest degree": 0,
    "highest degree": 15,
    "best validation error": 0.1,
    "train error, lowest degree": 0.7,
    "validation error, lowest degree": 0.96,
    "train error at the best degree": 0.023,
    "train error, highest degree": 0.012,
    "validation error, highest degree": 750.0,
    "CV-chosen degree": 3,
    "test error at the CV-chosen degree": 0.117,
    "best test error over degrees": 0.117,
    "CV-test rank correlation": 0.86,
    "early stopping: best epoch": 148,
    "early stopping: stopped at epoch": 299,
    "early stopping: test error": 0.12,
    "epoch budget": 2000,
    "no early stopping: final test error": 0.18,
    "test error at the stopping epoch": 0.12,
    "lowest test error over epochs": 0.119,
}


def test_judge_both_ways() -> None:
    assert judge(NUMBERS).passed
    assert not judge({**NUMBERS, "validation error, lowest degree": 0.15}).passed
    assert not judge({**NUMBERS, "validation error, highest degree": 0.12}).passed
    assert not judge({**NUMBERS, "test error at the CV-chosen degree": 0.3}).passed
    assert not judge({**NUMBERS, "CV-test rank correlation": 0.2}).passed
    failed = judge({**NUMBERS, "early stopping: test error": 0.2})
    assert not failed.passed and "Early stopping gave test error 0.200" in failed.sentence
