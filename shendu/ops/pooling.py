"""Pooling: max and average pooling, fixed and adaptive (resampling is in ``interpolate.py``).

Fixed-window pooling works on an ``as_strided`` view of the padded input, ``(N, C, Ho, Wo, kh, kw)``,
with one vectorized step per kernel offset: no Python loop touches the batch or the channels. Max
pooling keeps, per output, the offset of the first maximum of its window (PyTorch's rule, which
matters for the many exact ties of blank image backgrounds), and its backward pass routes each
gradient through that saved offset. 1-D pooling is 2-D pooling of height one. With numba
installed, max pooling over 2x2 windows at stride 2 and every max-pooling backward pass run as
compiled loops instead (``shendu/_compiled/_pooling.py``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _compiled
from .._checks import check_floating, is_int
from ..autograd.function import Function
from ..backend import get_array_module
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from ._common import renamed
from .conv import _as_batched, _check_input, _Geometry, _ntuple, _show, _windows
from .creation import zeros
from .indexing import scatter_add

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "max_pool1d",
    "max_pool2d",
]


# ---------------------------------------------------------------------------------------- geometry
def _pool_geometry(
    op: str,
    input: Tensor,
    spatial: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
) -> _Geometry:
    """Check a pooling's hyperparameters against its input; the windows as a 2-D geometry."""
    _check_input(op, input, spatial)
    kernel = _ntuple(op, "kernel_size", kernel_size, spatial, 1)
    if stride is None or (isinstance(stride, (tuple, list)) and not stride):
        strides = kernel
    else:
        strides = _ntuple(op, "stride", stride, spatial, 1)
    pads = _ntuple(op, "padding", padding, spatial, 0)
    dilations = _ntuple(op, "dilation", dilation, spatial, 1)
    if any(p > k // 2 for p, k in zip(pads, kernel)):
        raise ShapeError(
            f"{op}: padding {_show(pads, spatial)} must be at most half the kernel size {_show(kernel, spatial)}"
        )
    image = tuple(input._array.shape[-spatial:])
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilations))
    out = []
    for size, p, e, s in zip(image, pads, extent, strides):
        n = (size + 2 * p - e + (s - 1 if ceil_mode else 0)) // s + 1
        # A last window that would start in the right padding is dropped, as in PyTorch.
        if ceil_mode and (n - 1) * s >= size + p:
            n -= 1
        out.append(n)
    if any(n < 1 for n in out):
        padded = tuple(size + 2 * p for size, p in zip(image, pads))
        dilated = f" (dilated extent {_show(extent, spatial)})" if extent != kernel else ""
        raise ShapeError(
            f"{op}: kernel size {_show(kernel, spatial)}{dilated} is larger than the padded input "
            f"{_show(padded, spatial)} (input shape {tuple(input._array.shape)}, padding {_show(pads, spatial)})"
        )
    # The padding actually needed: ceil_mode may need more on the right, floor mode may need none.
    pairs = tuple(
        (p, max(0, (n - 1) * s + e - p - size)) for p, n, s, e, size in zip(pads, out, strides, extent, image)
    )
    if spatial == 1:
        return _Geometry((1, *kernel), (1, *strides), ((0, 0), *pairs), (1, *dilations), 1, (1, *image), (1, *out))
    return _Geometry(kernel, strides, pairs, dilations, 1, image, tuple(out))


def _pad(x: Any, geom: _Geometry, fill: Any) -> Any:
    """``x`` ``(N, C, H, W)`` with ``geom``'s padding filled with ``fill`` (``x`` itself when there is none)."""
    (pt, pb), (pl, pr) = geom.padding
    if not (pt or pb or pl or pr):
        return x
    h, w = x.shape[2:]
    padded = get_array_module(x).full(_padded_shape(x.shape, geom), fill, x.dtype)
    padded[:, :, pt : pt + h, pl : pl + w] = x
    return padded


def _tiles(geom: _Geometry) -> bool:
    """Whether the windows cover the padded input exactly once, so its gradient needs no zeroing or adding."""
    return all(
        s == k and d == 1 and o * s == size + lo + hi
        for s, k, d, o, size, (lo, hi) in zip(
            geom.stride, geom.kernel, geom.dilation, geom.out, geom.image, geom.padding
        )
    )


