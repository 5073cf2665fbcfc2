"""Comparisons, closeness tests, and logical and bitwise ops: the ops behind ``== < & | ^ ~``.

Comparisons promote their operands as PyTorch does (an int tensor compared with 2.5 is
compared as float) and return bool tensors that never require grad. Unlike PyTorch, which
first wraps an out-of-range integer scalar into the tensor's dtype, an int8 tensor compared
with 1000 gives the mathematically right answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype
from .._checks import check_tensor
from ..backend import get_array_module
from ..errors import DtypeError
from ..tensor import Tensor
from ._common import (
    as_operand,
    broadcast_shape,
    check_same_device,
    fit_int,
    is_scalar,
    promote_pair,
    scalar_result_dtype,
)

__all__ = [
    "allclose",
    "bitwise_and",
    "bitwise_not",
    "bitwise_or",
    "bitwise_xor",
    "eq",
    "equal",
    "ge",
    "greater",
    "greater_equal",
    "gt",
    "isclose",
    "le",
    "less",
    "less_equal",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "lt",
    "ne",
    "not_equal",
]


def _scalar_value(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _operands(op: str, input: Any, other: Any) -> tuple[Any, Any]:
    """The two raw operands, promoted to their common dtype; a Python scalar stays a scalar."""
    x = check_tensor(op, input, "as input")
    if is_scalar(other):
        value = _scalar_value(other)
        target = scalar_result_dtype(x, value)
        data = x._array if target.np == x._array.dtype else x._array.astype(target.np)
        return data, value
    a, b = promote_pair(op, x, as_operand(op, other, x))
    broadcast_shape(op, a._array.shape, b._array.shape)
    return a._array, b._array


def _compare(op: str, ufunc: str, input: Any, other: Any) -> Tensor:
    a, b = _operands(op, input, other)
    return Tensor._make(getattr(get_array_module(a), ufunc)(a, b))


def eq(input: Tensor, other: Any) -> Tensor:
    """``input == other``, elementwise with broadcasting, as a bool tensor.

    Args:
        input: a tensor.
        other: a tensor or a number.

    Example:
        >>> shendu.eq(shendu.tensor([1, 2, 3]), 2)
        tensor([False,  True, False])
    """
    return _compare("eq", "equal", input, other)


def ne(input: Tensor, other: Any) -> Tensor:
    """``input != other``, elementwise; arguments as in ``eq``.

    Example:
        >>> shendu.ne(shendu.tensor([1, 2]), 2)
        tensor([ True, False])
    """
    return _compare("ne", "not_equal", input, other)


def lt(input: Tensor, other: Any) -> Tensor:
    """``input < other``, elementwise; arguments as in ``eq``.

    Example:
        >>> shendu.lt(shendu.tensor([1.0, 2.0]), 1.5)
        tensor([ True, False])
    """
    return _compare("lt", "less", input, other)


def le(input: Tensor, other: Any) -> Tensor:
    """``input <= other``, elementwise; arguments as in ``eq``.

    Example:
        >>> shendu.le(shendu.tensor([1.0, 2.0]), 1.0)
        tensor([ True, False])
    """
    return _compare("le", "less_equal", input, other)


def gt(input: Tensor, other: Any) -> Tensor:
    """``input > other``, elementwise; arguments as in ``eq``.

    Example:
        >>> shendu.gt(shendu.tensor([1.0, 2.0]), 1.5)
        tensor([False,  True])
    """
    return _compare("gt", "greater", input, other)


def ge(input: Tensor, other: Any) -> Tensor:
    """``input >= other``, elementwise; arguments as in ``eq``.

    Example:
        >>> shendu.ge(shendu.tensor([1.0, 2.0]), 2.0)
        tensor([False,  True])
    """
    return _compare("ge", "greater_equal", input, other)


not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and the same values (NaN never equals NaN).

    Example:
        >>> shendu.equal(shendu.tensor([1, 2]), shendu.tensor([1.0, 2.0]))
        True
    """
    x = check_tensor("equal", input, "as input")
    check_tensor("equal", other, name="other")
    check_same_device("equal", x, other)
    if x._array.shape != other._array.shape:
        return False
    a, b = promote_pair("equal", x, other)
    return bool(get_array_module(a._array).array_equal(a._array, b._array))


