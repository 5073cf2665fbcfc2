"""Dropout: elementwise, channel-wise and alpha dropout, with masks drawn from shendu's generator.

Dropout is inverted: kept values are scaled by ``1 / (1 - p)`` during training,
so evaluation is the identity. Masks are drawn on the CPU as float32 uniforms
from the global generator (whatever the input's dtype or device), so
``shendu.manual_seed`` gives bitwise-identical masks on every run and device.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import random as _random
from .._checks import check_tensor, is_number
from ..autograd.function import Function
from ..backend import to_device
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor

__all__ = ["alpha_dropout", "dropout", "dropout1d", "dropout2d", "dropout3d", "feature_alpha_dropout"]

# SELU's negative saturation value, -scale * alpha: alpha dropout sets dropped units to it.
_SELU_SATURATION = -1.7580993408473766


class Dropout(Function):
    """``x * scale + shift`` for a precomputed mask ``scale`` (and, for alpha dropout, ``shift``)."""

    def forward(self, x: Any, *, scale: Any, shift: Any = None) -> Any:
        self.scale = scale
        out = x * scale
        return out if shift is None else out + shift

    def backward(self, grad: Any) -> tuple[Any]:
        return (grad * self.scale,)

    backward_graph = backward


def _check(op: str, input: Any, p: Any) -> float:
    check_tensor(op, input, name="input")
    if not is_number(p):
        raise TypeError(f"{op}: p must be a float, got {type(p).__name__} {p!r}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability p must be between 0 and 1, got p={p}")
    return float(p)


def _keep_mask(op: str, shape: tuple[int, ...], p: float, device: Any) -> Any:
    """A boolean mask of ``shape``, True with probability ``1 - p``, drawn on the CPU and moved to ``device``."""
    uniform = _random.numpy_generator(None, op).random(shape, dtype=np.float32)
    return to_device(uniform >= np.float32(p), device, op)


def _apply(op: str, input: Tensor, p: float, mask_shape: tuple[int, ...], inplace: bool, alpha: bool = False) -> Tensor:
    dtype = input._array.dtype
    # Only scaling needs floats: as in PyTorch, an integer input passes through (not training, p = 0)
    # or is zeroed (p = 1).
    if dtype.kind != "f" and p < 1.0:
        raise DtypeError(f"{op}: expected a floating-point input, got dtype {input.dtype}")
    if p == 1.0:
        # Everything is dropped: zeros, whatever the dtype, for alpha dropout too (as in PyTorch).
        scale, shift = to_device(np.zeros(mask_shape, dtype=dtype), input.device, op), None
    elif alpha:
        keep = _keep_mask(op, mask_shape, p, input.device)
        # Dropped units go to SELU's saturation value; a and b restore the mean and variance.
        a = 1.0 / math.sqrt((1.0 - p) * (1.0 + p * _SELU_SATURATION**2))
        b = -a * _SELU_SATURATION * p
        scale = keep.astype(dtype) * a
        shift = (~keep).astype(dtype) * (a * _SELU_SATURATION) + b
    else:
        keep = _keep_mask(op, mask_shape, p, input.device)
        scale = keep.astype(dtype) * (1.0 / (1.0 - p))
        shift = None
    if inplace:
        return input._inplace_op(op, lambda t: Dropout.apply(t, scale=scale, shift=shift))
    return Dropout.apply(input, scale=scale, shift=shift)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    Args:
        input: a floating-point tensor of any shape.
        p: the probability of zeroing an element, in [0, 1]. Default: 0.5.
        training: apply dropout; when False (or ``p == 0``) the input is returned unchanged.
            Default: True.
        inplace: write the result into ``input`` and return it.
            Default: False.

    Shape:
        Output: the input's shape.

    Example:
        >>> y = dropout(shendu.ones(2, 4), p=0.5)
        >>> sorted(set(y.flatten().tolist()))  # dropped, or kept and scaled by 1 / (1 - p)
        [0.0, 2.0]
    """
    op = "dropout"
    p = _check(op, input, p)
    if not training or p == 0.0:
        return input
    return _apply(op, input, p, tuple(input._array.shape), inplace)


