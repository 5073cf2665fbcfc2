"""Question 3: what a single-layer perceptron cannot learn, and a multilayer perceptron can."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import Tensor, manual_seed, nn, optim
from ...nn import functional as F
from ...train import Callback, Trainer
from ..core import Check, Claim, Figure, Label, Outcome, Text, experiment, figure_png, pyplot
from ._data import loader, spirals, xor
from ._planar import best_line_accuracy, draw_boundary
from ._training import labels_of, train

__all__ = ["Pocket", "perceptron_criterion", "run"]

QUESTION = Text(
    "What is the difference between a perceptron and a multilayer perceptron?",
    "感知机和多层感知机有什么区别？",
)

EXPLANATION = Text.prose(
    """
    A perceptron is one layer of weights: it computes one weighted sum of the inputs per class and picks the
    largest, so the border between two classes is a straight line (a hyperplane in more dimensions). A
    multilayer perceptron puts hidden layers with a nonlinear activation between input and output; each hidden
    unit draws its own line and the next layer combines them, so the border can bend. Here both see the same
    points of two problems whose classes no line separates: XOR and two interleaved spirals. The perceptron
    learns by Rosenblatt's rule and keeps the best weights it ever held (the pocket algorithm); the best
    straight line is found by exhaustive search over directions and offsets.
    """,
    """
    感知机只有一层权重：它为每个类别计算一个输入的加权和，取最大的那个，所以两类之间的边界是一条直线（高维时是超平面）
    。多层感知机在输入和输出之间加入带非线性激活函数的隐藏层；每个隐藏单元画出自己的一条直线，下一层再把它们组合起来，
    于是边界可以弯曲。这里两者看到同样两个问题的同样的点，这两个问题的类别都不能用一条直线分开：XOR 和两条交错的螺旋线
    。感知机用 Rosenblatt 规则学习，并保留它出现过的最好权重（口袋算法）；最好的直线通过对方向和偏移的穷举搜索得到。
    """,
)

CLAIMS = (
    Claim(
        "no-line",
        Text(
            "No straight line classifies more than 80% of the training points correctly, on XOR or on the spirals.",
            "无论是 XOR 还是螺旋线，没有任何一条直线能正确分类超过 80% 的训练点。",
        ),
        (Check("xor_best_line_accuracy", "<=", 0.8), Check("spirals_best_line_accuracy", "<=", 0.8)),
    ),
    Claim(
        "perceptron-is-a-line",
        Text(
            "The perceptron does no better than that best line (within 0.01) on either problem.",
            "在两个问题上，感知机都不比这条最好的直线更好（相差在 0.01 以内）。",
        ),
        (
            Check("xor_perceptron_accuracy", "<=", "xor_best_line_plus_tolerance"),
            Check("spirals_perceptron_accuracy", "<=", "spirals_best_line_plus_tolerance"),
        ),
    ),
    Claim(
        "mlp-fits",
        Text(
            "The MLP 2-64-64-2 classifies at least 99% of the training points and at least 95% of fresh points "
            "correctly on both problems.",
            "在两个问题上，2-64-64-2 的 MLP 都能正确分类至少 99% 的训练点和至少 95% 的新点。",
        ),
        (
            Check("xor_mlp_accuracy", ">=", 0.99),
            Check("spirals_mlp_accuracy", ">=", 0.99),
            Check("xor_mlp_test_accuracy", ">=", 0.95),
            Check("spirals_mlp_test_accuracy", ">=", 0.95),
        ),
    ),
)

_TASK_NAMES = {"xor": ("XOR", "XOR"), "spirals": ("spirals", "螺旋线")}
LABELS: dict[str, Label] = {}
for _task, (_en, _zh) in _TASK_NAMES.items():
    LABELS |= {
        f"{_task}_perceptron_accuracy": Label(
            f"{_en}: perceptron, training accuracy", f"{_zh}：感知机训练准确率", ".3f"
        ),
        f"{_task}_perceptron_test_accuracy": Label(
            f"{_en}: perceptron, test accuracy", f"{_zh}：感知机测试准确率", ".3f"
        ),
        f"{_task}_mlp_accuracy": Label(f"{_en}: MLP, training accuracy", f"{_zh}：MLP 训练准确率", ".3f"),
        f"{_task}_mlp_test_accuracy": Label(f"{_en}: MLP, test accuracy", f"{_zh}：MLP 测试准确率", ".3f"),
        f"{_task}_best_line_accuracy": Label(
            f"{_en}: best straight line, training accuracy", f"{_zh}：最好直线的训练准确率", ".3f"
        ),
        f"{_task}_best_line_plus_tolerance": Label(f"{_en}: best line + 0.01", f"{_zh}：最好直线 + 0.01", ".3f"),
        f"{_task}_points": Label(f"{_en}: training points", f"{_zh}：训练点数"),
    }

# The line search samples directions, so the perceptron may find a line a hair better than the search.
LINE_TOLERANCE = 0.01


def perceptron_criterion(scores: Tensor, target: Tensor) -> Tensor:
    """Rosenblatt's criterion for several classes: how far the true class's score trails the highest score.

    Its gradient is zero on correctly classified points and moves the weights toward the point's class
    and away from the wrongly winning class otherwise, which is the perceptron learning rule.
    """
    true_score = (scores * F.one_hot(target, scores.shape[1]).to(scores.dtype)).sum(1)
    return (scores.max(1)[0] - true_score).mean()


class Pocket(Callback):
    """The pocket algorithm: keep the weights with the best training accuracy seen after any epoch."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x, self.y = x, y
        self.best = -1.0
        self.state: dict[str, Any] = {}

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        accuracy = float((labels_of(trainer.model, self.x) == self.y).mean())
        if accuracy > self.best:
            self.best = accuracy
            self.state = {k: v.clone() for k, v in trainer.model.state_dict().items()}


