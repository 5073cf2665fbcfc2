"""Questions 13 and 14: hyperparameters chosen by random search with k-fold cross-validation, and the learning rate."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ... import Generator, manual_seed, nn, optim
from ...train import LRSchedulerStep
from ...utils.data import KFold
from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot
from ._small import StepLog, digits, evaluate, loader, train_or_diverge

__all__ = ["judge_learning_rate", "judge_search", "run_learning_rate", "run_search"]


def _mlp(hidden: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def _parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# --------------------------------------------------------------------------- question 13

SEARCH_QUESTION = "What is the difference between parameters and hyperparameters, and how are hyperparameters chosen?"

SEARCH_ANSWER = """
Parameters are the numbers that training itself adjusts: the weights and biases that gradient descent moves to
lower the loss. Hyperparameters are the choices made before training starts and held fixed while it runs, such
as the learning rate, the hidden layer's width, the batch size or the number of epochs; gradient descent cannot
learn them, so they are picked by trying settings and comparing how well the trained models generalize. Random
search samples settings from sensible ranges (the learning rate on a log scale). Each setting is scored by k-fold
cross-validation: the training data is cut into k folds, and the model is trained k times, each time on k - 1 folds
and scored on the fold left out, which is cheaper than a fixed validation set in data and less noisy. The best
mean score picks the setting, and a test set that no choice ever looked at gives an honest final score.
"""


def judge_search(numbers: Mapping[str, Any]) -> Verdict:
    """Pass when the search spread is wide, the CV estimate matches the test score, and the choice is good."""
    best, worst = numbers["chosen CV accuracy (mean)"], numbers["worst CV accuracy (mean)"]
    test = numbers["chosen test accuracy"]
    gap = abs(test - best)
    checks = [
        (
            best - worst >= 0.1,
            f"the settings differ by only {best - worst:.3f} in CV accuracy, so the choice mattered little",
        ),
        (gap <= 0.05, f"cross-validation estimated {best:.3f} but the held-out test gave {test:.3f}"),
        (test >= 0.85, f"the chosen setting reaches only {test:.3f} test accuracy"),
    ]
    return all_of(
        checks,
        f"Random search over {numbers['trials']} settings ({numbers['folds']}-fold CV) chose lr = "
        f"{numbers['chosen learning rate']:.3g} and {numbers['chosen hidden size']} hidden units: CV accuracy "
        f"{best:.3f} against {worst:.3f} for the worst setting, and {test:.3f} on the untouched test set.",
    )


@experiment(13, "hyperparameters", question=SEARCH_QUESTION, answer=SEARCH_ANSWER, judge=judge_search)
def run_search(seed: int, quick: bool, full: bool) -> Outcome:
    trials, folds, epochs = (6, 3, 4) if quick else (24, 5, 12) if full else (10, 5, 8)
    x_train, y_train, x_test, y_test = digits(seed)
    rng = np.random.default_rng(seed)
    # Latin hypercube sampling: random settings that still cover each range evenly, even with few trials.
    strata = (np.stack([rng.permutation(trials) for _ in range(2)], axis=1) + rng.uniform(size=(trials, 2))) / trials
    settings = [(float(10 ** (-3.5 + 4 * u)), round(2 ** (2 + 6 * v))) for u, v in strata]
    loss_fn = nn.CrossEntropyLoss()

    def fit(lr: float, hidden: int, x: Any, y: Any) -> tuple[nn.Module, bool]:
        manual_seed(seed)
        model = _mlp(hidden)
        sgd = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        _, diverged = train_or_diverge(model, sgd, loss_fn, loader(x, y, 32, seed), epochs=epochs)
        return model, diverged

    splits = list(KFold(folds, shuffle=True, generator=Generator().manual_seed(seed)).split(len(y_train)))
    scores = np.zeros((trials, folds))
    diverged_any = [False] * trials
    for t, (lr, hidden) in enumerate(settings):
        for f, (fit_idx, val_idx) in enumerate(splits):
            model, diverged = fit(lr, hidden, x_train[fit_idx], y_train[fit_idx])
            diverged_any[t] |= diverged
            scores[t, f] = 0.0 if diverged else evaluate(model, x_train[val_idx], y_train[val_idx], loss_fn)[1]
    means = scores.mean(axis=1)
    best = int(means.argmax())
    lr, hidden = settings[best]
    model, _ = fit(lr, hidden, x_train, y_train)
    test_accuracy = evaluate(model, x_test, y_test, loss_fn)[1]

    header = ["trial", "learning rate", "hidden", *[f"fold {f + 1}" for f in range(folds)], "mean", "std", "note"]
    rows: list[list[Any]] = [header]
    for t in np.argsort(-means):
        note = "chosen" if t == best else "diverged in a fold" if diverged_any[t] else ""
        row = [int(t) + 1, f"{settings[t][0]:.3g}", settings[t][1], *[round(float(s), 3) for s in scores[t]]]
        rows.append([*row, round(float(means[t]), 4), round(float(scores[t].std()), 4), note])
    numbers = {
        "trials": trials,
        "folds": folds,
        "epochs per fit": epochs,
        "hyperparameters searched": 2,
        "chosen learning rate": lr,
        "chosen hidden size": hidden,
        "learned parameters of the chosen model": _parameter_count(model),
        "chosen CV accuracy (mean)": float(means[best]),
        "chosen CV accuracy (std over folds)": float(scores[best].std()),
        "worst CV accuracy (mean)": float(means.min()),
        "chosen test accuracy": test_accuracy,
        "training samples": len(y_train),
        "test samples": len(y_test),
    }
    figures = {
        "random search": _search_map(settings, means, best),
        "fold scores": _fold_scores(settings, scores, best, test_accuracy),
    }
    notes = [
        f"Random search (Latin hypercube) sampled the learning rate log-uniformly in [3e-4, 3] and the hidden "
        f"width log-uniformly in [4, 256]; each setting trained an MLP 64-hidden-10 with SGD (momentum 0.9) for "
        f"{epochs} epochs on each of {folds} folds of the 8x8 digits. The chosen setting was then retrained on all "
        f"{len(y_train)} training samples and scored once on {len(y_test)} held-out test samples."
    ]
    return Outcome(numbers, figures, {"fold scores (sorted by mean)": rows}, notes)


def _search_map(settings: list[tuple[float, int]], means: np.ndarray, best: int) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    lrs, hiddens = zip(*settings)
    points = ax.scatter(lrs, hiddens, c=means, cmap="viridis", vmin=0.0, vmax=1.0, s=70, edgecolors="k")
    ax.scatter([lrs[best]], [hiddens[best]], marker="*", s=350, facecolors="none", edgecolors="red", linewidths=1.5)
    for (lr, h), m in zip(settings, means):
        ax.annotate(f"{m:.2f}", (lr, h), textcoords="offset points", xytext=(6, 4), fontsize=7)
    ax.set_xscale("log")
    ax.set_yscale("log", base=2)
    ax.set_xlabel("learning rate (hyperparameter)")
    ax.set_ylabel("hidden units (hyperparameter)")
    ax.set_title("Random search: mean k-fold CV accuracy per setting (star: chosen)")
    fig.colorbar(points, ax=ax, label="mean CV accuracy")
    return figure_png(fig)


def _fold_scores(settings: list[tuple[float, int]], scores: np.ndarray, best: int, test: float) -> bytes:
    plt = pyplot()
    order = np.argsort(-scores.mean(axis=1))
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    for rank, t in enumerate(order):
        color = "tab:red" if t == best else "tab:blue"
        ax.scatter(np.full(scores.shape[1], rank), scores[t], color=color, alpha=0.6, s=18)
        ax.plot([rank - 0.3, rank + 0.3], [scores[t].mean()] * 2, color=color, linewidth=2)
    rank_best = int(np.flatnonzero(order == best)[0])
    ax.scatter([rank_best], [test], marker="D", color="black", zorder=3, label=f"held-out test: {test:.3f}")
    ax.set_xticks(range(len(order)), [f"{settings[t][0]:.2g}\n{settings[t][1]}" for t in order], fontsize=7)
    ax.set_xlabel("setting: learning rate / hidden units (best first)")
    ax.set_ylabel("validation accuracy per fold")
    ax.set_title("Fold scores (dots), their mean (bar), and the chosen setting's test score")
    ax.legend(fontsize=8, loc="lower left")
    return figure_png(fig)


# --------------------------------------------------------------------------- question 14

LR_QUESTION = "What happens when the learning rate is too low or too high, and how is a good one found?"

LR_ANSWER = """
The learning rate scales every gradient step. Far too low, each step barely moves the weights: the loss creeps
down and after the same number of steps it is still near where it started, wasting compute. Far too high, the
steps overshoot the valley they aim for; the loss jumps around, grows, or becomes NaN, and the network can end up
with dead units and no progress at all. A good rate lies in between, usually within a factor of ten or so of the
largest rate that still trains stably. A learning-rate range test finds that region cheaply: train for a few
hundred steps while raising the rate exponentially, plot the loss against the rate, and take a rate somewhat
below the point where the loss falls fastest or bottoms out, well before it blows up.
"""

_LOW, _GOOD, _HIGH = 1e-3, 0.3, 10.0


def judge_learning_rate(numbers: Mapping[str, Any]) -> Verdict:
    """Pass when the low rate lags far behind, the high rate fails to converge, and the good rate converges."""
    initial, low, good = numbers["initial loss"], numbers["low-rate final loss"], numbers["good-rate final loss"]
    high, diverged = numbers["high-rate final loss"], numbers["high-rate diverged (NaN)"]
    high_fails = diverged or high >= 0.5 * initial
    checks = [
        (low >= 3 * good, f"the low rate's final loss {low:.3f} is not far above the good rate's {good:.3f}"),
        (high_fails, f"the high rate reached loss {high:.3f}, which counts as converging (initial {initial:.3f})"),
        (
            good <= 0.2 * initial and numbers["good-rate train accuracy"] >= 0.9,
            f"the good rate ended at loss {good:.3f} (initial {initial:.3f}) and train accuracy "
            f"{numbers['good-rate train accuracy']:.3f}",
        ),
    ]
    high_text = (
        "became NaN" if diverged else f"ended at {high:.3f} after peaking at {numbers['high-rate peak loss']:.3g}"
    )
    return all_of(
        checks,
        f"After {numbers['steps']} steps from loss {initial:.3f}, lr {numbers['low rate']:g} is still at {low:.3f}, "
        f"lr {numbers['good rate']:g} converged to {good:.3f}, and lr {numbers['high rate']:g} {high_text}.",
    )


def _final(losses: list[float]) -> float:
    tail = losses[-max(10, len(losses) // 10) :]
    return float(np.mean(tail))


@experiment(14, "learning-rate", question=LR_QUESTION, answer=LR_ANSWER, judge=judge_learning_rate)
def run_learning_rate(seed: int, quick: bool, full: bool) -> Outcome:
    epochs, range_steps = (4, 200) if quick else (20, 400) if full else (10, 300)
    x_train, y_train, x_test, y_test = digits(seed)
    loss_fn = nn.CrossEntropyLoss()
    curves: dict[float, list[float]] = {}
    diverged: dict[float, bool] = {}
    models: dict[float, nn.Module] = {}
    for lr in (_LOW, _GOOD, _HIGH):
        manual_seed(seed)
        model = _mlp(64)
        log = StepLog()
        _, diverged[lr] = train_or_diverge(
            model,
            optim.SGD(model.parameters(), lr=lr),
            loss_fn,
            loader(x_train, y_train, 32, seed),
            epochs=epochs,
            callbacks=(log,),
        )
        curves[lr], models[lr] = log.losses, model
    lrs, range_losses = _range_test(seed, range_steps, x_train, y_train)
    smooth = _ema(range_losses, 0.9)
    slope = np.gradient(smooth, np.log10(lrs))
    lowest = int(np.argmin(smooth))
    blowup = next((i for i in range(lowest, len(smooth)) if smooth[i] > 2 * smooth[0]), len(smooth) - 1)
    initial = float(np.mean([c[0] for c in curves.values()]))
    numbers = {
        "low rate": _LOW,
        "good rate": _GOOD,
        "high rate": _HIGH,
        "steps": len(curves[_GOOD]),
        "initial loss": initial,
        "low-rate final loss": _final(curves[_LOW]),
        "good-rate final loss": _final(curves[_GOOD]),
        "high-rate final loss": math.nan if diverged[_HIGH] else _final(curves[_HIGH]),
        "high-rate peak loss": float(np.nanmax(curves[_HIGH])),
        "high-rate diverged (NaN)": diverged[_HIGH],
        "good-rate train accuracy": evaluate(models[_GOOD], x_train, y_train, loss_fn)[1],
        "good-rate test accuracy": evaluate(models[_GOOD], x_test, y_test, loss_fn)[1],
        "range test: steepest-descent rate": float(lrs[int(np.argmin(slope[: lowest + 1]))]),
        "range test: lowest-loss rate": float(lrs[lowest]),
        "range test: blow-up rate": float(lrs[blowup]),
    }
    figures = {
        "loss curves": _curves(curves, diverged),
        "learning-rate range test": _range_plot(lrs, range_losses, smooth, numbers),
    }
    return Outcome(numbers, figures)


def _range_test(seed: int, steps: int, x: Any, y: Any) -> tuple[np.ndarray, list[float]]:
    """Loss per step while the rate grows exponentially from 1e-5 to 10 over ``steps`` steps."""
    manual_seed(seed)
    model = _mlp(64)
    start, stop = 1e-5, 10.0
    sgd = optim.SGD(model.parameters(), lr=start)
    scheduler = optim.lr_scheduler.ExponentialLR(sgd, gamma=(stop / start) ** (1 / steps))
    log = StepLog(iterations=steps)
    batches = loader(x, y, 32, seed)
    train_or_diverge(
        model,
        sgd,
        nn.CrossEntropyLoss(),
        batches,
        epochs=math.ceil(steps / len(batches)),
        callbacks=(log, LRSchedulerStep(scheduler, interval="iteration")),
    )
    losses = log.losses[:steps]
    return start * (stop / start) ** (np.arange(len(losses)) / steps), losses


def _ema(values: list[float], beta: float) -> np.ndarray:
    out, average = np.empty(len(values)), 0.0
    for i, v in enumerate(values):
        average = beta * average + (1 - beta) * v
        out[i] = average / (1 - beta ** (i + 1))
    return out


def _curves(curves: dict[float, list[float]], diverged: dict[float, bool]) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4))
    names = {_LOW: "too low", _GOOD: "good", _HIGH: "too high"}
    for lr, losses in curves.items():
        label = f"lr = {lr:g} ({names[lr]}){', NaN' if diverged[lr] else ''}"
        ax.plot(np.arange(1, len(losses) + 1), losses, label=label, linewidth=1)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss (per batch)")
    ax.set_title("Same model, same data, same steps: three learning rates")
    ax.legend(fontsize=8)
    return figure_png(fig)


def _range_plot(lrs: np.ndarray, losses: list[float], smooth: np.ndarray, numbers: Mapping[str, Any]) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4))
    ax.plot(lrs, losses, color="0.75", linewidth=0.8, label="per-batch loss")
    ax.plot(lrs, smooth, color="tab:blue", label="smoothed")
    for key, color in (("low rate", "tab:orange"), ("good rate", "tab:green"), ("high rate", "tab:red")):
        ax.axvline(numbers[key], color=color, linestyle="--", linewidth=1, label=f"{key} {numbers[key]:g}")
    ax.axvline(numbers["range test: steepest-descent rate"], color="k", linestyle=":", label="steepest descent")
    ax.set_xscale("log")
    ax.set_ylim(0, max(3 * float(smooth[0]), 1.0))
    ax.set_xlabel("learning rate (grows exponentially each step)")
    ax.set_ylabel("training loss")
    ax.set_title("Learning-rate range test")
    ax.legend(fontsize=7)
    return figure_png(fig)
