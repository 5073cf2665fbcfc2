"""Elementwise selection: each output element is taken from one of the inputs.

``maximum`` and ``minimum`` pick the larger or smaller of two values (NaN propagates, ties split
the gradient), ``where`` picks by a bool condition and ``masked_fill`` replaces masked elements.
The gradient flows only to the element that was picked.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype
from .._checks import check_tensor
from ..autograd.function import Function
from ..backend import get_array_module
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from . import _dual
from ._common import (
    as_operand,
    broadcast_shape,
    check_same_device,
    is_scalar,
    promote_pair,
    scalar_result_dtype,
    sum_to,
)
from .creation import _fill_value, cast, move

__all__ = ["masked_fill", "maximum", "minimum", "where"]


# ----------------------------------------------------------------------------- maximum / minimum
class Maximum(Function):
    def forward(self, a: Any, b: Any) -> Any:
        self.save_for_backward(a, b)
        return get_array_module(a).maximum(a, b)

    def backward(self, grad: Any) -> tuple[Any, Any]:
        a, b = self.saved
        return _extremum_grads(self, grad, a < b, a > b)

    backward_graph = backward


class Minimum(Function):
    def forward(self, a: Any, b: Any) -> Any:
        self.save_for_backward(a, b)
        return get_array_module(a).minimum(a, b)

    def backward(self, grad: Any) -> tuple[Any, Any]:
        a, b = self.saved
        return _extremum_grads(self, grad, a > b, a < b)

    backward_graph = backward


def _extremum_grads(fn: Function, grad: Any, a_lost: Any, b_lost: Any) -> tuple[Any, Any]:
    # Ties split the gradient in half, as PyTorch does; a NaN on either side wins for both.
    a, b = fn.saved
    shared = _dual.where(a == b, grad * 0.5, grad)
    ga = sum_to(_dual.where(a_lost, 0, shared), a.shape) if fn.needs_input_grad(0) else None
    gb = sum_to(_dual.where(b_lost, 0, shared), b.shape) if fn.needs_input_grad(1) else None
    return ga, gb


def _binary_operands(op: str, input: Any, other: Any) -> tuple[Tensor, Tensor]:
    x = check_tensor(op, input, "as input")
    if is_scalar(other):
        value = other.item() if isinstance(other, np.generic) else other
        x = cast(x, scalar_result_dtype(x, value))
        xp = get_array_module(x._array)
        return x, Tensor._make(xp.asarray(_fill_value(op, value, x._array.dtype, "other"), dtype=x._array.dtype))
    a, b = promote_pair(op, x, as_operand(op, other, x))
    broadcast_shape(op, a._array.shape, b._array.shape)
    return a, b


def maximum(input: Tensor, other: Any) -> Tensor:
    """The elementwise maximum of ``input`` and ``other``, broadcasting; NaN propagates.

    Args:
        input: a tensor.
        other: a tensor (or a number).

    Where the two are equal, each gets half the gradient, as in PyTorch.

    Example:
        >>> shendu.maximum(shendu.tensor([1.0, 5.0]), shendu.tensor([3.0, 2.0]))
        tensor([3., 5.])
    """
    return Maximum.apply(*_binary_operands("maximum", input, other))


def minimum(input: Tensor, other: Any) -> Tensor:
    """The elementwise minimum of ``input`` and ``other``; arguments as in ``maximum``.

    Example:
        >>> shendu.minimum(shendu.tensor([1.0, 5.0]), shendu.tensor([3.0, 2.0]))
        tensor([1., 2.])
    """
    return Minimum.apply(*_binary_operands("minimum", input, other))


# ----------------------------------------------------------------------------- where / masked_fill
class Where(Function):
    def forward(self, condition: Any, a: Any, b: Any) -> Any:
        self.save_for_backward(condition)
        self.meta = (a.shape, b.shape)
        return get_array_module(a).where(condition, a, b)

    def backward(self, grad: Any) -> tuple[Any, Any, Any]:
        shape_a, shape_b = self.meta
        (c,) = self.saved
        ga = sum_to(_dual.where(c, grad, 0), shape_a) if self.needs_input_grad(1) else None
        gb = sum_to(_dual.where(c, 0, grad), shape_b) if self.needs_input_grad(2) else None
        return None, ga, gb

    backward_graph = backward


def _check_bool(op: str, what: str, t: Any) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: expected {what} to be a bool Tensor, got {type(t).__name__}")
    if t._array.dtype.kind != "b":
        raise DtypeError(f"{op}: expected {what} to be a bool tensor, got dtype {t.dtype}")
    return t


def where(condition: Tensor, input: Any = None, other: Any = None) -> Tensor | tuple[Tensor, ...]:
    """Pick ``input`` where ``condition`` is True and ``other`` elsewhere, broadcasting all three.

    Args:
        condition: a bool tensor (of any dtype when ``input`` and ``other`` are not given).
        input: a tensor or a number, taken where ``condition`` holds.
        other: a tensor or a number, taken elsewhere.

    With only ``condition``, returns the indices of its True elements, one int64 tensor per
    dimension (``nonzero(as_tuple=True)``). The result dtype follows PyTorch's promotion of
    ``input`` and ``other``. ``x.where(condition, y)`` is ``where(condition, x, y)``.

    Example:
        >>> x = shendu.tensor([-1.0, 2.0])
        >>> shendu.where(x > 0, x, 0.0)
        tensor([0., 2.])
    """
    if input is None and other is None:
        # The indices of the nonzero elements, of a tensor of any dtype, as in PyTorch.
        cond = check_tensor("where", condition, "as input")
        xp = get_array_module(cond._array)
        return tuple(Tensor._make(i.astype(np.int64, copy=False)) for i in xp.nonzero(xp.atleast_1d(cond._array)))
    cond = _check_bool("where", "condition", condition)
    if input is None or other is None:
        raise TypeError("where: expected both input and other, or neither (for the indices of True elements)")
    operands = []
    for value in (input, other):
        if isinstance(value, Tensor) or is_scalar(value):
            operands.append(value)
        else:
            operands.append(as_operand("where", value, cond))
    tensors = [v for v in operands if isinstance(v, Tensor)]
    scalars = [v.item() if isinstance(v, np.generic) else v for v in operands if not isinstance(v, Tensor)]
    check_same_device("where", cond, *tensors)
    target = _dtype.result_type(
        [t.dtype for t in tensors if t._array.ndim], [t.dtype for t in tensors if not t._array.ndim], scalars
    )
    xp = get_array_module(cond._array)
    a, b = (
        cast(v, target)
        if isinstance(v, Tensor)
        else Tensor._make(xp.asarray(_fill_value("where", v, target.np, name), dtype=target.np))
        for v, name in zip(operands, ("input", "other"))
    )
    broadcast_shape("where", cond._array.shape, a._array.shape, b._array.shape)
    return Where.apply(cond, a, b)


def tensor_where(input: Tensor, condition: Tensor, other: Any) -> Tensor:
    """``x.where(condition, y)``: ``where(condition, x, y)``, the Tensor method's argument order."""
    return where(condition, input, other)


