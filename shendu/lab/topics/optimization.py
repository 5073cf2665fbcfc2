"""Question 8: gradient descent. GD, momentum, Nesterov, RMSprop and Adam on two 2-D functions."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import pairwise
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
    coordinate's step by the square root of a running average of its squared gradients (plus a small constant),
    so steep and flat directions get comparable steps, and Adam combines that scaling with momentum. Because the
    division undoes the gradient's size, an adaptive method's step need not shrink as the gradient does. Each
    method needs its own learning rate: here each uses the rate from a grid that first brings it within 1e-3 of
    the minimum soonest, on a quadratic bowl with condition number 50 and on the Rosenbrock function, and then
    runs for the whole budget to see whether it stays; RMSprop and Adam are also run at other rates.
    """,
    """
    普通梯度下降沿梯度的反方向前进，所有方向用同一个学习率。在又长又窄的山谷里，学习率必须小到适合陡峭方向，于是路径在
    山谷两壁之间来回折返，沿谷底却走得很慢。动量法累积过去的梯度：来回的折返相互抵消，而沿山谷方向一致的推动不断叠加
    ；Nesterov 的变体先向前看一步再修正。RMSprop 用每个坐标梯度平方的滑动平均的平方根（再加一个小常数）去除该坐标的步
    长，使陡峭方向和平坦方向的步长相当；Adam 把这种缩放和动量结合起来。由于这个除法抵消了梯度的大小，自适应方法的步长
    不一定随梯度一起变小。每种方法都需要自己的学习率：这里每种方法使用网格中能最快到达极小值 1e-3 以内的学习率，在条件
    数为 50 的二次碗和 Rosenbrock 函数上运行，并一直跑完整个预算，看它是否停留在极小值附近；RMSprop 和 Adam 还在其他
    学习率下各跑了一次。
    """,
)

