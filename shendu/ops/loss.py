"""Loss functions, each computed by one op with a closed-form backward.

Cross-entropy fuses the log-softmax into the loss: the log-probabilities are
computed once, stably (subtracting the row maximum), and the gradient is
``softmax - target`` scaled, so logits of +-1e4 give finite values and
gradients. Binary cross-entropy with logits uses ``log1p(exp(-|x|))`` for the
same reason. Elementwise weights, where PyTorch computes them as a product
followed by a reduction, go through one small weighted-reduction op.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._checks import check_floating, check_tensor, is_int
from ..autograd.function import Function
from ..backend import get_array_module
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from ._common import broadcast_shape, check_same_device, promote_pair, sum_to
from .creation import cast

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
]

_REDUCTIONS = ("none", "mean", "sum")


# ----------------------------------------------------------------------------- reductions
def _reduce(loss: Any, reduction: str, count: int) -> Any:
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    with np.errstate(divide="ignore", invalid="ignore"):
        return total / count


def _scale(grad: Any, reduction: str, count: int) -> Any:
    """The upstream gradient of each unreduced loss element (a 0-d array unless reduction is 'none')."""
    if reduction == "mean":
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / count
    return grad


def _reduction(op: str, size_average: bool | None, reduce: bool | None, reduction: str, extra: tuple = ()) -> str:
    if size_average is not None or reduce is not None:
        # PyTorch's legacy pair: reduce=False wins; otherwise size_average picks mean or sum.
        warnings.warn(
            f"{op}: size_average and reduce are deprecated; use reduction='none', 'mean' or 'sum' instead",
            stacklevel=3,
        )
        if reduce is False:
            return "none"
        return "sum" if size_average is False else "mean"
    allowed = _REDUCTIONS + extra
    if reduction not in allowed:
        shown = ", ".join(repr(r) for r in allowed[:-1]) + f" or {allowed[-1]!r}"
        raise ValueError(f"{op}: reduction must be {shown}, got {reduction!r}")
    return reduction


class WeightedLoss(Function):
    """Multiply an unreduced loss by a weight and reduce: mean divides by the count or by the weights' sum."""

    saves_inputs = (0, 1)

    def forward(self, loss: Any, weight: Any, *, reduction: str, by_weight_sum: bool) -> Any:
        self.loss, self.weight = loss, weight
        weighted = loss * weight
        denom = weight.sum() if by_weight_sum and reduction == "mean" else weighted.size
        out = _reduce(weighted, reduction, denom)
        self.out = out
        self.meta = (reduction, by_weight_sum, denom, weighted.shape)
        return out

    def backward(self, grad: Any) -> tuple[Any, Any]:
        reduction, by_weight_sum, denom, shape = self.meta
        g = _scale(grad, reduction, denom)
        gl = sum_to(_broadcast(g * self.weight, shape), self.loss.shape) if self.needs_input_grad(0) else None
        gw = None
        if self.needs_input_grad(1):
            gw = sum_to(_broadcast(g * self.loss, shape), self.weight.shape)
            if by_weight_sum and reduction == "mean":
                # The weights also appear in the denominator: d(out)/dw = (loss - out) / sum(w).
                gw = gw - g * self.out
        return gl, gw


def _broadcast(array: Any, shape: tuple[int, ...]) -> Any:
    """``array`` as a read-only view of ``shape`` (a gradient of a broadcast loss, before sum_to)."""
    if array.shape == shape:
        return array
    return get_array_module(array).broadcast_to(array, shape)


def _weighted(op: str, loss: Tensor, weight: Tensor, reduction: str, by_weight_sum: bool) -> Tensor:
    loss, weight = promote_pair(op, loss, weight)
    return WeightedLoss.apply(loss, weight, reduction=reduction, by_weight_sum=by_weight_sum)


# ----------------------------------------------------------------------------- operand checks
def _shape(t: Tensor) -> tuple[int, ...]:
    return tuple(t._array.shape)


def _float_pair(op: str, input: Any, target: Any) -> tuple[Tensor, Tensor]:
    input, target = check_tensor(op, input, name="input"), check_tensor(op, target, name="target")
    check_same_device(op, input, target)
    x, t = promote_pair(op, input, target)
    if x._array.dtype.kind != "f":
        raise DtypeError(f"{op}: expected floating-point input and target, got dtypes {input.dtype} and {target.dtype}")
    return x, t


def _warn_broadcast(op: str, input: Tensor, target: Tensor) -> None:
    if input._array.shape != target._array.shape:
        broadcast_shape(op, input._array.shape, target._array.shape)
        warnings.warn(
            f"{op}: the target shape {_shape(target)} differs from the input shape {_shape(input)}; they are "
            "broadcast together, which is likely not what you want. Give them the same shape.",
            stacklevel=4,
        )


