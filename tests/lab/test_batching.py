from __future__ import annotations

from shendu import lab
from shendu.lab.topics.batching import judge

PNG = b"\x89PNG\r\n\x1a\n"


def test_batch_sizes_quick() -> None:
    result = lab.run(16, seed=0, quick=True)
    assert len(result.outcome.figures) == 2
    assert all(png.startswith(PNG) for png in result.outcome.figures.values())
    numbers = result.numbers
    assert numbers["samples per second, batch 256"] > numbers["samples per second, batch 1"]
    assert result.verdict.passed, result.verdict.sentence


def _numbers(epoch: list[float], update: list[float], timed: list[float], slope: float = -1.0) -> dict:
    numbers = {"epoch budget": 8, "update budget": 200, "time budget (s)": 3.0, "noise variance slope (log-log)": slope}
    for i, size in enumerate(("1", "32", "256", "full")):
        numbers[f"loss after the epoch budget, batch {size}"] = epoch[i]
        numbers[f"loss after the update budget, batch {size}"] = update[i]
        numbers[f"loss after the time budget, batch {size}"] = timed[i]
    return numbers


GOOD = ([0.5, 0.15, 1.1, 2.2], [1.5, 0.22, 0.21, 0.2], [0.5, 0.01, 0.02, 0.08])


def test_judge_both_ways() -> None:
    assert judge(_numbers(*GOOD)).passed
    assert not judge(_numbers(*GOOD, slope=-0.5)).passed
    assert not judge(_numbers([2.3, 0.15, 1.1, 2.2], *GOOD[1:])).passed
    assert not judge(_numbers(GOOD[0], [1.5, 0.2, 0.21, 0.22], GOOD[2])).passed
    failed = judge(_numbers(*GOOD[:2], [0.5, 0.1, 0.2, 0.08]))
    assert not failed.passed and "batch full did best" in failed.sentence