def _disjoint(geom: _Geometry) -> bool:
    """Whether no two windows share an input position (the stride is at least the dilated kernel)."""
    return all(s >= d * (k - 1) + 1 for s, k, d in zip(geom.stride, geom.kernel, geom.dilation))


def _padded_shape(shape: tuple[int, ...], geom: _Geometry) -> tuple[int, ...]:
    """The shape of an ``(N, C, H, W)`` input with ``geom``'s padding added."""
    (pt, pb), (pl, pr) = geom.padding
    n, c, h, w = shape
    return (n, c, h + pt + pb, w + pl + pr)


def _unpad(padded: Any, geom: _Geometry) -> Any:
    (pt, _), (pl, _) = geom.padding
    h, w = geom.image
    return padded[:, :, pt : pt + h, pl : pl + w]


def _spread(grads: Any, geom: _Geometry, dtype: Any, shape: tuple[int, ...], xp: Any) -> Any:
    """The input gradient of a pooling, from the gradients that flow to each kernel offset.

    ``grads(i, j, out)`` gives the ``(N, C, Ho, Wo)`` gradients at offset ``(i, j)``, written into
    ``out`` when it is not None: disjoint windows take them directly in place, overlapping ones add.
    """
    full = _padded_shape(shape, geom)
    padded = xp.empty(full, dtype) if _tiles(geom) else xp.zeros(full, dtype)
    windows = _windows(padded, geom)
    kh, kw = geom.kernel
    disjoint = _disjoint(geom)
    for i in range(kh):
        for j in range(kw):
            if disjoint:
                grads(i, j, windows[:, :, :, :, i, j])
            else:
                windows[:, :, :, :, i, j] += grads(i, j, None)
    return _unpad(padded, geom)


def _restore(array: Any, spatial: int, unbatched: bool) -> Any:
    """Undo ``_as_batched`` on a ``(N, C, H, W)`` result."""
    if spatial == 1:
        array = array.reshape(array.shape[0], array.shape[1], array.shape[3])
    return array[0] if unbatched else array


