"""Arithmetic: ``+ - * / **``, negation, and their reflected and scalar forms.

A Python scalar operand takes a dedicated op (``x * 0.5`` is one NumPy call with
the scalar kept weak), so float32 tensors stay float32 as in PyTorch.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _dtype
from ..autograd.function import Function
from ..backend import get_array_module
from ..errors import DtypeError
from ..tensor import Tensor
from . import _dual
from ._common import (
    as_operand,
    broadcast_shape,
    fit_int,
    float_operand,
    is_scalar,
    promote_pair,
    quiet,
    scalar_result_dtype,
    sum_to,
)
from .creation import cast
from .selection import where

__all__ = [
    "add",
    "div",
    "floor_divide",
    "lerp",
    "mul",
    "neg",
    "negative",
    "pow",
    "remainder",
    "rsub",
    "sub",
    "true_divide",
]


class Add(Function):
    def forward(self, a: Any, b: Any) -> Any:
        self.meta = (a.shape, b.shape)
        return a + b

    def backward(self, grad: Any) -> tuple[Any, Any]:
        sa, sb = self.meta
        return sum_to(grad, sa), sum_to(grad, sb)

    backward_graph = backward


class Sub(Function):
    def forward(self, a: Any, b: Any) -> Any:
        self.meta = (a.shape, b.shape)
        return a - b

    def backward(self, grad: Any) -> tuple[Any, Any]:
        sa, sb = self.meta
        return sum_to(grad, sa), (sum_to(-grad, sb) if self.needs_input_grad(1) else None)

    backward_graph = backward


class Mul(Function):
    def forward(self, a: Any, b: Any) -> Any:
        self.save_for_backward(a, b)
        return a * b

    def backward(self, grad: Any) -> tuple[Any, Any]:
        return self._grads(grad, *self.saved)

    def backward_graph(self, grad: Any) -> tuple[Any, Any]:
        return self._grads(grad, *self.saved_tensors())

    def _grads(self, grad: Any, a: Any, b: Any) -> tuple[Any, Any]:
        ga = sum_to(grad * b, a.shape) if self.needs_input_grad(0) else None
        gb = sum_to(grad * a, b.shape) if self.needs_input_grad(1) else None
        return ga, gb


class Div(Function):
    def forward(self, a: Any, b: Any) -> Any:
        self.save_for_backward(a, b)
        return a / b

    def backward(self, grad: Any) -> tuple[Any, Any]:
        return self._grads(grad, *self.saved)

    def backward_graph(self, grad: Any) -> tuple[Any, Any]:
        return self._grads(grad, *self.saved_tensors())

    def _grads(self, grad: Any, a: Any, b: Any) -> tuple[Any, Any]:
        ga = sum_to(grad / b, a.shape) if self.needs_input_grad(0) else None
        gb = sum_to(-grad * a / (b * b), b.shape) if self.needs_input_grad(1) else None
        return ga, gb


def _int_power(base: Any, exponent: Any) -> Any:
    """``base ** exponent`` for integers with negative exponents allowed, as PyTorch defines it.

    NumPy refuses negative integer exponents; PyTorch gives 1 for a base of 1, ±1 for -1 and 0 otherwise.
    """
    xp = get_array_module(exponent)
    negative = exponent < 0
    out = base ** xp.where(negative, 0, exponent).astype(exponent.dtype)
    if not negative.any():
        return out
    sign = xp.where(exponent % 2 == 0, 1, -1)
    reciprocal = xp.where(base == 1, 1, xp.where(base == -1, sign, 0))
    return xp.where(negative, reciprocal, out).astype(out.dtype)


class Pow(Function):
    def forward(self, a: Any, b: Any) -> Any:
        out = _int_power(a, b) if b.dtype.kind in "iu" else a**b
        self.save_for_backward(a, b, out)
        return out

    def backward(self, grad: Any) -> tuple[Any, Any]:
        return self._grads(grad, *self.saved)

    def backward_graph(self, grad: Any) -> tuple[Any, Any]:
        return self._grads(grad, *self.saved_tensors())

    def _grads(self, grad: Any, a: Any, b: Any, out: Any) -> tuple[Any, Any]:
        ga = gb = None
        if self.needs_input_grad(0):
            ga = sum_to(grad * b * _dual.where(b == 0, 0, a ** (b - 1)), a.shape)
        if self.needs_input_grad(1):
            # d(a**b)/db = a**b * log(a); PyTorch sets it to 0 where a == 0 and b >= 0.
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = _dual.where((a == 0) & (b >= 0), 0, _dual.log(a))
            gb = sum_to(grad * out * log_a, b.shape)
        return ga, gb


class AddScalar(Function):
    def forward(self, x: Any, scalar: Any) -> Any:
        return x + scalar

    def backward(self, grad: Any) -> tuple[Any]:
        return (grad,)

    backward_graph = backward


class RSubScalar(Function):
    def forward(self, x: Any, scalar: Any) -> Any:
        return scalar - x

    def backward(self, grad: Any) -> tuple[Any]:
        return (-grad,)

    backward_graph = backward


class MulScalar(Function):
    def forward(self, x: Any, scalar: Any) -> Any:
        self.meta = scalar
        return x * scalar

    def backward(self, grad: Any) -> tuple[Any]:
        return (grad * self.meta,)

    backward_graph = backward


class DivScalar(Function):
    def forward(self, x: Any, scalar: Any) -> Any:
        self.meta = scalar
        return x / scalar

    def backward(self, grad: Any) -> tuple[Any]:
        return (grad / self.meta,)

    backward_graph = backward


class RDivScalar(Function):
    def forward(self, x: Any, scalar: Any) -> Any:
        out = scalar / x
        self.save_for_backward(x, out)
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        x, out = self.saved
        return (-grad * out / x,)

    def backward_graph(self, grad: Any) -> tuple[Any]:
        x, out = self.saved_tensors()
        return (-grad * out / x,)


class PowScalar(Function):
    def forward(self, x: Any, scalar: Any) -> Any:
        self.save_for_backward(x)
        self.meta = scalar
        if scalar == 2:
            return x * x
        return x**scalar

    def backward(self, grad: Any) -> tuple[Any]:
        return self._grads(grad, *self.saved)

    def backward_graph(self, grad: Any) -> tuple[Any]:
        return self._grads(grad, *self.saved_tensors())

    def _grads(self, grad: Any, x: Any) -> tuple[Any]:
        p = self.meta
        if p == 2:
            return (grad * (2 * x),)
        if p == 0:
            return (grad * 0,)
        return (grad * (p * x ** (p - 1)),)


class RPowScalar(Function):
    def forward(self, x: Any, scalar: Any) -> Any:
        self.meta = scalar
        with quiet():
            out = _int_power(scalar, x) if x.dtype.kind in "iu" else scalar**x
        self.save_for_backward(out)
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        return self._grads(grad, *self.saved)

    def backward_graph(self, grad: Any) -> tuple[Any]:
        return self._grads(grad, *self.saved_tensors())

    def _grads(self, grad: Any, out: Any) -> tuple[Any]:
        base = self.meta
        if base == 0:
            # d(0**x)/dx = 0**x * log(0): PyTorch takes it as 0 where x >= 0 (out is 0 or 1), and it is
            # inf * -inf where x < 0 (and nan where x is).
            with quiet():
                return (_dual.where(out <= 1, 0, grad * out * -math.inf),)
        return (grad * out * float(np.log(base)),)


class Neg(Function):
    def forward(self, x: Any) -> Any:
        return -x

    def backward(self, grad: Any) -> tuple[Any]:
        return (-grad,)

    backward_graph = backward


def _scalar_value(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _tensor_scalar(op: str, x: Tensor, scalar: Any, func: type[Function], true_division: bool = False) -> Tensor:
    scalar = _scalar_value(scalar)
    target = scalar_result_dtype(x, scalar)
    if true_division and target.np.kind != "f":
        x = float_operand(x)
    else:
        if target.np.kind in "iu" and type(scalar) is int:
            scalar = fit_int(op, scalar, target.np, wrap=func is not PowScalar and func is not RPowScalar)
        if target.np != x._array.dtype:
            x = cast(x, target)
    return func.apply(x, scalar=scalar)


def _tensor_tensor(op: str, a: Tensor, b: Tensor, func: type[Function], true_division: bool = False) -> Tensor:
    a, b = promote_pair(op, a, b)
    if true_division and a._array.dtype.kind != "f":
        a, b = float_operand(a), float_operand(b)
    try:
        return func.apply(a, b)
    except ValueError:
        broadcast_shape(op, a._array.shape, b._array.shape)
        raise


def _is_float(value: Any) -> bool:
    if isinstance(value, Tensor):
        return value._array.dtype.kind == "f"
    return isinstance(value, (float, np.floating))


def _is_bool(value: Any) -> bool:
    if isinstance(value, Tensor):
        return value._array.dtype.kind == "b"
    return isinstance(value, (bool, np.bool_))


def _check_alpha(op: str, input: Any, other: Any, alpha: Any) -> None:
    """PyTorch's rules: a float alpha needs a float operand, a bool alpha needs a bool result."""
    if _is_float(alpha) and not (_is_float(input) or _is_float(other)):
        raise DtypeError(f"{op}: alpha must not be a float when both operands are integers or bools, got {alpha}")
    if _is_bool(alpha) and not (_is_bool(input) and _is_bool(other)):
        raise DtypeError(f"{op}: a bool alpha ({alpha}) is only accepted when both operands are bools")


