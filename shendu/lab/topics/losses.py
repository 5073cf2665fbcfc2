"""Question 7: cost functions. MSE versus cross-entropy for classification."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import Generator, Tensor, manual_seed, nn, no_grad, optim, sigmoid, tensor
from ...datasets import Digits
from ...nn import functional as F
from ...utils.data import DataLoader
from ..core import Check, Claim, Figure, Label, Outcome, Text, experiment, figure_png, pyplot
from ._training import train

__all__ = ["brier", "output_gradients", "run"]

QUESTION = Text(
    "Which cost function for classification: mean squared error or cross-entropy?",
    "分类问题该用哪种代价函数：均方误差还是交叉熵？",
)

EXPLANATION = Text.prose(
    """
    For a sigmoid or softmax output, cross-entropy's gradient with respect to the logit is the prediction minus
    the target, so the more wrong the network is, the harder it is pushed. Squared error (p - t)² measured after
    the sigmoid multiplies that difference by twice the sigmoid's slope, 2p(1 - p), which is almost zero when the
    output is saturated, so a network that is confidently wrong gets almost no signal. Cross-entropy is also the
    negative
    log-likelihood of the labels, which makes it the principled choice for classification; squared error is the
    likelihood of Gaussian noise and suits regression. Here the same MLP 64-64-10 learns the 8x8 digits with plain
    SGD, once from a standard initialization and once from a confidently wrong one (one class's output bias set
    to 12, so the untrained network gives that class probability 0.9999 for every image), with cross-entropy or
    with the squared error between the softmax probabilities and the one-hot target.
    """,
    """
    对 sigmoid 或 softmax 输出，交叉熵对 logit 的梯度就是预测减去目标，所以网络错得越厉害，被推动得越用力。
    在 sigmoid 之后计算的平方误差 (p - t)² 会把这个差再乘以 sigmoid 斜率的两倍 2p(1 - p)，输出饱和时它几乎为零，
    于是一个“自信地犯错”的网络几乎得不到信号。交叉熵也是标签的负对数似然，因此是分类问题的有原则的选择；平方误差是高斯噪声下的似然，
    适合回归。这里同一个 MLP 64-64-10 用普通 SGD 学习 8x8 数字：一次从标准初始化开始，一次从“自信地犯错”的初始化开始（
    把一个类别的输出偏置设为 12，未训练的网络对每张图像都给这个类别 0.9999 的概率），损失分别用交叉熵和 softmax 概率
    与 one-hot 目标之间的平方误差。
    """,
)

CLAIMS = (
    Claim(
        "ce-keeps-pushing",
        Text(
            "For a confidently wrong sigmoid output (p = 0.0025 for a positive example), cross-entropy's gradient at "
            "the logit is still at least 0.9.",
            "对一个自信地犯错的 sigmoid 输出（正例的 p = 0.0025），交叉熵在 logit 处的梯度仍至少为 0.9。",
        ),
        (Check("grad_ce_confidently_wrong", ">=", 0.9),),
    ),
    Claim(
        "mse-goes-quiet",
        Text(
            "There squared error's gradient is at most 0.01, and it never exceeds 0.3 at any logit.",
            "此时平方误差的梯度至多 0.01，而且在任何 logit 处都不超过 0.3。",
        ),
        (Check("grad_mse_confidently_wrong", "<=", 0.01), Check("grad_mse_peak", "<=", 0.3)),
    ),
    Claim(
        "network-gradients",
        Text(
            "In the confidently wrong network, the gradient each sample sends back from the output is at least 10 "
            "times larger with cross-entropy than with squared error.",
            "在自信地犯错的网络中，每个样本从输出端传回的梯度，用交叉熵时至少是用平方误差时的 10 倍。",
        ),
        (Check("confident_output_grad_ce", ">=", "confident_output_grad_mse", times=10),),
    ),
    Claim(
        "ce-recovers",
        Text(
            "From the confidently wrong start, cross-entropy reaches 90% test accuracy within the epoch budget and "
            "squared error takes longer, if it gets there at all.",
            "从自信地犯错的初始状态出发，交叉熵在预算轮数内达到 90% 的测试准确率，平方误差则需要更久，甚至根本达不到。",
        ),
        (
            Check("confident_epochs_to_target_ce", "<=", "epochs"),
            Check("confident_epochs_to_target_mse", ">", "confident_epochs_to_target_ce"),
        ),
    ),
    Claim(
        "ce-faster-anyway",
        Text(
            "Even from the standard start, squared error needs more epochs than cross-entropy to reach 90%.",
            "即使从标准初始化出发，平方误差达到 90% 所需的轮数也比交叉熵多。",
        ),
        (Check("standard_epochs_to_target_mse", ">", "standard_epochs_to_target_ce"),),
    ),
)

_INITS = {"standard": ("standard start", "标准初始化"), "confident": ("confidently wrong start", "自信犯错的初始化")}
_LOSSES = {"ce": ("cross-entropy", "交叉熵"), "mse": ("squared error", "平方误差")}
LABELS: dict[str, Label] = {
    "confidently_wrong_probability": Label("p of the confidently wrong output", "自信犯错输出的 p", ".4f"),
    "grad_ce_confidently_wrong": Label(
        "cross-entropy: |dL/dz| when confidently wrong", "交叉熵：自信犯错时的 |dL/dz|", ".4f"
    ),
    "grad_mse_confidently_wrong": Label(
        "squared error: |dL/dz| when confidently wrong", "平方误差：自信犯错时的 |dL/dz|", ".4f"
    ),
    "grad_mse_peak": Label(
        "squared error: largest |dL/dz| over logits", "平方误差：所有 logit 上最大的 |dL/dz|", ".4f"
    ),
    "epochs": Label("epoch budget", "轮数预算"),
}
for _init, (_ien, _izh) in _INITS.items():
    LABELS[f"{_init}_init_confidence"] = Label(
        f"{_ien}: mean top probability before training", f"{_izh}：训练前的平均最大概率", ".4f"
    )
    LABELS[f"{_init}_init_accuracy"] = Label(f"{_ien}: accuracy before training", f"{_izh}：训练前的准确率", ".3f")
    for _loss, (_len, _lzh) in _LOSSES.items():
        LABELS[f"{_init}_output_grad_{_loss}"] = Label(
            f"{_ien}: output gradient per sample, {_len}", f"{_izh}：每个样本的输出梯度，{_lzh}", ".3g"
        )
        LABELS[f"{_init}_epochs_to_target_{_loss}"] = Label(
            f"{_ien}, {_len}: epochs to 90% test accuracy (∞: not within the budget)",
            f"{_izh}，{_lzh}：达到 90% 测试准确率的轮数（∞：预算内未达到）",
        )
        LABELS[f"{_init}_final_accuracy_{_loss}"] = Label(
            f"{_ien}, {_len}: final test accuracy", f"{_izh}，{_lzh}：最终测试准确率", ".3f"
        )

# The logit at which a sigmoid output is "confidently wrong" about a positive example: p = 0.0025.
_WRONG_LOGIT = -6.0
_TARGET_ACCURACY = 0.9
# A bias this large on one output class makes the untrained network predict that class for every
# image with probability about 0.9999: confident, and wrong for the nine images in ten of other classes.
_CONFIDENT_BIAS = 12.0


def brier(output: Tensor, target: Tensor) -> Tensor:
    """Squared error between the softmax probabilities and the one-hot target, summed over classes."""
    probs = F.softmax(output, dim=1)
    return ((probs - F.one_hot(target, output.shape[1]).to(output.dtype)) ** 2).sum(dim=1).mean()


def output_gradients(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dL/dz for a positive example (target 1) at each logit z, for cross-entropy and for MSE after a sigmoid."""
    z = tensor(logits, requires_grad=True)
    ones = tensor(np.ones(len(logits)))
    F.binary_cross_entropy_with_logits(z, ones, reduction="sum").backward()
    ce = z.grad.numpy().copy()
    z.grad = None
    F.mse_loss(sigmoid(z), ones, reduction="sum").backward()
    return ce, z.grad.numpy().copy()


