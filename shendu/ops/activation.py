"""Activation functions: ReLU and its relatives, GELU, SiLU, softplus, softmax and log-softmax.

The signatures are those of ``torch.nn.functional``. Each function is written so that no
intermediate overflows: exponentials only ever see non-positive arguments, so inputs of
±1e4 or ±inf give the limits PyTorch gives, without warnings.

``inplace=True`` writes the result into ``input`` and returns it, as in PyTorch; on a tensor in
the autograd graph the write is recorded (see ``shendu.autograd.inplace``).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import _compiled, _dtype
from .._checks import check_dim, check_floating, check_tensor
from ..autograd.function import Function
from ..backend import get_array_module
from ..errors import DtypeError
from ..tensor import Tensor
from . import _dual
from ._common import float_operand, quiet
from ._erf import erf_array
from .creation import cast
from .elementwise import stable_sigmoid
from .selection import where

__all__ = [
    "celu",
    "elu",
    "gelu",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "leaky_relu",
    "log_softmax",
    "logsigmoid",
    "mish",
    "relu",
    "relu6",
    "selu",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "tanhshrink",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_KAPPA = 0.044715


def _float_input(op: str, input: Any) -> Tensor:
    x = check_tensor(op, input, "as input")
    check_floating(op, x, hint="; convert it with .float() first")
    return x


def _finish(op: str, input: Tensor, inplace: bool, cls: type[Function], **params: Any) -> Tensor:
    """``cls.apply(input, **params)``, written into ``input`` when ``inplace`` (recorded as PyTorch does)."""
    if inplace:
        return input._inplace_op(op, lambda t: cls.apply(t, **params))
    return cls.apply(input, **params)


def _softplus_tensor(z: Tensor) -> Tensor:
    """``_softplus_array`` with differentiable ops, for the composites."""
    return z.clamp(min=0) + (-z.abs()).exp().log1p()


def _axes(axis: int | None, ndim: int) -> tuple[int, ...]:
    return tuple(range(ndim)) if axis is None else (axis,)


def _softplus_array(z: Any) -> Any:
    """``log(1 + exp(z))`` for any z: ``max(z, 0) + log1p(exp(-|z|))``."""
    xp = get_array_module(z)
    with quiet():
        return xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))


# ----------------------------------------------------------------------------- ReLU family
class Relu(Function):
    def forward(self, x: Any) -> Any:
        out = get_array_module(x).maximum(x, 0)
        self.save_for_backward(out)
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        xp = get_array_module(grad)
        (out,) = self.saved
        kernels = _compiled.kernels_for("activation", out, grad, contiguous=True)
        if kernels is not None:
            result = np.empty(out.shape, out.dtype)
            kernels.relu_backward(out.reshape(-1), grad.reshape(-1), result.reshape(-1))
            return (result,)
        # "Not out <= 0", so that a NaN output passes its gradient, as in PyTorch.
        keep = ~(out <= 0)
        if bool(xp.isfinite(grad).all()):
            # Exact for finite gradients, and 4-6x faster than where() on an unpredictable mask.
            return (grad * keep,)
        return (xp.where(keep, grad, 0),)

    def backward_graph(self, grad: Tensor) -> tuple[Tensor]:
        return (_dual.where(~(self.saved[0] <= 0), grad, 0),)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)``, elementwise; integer tensors stay integer.

    Args:
        input: a tensor (not bool).
        inplace: write the result into ``input`` and return it. Default: False.

    Example:
        >>> shendu.relu(shendu.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """
    x = check_tensor("relu", input, "as input")
    if x._array.dtype.kind == "b":
        raise DtypeError("relu: bool tensors are not supported; convert with .int() or .float() first")
    return _finish("relu", x, inplace, Relu)


