from __future__ import annotations

import math

from shendu import lab
from shendu.lab.topics import optimization

_NAMES = ("GD", "Momentum", "Nesterov", "RMSprop", "Adam")


def _numbers(bowl: tuple[float, ...], rosen: tuple[float, ...]) -> dict[str, float]:
    numbers = {f"bowl_steps_{n}": s for n, s in zip(_NAMES, bowl)}
    numbers.update({f"rosenbrock_steps_{n}": s for n, s in zip(_NAMES, rosen)})
    numbers.update(
        {"tolerance": 1e-3, "bowl_budget": 1000, "rosenbrock_budget": 3000, "bowl_final_distance_RMSprop": 0.2}
    )
    return numbers


def test_quick_run_reproduces_the_claim() -> None:
    result = lab.run(8, seed=0, quick=True)
    assert result.verdict.passed, result.verdict.sentence
    assert set(result.outcome.figures) == {"trajectories", "distance"}
    assert all(math.isfinite(result.numbers[f"bowl_steps_{n}"]) for n in _NAMES)


def test_judge_passes_when_acceleration_helps() -> None:
    verdict = optimization.judge(_numbers((273, 95, 97, 8, 110), (math.inf, 509, 1620, math.inf, 731)))
    assert verdict.passed and "on the bowl GD 273, momentum 95" in verdict.sentence
    assert "on Rosenbrock GD over 3000" in verdict.sentence and "RMSprop ends 0.2 from" in verdict.sentence


def test_judge_fails_when_gd_is_fastest() -> None:
    verdict = optimization.judge(_numbers((90, 95, math.inf, 44, 110), (400, 509, 1620, 8000, 1220)))
    assert not verdict.passed
    assert (
        "Nesterov did not reach" in verdict.sentence and "Momentum needed 509 steps on Rosenbrock" in verdict.sentence
    )
