"""What the losses share: the reductions, the weighted-reduction op and the operand checks."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..._checks import check_tensor
from ...autograd.function import Function
from ...backend import get_array_module
from ...errors import DtypeError, ShapeError
from ...tensor import Tensor
from .._common import broadcast_shape, check_same_device, promote_pair, sum_to

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

    def forward(self, loss: Any, weight: Any, *, reduction: str, by_weight_sum: bool) -> Any:
        self.save_for_backward(loss, weight)
        weighted = loss * weight
        denom = weight.sum() if by_weight_sum and reduction == "mean" else weighted.size
        out = _reduce(weighted, reduction, denom)
        self.out = out
        self.meta = (reduction, by_weight_sum, denom, weighted.shape)
        return out

    def backward(self, grad: Any) -> tuple[Any, Any]:
        reduction, by_weight_sum, denom, shape = self.meta
        loss, weight = self.saved
        g = _scale(grad, reduction, denom)
        gl = sum_to(_broadcast(g * weight, shape), loss.shape) if self.needs_input_grad(0) else None
        gw = None
        if self.needs_input_grad(1):
            gw = sum_to(_broadcast(g * loss, shape), weight.shape)
            if by_weight_sum and reduction == "mean":
                # The weights also appear in the denominator: d(out)/dw = (loss - out) / sum(w).
                gw = gw - g * self.out
        return gl, gw

    @staticmethod
    def composite(loss: Tensor, weight: Tensor, reduction: str, by_weight_sum: bool) -> Tensor:
        weighted = loss * weight
        denom = weight.sum() if by_weight_sum and reduction == "mean" else weighted.numel()
        return _reduce(weighted, reduction, denom)


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
