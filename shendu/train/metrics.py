"""Metrics over predictions and targets: accuracy, top-k, confusion matrix, precision/recall/F1, MSE, MAE."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import CPU, to_device
from ..errors import ShapeError
from ..tensor import Tensor

__all__ = ["accuracy", "confusion_matrix", "mae", "mse", "precision_recall_f1", "top_k_accuracy"]


def _array(value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        return np.asarray(to_device(value._array, CPU))
    return np.asarray(value)


def _labels(op: str, output: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
    out, tgt = _array(output), _array(target).reshape(-1)
    predicted = out.argmax(axis=1).reshape(-1) if out.ndim >= 2 else out.reshape(-1)
    if predicted.shape != tgt.shape:
        raise ShapeError(f"{op}: {predicted.shape[0]} predictions but {tgt.shape[0]} targets")
    return predicted, tgt


def accuracy(output: Any, target: Any) -> float:
    """The share of samples whose arg-max class (or given label) equals the target."""
    predicted, tgt = _labels("accuracy", output, target)
    return float((predicted == tgt).mean()) if tgt.size else float("nan")


def top_k_accuracy(output: Any, target: Any, k: int = 5) -> float:
    """The share of samples whose target is among the ``k`` highest scores."""
    scores, tgt = _array(output), _array(target).reshape(-1)
    if scores.ndim != 2 or k < 1 or k > scores.shape[1]:
        raise ShapeError(f"top_k_accuracy: expected scores (N, C) with 1 <= k <= C, got shape {scores.shape}, k={k}")
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    return float((top == tgt[:, None]).any(axis=1).mean())


def confusion_matrix(output: Any, target: Any, num_classes: int | None = None) -> np.ndarray:
    """Counts: row = true class, column = predicted class."""
    predicted, tgt = _labels("confusion_matrix", output, target)
    n = num_classes or int(max(predicted.max(initial=0), tgt.max(initial=0)) + 1)
    return np.bincount(tgt * n + predicted, minlength=n * n).reshape(n, n)


def precision_recall_f1(matrix: np.ndarray) -> dict[str, np.ndarray]:
    """Per-class precision, recall and F1 from a confusion matrix (0 where undefined)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    true_pos = np.diag(matrix)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.nan_to_num(true_pos / matrix.sum(axis=0))
        recall = np.nan_to_num(true_pos / matrix.sum(axis=1))
        f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    return {"precision": precision, "recall": recall, "f1": f1}


def mse(output: Any, target: Any) -> float:
    """Mean squared error."""
    return float(np.mean((_array(output).astype(np.float64) - _array(target).reshape(_array(output).shape)) ** 2))


def mae(output: Any, target: Any) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(_array(output).astype(np.float64) - _array(target).reshape(_array(output).shape))))