def _check_tolerances(op: str, rtol: float, atol: float) -> None:
    if not rtol >= 0:
        raise ValueError(f"{op}: rtol must be >= 0, got {rtol}")
    if not atol >= 0:
        raise ValueError(f"{op}: atol must be >= 0, got {atol}")


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Whether ``|input - other| <= atol + rtol * |other|``, elementwise, as a bool tensor.

    Args:
        input: a tensor.
        other: a tensor of the same dtype, broadcastable with ``input``.
        rtol: the relative tolerance. Default: 1e-05.
        atol: the absolute tolerance. Default: 1e-08.
        equal_nan: count two NaNs as close. Default: False.

    Infinities are close only to themselves.

    Example:
        >>> shendu.isclose(shendu.tensor([1.0, 2.0]), shendu.tensor([1.0 + 1e-7, 2.1]))
        tensor([ True, False])
    """
    x = check_tensor("isclose", input, "as input")
    check_tensor("isclose", other, name="other")
    check_same_device("isclose", x, other)
    if x._array.dtype != other._array.dtype:
        raise DtypeError(
            f"isclose: input and other must have the same dtype, got {x.dtype} and {other.dtype}; "
            "convert one with .to(other.dtype)"
        )
    _check_tolerances("isclose", rtol, atol)
    broadcast_shape("isclose", x._array.shape, other._array.shape)
    a, b = x._array, other._array
    xp = get_array_module(a)
    close = a == b
    if a.dtype.kind == "b" or (rtol == 0 and atol == 0):
        return Tensor._make(close)
    if a.dtype.kind == "f":
        if equal_nan:
            close = close | (xp.isnan(a) & xp.isnan(b))
    else:
        a = a.astype(_dtype.get_default_dtype().np)
        b = b.astype(a.dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        error = xp.abs(a - b)
        close = close | (xp.isfinite(error) & (error <= atol + xp.abs(rtol * b)))
    return Tensor._make(close)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when every element of ``input`` is close to ``other``; arguments as in ``isclose``.

    Example:
        >>> shendu.allclose(shendu.tensor([1.0, 2.0]), shendu.tensor([1.0, 2.0 + 1e-7]))
        True
    """
    x = check_tensor("allclose", input, "as input")
    _check_tolerances("allclose", rtol, atol)
    check_tensor("allclose", other, name="other")
    if x._array.dtype != other._array.dtype:
        raise DtypeError(
            f"allclose: input and other must have the same dtype, got {x.dtype} and {other.dtype}; "
            "convert one with .to(other.dtype)"
        )
    return bool(isclose(x, other, rtol=rtol, atol=atol, equal_nan=equal_nan)._array.all())


# ----------------------------------------------------------------------------- logical
def _logical(op: str, ufunc: str, input: Any, other: Any) -> Tensor:
    x = check_tensor(op, input, "as input")
    if is_scalar(other):
        b = _scalar_value(other)
    else:
        t = as_operand(op, other, x)
        check_same_device(op, x, t)
        broadcast_shape(op, x._array.shape, t._array.shape)
        b = t._array
    return Tensor._make(getattr(get_array_module(x._array), ufunc)(x._array, b))


def logical_and(input: Tensor, other: Any) -> Tensor:
    """Elementwise AND of the truth values (nonzero is True) of ``input`` and ``other``, as bool.

    Example:
        >>> shendu.logical_and(shendu.tensor([1, 0, 2]), shendu.tensor([True, True, False]))
        tensor([ True, False, False])
    """
    return _logical("logical_and", "logical_and", input, other)


