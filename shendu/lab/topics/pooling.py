"""Question 20: max pooling, average pooling, and strided convolution under small translations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

import shendu
from shendu import nn
from shendu.datasets import FashionMNIST
from shendu.train import Trainer
from shendu.utils.data import DataLoader, TensorDataset

from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot

_KINDS = ("max", "avg", "strided")
_LABELS = {"max": "max pooling", "avg": "average pooling", "strided": "strided conv (no pooling)"}
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


def shift(images: shendu.Tensor, dx: int, dy: int) -> shendu.Tensor:
    """Translate a batch (N, C, H, W) by ``dx`` pixels right and ``dy`` down, filling with zeros."""
    return shendu.nn.functional.pad(images, (dx, -dx, dy, -dy))


def _probabilities(model: nn.Module, images: shendu.Tensor, batch: int = 500) -> np.ndarray:
    with shendu.no_grad():
        parts = [model(images[i : i + batch]).softmax(dim=1).numpy() for i in range(0, images.shape[0], batch)]
    return np.concatenate(parts)


def _robustness(model: nn.Module, images: shendu.Tensor, labels: np.ndarray, pixels: int) -> dict[str, float]:
    """Prediction flips, output change (total variation of the softmax) and accuracy under shifts."""
    base = _probabilities(model, images)
    flips, changes, accuracies = [], [], []
    for dx, dy in _DIRECTIONS:
        moved = _probabilities(model, shift(images, dx * pixels, dy * pixels))
        flips.append(float((moved.argmax(1) != base.argmax(1)).mean()))
        changes.append(float(0.5 * np.abs(moved - base).sum(1).mean()))
        accuracies.append(float((moved.argmax(1) == labels).mean()))
    return {"flip": float(np.mean(flips)), "change": float(np.mean(changes)), "acc": float(np.mean(accuracies))}


def judge(numbers: Mapping[str, Any]) -> Verdict:
    strided = numbers["strided_flip_mean"]
    checks = [
        (
            numbers[f"{kind}_clean_acc"] >= 0.6,
            f"the {_LABELS[kind]} network reached only {numbers[f'{kind}_clean_acc']:.3f} test accuracy",
        )
        for kind in _KINDS
    ]
    checks += [
        (
            numbers[f"{kind}_flip_mean"] < strided,
            f"{_LABELS[kind]} changed {numbers[f'{kind}_flip_mean']:.1%} of predictions under 1-2 pixel shifts, "
            f"not fewer than strided convolution's {strided:.1%}",
        )
        for kind in ("max", "avg")
    ]
    return all_of(
        checks,
        f"A 1-2 pixel shift changed {numbers['max_flip_mean']:.1%} of predictions with max pooling and "
        f"{numbers['avg_flip_mean']:.1%} with average pooling, against {strided:.1%} with strided convolution "
        f"(2 px: {numbers['max_flip_2px']:.1%}, {numbers['avg_flip_2px']:.1%}, {numbers['strided_flip_2px']:.1%}).",
    )


@experiment(
    20,
    "pooling",
    question="What does pooling do? Max pooling versus average pooling, and robustness to small shifts.",
    answer="""Pooling summarizes each small window of a feature map by one value: max pooling keeps the strongest
    response, average pooling the mean. Both shrink the map, so later layers see a wider part of the image with
    fewer numbers, and both make the network care less about exactly where a feature sits inside a window. A
    strided convolution also shrinks the map but simply skips positions, so a feature that moves by one pixel can
    land on a skipped position. Here three networks that differ only in how they downsample learn Fashion-MNIST;
    shifting the test images by one or two pixels changes fewer predictions for the pooling networks than for the
    strided one. Pooling gives some invariance, not full invariance: even with max pooling a two-pixel shift still
    changes a noticeable share of answers.""",
    judge=judge,
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    n_train, epochs, n_test, max_shift = _SIZES["quick" if quick else "full" if full else "default"]
    train_images, train_labels = FashionMNIST(train=True).arrays()
    test_images, test_labels = FashionMNIST(train=False).arrays()
    order = np.random.default_rng(seed).permutation(len(train_labels))[:n_train]
    x_train, y_train = shendu.tensor(train_images[order]), shendu.tensor(train_labels[order])
    x_test, y_test = shendu.tensor(test_images[:n_test]), np.asarray(test_labels[:n_test])

    numbers: dict[str, Any] = {"train_samples": n_train, "epochs": epochs, "test_samples": n_test}
    curves: dict[str, list[float]] = {}
    rows: list[list[Any]] = [["network", "shift (px)", "predictions changed", "output change (TV)", "accuracy"]]
    for kind in _KINDS:
        shendu.manual_seed(seed)
        model = _network(kind)
        loader = DataLoader(
            TensorDataset(x_train, y_train),
            batch_size=100,
            shuffle=True,
            generator=shendu.Generator().manual_seed(seed),
        )
        Trainer(
            model,
            shendu.optim.Adam(model.parameters(), lr=2e-3),
            nn.CrossEntropyLoss(),
            loader,
            epochs=epochs,
            verbose=0,
        ).fit()
        model.eval()
        curves[kind] = [0.0]
        clean = float((_probabilities(model, x_test).argmax(1) == y_test).mean())
        numbers[f"{kind}_clean_acc"] = clean
        rows.append([_LABELS[kind], 0, 0.0, 0.0, clean])
        for pixels in range(1, max_shift + 1):
            stats = _robustness(model, x_test, y_test, pixels)
            curves[kind].append(stats["flip"])
            rows.append([_LABELS[kind], pixels, stats["flip"], stats["change"], stats["acc"]])
            if pixels <= 2:
                numbers[f"{kind}_flip_{pixels}px"] = stats["flip"]
                numbers[f"{kind}_change_{pixels}px"] = stats["change"]
                numbers[f"{kind}_acc_{pixels}px"] = stats["acc"]
        numbers[f"{kind}_flip_mean"] = (numbers[f"{kind}_flip_1px"] + numbers[f"{kind}_flip_2px"]) / 2

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for kind in _KINDS:
        axes[0].plot(range(max_shift + 1), curves[kind], marker="o", label=_LABELS[kind])
    axes[0].set_xlabel("shift (pixels, averaged over 4 directions)")
    axes[0].set_ylabel("share of predictions that change")
    axes[0].set_xticks(range(max_shift + 1))
    axes[0].legend()
    axes[0].set_title("Sensitivity to translation")
    width = 0.25
    for i, kind in enumerate(_KINDS):
        accs = [numbers[f"{kind}_clean_acc"], numbers[f"{kind}_acc_1px"], numbers[f"{kind}_acc_2px"]]
        axes[1].bar(np.arange(3) + (i - 1) * width, accs, width, label=_LABELS[kind])
    axes[1].set_xticks(range(3), ["unshifted", "1 px", "2 px"])
    axes[1].set_ylim(0.5, 1.0)
    axes[1].set_ylabel("test accuracy")
    axes[1].set_title("Accuracy on shifted test images")
    axes[1].legend(fontsize=8)
    figures = {"translation": figure_png(fig)}

    fig, axes = plt.subplots(1, 5, figsize=(10, 2.3))
    sample = x_test[:1]
    for ax, (dx, dy) in zip(axes, ((0, 0), (1, 0), (2, 0), (0, 2), (-2, -2))):
        ax.imshow(shift(sample, dx, dy)[0, 0].numpy(), cmap="gray")
        ax.set_title(f"dx={dx}, dy={dy}", fontsize=9)
        ax.axis("off")
    fig.suptitle("The shifts applied to every test image (zeros fill the border)", fontsize=10)
    figures["shifts"] = figure_png(fig)
    return Outcome(numbers, figures, {"robustness by shift": rows})
