"""Depthwise convolutions (``groups == in_channels == out_channels``) on the CPU, one kernel tap at a time.

Lowered to im2col like other convolutions, a depthwise one copies every input value ``kh·kw``
times and then runs one matrix product per channel with a single output row, far below BLAS's
speed. Each output channel here reads only its own input channel, so the convolution is the sum
over the kernel's taps of a shifted view of the padded input times that tap's weight, with
nothing unfolded. At stride 1 the input gradient is the same sum over the output gradient,
padded by the kernel's reach less the padding, with the kernel flipped; at larger strides each
tap adds ``grad · w`` into its strided view of the input gradient. The weight gradient is, per
tap, the channel sums of ``grad · shifted input``, added in float64.

The compiled kernels (``shendu/_compiled/_depthwise.py``) run the same sums plane by plane,
padding each plane in cache instead of copying the whole input; this module's NumPy path adds
the taps in the same order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _compiled

__all__ = ["depthwise_backward", "depthwise_forward", "is_depthwise"]


def is_depthwise(xp: Any, groups: int, in_channels: int, out_channels: int) -> bool:
    """Whether a convolution takes this path: NumPy arrays, one input and one output channel per group."""
    return xp is np and groups > 1 and groups == in_channels == out_channels


def _extent(out: int, kernel: int, stride: int, dilation: int) -> int:
    """The padded length that ``out`` outputs read."""
    return (out - 1) * stride + (kernel - 1) * dilation + 1


def _place(x: Any, top: int, left: int, height: int, width: int) -> Any:
    """``(N, C, height, width)`` zeros with ``x`` written at ``(top, left)``; negative offsets crop ``x``."""
    n, c, h, w = x.shape
    out = np.zeros((n, c, height, width), x.dtype)
    rows = slice(max(0, top), max(0, min(height, top + h)))
    cols = slice(max(0, left), max(0, min(width, left + w)))
    out[:, :, rows, cols] = x[:, :, rows.start - top : rows.stop - top, cols.start - left : cols.stop - left]
    return out


def _tap_view(padded: Any, geom: Any, i: int, j: int) -> Any:
    """The values that kernel tap ``(i, j)`` meets at every output position: ``(N, C, Ho, Wo)``."""
    (th, tw), (dh, dw) = geom.stride, geom.dilation
    ho, wo = geom.out
    top, left = i * dh, j * dw
    return padded[:, :, top : top + th * (ho - 1) + 1 : th, left : left + tw * (wo - 1) + 1 : tw]


def _taps(kernel: tuple[int, int]) -> list[tuple[int, int]]:
    return [(i, j) for i in range(kernel[0]) for j in range(kernel[1])]


def _reach(geom: Any) -> tuple[int, int]:
    """The padded height and width that the outputs read."""
    return tuple(_extent(*args) for args in zip(geom.out, geom.kernel, geom.stride, geom.dilation))


def _forward(x: Any, weights: Any, geom: Any, top: int, left: int) -> Any:
    """The convolution of ``x`` padded by ``(top, left)`` (negative: cropped) with ``weights`` ``(C, kh, kw)``."""
    n, c = x.shape[:2]
    out = np.empty((n, c, *geom.out), x.dtype)
    x = np.ascontiguousarray(x)
    kernels = _compiled.kernels_for("depthwise", x, weights, contiguous=True)
    if kernels is not None:
        kernels.forward(x, weights, geom.stride, geom.dilation, top, left, out)
        return out
    padded = _place(x, top, left, *_reach(geom))
    scratch = np.empty_like(out)
    for t, (i, j) in enumerate(_taps(geom.kernel)):
        np.multiply(_tap_view(padded, geom, i, j), weights[:, i, j, None, None], out=out if t == 0 else scratch)
        if t:
            out += scratch
    return out


def _weights(w: Any, geom: Any) -> Any:
    return np.ascontiguousarray(w.reshape(w.shape[0], *geom.kernel))


def depthwise_forward(x: Any, w: Any, geom: Any) -> Any:
    """``y[n, c] = sum over taps of w[c, 0, i, j] · x_padded[n, c, shifted by (i, j)]``: ``(N, C, Ho, Wo)``."""
    (pt, _), (pl, _) = geom.padding
    return _forward(x, _weights(w, geom), geom, pt, pl)


def _input_grad(grad: Any, weights: Any, geom: Any) -> Any:
    """The gradient of the input, ``(N, C, H, W)``."""
    (kh, kw), (dh, dw) = geom.kernel, geom.dilation
    (pt, _), (pl, _) = geom.padding
    finite = bool(np.isfinite(weights).all())
    # With an inf or NaN weight the flipped convolution below would multiply it by the padding's
    # zeros, and the compiled scatter by the zeros between rows: NaN where PyTorch has none.
    if geom.stride == (1, 1) and finite:
        # A stride-1 convolution's input gradient is a stride-1 convolution of the output
        # gradient, padded by the kernel's reach less the padding, with the kernel flipped.
        reach_h, reach_w = (kh - 1) * dh, (kw - 1) * dw
        transposed = geom._replace(out=geom.image)
        flipped = np.ascontiguousarray(weights[:, ::-1, ::-1])
        return _forward(grad, flipped, transposed, reach_h - pt, reach_w - pl)
    n, c = grad.shape[:2]
    h, w = geom.image
    grad = np.ascontiguousarray(grad)
    kernels = _compiled.kernels_for("depthwise", grad, weights, contiguous=True)
    if kernels is not None and finite:
        out = np.empty((n, c, h, w), grad.dtype)
        kernels.scatter_grad(grad, weights, geom.stride, geom.dilation, pt, pl, out)
        return out
    height, width = _reach(geom)
    padded = np.zeros((n, c, max(height, pt + h), max(width, pl + w)), grad.dtype)
    scratch = np.empty_like(grad)
    for i, j in _taps(geom.kernel):
        np.multiply(grad, weights[:, i, j, None, None], out=scratch)
        _tap_view(padded, geom, i, j)[...] += scratch
    return np.ascontiguousarray(padded[:, :, pt : pt + h, pl : pl + w])


def _weight_grad(grad: Any, x: Any, geom: Any) -> Any:
    """The weight gradient ``(C, kh·kw)``: per tap, the sums of ``grad · shifted input``."""
    (pt, _), (pl, _) = geom.padding
    grad, x = np.ascontiguousarray(grad), np.ascontiguousarray(x)
    kernels = _compiled.kernels_for("depthwise", grad, x, contiguous=True)
    if kernels is not None:
        sums = kernels.weight_grad(grad, x, *geom.kernel, geom.stride, geom.dilation, pt, pl)
        return sums.astype(x.dtype)
    padded = _place(x, pt, pl, *_reach(geom))
    scratch = np.empty_like(grad)
    sums = np.empty((x.shape[1], geom.kernel[0] * geom.kernel[1]))
    for t, (i, j) in enumerate(_taps(geom.kernel)):
        np.multiply(grad, _tap_view(padded, geom, i, j), out=scratch)
        sums[:, t] = scratch.sum(axis=(0, 2, 3), dtype=np.float64)
    return sums.astype(x.dtype)


def depthwise_backward(x: Any, w: Any, grad: Any, geom: Any, want_x: bool, want_w: bool) -> tuple[Any, Any]:
    """The input gradient ``(N, C, H, W)`` (or None) and the weight gradient ``(C, 1, kh, kw)`` (or None)."""
    gx = _input_grad(grad, _weights(w, geom), geom) if want_x else None
    gw = _weight_grad(grad, x, geom).reshape(w.shape) if want_w else None
    return gx, gw
