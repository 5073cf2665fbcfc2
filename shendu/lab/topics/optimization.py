"""Question 8: gradient descent. GD, momentum, Nesterov, RMSprop and Adam on two 2-D functions."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ... import Tensor, nn, optim, tensor
from ..core import Check, Claim, Figure, Label, Outcome, Table, Text, experiment, figure_png, pyplot

__all__ = ["run"]

QUESTION = Text(
    "How do gradient descent and its variants (momentum, Nesterov, RMSprop, Adam) behave?",
    "梯度下降及其变体（动量、Nesterov、RMSprop、Adam）表现如何？",
)

EXPLANATION = Text.prose(
    """
    Plain gradient descent steps against the gradient with one learning rate for every direction. In a long
    narrow valley the rate must be small enough for the steep direction, so the walk zigzags across the valley
    and crawls along it. Momentum keeps a running sum of past gradients: the zigzag cancels while the consistent
    push along the valley adds up, and Nesterov's variant looks ahead before it corrects. RMSprop divides each
    coordinate's step by a running average of its squared gradients, so steep and flat directions get comparable
    steps, and Adam combines that scaling with momentum. Each needs its own learning rate: here each uses the
    rate from a grid that first brings it within 1e-3 of the minimum soonest, on a quadratic bowl with condition
    number 50 and on the Rosenbrock function, and then runs for the whole budget to see whether it stays.
    """,
    """
    普通梯度下降沿梯度的反方向前进，所有方向用同一个学习率。在又长又窄的山谷里，学习率必须小到适合陡峭方向，于是路径在
    山谷两壁之间来回折返，沿谷底却走得很慢。动量法累积过去的梯度：来回的折返相互抵消，而沿山谷方向一致的推动不断叠加
    ；Nesterov 的变体先向前看一步再修正。RMSprop 用每个坐标梯度平方的滑动平均去除该坐标的步长，使陡峭方向和平坦方向的
    步长相当；Adam 把这种缩放和动量结合起来。每种方法都需要自己的学习率：这里每种方法使用网格中能最快到达极小
    值 1e-3 以内的学习率，在条件数为 50 的二次碗和 Rosenbrock 函数上运行，并一直跑完整个预算，看它是否停留在极小值附近
    。
    """,
)

_NAMES = ("GD", "Momentum", "Nesterov", "RMSprop", "Adam")

CLAIMS = (
    Claim(
        "momentum-faster-on-bowl",
        Text(
            "On the narrow bowl, momentum and Nesterov come within 1e-3 of the minimum in fewer steps than plain "
            "gradient descent.",
            "在狭窄的二次碗上，动量法和 Nesterov 比普通梯度下降用更少的步数到达极小值 1e-3 以内。",
        ),
        (
            Check("bowl_steps_Momentum", "<", "bowl_steps_GD"),
            Check("bowl_steps_Nesterov", "<", "bowl_steps_GD"),
        ),
    ),
    Claim(
        "all-arrive-on-bowl",
        Text(
            "Plain gradient descent and Adam reach within 1e-3 of the bowl's minimum within the budget too, so on the "
            "bowl all five methods arrive.",
            "普通梯度下降和 Adam 也在预算内到达二次碗极小值的 1e-3 以内，所以在二次碗上五种方法都到达了。",
        ),
        (Check("bowl_steps_GD", "<=", "bowl_budget"), Check("bowl_steps_Adam", "<=", "bowl_budget")),
    ),
    Claim(
        "faster-on-rosenbrock",
        Text(
            "On the Rosenbrock function, momentum, Nesterov and Adam arrive in fewer steps than plain gradient "
            "descent.",
            "在 Rosenbrock 函数上，动量法、Nesterov 和 Adam 都比普通梯度下降用更少的步数到达。",
        ),
        tuple(
            Check(f"rosenbrock_steps_{name}", "<", "rosenbrock_steps_GD") for name in ("Momentum", "Nesterov", "Adam")
        ),
    ),
    Claim(
        "adaptive-arrive-not-stay",
        Text(
            "With a constant learning rate the adaptive methods arrive but do not stay: RMSprop reaches the bowl's "
            "minimum and Adam Rosenbrock's, yet after the whole budget each is more than 1e-3 away, circling it.",
            "在恒定学习率下，自适应方法能到达却停不住：RMSprop 到达了二次碗的极小值，Adam 到达了 Rosenbrock 的极小值，"
            "但跑完整个预算后，两者都离极小值超过 1e-3，在它周围打转。",
        ),
        (
            Check("bowl_steps_RMSprop", "<=", "bowl_budget"),
            Check("bowl_final_distance_RMSprop", ">", 1e-3),
            Check("rosenbrock_steps_Adam", "<=", "rosenbrock_budget"),
            Check("rosenbrock_final_distance_Adam", ">", 1e-3),
        ),
    ),
    Claim(
        "momentum-stays",
        Text(
            "Momentum and Nesterov stay: after the whole budget they are within 1e-3 of the minimum on both functions.",
            "动量法和 Nesterov 能停住：跑完整个预算后，它们在两个函数上都在极小值的 1e-3 以内。",
        ),
        tuple(
            Check(f"{problem}_final_distance_{name}", "<=", 1e-3)
            for problem in ("bowl", "rosenbrock")
            for name in ("Momentum", "Nesterov")
        ),
    ),
)

_PROBLEM_NAMES = {"bowl": ("bowl", "二次碗"), "rosenbrock": ("Rosenbrock", "Rosenbrock")}
LABELS: dict[str, Label] = {"tolerance": Label("distance that counts as arrived", "算作到达的距离", ".0e")}
for _problem, (_pen, _pzh) in _PROBLEM_NAMES.items():
    LABELS[f"{_problem}_budget"] = Label(f"{_pen}: steps in the budget", f"{_pzh}：预算步数")
    for _name in _NAMES:
        LABELS[f"{_problem}_steps_{_name}"] = Label(
            f"{_pen}, {_name}: steps until first within 1e-3 (∞: never)",
            f"{_pzh}，{_name}：首次进入 1e-3 以内的步数（∞：未达到）",
        )
        LABELS[f"{_problem}_final_distance_{_name}"] = Label(
            f"{_pen}, {_name}: distance to the minimum after the budget",
            f"{_pzh}，{_name}：预算结束时到极小值的距离",
            ".2g",
        )

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


@experiment(
    8,
    "gradient-descent",
    question=QUESTION,
    explanation=EXPLANATION,
    claims=CLAIMS,
    labels=LABELS,
    key="rosenbrock_steps_Adam",
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    # The functions and starting points are fixed, so nothing here depends on the seed.
    numbers: dict[str, Any] = {"tolerance": _TOLERANCE}
    paths: dict[str, dict[str, np.ndarray]] = {}
    tables: list[Table] = []
    for problem in _PROBLEMS:
        budget = problem.budget[quick]
        numbers[f"{problem.name}_budget"] = budget
        paths[problem.name] = {}
        header = [
            Text("optimizer", "优化器"),
            Text("learning rate", "学习率"),
            Text("steps until first within 1e-3", "首次进入 1e-3 以内的步数"),
            Text(f"distance after {budget} steps", f"{budget} 步后的距离"),
        ]
        rows: list[list[Any]] = []
        for name in _OPTIMIZERS:
            lr = problem.lrs[name]
            steps, final, path = _descend(problem, name, lr, budget)
            paths[problem.name][name] = path
            numbers[f"{problem.name}_steps_{name}"] = steps
            numbers[f"{problem.name}_final_distance_{name}"] = final
            rows.append([name, lr, steps, Text.same(f"{final:.1e}")])
        if full:
            header.append(Text("best rate on the grid (its steps)", "网格上的最佳学习率（其步数）"))
            for row in rows:
                steps, lr = _grid_search(problem, row[0], budget)
                row.append(Text.same(f"{lr:g} ({steps})"))
        title = Text(
            f"{problem.title}: steps to within {_TOLERANCE:g} of the minimum",
            f"{_PROBLEM_NAMES[problem.name][1]}：到达极小值 {_TOLERANCE:g} 以内的步数",
        )
        tables.append(Table(title, header, rows))
    return Outcome(numbers, _figures(paths, numbers), tables)


def _figures(paths: dict[str, dict[str, np.ndarray]], numbers: Mapping[str, Any]) -> dict[str, Figure]:
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
        ax.legend()
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
        ax.legend()
    return {
        "trajectories": Figure(
            Text(
                "Each optimizer's path until it first comes within 1e-3 of the minimum (star).",
                "每个优化器首次进入极小值（星号）1e-3 以内之前的路径。",
            ),
            trajectories,
        ),
        "distance": Figure(
            Text(
                "Distance to the minimum over the whole budget (log scales): who stays and who circles.",
                "整个预算内到极小值的距离（对数刻度）：谁停住了，谁在打转。",
            ),
            figure_png(fig),
        ),
    }
