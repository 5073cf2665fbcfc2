"""Question 15: what dropout and batch normalization do to training, measured on Fashion-MNIST."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ... import Tensor, manual_seed, nn, optim
from ...train import Callback, Trainer
from ..core import Check, Claim, Figure, Label, Outcome, Text, experiment, figure_png, pyplot
from ._data import fashion, loader
from ._training import StepLog, evaluate, train, train_or_diverge

__all__ = ["run"]

QUESTION = Text(
    "What do dropout and batch normalization do, and how do they change training?",
    "dropout 和批归一化做什么？它们怎样改变训练？",
)

EXPLANATION = Text.prose(
    """
    Dropout is a regularizer: during training it zeroes a random share of the units on every step (and scales the
    survivors up so that the expected signal is unchanged), so no unit can rely on particular partners and the
    network behaves like an average over many thinned networks; at evaluation every unit is kept. Batch
    normalization standardizes each unit's pre-activation with the mean and variance of the current mini-batch
    and then applies a learned scale and shift; at evaluation it uses running averages, so every layer sees
    inputs on a steady scale whatever the weights before it do. Here dropout (20% of the inputs, 50% of the
    hidden units) is tried on an MLP 784-256-256-10 trained with Adam on a few hundred Fashion-MNIST images, and
    batch norm on an MLP with four hidden layers of 128 units trained with SGD and momentum on a few thousand, at
    a moderate and at a high learning rate.
    """,
    """
    dropout 是一种正则化方法：训练时每一步随机把一部分单元置零（并把保留下来的单元放大，使信号的期望不变），这样没有哪
    个单元能依赖特定的搭档，网络的行为就像许多“变瘦”的网络的平均；评估时保留所有单元。批归一化用当前小批量的均值和方差
    把每个单元的激活前值标准化，然后施加学习到的缩放和平移；评估时使用滑动平均，因此不论前面的权重怎样变化，每一层看到
    的输入尺度都保持稳定。这里在几百张 Fashion-MNIST 图像上用 Adam 训练一个 784-256-256-10 的 MLP 来试验 dropout（输入
    丢弃 20%，隐藏单元丢弃 50%）；在几千张图像上用带动量的 SGD，以中等和较高两个学习率，训练一个有四个 128 单元隐藏层
    的 MLP 来试验批归一化。
    """,
)

_FIT_ACCURACY = 0.95

CLAIMS = (
    Claim(
        "dropout-narrows-gap",
        Text(
            "Dropout narrows the gap between training and validation accuracy over the last quarter of training.",
            "在训练的最后四分之一，dropout 缩小了训练准确率与验证准确率之间的差距。",
        ),
        (Check("dropout_gap_with", "<", "dropout_gap_without"),),
    ),
    Claim(
        "dropout-slows-fitting",
        Text(
            "Each step sees a noisy, thinned network, so fitting the training set takes longer: the network with "
            "dropout reaches 95% training accuracy later than the one without, or not within the epochs given.",
            "每一步看到的都是带噪声的、变瘦的网络，所以拟合训练集要更久：有 dropout 的网络比没有的更晚达到 95% 的训练"
            "准确率，"
            "或者在给定轮数内达不到。",
        ),
        (Check("dropout_epochs_to_fit_with", ">", "dropout_epochs_to_fit_without"),),
    ),
    Claim(
        "dropout-validation",
        Text(
            "Here the narrower gap does not come with better validation accuracy: the best validation accuracy with "
            "and without dropout differs by at most 2 points.",
            "这里差距缩小了，验证准确率却没有随之变好：有无 dropout 时最好的验证准确率相差不超过 2 个百分点。",
        ),
        (Check("dropout_best_val_difference", "<=", 0.02),),
    ),
    Claim(
        "bn-faster",
        Text(
            "Batch norm reaches the target validation accuracy in fewer steps than the same network without it.",
            "加了批归一化的网络比不加的同一网络用更少的步数达到目标验证准确率。",
        ),
        (Check("bn_steps_with", "<", "bn_steps_without"),),
    ),
    Claim(
        "bn-high-rate",
        Text(
            "At the high learning rate (0.3) the network with batch norm still reaches the target, while the one "
            "without never does.",
            "在较高的学习率（0.3）下，加批归一化的网络仍能达到目标，而不加的网络始终达不到。",
        ),
        (
            Check("bn_steps_with_high_lr", "<=", "bn_budget_steps"),
            Check("bn_steps_without_high_lr", ">", "bn_budget_steps"),
        ),
    ),
)

LABELS: dict[str, Label] = {
    "dropout_training_samples": Label("dropout runs: training images", "dropout 实验：训练图像数"),
    "dropout_epochs": Label("dropout runs: epochs", "dropout 实验：训练轮数"),
    "dropout_best_val_difference": Label(
        "|best validation accuracy with - without dropout|", "|有 dropout 与无 dropout 的最好验证准确率之差|", ".3f"
    ),
    "bn_target_accuracy": Label("batch norm runs: target validation accuracy", "批归一化实验：目标验证准确率", ".2f"),
    "bn_base_lr": Label("batch norm runs: moderate learning rate", "批归一化实验：中等学习率", "g"),
    "bn_high_lr": Label("batch norm runs: high learning rate", "批归一化实验：较高学习率", "g"),
    "bn_training_samples": Label("batch norm runs: training images", "批归一化实验：训练图像数"),
    "bn_budget_steps": Label("batch norm runs: SGD steps in the budget", "批归一化实验：预算内的 SGD 步数"),
}
for _name, (_en, _zh) in {"with": ("with dropout", "有 dropout"), "without": ("without dropout", "无 dropout")}.items():
    LABELS |= {
        f"dropout_gap_{_name}": Label(
            f"{_en}: training minus validation accuracy", f"{_zh}：训练准确率减验证准确率", ".3f"
        ),
        f"dropout_loss_gap_{_name}": Label(
            f"{_en}: validation minus training loss", f"{_zh}：验证损失减训练损失", ".3f"
        ),
        f"dropout_epochs_to_fit_{_name}": Label(
            f"{_en}: epochs to 95% training accuracy (∞: not within the epochs)",
            f"{_zh}：达到 95% 训练准确率的轮数（∞：未达到）",
        ),
        f"dropout_best_val_accuracy_{_name}": Label(
            f"{_en}: best validation accuracy", f"{_zh}：最好的验证准确率", ".3f"
        ),
        f"dropout_best_val_loss_epoch_{_name}": Label(
            f"{_en}: epoch of the lowest validation loss", f"{_zh}：验证损失最低的轮次"
        ),
    }
for _name, (_en, _zh) in {
    "with": ("with batch norm", "有批归一化"),
    "without": ("without batch norm", "无批归一化"),
}.items():
    for _suffix, (_sen, _szh) in {"": ("lr 0.05", "学习率 0.05"), "_high_lr": ("lr 0.3", "学习率 0.3")}.items():
        LABELS[f"bn_steps_{_name}{_suffix}"] = Label(
            f"{_en}, {_sen}: steps to the target (∞: never)", f"{_zh}，{_szh}：达到目标的步数（∞：未达到）"
        )
        LABELS[f"bn_final_val_accuracy_{_name}{_suffix}"] = Label(
            f"{_en}, {_sen}: final validation accuracy", f"{_zh}，{_szh}：最终验证准确率", ".3f"
        )
    LABELS[f"bn_diverged_{_name}_high_lr"] = Label(f"{_en}, lr 0.3: became NaN", f"{_zh}，学习率 0.3：变成 NaN")


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


@experiment(
    15,
    "dropout-and-batchnorm",
    question=QUESTION,
    explanation=EXPLANATION,
    claims=CLAIMS,
    labels=LABELS,
    key="dropout_gap_with",
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    numbers: dict[str, Any] = {}
    histories = _dropout(seed, quick, full, numbers)
    curves = _batch_norm(seed, quick, full, numbers)
    figures = {
        "dropout": Figure(
            Text(
                "Accuracy and loss by epoch with and without dropout; the shading is the train-validation gap.",
                "有无 dropout 时每轮的准确率和损失；阴影是训练与验证之间的差距。",
            ),
            _dropout_plot(histories, numbers),
        ),
        "batch-norm": Figure(
            Text(
                "Validation accuracy against SGD steps with and without batch norm, at two learning rates.",
                "两个学习率下，有无批归一化时验证准确率随 SGD 步数的变化。",
            ),
            _bn_plot(curves, numbers),
        ),
    }
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
        numbers[f"dropout_gap_{name}"] = float((last[:, 1] - last[:, 3]).mean())
        numbers[f"dropout_loss_gap_{name}"] = float((last[:, 2] - last[:, 0]).mean())
        numbers[f"dropout_epochs_to_fit_{name}"] = _first_epoch(rows[:, 1], _FIT_ACCURACY)
        numbers[f"dropout_best_val_accuracy_{name}"] = float(rows[:, 3].max())
        numbers[f"dropout_best_val_loss_epoch_{name}"] = int(rows[:, 2].argmin()) + 1
    numbers["dropout_best_val_difference"] = abs(
        numbers["dropout_best_val_accuracy_with"] - numbers["dropout_best_val_accuracy_without"]
    )
    numbers["dropout_training_samples"] = n_train
    numbers["dropout_epochs"] = epochs
    return histories


def _batch_norm(seed: int, quick: bool, full: bool, numbers: dict[str, Any]) -> dict[tuple[str, float], list]:
    n_train, epochs, every = (2000, 4, 10) if quick else (8000, 10, 25) if full else (4000, 10, 20)
    base_lr, high_lr = 0.05, 0.3
    target = 0.75
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
            suffix = "" if lr == base_lr else "_high_lr"
            numbers[f"bn_steps_{name}{suffix}"] = hit
            numbers[f"bn_final_val_accuracy_{name}{suffix}"] = accuracy[-1]
            if lr == high_lr:
                numbers[f"bn_diverged_{name}_high_lr"] = diverged
    numbers.update({"bn_target_accuracy": target, "bn_base_lr": base_lr, "bn_high_lr": high_lr})
    numbers["bn_training_samples"] = n_train
    numbers["bn_budget_steps"] = epochs * len(loader(x, y, 64, seed))
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
        ax.legend(fontsize=8)
    fig.suptitle(
        f"Dropout on {numbers['dropout_training_samples']} Fashion-MNIST images: the shaded train/validation gap "
        f"is {numbers['dropout_gap_without']:.3f} without and {numbers['dropout_gap_with']:.3f} with dropout"
    )
    return figure_png(fig)


def _bn_plot(curves: dict[tuple[str, float], list], numbers: Mapping[str, Any]) -> bytes:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, lr in zip(axes, (numbers["bn_base_lr"], numbers["bn_high_lr"])):
        for name, color in (("without", "tab:red"), ("with", "tab:blue")):
            steps, accuracy, diverged = curves[(name, lr)]
            label = f"{name} batch norm" + (" (NaN: stopped)" if diverged else "")
            ax.plot(steps, accuracy, color=color, marker=".", markersize=3, label=label)
        target = numbers["bn_target_accuracy"]
        ax.axhline(target, color="0.4", linestyle=":", label=f"target {target}")
        ax.set_title(f"SGD with momentum, lr = {lr:g}")
        ax.set_xlabel("step")
        ax.legend()
    axes[0].set_ylabel("validation accuracy")
    fig.suptitle("A 4-hidden-layer MLP with and without batch normalization")
    return figure_png(fig)
