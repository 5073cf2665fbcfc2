"""Question 16: batch, stochastic and mini-batch gradient descent on the same budgets of epochs and of time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ... import Tensor, cat, manual_seed, nn, optim
from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot
from ._small import StepLog, digits, evaluate, loader, train

__all__ = ["judge", "run"]

QUESTION = "What is the difference between batch, stochastic and mini-batch gradient descent, and which is better?"

ANSWER = """
All three follow the gradient of the training loss; they differ in how many samples estimate it before each step.
Batch gradient descent uses the whole training set: the exact gradient, but one step per pass over the data.
Stochastic gradient descent uses one sample: many cheap, very noisy steps per epoch. Mini-batch descent uses a few
dozen to a few hundred samples. The noise of the estimate falls as one over the batch size, so per step a larger
batch makes more progress, while per epoch a smaller batch makes more progress because it takes more steps. What
decides in practice is progress per second: on vectorized hardware a batch of 32 or 256 costs little more than a
single sample, so a mini-batch gets almost the per-step quality of a large batch at almost the step rate of single
samples. That is why mini-batches of moderate size are the default; one sample wastes the hardware, and the full
batch spends a whole pass over the data on every small step.
"""

_LR = 0.2


def judge(numbers: Mapping[str, Any]) -> Verdict:
    """Pass when small batches win per epoch, large ones per update, a mini-batch per second, and noise ~ 1/B."""
    sizes = ["1", "32", "256", "full"]
    epoch = {s: numbers[f"loss after the epoch budget, batch {s}"] for s in sizes}
    update = {s: numbers[f"loss after the update budget, batch {s}"] for s in sizes}
    timed = {s: numbers[f"loss after the time budget, batch {s}"] for s in sizes}
    slope = numbers["noise variance slope (log-log)"]
    best_time = min(sizes, key=lambda s: timed[s])
    checks = [
        (
            epoch["1"] < epoch["full"] and epoch["32"] < epoch["full"],
            f"per epoch, batches 1 ({epoch['1']:.3f}) and 32 ({epoch['32']:.3f}) did not beat the full batch "
            f"({epoch['full']:.3f})",
        ),
        (
            max(update["32"], update["256"], update["full"]) < update["1"] and update["full"] < update["32"],
            f"per update, the loss did not fall with batch size (1: {update['1']:.3f}, 32: {update['32']:.3f}, "
            f"256: {update['256']:.3f}, full: {update['full']:.3f})",
        ),
        (best_time in ("32", "256"), f"per second, batch {best_time} did best, not a mini-batch"),
        (-1.25 <= slope <= -0.75, f"the gradient-noise variance falls with slope {slope:.2f}, not about -1"),
    ]
    return all_of(
        checks,
        f"After {numbers['epoch budget']} epochs the loss is {epoch['1']:.3f} / {epoch['32']:.3f} / "
        f"{epoch['256']:.3f} / {epoch['full']:.3f} for batches 1 / 32 / 256 / full, after "
        f"{numbers['update budget']} updates {update['1']:.3f} / {update['32']:.3f} / {update['256']:.3f} / "
        f"{update['full']:.3f}, and after {numbers['time budget (s)']:g} s batch {best_time} leads with "
        f"{timed[best_time]:.3f}; gradient noise falls as B^{slope:.2f}.",
    )


def _model() -> nn.Sequential:
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def _at(xs: list[float], ys: list[float], x: float) -> float:
    """The recorded curve's value at ``x``: the last point at or before it."""
    index = int(np.searchsorted(np.asarray(xs), x, side="right")) - 1
    return float(ys[max(index, 0)])