def _scaled(input: Any, other: Any, alpha: Any) -> Any:
    """``alpha * other`` in the result's dtype: as in PyTorch, alpha takes no part in type promotion but is
    converted to the dtype of ``input + other`` (so between bools it is a bool)."""
    both_bool = _is_bool(input) and _is_bool(other)
    if is_scalar(other):
        # A number stays a number, so it ranks below a 0-d tensor operand (float16 + 0 * 0.5 is float16).
        value = _scalar_value(other)
        return (value and bool(alpha)) if both_bool else value * _scalar_value(alpha)
    if isinstance(other, Tensor):
        tensors = [t for t in (input, other) if isinstance(t, Tensor)]
        target = _dtype.result_type(
            [t.dtype for t in tensors if t._array.ndim],
            [t.dtype for t in tensors if not t._array.ndim],
            [_scalar_value(input)] if is_scalar(input) else [],
        )
        other = cast(other, target)
    return mul(other, bool(alpha) if both_bool else alpha)


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input + alpha * other``, broadcasting.

    Args:
        input: a tensor or a number.
        other: a tensor or a number.
        alpha: the multiplier of ``other``. Default: 1.

    Shape:
        Both operands broadcast to a common shape, which is the output's.

    Example:
        >>> shendu.add(shendu.ones(2, 3), shendu.arange(3.0))
        tensor([[1., 2., 3.],
                [1., 2., 3.]])
        >>> shendu.add(shendu.ones(2), shendu.ones(2), alpha=10)
        tensor([11., 11.])
    """
    if type(alpha) is not int or alpha != 1:
        _check_alpha("add", input, other, alpha)
    if alpha != 1:
        other = _scaled(input, other, alpha)
    if isinstance(input, Tensor):
        if is_scalar(other):
            return _tensor_scalar("add", input, other, AddScalar)
        return _tensor_tensor("add", input, as_operand("add", other, input), Add)
    if is_scalar(input) and isinstance(other, Tensor):
        return _tensor_scalar("add", other, input, AddScalar)
    return _tensor_tensor("add", as_operand("add", input), as_operand("add", other), Add)


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input - alpha * other``, broadcasting; arguments as in ``add``."""
    if type(alpha) is not int or alpha != 1:
        _check_alpha("sub", input, other, alpha)
    if (_is_bool(input) and isinstance(input, Tensor)) or (_is_bool(other) and isinstance(other, Tensor)):
        raise DtypeError("sub: subtracting bool tensors is not supported; use logical_xor or ~ instead")
    if _is_bool(input):
        raise TypeError("sub: subtracting from a bool is not supported; use logical_xor or ~ instead")
    if _is_bool(other):
        raise TypeError("sub: subtracting a bool is not supported; use logical_xor or ~ instead")
    if alpha != 1:
        other = _scaled(input, other, alpha)
    if isinstance(input, Tensor):
        if is_scalar(other):
            return _tensor_scalar("sub", input, -_scalar_value(other), AddScalar)
        return _tensor_tensor("sub", input, as_operand("sub", other, input), Sub)
    if is_scalar(input) and isinstance(other, Tensor):
        return _tensor_scalar("sub", other, input, RSubScalar)
    return _tensor_tensor("sub", as_operand("sub", input), as_operand("sub", other), Sub)