@experiment(
    3,
    "perceptron-vs-mlp",
    question=QUESTION,
    explanation=EXPLANATION,
    claims=CLAIMS,
    labels=LABELS,
    key="spirals_mlp_test_accuracy",
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    rng = np.random.default_rng(seed)
    n_spirals = 300 if quick else 1000 if full else 600
    tasks = {
        "xor": (xor(200, 0.15, rng), xor(200, 0.15, rng), 60),
        "spirals": (spirals(n_spirals, rng), spirals(n_spirals, rng), 150 if quick else 300 if full else 200),
    }
    numbers: dict[str, Any] = {}
    plt = pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(8, 8))
    for row, (task, ((x, y), (x_test, y_test), mlp_epochs)) in enumerate(tasks.items()):
        manual_seed(seed)
        perceptron, pocket = nn.Linear(2, 2), Pocket(x, y)
        sgd = optim.SGD(perceptron.parameters(), lr=0.1)
        train(perceptron, sgd, perceptron_criterion, loader(x, y, 8, seed), epochs=40, callbacks=[pocket])
        perceptron.load_state_dict(pocket.state)
        mlp = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 2))
        adam = optim.Adam(mlp.parameters(), lr=0.01)
        train(mlp, adam, nn.CrossEntropyLoss(), loader(x, y, 64, seed), epochs=mlp_epochs)
        for name, model in (("perceptron", perceptron), ("mlp", mlp)):
            numbers[f"{task}_{name}_accuracy"] = float((labels_of(model, x) == y).mean())
            numbers[f"{task}_{name}_test_accuracy"] = float((labels_of(model, x_test) == y_test).mean())
        numbers[f"{task}_best_line_accuracy"] = best_line_accuracy(x, y)
        numbers[f"{task}_best_line_plus_tolerance"] = numbers[f"{task}_best_line_accuracy"] + LINE_TOLERANCE
        numbers[f"{task}_points"] = len(y)
        for col, (key, label, model) in enumerate((("perceptron", "perceptron", perceptron), ("mlp", "MLP", mlp))):
            title = f"{task}: {label}, training accuracy {numbers[f'{task}_{key}_accuracy']:.3f}"
            draw_boundary(axes[row, col], model, x, y, title)
    fig.suptitle("Decision regions on the training points")
    fig.tight_layout()
    figure = Figure(
        Text(
            "Decision regions of the perceptron (left) and the MLP (right) on XOR and on two spirals.",
            "感知机（左）和 MLP（右）在 XOR 和两条螺旋线上的决策区域。",
        ),
        figure_png(fig),
    )
    return Outcome(numbers, {"decision-boundaries": figure})
