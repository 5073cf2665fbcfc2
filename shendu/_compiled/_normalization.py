"""Batch norm's training passes over an ``(N, C, L)`` input (numba; see ``shendu/ops/normalization.py``).

The per-channel sums accumulate in float64, with reassociation allowed so that they vectorize;
the elementwise passes read the input and write one array each, where the NumPy path also
materializes the centered input.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

_SUMS = {"reassoc"}


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_SUMS)
def channel_moments(x: Any) -> tuple[Any, Any]:
    """The mean and biased variance of each channel of ``x`` (N, C, L), in float64, by two passes."""
    batch, channels, length = x.shape
    count = batch * length
    mean = np.zeros(channels)
    for n in range(batch):
        for c in range(channels):
            total = 0.0
            for i in range(length):
                total += x[n, c, i]
            mean[c] += total
    mean /= count
    var = np.zeros(channels)
    for n in range(batch):
        for c in range(channels):
            center = mean[c]
            total = 0.0
            for i in range(length):
                deviation = x[n, c, i] - center
                total += deviation * deviation
            var[c] += total
    var /= count
    return mean, var


@njit(cache=True, nogil=True, error_model="numpy")
def normalize(x: Any, mean: Any, scale: Any, shift: Any, out: Any) -> None:
    """``out = (x - mean) * scale + shift`` with per-channel ``mean``, ``scale``, ``shift`` in x's dtype."""
    batch, channels, length = x.shape
    for n in range(batch):
        for c in range(channels):
            center, factor, offset = mean[c], scale[c], shift[c]
            for i in range(length):
                out[n, c, i] = (x[n, c, i] - center) * factor + offset


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_SUMS)
def channel_grad_sums(grad: Any, x: Any, mean: Any) -> tuple[Any, Any]:
    """Per channel, ``sum(grad)`` and ``sum(grad * (x - mean))``, in float64."""
    batch, channels, length = x.shape
    grad_sum = np.zeros(channels)
    projection = np.zeros(channels)
    for n in range(batch):
        for c in range(channels):
            center = mean[c]
            total = 0.0
            weighted = 0.0
            for i in range(length):
                g = grad[n, c, i]
                total += g
                weighted += g * (x[n, c, i] - center)
            grad_sum[c] += total
            projection[c] += weighted
    return grad_sum, projection


@njit(cache=True, nogil=True, error_model="numpy")
def input_grad(grad: Any, x: Any, mean: Any, scale: Any, centered_factor: Any, shift: Any, out: Any) -> None:
    """``out = grad * scale - (x - mean) * centered_factor - shift``, all factors per channel."""
    batch, channels, length = x.shape
    for n in range(batch):
        for c in range(channels):
            center, factor, along, offset = mean[c], scale[c], centered_factor[c], shift[c]
            for i in range(length):
                out[n, c, i] = grad[n, c, i] * factor - (x[n, c, i] - center) * along - offset