def _same_shape(op: str, input: Tensor, target: Tensor) -> None:
    if input._array.shape != target._array.shape:
        raise ShapeError(f"{op}: target shape {_shape(target)} must equal the input shape {_shape(input)}")


def _weight_like_input(op: str, weight: Any, input: Tensor) -> Tensor:
    weight = check_tensor(op, weight, name="weight")
    check_same_device(op, input, weight)
    if weight._array.shape != input._array.shape:
        raise ShapeError(f"{op}: weight shape {_shape(weight)} must equal the input shape {_shape(input)}")
    return weight


def _broadcastable_to_input(op: str, name: str, value: Any, input: Tensor) -> Tensor:
    value = check_tensor(op, value, name=name)
    check_same_device(op, input, value)
    try:
        fits = np.broadcast_shapes(value._array.shape, input._array.shape) == input._array.shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"{op}: {name} of shape {_shape(value)} cannot be broadcast to the input shape {_shape(input)}"
        )
    return value


# ----------------------------------------------------------------------------- regression losses
class _PointwiseLoss(Function):
    """A loss of ``d = input - target`` elementwise; subclasses give its value and its slope."""

    def forward(self, x: Any, t: Any, *, reduction: str, param: float = 0.0) -> Any:
        d = x - t
        self.d = d
        self.meta = (x.shape, t.shape, reduction, param, d.size)
        return _reduce(self.value(d, param), reduction, d.size)

    def backward(self, grad: Any) -> tuple[Any, Any]:
        x_shape, t_shape, reduction, param, count = self.meta
        slope = self.slope(self.d, param) * _scale(grad, reduction, count)
        gx = sum_to(slope, x_shape) if self.needs_input_grad(0) else None
        gt = sum_to(-slope, t_shape) if self.needs_input_grad(1) else None
        return gx, gt

    @staticmethod
    def value(d: Any, param: float) -> Any:
        raise NotImplementedError

    @staticmethod
    def slope(d: Any, param: float) -> Any:
        raise NotImplementedError


class MSELoss(_PointwiseLoss):
    @staticmethod
    def value(d: Any, param: float) -> Any:
        return d * d

    @staticmethod
    def slope(d: Any, param: float) -> Any:
        return 2.0 * d


class L1Loss(_PointwiseLoss):
    @staticmethod
    def value(d: Any, param: float) -> Any:
        return get_array_module(d).abs(d)

    @staticmethod
    def slope(d: Any, param: float) -> Any:
        return get_array_module(d).sign(d)


class SmoothL1Loss(_PointwiseLoss):
    @staticmethod
    def value(d: Any, beta: float) -> Any:
        xp = get_array_module(d)
        a = xp.abs(d)
        return xp.where(a < beta, (0.5 / beta) * d * d, a - 0.5 * beta)

    @staticmethod
    def slope(d: Any, beta: float) -> Any:
        return get_array_module(d).clip(d * (1.0 / beta), -1.0, 1.0)


class HuberLoss(_PointwiseLoss):
    @staticmethod
    def value(d: Any, delta: float) -> Any:
        xp = get_array_module(d)
        a = xp.abs(d)
        return xp.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))

    @staticmethod
    def slope(d: Any, delta: float) -> Any:
        return get_array_module(d).clip(d, -delta, delta)