def _mlp(seed: int, bias: float) -> nn.Module:
    manual_seed(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    if bias:
        with no_grad():
            model[3].bias[0] = bias
    return model


def _first_batch_stats(model: nn.Module, loader: DataLoader) -> dict[str, float]:
    """Confidence, accuracy and the mean output-gradient norm of each loss on one batch, before training."""
    images, labels = next(iter(loader))
    with no_grad():
        logits = model(images)
    probs = F.softmax(logits, dim=1)
    stats = {
        "confidence": float(probs.max(dim=1).values.mean().item()),
        "accuracy": float((logits.argmax(dim=1) == labels).float().mean().item()),
    }
    for name, loss_fn in (("ce", F.cross_entropy), ("mse", brier)):
        z = logits.detach().requires_grad_()
        loss_fn(z, labels).backward()
        # Undo the batch mean so the number is the gradient one sample sends back.
        stats[f"grad_{name}"] = float(z.grad.norm(dim=1).mean().item()) * len(labels)
    return stats


def _epochs_to(history: list[float], target: float) -> float:
    for epoch, value in enumerate(history, start=1):
        if value >= target:
            return epoch
    return math.inf


@experiment(
    7,
    "mse-vs-cross-entropy",
    question=QUESTION,
    explanation=EXPLANATION,
    claims=CLAIMS,
    labels=LABELS,
    key="confident_epochs_to_target_mse",
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    z_grid = np.linspace(-10.0, 10.0, 201)
    ce_curve, mse_curve = output_gradients(z_grid)
    ce_wrong, mse_wrong = (abs(float(g[0])) for g in output_gradients(np.array([_WRONG_LOGIT])))

    epochs = 10 if quick else 40 if full else 25
    train_set, test = Digits(train=True, seed=seed), Digits(train=False, seed=seed)
    losses = {"ce": nn.CrossEntropyLoss(), "mse": brier}
    curves: dict[tuple[str, str], list[float]] = {}
    numbers: dict[str, Any] = {
        "confidently_wrong_probability": 1.0 / (1.0 + math.exp(-_WRONG_LOGIT)),
        "grad_ce_confidently_wrong": ce_wrong,
        "grad_mse_confidently_wrong": mse_wrong,
        "grad_mse_peak": float(np.abs(mse_curve).max()),
    }
    for init, bias in (("standard", 0.0), ("confident", _CONFIDENT_BIAS)):
        for name, loss_fn in losses.items():
            model = _mlp(seed, bias)
            order = Generator().manual_seed(seed)
            loader = DataLoader(train_set, batch_size=32, shuffle=True, generator=order)
            if name == "ce":
                stats = _first_batch_stats(model, DataLoader(train_set, batch_size=256))
                numbers[f"{init}_init_confidence"] = stats["confidence"]
                numbers[f"{init}_init_accuracy"] = stats["accuracy"]
                numbers[f"{init}_output_grad_ce"] = stats["grad_ce"]
                numbers[f"{init}_output_grad_mse"] = stats["grad_mse"]
            sgd = optim.SGD(model.parameters(), lr=0.1)
            trainer = train(model, sgd, loss_fn, loader, DataLoader(test, batch_size=512), epochs=epochs)
            curves[init, name] = [row["val_accuracy"] for row in trainer.history]
            numbers[f"{init}_epochs_to_target_{name}"] = _epochs_to(curves[init, name], _TARGET_ACCURACY)
            numbers[f"{init}_final_accuracy_{name}"] = curves[init, name][-1]
    numbers["epochs"] = epochs
    return Outcome(numbers, _figures(z_grid, ce_curve, mse_curve, curves))


def _figures(
    z: np.ndarray, ce: np.ndarray, mse: np.ndarray, curves: dict[tuple[str, str], list[float]]
) -> dict[str, Figure]:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.plot(z, np.abs(ce), label="cross-entropy: |p - 1|")
    ax.plot(z, np.abs(mse), label="squared error after sigmoid: |2(p - 1) p (1 - p)|")
    ax.axvline(_WRONG_LOGIT, color="grey", linestyle=":", label=f"confidently wrong (z = {_WRONG_LOGIT:g})")
    ax.set_xlabel("logit z of a positive example (target 1)")
    ax.set_ylabel("|dL/dz| at the output")
    ax.set_title("Output gradient: cross-entropy keeps pushing, squared error goes quiet")
    ax.legend()
    gradient = figure_png(fig)

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, init in zip(axes, ("standard", "confident")):
        for name, label in (("ce", "cross-entropy"), ("mse", "squared error on softmax")):
            values = curves[init, name]
            ax.plot(range(1, len(values) + 1), values, marker=".", label=label)
        ax.axhline(_TARGET_ACCURACY, color="grey", linestyle=":")
        ax.set_title(f"{init} initialization" + (" (confidently wrong)" if init == "confident" else ""))
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend()
    axes[0].set_ylabel("test accuracy (8x8 digits)")
    fig.suptitle("Same MLP, same SGD: only the loss differs")
    return {
        "output-gradient": Figure(
            Text(
                "The gradient at the logit of a positive example, for cross-entropy and for squared error after a "
                "sigmoid.",
                "正例 logit 处的梯度：交叉熵与 sigmoid 之后的平方误差。",
            ),
            gradient,
        ),
        "training-speed": Figure(
            Text(
                "Test accuracy by epoch from a standard and from a confidently wrong initialization.",
                "从标准初始化和从自信犯错的初始化出发，每轮的测试准确率。",
            ),
            figure_png(fig),
        ),
    }