class LeakyRelu(Function):
    def forward(self, x: Any, slope: float) -> Any:
        self.save_for_backward(x)
        self.meta = slope
        return get_array_module(x).where(x > 0, x, x * slope)

    def backward(self, grad: Any) -> tuple[Any]:
        return (_dual.where(self.saved[0] > 0, grad, grad * self.meta),)

    backward_graph = backward


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``input`` where positive, ``negative_slope * input`` elsewhere.

    Args:
        input: a floating-point tensor.
        negative_slope: the slope for negative inputs. Default: 0.01.
        inplace: write the result into ``input`` and return it. Default: False.

    Example:
        >>> shendu.leaky_relu(shendu.tensor([-1.0, 2.0]), 0.1)
        tensor([-0.1000,  2.0000])
    """
    x = _float_input("leaky_relu", input)
    return _finish("leaky_relu", x, inplace, LeakyRelu, slope=float(negative_slope))


class Elu(Function):
    """``scale * x`` for positive x, ``scale * alpha * (exp(x * input_scale) - 1)`` elsewhere (ELU, SELU, CELU)."""

    def forward(self, x: Any, alpha: float, scale: float, input_scale: float) -> Any:
        xp = get_array_module(x)
        self.save_for_backward(x)
        self.meta = (alpha, scale, input_scale)
        negative = xp.expm1(xp.minimum(x, 0) * input_scale) * (alpha * scale)
        return xp.where(x <= 0, negative, x * scale)

    def backward(self, grad: Any) -> tuple[Any]:
        alpha, scale, input_scale = self.meta
        (x,) = self.saved
        xp = get_array_module(x)
        slope = xp.exp(xp.minimum(x, 0) * input_scale) * (alpha * scale * input_scale)
        return (xp.where(x <= 0, grad * slope, grad * scale),)

    @staticmethod
    def composite(x: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
        negative = (x.clamp(max=0) * input_scale).expm1() * (alpha * scale)
        return where(x <= 0, negative, x * scale)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """The exponential linear unit: ``input`` where positive, ``alpha * (exp(input) - 1)`` elsewhere.

    Args:
        input: a floating-point tensor.
        alpha: the saturation value for large negative inputs is ``-alpha``. Default: 1.0.
        inplace: write the result into ``input`` and return it. Default: False.

    Example:
        >>> shendu.elu(shendu.tensor([-1.0, 2.0]))
        tensor([-0.6321,  2.0000])
    """
    x = _float_input("elu", input)
    return _finish("elu", x, inplace, Elu, alpha=float(alpha), scale=1.0, input_scale=1.0)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """The scaled ELU of Klambauer et al. (2017), with its fixed ``alpha`` and ``scale``.

    Args:
        input: a floating-point tensor.
        inplace: write the result into ``input`` and return it. Default: False.

    Example:
        >>> shendu.selu(shendu.tensor([-1.0, 1.0]))
        tensor([-1.1113,  1.0507])
    """
    x = _float_input("selu", input)
    return _finish("selu", x, inplace, Elu, alpha=_SELU_ALPHA, scale=_SELU_SCALE, input_scale=1.0)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """The continuously differentiable ELU: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Args:
        input: a floating-point tensor.
        alpha: the scale of the negative part; must not be 0. Default: 1.0.
        inplace: write the result into ``input`` and return it. Default: False.

    Example:
        >>> shendu.celu(shendu.tensor([-1.0, 1.0]), alpha=2.0)
        tensor([-0.7869,  1.0000])
    """
    x = _float_input("celu", input)
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (the input is divided by it)")
    alpha = float(alpha)
    return _finish("celu", x, inplace, Elu, alpha=alpha, scale=1.0, input_scale=1.0 / alpha)


class Hardtanh(Function):
    def forward(self, x: Any, lo: Any, hi: Any) -> Any:
        xp = get_array_module(x)
        self.save_for_backward(x)
        self.meta = (lo, hi)
        return xp.minimum(xp.maximum(x, lo), hi)

    def backward(self, grad: Any) -> tuple[Any]:
        lo, hi = self.meta
        (x,) = self.saved
        # Unlike clamp, PyTorch passes no gradient at the two corners themselves (but does at NaN).
        return (_dual.where((x <= lo) | (x >= hi), 0, grad),)

    backward_graph = backward


def _hardtanh(op: str, input: Any, min_val: float, max_val: float, inplace: bool) -> Tensor:
    x = check_tensor(op, input, "as input")
    if x._array.dtype.kind == "b":
        raise DtypeError(f"{op}: bool tensors are not supported; convert with .int() or .float() first")
    if min_val > max_val:
        raise ValueError(f"{op}: min_val ({min_val}) must not be greater than max_val ({max_val})")
    if x._array.dtype.kind in "iu" and not (math.isfinite(min_val) and math.isfinite(max_val)):
        raise ValueError(f"{op}: an integer tensor needs finite bounds, got min_val={min_val}, max_val={max_val}")
    kind = x._array.dtype.type
    return _finish(op, x, inplace, Hardtanh, lo=kind(min_val), hi=kind(max_val))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """``input`` clamped to ``[min_val, max_val]``; integer tensors stay integer.

    Args:
        input: a tensor (not bool).
        min_val: the lower end of the linear region. Default: -1.0.
        max_val: the upper end of the linear region. Default: 1.0.
        inplace: write the result into ``input`` and return it. Default: False.

    The gradient is 1 strictly inside ``(min_val, max_val)`` and 0 elsewhere, as in PyTorch.

    Example:
        >>> shendu.hardtanh(shendu.tensor([-2.0, 0.5, 2.0]))
        tensor([-1.0000,  0.5000,  1.0000])
    """
    return _hardtanh("hardtanh", input, min_val, max_val, inplace)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(input, 0), 6)``; integer tensors stay integer.

    Args:
        input: a tensor (not bool).
        inplace: write the result into ``input`` and return it. Default: False.

    Example:
        >>> shendu.relu6(shendu.tensor([-1.0, 3.0, 8.0]))
        tensor([0., 3., 6.])
    """
    return _hardtanh("relu6", input, 0.0, 6.0, inplace)


