"""Question 8: gradient descent. GD, momentum, Nesterov, RMSprop and Adam on two 2-D functions."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ... import Tensor, nn, optim, tensor
from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot

__all__ = ["judge", "run"]

_CONDITION = 50.0
_TOLERANCE = 1e-3
_LR_GRID = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1)

_OPTIMIZERS: dict[str, Callable[[list[nn.Parameter], float], optim.Optimizer]] = {
    "GD": lambda params, lr: optim.SGD(params, lr=lr),
    "Momentum": lambda params, lr: optim.SGD(params, lr=lr, momentum=0.9),
    "Nesterov": lambda params, lr: optim.SGD(params, lr=lr, momentum=0.9, nesterov=True),
    "RMSprop": lambda params, lr: optim.RMSprop(params, lr=lr),
    "Adam": lambda params, lr: optim.Adam(params, lr=lr),
}


@dataclass(frozen=True)
class _Problem:
    name: str
    title: str
    fn: Callable[[Tensor], Tensor]
    start: tuple[float, float]
    minimum: tuple[float, float]
    # Each optimizer's learning rate: the one on _LR_GRID that first arrives soonest (full mode re-runs
    # that search). Every run then goes on for its whole budget, to see whether it stays.
    lrs: dict[str, float]
    budget: dict[bool, int]
    view: tuple[float, float, float, float]


def _bowl(p: Tensor) -> Tensor:
    return 0.5 * (p[0] ** 2 + _CONDITION * p[1] ** 2)


def _rosenbrock(p: Tensor) -> Tensor:
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


_PROBLEMS = (
    _Problem(
        "bowl",
        f"quadratic bowl, condition number {_CONDITION:g}",
        _bowl,
        (-4.0, 1.0),
        (0.0, 0.0),
        {"GD": 3e-2, "Momentum": 1e-2, "Nesterov": 1e-2, "RMSprop": 3e-1, "Adam": 1e-1},
        {True: 1000, False: 3000},
        (-4.5, 4.5, -1.5, 1.5),
    ),
    _Problem(
        "rosenbrock",
        "Rosenbrock function",
        _rosenbrock,
        (-1.2, 1.0),
        (1.0, 1.0),
        {"GD": 1e-3, "Momentum": 3e-3, "Nesterov": 1e-3, "RMSprop": 1e-3, "Adam": 3e-1},
        # Quick mode stops GD and RMSprop before they arrive; the others arrive well within it.
        {True: 3000, False: 20000},
        (-2.0, 2.0, -1.0, 3.0),
    ),
)


def _descend(
    problem: _Problem, name: str, lr: float, budget: int, stop_on_arrival: bool = False
) -> tuple[float, float, np.ndarray]:
    """Run one optimizer for ``budget`` steps from the start point.

    Returns the step at which the point first came within _TOLERANCE of the minimum (inf if it never
    did), its distance from the minimum after the last step, and the path.
    """
    # Through NumPy, because shendu.tensor(list_of_floats, dtype=float64) rounds through float32 first.
    point = nn.Parameter(tensor(np.array(problem.start, dtype=np.float64)))
    optimizer = _OPTIMIZERS[name]([point], lr)
    path = [problem.start]
    arrival = math.inf
    for step in range(budget + 1):
        position = point.tolist()
        if step:
            path.append(tuple(position))
        distance = math.dist(position, problem.minimum)
        if distance < _TOLERANCE and math.isinf(arrival):
            arrival = step
            if stop_on_arrival:
                break
        if not math.isfinite(distance) or distance > 1e3 or step == budget:
            break
        optimizer.zero_grad()
        problem.fn(point).backward()
        optimizer.step()
    return arrival, distance, np.array(path)


def _grid_search(problem: _Problem, name: str, budget: int) -> tuple[float, float]:
    best = (math.inf, math.nan)
    for lr in _LR_GRID:
        # A rate that cannot beat the best so far need not run past it.
        cap = int(best[0]) if math.isfinite(best[0]) else budget
        steps, _, _ = _descend(problem, name, lr, cap, stop_on_arrival=True)
        if steps < best[0]:
            best = (steps, lr)
    return best


def run(seed: int, quick: bool, full: bool) -> Outcome:
    # The functions and starting points are fixed, so nothing here depends on the seed.
    numbers: dict[str, Any] = {"tolerance": _TOLERANCE}
    paths: dict[str, dict[str, np.ndarray]] = {}
    tables: dict[str, list[list[Any]]] = {}
    for problem in _PROBLEMS:
        budget = problem.budget[quick]
        numbers[f"{problem.name}_budget"] = budget
        paths[problem.name] = {}
        header = ["optimizer", "learning rate", "steps to the minimum", f"distance after {budget} steps"]
        rows: list[list[Any]] = [header]
        for name in _OPTIMIZERS:
            lr = problem.lrs[name]
            steps, final, path = _descend(problem, name, lr, budget)
            paths[problem.name][name] = path
            numbers[f"{problem.name}_steps_{name}"] = steps
            numbers[f"{problem.name}_final_distance_{name}"] = final
            rows.append([name, lr, steps, f"{final:.1e}"])
        if full:
            rows[0].append("best lr on the grid (its steps)")
            for row in rows[1:]:
                steps, lr = _grid_search(problem, row[0], budget)
                row.append(f"{lr:g} ({steps})")
        tables[f"{problem.name}: steps to within {_TOLERANCE:g} of the minimum"] = rows
    return Outcome(numbers, _figures(paths, numbers), tables)


def _figures(paths: dict[str, dict[str, np.ndarray]], numbers: Mapping[str, Any]) -> dict[str, bytes]:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    for ax, problem in zip(axes, _PROBLEMS):
        x0, x1, y0, y1 = problem.view
        xs, ys = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
        values = problem.fn(tensor(np.stack([xs, ys]))).numpy()
        levels = np.logspace(-2, np.log10(values.max()), 25)
        ax.contour(xs, ys, values, levels=levels, colors="lightgrey", linewidths=0.7)
        for name, path in paths[problem.name].items():
            # The way to the minimum, up to the first arrival; whether it stays shows in the distance plot.
            steps = numbers[f"{problem.name}_steps_{name}"]
            shown = path[: int(steps) + 1] if math.isfinite(steps) else path
            ax.plot(shown[:, 0], shown[:, 1], marker=".", markersize=2, linewidth=1, label=name)
        ax.plot(*problem.minimum, marker="*", color="black", markersize=12, linestyle="none")
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_title(f"{problem.title}: paths until they first arrive")
        ax.legend(fontsize=8)
    trajectories = figure_png(fig)

    fig, axes = plt.subplots(1, 2, figsize=(13, 4))
    for ax, problem in zip(axes, _PROBLEMS):
        for name, path in paths[problem.name].items():
            distance = np.linalg.norm(path - np.array(problem.minimum), axis=1)
            ax.semilogy(np.maximum(distance, 1e-12), label=name)
        ax.axhline(_TOLERANCE, color="grey", linestyle=":")
        ax.set_xscale("symlog", linthresh=10)
        ax.set_xlim(left=0)
        ax.set_xlabel("step")
        ax.set_ylabel("distance to the minimum")
        ax.set_title(problem.title)
        ax.legend(fontsize=8)
    return {"trajectories": trajectories, "distance": figure_png(fig)}


def _steps(numbers: Mapping[str, Any], problem: str, name: str) -> str:
    steps = numbers[f"{problem}_steps_{name}"]
    return f"{steps}" if math.isfinite(steps) else f"over {numbers[f'{problem}_budget']}"


def judge(numbers: Mapping[str, Any]) -> Verdict:
    bowl = {name: numbers[f"bowl_steps_{name}"] for name in _OPTIMIZERS}
    rosen = {name: numbers[f"rosenbrock_steps_{name}"] for name in _OPTIMIZERS}
    checks = [(math.isfinite(steps), f"{name} did not reach the bowl's minimum") for name, steps in bowl.items()]
    checks += [
        (bowl[name] < bowl["GD"], f"{name} needed {bowl[name]} steps on the bowl, GD {bowl['GD']}")
        for name in ("Momentum", "Nesterov")
    ]
    checks += [
        (rosen[name] < rosen["GD"], f"{name} needed {rosen[name]} steps on Rosenbrock, GD {rosen['GD']}")
        for name in ("Momentum", "Nesterov", "Adam")
    ]
    b, r = (lambda name: _steps(numbers, "bowl", name)), (lambda name: _steps(numbers, "rosenbrock", name))
    return all_of(
        checks,
        f"Steps to within {numbers['tolerance']:g} of the minimum: on the bowl GD {b('GD')}, momentum "
        f"{b('Momentum')}, Nesterov {b('Nesterov')}, RMSprop {b('RMSprop')}, Adam {b('Adam')}; on Rosenbrock GD "
        f"{r('GD')}, momentum {r('Momentum')}, Nesterov {r('Nesterov')}, RMSprop {r('RMSprop')}, Adam {r('Adam')} "
        f"(constant-rate RMSprop ends {numbers['bowl_final_distance_RMSprop']:.2g} from the bowl's minimum).",
    )


experiment(
    8,
    "gradient-descent",
    question="How do gradient descent and its variants (momentum, Nesterov, RMSprop, Adam) behave?",
    answer="""
    Plain gradient descent steps against the gradient with one learning rate for every direction. In a
    long narrow valley the rate must be small enough for the steep direction, so the walk zigzags across
    the valley and crawls along it. Momentum keeps a running sum of past gradients: the zigzag cancels
    out while the consistent push along the valley adds up, and Nesterov's variant looks ahead before it
    corrects, which damps overshoot. RMSprop divides each coordinate's step by a running average of its
    squared gradients, so steep and flat directions get comparable steps, and Adam combines that
    scaling with momentum. None is free of tuning: each needs its own learning rate. And with a constant
    rate the adaptive methods may arrive fast but not stay: once the gradients become tiny, RMSprop's
    running average shrinks with them, so its steps stop shrinking and it ends up circling the minimum,
    which is why such rates are usually decayed.
    """,
    judge=judge,
)(run)
