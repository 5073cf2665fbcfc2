"""Numerical stability at ±1e4, ±inf and on fully masked rows, values and gradients against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import Fixed, check

INF = float("inf")
EXTREME = np.array([[1e4, -1e4, 0.0, 3.0], [-1e4, -1e4, -1e4, -1e4], [1e4, 1e4, 1e4, -1e4]])
WITH_INF = np.array([[-INF, 0.0, 2.0, -INF], [INF, 1.0, -1.0, 0.0], [-INF, -INF, -INF, -INF]])
MASKED = np.array([[0.5, -INF, 1.5, -INF], [-INF, -INF, -INF, -INF]])
TARGETS = np.array([0, 3, 2])


def F(m):
    return m.nn.functional


@pytest.mark.parametrize("values", [EXTREME, WITH_INF, MASKED], ids=["1e4", "inf", "masked"])
def test_softmax_family(values: np.ndarray) -> None:
    check(lambda m, x: F(m).log_softmax(x, dim=1), values)
    check(lambda m, x: F(m).softmax(x, dim=1), values)
    check(lambda m, x: m.logsumexp(x, dim=1), values)


def test_cross_entropy_at_extreme_logits() -> None:
    check(lambda m, x, t: F(m).cross_entropy(x, t), EXTREME, Fixed(TARGETS))
    check(lambda m, x, t: F(m).cross_entropy(x, t, reduction="none"), EXTREME * 10, Fixed(TARGETS))
    check(lambda m, x, t: F(m).cross_entropy(x, t, label_smoothing=0.1), EXTREME, Fixed(TARGETS))


@pytest.mark.parametrize("scale", [1e2, 1e4])
def test_binary_cross_entropy_with_logits(scale: float) -> None:
    logits = np.array([[1.0, -1.0, 0.3], [-1.0, 1.0, -0.2]]) * scale
    target = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    check(lambda m, x, t: F(m).binary_cross_entropy_with_logits(x, t), logits, target)
    # PyTorch refuses a pos_weight that requires grad, so it is made inside the lambda as a constant.
    check(
        lambda m, x, t: F(m).binary_cross_entropy_with_logits(
            x, t, pos_weight=m.tensor([2.0, 0.5, 1.0], dtype=x.dtype)
        ),
        logits,
        target,
    )


@pytest.mark.parametrize("values", [EXTREME, WITH_INF[:2]], ids=["1e4", "inf"])
def test_elementwise_saturating_functions(values: np.ndarray) -> None:
    check(lambda m, x: m.sigmoid(x), values)
    check(lambda m, x: m.tanh(x), values)
    check(lambda m, x: F(m).softplus(x), values)
    check(lambda m, x: F(m).logsigmoid(x), values)
