from __future__ import annotations

import numpy as np
import pytest

from shendu.errors import ShapeError
from shendu.train import metrics


def test_classification_metrics() -> None:
    scores = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7], [0.6, 0.3, 0.1]])
    target = np.array([0, 1, 1, 2])
    assert metrics.accuracy(scores, target) == 0.5
    assert metrics.top_k_accuracy(scores, target, k=2) == 0.75
    matrix = metrics.confusion_matrix(scores, target)
    assert matrix.tolist() == [[1, 0, 0], [0, 1, 1], [1, 0, 0]]
    prf = metrics.precision_recall_f1(matrix)
    np.testing.assert_allclose(prf["precision"], [0.5, 1.0, 0.0])
    np.testing.assert_allclose(prf["recall"], [1.0, 0.5, 0.0])


def test_regression_metrics() -> None:
    assert metrics.mse([1.0, 2.0], [1.0, 4.0]) == 2.0
    assert metrics.mae([1.0, 2.0], [1.0, 4.0]) == 1.0


def test_errors() -> None:
    with pytest.raises(ShapeError, match="accuracy: 2 predictions but 3 targets"):
        metrics.accuracy(np.zeros((2, 3)), [0, 1, 2])
    with pytest.raises(ShapeError, match="top_k_accuracy: expected scores"):
        metrics.top_k_accuracy(np.zeros((2, 3)), [0, 1], k=4)
