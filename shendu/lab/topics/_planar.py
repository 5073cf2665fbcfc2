"""Small problems in the plane (XOR, spirals) and the few helpers the experiments on them share."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import shendu
from shendu import nn, optim
from shendu.train import Callback, Trainer
from shendu.utils.data import DataLoader, TensorDataset

__all__ = [
    "LossRecorder",
    "StopWhenFit",
    "best_line_accuracy",
    "draw_boundary",
    "fit",
    "labels_of",
    "spirals",
    "xor",
]


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points in four equal clusters at (±1, ±1); the class is 1 where the coordinates' signs differ."""
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    which = np.arange(n) % 4
    x = corners[which] + rng.normal(0.0, noise, (n, 2))
    return x.astype(np.float32), (which >= 2).astype(np.int64)


def spirals(
    n: int, rng: np.random.Generator, classes: int = 2, turns: float = 1.5, noise: float = 0.03
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points on ``classes`` interleaved arms of an Archimedean spiral of radius 1, with Gaussian noise."""
    label = np.arange(n) % classes
    # sqrt spreads the points evenly along the arm's length rather than its angle
    t = np.sqrt(rng.uniform(0.02, 1.0, n))
    angle = t * turns * 2 * np.pi + 2 * np.pi * label / classes
    x = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) + rng.normal(0.0, noise, (n, 2))
    return x.astype(np.float32), label.astype(np.int64)


class LossRecorder(Callback):
    """Keeps the training loss of every step."""

    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_batch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        self.losses.append(float(logs["loss"]))


class StopWhenFit(Callback):
    """Stops training after the first epoch at whose end the model classifies ``accuracy`` of ``(x, y)`` right.

    Attributes:
        epoch: that epoch (counted from 1), or None while it has not happened.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, accuracy: float) -> None:
        self.x, self.y, self.accuracy = x, y, accuracy
        self.epoch: int | None = None

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if (labels_of(trainer.model, self.x) == self.y).mean() >= self.accuracy:
            self.epoch = int(logs["epoch"])
            trainer.stop(f"training accuracy reached {self.accuracy}")


def fit(
    model: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    seed: int,
    lr: float = 0.01,
    batch_size: int = 64,
    optimizer: str = "adam",
    loss_fn: Callable[[Any, Any], Any] | None = None,
    callbacks: Iterable[Callback] = (),
) -> Trainer:
    """Train ``model`` on ``(x, y)`` with the shared Trainer, silently, shuffling with a generator seeded from ``seed``.

    ``optimizer`` is ``"adam"`` or ``"sgd"``; the loss defaults to cross-entropy.
    """
    data = TensorDataset(shendu.tensor(x), shendu.tensor(y))
    loader = DataLoader(data, batch_size=batch_size, shuffle=True, generator=shendu.Generator().manual_seed(seed))
    params = model.parameters()
    opt = optim.Adam(params, lr=lr) if optimizer == "adam" else optim.SGD(params, lr=lr)
    trainer = Trainer(
        model, opt, loss_fn or nn.CrossEntropyLoss(), loader, epochs=epochs, callbacks=callbacks, verbose=0
    )
    trainer.fit()
    return trainer


def labels_of(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """The model's predicted class for every row of ``x``, in eval mode."""
    model.eval()
    with shendu.no_grad():
        scores = model(shendu.tensor(np.asarray(x, dtype=np.float32)))
    model.train()
    return scores.argmax(1).numpy()


def best_line_accuracy(x: np.ndarray, y: np.ndarray, directions: int = 720) -> float:
    """The highest accuracy of any straight-line split of two classes, searched over directions and offsets."""
    best = 0.0
    for angle in np.linspace(0.0, np.pi, directions, endpoint=False):
        projection = x @ np.array([np.cos(angle), np.sin(angle)])
        order = np.argsort(projection)
        ones_left = np.concatenate([[0], np.cumsum(y[order] == 1)])
        zeros_left = np.arange(len(y) + 1) - ones_left
        # class 0 left of the cut and class 1 right, or the other way round
        right_ones = ones_left[-1] - ones_left
        correct = np.maximum(zeros_left + right_ones, len(y) - zeros_left - right_ones)
        best = max(best, float(correct.max()) / len(y))
    return best


def draw_boundary(ax: Any, model: nn.Module, x: np.ndarray, y: np.ndarray, title: str, resolution: int = 150) -> None:
    """Shade the model's decision regions over the data's bounding box and scatter the data on top."""
    low, high = x.min(0) - 0.3, x.max(0) + 0.3
    gx, gy = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    regions = labels_of(model, np.stack([gx.ravel(), gy.ravel()], 1)).reshape(gx.shape)
    classes = int(max(y.max(), regions.max())) + 1
    cmap = "coolwarm" if classes == 2 else "Set2"
    ax.contourf(gx, gy, regions, levels=np.arange(classes + 1) - 0.5, cmap=cmap, alpha=0.35)
    ax.scatter(x[:, 0], x[:, 1], c=y, s=6, cmap=cmap, vmin=-0.5, vmax=classes - 0.5, edgecolors="none")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