def rsub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``other - alpha * input``."""
    return sub(other, input, alpha=alpha)


def mul(input: Any, other: Any) -> Tensor:
    """``input * other``, elementwise with broadcasting."""
    if isinstance(input, Tensor):
        if is_scalar(other):
            return _tensor_scalar("mul", input, other, MulScalar)
        return _tensor_tensor("mul", input, as_operand("mul", other, input), Mul)
    if is_scalar(input) and isinstance(other, Tensor):
        return _tensor_scalar("mul", other, input, MulScalar)
    return _tensor_tensor("mul", as_operand("mul", input), as_operand("mul", other), Mul)


def _integer_operands(op: str, input: Any, other: Any) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of one dtype, with Python scalars ranked below tensors as in PyTorch."""
    if is_scalar(other) and isinstance(input, Tensor):
        b = _scalar_operand(op, other, input)
        a = cast(input, b.dtype)
    elif is_scalar(input) and isinstance(other, Tensor):
        a = _scalar_operand(op, input, other)
        b = cast(other, a.dtype)
    else:
        a = input if isinstance(input, Tensor) else as_operand(op, input)
        b = other if isinstance(other, Tensor) else as_operand(op, other, a)
        a, b = promote_pair(op, a, b)
    broadcast_shape(op, a._array.shape, b._array.shape)
    return a, b


