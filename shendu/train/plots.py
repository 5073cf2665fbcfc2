"""Training plots: loss and accuracy curves, and the confusion matrix (matplotlib, optional)."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..io.atomic import atomic_savefig

__all__ = ["plot_confusion_matrix", "plot_history"]

_Plot = TypeVar("_Plot", bound=Callable[..., Any])

# 8-inch-wide figures at 130 dots per inch: 1040 pixels, sharp on a wide screen.
_DPI = 130


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'shendu[plot]'") from None
    return plt


def _quiet_missing_glyphs(plot: _Plot) -> _Plot:
    """Run ``plot`` without matplotlib's warnings for characters its font lacks (CJK class names are drawn as boxes)."""

    @functools.wraps(plot)
    def run(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
            return plot(*args, **kwargs)

    return run  # type: ignore[return-value]


@_quiet_missing_glyphs
def plot_history(
    history: Sequence[dict[str, float]],
    out_dir: str | Path,
    test: dict[str, Any] | None = None,
    title: str | None = None,
) -> list[Path]:
    """Write ``loss.png`` (and ``accuracy.png`` for classification) from a trainer's history.

    Args:
        history: the trainer's per-epoch rows (``epoch``, ``train_loss``, ``val_accuracy``...).
        out_dir: the folder to write to.
        test: the final evaluation (``loss``, ``accuracy``), drawn as a dashed line. Default: None.
        title: what was trained, shown in each title (e.g. ``"cnn on fashion-mnist"``). Default: None.

    Each image is written atomically (``shendu.io.atomic``): a failure leaves the previous image or none.
    """
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    out_dir = Path(out_dir)
    epochs = [row["epoch"] for row in history]
    written = []
    for metric in ("loss", "accuracy"):
        series = {split: [row.get(f"{split}_{metric}") for row in history] for split in ("train", "val")}
        if all(v is None for values in series.values() for v in values):
            continue
        fig, ax = plt.subplots(figsize=(8, 5))
        for split, values in series.items():
            if any(v is not None for v in values):
                ax.plot(epochs, values, marker="o", label={"train": "training", "val": "validation"}[split])
        if test is not None and test.get(metric) is not None:
            ax.axhline(test[metric], color="black", linestyle="--", linewidth=1, label=f"test: {test[metric]:.4f}")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if len(set(epochs)) == 1:
            # One epoch leaves the locator no range to place whole numbers in: it falls back to fractions.
            ax.set_xticks(epochs)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(f"{metric.capitalize()} per epoch" + (f": {title}" if title else ""))
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        path = out_dir / f"{metric}.png"
        try:
            atomic_savefig(fig, path, dpi=_DPI)
        finally:
            plt.close(fig)
        written.append(path)
    return written


@_quiet_missing_glyphs
def plot_confusion_matrix(
    matrix: np.ndarray, classes: Sequence[str], path: str | Path, title: str = "Confusion matrix"
) -> Path:
    """Write a confusion-matrix heat map with counts (rows: true class, columns: predicted).

    Args:
        matrix: counts, (classes, classes).
        classes: the class names, in index order.
        path: the PNG file to write.
        title: the figure's title. Default: ``"Confusion matrix"``.
    """
    plt = _pyplot()
    matrix = np.asarray(matrix)
    fig, ax = plt.subplots(figsize=(8.5, 7))
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
                fontsize=9,
                color="white" if matrix[i, j] > threshold else "black",
            )
    fig.colorbar(image, ax=ax)
    ax.set_title(title)
    fig.tight_layout()
    try:
        atomic_savefig(fig, path, dpi=_DPI)
    finally:
        plt.close(fig)
    return Path(path)
