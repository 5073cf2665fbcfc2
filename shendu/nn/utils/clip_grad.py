"""Gradient clipping: rescale gradients whose norm is too large, or clamp their values.

Clipping is the usual cure for exploding gradients (deep or recurrent networks, high
learning rates): one outsized gradient would otherwise throw the parameters far from where
training had brought them.
"""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from ... import backend as _backend
from ...errors import DeviceError
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]


def _as_list(op: str, tensors: Tensor | Iterable[Tensor], what: str) -> list[Tensor]:
    if isinstance(tensors, Tensor):
        return [tensors]
    try:
        items = list(tensors)
    except TypeError:
        raise TypeError(f"{op}: expected a tensor or an iterable of tensors, got {type(tensors).__name__}") from None
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {what} {i} is a {type(t).__name__}, not a Tensor")
    return items


def _norm_type(op: str, norm_type: Any) -> float:
    try:
        return float(norm_type)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: norm_type must be a number (or 'inf'), got {norm_type!r}") from None


def _vector_norm(array: Any, p: float) -> Any:
    """The p-norm of all the elements of ``array`` as a 0-d array of its dtype (``linalg.vector_norm``)."""
    xp = _backend.get_array_module(array)
    if array.size == 0:
        return xp.zeros((), dtype=array.dtype)
    magnitude = xp.abs(array)
    if p == math.inf:
        return magnitude.max()
    if p == -math.inf:
        return magnitude.min()
    if p == 0:
        return xp.asarray(xp.count_nonzero(array), dtype=array.dtype)
    if p == 1:
        return magnitude.sum()
    if p == 2:
        return xp.sqrt(xp.vdot(magnitude, magnitude))
    return (magnitude**p).sum() ** (1.0 / p)


def _total_norm(op: str, tensors: Tensor | Iterable[Tensor], norm_type: Any, error_if_nonfinite: bool) -> Tensor:
    items = _as_list(op, tensors, "tensor")
    p = _norm_type(op, norm_type)
    if not items:
        return Tensor._make(np.zeros((), dtype=np.float32))
    device = items[0].device
    for i, t in enumerate(items):
        if t.device != device:
            raise DeviceError(f"{op}: tensor {i} is on {t.device} but tensor 0 is on {device}")
    # Negative orders divide by zero for zero elements, and large orders overflow, as in PyTorch.
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        norms = [_vector_norm(t._array, p) for t in items]
        xp = _backend.get_array_module(items[0]._array)
        dtype = np.result_type(*[n.dtype for n in norms])
        total = _vector_norm(xp.stack([n.astype(dtype, copy=False) for n in norms]), p)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(
            f"{op}: the total norm of order {p} of the gradients is {float(total)}, which is not finite, "
            "so they cannot be clipped; pass error_if_nonfinite=False to scale them by the non-finite norm anyway"
        )
    return Tensor._make(xp.asarray(total))


def get_total_norm(
    tensors: Tensor | Iterable[Tensor],
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The norm of the norms of ``tensors``: their norm as if they were concatenated into one vector.

    Args:
        tensors: a tensor or an iterable of tensors (usually gradients).
        norm_type: the order of the norm; ``float("inf")`` for the largest absolute value.
            Default: 2.0.
        error_if_nonfinite: raise if the total norm is NaN or infinite. Default: False.
        foreach: accepted for compatibility with PyTorch; has no effect. Default: None.

    Returns:
        The total norm, a 0-d tensor (float32 for no tensors, as in PyTorch).

    Example:
        >>> get_total_norm([shendu.ones(2), shendu.ones(1)])
        tensor(1.7321)
    """
    return _total_norm("get_total_norm", tensors, norm_type, error_if_nonfinite)


def clip_grads_with_norm_(
    parameters: Tensor | Iterable[Tensor], max_norm: float, total_norm: Tensor, foreach: bool | None = None
) -> None:
    """Scale the parameters' gradients in place by ``max_norm / (total_norm + 1e-6)`` when that is below 1.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` is scaled.
        max_norm: the largest norm the gradients may have.
        total_norm: their total norm, e.g. from ``get_total_norm``.
        foreach: accepted for compatibility with PyTorch; has no effect. Default: None.
    """
    params = _as_list("clip_grads_with_norm_", parameters, "parameter")
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    max_norm = float(max_norm)
    total = total_norm._array if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    with np.errstate(invalid="ignore", over="ignore"):
        coef = max_norm / (total + 1e-6)
    xp = _backend.get_array_module(coef)
    coef = xp.minimum(coef, 1.0)
    for g in grads:
        array = g._array
        factor = _backend.to_device(coef, g.device).astype(array.dtype)
        # A non-finite norm scales gradients to NaN, as in PyTorch, without NumPy's warnings.
        with np.errstate(invalid="ignore", over="ignore"):
            _backend.get_array_module(array).multiply(array, factor, out=array)
        g._vc[0] += 1


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Rescale the gradients of ``parameters`` in place so that their total norm is at most ``max_norm``.

    The total norm is taken over all gradients together, as if concatenated into one vector;
    when it exceeds ``max_norm`` every gradient is multiplied by
    ``max_norm / (total_norm + 1e-6)``, which keeps the direction of the update and bounds its
    size. Parameters without a gradient are skipped.

    Args:
        parameters: a tensor or an iterable of tensors whose gradients are clipped.
        max_norm: the largest total norm the gradients may have.
        norm_type: the order of the norm; ``float("inf")`` for the largest absolute value.
            Default: 2.0.
        error_if_nonfinite: raise a RuntimeError if the total norm is NaN or infinite,
            instead of scaling by it. Default: False.
        foreach: accepted for compatibility with PyTorch; has no effect. Default: None.

    Returns:
        The total norm of the gradients before clipping, a 0-d tensor.

    Example:
        >>> model = nn.Linear(3, 1)
        >>> (model(shendu.ones(4, 3)) * 100).sum().backward()
        >>> total = clip_grad_norm_(model.parameters(), max_norm=1.0)  # the norm before clipping
        >>> round(float(get_total_norm([p.grad for p in model.parameters()])), 4)
        1.0
    """
    is_generator = isinstance(parameters, types.GeneratorType)
    params = _as_list("clip_grad_norm_", parameters, "parameter")
    if is_generator and not params:
        warnings.warn("clip_grad_norm_: parameters is an empty generator, so nothing is clipped", stacklevel=2)
    grads = [p.grad for p in params if p.grad is not None]
    total = _total_norm("clip_grad_norm_", grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient element of ``parameters`` into ``[-clip_value, clip_value]`` in place.

    Args:
        parameters: a tensor or an iterable of tensors whose gradients are clipped.
        clip_value: the largest absolute value a gradient element may have.
        foreach: accepted for compatibility with PyTorch; has no effect. Default: None.

    Example:
        >>> model = nn.Linear(3, 1)
        >>> (model(shendu.ones(4, 3)) * 100).sum().backward()
        >>> clip_grad_value_(model.parameters(), clip_value=0.5)
        >>> model.bias.grad
        tensor([0.5000])
    """
    params = _as_list("clip_grad_value_", parameters, "parameter")
    try:
        clip_value = float(clip_value)
    except (TypeError, ValueError):
        raise TypeError(f"clip_grad_value_: clip_value must be a number, got {clip_value!r}") from None
    for p in params:
        if p.grad is None:
            continue
        array = p.grad._array
        _backend.get_array_module(array).clip(array, -clip_value, clip_value, out=array)
        p.grad._vc[0] += 1
