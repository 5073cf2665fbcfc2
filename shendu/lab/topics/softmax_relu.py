"""Question 12: softmax and ReLU. Softmax's normalization and shift invariance; ReLU's sparsity and dead units."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np

from ... import Generator, exp, float32, float64, manual_seed, nn, no_grad, optim, randn
from ...datasets import Digits
from ...nn import functional as F
from ...utils.data import DataLoader
from ..core import Check, Claim, Figure, Label, Outcome, Text, experiment, figure_png, pyplot
from ._training import train

__all__ = ["run"]

QUESTION = Text("What do softmax and ReLU do, and why are they used?", "softmax 和 ReLU 做什么？为什么使用它们？")

EXPLANATION = Text.prose(
    """
    Softmax turns a vector of scores into a probability distribution: it exponentiates every score and divides
    by the total. Adding the same constant to every score multiplies numerator and denominator by the same
    factor, so it changes nothing, and implementations use this to subtract the largest score first so that
    the exponential never overflows. ReLU, max(0, x), passes positive inputs unchanged and zeroes the rest; its
    slope is 1 where it is active and 0 elsewhere (question 6 measures it). The price of the zeros is that a unit
    pushed negative for every input gets no gradient at all, and a large step can push it there. Here an MLP with
    three hidden layers of 128 units learns the 8x8 digits with ReLU and with tanh (SGD with momentum, lr 0.1),
    and with ReLU under Adam at four rates from 0.001 (Adam's default) to 0.03.
    """,
    """
    softmax 把一组分数变成概率分布：对每个分数取指数，再除以总和。给每个分数加上同一个常数，相当于分子分母乘以同一个因
    子，结果不变；实现时利用这一点先减去最大的分数，使指数永远不会溢出。ReLU 即 max(0, x)，正的输入原样通过，其余置零
    ；它在激活区域的斜率为 1，其余地方为 0（第 6 题测量了这一点）。这些零的代价是：一个对所有输入都被推到负值的单元完
    全得不到梯度，而一大步更新就可能把它推到那里。这里一个有三个 128 单元隐藏层的 MLP 学习 8x8 数字，分别使用 ReLU 和
    tanh（带动量的 SGD，学习率 0.1），以及使用 Adam、学习率从 0.001（Adam 的默认值）到 0.03 四档的 ReLU。
    """,
)

_ADAM_RATES = {"lr0.001": 1e-3, "lr0.003": 3e-3, "lr0.01": 1e-2, "lr0.03": 3e-2}
_ADAM_TAGS = tuple(_ADAM_RATES)

CLAIMS = (
    Claim(
        "sums-to-one",
        Text(
            "Softmax rows sum to 1 within 1e-6 in float32 and 1e-12 in float64, for logits on scales from 0.1 to 100.",
            "对尺度从 0.1 到 100 的 logit，softmax 每一行的和在 float32 下与 1 相差不超过 1e-6，在 float64 下不超"
            "过 1e-12。",
        ),
        (Check("softmax_max_sum_error_float32", "<=", 1e-6), Check("softmax_max_sum_error_float64", "<=", 1e-12)),
    ),
    Claim(
        "shift-invariant",
        Text(
            "Adding a constant between -1000 and 1000 to every logit changes the probabilities by at most 1e-12 "
            "(float64).",
            "给每个 logit 加上 -1000 到 1000 之间的常数，概率的变化不超过 1e-12（float64）。",
        ),
        (Check("softmax_max_shift_change_float64", "<=", 1e-12),),
    ),
    Claim(
        "no-overflow",
        Text(
            "Subtracting the largest score is what keeps it finite: exponentiating logits near 1000 directly gives "
            "NaN for every probability, while shendu's softmax stays finite.",
            "先减去最大分数正是它保持有限的原因：直接对 1000 左右的 logit 取指数，每个概率都是 NaN，"
            "而 shendu 的 softmax 仍然有限。",
        ),
        (Check("naive_softmax_nan_fraction_at_1000", ">=", 1.0), Check("softmax_finite_at_1000", "==", True)),
    ),
    Claim(
        "relu-sparse",
        Text(
            "ReLU makes representations sparse: in the trained network at least 25% of each hidden layer's outputs "
            "on test images are exactly zero, against at most 1% with tanh.",
            "ReLU 让表示变得稀疏：训练好的网络在测试图像上，每个隐藏层至少 25% 的输出恰好为零，而 tanh 至多 1%。",
        ),
        tuple(Check(f"relu_layer{i}_zero_fraction", ">=", 0.25) for i in (1, 2, 3))
        + tuple(Check(f"tanh_layer{i}_zero_fraction", "<=", 0.01) for i in (1, 2, 3)),
    ),
    Claim(
        "dead-units",
        Text(
            "The higher the rate, the more units die: with Adam the number of ReLU units that fire on no training "
            "image rises at every step from lr 0.001 to 0.003, 0.01 and 0.03, where at least 10% of the 384 are "
            "dead, at least twice as many as at 0.001.",
            "学习率越高，死亡的单元越多：使用 Adam 时，对任何训练图像都不激活的 ReLU 单元数从学习率 0.001 到 0.003、"
            "0.01 和 0.03 每一档都在增加；在 0.03 时 384 个单元中至少 10% 已经死亡，至少是 0.001 时的两倍。",
        ),
        (
            *(Check(f"adam_{high}_dead_units", ">", f"adam_{low}_dead_units") for low, high in pairwise(_ADAM_TAGS)),
            Check(f"adam_{_ADAM_TAGS[-1]}_dead_fraction", ">=", 0.1),
            Check(f"adam_{_ADAM_TAGS[-1]}_dead_units", ">=", f"adam_{_ADAM_TAGS[0]}_dead_units", times=2),
        ),
    ),
)

_RUN_NAMES = {
    "relu": ("ReLU, SGD lr 0.1", "ReLU，SGD 学习率 0.1"),
    "tanh": ("tanh, SGD lr 0.1", "tanh，SGD 学习率 0.1"),
    **{f"adam_{tag}": (f"ReLU, Adam lr {lr:g}", f"ReLU，Adam 学习率 {lr:g}") for tag, lr in _ADAM_RATES.items()},
}
LABELS: dict[str, Label] = {
    "softmax_max_sum_error_float32": Label(
        "largest |row sum - 1|, float32", "行和与 1 之差的最大绝对值，float32", ".2g"
    ),
    "softmax_max_sum_error_float64": Label(
        "largest |row sum - 1|, float64", "行和与 1 之差的最大绝对值，float64", ".2g"
    ),
    "softmax_max_shift_change_float64": Label(
        "largest change of a probability after a shift, float64", "平移后概率的最大变化，float64", ".2g"
    ),
    "softmax_shifts_tried": Label("shifts tried", "所试的平移量"),
    "naive_softmax_nan_fraction_at_1000": Label(
        "exp(z) / sum exp(z) at z ≈ 1000: share of NaN", "z ≈ 1000 时 exp(z) / sum exp(z) 中 NaN 的比例", ".0%"
    ),
    "softmax_finite_at_1000": Label("shendu's softmax at z ≈ 1000 is finite", "z ≈ 1000 时 shendu 的 softmax 是有限值"),
    "relu_zero_fraction_at_init": Label(
        "ReLU: share of exact zeros before training", "ReLU：训练前恰好为零的比例", ".1%"
    ),
    "hidden_units": Label("hidden units", "隐藏单元数"),
    "epochs": Label("epochs", "训练轮数"),
}
for _run, (_en, _zh) in _RUN_NAMES.items():
    LABELS[f"{_run}_test_accuracy"] = Label(f"{_en}: test accuracy", f"{_zh}：测试准确率", ".3f")
    if _run != "tanh":
        LABELS[f"{_run}_dead_units"] = Label(f"{_en}: dead units (of 384)", f"{_zh}：死亡单元数（共 384 个）")
        LABELS[f"{_run}_dead_fraction"] = Label(f"{_en}: share of dead units", f"{_zh}：死亡单元比例", ".1%")
    if _run in ("relu", "tanh"):
        for _layer in (1, 2, 3):
            LABELS[f"{_run}_layer{_layer}_zero_fraction"] = Label(
                f"{_en}: layer {_layer} outputs exactly zero", f"{_zh}：第 {_layer} 层恰好为零的输出比例", ".1%"
            )

_SHIFTS = (-1000.0, -3.0, 7.5, 1000.0)
_WIDTH = 128
_DEPTH = 3

# name: (activation, optimizer factory): ReLU and tanh under the same SGD for sparsity, and ReLU under Adam at
# rates from its default upwards for dead units.
_RUNS: dict[str, tuple[type[nn.Module], Any]] = {
    "relu": (nn.ReLU, lambda params: optim.SGD(params, lr=0.1, momentum=0.9)),
    "tanh": (nn.Tanh, lambda params: optim.SGD(params, lr=0.1, momentum=0.9)),
    **{f"adam_{tag}": (nn.ReLU, lambda params, lr=lr: optim.Adam(params, lr=lr)) for tag, lr in _ADAM_RATES.items()},
}


def _softmax_checks(seed: int) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    gen = Generator().manual_seed(seed)
    # Logit scales from 0.1 to 100, so some rows are nearly uniform and others nearly one-hot.
    scales = np.logspace(-1, 2, 1000)[:, None]
    logits64 = randn(1000, 10, dtype=float64, generator=gen) * scales
    numbers: dict[str, Any] = {}
    for name, z in (("float32", logits64.to(float32)), ("float64", logits64)):
        sums = F.softmax(z, dim=1).sum(dim=1)
        numbers[f"softmax_max_sum_error_{name}"] = float((sums - 1).abs().max().item())
    base = F.softmax(logits64, dim=1)
    shift_errors = [float((F.softmax(logits64 + c, dim=1) - base).abs().max().item()) for c in _SHIFTS]
    numbers["softmax_max_shift_change_float64"] = max(shift_errors)
    numbers["softmax_shifts_tried"] = ", ".join(f"{c:g}" for c in _SHIFTS)

    big = logits64[:8].to(float32) + 1000.0
    with np.errstate(over="ignore", invalid="ignore"):
        naive = exp(big) / exp(big).sum(dim=1, keepdim=True)
    stable = F.softmax(big, dim=1)
    numbers["naive_softmax_nan_fraction_at_1000"] = float(naive.isnan().float().mean().item())
    numbers["softmax_finite_at_1000"] = bool(stable.isfinite().all().item())
    # Row 500 has logits of scale about 3: a distribution neither uniform nor one-hot, good to look at.
    row = logits64[500:501]
    example = [F.softmax(row + c, dim=1).numpy()[0] for c in (0.0, 1000.0)]
    return numbers, row.numpy()[0], np.stack(example)


def _network(seed: int, activation: type[nn.Module]) -> nn.Sequential:
    manual_seed(seed)
    layers: list[nn.Module] = [nn.Flatten()]
    width = 64
    for _ in range(_DEPTH):
        layers += [nn.Linear(width, _WIDTH), activation()]
        width = _WIDTH
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


def _activations(model: nn.Sequential, images: Any) -> list[np.ndarray]:
    """Each hidden layer's output (after its nonlinearity) for every image."""
    outputs, h = [], images
    with no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, (nn.ReLU, nn.Tanh)):
                outputs.append(h.numpy())
    return outputs


