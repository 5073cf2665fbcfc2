"""Question 16: batch, stochastic and mini-batch gradient descent on the same budgets of epochs and of time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ... import Tensor, cat, manual_seed, nn, optim
from ..core import Check, Claim, Figure, Label, Outcome, Text, experiment, figure_png, pyplot
from ._data import digits, loader
from ._training import StepLog, evaluate, train

__all__ = ["run"]

QUESTION = Text(
    "What is the difference between batch, stochastic and mini-batch gradient descent, and which is better?",
    "批量、随机和小批量梯度下降有什么区别？哪个更好？",
)

EXPLANATION = Text.prose(
    """
    All three follow the gradient of the training loss; they differ in how many samples estimate it before each
    step. Batch gradient descent uses the whole training set: the exact gradient, but one step per pass over the
    data. Stochastic gradient descent uses one sample: many cheap, noisy steps per epoch. Mini-batch descent
    uses a few dozen to a few hundred samples. Averaging B samples divides the variance of the gradient estimate
    by B, so its standard deviation falls as 1/√B. Mini-batches of moderate size are the default. Here the same
    MLP 64-64-10 learns the 8x8 digits with plain SGD at one learning rate (0.2) and batches of 1, 32, 256 and the whole
    training set, compared after the same number of epochs, of updates, and of seconds.
    """,
    """
    三者都沿训练损失的梯度前进，区别在于每一步之前用多少个样本来估计梯度。批量梯度下降使用整个训练集：梯度是精确的，但
    每遍历一次数据只走一步。随机梯度下降只用一个样本：每轮有许多便宜但带噪声的步。小批量梯度下降用几十到几百个样本。
    对 B 个样本求平均会把梯度估计的方差除以 B，所以它的标准差按 1/√B 下降。中等大小的小批量是默认做法。这里同一
    个 MLP 64-64-10 用普通 SGD、同一个学习率（0.2）学习 8x8 数字，批大小分别为 1、32、256 和整个训练集，在相同的轮数、
    相同的更新次数和相同的秒数之后进行比较。
    """,
)

_LR = 0.2
_SIZES = ("1", "32", "256", "full")

CLAIMS = (
    Claim(
        "per-epoch",
        Text(
            "Per epoch, a batch of 32 makes more progress than a batch of 256 or the full batch, because it takes "
            "more steps.",
            "按轮数算，批大小 32 比 256 或整个训练集进展更多，因为它走的步数更多。",
        ),
        (Check("epoch_loss_32", "<", "epoch_loss_256"), Check("epoch_loss_32", "<", "epoch_loss_full")),
    ),
    Claim(
        "one-sample-too-noisy",
        Text(
            "Smaller is not always better per epoch: at the same learning rate, single samples are too noisy and "
            "end no lower than batches of 32.",
            "按轮数算也不是越小越好：在同样的学习率下，单个样本噪声太大，最终损失不比批大小 32 低。",
        ),
        (Check("epoch_loss_1", ">=", "epoch_loss_32"),),
    ),
    Claim(
        "per-update",
        Text(
            "Per update, a batch of 32 makes far more progress than a single sample, but larger batches add little: "
            "after the same number of updates, single samples leave the loss at least twice as high as batches of "
            "32, while batches of 256 and the full batch end within 10% of 32.",
            "按更新次数算，批大小 32 比单个样本进展多得多，但更大的批次带来的好处很少：更新次数相同时，单个样本的损失"
            "至少是批大小 32 的两倍，而批大小 256 和整个训练集的损失与批大小 32 相差都在 10% 以内。",
        ),
        (
            Check("update_loss_1", ">=", "update_loss_32", times=2),
            *(
                Check(f"update_loss_{size}", op, "update_loss_32", times=factor)
                for size in ("256", "full")
                for op, factor in ((">=", 0.9), ("<=", 1.1))
            ),
        ),
    ),
    Claim(
        "per-second",
        Text(
            "Per second of training, a mini-batch (32 or 256) is ahead of both single samples and the full batch.",
            "按训练秒数算，小批量（32 或 256）领先于单个样本和整个训练集。",
        ),
        (
            Check("time_loss_best_minibatch", "<", "time_loss_1"),
            Check("time_loss_best_minibatch", "<", "time_loss_full"),
        ),
        timed=True,
    ),
    Claim(
        "vectorized-batches",
        Text(
            "On vectorized hardware a batch costs far less than its samples taken one at a time: a step on a batch of "
            "256 takes at most 5 times as long as a step on a single sample, not 256 times.",
            "在向量化的硬件上，一个批次的开销远小于把其中的样本逐个处理：批大小 256 的一步耗时至多是单个样本一步"
            "的 5 倍，而不是 256 倍。",
        ),
        (Check("updates_per_second_256", ">=", "updates_per_second_1", times=0.2),),
        timed=True,
    ),
    Claim(
        "noise-falls",
        Text(
            "The variance of the mini-batch gradient falls as 1/B (fitted log-log slope between -1.25 and -0.75), so "
            "its standard deviation falls as 1/√B.",
            "小批量梯度的方差按 1/B 下降（对数-对数拟合斜率在 -1.25 到 -0.75 之间），所以它的标准差按 1/√B 下降。",
        ),
        (Check("noise_variance_slope", ">=", -1.25), Check("noise_variance_slope", "<=", -0.75)),
    ),
)

LABELS: dict[str, Label] = {
    "training_samples": Label("training samples", "训练样本数"),
    "learning_rate": Label("learning rate (every run)", "学习率（所有实验）", "g"),
    "epoch_budget": Label("epoch budget", "轮数预算"),
    "update_budget": Label("update budget", "更新次数预算"),
    "time_budget": Label("time budget (s)", "时间预算（秒）", "g"),
    "noise_variance_slope": Label(
        "log-log slope of gradient variance against B", "梯度方差对 B 的对数-对数斜率", ".3f"
    ),
    "per_sample_gradient_variance": Label("per-sample gradient variance (trace)", "单样本梯度方差（迹）", ".3g"),
    "time_loss_best_minibatch": Label(
        "best of batches 32 and 256: loss after the time budget", "批大小 32 和 256 中较好者：时间预算后的损失", ".4f"
    ),
}
for _size in _SIZES:
    _en = "full batch" if _size == "full" else f"batch {_size}"
    _zh = "整个训练集" if _size == "full" else f"批大小 {_size}"
    LABELS |= {
        f"epoch_loss_{_size}": Label(
            f"{_en}: training loss after the epoch budget", f"{_zh}：轮数预算后的训练损失", ".4f"
        ),
        f"update_loss_{_size}": Label(
            f"{_en}: training loss after the update budget", f"{_zh}：更新次数预算后的训练损失", ".4f"
        ),
        f"time_loss_{_size}": Label(
            f"{_en}: training loss after the time budget", f"{_zh}：时间预算后的训练损失", ".4f"
        ),
        f"updates_per_second_{_size}": Label(f"{_en}: updates per second", f"{_zh}：每秒更新次数", ".4g"),
        f"samples_per_second_{_size}": Label(f"{_en}: samples per second", f"{_zh}：每秒处理样本数", ".4g"),
    }


def _model() -> nn.Sequential:
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def _at(xs: list[float], ys: list[float], x: float) -> float:
    """The recorded curve's value at ``x``: the last point at or before it."""
    index = int(np.searchsorted(np.asarray(xs), x, side="right")) - 1
    return float(ys[max(index, 0)])