class Hardsigmoid(Function):
    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        self.save_for_backward(x)
        return xp.minimum(xp.maximum(x + 3, 0), 6) / 6

    def backward(self, grad: Any) -> tuple[Any]:
        (x,) = self.saved
        return (_dual.where((x > -3) & (x < 3), grad / 6, 0),)

    backward_graph = backward


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """The piecewise-linear sigmoid ``relu6(input + 3) / 6``.

    Args:
        input: a floating-point tensor.
        inplace: write the result into ``input`` and return it. Default: False.

    Example:
        >>> shendu.hardsigmoid(shendu.tensor([-4.0, 0.0, 4.0]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    x = _float_input("hardsigmoid", input)
    return _finish("hardsigmoid", x, inplace, Hardsigmoid)


class Hardswish(Function):
    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        self.save_for_backward(x)
        return x * xp.minimum(xp.maximum(x + 3, 0), 6) / 6

    def backward(self, grad: Any) -> tuple[Any]:
        (x,) = self.saved
        xp = get_array_module(grad)
        return (xp.where(x <= -3, 0, xp.where(x < 3, grad * (x / 3 + 0.5), grad)),)

    @staticmethod
    def composite(x: Tensor) -> Tensor:
        return x * (x + 3).clamp(0, 6) / 6


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * relu6(input + 3) / 6``, the activation of MobileNetV3.

    Args:
        input: a floating-point tensor.
        inplace: write the result into ``input`` and return it. Default: False.

    Example:
        >>> shendu.hardswish(shendu.tensor([-4.0, 1.0, 4.0]))
        tensor([-0.0000,  0.6667,  4.0000])
    """
    x = _float_input("hardswish", input)
    return _finish("hardswish", x, inplace, Hardswish)


# ----------------------------------------------------------------------------- smooth activations
class Gelu(Function):
    def forward(self, x: Any, approximate: str) -> Any:
        xp = get_array_module(x)
        self.save_for_backward(x)
        self.meta = approximate
        with quiet():
            if approximate == "tanh":
                self.t = xp.tanh((x + x * x * x * _GELU_KAPPA) * _SQRT_2_OVER_PI)
                return x * 0.5 * (1 + self.t)
            self.cdf = 0.5 * (1 + erf_array(x * _SQRT_HALF))
            return x * self.cdf

    def backward(self, grad: Any) -> tuple[Any]:
        (x,) = self.saved
        xp = get_array_module(x)
        with quiet():
            if self.meta == "tanh":
                t = self.t
                inner_grad = (1 - t * t) * (_SQRT_2_OVER_PI * (1 + 3 * _GELU_KAPPA * (x * x)))
                return (grad * (0.5 * (1 + t) + 0.5 * x * inner_grad),)
            pdf = xp.exp(-0.5 * (x * x)) * _INV_SQRT_2PI
            return (grad * (self.cdf + x * pdf),)

    @staticmethod
    def composite(x: Tensor, approximate: str) -> Tensor:
        if approximate == "tanh":
            return x * 0.5 * (1 + ((x + x * x * x * _GELU_KAPPA) * _SQRT_2_OVER_PI).tanh())
        return x * (0.5 * (1 + (x * _SQRT_HALF).erf()))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """The Gaussian error linear unit ``input * Phi(input)``, Phi the standard normal CDF.

    Args:
        input: a floating-point tensor.
        approximate: ``"none"`` for the exact form with erf, ``"tanh"`` for
            ``0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3)))``. Default: ``"none"``.

    Example:
        >>> shendu.gelu(shendu.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.1587,  0.0000,  0.8413])
    """
    x = _float_input("gelu", input)
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(x, approximate=approximate)


