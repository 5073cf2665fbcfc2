"""Elementwise math: exponentials and logs, trigonometry, rounding, clamping, selection, tests for NaN.

Ops that only make sense on real numbers (``exp``, ``sqrt``, ``sigmoid``...) turn int and
bool tensors into the default float dtype, as PyTorch does; ops that keep integers exact
(``abs``, ``sign``, ``floor``, ``clamp``...) keep the integer dtype. Like PyTorch, none of them
warns about overflow or values outside the domain: ``log(0)`` is ``-inf`` and ``sqrt(-1)`` is
``nan``, silently.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np

from .. import _dtype
from ..autograd.function import Function
from ..backend import get_array_module
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from . import _dual
from ._common import (
    as_operand,
    broadcast_shape,
    check_same_device,
    float_operand,
    is_scalar,
    promote_pair,
    renamed,
    scalar_result_dtype,
    sum_to,
)
from .creation import _fill_value, cast, move

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
    "masked_fill",
    "maximum",
    "minimum",
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
    "where",
]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _quiet() -> np.errstate:
    # PyTorch returns inf and nan without a word; NumPy would warn on every overflow or log(0).
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


def tensor_input(op: str, input: Any) -> Tensor:
    """``input`` itself, or a TypeError naming the op when it is not a tensor."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(input).__name__}")
    return input


def _no_bool(op: str, x: Tensor) -> None:
    if x._array.dtype.kind == "b":
        raise DtypeError(f"{op}: bool tensors are not supported; convert with .int() or .float() first")


def sign_array(x: Any) -> Any:
    """-1, 0 or 1 in ``x``'s dtype; 0 for NaN, as PyTorch's sign gives."""
    return (x > 0).astype(x.dtype) - (x < 0)


def stable_sigmoid(x: Any) -> Any:
    """``1 / (1 + exp(-x))`` without overflow: exp only ever sees ``-|x|``, so ±inf give exactly 0 and 1."""
    xp = get_array_module(x)
    with _quiet():
        e = xp.exp(-xp.abs(x))
        r = 1 / (1 + e)
        return xp.where(x >= 0, r, e * r)


# ----------------------------------------------------------------------------- erf
# NumPy has no erf, so shendu fits its own once, against Python's math.erf and math.erfc:
# near 0, erf(x) / x as a Chebyshev series in x**2 (full relative precision for tiny x); elsewhere
# erfc(|x|) * exp(x**2), which is smooth in t = 4 / (4 + |x|) all the way to |x| = inf. Both are
# evaluated everywhere and picked with `where`, so there is no data-dependent indexing (cheap on GPUs).
_ERF_SMALL = 0.5
_ERF_TAIL_SCALE = 4.0
_ERF_DEGREES = {"f": (4, 12), "d": (8, 22)}


def _scaled_erfc(x: np.ndarray) -> np.ndarray:
    """``erfc(x) * exp(x**2)`` for x >= 0, with the asymptotic series where exp(x**2) would overflow."""
    out = np.zeros_like(x)
    near = x < 25
    erfc_vec = np.vectorize(math.erfc, otypes=[np.float64])
    out[near] = erfc_vec(x[near]) * np.exp(x[near] ** 2)
    far = ~near & np.isfinite(x)
    inv = 1 / (2 * x[far] ** 2)
    total = term = np.ones_like(inv)
    for n in range(1, 12):
        term = -term * (2 * n - 1) * inv
        total = total + term
    out[far] = total / (x[far] * math.sqrt(math.pi))
    return out