def _scalar_operand(op: str, scalar: Any, like: Tensor) -> Tensor:
    """A Python scalar as a 0-d tensor of the dtype ``like op scalar`` has, on ``like``'s device.

    A float goes straight to that dtype: through the default float32 first, 1.7 would lose digits
    that a float64 operand keeps.
    """
    value = _scalar_value(scalar)
    target = scalar_result_dtype(like, value)
    if isinstance(value, float):
        return Tensor._make(get_array_module(like._array).asarray(value, dtype=target.np))
    return cast(as_operand(op, value, like), target)


def _check_nonzero(op: str, dividend: Tensor, divisor: Tensor) -> None:
    """Integer division by zero is an error, as in PyTorch, unless there is nothing to divide."""
    if (
        divisor._array.dtype.kind != "f"
        and dividend._array.size
        and divisor._array.size
        and not bool(divisor._array.all())
    ):
        raise ValueError(f"{op}: integer division by zero (the divisor has zeros)")


def _rounded_div(op: str, input: Any, other: Any, rounding_mode: str) -> Tensor:
    a, b = _integer_operands(op, input, other)
    _check_nonzero(op, a, b)
    xp = get_array_module(a._array)
    with np.errstate(divide="ignore", invalid="ignore"):
        if rounding_mode == "floor":
            out = xp.floor_divide(a._array, b._array)
        else:
            quotient = a._array / b._array
            out = xp.trunc(quotient).astype(a._array.dtype) if a._array.dtype.kind != "f" else xp.trunc(quotient)
    return Tensor._make(out)


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """``input / other``: true division (integers give float32), or rounded with ``rounding_mode``.

    Args:
        rounding_mode: None for true division, ``"trunc"`` or ``"floor"`` for a rounded,
            non-differentiable result. Default: None.
    """
    if rounding_mode is not None:
        if rounding_mode not in ("trunc", "floor"):
            raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
        return _rounded_div("div", input, other, rounding_mode)
    if isinstance(input, Tensor):
        if is_scalar(other):
            return _tensor_scalar("div", input, other, DivScalar, true_division=True)
        return _tensor_tensor("div", input, as_operand("div", other, input), Div, true_division=True)
    if is_scalar(input) and isinstance(other, Tensor):
        return _tensor_scalar("div", other, input, RDivScalar, true_division=True)
    return _tensor_tensor("div", as_operand("div", input), as_operand("div", other), Div, true_division=True)


true_divide = div


def floor_divide(input: Any, other: Any) -> Tensor:
    """``input // other``, rounded towards minus infinity (not differentiable)."""
    return _rounded_div("floor_divide", input, other, "floor")


