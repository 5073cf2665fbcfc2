"""Classification losses over class scores: ``cross_entropy`` (log-softmax fused in) and ``nll_loss``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._checks import check_floating, check_tensor, is_int
from ...autograd.function import Function
from ...backend import get_array_module
from ...errors import ShapeError
from ...tensor import Tensor
from .. import _dual
from .._common import check_same_device, sum_to
from ..activation import log_softmax
from ..creation import cast
from ._common import (
    _reduce,
    _reduction,
    _scale,
    _shape,
)


def _log_softmax(x: Any, axis: int) -> Any:
    xp = get_array_module(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


def _class_index(xp: Any, classes: Any) -> tuple[Any, ...]:
    """The advanced index that picks, at every position, the entry of its class along dim 1."""
    if classes.ndim == 0:
        return (classes,)
    grids = [
        xp.arange(n).reshape(tuple(-1 if j == i else 1 for j in range(classes.ndim)))
        for i, n in enumerate(classes.shape)
    ]
    return (grids[0], classes, *grids[1:])


def _picked_coefficients(y: Any, weight: Any, ignore_index: int, dtype: Any) -> tuple[Any, Any, Any]:
    """The class of every position (0 where ignored), its weight (0 where ignored), and the kept mask."""
    xp = get_array_module(y)
    keep = y != ignore_index
    classes = xp.where(keep, y, 0)
    coef = keep.astype(dtype) if weight is None else weight[classes] * keep
    return classes, coef, keep


class NLLLoss(Function):
    """The negative log-likelihood of class indices, from log-probabilities."""

    def forward(self, x: Any, *, target: Any, weight: Any, ignore_index: int, reduction: str) -> Any:
        xp = get_array_module(x)
        classes, coef, keep = _picked_coefficients(target, weight, ignore_index, x.dtype)
        idx = _class_index(xp, classes)
        loss = xp.where(keep, -coef * x[idx], 0)
        denom = coef.sum()
        self.idx, self.coef, self.keep = idx, coef, keep
        self.meta = (x.shape, x.dtype, reduction, denom)
        return _reduce(loss, reduction, denom)

    def backward(self, grad: Any) -> tuple[Any]:
        shape, dtype, reduction, denom = self.meta
        xp = get_array_module(grad)
        # Ignored positions get exactly zero, also when an all-ignored batch makes the scale infinite.
        g = xp.where(self.keep, _scale(grad, reduction, denom), 0)
        dx = xp.zeros(shape, dtype)
        with np.errstate(invalid="ignore"):
            # Zero class weights make the scale infinite and the gradient nan, as in PyTorch.
            dx[self.idx] = -(self.coef * g)
        return (dx,)

    @staticmethod
    def composite(x: Tensor, target: Any, weight: Any, ignore_index: int, reduction: str) -> Tensor:
        classes, coef, keep = _picked_coefficients(target, weight, ignore_index, x._array.dtype)
        picked = x[_class_index(get_array_module(target), classes)]
        return _reduce(_dual.where(keep, picked * -coef, 0), reduction, coef.sum())


class CrossEntropy(Function):
    """Log-softmax and negative log-likelihood of class indices in one op, with optional label smoothing.

    The loss at a position with class ``y`` is ``(1 - s) * w[y] * -logp[y] + s / C * sum_c w[c] * -logp[c]``;
    its gradient with respect to the logits is ``softmax * sum(a) - a`` for those coefficients ``a``.
    """

    def forward(
        self, x: Any, *, target: Any, weight: Any, ignore_index: int, reduction: str, label_smoothing: float
    ) -> Any:
        xp = get_array_module(x)
        if x.ndim == 2 and weight is None and not label_smoothing and reduction != "none" and len(target):
            if not bool((target == ignore_index).any()):
                return self._forward_plain(x, target, reduction)
        self.plain = None
        axis = 0 if x.ndim == 1 else 1
        classes_count = x.shape[axis]
        logp = _log_softmax(x, axis)
        classes, coef, keep = _picked_coefficients(target, weight, ignore_index, x.dtype)
        idx = _class_index(xp, classes)
        loss = -coef * logp[idx]
        smoothing = label_smoothing
        if smoothing:
            spread = logp.sum(axis=axis) if weight is None else (logp * _along(weight, axis, x.ndim)).sum(axis=axis)
            loss = (1.0 - smoothing) * loss - (smoothing / classes_count) * spread
        loss = xp.where(keep, loss, 0)
        denom = coef.sum()
        self.logp, self.idx, self.coef, self.keep, self.weight = logp, idx, coef, keep, weight
        self.meta = (axis, reduction, denom, smoothing)
        return _reduce(loss, reduction, denom)

    def _forward_plain(self, x: Any, target: Any, reduction: str) -> Any:
        """The common case (``(N, C)`` logits, no class weights, smoothing or ignored targets) in a
        third of the array operations; the values and gradients are those of the general path."""
        xp = get_array_module(x)
        self.logp = _log_softmax(x, 1)
        self.plain = (xp.arange(len(target)), target)
        count = len(target)
        self.meta = (reduction, x.dtype.type(count))
        total = -self.logp[self.plain].sum()
        return total / self.meta[1] if reduction == "mean" else total

    def backward(self, grad: Any) -> tuple[Any]:
        if self.plain is not None:
            reduction, count = self.meta
            g = grad / count if reduction == "mean" else grad
            dx = get_array_module(grad).exp(self.logp)
            dx *= g
            dx[self.plain] -= g
            return (dx,)
        axis, reduction, denom, smoothing = self.meta
        xp = get_array_module(grad)
        logp = self.logp
        g = xp.where(self.keep, _scale(grad, reduction, denom), 0)
        with np.errstate(invalid="ignore"):
            picked = (1.0 - smoothing) * self.coef * g
        probs = xp.exp(logp)
        if smoothing:
            classes_count = logp.shape[axis]
            spread = (smoothing / classes_count) * g
            if self.weight is None:
                total = picked + spread * classes_count
                dx = probs * xp.expand_dims(total, axis) - xp.expand_dims(spread, axis)
            else:
                total = picked + spread * self.weight.sum()
                w = _along(self.weight, axis, logp.ndim)
                dx = probs * xp.expand_dims(total, axis) - xp.expand_dims(spread, axis) * w
        else:
            dx = probs * xp.expand_dims(picked, axis)
        dx[self.idx] -= picked
        return (dx,)

    @staticmethod
    def composite(
        x: Tensor, target: Any, weight: Any, ignore_index: int, reduction: str, label_smoothing: float
    ) -> Tensor:
        axis = 0 if x.ndim == 1 else 1
        logp = log_softmax(x, axis)
        classes, coef, keep = _picked_coefficients(target, weight, ignore_index, x._array.dtype)
        loss = logp[_class_index(get_array_module(target), classes)] * -coef
        if label_smoothing:
            spread = logp.sum(axis) if weight is None else (logp * _along(weight, axis, x.ndim)).sum(axis)
            loss = (1.0 - label_smoothing) * loss - (label_smoothing / x.shape[axis]) * spread
        return _reduce(_dual.where(keep, loss, 0), reduction, coef.sum())


class CrossEntropyProbs(Function):
    """Log-softmax and cross-entropy against class probabilities in one op.

    The loss at a position is ``-sum_c w[c] * q[c] * logp[c]`` with ``q`` the (smoothed) target; its
    gradient with respect to the logits is ``softmax * sum(a) - a`` for ``a = w * q``.
    """

    def forward(self, x: Any, t: Any, *weight: Any, reduction: str, label_smoothing: float) -> Any:
        axis = 0 if x.ndim == 1 else 1
        classes_count = x.shape[axis]
        logp = _log_softmax(x, axis)
        q = t if not label_smoothing else t * (1.0 - label_smoothing) + label_smoothing / classes_count
        w = _along(weight[0], axis, x.ndim) if weight else None
        a = q if w is None else q * w
        loss = -(a * logp).sum(axis=axis)
        self.save_for_backward(logp, t)
        # Copied so that the gradient uses the weight of this forward even if it changes in place later.
        self.w = None if w is None else w.copy()
        count = loss.size
        self.meta = (axis, reduction, count, label_smoothing, None if w is None else weight[0].shape)
        return _reduce(loss, reduction, count)

    def backward(self, grad: Any) -> tuple[Any, ...]:
        axis, reduction, count, smoothing, w_shape = self.meta
        xp = get_array_module(grad)
        (logp, t), w = self.saved, self.w
        g = (
            xp.expand_dims(_scale(grad, reduction, count), axis)
            if reduction == "none"
            else _scale(grad, reduction, count)
        )
        q = t if not smoothing else t * (1.0 - smoothing) + smoothing / logp.shape[axis]
        grads: list[Any] = [None, None]
        if self.needs_input_grad(0):
            a = q if w is None else q * w
            grads[0] = ((xp.exp(logp) * a.sum(axis=axis, keepdims=True) - a) * g).astype(logp.dtype, copy=False)
        if self.needs_input_grad(1):
            scale = -(1.0 - smoothing) * g
            grads[1] = (logp * (scale if w is None else scale * w)).astype(t.dtype, copy=False)
        if w_shape is not None:
            grads.append(
                sum_to(-(q * logp) * g, w.shape).reshape(w_shape).astype(w.dtype, copy=False)
                if self.needs_input_grad(2)
                else None
            )
        return tuple(grads)

    @staticmethod
    def composite(x: Tensor, t: Tensor, *weight: Tensor, reduction: str, label_smoothing: float) -> Tensor:
        axis = 0 if x.ndim == 1 else 1
        logp = log_softmax(x, axis)
        q = t if not label_smoothing else t * (1.0 - label_smoothing) + label_smoothing / x.shape[axis]
        a = q if not weight else q * _along(weight[0], axis, x.ndim)
        loss = -(a * logp).sum(axis)
        return _reduce(loss, reduction, loss.numel())


def _along(vector: Any, axis: int, ndim: int) -> Any:
    """A per-class vector shaped to broadcast along ``axis`` of an ``ndim``-d array."""
    return vector.reshape((-1,) + (1,) * (ndim - axis - 1))


def _dtype_phrase(t: Tensor) -> str:
    name = t.dtype.name
    return f"{'an' if name.startswith('int') else 'a'} {name} tensor of shape {_shape(t)}"


def _check_logits(op: str, input: Any) -> int:
    input = check_tensor(op, input, name="input")
    check_floating(op, input, "input")
    if input._array.ndim == 0:
        raise ShapeError(
            f"{op}: expected an input of shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor; "
            "the class dimension is missing"
        )
    classes = input._array.shape[0 if input._array.ndim == 1 else 1]
    if classes == 0:
        raise ShapeError(f"{op}: the input has no classes (input shape {_shape(input)})")
    return classes


def _class_weight(op: str, weight: Any, classes: int, input: Tensor) -> Tensor | None:
    if weight is None:
        return None
    weight = check_tensor(op, weight, name="weight")
    check_same_device(op, input, weight)
    if weight._array.shape != (classes,):
        raise ShapeError(
            f"{op}: weight must hold one value per class, shape ({classes},), got shape {_shape(weight)} "
            f"(input shape {_shape(input)})"
        )
    return weight


def _index_shape(input: Tensor) -> tuple[int, ...]:
    shape = _shape(input)
    return () if len(shape) == 1 else shape[:1] + shape[2:]


def _class_indices(op: str, input: Tensor, target: Tensor, classes: int, ignore_index: int, expected: str) -> Any:
    """The target's class indices as an array, after checking dtype, shape and range."""
    index_shape = _index_shape(input)
    if target._array.dtype.kind not in "iu" or _shape(target) != index_shape:
        raise ShapeError(
            f"{op}: expected class indices (an integer tensor of shape {index_shape}){expected}, "
            f"got {_dtype_phrase(target)}"
        )
    y = target._array
    bad = ((y < 0) | (y >= classes)) & (y != ignore_index)
    if bad.any():
        value = int(y[bad].ravel()[0])
        raise ShapeError(
            f"{op}: target contains class index {value} but the input has {classes} classes "
            f"(input shape {_shape(input)})"
        )
    return y


