"""Regression losses of ``d = input - target``: ``mse_loss``, ``l1_loss``, ``smooth_l1_loss``, ``huber_loss``."""

from __future__ import annotations

from typing import Any

from ...autograd.function import Function
from ...backend import get_array_module
from ...tensor import Tensor
from .. import _dual
from .._common import sum_to
from ._common import (
    _float_pair,
    _reduce,
    _reduction,
    _scale,
    _warn_broadcast,
    _weight_like_input,
    _weighted,
)


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

    @classmethod
    def composite(cls, x: Tensor, t: Tensor, reduction: str, param: float = 0.0) -> Tensor:
        d = x - t
        return _reduce(cls.value(d, param), reduction, d.numel())

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
        return _dual.abs(d)

    @staticmethod
    def slope(d: Any, param: float) -> Any:
        return get_array_module(d).sign(d)


class SmoothL1Loss(_PointwiseLoss):
    @staticmethod
    def value(d: Any, beta: float) -> Any:
        a = _dual.abs(d)
        return _dual.where(a < beta, (0.5 / beta) * d * d, a - 0.5 * beta)

    @staticmethod
    def slope(d: Any, beta: float) -> Any:
        return get_array_module(d).clip(d * (1.0 / beta), -1.0, 1.0)


class HuberLoss(_PointwiseLoss):
    @staticmethod
    def value(d: Any, delta: float) -> Any:
        a = _dual.abs(d)
        return _dual.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))

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
    """The mean absolute error ``|input - target|``, reduced; arguments as in ``mse_loss``.

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
