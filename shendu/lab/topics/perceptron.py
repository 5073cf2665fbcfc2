"""Question 3: what a single-layer perceptron cannot learn, and a multilayer perceptron can."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

import shendu
from shendu import nn
from shendu.nn import functional as F
from shendu.train import Callback, Trainer

from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot
from ._planar import best_line_accuracy, draw_boundary, fit, labels_of, spirals, xor

LINEAR_CEILING = 0.75
MLP_FLOOR = 0.99


def perceptron_criterion(scores: shendu.Tensor, target: shendu.Tensor) -> shendu.Tensor:
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


def judge(numbers: Mapping[str, Any]) -> Verdict:
    checks = []
    for task in ("xor", "spirals"):
        p, m = numbers[f"{task}_perceptron_accuracy"], numbers[f"{task}_mlp_accuracy"]
        checks.append((p <= LINEAR_CEILING, f"the perceptron reached {p:.3f} on {task}, above {LINEAR_CEILING}"))
        checks.append((m >= MLP_FLOOR, f"the MLP reached only {m:.3f} on {task}, below {MLP_FLOOR}"))
    return all_of(
        checks,
        f"A single layer tops out at {numbers['xor_perceptron_accuracy']:.2f} on XOR and "
        f"{numbers['spirals_perceptron_accuracy']:.2f} on spirals (no line does better than "
        f"{numbers['xor_best_line_accuracy']:.2f} and {numbers['spirals_best_line_accuracy']:.2f}), while an MLP "
        f"with two hidden layers fits them to {numbers['xor_mlp_accuracy']:.3f} and "
        f"{numbers['spirals_mlp_accuracy']:.3f}.",
    )


@experiment(
    3,
    "perceptron-vs-mlp",
    question="What is the difference between a perceptron and a multilayer perceptron?",
    answer="""
    A perceptron is one layer of weights: it computes one weighted sum of the inputs per class and
    picks the largest, so the border between two classes is always a straight line (a hyperplane in
    more dimensions). Problems whose classes cannot be split by one line, such as XOR or two spirals
    wound into each other, are out of its reach however long it trains. A multilayer perceptron puts
    hidden layers with a nonlinear activation between input and output; each hidden unit draws its own
    line and the next layer combines them, so the border can bend into any shape. Here both models see
    the same points. The perceptron learns by Rosenblatt's rule and keeps the best weights it ever held,
    and still only matches the best straight line, found by exhaustive search; the MLP separates every
    point.
    """,
    judge=judge,
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    rng = np.random.default_rng(seed)
    n_spirals = 300 if quick else 1000 if full else 600
    tasks = {
        "xor": (xor(200, 0.15, rng), xor(200, 0.15, rng), 60),
        "spirals": (
            spirals(n_spirals, rng),
            spirals(n_spirals, rng),
            150 if quick else 300 if full else 200,
        ),
    }
    numbers: dict[str, Any] = {}
    plt = pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(7.5, 7.5))
    for row, (task, ((x, y), (x_test, y_test), mlp_epochs)) in enumerate(tasks.items()):
        perceptron, pocket = nn.Linear(2, 2), Pocket(x, y)
        fit(
            perceptron,
            x,
            y,
            epochs=40,
            seed=seed,
            lr=0.1,
            batch_size=8,
            optimizer="sgd",
            loss_fn=perceptron_criterion,
            callbacks=[pocket],
        )
        perceptron.load_state_dict(pocket.state)
        mlp = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 2))
        fit(mlp, x, y, epochs=mlp_epochs, seed=seed, lr=0.01)
        for name, model in (("perceptron", perceptron), ("mlp", mlp)):
            numbers[f"{task}_{name}_accuracy"] = float((labels_of(model, x) == y).mean())
            numbers[f"{task}_{name}_test_accuracy"] = float((labels_of(model, x_test) == y_test).mean())
        numbers[f"{task}_best_line_accuracy"] = best_line_accuracy(x, y)
        numbers[f"{task}_points"] = len(y)
        for col, (key, label, model) in enumerate(
            (("perceptron", "perceptron", perceptron), ("mlp", "MLP 2-64-64-2, tanh", mlp))
        ):
            title = f"{task}: {label}, accuracy {numbers[f'{task}_{key}_accuracy']:.3f}"
            draw_boundary(axes[row, col], model, x, y, title)
    fig.suptitle("Decision regions on the training points")
    fig.tight_layout()
    return Outcome(numbers, {"decision boundaries": figure_png(fig)})