class Silu(Function):
    def forward(self, x: Any) -> Any:
        s = stable_sigmoid(x)
        self.save_for_backward(x, s)
        with quiet():
            return x * s

    def backward(self, grad: Any) -> tuple[Any]:
        x, s = self.saved
        with quiet():
            return (grad * s * (1 + x * (1 - s)),)

    @staticmethod
    def composite(x: Tensor) -> Tensor:
        return x * x.sigmoid()


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """The sigmoid-weighted linear unit (swish): ``input * sigmoid(input)``.

    Args:
        input: a floating-point tensor.
        inplace: write the result into ``input`` and return it. Default: False.

    Example:
        >>> shendu.silu(shendu.tensor([-1.0, 1.0]))
        tensor([-0.2689,  0.7311])
    """
    x = _float_input("silu", input)
    return _finish("silu", x, inplace, Silu)


class Softplus(Function):
    def forward(self, x: Any, beta: float, threshold: float) -> Any:
        xp = get_array_module(x)
        self.save_for_backward(x)
        self.meta = (beta, threshold)
        z = x * beta
        return xp.where(z > threshold, x, _softplus_array(z) / beta)

    def backward(self, grad: Any) -> tuple[Any]:
        beta, threshold = self.meta
        z = self.saved[0] * beta
        return (get_array_module(grad).where(z > threshold, grad, grad * stable_sigmoid(z)),)

    @staticmethod
    def composite(x: Tensor, beta: float, threshold: float) -> Tensor:
        z = x * beta
        return where(z > threshold, x, _softplus_tensor(z) / beta)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * input)) / beta``, a smooth ReLU; linear where ``beta * input > threshold``.

    Args:
        input: a floating-point tensor.
        beta: the sharpness. Default: 1.0.
        threshold: above this value of ``beta * input`` the result is ``input`` itself. Default: 20.0.

    Example:
        >>> shendu.softplus(shendu.tensor([0.0, 30.0]))
        tensor([ 0.6931, 30.0000])
    """
    x = _float_input("softplus", input)
    return Softplus.apply(x, beta=float(beta), threshold=float(threshold))


class Mish(Function):
    def forward(self, x: Any) -> Any:
        t = get_array_module(x).tanh(_softplus_array(x))
        self.save_for_backward(x, t)
        with quiet():
            return x * t

    def backward(self, grad: Any) -> tuple[Any]:
        x, t = self.saved
        with quiet():
            return (grad * (t + x * stable_sigmoid(x) * (1 - t * t)),)

    @staticmethod
    def composite(x: Tensor) -> Tensor:
        return x * _softplus_tensor(x).tanh()


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * tanh(softplus(input))`` (Misra, 2019).

    Args:
        input: a floating-point tensor.
        inplace: write the result into ``input`` and return it. Default: False.

    Example:
        >>> shendu.mish(shendu.tensor([-1.0, 1.0]))
        tensor([-0.3034,  0.8651])
    """
    x = _float_input("mish", input)
    return _finish("mish", x, inplace, Mish)


