"""Weight initialization: fill a tensor in place with values from a chosen distribution.

Every function works under ``no_grad`` (so it can fill a Parameter), draws from shendu's global
generator unless ``generator=`` names another, and returns the tensor it filled. Fans follow
PyTorch: for a weight of shape ``(out, in, *kernel)``, ``fan_in = in * prod(kernel)`` and
``fan_out = out * prod(kernel)``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .._checks import check_floating, check_tensor, is_number
from ..autograd.grad_mode import no_grad
from ..errors import ShapeError
from ..random import Generator, numpy_generator
from ..tensor import Tensor

__all__ = [
    "calculate_gain",
    "constant_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

_LINEAR_GAINS = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity, as in PyTorch.

    ======================  ==============================
    nonlinearity            gain
    ======================  ==============================
    linear, conv*, sigmoid  1
    tanh                    5/3
    relu                    sqrt(2)
    leaky_relu              sqrt(2 / (1 + negative_slope^2))
    selu                    3/4
    ======================  ==============================

    Args:
        nonlinearity: the name of the function.
        param: the negative slope for ``leaky_relu``. Default: None (0.01).

    Example:
        >>> nn.init.calculate_gain("leaky_relu", 0.2)
        1.3867504905630728
    """
    if nonlinearity in _LINEAR_GAINS:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif is_number(param, numpy=False):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one of "
        f"{', '.join((*_LINEAR_GAINS, 'tanh', 'relu', 'leaky_relu', 'selu'))}"
    )


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ShapeError(
            f"init: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions, "
            f"got shape {tuple(tensor.shape)}"
        )
    receptive = 1
    for size in tensor.shape[2:]:
        receptive *= size
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode {mode!r} is not supported; use 'fan_in' or 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _check_float(op: str, tensor: Tensor) -> None:
    check_tensor(op, tensor)
    check_floating(op, tensor)


def _draw_dtype(tensor: Tensor) -> type:
    return np.float64 if tensor._array.dtype == np.float64 else np.float32


def _fill(tensor: Tensor, values: Any) -> Tensor:
    with no_grad():
        tensor.copy_(values)
    return tensor


def _uniform(op: str, tensor: Tensor, a: float, b: float, generator: Generator | None) -> Tensor:
    _check_float(op, tensor)
    rng = numpy_generator(generator, op)
    dtype = _draw_dtype(tensor)
    sample = rng.random(tuple(tensor.shape), dtype=dtype)
    return _fill(tensor, sample * (b - a) + a)


