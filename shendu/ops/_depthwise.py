"""Depthwise convolutions (``groups == in_channels == out_channels``) on the CPU, one kernel tap at a time.

Lowered to im2col like other convolutions, a depthwise one copies every input value ``kh·kw``
times and then runs one matrix product per channel with a single output row, far below BLAS's
speed. Each output channel here reads only its own input channel, so the convolution is the sum
over the kernel's taps of a shifted view of the padded input times that tap's weight, with
nothing unfolded. At stride 1 the input gradient is the same sum over the output gradient,
padded by the kernel's reach, with the kernel flipped; at larger strides each tap adds
``grad · w`` into its strided view of the input gradient. The weight gradient is, per tap, the
channel sums of ``grad · shifted input`` in float64.

The compiled kernels (``shendu/_compiled/_depthwise.py``) run the same sums plane by plane on
every thread; this module's NumPy path adds the taps in the same order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _compiled

__all__ = ["depthwise_backward", "depthwise_forward", "is_depthwise"]


def is_depthwise(xp: Any, groups: int, in_channels: int, out_channels: int) -> bool:
    """Whether a convolution takes this path: NumPy arrays, one input and one output channel per group."""
    return xp is np and groups > 1 and groups == in_channels == out_channels


def _pad(x: Any, padding: Any) -> Any:
    """``x`` ``(N, C, H, W)`` zero-padded, as a new C-contiguous array."""
    (pt, pb), (pl, pr) = padding
    n, c, h, w = x.shape
    kernels = _compiled.kernels_for("depthwise", x)
    if kernels is not None:
        padded = np.empty((n, c, h + pt + pb, w + pl + pr), x.dtype)
        kernels.pad(x, pt, pl, padded)
        return padded
    padded = np.zeros((n, c, h + pt + pb, w + pl + pr), x.dtype)
    padded[:, :, pt : pt + h, pl : pl + w] = x
    return padded


def _tap_view(padded: Any, geom: Any, i: int, j: int) -> Any:
    """The values that kernel tap ``(i, j)`` meets at every output position: ``(N, C, Ho, Wo)``."""
    (th, tw), (dh, dw) = geom.stride, geom.dilation
    ho, wo = geom.out
    top, left = i * dh, j * dw
    return padded[:, :, top : top + th * (ho - 1) + 1 : th, left : left + tw * (wo - 1) + 1 : tw]


def _taps(kernel: tuple[int, int]) -> list[tuple[int, int]]:
    return [(i, j) for i in range(kernel[0]) for j in range(kernel[1])]


def _forward_padded(padded: Any, weights: Any, geom: Any) -> Any:
    """The convolution of an already padded ``(N, C, Hp, Wp)`` input with ``weights`` ``(C, kh, kw)``."""
    n, c = padded.shape[:2]
    out = np.empty((n, c, *geom.out), padded.dtype)
    kernels = _compiled.kernels_for("depthwise", padded, weights, contiguous=True)
    if kernels is not None:
        kernels.forward(padded, weights, geom.stride, geom.dilation, out)
        return out
    scratch = np.empty_like(out)
    for t, (i, j) in enumerate(_taps(geom.kernel)):
        np.multiply(_tap_view(padded, geom, i, j), weights[:, i, j, None, None], out=out if t == 0 else scratch)
        if t:
            out += scratch
    return out


def depthwise_forward(x: Any, w: Any, geom: Any) -> Any:
    """``y[n, c] = sum over taps of w[c, 0, i, j] · x_padded[n, c, shifted by (i, j)]``: ``(N, C, Ho, Wo)``."""
    weights = np.ascontiguousarray(w.reshape(w.shape[0], *geom.kernel))
    return _forward_padded(_pad(x, geom.padding), weights, geom)


def _input_grad(grad: Any, weights: Any, geom: Any) -> Any:
    """The gradient of the padded input, ``(N, C, Hp, Wp)``."""
    (kh, kw), (dh, dw) = geom.kernel, geom.dilation
    if geom.stride == (1, 1):
        # A stride-1 convolution's input gradient is a stride-1 convolution of the output
        # gradient, padded by the kernel's reach, with the kernel flipped.
        reach_h, reach_w = (kh - 1) * dh, (kw - 1) * dw
        full = geom._replace(
            padding=((reach_h, reach_h), (reach_w, reach_w)),
            out=(geom.out[0] + reach_h, geom.out[1] + reach_w),
        )
        flipped = np.ascontiguousarray(weights[:, ::-1, ::-1])
        return _forward_padded(_pad(grad, full.padding), flipped, full)
    n, c = grad.shape[:2]
    (pt, pb), (pl, pr) = geom.padding
    padded = np.zeros((n, c, geom.image[0] + pt + pb, geom.image[1] + pl + pr), grad.dtype)
    grad = np.ascontiguousarray(grad)
    kernels = _compiled.kernels_for("depthwise", grad, weights, padded, contiguous=True)
    # The compiled scatter adds products of zeros and weights where no output reaches: 0 only for finite weights.
    if kernels is not None and bool(np.isfinite(weights).all()):
        kernels.scatter_grad(grad, weights, geom.stride, geom.dilation, padded)
        return padded
    scratch = np.empty_like(grad)
    for i, j in _taps(geom.kernel):
        np.multiply(grad, weights[:, i, j, None, None], out=scratch)
        _tap_view(padded, geom, i, j)[...] += scratch
    return padded


def _weight_grad(grad: Any, x: Any, geom: Any) -> Any:
    """The weight gradient ``(C, kh·kw)``: per tap, the sums of ``grad · shifted input``, added in float64."""
    padded = _pad(x, geom.padding)
    grad = np.ascontiguousarray(grad)
    kernels = _compiled.kernels_for("depthwise", grad, padded, contiguous=True)
    if kernels is not None:
        return kernels.weight_grad(grad, padded, *geom.kernel, geom.stride, geom.dilation).astype(x.dtype)
    scratch = np.empty_like(grad)
    sums = np.empty((x.shape[1], geom.kernel[0] * geom.kernel[1]))
    for t, (i, j) in enumerate(_taps(geom.kernel)):
        np.multiply(grad, _tap_view(padded, geom, i, j), out=scratch)
        sums[:, t] = scratch.sum(axis=(0, 2, 3), dtype=np.float64)
    return sums.astype(x.dtype)


def depthwise_backward(x: Any, w: Any, grad: Any, geom: Any, want_x: bool, want_w: bool) -> tuple[Any, Any]:
    """The input gradient ``(N, C, H, W)`` (or None) and the weight gradient ``(C, 1, kh, kw)`` (or None)."""
    gx = gw = None
    if want_x:
        weights = np.ascontiguousarray(w.reshape(w.shape[0], *geom.kernel))
        padded = _input_grad(grad, weights, geom)
        (pt, _), (pl, _) = geom.padding
        h, wd = geom.image
        # Contiguous, as the layers before it (ReLU, batch norm) read it fastest that way.
        gx = np.ascontiguousarray(padded[:, :, pt : pt + h, pl : pl + wd])
    if want_w:
        gw = _weight_grad(grad, x, geom).reshape(w.shape)
    return gx, gw
