"""The Kullback-Leibler divergence ``kl_div``."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ...autograd.function import Function
from ...backend import get_array_module
from ...tensor import Tensor
from .. import _dual
from .._common import broadcast_shape, sum_to
from ._common import (
    _broadcast,
    _float_pair,
    _reduce,
    _reduction,
    _scale,
)


class KLDiv(Function):
    """Pointwise KL divergence ``t * (log t - x)``, or ``exp(t) * (t - x)`` for a log-space target."""

    def forward(self, x: Any, t: Any, *, reduction: str, count: int | None, log_target: bool) -> Any:
        xp = get_array_module(x)
        if log_target:
            loss = xp.exp(t) * (t - x)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                # x log x is 0 at x = 0, as PyTorch's xlogy.
                loss = xp.where(t == 0, 0, t * xp.log(t)) - t * x
        count = loss.size if count is None else count
        self.save_for_backward(x, t)
        self.meta = (reduction, count, log_target, loss.shape)
        return _reduce(loss, reduction, count)

    def backward(self, grad: Any) -> tuple[Any, Any]:
        reduction, count, log_target, shape = self.meta
        xp = get_array_module(grad)
        x, t = self.saved
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

    @staticmethod
    def composite(x: Tensor, t: Tensor, reduction: str, count: int | None, log_target: bool) -> Tensor:
        if log_target:
            loss = t.exp() * (t - x)
        else:
            # t log t is 0 at t = 0; the log of a safe stand-in keeps nan out of the unused branch's gradient.
            loss = _dual.where(t == 0, 0, t * _dual.where(t == 0, 1, t).log()) - t * x
        return _reduce(loss, reduction, loss.numel() if count is None else count)


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
