"""Depthwise convolutions as long multiply-adds over flattened planes (numba; see ``shendu/ops/_depthwise.py``).

Rows of 14 or 28 values are too short for vector instructions, so each ``(sample, channel)``
plane of the padded input is walked as one flat run of its rows: a kernel tap is then a
single multiply-add over ``(Ho - 1)·W + Wo`` values, and the values that fall between rows
are computed and dropped. A strided convolution is first split into its ``sh·sw`` phase
planes (``phases[a, b][r, t] = image[a + r·sh, b + t·sw]``); every tap reads one phase plane
at stride 1, so the same flat walk serves. Taps are added in the NumPy path's order, so the
output and the input gradient match it bit for bit.

The kernels run on one thread: while BLAS's threads wait for the next product they keep the
other core busy, and a second thread here would only take turns with them (measured: a
1.5 ms two-thread forward pass took 9 ms right after a product).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def pad(x: Any, top: int, left: int, out: Any) -> None:
    """Write ``x`` ``(N, C, H, W)`` into ``out`` at ``(top, left)`` and zeros around it."""
    batch, channels, height, width = x.shape
    for n in range(batch):
        for c in range(channels):
            plane = out[n, c].ravel()
            for p in range(plane.size):
                plane[p] = 0
            for row in range(height):
                source, target = x[n, c, row], out[n, c, top + row, left : left + width]
                for col in range(width):
                    target[col] = source[col]


@njit(cache=True, nogil=True, error_model="numpy")
def _split(image: Any, stride: Any, phases: Any) -> None:
    """``phases[a·sw + b, r, t] = image[a + r·sh, b + t·sw]``; places past the image keep their values."""
    sh, sw = stride
    height, width = image.shape
    for a in range(sh):
        for b in range(sw):
            target = phases[a * sw + b]
            for r in range((height - a + sh - 1) // sh):
                row = image[a + r * sh]
                for t in range((width - b + sw - 1) // sw):
                    target[r, t] = row[b + t * sw]


@njit(cache=True, nogil=True)
def _geometry(height: int, width: int, out_h: int, out_w: int, stride: Any) -> tuple[int, int, int]:
    """A phase plane's height and width, and the flat span one tap walks over it."""
    sh, sw = stride
    rows, columns = -(-height // sh), -(-width // sw)
    return rows, columns, (out_h - 1) * columns + out_w


@njit(cache=True, nogil=True)
def _tap(tap: int, kernel_w: int, stride: Any, dilation: Any, rows: int, columns: int) -> int:
    """Where kernel tap ``tap``'s flat walk starts in the flattened phase planes ``(sh·sw, rows, columns)``."""
    (sh, sw), (dh, dw) = stride, dilation
    down, across = (tap // kernel_w) * dh, (tap % kernel_w) * dw
    phase = (down % sh) * sw + across % sw
    return (phase * rows + down // sh) * columns + across // sw


@njit(cache=True, nogil=True, error_model="numpy")
def forward(padded: Any, weights: Any, stride: Any, dilation: Any, out: Any) -> None:
    """``out[n, c] = sum over taps (i, j) of weights[c, i, j] * padded[n, c]`` shifted by the tap."""
    batch, channels, out_h, out_w = out.shape
    kernel_w, taps = weights.shape[2], weights.shape[1] * weights.shape[2]
    rows, columns, span = _geometry(padded.shape[2], padded.shape[3], out_h, out_w, stride)
    split = stride[0] * stride[1] > 1
    phases = np.zeros((stride[0] * stride[1], rows if split else 0, columns), padded.dtype)
    acc = np.empty(span, padded.dtype)
    for n in range(batch):
        for c in range(channels):
            if split:
                _split(padded[n, c], stride, phases)
                flat = phases.ravel()
            else:
                flat = padded[n, c].ravel()
            # The first tap sets the sums and the others add to them, in loops of their own:
            # a branch inside one loop keeps it from vectorizing.
            source, weight = flat[:span], weights[c, 0, 0]
            for p in range(span):
                acc[p] = source[p] * weight
            for tap in range(1, taps):
                start = _tap(tap, kernel_w, stride, dilation, rows, columns)
                source = flat[start : start + span]
                weight = weights[c, tap // kernel_w, tap % kernel_w]
                for p in range(span):
                    acc[p] += source[p] * weight
            for oh in range(out_h):
                row, target = acc[oh * columns : oh * columns + out_w], out[n, c, oh]
                for ow in range(out_w):
                    target[ow] = row[ow]


@njit(cache=True, nogil=True, error_model="numpy")
def scatter_grad(grad: Any, weights: Any, stride: Any, dilation: Any, padded_grad: Any) -> None:
    """``padded_grad`` (zeroed by the caller) gets ``grad * weights[c, i, j]`` added into each tap's strided view.

    The output gradient is laid out at the phase planes' width with zeros between its rows, whose
    products are added where no output reaches: the caller passes finite weights only, so they add 0.
    """
    batch, channels, out_h, out_w = grad.shape
    height, width = padded_grad.shape[2], padded_grad.shape[3]
    (sh, sw), kernel_w, taps = stride, weights.shape[2], weights.shape[1] * weights.shape[2]
    rows, columns, span = _geometry(height, width, out_h, out_w, stride)
    phases = np.empty((sh * sw, rows, columns), grad.dtype)
    spread = np.zeros(span, grad.dtype)
    for n in range(batch):
        for c in range(channels):
            phases[:] = 0
            for oh in range(out_h):
                spread[oh * columns : oh * columns + out_w] = grad[n, c, oh]
            flat = phases.ravel()
            for tap in range(taps):
                start = _tap(tap, kernel_w, stride, dilation, rows, columns)
                target = flat[start : start + span]
                weight = weights[c, tap // kernel_w, tap % kernel_w]
                for p in range(span):
                    target[p] += spread[p] * weight
            for a in range(sh):
                for b in range(sw):
                    source = phases[a * sw + b]
                    for r in range((height - a + sh - 1) // sh):
                        row = padded_grad[n, c, a + r * sh]
                        for t in range((width - b + sw - 1) // sw):
                            row[b + t * sw] = source[r, t]


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})
def weight_grad(grad: Any, padded: Any, kernel_h: int, kernel_w: int, stride: Any, dilation: Any) -> Any:
    """Per channel and tap, the sum over samples and positions of ``grad`` times the tap's view.

    Products accumulate in the input's dtype in one lane per flat position, across the samples, as
    PyTorch's float32 sums do; only the lanes of real output positions are then added, in float64,
    so the values between rows (which may be anything) never reach the result.
    """
    batch, channels, out_h, out_w = grad.shape
    taps = kernel_h * kernel_w
    rows, columns, span = _geometry(padded.shape[2], padded.shape[3], out_h, out_w, stride)
    split = stride[0] * stride[1] > 1
    phases = np.zeros((stride[0] * stride[1], rows if split else 0, columns), padded.dtype)
    spread = np.zeros(span, grad.dtype)
    lanes = np.empty((taps, span), grad.dtype)
    sums = np.zeros((channels, taps))
    for c in range(channels):
        lanes[:] = 0
        for n in range(batch):
            if split:
                _split(padded[n, c], stride, phases)
                flat = phases.ravel()
            else:
                flat = padded[n, c].ravel()
            for oh in range(out_h):
                spread[oh * columns : oh * columns + out_w] = grad[n, c, oh]
            for tap in range(taps):
                start = _tap(tap, kernel_w, stride, dilation, rows, columns)
                source = flat[start : start + span]
                lane = lanes[tap]
                for p in range(span):
                    lane[p] += spread[p] * source[p]
        for tap in range(taps):
            total = 0.0
            for oh in range(out_h):
                for ow in range(out_w):
                    total += lanes[tap, oh * columns + ow]
            sums[c, tap] = total
    return sums