def logical_or(input: Tensor, other: Any) -> Tensor:
    """Elementwise OR of the truth values of ``input`` and ``other``, as bool.

    Example:
        >>> shendu.logical_or(shendu.tensor([1, 0]), shendu.tensor([0, 0]))
        tensor([ True, False])
    """
    return _logical("logical_or", "logical_or", input, other)


def logical_xor(input: Tensor, other: Any) -> Tensor:
    """Elementwise XOR of the truth values of ``input`` and ``other``, as bool.

    Example:
        >>> shendu.logical_xor(shendu.tensor([1, 0]), shendu.tensor([1, 1]))
        tensor([False,  True])
    """
    return _logical("logical_xor", "logical_xor", input, other)


def logical_not(input: Tensor) -> Tensor:
    """Elementwise NOT of the truth values of ``input``, as bool.

    Example:
        >>> shendu.logical_not(shendu.tensor([0.0, 2.0]))
        tensor([ True, False])
    """
    x = check_tensor("logical_not", input, "as input")
    return Tensor._make(get_array_module(x._array).logical_not(x._array))


# ----------------------------------------------------------------------------- bitwise
def _check_integral(op: str, dtype: Any) -> None:
    if dtype.kind not in "biu":
        raise DtypeError(f"{op}: expected bool or integer tensors, got dtype {_dtype.from_numpy_dtype(dtype)}")


def _bitwise(op: str, ufunc: str, input: Any, other: Any) -> Tensor:
    if not isinstance(input, Tensor) and isinstance(other, Tensor):
        # `True & mask` arrives here reflected; the ops are symmetric.
        input, other = other, input
    x = check_tensor(op, input, "as input")
    _check_integral(op, x._array.dtype)
    if is_scalar(other):
        value = _scalar_value(other)
        if isinstance(value, float):
            raise DtypeError(f"{op}: expected a bool or integer operand, got the float {value!r}")
        target = scalar_result_dtype(x, value)
        a = x._array if target.np == x._array.dtype else x._array.astype(target.np)
        if target.np.kind in "iu" and type(value) is int:
            value = fit_int(op, value, target.np, wrap=True)
        return Tensor._make(getattr(get_array_module(a), ufunc)(a, value))
    t = as_operand(op, other, x)
    _check_integral(op, t._array.dtype)
    a, b = promote_pair(op, x, t)
    broadcast_shape(op, a._array.shape, b._array.shape)
    return Tensor._make(getattr(get_array_module(a._array), ufunc)(a._array, b._array))


def bitwise_and(input: Tensor, other: Any) -> Tensor:
    """Elementwise ``input & other`` for bool and integer tensors (logical AND for bool).

    Example:
        >>> shendu.bitwise_and(shendu.tensor([12, 10]), 6)
        tensor([4, 2])
    """
    return _bitwise("bitwise_and", "bitwise_and", input, other)


def bitwise_or(input: Tensor, other: Any) -> Tensor:
    """Elementwise ``input | other`` for bool and integer tensors.

    Example:
        >>> shendu.bitwise_or(shendu.tensor([12, 10]), 1)
        tensor([13, 11])
    """
    return _bitwise("bitwise_or", "bitwise_or", input, other)


def bitwise_xor(input: Tensor, other: Any) -> Tensor:
    """Elementwise ``input ^ other`` for bool and integer tensors.

    Example:
        >>> shendu.bitwise_xor(shendu.tensor([True, False]), shendu.tensor([True, True]))
        tensor([False,  True])
    """
    return _bitwise("bitwise_xor", "bitwise_xor", input, other)


def bitwise_not(input: Tensor) -> Tensor:
    """Elementwise ``~input``: logical NOT for bool tensors, two's-complement NOT for integers.

    Example:
        >>> shendu.bitwise_not(shendu.tensor([True, False]))
        tensor([False,  True])
    """
    x = check_tensor("bitwise_not", input, "as input")
    _check_integral("bitwise_not", x._array.dtype)
    return Tensor._make(get_array_module(x._array).invert(x._array))
