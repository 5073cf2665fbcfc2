"""Training plots: loss and accuracy curves, and the confusion matrix (matplotlib, optional)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..io.atomic import atomic_savefig

__all__ = ["plot_confusion_matrix", "plot_history"]


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'shendu[plot]'") from None
    return plt


def plot_history(history: Sequence[dict[str, float]], out_dir: str | Path) -> list[Path]:
    """Write ``loss.png`` (and ``accuracy.png`` for classification) from a trainer's history.

    Each image is written atomically (``shendu.io.atomic``): a failure leaves the previous image or none.
    """
    plt = _pyplot()
    out_dir = Path(out_dir)
    epochs = [row["epoch"] for row in history]
    written = []
    for metric in ("loss", "accuracy"):
        series = {split: [row.get(f"{split}_{metric}") for row in history] for split in ("train", "val")}
        if all(v is None for values in series.values() for v in values):
            continue
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for split, values in series.items():
            if any(v is not None for v in values):
                ax.plot(epochs, values, marker="o", label=split)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        path = out_dir / f"{metric}.png"
        try:
            atomic_savefig(fig, path, dpi=110)
        finally:
            plt.close(fig)
        written.append(path)
    return written


def plot_confusion_matrix(matrix: np.ndarray, classes: Sequence[str], path: str | Path) -> Path:
    """Write a confusion-matrix heat map with counts (rows: true class, columns: predicted)."""
    plt = _pyplot()
    matrix = np.asarray(matrix)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    image = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    threshold = matrix.max() / 2 if matrix.size else 0
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            ax.text(
                j,
                i,
                str(matrix[i, j]),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if matrix[i, j] > threshold else "black",
            )
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    try:
        atomic_savefig(fig, path, dpi=110)
    finally:
        plt.close(fig)
    return Path(path)