# ---------------------------------------------------------------------------------------- max pooling
def _neg_fill(dtype: Any) -> Any:
    """The padding value that never wins a max."""
    return -math.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _first_max(windows: Any, geom: _Geometry, xp: Any) -> tuple[Any, Any]:
    """Per window, the max and the kernel offset of its first occurrence in row-major order."""
    kh, kw = geom.kernel
    count = kh * kw
    code = xp.uint8 if count <= 256 else xp.int32
    best = windows[:, :, :, :, 0, 0].copy()
    offset = xp.zeros(best.shape, code)
    for k in range(1, count):
        value = windows[:, :, :, :, k // kw, k % kw]
        # Offsets grow with k, so max(offset, k·[value > best]) moves to k exactly on a strict gain:
        # two cheap ufuncs instead of a masked assignment.
        gain = (value > best).view(xp.uint8)
        xp.maximum(offset, gain * code(k), out=offset)
        xp.maximum(best, value, out=best)
    return best, offset


def _window_max(windows: Any, geom: _Geometry, xp: Any) -> Any:
    """Per window, the max (NaN wins, as in PyTorch: ``maximum`` propagates it)."""
    kh, kw = geom.kernel
    best = windows[:, :, :, :, 0, 0].copy()
    for k in range(1, kh * kw):
        xp.maximum(best, windows[:, :, :, :, k // kw, k % kw], out=best)
    return best


def _nan_offsets(windows: Any, geom: _Geometry, offset: Any, xp: Any) -> Any:
    """PyTorch's rule for windows holding NaN: the NaN wins, and a later NaN wins over an earlier one."""
    kh, kw = geom.kernel
    last = xp.zeros(offset.shape, xp.int32)
    for k in range(kh * kw):
        hit = xp.isnan(windows[:, :, :, :, k // kw, k % kw])
        xp.maximum(last, hit * xp.int32(k + 1), out=last)
    return xp.where(last > 0, last - 1, offset).astype(offset.dtype)


def _first_valid_offset(geom: _Geometry, xp: Any) -> Any:
    """Per output position ``(Ho, Wo)``, the first kernel offset past the top and left padding.

    That is the first offset inside the unpadded input whenever the window reaches it. A dilated
    window can also straddle the input without touching it; PyTorch then reports this same offset
    (beyond the input), and so does shendu.
    """
    kh, kw = geom.kernel
    (pt, _), (pl, _) = geom.padding
    rows = np.arange(geom.out[0])[:, None] * geom.stride[0] - pt + np.arange(kh)[None, :] * geom.dilation[0]
    cols = np.arange(geom.out[1])[:, None] * geom.stride[1] - pl + np.arange(kw)[None, :] * geom.dilation[1]
    valid = (rows >= 0)[:, None, :, None] & (cols >= 0)[None, :, None, :]
    return xp.asarray(valid.reshape(*geom.out, kh * kw).argmax(axis=-1))


def _flat_indices(offset: Any, geom: _Geometry, xp: Any) -> Any:
    """Kernel offsets as PyTorch's indices: positions ``h·W + w`` in each unpadded input plane."""
    kw = geom.kernel[1]
    (pt, _), (pl, _) = geom.padding
    offset = offset.astype(xp.int64)
    rows = (xp.arange(geom.out[0]) * geom.stride[0] - pt)[:, None] + (offset // kw) * geom.dilation[0]
    cols = (xp.arange(geom.out[1]) * geom.stride[1] - pl) + (offset % kw) * geom.dilation[1]
    return rows * geom.image[1] + cols


class MaxPool2d(Function):
    """Max pooling over an ``(N, C, H, W)`` view of the input; also serves 1-D and unbatched inputs."""

    differentiable_outputs = (0,)

    def forward(self, x: Any, *, geom: _Geometry, spatial: int, return_indices: bool) -> Any:
        xp = get_array_module(x)
        x4 = _as_batched(x, spatial)
        fill = _neg_fill(x.dtype)
        padded = _pad(x4, geom, fill)
        unbatched = x.ndim == spatial + 1
        keep_offsets = return_indices or self.recording
        two_by_two = geom.kernel == geom.stride == (2, 2) and geom.dilation == (1, 1)
        kernels = _compiled.kernels_for("pooling", padded) if two_by_two else None
        if kernels is not None:
            best = np.empty((*x4.shape[:2], *geom.out), x.dtype)
            offset = np.empty(best.shape, np.uint8)
            kernels.max_pool_2x2(padded, best, offset, keep_offsets)
            if not keep_offsets:
                return _restore(best, spatial, unbatched)
        else:
            windows = _windows(padded, geom)
            if not keep_offsets:
                # Inference: the maxima alone, a quarter of the work of tracking where they are.
                return _restore(_window_max(windows, geom, xp), spatial, unbatched)
            best, offset = _first_max(windows, geom, xp)
            if x.dtype.kind == "f" and xp.isnan(best).any():
                offset = _nan_offsets(windows, geom, offset, xp)
        if geom.padding != ((0, 0), (0, 0)):
            # A window whose real values all equal the fill must still point inside the input.
            offset = xp.where(best == fill, _first_valid_offset(geom, xp).astype(offset.dtype), offset)
        self.offset = offset
        self.meta = (geom, x4.shape, x.shape, x.dtype)
        out = _restore(best, spatial, unbatched)
        if return_indices:
            return out, _restore(_flat_indices(offset, geom, xp), spatial, unbatched)
        return out

    def backward(self, grad: Any, *rest: Any) -> tuple[Any]:
        geom, x4_shape, x_shape, dtype = self.meta
        xp = get_array_module(grad)
        offset = self.offset
        g = grad.reshape(offset.shape)
        kernels = _compiled.kernels_for("pooling", g)
        if kernels is not None and g.dtype == dtype:
            padded = np.zeros(_padded_shape(x4_shape, geom), dtype)
            kernels.max_pool_backward(g, offset, geom.kernel[1], *geom.stride, *geom.dilation, padded)
            return (_unpad(padded, geom).reshape(x_shape),)
        kw = geom.kernel[1]
        code = offset.dtype.type
        # Multiplying by the 0/1 mask is much faster than a select, and exact for finite values.
        finite = bool(xp.isfinite(g).all())
        zero = xp.zeros((), dtype)

        def at(i: int, j: int, out: Any) -> Any:
            mask = offset == code(i * kw + j)
            if finite:
                return xp.multiply(g, mask, out=out)
            picked = xp.where(mask, g, zero)
            if out is None:
                return picked
            out[...] = picked
            return out

        return (_spread(at, geom, dtype, x4_shape, xp).reshape(x_shape),)

    def backward_graph(self, grad: Tensor, *rest: Tensor) -> tuple[Tensor]:
        geom, x4_shape, x_shape, _ = self.meta
        index = _flat_indices(self.offset, geom, get_array_module(self.offset))
        return (_scatter_to_planes(grad, index, x4_shape).reshape(x_shape),)


def _max_pool(
    op: str,
    spatial: int,
    input: Tensor,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    return_indices: bool,
) -> Any:
    geom = _pool_geometry(op, input, spatial, kernel_size, stride, padding, dilation, ceil_mode)
    if input._array.dtype.kind not in "fiu":
        raise DtypeError(f"{op}: expected a floating-point or integer input, got dtype {input.dtype}")
    return MaxPool2d.apply(input, geom=geom, spatial=spatial, return_indices=bool(return_indices))


def max_pool1d(
    input: Tensor,
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    dilation: int | tuple[int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """1-D max pooling: the largest value of each window.

    Args:
        input: ``(N, C, L)``, or ``(C, L)`` unbatched.
        kernel_size: the window length.
        stride: the step between windows. Default: None (``kernel_size``).
        padding: implicit ``-inf`` added on both sides; at most half the kernel size. Default: 0.
        dilation: the spacing between window taps. Default: 1.
        ceil_mode: round the output length up instead of down, so the last partial window counts.
            Default: False.
        return_indices: also return, per output, the position of the maximum in its input row (the
            first one when several tie). Default: False.

    Shape:
        Output: ``(N, C, L_out)`` with ``L_out = (L + 2·padding − dilation·(kernel_size − 1) − 1) // stride + 1``.

    Example:
        >>> shendu.ops.pooling.max_pool1d(shendu.tensor([[[1.0, 3.0, 2.0, 5.0]]]), 2)
        tensor([[[3., 5.]]])
    """
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(
    input: Tensor,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """2-D max pooling: the largest value of each window.

    The gradient of each output goes to the first maximum of its window in row-major order, as in
    PyTorch, which matters where windows hold equal values (e.g. a blank image background).

    Args:
        input: ``(N, C, H, W)``, or ``(C, H, W)`` unbatched.
        kernel_size: the window size, an int or ``(kH, kW)``.
        stride: the step between windows. Default: None (``kernel_size``).
        padding: implicit ``-inf`` added on both sides; at most half the kernel size. Default: 0.
        dilation: the spacing between window taps. Default: 1.
        ceil_mode: round the output size up instead of down, so the last partial windows count.
            Default: False.
        return_indices: also return, per output, the position ``h·W + w`` of its maximum in the
            input plane. Default: False.

    Shape:
        Output: ``(N, C, H_out, W_out)`` with ``H_out = (H + 2·pH − dH·(kH − 1) − 1) // sH + 1``
        (rounded up with ``ceil_mode``), and likewise for ``W_out``.

    Example:
        >>> shendu.ops.pooling.max_pool2d(shendu.randn(128, 6, 28, 28), 2).shape
        shendu.Size([128, 6, 14, 14])
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


# ---------------------------------------------------------------------------------------- average pooling
def _window_counts(size: int, kernel: int, stride: int, pad: int, out: int, include_pad: bool) -> np.ndarray:
    """Per output along one dim, how many positions its window averages (PyTorch's divisor)."""
    start = np.arange(out) * stride - pad
    end = np.minimum(start + kernel, size + pad)
    if include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


class AvgPool2d(Function):
    """Average pooling over an ``(N, C, H, W)`` view of the input; also serves 1-D and unbatched inputs."""

    linear = True

    def forward(self, x: Any, *, geom: _Geometry, spatial: int, divisor: Any) -> Any:
        xp = get_array_module(x)
        x4 = _as_batched(x, spatial)
        windows = _windows(_pad(x4, geom, 0), geom)
        kh, kw = geom.kernel
        # Sums of low-precision floats and of small integers must not round or overflow.
        acc = xp.float32 if x.dtype == xp.float16 else xp.int64 if x.dtype.kind in "iu" else x.dtype
        total = windows[:, :, :, :, 0, 0].astype(acc)
        for k in range(1, kh * kw):
            total += windows[:, :, :, :, k // kw, k % kw]
        if not isinstance(divisor, (int, float)):
            divisor = xp.asarray(divisor, dtype=x.dtype if x.dtype.kind == "f" else np.int64)
        if x.dtype.kind == "f":
            out = (total / divisor).astype(x.dtype, copy=False)
        else:
            # Integer averages truncate toward zero, as C++ integer division does in PyTorch.
            quotient = abs(total) // divisor
            out = xp.where(total < 0, -quotient, quotient).astype(x.dtype)
        self.meta = (geom, divisor, x4.shape, x.shape, x.dtype)
        return _restore(out, spatial, x.ndim == spatial + 1)

    def backward(self, grad: Any) -> tuple[Any]:
        geom, divisor, x4_shape, x_shape, dtype = self.meta
        xp = get_array_module(grad)
        share = grad.reshape(x4_shape[0], x4_shape[1], *geom.out) / divisor

        def at(i: int, j: int, out: Any) -> Any:
            if out is None:
                return share
            out[...] = share
            return out

        return (_spread(at, geom, dtype, x4_shape, xp).reshape(x_shape),)


def _avg_pool(
    op: str,
    spatial: int,
    input: Tensor,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: Any,
) -> Tensor:
    geom = _pool_geometry(op, input, spatial, kernel_size, stride, padding, 1, ceil_mode)
    if input._array.dtype.kind not in "fiu":
        raise DtypeError(f"{op}: expected a floating-point or integer input, got dtype {input.dtype}")
    if divisor_override is not None:
        if not is_int(divisor_override) or divisor_override == 0:
            raise ShapeError(f"{op}: divisor_override must be a non-zero int, got {divisor_override!r}")
        divisor: Any = int(divisor_override)
    else:
        (pt, _), (pl, _) = geom.padding
        rows = _window_counts(geom.image[0], geom.kernel[0], geom.stride[0], pt, geom.out[0], count_include_pad)
        cols = _window_counts(geom.image[1], geom.kernel[1], geom.stride[1], pl, geom.out[1], count_include_pad)
        counts = rows[:, None] * cols[None, :]
        divisor = int(counts.flat[0]) if (counts == counts.flat[0]).all() else counts
    return AvgPool2d.apply(input, geom=geom, spatial=spatial, divisor=divisor)


def avg_pool1d(
    input: Tensor,
    kernel_size: int | tuple[int],
    stride: int | tuple[int] | None = None,
    padding: int | tuple[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """1-D average pooling: the mean of each window.

    Args:
        input: ``(N, C, L)``, or ``(C, L)`` unbatched.
        kernel_size: the window length.
        stride: the step between windows. Default: None (``kernel_size``).
        padding: implicit zeros added on both sides; at most half the kernel size. Default: 0.
        ceil_mode: round the output length up instead of down. Default: False.
        count_include_pad: count the zero padding in the divisor. Default: True.

    Shape:
        Output: ``(N, C, L_out)`` with ``L_out = (L + 2·padding − kernel_size) // stride + 1``.

    Example:
        >>> shendu.ops.pooling.avg_pool1d(shendu.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 2)
        tensor([[[2., 4.]]])
    """
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(
    input: Tensor,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """2-D average pooling: the mean of each window.

    Args:
        input: ``(N, C, H, W)``, or ``(C, H, W)`` unbatched.
        kernel_size: the window size, an int or ``(kH, kW)``.
        stride: the step between windows. Default: None (``kernel_size``).
        padding: implicit zeros added on both sides; at most half the kernel size. Default: 0.
        ceil_mode: round the output size up instead of down. Default: False.
        count_include_pad: count the zero padding in the divisor (positions past the padding, which
            ``ceil_mode`` can add, never count). Default: True.
        divisor_override: divide every window sum by this instead. Default: None.

    Shape:
        Output: ``(N, C, H_out, W_out)`` with ``H_out = (H + 2·pH − kH) // sH + 1``.

    Example:
        >>> shendu.ops.pooling.avg_pool2d(shendu.ones(1, 1, 4, 4), 2)
        tensor([[[[1., 1.],
                  [1., 1.]]]])
    """
    return _avg_pool(
        "avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


# ---------------------------------------------------------------------------------------- adaptive pooling
def _adaptive_size(op: str, input: Tensor, output_size: Any) -> tuple[int, int]:
    _check_input(op, input, 2)
    size = tuple(input._array.shape[-2:])
    if output_size is None or is_int(output_size):
        output_size = (output_size, output_size)
    if not isinstance(output_size, (tuple, list)) or len(output_size) != 2:
        raise TypeError(f"{op}: output_size must be an int, None or a tuple of 2 ints or Nones, got {output_size!r}")
    out = []
    for given, own in zip(output_size, size):
        if given is None:
            out.append(own)
        elif not is_int(given) or given < 0:
            raise ShapeError(f"{op}: output_size must hold non-negative ints or None, got {tuple(output_size)}")
        else:
            out.append(int(given))
    check_floating(op, input, "input")
    if 0 in size[-2:] and any(out):
        raise ShapeError(f"{op}: cannot pool an empty input of shape {tuple(input._array.shape)} to size {tuple(out)}")
    return out[0], out[1]


def _bounds(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive windows along one dim: ``[floor(i·size/out), ceil((i+1)·size/out))``."""
    i = np.arange(out)
    return (i * size) // out, ((i + 1) * size + out - 1) // out


def _averaging_matrix(size: int, out: int, xp: Any, dtype: Any) -> Any:
    """The ``(out, size)`` matrix whose row ``i`` averages adaptive window ``i``."""
    start, end = _bounds(size, out)
    positions = np.arange(size)
    inside = (positions >= start[:, None]) & (positions < end[:, None])
    return xp.asarray(inside / (end - start)[:, None], dtype=dtype)


def _window_means(x4: Any, out: tuple[int, int]) -> Any:
    """The adaptive window means of ``(N, C, H, W)`` by slicing, one window at a time along each dim."""
    xp = get_array_module(x4)
    starts, ends = _bounds(x4.shape[3], out[1])
    along_w = xp.stack([x4[..., s:e].mean(axis=-1, dtype=x4.dtype) for s, e in zip(starts, ends)], axis=-1)
    starts, ends = _bounds(x4.shape[2], out[0])
    return xp.stack([along_w[:, :, s:e].mean(axis=2, dtype=x4.dtype) for s, e in zip(starts, ends)], axis=2)


class AdaptiveAvgPool2d(Function):
    """Adaptive average pooling as two matrix products, one per spatial dim, with exact averaging weights."""

    linear = True

    def forward(self, x: Any, *, out: tuple[int, int]) -> Any:
        xp = get_array_module(x)
        x4 = x[None] if x.ndim == 3 else x
        n, c, h, w = x4.shape
        self.meta = x.shape
        if out == (1, 1) and h * w:
            # Global average pooling, the common case: one mean per plane, one broadcast back.
            self.rows = self.cols = None
            # NumPy sums float16 in float32 when no dtype is given, as PyTorch does, so a plane's sum cannot overflow.
            return x4.mean(axis=(2, 3), keepdims=True).reshape(*x.shape[:-2], 1, 1)
        rows = _averaging_matrix(h, out[0], xp, x.dtype)
        cols = _averaging_matrix(w, out[1], xp, x.dtype)
        self.rows, self.cols = rows, cols
        if 0 not in out and not bool(xp.isfinite(x4).all()):
            # The products would multiply inf by the zero weights outside each window, giving NaN.
            with np.errstate(invalid="ignore", over="ignore"):
                return _window_means(x4, out).reshape(*x.shape[:-2], *out)
        along_w = (x4.reshape(n * c * h, w) @ cols.T).reshape(n * c, h, out[1])
        y = xp.tensordot(rows, along_w, axes=([1], [1])).transpose(1, 0, 2)
        return xp.ascontiguousarray(y).reshape(*x.shape[:-2], *out)

    def backward(self, grad: Any) -> tuple[Any]:
        xp = get_array_module(grad)
        rows, cols = self.rows, self.cols
        if rows is None:
            h, w = self.meta[-2:]
            spread = xp.empty(self.meta, grad.dtype)
            # In float32 at least: h·w itself overflows float16 from 65520 on.
            wide = xp.promote_types(grad.dtype, xp.float32)
            spread[...] = grad.astype(wide, copy=False) / wide.type(h * w)
            return (spread,)
        h, w = rows.shape[1], cols.shape[1]
        planes = math.prod(self.meta[:-2])
        along_w = grad.reshape(planes * rows.shape[0], cols.shape[0]) @ cols
        g = xp.tensordot(rows, along_w.reshape(planes, rows.shape[0], w), axes=([0], [1])).transpose(1, 0, 2)
        return (xp.ascontiguousarray(g).reshape((*self.meta[:-2], h, w)),)


def adaptive_avg_pool2d(input: Tensor, output_size: int | tuple[int | None, int | None] | None) -> Tensor:
    """2-D average pooling to a fixed output size, whatever the input size.

    Output position ``i`` averages input rows ``floor(i·H/H_out)`` to ``ceil((i+1)·H/H_out) − 1``, so
    windows may differ in size and overlap when ``H_out`` does not divide ``H``; likewise for columns.

    Args:
        input: ``(N, C, H, W)``, or ``(C, H, W)`` unbatched.
        output_size: ``(H_out, W_out)``, or one int for both; None keeps the input's size in that dim.

    Example:
        >>> shendu.ops.pooling.adaptive_avg_pool2d(shendu.randn(8, 512, 7, 7), 1).shape
        shendu.Size([8, 512, 1, 1])
    """
    out = _adaptive_size("adaptive_avg_pool2d", input, output_size)
    return AdaptiveAvgPool2d.apply(input, out=out)


def adaptive_avg_pool1d(input: Tensor, output_size: int | tuple[int]) -> Tensor:
    """1-D average pooling to a fixed output length, whatever the input length.

    Output position ``i`` averages positions ``floor(i·L/L_out)`` to ``ceil((i+1)·L/L_out) − 1``.

    Args:
        input: ``(N, C, L)``, or ``(C, L)`` unbatched.
        output_size: ``L_out``, an int or a 1-tuple.

    Example:
        >>> shendu.ops.pooling.adaptive_avg_pool1d(shendu.arange(6.0).reshape(1, 1, 6), 3)
        tensor([[[0.5000, 2.5000, 4.5000]]])
    """
    op = "adaptive_avg_pool1d"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if input.ndim not in (2, 3):
        raise ShapeError(f"{op}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape {tuple(input.shape)}")
    size = output_size[0] if isinstance(output_size, (tuple, list)) and len(output_size) == 1 else output_size
    if not is_int(size, numpy=False) or size < 0:
        raise ValueError(f"{op}: output_size must be a non-negative int or a 1-tuple of one, got {output_size!r}")
    with renamed(op, "adaptive_avg_pool2d"):
        return adaptive_avg_pool2d(input.unsqueeze(-2), (1, size)).squeeze(-2)


def _adaptive_taps(x4: Any, out: tuple[int, int]) -> Any:
    """Per offset of the largest adaptive window: the values ``(N, C, Ho, Wo)`` and their flat positions.

    Offsets are clamped to each window's last row and column; a clamped tap revisits a value seen
    earlier in the same window, which a strict comparison never picks, so no mask is needed.
    """
    xp = get_array_module(x4)
    h, w = x4.shape[-2:]
    (row_start, row_end), (col_start, col_end) = _bounds(h, out[0]), _bounds(w, out[1])
    for i in range(int((row_end - row_start).max(initial=1))):
        rows = np.minimum(row_start + i, row_end - 1)
        for j in range(int((col_end - col_start).max(initial=1))):
            cols = np.minimum(col_start + j, col_end - 1)
            flat = xp.asarray(rows[:, None] * w + cols[None, :])
            yield x4[:, :, xp.asarray(rows)[:, None], xp.asarray(cols)[None, :]], flat


class AdaptiveMaxPool2d(Function):
    """Adaptive max pooling: one gather per offset of the largest window, keeping the first maximum."""

    differentiable_outputs = (0,)

    def forward(self, x: Any, *, out: tuple[int, int], return_indices: bool) -> Any:
        xp = get_array_module(x)
        x4 = x[None] if x.ndim == 3 else x
        taps = _adaptive_taps(x4, out)
        best, flat = next(taps)
        index = xp.broadcast_to(flat, best.shape).copy()
        for value, flat in taps:
            # Flat positions grow in visiting order within a window, so max() moves on strict gains only.
            xp.maximum(index, (value > best) * flat, out=index)
            xp.maximum(best, value, out=best)
        if xp.isnan(best).any():
            # PyTorch's rule: a NaN wins, and a later NaN wins over an earlier one.
            last = xp.zeros(index.shape, index.dtype)
            for value, flat in _adaptive_taps(x4, out):
                xp.maximum(last, xp.isnan(value) * (flat + 1), out=last)
            index = xp.where(last > 0, last - 1, index)
        self.index = index
        self.meta = (x.shape, x4.shape[-2:])
        outputs = (best[0], index[0]) if x.ndim == 3 else (best, index)
        return outputs if return_indices else outputs[0]

    def backward(self, grad: Any, *rest: Any) -> tuple[Any]:
        xp = get_array_module(grad)
        x_shape, (h, w) = self.meta
        if grad.size == 0:
            return (xp.zeros(x_shape, grad.dtype),)
        index = self.index.reshape(-1, self.index.shape[-2] * self.index.shape[-1])
        planes = index.shape[0]
        # Windows overlap when the output size does not divide the input's, so positions may repeat.
        where = (xp.arange(planes)[:, None] * (h * w) + index).ravel()
        summed = xp.bincount(where, weights=grad.reshape(-1), minlength=planes * h * w)
        return (summed.astype(grad.dtype, copy=False).reshape(x_shape),)

    def backward_graph(self, grad: Tensor, *rest: Tensor) -> tuple[Tensor]:
        x_shape, (h, w) = self.meta
        index = self.index
        return (_scatter_to_planes(grad, index, (*index.shape[:2], h, w)).reshape(x_shape),)


def _scatter_to_planes(grad: Tensor, index: Any, shape: tuple[int, ...]) -> Tensor:
    """The gradient of a max pooling as differentiable ops: each window's gradient added at the flat
    position ``index`` (``(N, C, Ho, Wo)``) of its maximum in a zero ``(N, C, H, W)`` plane."""
    n, c = shape[:2]
    flat = Tensor._make(index.reshape(n, c, -1).astype(np.int64, copy=False))
    planes = zeros(n, c, shape[2] * shape[3], dtype=grad.dtype, device=grad.device)
    return scatter_add(planes, 2, flat, grad.reshape(n, c, -1)).reshape(shape)


def adaptive_max_pool2d(
    input: Tensor, output_size: int | tuple[int | None, int | None] | None, return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """2-D max pooling to a fixed output size, whatever the input size.

    Windows are those of ``adaptive_avg_pool2d``; the gradient goes to the first maximum of each.

    Args:
        input: ``(N, C, H, W)``, or ``(C, H, W)`` unbatched.
        output_size: ``(H_out, W_out)``, or one int for both; None keeps the input's size in that dim.
        return_indices: also return the position ``h·W + w`` of each maximum in its input plane.
            Default: False.

    Example:
        >>> shendu.ops.pooling.adaptive_max_pool2d(shendu.randn(2, 3, 10, 7), (3, None)).shape
        shendu.Size([2, 3, 3, 7])
    """
    out = _adaptive_size("adaptive_max_pool2d", input, output_size)
    return AdaptiveMaxPool2d.apply(input, out=out, return_indices=bool(return_indices))
