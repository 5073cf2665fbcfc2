"""Binary cross-entropy, on probabilities and (stably) on logits."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd.function import Function
from ...backend import get_array_module
from ...tensor import Tensor
from .._common import sum_to
from ..creation import cast
from ._common import (
    _broadcast,
    _broadcastable_to_input,
    _float_pair,
    _reduce,
    _reduction,
    _same_shape,
    _scale,
    _weighted,
)

_LOG_FLOOR = -100.0
# PyTorch's floor on x * (1 - x) in the gradient is the float32 value of 1e-12, in every dtype.
_GRAD_EPS = float(np.float32(1e-12))


class BinaryCrossEntropy(Function):
    """``-(t * log(x) + (1 - t) * log(1 - x))`` with each log clamped to >= -100, as PyTorch does."""

    def forward(self, x: Any, t: Any, *, reduction: str) -> Any:
        xp = get_array_module(x)
        with np.errstate(divide="ignore"):
            log_x = xp.maximum(xp.log(x), _LOG_FLOOR)
            log_1mx = xp.maximum(xp.log1p(-x), _LOG_FLOOR)
        loss = -(t * log_x + (1.0 - t) * log_1mx)
        self.save_for_backward(x, t)
        self.meta = (reduction, loss.size)
        return _reduce(loss, reduction, loss.size)

    def backward(self, grad: Any) -> tuple[Any, Any]:
        reduction, count = self.meta
        xp = get_array_module(grad)
        x, t = self.saved
        g = _scale(grad, reduction, count)
        gx = gt = None
        if self.needs_input_grad(0):
            # PyTorch's form: the clamp keeps the gradient finite at x = 0 and x = 1.
            gx = g * (x - t) / xp.maximum((1.0 - x) * x, _GRAD_EPS)
        if self.needs_input_grad(1):
            # PyTorch's target gradient is -logit(x), unclamped: infinite at x = 0 and x = 1.
            with np.errstate(divide="ignore"):
                gt = -g * xp.log(x / (1.0 - x))
        return gx, gt

    @staticmethod
    def composite(x: Tensor, t: Tensor, reduction: str) -> Tensor:
        loss = -(t * x.log().clamp(min=_LOG_FLOOR) + (1.0 - t) * (-x).log1p().clamp(min=_LOG_FLOOR))
        return _reduce(loss, reduction, loss.numel())


class BinaryCrossEntropyWithLogits(Function):
    """``(1 - t) * x + (1 + (p - 1) * t) * softplus(-x)``, with ``softplus(-x) = max(-x, 0) + log1p(exp(-|x|))``."""

    def forward(self, x: Any, t: Any, *pos_weight: Any, reduction: str) -> Any:
        xp = get_array_module(x)
        softplus = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))
        if pos_weight:
            pw_minus_1 = pos_weight[0] - 1.0
            loss = (1.0 - t) * x + (1.0 + pw_minus_1 * t) * softplus
        else:
            pw_minus_1 = None
            loss = (1.0 - t) * x + softplus
        self.save_for_backward(x, t, softplus)
        self.pw_minus_1 = pw_minus_1
        self.meta = (reduction, loss.size, loss.shape, None if pw_minus_1 is None else pos_weight[0].shape)
        return _reduce(loss, reduction, loss.size)

    def backward(self, grad: Any) -> tuple[Any, ...]:
        reduction, count, shape, pw_shape = self.meta
        xp = get_array_module(grad)
        (x, t, softplus), pwm1 = self.saved, self.pw_minus_1
        g = _scale(grad, reduction, count)
        grads: list[Any] = [None, None]
        if self.needs_input_grad(0):
            sigmoid = xp.exp(-softplus)
            if pwm1 is None:
                gx = sigmoid - t
            else:
                pos = (pwm1 + 1.0) * t
                gx = (1.0 + pwm1 * t) * sigmoid - pos
            grads[0] = sum_to(_broadcast(g * gx, shape), x.shape)
        if self.needs_input_grad(1):
            gt = -x if pwm1 is None else pwm1 * softplus - x
            grads[1] = sum_to(_broadcast(g * gt, shape), t.shape)
        if pw_shape is not None:
            grads.append(sum_to(_broadcast(g * t * softplus, shape), pw_shape) if self.needs_input_grad(2) else None)
        return tuple(grads)

    @staticmethod
    def composite(x: Tensor, t: Tensor, *pos_weight: Tensor, reduction: str) -> Tensor:
        softplus = (-x).clamp(min=0) + (-x.abs()).exp().log1p()
        scale = 1.0 + (pos_weight[0] - 1.0) * t if pos_weight else 1.0
        loss = (1.0 - t) * x + scale * softplus
        return _reduce(loss, reduction, loss.numel())


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross-entropy between probabilities and targets; each log is clamped to >= -100.

    Args:
        input: probabilities in [0, 1].
        target: targets in [0, 1], of the input's shape.
        weight: a rescaling weight that broadcasts to the input's shape. Default: None.
        size_average, reduce: deprecated; use ``reduction``. Default: None.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.

    Example:
        >>> p = shendu.tensor([0.2, 0.9], requires_grad=True)
        >>> binary_cross_entropy(p, shendu.tensor([0.0, 1.0])).backward()
    """
    op = "binary_cross_entropy"
    reduction = _reduction(op, size_average, reduce, reduction)
    x, t = _float_pair(op, input, target)
    _same_shape(op, input, target)
    outside = ~((x._array >= 0) & (x._array <= 1))
    if outside.any():
        value = float(x._array[outside].ravel()[0])
        raise ValueError(
            f"{op}: all elements of input should be between 0 and 1, got {value}; the input is a probability "
            "(apply sigmoid first, or use binary_cross_entropy_with_logits on logits)"
        )
    outside = ~((t._array >= 0) & (t._array <= 1))
    if outside.any():
        value = float(t._array[outside].ravel()[0])
        raise ValueError(f"{op}: all elements of target should be between 0 and 1, got {value}")
    if weight is None:
        return BinaryCrossEntropy.apply(x, t, reduction=reduction)
    weight = _broadcastable_to_input(op, "weight", weight, input)
    return _weighted(op, BinaryCrossEntropy.apply(x, t, reduction="none"), weight, reduction, False)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Sigmoid and binary cross-entropy in one stable op.

    Args:
        input: logits.
        target: targets in [0, 1], of the input's shape.
        weight: a rescaling weight that broadcasts to the input's shape. Default: None.
        size_average, reduce: deprecated; use ``reduction``. Default: None.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        pos_weight: a weight of the positive term, broadcast along the input (e.g. one per class,
            shape ``(C,)``). Default: None.

    Example:
        >>> logits = shendu.randn(4, 3, requires_grad=True)
        >>> binary_cross_entropy_with_logits(logits, shendu.ones(4, 3), pos_weight=shendu.ones(3)).backward()
    """
    op = "binary_cross_entropy_with_logits"
    reduction = _reduction(op, size_average, reduce, reduction)
    x, t = _float_pair(op, input, target)
    _same_shape(op, input, target)
    extra: tuple[Tensor, ...] = ()
    if pos_weight is not None:
        pos_weight = _broadcastable_to_input(op, "pos_weight", pos_weight, input)
        extra = (cast(pos_weight, x.dtype),)
    if weight is None:
        return BinaryCrossEntropyWithLogits.apply(x, t, *extra, reduction=reduction)
    weight = _broadcastable_to_input(op, "weight", weight, input)
    loss = BinaryCrossEntropyWithLogits.apply(x, t, *extra, reduction="none")
    return _weighted(op, loss, weight, reduction, False)