@experiment(
    12,
    "softmax-and-relu",
    question=QUESTION,
    explanation=EXPLANATION,
    claims=CLAIMS,
    labels=LABELS,
    key="adam_lr0.03_dead_units",
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    numbers, softmax_row, softmax_pair = _softmax_checks(seed)
    epochs = 4 if quick else 20 if full else 10
    train_set, test = Digits(train=True, seed=seed), Digits(train=False, seed=seed)
    firing: dict[str, list[np.ndarray]] = {}
    test_acts: dict[str, list[np.ndarray]] = {}
    for name, (activation, make_optimizer) in _RUNS.items():
        model = _network(seed, activation)
        if name == "relu":
            initial = _activations(model, test.data)
            numbers["relu_zero_fraction_at_init"] = float(np.mean([np.mean(a == 0) for a in initial]))
        loader = DataLoader(train_set, batch_size=64, shuffle=True, generator=Generator().manual_seed(seed))
        trainer = train(
            model,
            make_optimizer(model.parameters()),
            nn.CrossEntropyLoss(),
            loader,
            DataLoader(test, batch_size=512),
            epochs=epochs,
        )
        numbers[f"{name}_test_accuracy"] = trainer.history[-1]["val_accuracy"]
        if name in ("relu", "tanh"):
            test_acts[name] = _activations(model, test.data)
            for layer, acts in enumerate(test_acts[name], start=1):
                numbers[f"{name}_layer{layer}_zero_fraction"] = float(np.mean(acts == 0))
        if name != "tanh":
            # A unit that outputs zero for every training image gets no gradient from any of them: it is dead.
            firing[name] = [np.mean(a > 0, axis=0) for a in _activations(model, train_set.data)]
            numbers[f"{name}_dead_units"] = int(sum(int(np.sum(f == 0)) for f in firing[name]))
            numbers[f"{name}_dead_fraction"] = numbers[f"{name}_dead_units"] / (_WIDTH * _DEPTH)
    numbers["hidden_units"] = _WIDTH * _DEPTH
    numbers["epochs"] = epochs
    return Outcome(numbers, _figures(softmax_row, softmax_pair, test_acts, firing))


def _figures(
    row: np.ndarray, pair: np.ndarray, acts: dict[str, list[np.ndarray]], firing: dict[str, list[np.ndarray]]
) -> dict[str, Figure]:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    positions = np.arange(len(row))
    axes[0].bar(positions, row)
    axes[0].set_title("logits z")
    axes[1].bar(positions - 0.2, pair[0], width=0.4, label="softmax(z)")
    axes[1].bar(positions + 0.2, pair[1], width=0.4, label="softmax(z + 1000)")
    axes[1].set_title(f"probabilities: sum {pair[0].sum():.6f}, identical after the shift")
    axes[1].legend()
    axes[0].set_ylabel("logit")
    axes[1].set_ylabel("probability")
    for ax in axes:
        ax.set_xlabel("class")
    softmax_fig = figure_png(fig)

    fig, axes = plt.subplots(1, _DEPTH, figsize=(13, 3.6), sharey=True)
    for layer, ax in enumerate(axes):
        for name in ("relu", "tanh"):
            values = acts[name][layer].ravel()
            ax.hist(values, bins=60, alpha=0.6, label=f"{name}: {np.mean(values == 0):.0%} exactly zero")
        ax.set_yscale("log")
        ax.set_title(f"hidden layer {layer + 1}")
        ax.set_xlabel("activation (test images)")
        ax.legend()
    axes[0].set_ylabel("count (log scale)")
    histograms = figure_png(fig)

    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    rates = list(_ADAM_RATES.values())
    dead = [int(sum(int(np.sum(f == 0)) for f in firing[f"adam_{tag}"])) for tag in _ADAM_TAGS]
    axes[0].plot(rates, dead, "o-", color="tab:red", label="ReLU, Adam")
    sgd_dead = int(sum(int(np.sum(f == 0)) for f in firing["relu"]))
    axes[0].axhline(sgd_dead, color="tab:blue", linestyle="--", label=f"ReLU, SGD with momentum, lr 0.1: {sgd_dead}")
    axes[0].set_xscale("log")
    axes[0].set_xlabel("Adam's learning rate (log scale)")
    axes[0].set_ylabel(f"dead units (of {_WIDTH * _DEPTH})")
    axes[0].set_title("Units that fire on no training image")
    axes[0].legend()
    for tag, lr in _ADAM_RATES.items():
        rates_sorted = np.sort(np.concatenate(firing[f"adam_{tag}"]))[::-1]
        axes[1].plot(rates_sorted, label=f"Adam, lr {lr:g}")
    axes[1].set_xlabel("unit, all three layers (sorted)")
    axes[1].set_ylabel("share of training images it fires on")
    axes[1].set_title("How often each unit fires")
    axes[1].legend()
    fig.tight_layout()
    return {
        "softmax": Figure(
            Text(
                "One row of logits, and its softmax before and after adding 1000 to every logit.",
                "一行 logit，以及给每个 logit 加上 1000 前后的 softmax。",
            ),
            softmax_fig,
        ),
        "relu-sparsity": Figure(
            Text(
                "Hidden activations on test images: ReLU's exact zeros against tanh.",
                "测试图像上的隐藏层激活：ReLU 恰好为零的输出与 tanh 对比。",
            ),
            histograms,
        ),
        "dead-units": Figure(
            Text(
                "Dead ReLU units against Adam's learning rate, and how often each unit fires on the training images "
                "(sorted; a unit at zero is dead).",
                "死亡 ReLU 单元数随 Adam 学习率的变化，以及每个单元在训练图像上激活的频率（已排序；为零的单元已经死"
                "亡）。",
            ),
            figure_png(fig),
        ),
    }