def _check_ignore_index(op: str, ignore_index: Any) -> int:
    if not is_int(ignore_index):
        raise TypeError(f"{op}: ignore_index must be an int, got {ignore_index!r}")
    return int(ignore_index)


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits and class indices or class probabilities.

    Log-softmax and the loss are one op: stable for large logits, with the gradient
    ``softmax - target``.

    Args:
        input: unnormalized logits, shape ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``.
        target: class indices (an integer tensor of shape ``()``, ``(N,)`` or ``(N, d1, ...)``),
            or class probabilities of the input's shape.
        weight: a rescaling weight per class, shape ``(C,)``. Default: None.
        size_average, reduce: deprecated; use ``reduction``. Default: None.
        ignore_index: a class index whose positions contribute neither loss nor gradient
            (class-index targets only). Default: -100.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. With class indices, ``'mean'`` divides by
            the summed weight of the positions not ignored (nan when all are ignored); with
            probabilities, by the number of positions. Default: ``'mean'``.
        label_smoothing: in [0, 1]; mixes the target with the uniform distribution. Default: 0.0.

    Shape:
        Output: a scalar, or with ``reduction='none'`` the target's shape without the class dimension.

    Example:
        >>> logits = shendu.randn(4, 10, requires_grad=True)
        >>> cross_entropy(logits, shendu.tensor([1, 0, 9, 3])).backward()
    """
    op = "cross_entropy"
    reduction = _reduction(op, size_average, reduce, reduction)
    classes = _check_logits(op, input)
    target = check_tensor(op, target, name="target")
    check_same_device(op, input, target)
    ignore_index = _check_ignore_index(op, ignore_index)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    weight = _class_weight(op, weight, classes, input)
    if target._array.dtype.kind == "f" and target._array.shape == input._array.shape:
        if ignore_index >= 0:
            raise ValueError(
                f"{op}: ignore_index is not supported with class-probability targets, got ignore_index={ignore_index}"
            )
        # As in PyTorch, the log-softmax is computed in the input's dtype and the loss in the
        # promoted dtype of input and target.
        extra = () if weight is None else (cast(weight, input.dtype),)
        return CrossEntropyProbs.apply(
            input, target, *extra, reduction=reduction, label_smoothing=float(label_smoothing)
        )
    y = _class_indices(
        op, input, target, classes, ignore_index, f" or class probabilities of the input's shape {_shape(input)}"
    )
    return CrossEntropy.apply(
        input,
        target=y,
        weight=None if weight is None else weight._array.astype(input._array.dtype, copy=False),
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=float(label_smoothing),
    )


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """The negative log-likelihood loss: ``-weight[y] * input[y]`` at every position, reduced.

    Args:
        input: log-probabilities, shape ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``.
        target: class indices, an integer tensor of shape ``()``, ``(N,)`` or ``(N, d1, ...)``.
        weight: a rescaling weight per class, shape ``(C,)``. Default: None.
        size_average, reduce: deprecated; use ``reduction``. Default: None.
        ignore_index: a class index whose positions contribute neither loss nor gradient. Default: -100.
        reduction: ``'none'``, ``'mean'`` (divides by the summed weight of the positions not
            ignored) or ``'sum'``. Default: ``'mean'``.

    Example:
        >>> logp = shendu.randn(3, 5, requires_grad=True)
        >>> nll_loss(logp, shendu.tensor([1, 0, 4])).backward()
    """
    op = "nll_loss"
    reduction = _reduction(op, size_average, reduce, reduction)
    classes = _check_logits(op, input)
    target = check_tensor(op, target, name="target")
    check_same_device(op, input, target)
    ignore_index = _check_ignore_index(op, ignore_index)
    weight = _class_weight(op, weight, classes, input)
    y = _class_indices(op, input, target, classes, ignore_index, "")
    return NLLLoss.apply(
        input,
        target=y,
        weight=None if weight is None else weight._array.astype(input._array.dtype, copy=False),
        ignore_index=ignore_index,
        reduction=reduction,
    )