@cache
def _erf_coefficients(kind: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    from numpy.polynomial import chebyshev

    small_degree, tail_degree = _ERF_DEGREES[kind]
    nodes = np.cos(np.pi * (np.arange(2000) + 0.5) / 2000)
    root = np.sqrt((nodes + 1) / 2) * _ERF_SMALL
    erf_vec = np.vectorize(math.erf, otypes=[np.float64])
    small = chebyshev.chebfit(nodes, erf_vec(root) / root, small_degree)
    t = (nodes + 1) / 2
    with np.errstate(divide="ignore"):
        x = _ERF_TAIL_SCALE * (1 / t - 1)
    tail = chebyshev.chebfit(nodes, _scaled_erfc(x), tail_degree)
    return tuple(float(c) for c in small), tuple(float(c) for c in tail)


def _clenshaw(coef: tuple[float, ...], u: Any) -> Any:
    """The Chebyshev series ``sum(coef[k] * T_k(u))``, by Clenshaw's recurrence."""
    u2 = 2 * u
    b1 = u2 * coef[-1] + coef[-2]
    b2 = coef[-1]
    for c in coef[-3:0:-1]:
        b1, b2 = u2 * b1 - b2 + c, b1
    return u * b1 - b2 + coef[0]


def _erf_block(work: Any) -> Any:
    xp = get_array_module(work)
    small, tail = _erf_coefficients(work.dtype.char)
    with _quiet():
        mag = xp.abs(work)
        square = work * work
        near = work * _clenshaw(small, square * (2 / _ERF_SMALL**2) - 1)
        t = _ERF_TAIL_SCALE / (mag + _ERF_TAIL_SCALE)
        far = xp.sign(work) * (1 - _clenshaw(tail, 2 * t - 1) * xp.exp(-square))
        return xp.where(mag <= _ERF_SMALL, near, far)


_ERF_CHUNK = 16384


def erf_array(x: Any) -> Any:
    """The error function of a float array, in its dtype (float16 is computed in float32)."""
    work = x if x.dtype.itemsize >= 4 else x.astype(np.float32)
    if type(work) is not np.ndarray or work.size <= _ERF_CHUNK:
        return _erf_block(work).astype(x.dtype, copy=False)
    # The series takes some 60 array passes; on the CPU, blocks that stay in cache halve the time.
    flat = work.reshape(-1)
    out = np.empty(flat.shape, dtype=x.dtype)
    for start in range(0, flat.size, _ERF_CHUNK):
        out[start : start + _ERF_CHUNK] = _erf_block(flat[start : start + _ERF_CHUNK])
    return out.reshape(x.shape)


# ----------------------------------------------------------------------------- unary Functions
class _Unary(Function):
    """An elementwise op whose gradient is ``chain(grad, saved)``: one formula, written with operators
    and ``_dual``, serves arrays (backward) and tensors (backward_graph, for higher derivatives)."""

    def backward(self, grad: Any) -> tuple[Any]:
        with _quiet():
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
        with _quiet():
            out = get_array_module(x).exp(x)
        self.save_for_backward(out)
        return out

    def chain(self, grad: Any, out: Any) -> Any:
        return grad * out


class Expm1(_Unary):
    def forward(self, x: Any) -> Any:
        with _quiet():
            out = get_array_module(x).expm1(x)
        self.save_for_backward(out)
        return out

    def chain(self, grad: Any, out: Any) -> Any:
        return grad * (out + 1)


class Log(_Unary):
    def forward(self, x: Any) -> Any:
        self.save_for_backward(x)
        with _quiet():
            return get_array_module(x).log(x)

    def chain(self, grad: Any, x: Any) -> Any:
        return grad / x


class Log2(_Unary):
    def forward(self, x: Any) -> Any:
        self.save_for_backward(x)
        with _quiet():
            return get_array_module(x).log2(x)

    def chain(self, grad: Any, x: Any) -> Any:
        return grad / (x * _LN2)


class Log10(_Unary):
    def forward(self, x: Any) -> Any:
        self.save_for_backward(x)
        with _quiet():
            return get_array_module(x).log10(x)

    def chain(self, grad: Any, x: Any) -> Any:
        return grad / (x * _LN10)


class Log1p(_Unary):
    def forward(self, x: Any) -> Any:
        self.save_for_backward(x)
        with _quiet():
            return get_array_module(x).log1p(x)

    def chain(self, grad: Any, x: Any) -> Any:
        return grad / (x + 1)


class Sqrt(_Unary):
    def forward(self, x: Any) -> Any:
        with _quiet():
            out = get_array_module(x).sqrt(x)
        self.save_for_backward(out)
        return out

    def chain(self, grad: Any, out: Any) -> Any:
        return grad / (2 * out)


class Rsqrt(_Unary):
    def forward(self, x: Any) -> Any:
        with _quiet():
            out = 1 / get_array_module(x).sqrt(x)
        self.save_for_backward(out)
        return out

    def chain(self, grad: Any, out: Any) -> Any:
        return grad * (-0.5 * out * out * out)


class Sin(_Unary):
    def forward(self, x: Any) -> Any:
        self.save_for_backward(x)
        with _quiet():
            return get_array_module(x).sin(x)

    def chain(self, grad: Any, x: Any) -> Any:
        return grad * _dual.cos(x)


class Cos(_Unary):
    def forward(self, x: Any) -> Any:
        self.save_for_backward(x)
        with _quiet():
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
        with _quiet():
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
        with _quiet():
            if decimals > 0:
                return xp.rint(x * scale) / scale
            return xp.rint(x / scale) * scale


# ----------------------------------------------------------------------------- unary wrappers
def _float_unary(op: str, func: type[Function], input: Any) -> Tensor:
    return func.apply(float_operand(tensor_input(op, input)))


def abs(input: Tensor) -> Tensor:
    """The absolute value of each element; integer tensors stay integer.

    Args:
        input: a tensor of any dtype but bool.

    Example:
        >>> shendu.abs(shendu.tensor([-1.5, 0.0, 2.0]))
        tensor([1.5000, 0.0000, 2.0000])
    """
    x = tensor_input("abs", input)
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
        >>> shendu.expm1(shendu.tensor([1e-10]))
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
        tensor([0., 2.])
    """
    return _float_unary("log10", Log10, input)


def log1p(input: Tensor) -> Tensor:
    """``log(1 + input)``, accurate for small ``input``.

    Example:
        >>> shendu.log1p(shendu.tensor([1e-10]))
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
    x = tensor_input("square", input)
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
    x = tensor_input("sign", input)
    if x._array.dtype.kind == "b":
        return Tensor._make(x._array.copy())
    return Sign.apply(x)


def _rounding(op: str, func: type[Function], input: Any, **params: Any) -> Tensor:
    x = tensor_input(op, input)
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
    if not isinstance(decimals, (int, np.integer)) or isinstance(decimals, bool):
        raise TypeError(f"round: decimals must be an int, got {type(decimals).__name__} {decimals!r}")
    x = tensor_input("round", input)
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
    x = tensor_input("isnan", input)
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
    x = tensor_input("isinf", input)
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
    x = tensor_input("isfinite", input)
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
    x = tensor_input("nan_to_num", input)
    for name, value in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
        if value is not None and not number:
            raise TypeError(f"nan_to_num: {name} must be a number or None, got {type(value).__name__} {value!r}")
    if nan is None:
        nan = 0.0
    if x._array.dtype.kind != "f":
        return Tensor._make(x._array.copy())
    return NanToNum.apply(x, nan=nan, posinf=posinf, neginf=neginf)


# ----------------------------------------------------------------------------- clamp
class ClampScalar(Function):
    saves_inputs = (0,)

    def forward(self, x: Any, lo: Any, hi: Any) -> Any:
        xp = get_array_module(x)
        self.x = x
        self.meta = (lo, hi)
        out = x
        if lo is not None:
            out = xp.maximum(out, lo)
        if hi is not None:
            out = xp.minimum(out, hi)
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        lo, hi = self.meta
        x = self.x
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

    saves_inputs = (0, 1, 2)

    def forward(self, x: Any, lo: Any, hi: Any) -> Any:
        xp = get_array_module(x)
        self.x, self.lo, self.hi = x, lo, hi
        self.meta = (x.shape, lo.shape, hi.shape)
        self.low = xp.maximum(x, lo)
        return xp.minimum(self.low, hi)

    def backward(self, grad: Any) -> tuple[Any, Any, Any]:
        x, lo, hi = self.x, self.lo, self.hi
        shape_x, shape_lo, shape_hi = self.meta
        gx = glo = ghi = None
        if self.needs_input_grad(0):
            gx = sum_to(_dual.where((x >= lo) & (x <= hi), grad, 0), shape_x)
        if self.needs_input_grad(1):
            glo = sum_to(_dual.where((x < lo) & (lo <= hi), grad, 0), shape_lo)
        if self.needs_input_grad(2):
            ghi = sum_to(_dual.where(self.low > hi, grad, 0), shape_hi)
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
    x = tensor_input("clamp", input)
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


# ----------------------------------------------------------------------------- maximum / minimum
class Maximum(Function):
    saves_inputs = (0, 1)

    def forward(self, a: Any, b: Any) -> Any:
        self.a, self.b = a, b
        return get_array_module(a).maximum(a, b)

    def backward(self, grad: Any) -> tuple[Any, Any]:
        return _extremum_grads(self, grad, self.a < self.b, self.a > self.b)

    backward_graph = backward


class Minimum(Function):
    saves_inputs = (0, 1)

    def forward(self, a: Any, b: Any) -> Any:
        self.a, self.b = a, b
        return get_array_module(a).minimum(a, b)

    def backward(self, grad: Any) -> tuple[Any, Any]:
        return _extremum_grads(self, grad, self.a > self.b, self.a < self.b)

    backward_graph = backward


def _extremum_grads(fn: Function, grad: Any, a_lost: Any, b_lost: Any) -> tuple[Any, Any]:
    # Ties split the gradient in half, as PyTorch does; a NaN on either side wins for both.
    a, b = fn.a, fn.b
    shared = _dual.where(a == b, grad * 0.5, grad)
    ga = sum_to(_dual.where(a_lost, 0, shared), a.shape) if fn.needs_input_grad(0) else None
    gb = sum_to(_dual.where(b_lost, 0, shared), b.shape) if fn.needs_input_grad(1) else None
    return ga, gb


def _binary_operands(op: str, input: Any, other: Any) -> tuple[Tensor, Tensor]:
    x = tensor_input(op, input)
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
    saves_inputs = (0,)

    def forward(self, condition: Any, a: Any, b: Any) -> Any:
        self.condition = condition
        self.meta = (a.shape, b.shape)
        return get_array_module(a).where(condition, a, b)

    def backward(self, grad: Any) -> tuple[Any, Any, Any]:
        shape_a, shape_b = self.meta
        c = self.condition
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
        cond = tensor_input("where", condition)
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
    saves_inputs = (0,)

    def forward(self, mask: Any, x: Any, value: Any) -> Any:
        self.mask = mask
        self.meta = x.shape
        return get_array_module(x).where(mask, value, x)

    def backward(self, grad: Any) -> tuple[Any, Any, Any]:
        gx = sum_to(_dual.where(self.mask, 0, grad), self.meta) if self.needs_input_grad(1) else None
        gv = _dual.where(self.mask, grad, 0).sum().reshape(()) if self.needs_input_grad(2) else None
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
    x = tensor_input("masked_fill", input)
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