@experiment(16, "batch-size", question=QUESTION, answer=ANSWER, judge=judge)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    n_train, epochs, updates, seconds = (
        (500, 3, 60, 0.4) if quick else (1438, 20, 400, 8.0) if full else (1438, 8, 200, 3.0)
    )
    x, y, _, _ = digits(seed)
    x, y = x[:n_train], y[:n_train]
    loss_fn = nn.CrossEntropyLoss()
    sizes = {"1": 1, "32": 32, "256": 256, "full": n_train}
    runs: dict[str, list[dict[str, float]]] = {}
    for name, batch in sizes.items():
        manual_seed(seed)
        model = _model()
        batches = loader(x, y, batch, seed)
        every = max(1, len(batches) // 16)
        log = StepLog(
            probe=lambda t: {"loss": evaluate(t.model, x, y, loss_fn)[0]},
            every=every,
            iterations=updates,
            epochs=epochs,
            seconds=seconds,
        )
        train(model, optim.SGD(model.parameters(), lr=_LR), loss_fn, batches, epochs=1_000_000, callbacks=(log,))
        runs[name] = log.probes
    numbers: dict[str, Any] = {
        "training samples": n_train,
        "learning rate (all runs)": _LR,
        "epoch budget": epochs,
        "update budget": updates,
        "time budget (s)": seconds,
    }
    for name, rows in runs.items():
        column = {key: [r[key] for r in rows] for key in rows[0]}
        numbers[f"loss after the epoch budget, batch {name}"] = _at(column["epoch"], column["loss"], epochs)
        numbers[f"loss after the update budget, batch {name}"] = _at(column["iteration"], column["loss"], updates)
        numbers[f"loss after the time budget, batch {name}"] = _at(column["seconds"], column["loss"], seconds)
        rate = rows[-1]["iteration"] / max(rows[-1]["seconds"], 1e-9)
        numbers[f"updates per second, batch {name}"] = rate
        numbers[f"samples per second, batch {name}"] = rate * sizes[name]
    batch_sizes, variances, trace = _gradient_noise(seed, x, y, loss_fn, repeats=20 if quick else 50)
    small = batch_sizes <= n_train // 8
    slope = float(np.polyfit(np.log(batch_sizes[small]), np.log(variances[small]), 1)[0])
    numbers["noise variance slope (log-log)"] = slope
    numbers["per-sample gradient variance (trace)"] = trace
    figures = {
        "loss against epochs, updates and wall time": _curves(runs, numbers),
        "gradient-noise variance against batch size": _noise_plot(batch_sizes, variances, trace, n_train, slope),
    }
    notes = [
        f"Every run trains the same MLP 64-64-10 from the same initialization with plain SGD at lr {_LR} on "
        f"{n_train} 8x8 digits, and goes on until it has both done {epochs} epochs and spent {seconds:g} s "
        f"training; the loss is the full training-set loss, measured outside the timed part."
    ]
    return Outcome(numbers, figures, notes=notes)


def _flat_grad(model: nn.Module) -> np.ndarray:
    return cat([p.grad.flatten() for p in model.parameters()]).numpy()


def _gradient_noise(
    seed: int, x: Tensor, y: Tensor, loss_fn: Any, repeats: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Mean squared distance between mini-batch gradients and the full gradient, per batch size."""
    manual_seed(seed)
    model = _model()
    n = len(y)

    def gradient(index: np.ndarray) -> np.ndarray:
        model.zero_grad()
        loss_fn(model(x[index]), y[index]).backward()
        return _flat_grad(model)

    full_grad = gradient(np.arange(n))
    rng = np.random.default_rng(seed)
    batch_sizes = np.array([b for b in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512) if b <= n // 2])
    variances = np.array(
        [
            np.mean([np.sum((gradient(rng.choice(n, b, replace=False)) - full_grad) ** 2) for _ in range(repeats)])
            for b in batch_sizes
        ]
    )
    # With sampling without replacement the variance is trace / B * (n - B) / (n - 1); solve for the trace.
    trace = float(np.median(variances * batch_sizes * (n - 1) / (n - batch_sizes)))
    return batch_sizes, variances, trace


def _curves(runs: dict[str, list[dict[str, float]]], numbers: Mapping[str, Any]) -> bytes:
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), sharey=True)
    budgets = (numbers["epoch budget"], numbers["update budget"], numbers["time budget (s)"])
    keys = ("epoch", "iteration", "seconds")
    for name, rows in runs.items():
        label = f"batch {name}" + (f" ({numbers['training samples']})" if name == "full" else "")
        for ax, key, budget in zip(axes, keys, budgets):
            shown = [r for r in rows if 0 < r[key] <= 3 * budget]
            ax.plot([r[key] for r in shown], [r["loss"] for r in shown], label=label, linewidth=1)
    titles = ("same epochs: small batches win", "same updates: large batches win", "same wall time: mini-batches win")
    for ax, key, title, budget in zip(axes, ("epochs", "updates", "training seconds"), titles, budgets):
        ax.axvline(budget, color="0.5", linestyle=":", linewidth=1)
        ax.set_xlabel(f"{key} (log scale; dotted: the budget)")
        ax.set_title(title, fontsize=10)
        ax.set_xscale("log")
        ax.legend(fontsize=8)
    axes[2].set_xlim(left=budgets[2] / 1000)
    axes[0].set_ylabel("training loss (whole training set)")
    axes[0].set_yscale("log")
    return figure_png(fig)


def _noise_plot(batch_sizes: np.ndarray, variances: np.ndarray, trace: float, n: int, slope: float) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.loglog(batch_sizes, variances, "o", label="measured E||g_B - g||^2")
    grid = np.geomspace(1, batch_sizes[-1], 100)
    ax.loglog(grid, trace / grid * (n - grid) / (n - 1), "--", label="trace(Sigma) / B * (n - B) / (n - 1)")
    ax.set_xlabel("batch size B")
    ax.set_ylabel("gradient-noise variance")
    ax.set_title(f"Mini-batch gradient noise falls as 1/B (fitted slope {slope:.2f})")
    ax.legend(fontsize=8)
    return figure_png(fig)
