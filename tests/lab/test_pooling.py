from __future__ import annotations

from typing import Any

import shendu
from shendu import lab
from shendu.lab.topics.pooling import judge, shift


def _numbers(**changes: Any) -> dict[str, Any]:
    numbers: dict[str, Any] = {}
    for kind, flip in (("max", 0.12), ("avg", 0.13), ("strided", 0.18)):
        numbers.update(
            {
                f"{kind}_clean_acc": 0.8,
                f"{kind}_flip_1px": flip - 0.05,
                f"{kind}_flip_2px": flip + 0.05,
                f"{kind}_flip_mean": flip,
            }
        )
    numbers.update(changes)
    return numbers


def test_shift_moves_pixels_and_fills_zeros() -> None:
    image = shendu.arange(9.0).view(1, 1, 3, 3)
    moved = shift(image, 1, 0)
    assert moved[0, 0].tolist() == [[0.0, 0.0, 1.0], [0.0, 3.0, 4.0], [0.0, 6.0, 7.0]]
    assert shift(image, 0, -1)[0, 0].tolist() == [[3.0, 4.0, 5.0], [6.0, 7.0, 8.0], [0.0, 0.0, 0.0]]


def test_pooling_quick_run() -> None:
    result = lab.run("pooling", seed=0, quick=True)
    numbers = result.numbers
    for kind in ("max", "avg", "strided"):
        assert 0.0 <= numbers[f"{kind}_flip_2px"] <= 1.0 and numbers[f"{kind}_clean_acc"] > 0.5
    assert result.verdict.passed, result.verdict.sentence
    assert set(result.outcome.figures) == {"translation", "shifts"}


def test_pooling_judge_both_ways() -> None:
    assert judge(_numbers()).passed
    worse = judge(_numbers(avg_flip_mean=0.2))
    assert not worse.passed and "Average pooling changed 20.0%" in worse.sentence