def _normal(op: str, tensor: Tensor, mean: float, std: float, generator: Generator | None) -> Tensor:
    _check_float(op, tensor)
    rng = numpy_generator(generator, op)
    sample = rng.standard_normal(tuple(tensor.shape), dtype=_draw_dtype(tensor))
    return _fill(tensor, sample * std + mean)


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill ``tensor`` with values from the uniform distribution U(a, b).

    Args:
        tensor: the tensor to fill.
        a: the lower bound. Default: 0.
        b: the upper bound. Default: 1.
        generator: the generator to draw from. Default: None (the global one).

    Example:
        >>> w = nn.init.uniform_(shendu.empty(3, 5), -0.1, 0.1)
        >>> bool(w.min() >= -0.1), bool(w.max() < 0.1)
        (True, True)
    """
    return _uniform("uniform_", tensor, a, b, generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill ``tensor`` with values from the normal distribution N(mean, std²).

    Args:
        tensor: the tensor to fill.
        mean: Default: 0.
        std: the standard deviation. Default: 1.
        generator: the generator to draw from. Default: None (the global one).
    """
    return _normal("normal_", tensor, mean, std, generator)


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Generator | None = None,
) -> Tensor:
    """Fill ``tensor`` with values from N(mean, std²) truncated to ``[a, b]``.

    Values outside ``[a, b]`` are redrawn, which gives exactly the truncated distribution.

    Args:
        tensor: the tensor to fill.
        mean: Default: 0.
        std: Default: 1.
        a: the lower cut-off (absolute, not in units of std). Default: -2.
        b: the upper cut-off. Default: 2.
        generator: the generator to draw from. Default: None (the global one).
    """
    _check_float("trunc_normal_", tensor)
    if not a < b:
        raise ValueError(f"trunc_normal_: expected a < b, got a={a} and b={b}")
    if std <= 0:
        raise ValueError(f"trunc_normal_: std must be positive, got {std}")
    lo, hi = (a - mean) / std, (b - mean) / std
    if lo > 6 or hi < -6:
        raise ValueError(
            f"trunc_normal_: [a, b] = [{a}, {b}] lies more than 6 std from the mean {mean}; the distribution "
            "has almost no mass there"
        )
    rng = numpy_generator(generator, "trunc_normal_")
    size = int(np.prod(tensor.shape, dtype=np.int64))
    values = np.empty(size)
    todo = np.arange(size)
    while todo.size:
        draw = rng.standard_normal(todo.size)
        ok = (draw >= lo) & (draw <= hi)
        values[todo[ok]] = draw[ok]
        todo = todo[~ok]
    return _fill(tensor, (values * std + mean).reshape(tuple(tensor.shape)))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with the value ``val``."""
    check_tensor("constant_", tensor)
    with no_grad():
        tensor.fill_(val)
    return tensor


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with ones."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with zeros."""
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill the 2-D ``tensor`` with the identity matrix (ones on the diagonal, zeros elsewhere)."""
    check_tensor("eye_", tensor)
    if tensor.ndim != 2:
        raise ShapeError(f"eye_: only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot initialization: U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    Args:
        tensor: a tensor with at least 2 dimensions.
        gain: a scaling factor. Default: 1.
        generator: the generator to draw from. Default: None (the global one).

    Example:
        >>> w = nn.init.xavier_uniform_(shendu.empty(3, 5), gain=nn.init.calculate_gain("relu"))
        >>> bool(w.abs().max() <= 2 ** 0.5 * (6 / 8) ** 0.5)
        True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return _uniform("xavier_uniform_", tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot initialization: N(0, std²) with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    Args:
        tensor: a tensor with at least 2 dimensions.
        gain: a scaling factor. Default: 1.
        generator: the generator to draw from. Default: None (the global one).
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _normal("xavier_normal_", tensor, 0.0, std, generator)


def _kaiming_std(op: str, tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float | None:
    _check_float(op, tensor)
    if 0 in tuple(tensor.shape):
        warnings.warn(f"{op}: initializing a zero-element tensor is a no-op", stacklevel=3)
        return None
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """He initialization: U(-bound, bound) with ``bound = gain * sqrt(3 / fan)``.

    Args:
        tensor: a tensor with at least 2 dimensions.
        a: the negative slope of the rectifier after this layer (for ``leaky_relu``). Default: 0.
        mode: ``'fan_in'`` keeps the variance of the activations in the forward pass, ``'fan_out'``
            that of the gradients in the backward pass. Default: ``'fan_in'``.
        nonlinearity: the function after this layer, ``'relu'`` or ``'leaky_relu'`` recommended.
            Default: ``'leaky_relu'``.
        generator: the generator to draw from. Default: None (the global one).

    Example:
        >>> w = nn.init.kaiming_uniform_(shendu.empty(3, 5), mode="fan_in", nonlinearity="relu")
        >>> bool(w.abs().max() <= (6 / 5) ** 0.5)  # bound = gain * sqrt(3 / fan_in), gain = sqrt(2)
        True
    """
    std = _kaiming_std("kaiming_uniform_", tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return _uniform("kaiming_uniform_", tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """He initialization: N(0, std²) with ``std = gain / sqrt(fan)``.

    Args:
        tensor: a tensor with at least 2 dimensions.
        a: the negative slope of the rectifier after this layer (for ``leaky_relu``). Default: 0.
        mode: ``'fan_in'`` or ``'fan_out'``. Default: ``'fan_in'``.
        nonlinearity: the function after this layer. Default: ``'leaky_relu'``.
        generator: the generator to draw from. Default: None (the global one).

    Example:
        >>> conv = nn.Conv2d(3, 16, 3)
        >>> w = nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
        >>> w is conv.weight
        True
    """
    std = _kaiming_std("kaiming_normal_", tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return _normal("kaiming_normal_", tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """Fill ``tensor`` with a (semi-)orthogonal matrix, scaled by ``gain``.

    The tensor is viewed as a matrix of shape ``(size(0), numel // size(0))``; its rows (or
    columns, whichever are fewer) are orthonormal.

    Args:
        tensor: a tensor with at least 2 dimensions.
        gain: a scaling factor. Default: 1.
        generator: the generator to draw from. Default: None (the global one).
    """
    _check_float("orthogonal_", tensor)
    if tensor.ndim < 2:
        raise ShapeError(
            f"orthogonal_: only tensors with 2 or more dimensions are supported, got shape {tuple(tensor.shape)}"
        )
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    rng = numpy_generator(generator, "orthogonal_")
    flat = rng.standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    # The signs of R's diagonal make the distribution uniform over orthogonal matrices.
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (q * gain).reshape(tuple(tensor.shape)))