def _regression(
    op: str,
    func: type[_PointwiseLoss],
    input: Any,
    target: Any,
    reduction: str,
    param: float = 0.0,
    weight: Any = None,
    by_weight_sum: bool = True,
) -> Tensor:
    x, t = _float_pair(op, input, target)
    _warn_broadcast(op, x, t)
    if weight is None:
        return func.apply(x, t, reduction=reduction, param=param)
    weight = _weight_like_input(op, weight, input)
    return _weighted(op, func.apply(x, t, reduction="none", param=param), weight, reduction, by_weight_sum)


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """The mean squared error ``(input - target) ** 2``, reduced.

    Args:
        input: the predictions.
        target: the targets; broadcast against ``input`` (with a warning when the shapes differ).
        size_average, reduce: deprecated; use ``reduction``. Default: None.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        weight: elementwise weights of the input's shape; ``'mean'`` then divides by their sum.
            Default: None.

    Example:
        >>> mse_loss(shendu.randn(3, 5, requires_grad=True), shendu.randn(3, 5)).backward()
    """
    reduction = _reduction("mse_loss", size_average, reduce, reduction)
    return _regression("mse_loss", MSELoss, input, target, reduction, weight=weight)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """The mean absolute error ``|input - target|``, reduced.

    Args:
        input: the predictions.
        target: the targets; broadcast against ``input`` (with a warning when the shapes differ).
        size_average, reduce: deprecated; use ``reduction``. Default: None.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        weight: elementwise weights of the input's shape; ``'mean'`` then divides by their sum.
            Default: None.

    Example:
        >>> l1_loss(shendu.randn(3, 5, requires_grad=True), shendu.randn(3, 5)).backward()
    """
    reduction = _reduction("l1_loss", size_average, reduce, reduction)
    return _regression("l1_loss", L1Loss, input, target, reduction, weight=weight)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """Smooth L1: ``0.5 * d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta``, with ``d = input - target``.

    Args:
        input: the predictions.
        target: the targets; broadcast against ``input`` (with a warning when the shapes differ).
        size_average, reduce: deprecated; use ``reduction``. Default: None.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        beta: where the loss turns from quadratic to linear; 0 gives the L1 loss. Default: 1.0.

    Example:
        >>> smooth_l1_loss(shendu.randn(3, requires_grad=True), shendu.randn(3), beta=0.5).backward()
    """
    op = "smooth_l1_loss"
    reduction = _reduction(op, size_average, reduce, reduction)
    if not beta >= 0:
        raise ValueError(f"{op}: beta must be non-negative, got {beta}")
    if beta == 0:
        return _regression(op, L1Loss, input, target, reduction)
    return _regression(op, SmoothL1Loss, input, target, reduction, float(beta))


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """Huber loss: ``0.5 * d**2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``.

    Args:
        input: the predictions.
        target: the targets; broadcast against ``input`` (with a warning when the shapes differ).
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        delta: where the loss turns from quadratic to linear; must be positive. Default: 1.0.
        weight: elementwise weights of the input's shape; ``'mean'`` averages the weighted
            losses over the elements. Default: None.

    Example:
        >>> huber_loss(shendu.randn(3, requires_grad=True), shendu.randn(3), delta=2.0).backward()
    """
    op = "huber_loss"
    reduction = _reduction(op, None, None, reduction)
    if not delta > 0:
        raise ValueError(f"{op}: delta must be positive, got {delta}")
    return _regression(op, HuberLoss, input, target, reduction, float(delta), weight, by_weight_sum=False)


# ----------------------------------------------------------------------------- classification
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


class CrossEntropyProbs(Function):
    """Log-softmax and cross-entropy against class probabilities in one op.

    The loss at a position is ``-sum_c w[c] * q[c] * logp[c]`` with ``q`` the (smoothed) target; its
    gradient with respect to the logits is ``softmax * sum(a) - a`` for ``a = w * q``.
    """

    saves_inputs = (1,)

    def forward(self, x: Any, t: Any, *weight: Any, reduction: str, label_smoothing: float) -> Any:
        axis = 0 if x.ndim == 1 else 1
        classes_count = x.shape[axis]
        logp = _log_softmax(x, axis)
        q = t if not label_smoothing else t * (1.0 - label_smoothing) + label_smoothing / classes_count
        w = _along(weight[0], axis, x.ndim) if weight else None
        a = q if w is None else q * w
        loss = -(a * logp).sum(axis=axis)
        self.logp, self.t = logp, t
        # Copied so that the gradient uses the weight of this forward even if it changes in place later.
        self.w = None if w is None else w.copy()
        count = loss.size
        self.meta = (axis, reduction, count, label_smoothing, None if w is None else weight[0].shape)
        return _reduce(loss, reduction, count)

    def backward(self, grad: Any) -> tuple[Any, ...]:
        axis, reduction, count, smoothing, w_shape = self.meta
        xp = get_array_module(grad)
        logp, t, w = self.logp, self.t, self.w
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


# ----------------------------------------------------------------------------- binary
_LOG_FLOOR = -100.0
# PyTorch's floor on x * (1 - x) in the gradient is the float32 value of 1e-12, in every dtype.
_GRAD_EPS = float(np.float32(1e-12))


class BinaryCrossEntropy(Function):
    """``-(t * log(x) + (1 - t) * log(1 - x))`` with each log clamped to >= -100, as PyTorch does."""

    saves_inputs = (0, 1)

    def forward(self, x: Any, t: Any, *, reduction: str) -> Any:
        xp = get_array_module(x)
        with np.errstate(divide="ignore"):
            log_x = xp.maximum(xp.log(x), _LOG_FLOOR)
            log_1mx = xp.maximum(xp.log1p(-x), _LOG_FLOOR)
        loss = -(t * log_x + (1.0 - t) * log_1mx)
        self.x, self.t = x, t
        self.meta = (reduction, loss.size)
        return _reduce(loss, reduction, loss.size)

    def backward(self, grad: Any) -> tuple[Any, Any]:
        reduction, count = self.meta
        xp = get_array_module(grad)
        x, t = self.x, self.t
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


