"""Question 15: what dropout and batch normalization do to training, measured on Fashion-MNIST."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ... import Tensor, manual_seed, nn, optim
from ...train import Callback, Trainer
from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot
from ._small import StepLog, evaluate, fashion, loader, train, train_or_diverge

__all__ = ["judge", "run"]

QUESTION = "What do dropout and batch normalization do, and how do they change training?"

ANSWER = """
Dropout is a regularizer: during training it zeroes a random share of the units on every step (and scales the
survivors up so that the expected signal is unchanged), so no unit can rely on particular partners and the network
behaves like an average over many thinned networks; at evaluation every unit is kept. On a small training set it
narrows the gap between training and validation accuracy, because the network can no longer simply memorize, and
since each step sees a noisy, thinned network it needs more epochs to fit the data. Batch normalization
standardizes each unit's pre-activation with the mean and variance of the current mini-batch and then applies a
learned scale and shift; at evaluation it uses running averages. Every layer then sees inputs on a steady scale
whatever the weights before it do, so a deep network reaches a given accuracy in far fewer steps and keeps training
at learning rates that make the same network without it collapse or diverge.
"""

_FIT_ACCURACY = 0.95


def judge(numbers: Mapping[str, Any]) -> Verdict:
    """Pass when dropout narrows the gap and slows fitting, and BN trains faster and at a larger rate."""
    gap_plain, gap_drop = numbers["dropout: gap without"], numbers["dropout: gap with"]
    fit_plain, fit_drop = numbers["dropout: epochs to fit without"], numbers["dropout: epochs to fit with"]
    plain, bn = numbers["BN: steps to target without"], numbers["BN: steps to target with"]
    plain_high, bn_high = numbers["BN: steps to target without, high lr"], numbers["BN: steps to target with, high lr"]
    target, high_lr = numbers["BN: target accuracy"], numbers["BN: high learning rate"]
    checks = [
        (gap_drop < gap_plain, f"dropout did not narrow the train/val gap ({gap_drop:.3f} vs {gap_plain:.3f})"),
        (
            fit_drop > fit_plain,
            f"dropout fitted the training set {_when(fit_drop, 'epochs')}, without it {_when(fit_plain, 'epochs')}",
        ),
        (
            bn < plain,
            f"BN reached {target} validation accuracy {_when(bn, 'steps')}, without it {_when(plain, 'steps')}",
        ),
        (
            math.isfinite(bn_high) and not math.isfinite(plain_high),
            f"at lr {high_lr:g} BN reached the target {_when(bn_high, 'steps')} and the plain network "
            f"{_when(plain_high, 'steps')}",
        ),
    ]
    return all_of(
        checks,
        f"Dropout cut the train/val accuracy gap from {gap_plain:.3f} to {gap_drop:.3f} and fitted the training set "
        f"to {_FIT_ACCURACY:.0%} {_when(fit_drop, 'epochs')} instead of {_when(fit_plain, 'epochs')}; BN reached "
        f"{target} validation accuracy {_when(bn, 'steps')} instead of {_when(plain, 'steps')}, and at lr "
        f"{high_lr:g} {_when(bn_high, 'steps')} while the plain network never did.",
    )


def _when(count: float, unit: str) -> str:
    return f"in {count} {unit}" if math.isfinite(count) else "never"


class _EpochAccuracy(Callback):
    """Evaluation-mode loss and accuracy on fixed train and validation tensors after every epoch."""

    def __init__(self, x: Tensor, y: Tensor, x_val: Tensor, y_val: Tensor) -> None:
        self.data = (x, y, x_val, y_val)
        self.rows: list[tuple[float, float, float, float]] = []

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        x, y, x_val, y_val = self.data
        loss_fn = trainer.loss_fn
        self.rows.append((*evaluate(trainer.model, x, y, loss_fn), *evaluate(trainer.model, x_val, y_val, loss_fn)))


def _dropout_mlp(p_input: float, p_hidden: float, width: int = 256) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Dropout(p_input)] if p_input else []
    for fan_in in (784, width):
        layers += [nn.Linear(fan_in, width), nn.ReLU()]
        if p_hidden:
            layers.append(nn.Dropout(p_hidden))
    return nn.Sequential(*layers, nn.Linear(width, 10))


def _deep_mlp(batch_norm: bool, depth: int = 4, width: int = 128) -> nn.Sequential:
    layers: list[nn.Module] = []
    fan_in = 784
    for _ in range(depth):
        layers.append(nn.Linear(fan_in, width, bias=not batch_norm))
        if batch_norm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(nn.ReLU())
        fan_in = width
    return nn.Sequential(*layers, nn.Linear(width, 10))


def _first_epoch(values: np.ndarray, threshold: float) -> float:
    hits = np.flatnonzero(values >= threshold)
    return int(hits[0]) + 1 if len(hits) else math.inf


@experiment(15, "dropout-and-batchnorm", question=QUESTION, answer=ANSWER, judge=judge)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    numbers: dict[str, Any] = {}
    histories = _dropout(seed, quick, full, numbers)
    curves = _batch_norm(seed, quick, full, numbers)
    figures = {"dropout and the train-validation gap": _dropout_plot(histories, numbers)}
    figures["batch norm and the steps to a target accuracy"] = _bn_plot(curves, numbers)
    return Outcome(numbers, figures)


def _dropout(seed: int, quick: bool, full: bool, numbers: dict[str, Any]) -> dict[str, np.ndarray]:
    n_train, epochs = (300, 24) if quick else (1000, 80) if full else (500, 40)
    x, y, x_val, y_val = fashion(n_train, 1000, seed=seed)
    histories = {}
    for name, (p_input, p_hidden) in (("without", (0.0, 0.0)), ("with", (0.2, 0.5))):
        manual_seed(seed)
        model = _dropout_mlp(p_input, p_hidden)
        record = _EpochAccuracy(x, y, x_val, y_val)
        adam = optim.Adam(model.parameters(), lr=1e-3)
        train(model, adam, nn.CrossEntropyLoss(), loader(x, y, n_train // 10, seed), epochs=epochs, callbacks=(record,))
        rows = np.array(record.rows)
        histories[name] = rows
        last = rows[-max(epochs // 4, 1) :]
        numbers[f"dropout: gap {name}"] = float((last[:, 1] - last[:, 3]).mean())
        numbers[f"dropout: loss gap {name}"] = float((last[:, 2] - last[:, 0]).mean())
        numbers[f"dropout: epochs to fit {name}"] = _first_epoch(rows[:, 1], _FIT_ACCURACY)
        numbers[f"dropout: best val accuracy {name}"] = float(rows[:, 3].max())
        numbers[f"dropout: epoch of lowest val loss {name}"] = int(rows[:, 2].argmin()) + 1
    numbers["dropout: training samples"] = n_train
    numbers["dropout: epochs"] = epochs
    return histories


def _batch_norm(seed: int, quick: bool, full: bool, numbers: dict[str, Any]) -> dict[tuple[str, float], list]:
    n_train, epochs, every = (2000, 4, 10) if quick else (8000, 10, 25) if full else (4000, 10, 20)
    base_lr, high_lr = 0.05, 0.3
    target = 0.7 if quick else 0.75
    x, y, x_val, y_val = fashion(n_train, 1000, seed=seed + 1)
    loss_fn = nn.CrossEntropyLoss()
    curves: dict[tuple[str, float], list] = {}
    for lr in (base_lr, high_lr):
        for name, batch_norm in (("without", False), ("with", True)):
            manual_seed(seed)
            model = _deep_mlp(batch_norm)
            log = StepLog(
                probe=lambda trainer: {"accuracy": evaluate(trainer.model, x_val, y_val, loss_fn)[1]}, every=every
            )
            sgd = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
            with np.errstate(all="ignore"):
                _, diverged = train_or_diverge(
                    model, sgd, loss_fn, loader(x, y, 64, seed), epochs=epochs, callbacks=(log,)
                )
            steps = [int(p["iteration"]) for p in log.probes]
            accuracy = [p["accuracy"] for p in log.probes]
            curves[(name, lr)] = [steps, accuracy, diverged]
            hit = next((s for s, a in zip(steps, accuracy) if a >= target), math.inf)
            suffix = "" if lr == base_lr else ", high lr"
            numbers[f"BN: steps to target {name}{suffix}"] = hit
            numbers[f"BN: final val accuracy {name}{suffix}"] = accuracy[-1]
            if lr == high_lr:
                numbers[f"BN: diverged (NaN) {name}, high lr"] = diverged
    numbers.update(
        {"BN: target accuracy": target, "BN: base learning rate": base_lr, "BN: high learning rate": high_lr}
    )
    numbers["BN: training samples"] = n_train
    return curves


def _dropout_plot(histories: dict[str, np.ndarray], numbers: Mapping[str, Any]) -> bytes:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for name, color in (("without", "tab:red"), ("with", "tab:blue")):
        rows = histories[name]
        epochs = np.arange(1, len(rows) + 1)
        axes[0].plot(epochs, rows[:, 1], color=color, label=f"train, {name} dropout")
        axes[0].plot(epochs, rows[:, 3], color=color, linestyle="--", label=f"validation, {name} dropout")
        axes[0].fill_between(epochs, rows[:, 3], rows[:, 1], color=color, alpha=0.12)
        axes[1].plot(epochs, rows[:, 0], color=color, label=f"train, {name} dropout")
        axes[1].plot(epochs, rows[:, 2], color=color, linestyle="--", label=f"validation, {name} dropout")
    axes[0].axhline(_FIT_ACCURACY, color="0.5", linewidth=0.8, linestyle=":")
    axes[0].set_ylabel("accuracy (evaluation mode)")
    axes[1].set_ylabel("loss")
    axes[1].set_yscale("log")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.legend(fontsize=7)
    fig.suptitle(
        f"Dropout on {numbers['dropout: training samples']} Fashion-MNIST images: the shaded train/validation gap "
        f"is {numbers['dropout: gap without']:.3f} without and {numbers['dropout: gap with']:.3f} with dropout"
    )
    return figure_png(fig)


def _bn_plot(curves: dict[tuple[str, float], list], numbers: Mapping[str, Any]) -> bytes:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, lr in zip(axes, (numbers["BN: base learning rate"], numbers["BN: high learning rate"])):
        for name, color in (("without", "tab:red"), ("with", "tab:blue")):
            steps, accuracy, diverged = curves[(name, lr)]
            label = f"{name} batch norm" + (" (NaN: stopped)" if diverged else "")
            ax.plot(steps, accuracy, color=color, marker=".", markersize=3, label=label)
        target = numbers["BN: target accuracy"]
        ax.axhline(target, color="0.4", linestyle=":", label=f"target {target}")
        ax.set_title(f"SGD with momentum, lr = {lr:g}")
        ax.set_xlabel("step")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("validation accuracy")
    fig.suptitle("A 4-hidden-layer MLP with and without batch normalization")
    return figure_png(fig)