_NAMES = ("GD", "Momentum", "Nesterov", "RMSprop", "Adam")
# The extra runs at other rates: RMSprop on the bowl (default budget only: at a lower rate it leaves the
# minimum only after quick mode's 1000 steps), and Adam on the Rosenbrock function.
_RMSPROP_RATES = {"lr0.01": 1e-2, "lr0.03": 3e-2, "lr0.1": 1e-1}
_RMSPROP_TAGS = tuple(_RMSPROP_RATES)
_ADAM_TAG, _ADAM_RATE = "lr0.03", 3e-2

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
            "Plain gradient descent, RMSprop and Adam reach within 1e-3 of the bowl's minimum within the budget too, "
            "so on the bowl all five methods arrive.",
            "普通梯度下降、RMSprop 和 Adam 也在预算内到达二次碗极小值的 1e-3 以内，所以在二次碗上五种方法都到达了。",
        ),
        tuple(Check(f"bowl_steps_{name}", "<=", "bowl_budget") for name in ("GD", "RMSprop", "Adam")),
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
        "rmsprop-does-not-settle",
        Text(
            "At a constant rate RMSprop does not settle on the bowl: at each of the rates 0.01, 0.03 and 0.1 it "
            "comes within 1e-3 of the minimum, yet after the whole budget it is more than 1e-3 away, and the "
            "farther the higher the rate.",
            "在恒定学习率下 RMSprop 在二次碗上停不住：学习率为 0.01、0.03 和 0.1 时，它都曾进入极小值 1e-3 以内，但跑"
            "完整个预算后都离极小值超过 1e-3，而且学习率越高离得越远。",
        ),
        (
            *(Check(f"bowl_steps_RMSprop_{tag}", "<=", "bowl_budget") for tag in _RMSPROP_TAGS),
            # the lowest rate's distance bounds the others', which the order below makes larger
            Check(f"bowl_final_distance_RMSprop_{_RMSPROP_TAGS[0]}", ">", 1e-3),
            *(
                Check(f"bowl_final_distance_RMSprop_{low}", "<", f"bowl_final_distance_RMSprop_{high}")
                for low, high in pairwise(_RMSPROP_TAGS)
            ),
        ),
    ),
    Claim(
        "adam-rate-decides",
        Text(
            "For Adam the rate decides whether it stays: on the Rosenbrock function the rate that arrives soonest "
            "(0.3) ends more than 1e-3 away, while 0.03 arrives later, within the budget, and ends within 1e-3.",
            "对 Adam 来说，学习率决定它能否停住：在 Rosenbrock 函数上，最快到达的学习率（0.3）最终离极小值超过 1e-3，"
            "而 0.03 到达得晚一些（在预算之内），最终停在 1e-3 以内。",
        ),
        (
            Check("rosenbrock_final_distance_Adam", ">", 1e-3),
            Check(f"rosenbrock_steps_Adam_{_ADAM_TAG}", ">", "rosenbrock_steps_Adam"),
            Check(f"rosenbrock_steps_Adam_{_ADAM_TAG}", "<=", "rosenbrock_budget"),
            Check(f"rosenbrock_final_distance_Adam_{_ADAM_TAG}", "<=", 1e-3),
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


def _run_labels(problem: str, name: str, key: str, rate: str = "") -> None:
    """Labels of one run's arrival and final distance; ``rate`` names a run at a rate other than the chosen one."""
    pen, pzh = _PROBLEM_NAMES[problem]
    at_en, at_zh = (f" at lr {rate}", f"，学习率 {rate}") if rate else ("", "")
    LABELS[f"{problem}_steps_{key}"] = Label(
        f"{pen}, {name}{at_en}: steps until first within 1e-3 (∞: never)",
        f"{pzh}，{name}{at_zh}：首次进入 1e-3 以内的步数（∞：未达到）",
    )
    LABELS[f"{problem}_final_distance_{key}"] = Label(
        f"{pen}, {name}{at_en}: distance to the minimum after the budget",
        f"{pzh}，{name}{at_zh}：预算结束时到极小值的距离",
        ".2g",
    )


for _problem, (_pen, _pzh) in _PROBLEM_NAMES.items():
    LABELS[f"{_problem}_budget"] = Label(f"{_pen}: steps in the budget", f"{_pzh}：预算步数")
    for _name in _NAMES:
        _run_labels(_problem, _name, _name)
for _tag, _rate in _RMSPROP_RATES.items():
    _run_labels("bowl", "RMSprop", f"RMSprop_{_tag}", f"{_rate:g}")
_run_labels("rosenbrock", "Adam", f"Adam_{_ADAM_TAG}", f"{_ADAM_RATE:g}")

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
    title: Text
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
        Text(f"quadratic bowl, condition number {_CONDITION:g}", f"条件数为 {_CONDITION:g} 的二次碗"),
        _bowl,
        (-4.0, 1.0),
        (0.0, 0.0),
        {"GD": 3e-2, "Momentum": 1e-2, "Nesterov": 1e-2, "RMSprop": 3e-1, "Adam": 1e-1},
        {True: 1000, False: 3000},
        (-4.5, 4.5, -1.5, 1.5),
    ),
    _Problem(
        "rosenbrock",
        Text("Rosenbrock function", "Rosenbrock 函数"),
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
    key="rosenbrock_steps_Momentum",
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
            Text("steps until first within 1e-3 (∞: never)", "首次进入 1e-3 以内的步数（∞：未达到）"),
            Text(f"distance after {budget} steps", f"{budget} 步后的距离"),
        ]
        runs = [(name, name, problem.lrs[name]) for name in _OPTIMIZERS]
        if problem.name == "bowl" and not quick:
            runs += [(f"RMSprop_{tag}", "RMSprop", lr) for tag, lr in _RMSPROP_RATES.items()]
        if problem.name == "rosenbrock":
            runs.append((f"Adam_{_ADAM_TAG}", "Adam", _ADAM_RATE))
        rows: list[list[Any]] = []
        for key, name, lr in runs:
            steps, final, path = _descend(problem, name, lr, budget)
            paths[problem.name][key] = path
            numbers[f"{problem.name}_steps_{key}"] = steps
            numbers[f"{problem.name}_final_distance_{key}"] = final
            rows.append([name, lr, steps, Text.same(f"{final:.1e}")])
        if full:
            header.append(Text("best rate on the grid (its steps)", "网格上的最佳学习率（其步数）"))
            for row in rows[: len(_OPTIMIZERS)]:
                steps, lr = _grid_search(problem, row[0], budget)
                row.append(Text.same(f"{lr:g} ({steps})"))
            for row in rows[len(_OPTIMIZERS) :]:
                row.append(Text("(another rate)", "（另一个学习率）"))
        title = Text(
            f"{problem.title.en}: steps to within {_TOLERANCE:g} of the minimum",
            f"{problem.title.zh}：到达极小值 {_TOLERANCE:g} 以内的步数",
        )
        tables.append(Table(title, header, rows))
    return Outcome(numbers, _figures(paths, numbers), tables)


_FLOOR = 1e-12


def _figures(paths: dict[str, dict[str, np.ndarray]], numbers: Mapping[str, Any]) -> dict[str, Figure]:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    for ax, problem in zip(axes, _PROBLEMS):
        x0, x1, y0, y1 = problem.view
        xs, ys = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
        values = problem.fn(tensor(np.stack([xs, ys]))).numpy()
        levels = np.logspace(-2, np.log10(values.max()), 25)
        ax.contour(xs, ys, values, levels=levels, colors="lightgrey", linewidths=0.7)
        for name in _OPTIMIZERS:
            # The way to the minimum, up to the first arrival; whether it stays shows in the distance plot.
            path = paths[problem.name][name]
            steps = numbers[f"{problem.name}_steps_{name}"]
            shown = path[: int(steps) + 1] if math.isfinite(steps) else path
            ax.plot(shown[:, 0], shown[:, 1], marker=".", markersize=2, linewidth=1, label=name)
        ax.plot(*problem.minimum, marker="*", color="black", markersize=12, linestyle="none")
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(f"{problem.title.en}: paths until they first arrive")
        ax.legend()
    trajectories = figure_png(fig)

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.4))
    for ax, problem in zip(axes, _PROBLEMS):
        for key, path in paths[problem.name].items():
            distance = np.linalg.norm(path - np.array(problem.minimum), axis=1)
            name, _, tag = key.partition("_")
            label = f"{name} at {tag.replace('lr', 'lr ')}" if tag else f"{name} (lr {problem.lrs[name]:g})"
            ax.semilogy(np.maximum(distance, _FLOOR), label=label, linestyle="--" if tag else "-")
        ax.axhline(_TOLERANCE, color="grey", linestyle=":")
        ax.set_xscale("symlog", linthresh=10)
        ax.set_xlim(left=0)
        ax.set_xlabel("step (log scale after 10)")
        ax.set_ylabel(f"distance to the minimum (below {_FLOOR:g} drawn at {_FLOOR:g})")
        ax.set_title(problem.title.en)
        ax.legend(fontsize=7.5, ncol=2)
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
                f"Distance to the minimum over the whole budget (log scales; distances below {_FLOOR:g} are drawn "
                f"at {_FLOOR:g}, the tables give the exact values; dotted: 1e-3). Dashed: the runs at other rates.",
                f"整个预算内到极小值的距离（对数刻度；小于 {_FLOOR:g} 的距离画在 {_FLOOR:g} 处，精确值见表格；点线"
                "：1e-3）。虚线：其他学习率下的运行。",
            ),
            figure_png(fig),
        ),
    }