class BinaryCrossEntropyWithLogits(Function):
    """``(1 - t) * x + (1 + (p - 1) * t) * softplus(-x)``, with ``softplus(-x) = max(-x, 0) + log1p(exp(-|x|))``."""

    saves_inputs = (0, 1)

    def forward(self, x: Any, t: Any, *pos_weight: Any, reduction: str) -> Any:
        xp = get_array_module(x)
        softplus = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))
        if pos_weight:
            pw_minus_1 = pos_weight[0] - 1.0
            loss = (1.0 - t) * x + (1.0 + pw_minus_1 * t) * softplus
        else:
            pw_minus_1 = None
            loss = (1.0 - t) * x + softplus
        self.x, self.t, self.softplus, self.pw_minus_1 = x, t, softplus, pw_minus_1
        self.meta = (reduction, loss.size, loss.shape, None if pw_minus_1 is None else pos_weight[0].shape)
        return _reduce(loss, reduction, loss.size)

    def backward(self, grad: Any) -> tuple[Any, ...]:
        reduction, count, shape, pw_shape = self.meta
        xp = get_array_module(grad)
        x, t, softplus, pwm1 = self.x, self.t, self.softplus, self.pw_minus_1
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


# ----------------------------------------------------------------------------- divergence
class KLDiv(Function):
    """Pointwise KL divergence ``t * (log t - x)``, or ``exp(t) * (t - x)`` for a log-space target."""

    saves_inputs = (0, 1)

    def forward(self, x: Any, t: Any, *, reduction: str, count: int | None, log_target: bool) -> Any:
        xp = get_array_module(x)
        if log_target:
            loss = xp.exp(t) * (t - x)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                # x log x is 0 at x = 0, as PyTorch's xlogy.
                loss = xp.where(t == 0, 0, t * xp.log(t)) - t * x
        count = loss.size if count is None else count
        self.x, self.t = x, t
        self.meta = (reduction, count, log_target, loss.shape)
        return _reduce(loss, reduction, count)

    def backward(self, grad: Any) -> tuple[Any, Any]:
        reduction, count, log_target, shape = self.meta
        xp = get_array_module(grad)
        x, t = self.x, self.t
        g = _scale(grad, reduction, count)
        gx = gt = None
        if self.needs_input_grad(0):
            gx = sum_to(_broadcast(-(xp.exp(t) if log_target else t) * g, shape), x.shape)
        if self.needs_input_grad(1):
            if log_target:
                slope = xp.exp(t) * (t - x + 1.0)
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    # PyTorch differentiates xlogy(t, t) in both arguments: log t (0 at t = 0) plus t / t.
                    slope = xp.where(t != 0, xp.log(t), 0) + t / t - x
            gt = sum_to(_broadcast(slope * g, shape), t.shape)
        return gx, gt


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """The Kullback-Leibler divergence of ``target`` from ``input``, with ``input`` in log space.

    Args:
        input: log-probabilities.
        target: probabilities, or log-probabilities with ``log_target=True``; broadcast against the input.
        size_average, reduce: deprecated; use ``reduction``. Default: None.
        reduction: ``'none'``, ``'batchmean'`` (the sum divided by the batch size, the true KL
            divergence), ``'mean'`` (divided by the number of elements) or ``'sum'``. Default: ``'mean'``.
        log_target: whether ``target`` is given in log space. Default: False.

    Example:
        >>> logq = shendu.randn(2, 5, requires_grad=True)
        >>> kl_div(logq, shendu.full((2, 5), 0.2), reduction="batchmean").backward()
    """
    op = "kl_div"
    reduction = _reduction(op, size_average, reduce, reduction, ("batchmean",))
    if reduction == "mean" and size_average is None and reduce is None:
        warnings.warn(
            "kl_div: reduction='mean' divides the total loss by both the batch size and the support size; "
            "'batchmean' divides only by the batch size, which matches the definition of the KL divergence",
            stacklevel=2,
        )
    x, t = _float_pair(op, input, target)
    broadcast_shape(op, x._array.shape, t._array.shape)
    count = None
    if reduction == "batchmean":
        if x._array.ndim == 0:
            reduction = "sum"
        else:
            reduction, count = "mean", x._array.shape[0]
    return KLDiv.apply(x, t, reduction=reduction, count=count, log_target=bool(log_target))