class MaskedFill(Function):
    def forward(self, mask: Any, x: Any, value: Any) -> Any:
        self.save_for_backward(mask)
        self.meta = x.shape
        return get_array_module(x).where(mask, value, x)

    def backward(self, grad: Any) -> tuple[Any, Any, Any]:
        (mask,) = self.saved
        gx = sum_to(_dual.where(mask, 0, grad), self.meta) if self.needs_input_grad(1) else None
        gv = _dual.where(mask, grad, 0).sum().reshape(()) if self.needs_input_grad(2) else None
        return None, gx, gv

    backward_graph = backward


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``input`` with the elements where ``mask`` is True replaced by ``value``.

    Args:
        input: a tensor.
        mask: a bool tensor broadcastable with ``input``.
        value: a number, or a 0-d tensor (which then gets the gradient of the filled elements).
            It is converted to ``input``'s dtype.

    Example:
        >>> x = shendu.tensor([1.0, -2.0, 3.0])
        >>> x.masked_fill(x < 0, 0.0)
        tensor([1., 0., 3.])
    """
    x = check_tensor("masked_fill", input, "as input")
    m = _check_bool("masked_fill", "mask", mask)
    check_same_device("masked_fill", x, m)
    broadcast_shape("masked_fill", x._array.shape, m._array.shape)
    xp = get_array_module(x._array)
    if isinstance(value, Tensor):
        if value._array.ndim != 0:
            raise ShapeError(
                f"masked_fill: value must be a number or a 0-d tensor, got a tensor of shape {tuple(value.shape)}"
            )
        _fill_value("masked_fill", value.item(), x._array.dtype)
        fill = cast(move(value, x.device), x.dtype)
    elif is_scalar(value):
        fill = Tensor._make(xp.asarray(_fill_value("masked_fill", value, x._array.dtype), dtype=x._array.dtype))
    else:
        raise TypeError(f"masked_fill: value must be a number or a 0-d tensor, got {type(value).__name__}")
    return MaskedFill.apply(m, x, fill)
