"""Elementwise math: exponentials and logs, trigonometry, rounding, clamping, tests for NaN.

Ops that only make sense on real numbers (``exp``, ``sqrt``, ``sigmoid``...) turn int and
bool tensors into the default float dtype, as PyTorch does; ops that keep integers exact
(``abs``, ``sign``, ``floor``, ``clamp``...) keep the integer dtype. Like PyTorch, none of them
warns about overflow or values outside the domain: ``log(0)`` is ``-inf`` and ``sqrt(-1)`` is
``nan``, silently.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _dtype
from .._checks import check_tensor, is_int, is_number
from ..autograd.function import Function
from ..backend import get_array_module
from ..errors import DtypeError
from ..tensor import Tensor
from . import _dual
from ._common import (
    as_operand,
    broadcast_shape,
    check_same_device,
    float_operand,
    is_scalar,
    quiet,
    renamed,
    sum_to,
)
from ._erf import erf_array
from .creation import _fill_value, cast

__all__ = [
    "abs",
    "absolute",
    "ceil",
    "clamp",
    "clamp_max",
    "clamp_min",
    "clip",
    "cos",
    "erf",
    "exp",
    "expm1",
    "floor",
    "isfinite",
    "isinf",
    "isnan",
    "log",
    "log1p",
    "log2",
    "log10",
    "nan_to_num",
    "reciprocal",
    "round",
    "rsqrt",
    "sigmoid",
    "sign",
    "sin",
    "sqrt",
    "square",
    "tanh",
    "trunc",
]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _no_bool(op: str, x: Tensor) -> None:
    if x._array.dtype.kind == "b":
        raise DtypeError(f"{op}: bool tensors are not supported; convert with .int() or .float() first")


def sign_array(x: Any) -> Any:
    """-1, 0 or 1 in ``x``'s dtype; 0 for NaN, as PyTorch's sign gives."""
    return (x > 0).astype(x.dtype) - (x < 0)


def stable_sigmoid(x: Any) -> Any:
    """``1 / (1 + exp(-x))`` without overflow: exp only ever sees ``-|x|``, so ±inf give exactly 0 and 1."""
    xp = get_array_module(x)
    with quiet():
        e = xp.exp(-xp.abs(x))
        r = 1 / (1 + e)
        return xp.where(x >= 0, r, e * r)


# ----------------------------------------------------------------------------- unary Functions
class _Unary(Function):
    """An elementwise op whose gradient is ``chain(grad, saved)``: one formula, written with operators
    and ``_dual``, serves arrays (backward) and tensors (backward_graph, for higher derivatives)."""

    def backward(self, grad: Any) -> tuple[Any]:
        with quiet():
            return (self.chain(grad, self.saved[0]),)

    def backward_graph(self, grad: Any) -> tuple[Any]:
        return (self.chain(grad, self.saved_tensors()[0]),)

    def chain(self, grad: Any, saved: Any) -> Any:
        raise NotImplementedError


def _sign(x: Any) -> Any:
    return x.sign() if isinstance(x, Tensor) else sign_array(x)


class Abs(_Unary):
    def forward(self, x: Any) -> Any:
        self.save_for_backward(x)
        return get_array_module(x).abs(x)

    def chain(self, grad: Any, x: Any) -> Any:
        return grad * _sign(x)


class Exp(_Unary):
    def forward(self, x: Any) -> Any:
        with quiet():
            out = get_array_module(x).exp(x)
        self.save_for_backward(out)
        return out

    def chain(self, grad: Any, out: Any) -> Any:
        return grad * out


class Expm1(_Unary):
    def forward(self, x: Any) -> Any:
        with quiet():
            out = get_array_module(x).expm1(x)
        self.save_for_backward(out)
        return out

    def chain(self, grad: Any, out: Any) -> Any:
        return grad * (out + 1)


class Log(_Unary):
    def forward(self, x: Any) -> Any:
        self.save_for_backward(x)
        with quiet():
            return get_array_module(x).log(x)

    def chain(self, grad: Any, x: Any) -> Any:
        return grad / x


class Log2(_Unary):
    def forward(self, x: Any) -> Any:
        self.save_for_backward(x)
        with quiet():
            return get_array_module(x).log2(x)

    def chain(self, grad: Any, x: Any) -> Any:
        return grad / (x * _LN2)


class Log10(_Unary):
    def forward(self, x: Any) -> Any:
        self.save_for_backward(x)
        with quiet():
            return get_array_module(x).log10(x)

    def chain(self, grad: Any, x: Any) -> Any:
        return grad / (x * _LN10)


class Log1p(_Unary):
    def forward(self, x: Any) -> Any:
        self.save_for_backward(x)
        with quiet():
            return get_array_module(x).log1p(x)

    def chain(self, grad: Any, x: Any) -> Any:
        return grad / (x + 1)


class Sqrt(_Unary):
    def forward(self, x: Any) -> Any:
        with quiet():
            out = get_array_module(x).sqrt(x)
        self.save_for_backward(out)
        return out

    def chain(self, grad: Any, out: Any) -> Any:
        return grad / (2 * out)


class Rsqrt(_Unary):
    def forward(self, x: Any) -> Any:
        with quiet():
            out = 1 / get_array_module(x).sqrt(x)
        self.save_for_backward(out)
        return out

    def chain(self, grad: Any, out: Any) -> Any:
        return grad * (-0.5 * out * out * out)


class Sin(_Unary):
    def forward(self, x: Any) -> Any:
        self.save_for_backward(x)
        with quiet():
            return get_array_module(x).sin(x)

    def chain(self, grad: Any, x: Any) -> Any:
        return grad * _dual.cos(x)


class Cos(_Unary):
    def forward(self, x: Any) -> Any:
        self.save_for_backward(x)
        with quiet():
            return get_array_module(x).cos(x)

    def chain(self, grad: Any, x: Any) -> Any:
        return -grad * _dual.sin(x)


class Tanh(_Unary):
    def forward(self, x: Any) -> Any:
        out = get_array_module(x).tanh(x)
        self.save_for_backward(out)
        return out

    def chain(self, grad: Any, out: Any) -> Any:
        return grad * (1 - out * out)


class Sigmoid(_Unary):
    def forward(self, x: Any) -> Any:
        out = stable_sigmoid(x)
        self.save_for_backward(out)
        return out

    def chain(self, grad: Any, out: Any) -> Any:
        return grad * (1 - out) * out


class Erf(_Unary):
    def forward(self, x: Any) -> Any:
        self.save_for_backward(x)
        return erf_array(x)

    def chain(self, grad: Any, x: Any) -> Any:
        return grad * (_TWO_OVER_SQRT_PI * _dual.exp(-(x * x)))


class Square(_Unary):
    def forward(self, x: Any) -> Any:
        self.save_for_backward(x)
        return x * x

    def chain(self, grad: Any, x: Any) -> Any:
        return grad * (2 * x)


class Reciprocal(_Unary):
    def forward(self, x: Any) -> Any:
        with quiet():
            out = 1 / x
        self.save_for_backward(out)
        return out

    def chain(self, grad: Any, out: Any) -> Any:
        return -grad * out * out


class NanToNum(Function):
    def forward(self, x: Any, nan: float, posinf: float | None, neginf: float | None) -> Any:
        self.save_for_backward(x)
        return get_array_module(x).nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, grad: Any) -> tuple[Any]:
        (x,) = self.saved
        return (_dual.where(get_array_module(x).isfinite(x), grad, 0),)

    backward_graph = backward


class _Stepwise(Function):
    """Piecewise-constant ops: PyTorch records them and sends back a zero gradient."""

    def backward(self, grad: Any) -> tuple[Any]:
        return (_dual.zeros_like(grad),)

    backward_graph = backward


class Sign(_Stepwise):
    def forward(self, x: Any) -> Any:
        return sign_array(x)


class Floor(_Stepwise):
    def forward(self, x: Any) -> Any:
        return get_array_module(x).floor(x)


class Ceil(_Stepwise):
    def forward(self, x: Any) -> Any:
        return get_array_module(x).ceil(x)


class Trunc(_Stepwise):
    def forward(self, x: Any) -> Any:
        return get_array_module(x).trunc(x)


class Round(_Stepwise):
    def forward(self, x: Any, decimals: int) -> Any:
        xp = get_array_module(x)
        if decimals == 0:
            return xp.rint(x)
        # Scale, round half to even, scale back, in the order PyTorch uses, so that halfway cases
        # such as round(2.675, 2) come out the same.
        # Beyond float64's range the scale is inf, which gives NaN as in PyTorch.
        scale = 10.0 ** (decimals if decimals > 0 else -decimals) if -308 <= decimals <= 308 else math.inf
        with quiet():
            if decimals > 0:
                return xp.rint(x * scale) / scale
            return xp.rint(x / scale) * scale


# ----------------------------------------------------------------------------- unary wrappers
def _float_unary(op: str, func: type[Function], input: Any) -> Tensor:
    return func.apply(float_operand(check_tensor(op, input, "as input")))


def abs(input: Tensor) -> Tensor:
    """The absolute value of each element; integer tensors stay integer.

    Args:
        input: a tensor of any dtype but bool.

    Example:
        >>> shendu.abs(shendu.tensor([-1.5, 0.0, 2.0]))
        tensor([1.5000, 0.0000, 2.0000])
    """
    x = check_tensor("abs", input, "as input")
    _no_bool("abs", x)
    return Abs.apply(x)


absolute = abs


def exp(input: Tensor) -> Tensor:
    """``e ** input``, elementwise; int and bool tensors give float32.

    Example:
        >>> shendu.exp(shendu.tensor([0.0, 1.0]))
        tensor([1.0000, 2.7183])
    """
    return _float_unary("exp", Exp, input)


def expm1(input: Tensor) -> Tensor:
    """``exp(input) - 1``, accurate for small ``input``.

    Example:
        >>> shendu.expm1(shendu.tensor([1e-10]))  # exp(1e-10) - 1 would round to 0 in float32
        tensor([1.0000e-10])
    """
    return _float_unary("expm1", Expm1, input)


def log(input: Tensor) -> Tensor:
    """The natural logarithm; ``log(0)`` is ``-inf`` and negative numbers give ``nan``.

    Example:
        >>> shendu.log(shendu.tensor([1.0, 2.718281828]))
        tensor([0., 1.])
    """
    return _float_unary("log", Log, input)


def log2(input: Tensor) -> Tensor:
    """The base-2 logarithm.

    Example:
        >>> shendu.log2(shendu.tensor([1.0, 8.0]))
        tensor([0., 3.])
    """
    return _float_unary("log2", Log2, input)


def log10(input: Tensor) -> Tensor:
    """The base-10 logarithm.

    Example:
        >>> shendu.log10(shendu.tensor([1.0, 100.0]))
        tensor([0.0000, 2.0000])
    """
    return _float_unary("log10", Log10, input)


def log1p(input: Tensor) -> Tensor:
    """``log(1 + input)``, accurate for small ``input``.

    Example:
        >>> shendu.log1p(shendu.tensor([1e-10]))  # log(1 + 1e-10) would round to 0 in float32
        tensor([1.0000e-10])
    """
    return _float_unary("log1p", Log1p, input)


def sqrt(input: Tensor) -> Tensor:
    """The square root; negative numbers give ``nan``.

    Example:
        >>> shendu.sqrt(shendu.tensor([4.0, 9.0]))
        tensor([2., 3.])
    """
    return _float_unary("sqrt", Sqrt, input)


def rsqrt(input: Tensor) -> Tensor:
    """``1 / sqrt(input)``.

    Example:
        >>> shendu.rsqrt(shendu.tensor([4.0]))
        tensor([0.5000])
    """
    return _float_unary("rsqrt", Rsqrt, input)


def sin(input: Tensor) -> Tensor:
    """The sine of each element (radians).

    Example:
        >>> shendu.sin(shendu.tensor([0.0]))
        tensor([0.])
    """
    return _float_unary("sin", Sin, input)


def cos(input: Tensor) -> Tensor:
    """The cosine of each element (radians).

    Example:
        >>> shendu.cos(shendu.tensor([0.0]))
        tensor([1.])
    """
    return _float_unary("cos", Cos, input)


def tanh(input: Tensor) -> Tensor:
    """The hyperbolic tangent.

    Example:
        >>> shendu.tanh(shendu.tensor([0.0, 100.0]))
        tensor([0., 1.])
    """
    return _float_unary("tanh", Tanh, input)


def sigmoid(input: Tensor) -> Tensor:
    """The logistic function ``1 / (1 + exp(-input))``, computed without overflow.

    Large inputs give exactly 0 and 1 (and ``-inf``, ``inf`` give 0 and 1) with no warning.

    Example:
        >>> shendu.sigmoid(shendu.tensor([-1e4, 0.0, 1e4]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    return _float_unary("sigmoid", Sigmoid, input)


def erf(input: Tensor) -> Tensor:
    """The Gauss error function ``2/sqrt(pi) * integral from 0 to input of exp(-t**2) dt``.

    Example:
        >>> shendu.erf(shendu.tensor([0.0, 1.0]))
        tensor([0.0000, 0.8427])
    """
    return _float_unary("erf", Erf, input)


def square(input: Tensor) -> Tensor:
    """``input * input``; integer tensors stay integer and bool gives int64.

    Example:
        >>> shendu.square(shendu.tensor([-2, 3]))
        tensor([4, 9])
    """
    x = check_tensor("square", input, "as input")
    if x._array.dtype.kind == "b":
        x = cast(x, _dtype.int64)
    return Square.apply(x)


def reciprocal(input: Tensor) -> Tensor:
    """``1 / input``; integer tensors give float32 and ``1 / 0`` is ``inf``.

    Example:
        >>> shendu.reciprocal(shendu.tensor([2.0, 4.0]))
        tensor([0.5000, 0.2500])
    """
    return _float_unary("reciprocal", Reciprocal, input)


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element, in ``input``'s dtype (NaN gives 0, as in PyTorch).

    The gradient is zero everywhere.

    Example:
        >>> shendu.sign(shendu.tensor([-2.0, 0.0, 3.0]))
        tensor([-1.,  0.,  1.])
    """
    x = check_tensor("sign", input, "as input")
    if x._array.dtype.kind == "b":
        return Tensor._make(x._array.copy())
    return Sign.apply(x)


def _rounding(op: str, func: type[Function], input: Any, **params: Any) -> Tensor:
    x = check_tensor(op, input, "as input")
    _no_bool(op, x)
    if x._array.dtype.kind != "f":
        return Tensor._make(x._array.copy())
    return func.apply(x, **params)


def floor(input: Tensor) -> Tensor:
    """The largest integer not above each element; integer tensors are returned as a copy.

    Example:
        >>> shendu.floor(shendu.tensor([-1.5, 1.5]))
        tensor([-2.,  1.])
    """
    return _rounding("floor", Floor, input)


def ceil(input: Tensor) -> Tensor:
    """The smallest integer not below each element.

    Example:
        >>> shendu.ceil(shendu.tensor([-1.5, 1.5]))
        tensor([-1.,  2.])
    """
    return _rounding("ceil", Ceil, input)


def trunc(input: Tensor) -> Tensor:
    """Each element rounded towards zero.

    Example:
        >>> shendu.trunc(shendu.tensor([-1.5, 1.5]))
        tensor([-1.,  1.])
    """
    return _rounding("trunc", Trunc, input)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Each element rounded to ``decimals`` decimal places, halfway cases to even.

    Args:
        input: the tensor to round.
        decimals: the number of decimal places; negative rounds to tens, hundreds...
            Default: 0.

    Example:
        >>> shendu.round(shendu.tensor([0.5, 1.5, 2.5]))
        tensor([0., 2., 2.])
        >>> shendu.round(shendu.tensor([1.2345]), decimals=2)
        tensor([1.2300])
    """
    if not is_int(decimals):
        raise TypeError(f"round: decimals must be an int, got {type(decimals).__name__} {decimals!r}")
    x = check_tensor("round", input, "as input")
    if decimals != 0 and x._array.dtype.kind in "iu":
        raise DtypeError(
            f"round: decimals={decimals} is only supported for floating-point tensors, got dtype {x.dtype}"
        )
    return _rounding("round", Round, x, decimals=int(decimals))


def isnan(input: Tensor) -> Tensor:
    """A bool tensor, True where ``input`` is NaN.

    Example:
        >>> shendu.isnan(shendu.tensor([1.0, float("nan")]))
        tensor([False,  True])
    """
    x = check_tensor("isnan", input, "as input")
    xp = get_array_module(x._array)
    if x._array.dtype.kind != "f":
        return Tensor._make(xp.zeros(x._array.shape, dtype=bool))
    return Tensor._make(xp.isnan(x._array))


def isinf(input: Tensor) -> Tensor:
    """A bool tensor, True where ``input`` is ``inf`` or ``-inf``.

    Example:
        >>> shendu.isinf(shendu.tensor([1.0, float("inf")]))
        tensor([False,  True])
    """
    x = check_tensor("isinf", input, "as input")
    xp = get_array_module(x._array)
    if x._array.dtype.kind != "f":
        return Tensor._make(xp.zeros(x._array.shape, dtype=bool))
    return Tensor._make(xp.isinf(x._array))


def isfinite(input: Tensor) -> Tensor:
    """A bool tensor, True where ``input`` is neither infinite nor NaN.

    Example:
        >>> shendu.isfinite(shendu.tensor([1.0, float("inf"), float("nan")]))
        tensor([ True, False, False])
    """
    x = check_tensor("isfinite", input, "as input")
    xp = get_array_module(x._array)
    if x._array.dtype.kind != "f":
        return Tensor._make(xp.ones(x._array.shape, dtype=bool))
    return Tensor._make(xp.isfinite(x._array))


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """Replace NaN, ``inf`` and ``-inf`` with finite numbers.

    Args:
        input: the tensor; integer and bool tensors come back as a copy.
        nan: the value for NaN; None means 0.0. Default: 0.0.
        posinf: the value for ``inf``. Default: None (the dtype's largest finite value).
        neginf: the value for ``-inf``. Default: None (the dtype's most negative finite value).

    The gradient passes where ``input`` is finite and is zero elsewhere.

    Example:
        >>> shendu.nan_to_num(shendu.tensor([float("nan"), float("inf"), 1.0]), posinf=9.0)
        tensor([0., 9., 1.])
    """
    x = check_tensor("nan_to_num", input, "as input")
    for name, value in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        number = is_number(value)
        if value is not None and not number:
            raise TypeError(f"nan_to_num: {name} must be a number or None, got {type(value).__name__} {value!r}")
    if nan is None:
        nan = 0.0
    if x._array.dtype.kind != "f":
        return Tensor._make(x._array.copy())
    return NanToNum.apply(x, nan=nan, posinf=posinf, neginf=neginf)


# ----------------------------------------------------------------------------- clamp
class ClampScalar(Function):
    def forward(self, x: Any, lo: Any, hi: Any) -> Any:
        xp = get_array_module(x)
        self.save_for_backward(x)
        self.meta = (lo, hi)
        out = x
        if lo is not None:
            out = xp.maximum(out, lo)
        if hi is not None:
            out = xp.minimum(out, hi)
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        lo, hi = self.meta
        (x,) = self.saved
        if lo is None:
            keep = x <= hi
        elif hi is None:
            keep = x >= lo
        else:
            keep = (x >= lo) & (x <= hi)
        return (_dual.where(keep, grad, 0),)

    backward_graph = backward


class ClampTensor(Function):
    """Clamp by tensor bounds: ``minimum(maximum(x, lo), hi)``, each step sending the gradient to the value it chose.

    A missing bound arrives as the dtype's extreme value, which never wins, and needs no gradient.
    """

    def forward(self, x: Any, lo: Any, hi: Any) -> Any:
        xp = get_array_module(x)
        self.meta = (x.shape, lo.shape, hi.shape)
        low = xp.maximum(x, lo)
        self.save_for_backward(x, lo, hi, low)
        return xp.minimum(low, hi)

    def backward(self, grad: Any) -> tuple[Any, Any, Any]:
        x, lo, hi, low = self.saved
        shape_x, shape_lo, shape_hi = self.meta
        gx = glo = ghi = None
        if self.needs_input_grad(0):
            gx = sum_to(_dual.where((x >= lo) & (x <= hi), grad, 0), shape_x)
        if self.needs_input_grad(1):
            glo = sum_to(_dual.where((x < lo) & (lo <= hi), grad, 0), shape_lo)
        if self.needs_input_grad(2):
            ghi = sum_to(_dual.where(low > hi, grad, 0), shape_hi)
        return gx, glo, ghi

    backward_graph = backward


def _extreme(dtype: np.dtype, upper: bool) -> Any:
    if dtype.kind == "f":
        return math.inf if upper else -math.inf
    if dtype.kind == "b":
        return upper
    info = np.iinfo(dtype)
    return info.max if upper else info.min


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Clamp every element into ``[min, max]``: ``minimum(maximum(input, min), max)``.

    Args:
        input: the tensor to clamp.
        min: the lower bound, a number or a tensor broadcastable with ``input``. Default: None (no bound).
        max: the upper bound, a number or a tensor. Default: None (no bound). At least one
            bound must be given; where ``min > max`` the result is ``max``.

    The gradient of ``input`` passes where ``min <= input <= max``; tensor bounds get the
    gradient where they were chosen. Integer tensors with float bounds give float32.

    Shape:
        The broadcast of ``input`` and tensor bounds.

    Example:
        >>> shendu.clamp(shendu.tensor([-2.0, 0.5, 3.0]), min=-1.0, max=1.0)
        tensor([-1.0000,  0.5000,  1.0000])
    """
    x = check_tensor("clamp", input, "as input")
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given, got neither")
    min = min.item() if isinstance(min, np.generic) else min
    max = max.item() if isinstance(max, np.generic) else max
    bounds = [b for b in (min, max) if b is not None]
    if all(is_scalar(b) for b in bounds):
        dims = [x.dtype] if x._array.ndim else []
        zero = [] if x._array.ndim else [x.dtype]
        x = cast(x, _dtype.result_type(dims, zero, bounds))
        kind, np_dtype = x._array.dtype.type, x._array.dtype
        lo = None if min is None else kind(_fill_value("clamp", min, np_dtype, "min"))
        hi = None if max is None else kind(_fill_value("clamp", max, np_dtype, "max"))
        return ClampScalar.apply(x, lo=lo, hi=hi)
    tensors = [as_operand("clamp", b, x) for b in bounds]
    check_same_device("clamp", x, *tensors)
    # A number among tensor bounds ranks below every tensor, as in PyTorch's promotion.
    ranked = [x, *(t for b, t in zip(bounds, tensors) if not is_scalar(b))]
    target = _dtype.result_type(
        [t.dtype for t in ranked if t._array.ndim],
        [t.dtype for t in ranked if not t._array.ndim],
        [b for b in bounds if is_scalar(b)],
    )
    for name, bound in (("min", min), ("max", max)):
        if bound is not None and is_scalar(bound) and target.np.kind == "f":
            _fill_value("clamp", bound, target.np, name)  # a number bound must fit the result's dtype, as in PyTorch
    x, *tensors = (cast(t, target) for t in (x, *tensors))
    broadcast_shape("clamp", *(t._array.shape for t in (x, *tensors)))
    xp = get_array_module(x._array)
    lo = tensors[0] if min is not None else Tensor._make(xp.asarray(_extreme(target.np, False), dtype=target.np))
    hi = tensors[-1] if max is not None else Tensor._make(xp.asarray(_extreme(target.np, True), dtype=target.np))
    return ClampTensor.apply(x, lo, hi)


clip = clamp


def clamp_min(input: Tensor, min: Any) -> Tensor:
    """``clamp(input, min=min)``: raise every element to at least ``min``.

    Example:
        >>> shendu.tensor([-1.0, 2.0]).clamp_min(0.5)
        tensor([0.5000, 2.0000])
    """
    with renamed("clamp_min", "clamp"):
        return clamp(input, min=min)


def clamp_max(input: Tensor, max: Any) -> Tensor:
    """``clamp(input, max=max)``: lower every element to at most ``max``."""
    with renamed("clamp_max", "clamp"):
        return clamp(input, max=max)