def _feature(
    op: str, input: Tensor, p: float, training: bool, inplace: bool, batched: bool, alpha: bool = False
) -> Tensor:
    """Dropout of whole channels: one draw per (sample, channel), or per channel when not batched."""
    if not training or p == 0.0:
        return input
    shape = tuple(input._array.shape)
    lead = 2 if batched else 1
    mask_shape = shape[:lead] + (1,) * (len(shape) - lead)
    return _apply(op, input, p, mask_shape, inplace, alpha)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of a ``(N, C, L)`` or ``(C, L)`` input with probability ``p``; scale the rest.

    Args:
        input: a tensor of shape ``(N, C, L)`` or ``(C, L)``.
        p: the probability of zeroing a channel, in [0, 1]. Default: 0.5.
        training: apply dropout; when False the input is returned unchanged. Default: True.
        inplace: write the result into ``input``. Default: False.

    Example:
        >>> y = dropout1d(shendu.ones(4, 3, 10), p=0.2)
    """
    op = "dropout1d"
    p = _check(op, input, p)
    if input._array.ndim not in (2, 3):
        raise ShapeError(
            f"{op}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape {tuple(input._array.shape)}; "
            "use dropout for element-wise dropout"
        )
    return _feature(op, input, p, training, inplace, batched=input._array.ndim == 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of a ``(N, C, H, W)`` input with probability ``p``; scale the rest.

    As in PyTorch, a 3-D input is read as ``(N, C, L)`` (with a warning): each channel of each
    sample is dropped on its own. Other ranks are accepted with a warning, dropping along the
    first two dimensions.

    Args:
        input: a tensor of shape ``(N, C, H, W)``.
        p: the probability of zeroing a channel, in [0, 1]. Default: 0.5.
        training: apply dropout; when False the input is returned unchanged. Default: True.
        inplace: write the result into ``input``. Default: False.

    Example:
        >>> y = dropout2d(shendu.ones(4, 3, 8, 8), p=0.2)
    """
    op = "dropout2d"
    p = _check(op, input, p)
    ndim = input._array.ndim
    if training and 0.0 < p < 1.0 and ndim < 2:
        raise ShapeError(f"{op}: expected an input with at least 2 dimensions (N, C, *), got shape {(*input.shape,)}")
    if ndim not in (3, 4):
        warnings.warn(
            f"{op}: got a {ndim}-D input, but dropout2d expects (N, C, H, W); channels are taken along "
            "the first two dimensions. Use dropout for element-wise dropout.",
            stacklevel=2,
        )
    if ndim == 3:
        warnings.warn(
            f"{op}: got a 3-D input, which is read as (N, C, L) as in PyTorch, not as an unbatched "
            "(C, H, W) image; use dropout1d for (N, C, L), or add a batch dimension",
            stacklevel=2,
        )
    return _feature(op, input, p, training, inplace, batched=ndim >= 2)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of a ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input with probability ``p``.

    Args:
        input: a tensor of shape ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        p: the probability of zeroing a channel, in [0, 1]. Default: 0.5.
        training: apply dropout; when False the input is returned unchanged. Default: True.
        inplace: write the result into ``input``. Default: False.

    Example:
        >>> y = dropout3d(shendu.ones(2, 3, 4, 4, 4), p=0.2)
    """
    op = "dropout3d"
    p = _check(op, input, p)
    ndim = input._array.ndim
    if training and 0.0 < p < 1.0 and ndim == 0:
        raise ShapeError(f"{op}: expected an input with channels, got a 0-d tensor")
    if ndim not in (4, 5):
        warnings.warn(
            f"{op}: got a {ndim}-D input, but dropout3d expects (N, C, D, H, W) or (C, D, H, W); channels "
            "are taken along the first dimension. Use dropout for element-wise dropout.",
            stacklevel=2,
        )
    return _feature(op, input, p, training, inplace, batched=ndim == 5)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: keeps the mean and variance of self-normalized activations.

    Dropped elements are set to SELU's negative saturation value and the result is scaled and
    shifted so that zero mean and unit variance are preserved.

    Args:
        input: a floating-point tensor of any shape.
        p: the probability of dropping an element, in [0, 1]. Default: 0.5.
        training: apply dropout; note that the default, as in PyTorch, is False. Default: False.
        inplace: write the result into ``input``. Default: False.

    Example:
        >>> y = alpha_dropout(shendu.randn(4, 8), p=0.2, training=True)
    """
    op = "alpha_dropout"
    p = _check(op, input, p)
    if not training or p == 0.0:
        return input
    return _apply(op, input, p, tuple(input._array.shape), inplace, alpha=True)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels (one draw per sample and channel of an ``(N, C, *)`` input).

    Args:
        input: a tensor of shape ``(N, C, *)``.
        p: the probability of dropping a channel, in [0, 1]. Default: 0.5.
        training: apply dropout; the default, as in PyTorch, is False. Default: False.
        inplace: write the result into ``input``. Default: False.

    Example:
        >>> y = feature_alpha_dropout(shendu.randn(4, 3, 8), p=0.2, training=True)
    """
    op = "feature_alpha_dropout"
    p = _check(op, input, p)
    if training and 0.0 < p < 1.0 and input._array.ndim < 2:
        raise ShapeError(
            f"{op}: expected an input of shape (N, C, *) with at least 2 dimensions, got shape "
            f"{tuple(input._array.shape)}"
        )
    return _feature(op, input, p, training, inplace, batched=True, alpha=True)