def _warm_up(x: Tensor, y: Tensor, sizes: dict[str, int], loss_fn: Any) -> None:
    """A few untimed steps at every batch size, so that one-time costs (compiling kernels, first allocations)
    fall on no timed run."""
    model = _model()
    for batch in sizes.values():
        train(
            model,
            optim.SGD(model.parameters(), lr=_LR),
            loss_fn,
            loader(x[: 3 * batch], y[: 3 * batch], batch),
            epochs=1,
        )


@experiment(
    16,
    "batch-size",
    question=QUESTION,
    explanation=EXPLANATION,
    claims=CLAIMS,
    labels=LABELS,
    key="time_loss_best_minibatch",
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    n_train, epochs, updates, seconds = (
        (500, 3, 60, 0.4) if quick else (1438, 20, 400, 8.0) if full else (1438, 8, 200, 3.0)
    )
    x, y, _, _ = digits(seed)
    x, y = x[:n_train], y[:n_train]
    loss_fn = nn.CrossEntropyLoss()
    sizes = {"1": 1, "32": 32, "256": 256, "full": n_train}
    _warm_up(x, y, sizes, loss_fn)
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
        "training_samples": n_train,
        "learning_rate": _LR,
        "epoch_budget": epochs,
        "update_budget": updates,
        "time_budget": seconds,
    }
    for name, rows in runs.items():
        column = {key: [r[key] for r in rows] for key in rows[0]}
        numbers[f"epoch_loss_{name}"] = _at(column["epoch"], column["loss"], epochs)
        numbers[f"update_loss_{name}"] = _at(column["iteration"], column["loss"], updates)
        numbers[f"time_loss_{name}"] = _at(column["seconds"], column["loss"], seconds)
        rate = rows[-1]["iteration"] / max(rows[-1]["seconds"], 1e-9)
        numbers[f"updates_per_second_{name}"] = rate
        numbers[f"samples_per_second_{name}"] = rate * sizes[name]
    numbers["time_loss_best_minibatch"] = min(numbers["time_loss_32"], numbers["time_loss_256"])
    batch_sizes, variances, trace = _gradient_noise(seed, x, y, loss_fn, repeats=20 if quick else 50)
    small = batch_sizes <= n_train // 8
    slope = float(np.polyfit(np.log(batch_sizes[small]), np.log(variances[small]), 1)[0])
    numbers["noise_variance_slope"] = slope
    numbers["per_sample_gradient_variance"] = trace
    figures = {
        "budgets": Figure(
            Text(
                "Training loss against epochs, updates and seconds of training, for each batch size (log scales).",
                "各批大小下训练损失随轮数、更新次数和训练秒数的变化（对数刻度）。",
            ),
            _curves(runs, numbers),
        ),
        "noise": Figure(
            Text(
                "The variance of the mini-batch gradient around the full gradient, against the batch size.",
                "小批量梯度相对完整梯度的方差随批大小的变化。",
            ),
            _noise_plot(batch_sizes, variances, trace, n_train, slope),
        ),
    }
    setup = [
        Text(
            f"Every run trains the same MLP 64-64-10 from the same initialization with plain SGD at lr {_LR} on "
            f"{n_train} 8x8 digits, and goes on until it has done {epochs} epochs, {updates} updates and {seconds:g} s "
            "of training; the loss is the whole training set's, measured outside the timed part.",
            f"每次实验都从同样的初始化开始，用普通 SGD（学习率 {_LR}）在 {n_train} 个 8x8 数字上训练同一"
            f"个 MLP 64-64-10，"
            f"直到完成 {epochs} 轮、{updates} 次更新和 {seconds:g} 秒训练为止；损失是整个训练集上的损失，在计时之外测"
            f"量。",
        )
    ]
    return Outcome(numbers, figures, setup=setup)


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
    budgets = (numbers["epoch_budget"], numbers["update_budget"], numbers["time_budget"])
    keys = ("epoch", "iteration", "seconds")
    for name, rows in runs.items():
        label = f"batch {name}" + (f" ({numbers['training_samples']})" if name == "full" else "")
        for ax, key, budget in zip(axes, keys, budgets):
            shown = [r for r in rows if 0 < r[key] <= 3 * budget]
            ax.plot([r[key] for r in shown], [r["loss"] for r in shown], label=label, linewidth=1)
    titles = ("Same epochs", "Same updates", "Same seconds of training")
    for ax, key, title, budget in zip(axes, ("epochs", "updates", "training seconds"), titles, budgets):
        ax.axvline(budget, color="0.5", linestyle=":", linewidth=1)
        ax.set_xlabel(f"{key} (log scale; dotted: the budget)")
        ax.set_title(title, fontsize=10)
        ax.set_xscale("log")
        ax.legend()
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
    ax.set_title(f"Gradient-noise variance against batch size (fitted slope {slope:.2f})")
    ax.legend()
    return figure_png(fig)