class Remainder(Function):
    def forward(self, a: Any, b: Any) -> Any:
        self.save_for_backward(a, b)
        return get_array_module(a).remainder(a, b)

    def backward(self, grad: Any) -> tuple[Any, Any]:
        a, b = self.saved
        xp = get_array_module(a)
        ga = sum_to(grad, a.shape) if self.needs_input_grad(0) else None
        gb = sum_to(-grad * xp.floor(a / b), b.shape) if self.needs_input_grad(1) else None
        return ga, gb

    def backward_graph(self, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        # floor(a / b) is piecewise constant: a constant in the gradient's graph.
        a, b = self.saved
        ga = sum_to(grad, a.shape) if self.needs_input_grad(0) else None
        quotient = Tensor._make(get_array_module(a).floor(a / b))
        gb = sum_to(-grad * quotient, b.shape) if self.needs_input_grad(1) else None
        return ga, gb


def remainder(input: Any, other: Any) -> Tensor:
    """Python's ``%``: the remainder with the sign of ``other``."""
    a, b = _integer_operands("remainder", input, other)
    _check_nonzero("remainder", a, b)
    return _tensor_tensor("remainder", a, b, Remainder)


def pow(input: Any, exponent: Any) -> Tensor:
    """``input ** exponent``, elementwise; either side may be a number."""
    if isinstance(input, Tensor):
        if is_scalar(exponent):
            if type(_scalar_value(exponent)) is int and exponent < 0 and input._array.dtype.kind in "biu":
                raise ValueError(f"pow: integers to negative integer powers are not allowed, got exponent {exponent}")
            return _tensor_scalar("pow", input, exponent, PowScalar)
        return _tensor_tensor("pow", input, as_operand("pow", exponent, input), Pow)
    if is_scalar(input) and isinstance(exponent, Tensor):
        return _tensor_scalar("pow", exponent, input, RPowScalar)
    return _tensor_tensor("pow", as_operand("pow", input), as_operand("pow", exponent), Pow)


def neg(input: Tensor) -> Tensor:
    """``-input``."""
    if input._array.dtype.kind == "b":
        raise TypeError("neg: negating a bool tensor is not supported; use logical_not or ~ instead")
    return Neg.apply(input)


negative = neg


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """Linear interpolation, ``input + weight * (end - input)``, differentiable in all three.

    ``ema.lerp_(param, 1 - decay)`` keeps an exponential moving average of ``param``.

    Args:
        input: the start, a floating-point tensor.
        end: the end, a tensor of ``input``'s dtype, broadcastable with it.
        weight: a number (or a 0-d tensor), or a tensor of ``input``'s dtype broadcastable with both.

    Example:
        >>> shendu.lerp(shendu.tensor([0.0, 10.0]), shendu.tensor([10.0, 20.0]), 0.25)
        tensor([ 2.5000, 12.5000])
    """
    if not isinstance(input, Tensor) or not isinstance(end, Tensor):
        raise TypeError(
            f"lerp: expected tensors for input and end, got {type(input).__name__} and {type(end).__name__}"
        )
    if not input.is_floating_point():
        raise DtypeError(f"lerp: expected a floating-point input, got dtype {input.dtype}; cast it first (x.float())")
    if isinstance(weight, Tensor) and weight.ndim == 0:
        weight = cast(weight, input.dtype)  # a 0-d weight of any dtype counts as a number, as in PyTorch
    operands = {"end": end} if is_scalar(weight) else {"end": end, "weight": as_operand("lerp", weight, input)}
    for name, t in operands.items():
        if t.dtype != input.dtype:
            raise DtypeError(
                f"lerp: expected {name} of the input's dtype {input.dtype}, got {t.dtype}; cast it first "
                f"({name}.to(input.dtype))"
            )
    broadcast_shape("lerp", input._array.shape, *(t._array.shape for t in operands.values()))
    # PyTorch's two forms: from the start for small weights, from the end for large ones, so that a
    # weight of 1 gives exactly ``end`` (and infinities give the same NaNs).
    difference = sub(end, input)
    if is_scalar(weight):
        return add(input, mul(difference, weight)) if abs(weight) < 0.5 else sub(end, mul(difference, 1 - weight))
    w = operands["weight"]
    return where(w.abs() < 0.5, add(input, mul(difference, w)), sub(end, mul(difference, 1 - w)))