class Logsigmoid(Function):
    def forward(self, x: Any) -> Any:
        self.save_for_backward(x)
        return -_softplus_array(-x)

    def backward(self, grad: Any) -> tuple[Any]:
        return (grad * stable_sigmoid(-self.saved[0]),)

    @staticmethod
    def composite(x: Tensor) -> Tensor:
        return -_softplus_tensor(-x)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(input))``, computed without overflow (``-1e4`` gives ``-1e4``).

    Args:
        input: a floating-point tensor.

    Example:
        >>> shendu.logsigmoid(shendu.tensor([-1e4, 0.0]))
        tensor([-1.0000e+04, -6.9315e-01])
    """
    x = _float_input("logsigmoid", input)
    return Logsigmoid.apply(x)


class Tanhshrink(Function):
    def forward(self, x: Any) -> Any:
        self.t = get_array_module(x).tanh(x)
        with quiet():
            return x - self.t

    def backward(self, grad: Any) -> tuple[Any]:
        t = self.t
        return (grad * (t * t),)

    @staticmethod
    def composite(x: Tensor) -> Tensor:
        return x - x.tanh()


def tanhshrink(input: Tensor) -> Tensor:
    """``input - tanh(input)``; integer tensors give float32.

    Example:
        >>> shendu.tanhshrink(shendu.tensor([1.0]))
        tensor([0.2384])
    """
    return Tanhshrink.apply(float_operand(check_tensor("tanhshrink", input, "as input")))


class Softsign(Function):
    def forward(self, x: Any) -> Any:
        self.denom = get_array_module(x).abs(x) + 1
        with quiet():
            return x / self.denom

    def backward(self, grad: Any) -> tuple[Any]:
        d = self.denom
        return (grad / (d * d),)

    @staticmethod
    def composite(x: Tensor) -> Tensor:
        return x / (x.abs() + 1)


def softsign(input: Tensor) -> Tensor:
    """``input / (1 + |input|)``; integer tensors give float32.

    Example:
        >>> shendu.softsign(shendu.tensor([-3.0, 1.0]))
        tensor([-0.7500,  0.5000])
    """
    return Softsign.apply(float_operand(check_tensor("softsign", input, "as input")))


# ----------------------------------------------------------------------------- softmax
class Softmax(Function):
    def forward(self, x: Any, axis: int | None) -> Any:
        xp = get_array_module(x)
        self.meta = axis
        if x.size == 0:
            out = x.copy()
        else:
            with quiet():
                e = xp.exp(x - x.max(axis=axis, keepdims=True))
                out = e / e.sum(axis=axis, keepdims=True)
        self.save_for_backward(out)
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        return self._grads(grad, self.saved[0])

    def backward_graph(self, grad: Tensor) -> tuple[Tensor]:
        return self._grads(grad, self.saved_tensors()[0])

    def _grads(self, grad: Any, out: Any) -> tuple[Any]:
        return (out * (grad - _dual.sum(grad * out, _axes(self.meta, out.ndim), keepdims=True)),)


class LogSoftmax(Function):
    def forward(self, x: Any, axis: int | None) -> Any:
        xp = get_array_module(x)
        self.meta = axis
        if x.size == 0:
            out = x.copy()
        else:
            with quiet():
                shifted = x - x.max(axis=axis, keepdims=True)
                out = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        self.save_for_backward(out)
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        with quiet():
            return self._grads(grad, self.saved[0])

    def backward_graph(self, grad: Tensor) -> tuple[Tensor]:
        return self._grads(grad, self.saved_tensors()[0])

    def _grads(self, grad: Any, out: Any) -> tuple[Any]:
        return (grad - _dual.exp(out) * _dual.sum(grad, _axes(self.meta, out.ndim), keepdims=True),)


def _softmax_input(op: str, input: Any, dim: int | None, dtype: Any) -> tuple[Tensor, int | None]:
    x = check_tensor(op, input, "as input")
    ndim = x._array.ndim
    if dim is None:
        dim = 0 if ndim in (0, 1, 3) else 1
        warnings.warn(
            f"{op}: calling without dim is deprecated (as in PyTorch); dim={dim} was chosen, pass dim explicitly",
            UserWarning,
            stacklevel=3,
        )
    axis = check_dim(op, dim, ndim, x._array.shape)
    if dtype is not None:
        x = cast(x, _dtype.to_dtype(dtype, op))
    check_floating(op, x, hint="; pass dtype=shendu.float32 to compute in floating point")
    return x, axis if ndim else None


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """``exp(input) / exp(input).sum(dim)``, computed stably by subtracting the maximum first.

    Args:
        input: a floating-point tensor (or any tensor with ``dtype`` given).
        dim: the dimension that sums to 1. Default: None, which picks a dimension as PyTorch's
            deprecated implicit rule does and warns.
        dtype: cast ``input`` to this dtype first. Default: None.

    A row with NaN, ``inf``, or only ``-inf`` gives NaN, as in PyTorch.

    Shape:
        The same as ``input``.

    Example:
        >>> shendu.softmax(shendu.tensor([[1.0, 2.0, 3.0]]), dim=1)
        tensor([[0.0900, 0.2447, 0.6652]])
    """
    x, axis = _softmax_input("softmax", input, dim, dtype)
    return Softmax.apply(x, axis=axis)


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """``log(softmax(input, dim))``, computed as ``x - max - log(sum(exp(x - max)))``.

    Args:
        input: a floating-point tensor (or any tensor with ``dtype`` given).
        dim: the dimension to normalize over. Default: None, which picks a dimension as
            PyTorch's deprecated implicit rule does and warns.
        dtype: cast ``input`` to this dtype first. Default: None.

    Entries of ``-inf`` give ``-inf`` (with gradient passing to the rest); a row of only
    ``-inf`` gives NaN, as in PyTorch. Large inputs such as ±1e4 do not overflow.

    Shape:
        The same as ``input``.

    Example:
        >>> shendu.log_softmax(shendu.tensor([1e4, 0.0]), dim=0)
        tensor([     0., -10000.])
    """
    x, axis = _softmax_input("log_softmax", input, dim, dtype)
    return LogSoftmax.apply(x, axis=axis)
