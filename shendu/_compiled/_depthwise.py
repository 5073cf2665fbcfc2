"""Depthwise convolutions as long multiply-adds over flattened planes (numba; see ``shendu/ops/_depthwise.py``).

Rows of 14 or 28 values are too short for vector instructions, so each ``(sample, channel)``
plane is first copied, padded, into a small scratch buffer that stays in cache, and walked as
one flat run of its rows: a kernel tap is then a single multiply-add over ``(Ho - 1)·W + Wo``
values, and the values that fall between rows are computed and dropped. A strided
convolution's plane is split into its ``sh·sw`` phase planes on the way
(``phases[a·sw + b][r, t] = padded[a + r·sh, b + t·sw]``), so that every tap again reads one
plane at stride 1. Taps are added in the NumPy path's order, so the output and the input
gradient match it bit for bit.

The kernels run on one thread: while BLAS's threads wait for the next product they keep the
other core busy, and a second thread here would only take turns with them (measured: a
1.5 ms two-thread forward pass took 9 ms right after a product).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _extent(out: int, kernel: int, stride: int, dilation: int) -> int:
    """The padded length that ``out`` outputs read: ``(out - 1)·stride + (kernel - 1)·dilation + 1``."""
    return (out - 1) * stride + (kernel - 1) * dilation + 1


@njit(cache=True, nogil=True)
def _layout(out_h: int, out_w: int, kernel: Any, stride: Any, dilation: Any) -> tuple[int, int, int]:
    """A phase plane's rows and columns, and the flat span one tap walks over it."""
    rows = -(-_extent(out_h, kernel[0], stride[0], dilation[0]) // stride[0])
    columns = -(-_extent(out_w, kernel[1], stride[1], dilation[1]) // stride[1])
    return rows, columns, (out_h - 1) * columns + out_w


@njit(cache=True, nogil=True)
def _start(tap: int, kernel_w: int, stride: Any, dilation: Any, rows: int, columns: int) -> int:
    """Where kernel tap ``tap``'s flat walk starts in the flattened phase planes."""
    (sh, sw), (dh, dw) = stride, dilation
    down, across = (tap // kernel_w) * dh, (tap % kernel_w) * dw
    phase = (down % sh) * sw + across % sw
    return (phase * rows + down // sh) * columns + across // sw


@njit(cache=True, nogil=True)
def _inside(phase: int, left: int, width: int, step: int, columns: int) -> tuple[int, int]:
    """The columns ``t`` of a phase plane that land inside the image: ``0 <= phase + t·step - left < width``."""
    first = min(columns, max(0, -(-(left - phase) // step)))
    return first, min(columns, max(first, -(-(left + width - phase) // step)))


@njit(cache=True, nogil=True, error_model="numpy")
def _fill(plane: Any, top: int, left: int, stride: Any, phases: Any) -> None:
    """``phases[a·sw + b, r, t] = plane[a + r·sh - top, b + t·sw - left]``, zero outside ``plane``."""
    sh, sw = stride
    height, width = plane.shape
    rows, columns = phases.shape[1], phases.shape[2]
    for a in range(sh):
        for b in range(sw):
            phase = a * sw + b
            first, last = _inside(b, left, width, sw, columns)
            for r in range(rows):
                source_row = a + r * sh - top
                if source_row < 0 or source_row >= height:
                    for t in range(columns):
                        phases[phase, r, t] = 0
                    continue
                for t in range(first):
                    phases[phase, r, t] = 0
                if sw == 1:
                    offset = b - left
                    for t in range(first, last):
                        phases[phase, r, t] = plane[source_row, t + offset]
                else:
                    for t in range(first, last):
                        phases[phase, r, t] = plane[source_row, b + t * sw - left]
                for t in range(last, columns):
                    phases[phase, r, t] = 0


@njit(cache=True, nogil=True, error_model="numpy")
def forward(x: Any, weights: Any, stride: Any, dilation: Any, top: int, left: int, out: Any) -> None:
    """``out[n, c]`` = the sum over taps ``(i, j)`` of ``weights[c, i, j]`` times ``x[n, c]`` padded by
    ``(top, left)`` and shifted by the tap."""
    batch, channels, out_h, out_w = out.shape
    kernel_w, taps = weights.shape[2], weights.shape[1] * weights.shape[2]
    rows, columns, span = _layout(out_h, out_w, weights.shape[1:], stride, dilation)
    phases = np.empty((stride[0] * stride[1], rows, columns), x.dtype)
    flat = phases.ravel()
    acc = np.empty(span, x.dtype)
    for n in range(batch):
        for c in range(channels):
            _fill(x[n, c], top, left, stride, phases)
            # The first tap sets the sums and the others add to them, in loops of their own:
            # a branch inside one loop keeps it from vectorizing.
            source, weight = flat[:span], weights[c, 0, 0]
            for p in range(span):
                acc[p] = source[p] * weight
            for tap in range(1, taps):
                start = _start(tap, kernel_w, stride, dilation, rows, columns)
                source, weight = flat[start : start + span], weights[c, tap // kernel_w, tap % kernel_w]
                for p in range(span):
                    acc[p] += source[p] * weight
            for oh in range(out_h):
                row, target = acc[oh * columns : oh * columns + out_w], out[n, c, oh]
                for ow in range(out_w):
                    target[ow] = row[ow]


@njit(cache=True, nogil=True, error_model="numpy")
def scatter_grad(grad: Any, weights: Any, stride: Any, dilation: Any, top: int, left: int, out: Any) -> None:
    """The input gradient ``out`` ``(N, C, H, W)`` of a strided depthwise convolution padded by ``(top, left)``.

    Each tap adds ``grad * weights[c, i, j]`` into its view of the padded gradient, kept as phase planes
    and copied out at the end. The output gradient is laid out at the phase planes' width with zeros
    between its rows, whose products are added where no output reaches: the caller passes finite
    weights only, so they add 0.
    """
    batch, channels, out_h, out_w = grad.shape
    height, width = out.shape[2], out.shape[3]
    (sh, sw), kernel_w, taps = stride, weights.shape[2], weights.shape[1] * weights.shape[2]
    rows, columns, span = _layout(out_h, out_w, weights.shape[1:], stride, dilation)
    phases = np.empty((sh * sw, rows, columns), grad.dtype)
    flat = phases.ravel()
    spread = np.zeros(span, grad.dtype)
    # Input rows and columns past every tap's reach get no gradient.
    reached = top + height <= rows * sh and left + width <= columns * sw
    for n in range(batch):
        for c in range(channels):
            for p in range(flat.size):
                flat[p] = 0
            for oh in range(out_h):
                for ow in range(out_w):
                    spread[oh * columns + ow] = grad[n, c, oh, ow]
            for tap in range(taps):
                start = _start(tap, kernel_w, stride, dilation, rows, columns)
                target, weight = flat[start : start + span], weights[c, tap // kernel_w, tap % kernel_w]
                for p in range(span):
                    target[p] += spread[p] * weight
            if not reached:
                for y in range(height):
                    for x in range(width):
                        out[n, c, y, x] = 0
            for a in range(sh):
                for b in range(sw):
                    phase = a * sw + b
                    first, last = _inside(b, left, width, sw, columns)
                    for r in range(rows):
                        y = a + r * sh - top
                        if y < 0 or y >= height:
                            continue
                        for t in range(first, last):
                            out[n, c, y, b + t * sw - left] = phases[phase, r, t]


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})
def weight_grad(
    grad: Any, x: Any, kernel_h: int, kernel_w: int, stride: Any, dilation: Any, top: int, left: int
) -> Any:
    """Per channel and tap, the sum over samples and positions of ``grad`` times the tap's view of padded ``x``.

    Products accumulate in the input's dtype in one lane per flat position, across the samples, as
    PyTorch's float32 sums do; only the lanes of real output positions are then added, in float64,
    so the values between rows (which may be anything) never reach the result.
    """
    batch, channels, out_h, out_w = grad.shape
    taps = kernel_h * kernel_w
    rows, columns, span = _layout(out_h, out_w, (kernel_h, kernel_w), stride, dilation)
    phases = np.empty((stride[0] * stride[1], rows, columns), x.dtype)
    flat = phases.ravel()
    spread = np.zeros(span, grad.dtype)
    lanes = np.empty((taps, span), grad.dtype)
    sums = np.zeros((channels, taps))
    for c in range(channels):
        lanes[:] = 0
        for n in range(batch):
            _fill(x[n, c], top, left, stride, phases)
            for oh in range(out_h):
                for ow in range(out_w):
                    spread[oh * columns + ow] = grad[n, c, oh, ow]
            for tap in range(taps):
                start = _start(tap, kernel_w, stride, dilation, rows, columns)
                source, lane = flat[start : start + span], lanes[tap]
                for p in range(span):
                    lane[p] += spread[p] * source[p]
        for tap in range(taps):
            total = 0.0
            for oh in range(out_h):
                for ow in range(out_w):
                    total += lanes[tap, oh * columns + ow]
            sums[c, tap] = total
    return sums
