"""Analysis and drawing of two-class and three-class problems in the plane."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._training import labels_of

__all__ = ["best_line_accuracy", "draw_boundary"]


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


def draw_boundary(ax: Any, model: Any, x: np.ndarray, y: np.ndarray, title: str, resolution: int = 150) -> None:
    """Shade the model's decision regions over the data's bounding box and scatter the data on top."""
    low, high = x.min(0) - 0.3, x.max(0) + 0.3
    gx, gy = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    regions = labels_of(model, np.stack([gx.ravel(), gy.ravel()], 1)).reshape(gx.shape)
    classes = int(max(y.max(), regions.max())) + 1
    cmap = "coolwarm" if classes == 2 else "Set2"
    ax.contourf(gx, gy, regions, levels=np.arange(classes + 1) - 0.5, cmap=cmap, alpha=0.35)
    ax.scatter(x[:, 0], x[:, 1], c=y, s=6, cmap=cmap, vmin=-0.5, vmax=classes - 0.5, edgecolors="none")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
