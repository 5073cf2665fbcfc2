"""Question 20: max pooling, average pooling, and strided convolution under small translations."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import Tensor, manual_seed, nn, no_grad, optim, tensor
from ...datasets import FashionMNIST
from ...nn import functional as F
from ..core import Check, Claim, Figure, Label, Outcome, Table, Text, experiment, figure_png, pyplot
from ._data import loader
from ._training import train

__all__ = ["run", "shift"]

QUESTION = Text(
    "What does pooling do? Max pooling versus average pooling, and robustness to small shifts.",
    "池化做什么？最大池化与平均池化的比较，以及对小平移的鲁棒性。",
)

EXPLANATION = Text.prose(
    """
    Pooling summarizes each small window of a feature map by one value: max pooling keeps the strongest
    response, average pooling the mean. Both shrink the map, so later layers see a wider part of the image with
    fewer numbers, and both make the network care less about exactly where a feature sits inside a window. A
    strided convolution also shrinks the map but simply skips positions, so a feature that moves by one pixel can
    land on a skipped position. Here three networks that differ only in how they downsample (two 3x3 convolution
    layers, each followed by 2x2 max pooling, 2x2 average pooling, or a stride of 2 instead) learn
    Fashion-MNIST, and their test images are then shifted by one and two pixels in each of four directions.
    """,
    """
    池化用一个值概括特征图的每个小窗口：最大池化保留最强的响应，平均池化保留均值。两者都会缩小特征图，使后面的层用更少
    的数看到图像中更大的区域，也都让网络不那么在意一个特征在窗口内的确切位置。带步长的卷积同样缩小特征图，但它只是跳过
    一些位置，所以一个移动了一个像素的特征可能正好落在被跳过的位置上。这里三个只在下采样方式上不同的网络（两个 3x3 卷
    积层，每层之后分别接 2x2 最大池化、2x2 平均池化，或改用步长 2）学习 Fashion-MNIST，然后把测试图像向四个方向各平移
    一个和两个像素。
    """,
)

_KINDS = ("max", "avg", "strided")
_KIND_NAMES = {
    "max": ("max pooling", "最大池化"),
    "avg": ("average pooling", "平均池化"),
    "strided": ("strided convolution", "带步长的卷积"),
}

CLAIMS = (
    Claim(
        "all-learn",
        Text(
            "All three networks learn the task: at least 60% test accuracy on unshifted images.",
            "三个网络都学会了这个任务：在未平移的图像上测试准确率至少 60%。",
        ),
        tuple(Check(f"{kind}_clean_acc", ">=", 0.6) for kind in _KINDS),
    ),
    Claim(
        "pooling-more-robust",
        Text(
            "Shifting the test images by one or two pixels changes fewer predictions with max pooling and with "
            "average pooling than with strided convolution.",
            "把测试图像平移一到两个像素时，最大池化和平均池化网络改变的预测都比带步长的卷积网络少。",
        ),
        (
            Check("max_flip_mean", "<", "strided_flip_mean"),
            Check("avg_flip_mean", "<", "strided_flip_mean"),
        ),
    ),
    Claim(
        "not-invariant",
        Text(
            "Pooling gives some invariance, not full invariance: even with max pooling a two-pixel shift changes at "
            "least 5% of the predictions.",
            "池化带来的是部分不变性而不是完全不变性：即使用最大池化，两个像素的平移也会改变至少 5% 的预测。",
        ),
        (Check("max_flip_2px", ">=", 0.05),),
    ),
)

LABELS: dict[str, Label] = {
    "train_samples": Label("training images", "训练图像数"),
    "epochs": Label("epochs", "训练轮数"),
    "test_samples": Label("test images", "测试图像数"),
}
for _kind, (_en, _zh) in _KIND_NAMES.items():
    LABELS[f"{_kind}_clean_acc"] = Label(f"{_en}: test accuracy, unshifted", f"{_zh}：未平移时的测试准确率", ".3f")
    LABELS[f"{_kind}_flip_mean"] = Label(
        f"{_en}: predictions changed by a 1-2 px shift", f"{_zh}：1-2 像素平移改变的预测比例", ".1%"
    )
    for _px in (1, 2):
        LABELS[f"{_kind}_flip_{_px}px"] = Label(
            f"{_en}: predictions changed by a {_px} px shift", f"{_zh}：{_px} 像素平移改变的预测比例", ".1%"
        )
        LABELS[f"{_kind}_change_{_px}px"] = Label(
            f"{_en}: output change at {_px} px (total variation)", f"{_zh}：{_px} 像素时输出的变化（总变差）", ".3f"
        )
        LABELS[f"{_kind}_acc_{_px}px"] = Label(
            f"{_en}: test accuracy shifted {_px} px", f"{_zh}：平移 {_px} 像素后的测试准确率", ".3f"
        )

_DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1))
_WIDTH = (16, 32)
# (training images, epochs, test images, largest shift drawn) per mode.
_SIZES = {"quick": (3000, 2, 500, 2), "default": (10000, 3, 2000, 3), "full": (60000, 4, 10000, 3)}


def _network(kind: str) -> nn.Module:
    """Two 3x3 conv layers that each halve the resolution, by pooling or by a stride of 2.

    All three variants end in the same feature map of 7x7 positions and the same linear classifier, so
    only the way each block downsamples differs.
    """
    if kind == "strided":
        blocks: list[nn.Module] = [
            nn.Conv2d(1, _WIDTH[0], 3, padding=1, stride=2),
            nn.ReLU(),
            nn.Conv2d(_WIDTH[0], _WIDTH[1], 3, padding=1, stride=2),
            nn.ReLU(),
        ]
    else:
        pool = nn.MaxPool2d if kind == "max" else nn.AvgPool2d
        blocks = [
            nn.Conv2d(1, _WIDTH[0], 3, padding=1),
            nn.ReLU(),
            pool(2),
            nn.Conv2d(_WIDTH[0], _WIDTH[1], 3, padding=1),
            nn.ReLU(),
            pool(2),
        ]
    return nn.Sequential(*blocks, nn.Flatten(), nn.Linear(_WIDTH[1] * 7 * 7, 10))


def shift(images: Tensor, dx: int, dy: int) -> Tensor:
    """Translate a batch (N, C, H, W) by ``dx`` pixels right and ``dy`` down, filling with zeros."""
    return F.pad(images, (dx, -dx, dy, -dy))


def _probabilities(model: nn.Module, images: Tensor, batch: int = 500) -> np.ndarray:
    with no_grad():
        parts = [model(images[i : i + batch]).softmax(dim=1).numpy() for i in range(0, images.shape[0], batch)]
    return np.concatenate(parts)


def _robustness(model: nn.Module, images: Tensor, labels: np.ndarray, pixels: int) -> dict[str, float]:
    """Prediction flips, output change (total variation of the softmax) and accuracy under shifts."""
    base = _probabilities(model, images)
    flips, changes, accuracies = [], [], []
    for dx, dy in _DIRECTIONS:
        moved = _probabilities(model, shift(images, dx * pixels, dy * pixels))
        flips.append(float((moved.argmax(1) != base.argmax(1)).mean()))
        changes.append(float(0.5 * np.abs(moved - base).sum(1).mean()))
        accuracies.append(float((moved.argmax(1) == labels).mean()))
    return {"flip": float(np.mean(flips)), "change": float(np.mean(changes)), "acc": float(np.mean(accuracies))}


@experiment(
    20, "pooling", question=QUESTION, explanation=EXPLANATION, claims=CLAIMS, labels=LABELS, key="max_flip_mean"
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    n_train, epochs, n_test, max_shift = _SIZES["quick" if quick else "full" if full else "default"]
    train_images, train_labels = FashionMNIST(train=True).arrays()
    test_images, test_labels = FashionMNIST(train=False).arrays()
    order = np.random.default_rng(seed).permutation(len(train_labels))[:n_train]
    x_train, y_train = tensor(train_images[order]), tensor(train_labels[order])
    x_test, y_test = tensor(test_images[:n_test]), np.asarray(test_labels[:n_test])

    numbers: dict[str, Any] = {"train_samples": n_train, "epochs": epochs, "test_samples": n_test}
    curves: dict[str, list[float]] = {}
    rows: list[list[Any]] = []
    for kind in _KINDS:
        manual_seed(seed)
        model = _network(kind)
        adam = optim.Adam(model.parameters(), lr=2e-3)
        train(model, adam, nn.CrossEntropyLoss(), loader(x_train, y_train, 100, seed), epochs=epochs)
        model.eval()
        curves[kind] = [0.0]
        clean = float((_probabilities(model, x_test).argmax(1) == y_test).mean())
        numbers[f"{kind}_clean_acc"] = clean
        name = Text(*_KIND_NAMES[kind])
        rows.append([name, 0, 0.0, 0.0, clean])
        for pixels in range(1, max_shift + 1):
            stats = _robustness(model, x_test, y_test, pixels)
            curves[kind].append(stats["flip"])
            rows.append([name, pixels, stats["flip"], stats["change"], stats["acc"]])
            if pixels <= 2:
                numbers[f"{kind}_flip_{pixels}px"] = stats["flip"]
                numbers[f"{kind}_change_{pixels}px"] = stats["change"]
                numbers[f"{kind}_acc_{pixels}px"] = stats["acc"]
        numbers[f"{kind}_flip_mean"] = (numbers[f"{kind}_flip_1px"] + numbers[f"{kind}_flip_2px"]) / 2

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for kind in _KINDS:
        axes[0].plot(range(max_shift + 1), curves[kind], marker="o", label=_KIND_NAMES[kind][0])
    axes[0].set_xlabel("shift (pixels, averaged over 4 directions)")
    axes[0].set_ylabel("share of predictions that change")
    axes[0].set_xticks(range(max_shift + 1))
    axes[0].legend()
    axes[0].set_title("Sensitivity to translation")
    width = 0.25
    for i, kind in enumerate(_KINDS):
        accs = [numbers[f"{kind}_clean_acc"], numbers[f"{kind}_acc_1px"], numbers[f"{kind}_acc_2px"]]
        axes[1].bar(np.arange(3) + (i - 1) * width, accs, width, label=_KIND_NAMES[kind][0])
    axes[1].set_xticks(range(3), ["unshifted", "1 px", "2 px"])
    axes[1].set_ylim(0.0, 1.0)
    axes[1].set_ylabel("test accuracy")
    axes[1].set_title("Accuracy on shifted test images")
    axes[1].legend(loc="lower right")
    figures = {
        "translation": Figure(
            Text(
                "Share of predictions that change when the test images shift, and accuracy on shifted images.",
                "测试图像平移时改变的预测比例，以及平移后图像上的准确率。",
            ),
            figure_png(fig),
        )
    }

    fig, axes = plt.subplots(1, 5, figsize=(11, 2.8))
    sample = x_test[:1]
    for ax, (dx, dy) in zip(axes, ((0, 0), (1, 0), (2, 0), (0, 2), (-2, -2))):
        ax.imshow(shift(sample, dx, dy)[0, 0].numpy(), cmap="gray")
        ax.set_title(f"dx={dx}, dy={dy}")
        ax.axis("off")
    fig.suptitle("The shifts applied to every test image (zeros fill the border)")
    figures["shifts"] = Figure(
        Text(
            "One test image under the shifts applied (zeros fill the border).",
            "一张测试图像在所用平移下的样子（边缘补零）。",
        ),
        figure_png(fig),
    )
    table = Table(
        Text("Robustness by shift", "各平移量下的鲁棒性"),
        (
            Text("network", "网络"),
            Text("shift (px)", "平移（像素）"),
            Text("predictions changed", "改变的预测比例"),
            Text("output change (total variation)", "输出变化（总变差）"),
            Text("test accuracy", "测试准确率"),
        ),
        rows,
    )
    return Outcome(numbers, figures, [table])
