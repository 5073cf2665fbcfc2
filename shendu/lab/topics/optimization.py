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
    # Each optimizer's fastest learning rate on _LR_GRID (full mode re-runs that search).
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
        {"GD": 3e-2, "Momentum": 1e-2, "Nesterov": 1e-2, "RMSprop": 1e-1, "Adam": 1e-1},
        {True: 2000, False: 5000},
        (-4.5, 4.5, -1.5, 1.5),
    ),
    _Problem(
        "rosenbrock",
        "Rosenbrock function",
        _rosenbrock,
        (-1.2, 1.0),
        (1.0, 1.0),
        {"GD": 1e-3, "Momentum": 3e-3, "Nesterov": 1e-3, "RMSprop": 1e-3, "Adam": 1e-1},
        # Quick mode stops GD and RMSprop before they arrive; the others arrive well within it.
        {True: 3000, False: 30000},
        (-2.0, 2.0, -1.0, 3.0),
    ),
)


def _descend(problem: _Problem, name: str, lr: float, budget: int) -> tuple[float, np.ndarray]:
    """Steps until the point is within _TOLERANCE of the minimum (inf if not within budget), and the path."""
    # Through NumPy, because shendu.tensor(list_of_floats, dtype=float64) rounds through float32 first.
    point = nn.Parameter(tensor(np.array(problem.start, dtype=np.float64)))
    optimizer = _OPTIMIZERS[name]([point], lr)
    path = [problem.start]
    for step in range(budget + 1):
        position = point.tolist()
        if step:
            path.append(tuple(position))
        distance = math.dist(position, problem.minimum)
        if distance < _TOLERANCE:
            return step, np.array(path)
        if not math.isfinite(distance) or distance > 1e3:
            break
        if step == budget:
            break
        optimizer.zero_grad()
        problem.fn(point).backward()
        optimizer.step()
    return math.inf, np.array(path)


def _grid_search(problem: _Problem, name: str, budget: int) -> tuple[float, float]:
    best = (math.inf, math.nan)
    for lr in _LR_GRID:
        steps, _ = _descend(problem, name, lr, min(budget, int(best[0]) if math.isfinite(best[0]) else budget))
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
        rows: list[list[Any]] = [["optimizer", "learning rate", "steps to the minimum"]]
        for name in _OPTIMIZERS:
            lr = problem.lrs[name]
            steps, path = _descend(problem, name, lr, budget)
            paths[problem.name][name] = path
            numbers[f"{problem.name}_steps_{name}"] = steps
            rows.append([name, lr, steps])
        if full:
            rows[0].append("best lr on the grid (its steps)")
            for row in rows[1:]:
                steps, lr = _grid_search(problem, row[0], budget)
                row.append(f"{lr:g} ({steps})")
        tables[f"{problem.name}: steps to within {_TOLERANCE:g} of the minimum"] = rows
    return Outcome(numbers, _figures(paths), tables)


def _figures(paths: dict[str, dict[str, np.ndarray]]) -> dict[str, bytes]:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    for ax, problem in zip(axes, _PROBLEMS):
        x0, x1, y0, y1 = problem.view
        xs, ys = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
        values = problem.fn(tensor(np.stack([xs, ys]))).numpy()
        levels = np.logspace(-2, np.log10(values.max()), 25)
        ax.contour(xs, ys, values, levels=levels, colors="lightgrey", linewidths=0.7)
        for name, path in paths[problem.name].items():
            ax.plot(path[:, 0], path[:, 1], marker=".", markersize=2, linewidth=1, label=name)
        ax.plot(*problem.minimum, marker="*", color="black", markersize=12, linestyle="none")
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_title(problem.title)
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
    return all_of(
        checks,
        f"On the bowl GD needed {bowl['GD']} steps against {bowl['Momentum']} (momentum) and "
        f"{bowl['Nesterov']} (Nesterov); on Rosenbrock GD needed {rosen['GD']} against {rosen['Momentum']}, "
        f"{rosen['Nesterov']} and {rosen['Adam']} (Adam).",
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
    scaling with momentum. On curved valleys such as Rosenbrock's, none is free of tuning: each needs
    its own learning rate.
    """,
    judge=judge,
)(run)
