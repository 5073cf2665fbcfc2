"""Convolutions: ``conv1d``, ``conv2d`` and ``conv_transpose2d``, lowered to large matrix products.

Every convolution runs on 4-D arrays (a 1-D convolution is a 2-D one of height 1, an unbatched
input a batch of one). The padded input is unfolded into a matrix of windows (im2col, a copy of an
``as_strided`` view) and multiplied by the weight in one ``matmul`` that covers every group. The
backward pass reuses the unfolded matrix for the weight gradient and folds the input gradient back
(col2im) with one vectorized add per kernel offset. ``conv_transpose2d`` is the same machinery run
the other way round: its forward pass is a convolution's input gradient.

Two memory layouts are used for the unfolded matrix, picked per shape (``_batch_last``):

* batch-major, ``(N, C·kh·kw, Ho·Wo)``: one small matrix product per sample, with the output
  landing directly in ``(N, C, H, W)`` order. Best when feature maps are large.
* batch-last, ``(C·kh·kw, Ho·Wo·N)``: images are moved to ``(C, H, W, N)`` first, so unfolding
  and folding copy runs of ``Wo·N`` contiguous values and the whole batch is one matrix product.
  Best when feature maps are small and the batch is large. The moves between layouts are blocked
  transposes (``_transposed``), which keep both sides in cache.

Large batches run in parts (``_batches``) so that each part's unfolded matrix is still cached when
the product reads it.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .._checks import check_tensor, is_int
from ..autograd.function import Function
from ..backend import get_array_module
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from ._common import check_same_device
from ._depthwise import depthwise_backward, depthwise_forward, is_depthwise
from ._pointwise import is_pointwise, pointwise_backward, pointwise_forward

__all__ = ["conv1d", "conv2d", "conv_transpose2d"]


class _Geometry(NamedTuple):
    """A 2-D convolution seen from its two sides.

    The image side is the convolution's input (for ``conv_transpose2d``, its output), of spatial
    size ``image`` before padding; the column side is the convolution's output, of size ``out``.
    """

    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[tuple[int, int], tuple[int, int]]
    dilation: tuple[int, int]
    groups: int
    image: tuple[int, int]
    out: tuple[int, int]


# ---------------------------------------------------------------------------------------- arguments
def _ntuple(op: str, name: str, value: Any, n: int, minimum: int) -> tuple[int, ...]:
    """``value`` (an int, or a sequence of 1 or ``n`` ints) as ``n`` ints, each at least ``minimum``."""
    if is_int(value):
        values = (int(value),) * n
    elif isinstance(value, (tuple, list)) and len(value) in (1, n) and all(is_int(v) for v in value):
        values = tuple(int(v) for v in value) * (n if len(value) == 1 else 1)
    else:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < minimum for v in values):
        rule = "positive" if minimum == 1 else "non-negative"
        raise ShapeError(f"{op}: {name} must be {rule}, got {_show(values, n)}")
    return values


def _show(values: tuple[int, ...], n: int) -> str:
    """How a per-dimension hyperparameter reads in a message: ``3`` in 1-D, ``(3, 3)`` in 2-D."""
    return str(values[-1]) if n == 1 else str(tuple(values))


def _check_input(op: str, input: Any, spatial: int) -> None:
    check_tensor(op, input, "as input")
    ndim = input._array.ndim
    if ndim not in (spatial + 1, spatial + 2):
        raise ShapeError(
            f"{op}: expected a {spatial + 1}-D (unbatched) or {spatial + 2}-D (batched) input, "
            f"got a {ndim}-D input of shape {tuple(input._array.shape)}"
        )


def _as_batched(array: Any, spatial: int) -> Any:
    """``array`` as ``(N, C, H, W)``: a batch of one when unbatched, height one when 1-D."""
    if array.ndim == spatial + 1:
        array = array[None]
    if spatial == 1:
        array = array[:, :, None, :]
    return array


def _check_weight(op: str, input: Tensor, weight: Any, bias: Any, spatial: int, groups: Any, transposed: bool) -> int:
    """Check the weight and bias against the input (ranks, dtypes, devices, channels); the groups as an int."""
    check_tensor(op, weight, "as weight")
    if not is_int(groups) or groups < 1:
        raise ShapeError(f"{op}: groups must be a positive int, got {groups!r}")
    groups = int(groups)
    wshape, xshape = tuple(weight._array.shape), tuple(input._array.shape)
    if len(wshape) != spatial + 2:
        kernel = "kW" if spatial == 1 else "kH, kW"
        layout = (
            f"(in_channels, out_channels/groups, {kernel})"
            if transposed
            else f"(out_channels, in_channels/groups, {kernel})"
        )
        raise ShapeError(f"{op}: expected a {spatial + 2}-D weight {layout}, got a weight of shape {wshape}")
    check_same_device(op, input, weight)
    if input._array.dtype.kind not in "fiu":
        raise DtypeError(f"{op}: expected a floating-point or integer input, got dtype {input.dtype}")
    if weight._array.dtype != input._array.dtype:
        raise DtypeError(
            f"{op}: input and weight must have the same dtype, got input {input.dtype} and weight {weight.dtype}"
        )
    channels = xshape[-spatial - 1]
    if wshape[0] % groups:
        role = "in_channels" if transposed else "out_channels"
        raise ShapeError(
            f"{op}: {role} (weight.shape[0] = {wshape[0]}) must be divisible by groups ({groups}) "
            f"(weight shape {wshape})"
        )
    expected = wshape[0] if transposed else wshape[1] * groups
    if channels != expected:
        per_group = f" ({wshape[1]} per group × {groups} groups)" if groups > 1 and not transposed else ""
        hint = ""
        if xshape[-1] == expected:
            hint = (
                "; the input looks channels-last (channels in its last dim): "
                f"move them first with input.permute{_channels_first(len(xshape), spatial)}"
            )
        raise ShapeError(
            f"{op}: input has {channels} channels but weight expects {expected}{per_group} "
            f"(input shape {xshape}, weight shape {wshape}){hint}"
        )
    if any(k == 0 for k in wshape[2:]):
        raise ShapeError(f"{op}: the kernel must not be empty, got weight shape {wshape}")
    out_channels = wshape[1] * groups if transposed else wshape[0]
    if bias is not None:
        check_tensor(op, bias, "as bias", optional=True)
        check_same_device(op, input, bias)
        if tuple(bias._array.shape) != (out_channels,):
            raise ShapeError(
                f"{op}: bias must have shape ({out_channels},) to match the {out_channels} output channels, "
                f"got shape {tuple(bias._array.shape)} (weight shape {wshape})"
            )
        if bias._array.dtype != input._array.dtype:
            raise DtypeError(
                f"{op}: input and bias must have the same dtype, got input {input.dtype} and bias {bias.dtype}"
            )
    return groups


def _channels_first(ndim: int, spatial: int) -> tuple[int, ...]:
    """The permutation that moves a channels-last input's last dim to where the channels belong."""
    lead = (0,) if ndim == spatial + 2 else ()
    return (*lead, ndim - 1, *range(len(lead), ndim - 1))


def _check_fits(
    op: str, padded: tuple[int, ...], extent: tuple[int, ...], kernel: tuple[int, ...], xshape: Any
) -> None:
    """Raise when a (dilated) kernel does not fit in the padded input."""
    if any(e > p for e, p in zip(extent, padded)):
        n = len(kernel)
        dilated = f" (dilated extent {_show(extent, n)})" if extent != kernel else ""
        raise ShapeError(
            f"{op}: kernel size {_show(kernel, n)}{dilated} is larger than the padded input {_show(padded, n)} "
            f"(input shape {tuple(xshape)})"
        )


def _conv_padding(
    op: str, padding: Any, n: int, kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]
) -> tuple[tuple[int, int], ...]:
    """``padding`` as one ``(before, after)`` pair per spatial dim; ``'same'`` may be asymmetric."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ShapeError(
                    f"{op}: padding='same' is not supported for strided convolutions (stride {_show(stride, n)}); "
                    "pass the padding as numbers instead"
                )
            total = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in total)
        raise ShapeError(f"{op}: padding must be an int, a tuple of ints, 'same' or 'valid', got {padding!r}")
    pads = _ntuple(op, "padding", padding, n, 0)
    return tuple((p, p) for p in pads)


# ---------------------------------------------------------------------------------------- lowering
def _batch_last(xp: Any, n: int, geom: _Geometry) -> bool:
    """Whether to unfold in the batch-last layout, as measured with ``benchmarks/conv_micro.py --layouts``.

    Batch-major copies rows of only ``Wo`` values when unfolding and folding, and runs one matrix
    product per sample; batch-last pays for transposes but copies rows of ``Wo·N`` values and runs
    one large product. On a 2-core CPU batch-last wins below about 20 output columns (LeNet's second
    convolution: 5.1 ms against 8.3 ms forward and backward) and loses above (its first: 10.7 ms
    against 7.8 ms), with or without groups. On a GPU the per-sample products are batched anyway.
    """
    return xp is np and n >= 8 and geom.out[1] < 20


def _transposed(a: Any, out: Any = None) -> Any:
    """``a.T`` of a 2-D array as a contiguous array (``out`` when given): how images change layout.

    Copying a tall ``(R, N)`` matrix into ``(N, R)`` in one pass reads ``a`` with a stride of a
    power-of-two number of bytes and misses the cache on nearly every element; blocks of 64 rows
    keep both sides cached and run about 8 times faster. The wide case is fast as it is.
    """
    xp = get_array_module(a)
    rows, cols = a.shape
    if out is None:
        out = xp.empty((cols, rows), a.dtype)
    if xp is not np or rows < cols:
        out[...] = a.T
        return out
    for start in range(0, rows, 64):
        out[:, start : start + 64] = a[start : start + 64].T
    return out


def _windows(image: Any, geom: _Geometry) -> Any:
    """The sliding windows of a padded image ``(N, C, Hp, Wp)``, as a view ``(N, C, Ho, Wo, kh, kw)``."""
    xp = get_array_module(image)
    sn, sc, sh, sw = image.strides
    (th, tw), (dh, dw) = geom.stride, geom.dilation
    shape = (*image.shape[:2], *geom.out, *geom.kernel)
    return xp.lib.stride_tricks.as_strided(image, shape, (sn, sc, sh * th, sw * tw, sh * dh, sw * dw))


def _padded_buffer(xp: Any, n: int, c: int, geom: _Geometry, dtype: Any, batch_last: bool) -> Any:
    """A zeroed padded image ``(N, C, Hp, Wp)`` whose memory is batch-first or batch-last."""
    (pt, pb), (pl, pr) = geom.padding
    hp, wp = geom.image[0] + pt + pb, geom.image[1] + pl + pr
    if batch_last:
        return xp.zeros((c, hp, wp, n), dtype).transpose(3, 0, 1, 2)
    return xp.zeros((n, c, hp, wp), dtype)


def _interior(padded: Any, geom: _Geometry) -> Any:
    (pt, _), (pl, _) = geom.padding
    h, w = geom.image
    return padded[:, :, pt : pt + h, pl : pl + w]


def _im2col(image: Any, geom: _Geometry, batch_last: bool) -> Any:
    """Unfold ``image`` ``(N, C, H, W)``: ``(N, g, C/g·kh·kw, Ho·Wo)``, or ``(g, C/g·kh·kw, Ho·Wo·N)`` batch-last."""
    xp = get_array_module(image)
    n, c = image.shape[:2]
    g = geom.groups
    rows = c // g * geom.kernel[0] * geom.kernel[1]
    positions = geom.out[0] * geom.out[1]
    if geom.padding == ((0, 0), (0, 0)):
        padded = image
    else:
        padded = _padded_buffer(xp, n, c, geom, image.dtype, False)
        _interior(padded, geom)[...] = image
    if batch_last:
        hp, wp = padded.shape[2:]
        moved = _transposed(padded.reshape(n, c * hp * wp)).reshape(c, hp, wp, n).transpose(3, 0, 1, 2)
        cols = xp.ascontiguousarray(_windows(moved, geom).transpose(1, 4, 5, 2, 3, 0))
        return cols.reshape(g, rows, positions * n)
    cols = xp.ascontiguousarray(_windows(padded, geom).transpose(0, 1, 4, 5, 2, 3))
    return cols.reshape(n, g, rows, positions)


def _columns(a: Any, geom: _Geometry, batch_last: bool) -> Any:
    """A column-side array ``(N, O, Ho, Wo)`` as ``(N, g, O/g, Ho·Wo)``, or ``(g, O/g, Ho·Wo·N)`` batch-last."""
    n, o, ho, wo = a.shape
    g = geom.groups
    if batch_last:
        return _transposed(a.reshape(n, o * ho * wo)).reshape(g, o // g, ho * wo * n)
    return a.reshape(n, g, o // g, ho * wo)


def _apply_weight(w3: Any, cols: Any, geom: _Geometry, batch_last: bool, out: Any) -> Any:
    """``w3 @ cols`` for every group, written into the batch-first ``out`` ``(N, O, Ho, Wo)``."""
    xp = get_array_module(cols)
    n, o, ho, wo = out.shape
    if batch_last:
        _transposed(xp.matmul(w3, cols).reshape(o * ho * wo, n), out.reshape(n, o * ho * wo))
    else:
        xp.matmul(w3, cols, out=out.reshape(n, w3.shape[0], w3.shape[1], ho * wo))
    return out


def _batches(n: int, per_sample: int) -> list[slice]:
    """Split a large batch into equal parts whose unfolded matrices hold at most ``_PART_ELEMENTS``.

    One LeNet convolution at batch 1000 runs twice as fast in parts of 8 MB (float32) as in one
    piece: each part is reread by the product while it is still cached, and memory stays bounded.
    Batches whose whole unfolded matrix fits in ``_WHOLE_ELEMENTS`` stay in one piece, which is
    slightly faster for them.
    """
    total = n * per_sample
    count = 1 if total <= _WHOLE_ELEMENTS else -(-total // _PART_ELEMENTS)
    step = max(1, -(-n // count))
    return [slice(start, min(start + step, n)) for start in range(0, n, step)] or [slice(0, 0)]


_WHOLE_ELEMENTS = 1 << 22
_PART_ELEMENTS = 1 << 21
# Chunks of the batch-last reduction axis that keep both operands of a partial product in L2.
_REDUCTION_CHUNK = 4096
# Upper bound on the per-sample partial products summed at once in the batch-major weight gradient.
_PARTIAL_ELEMENTS = 1 << 20


def _weight_grad(a3: Any, cols: Any, batch_last: bool) -> Any:
    """``sum over samples and positions of a3 ⊗ cols``: the weight gradient, ``(g, O/g, C/g·kh·kw)``.

    Computed as ``cols @ a3ᵀ``: with few output channels, BLAS runs the product with the long
    unfolded side as the left operand up to twice as fast as the other way round.
    """
    xp = get_array_module(cols)
    if batch_last:
        length = cols.shape[-1]
        # One product over a huge reduction axis runs far below peak in BLAS; partial products
        # over cache-sized chunks run near it.
        out = xp.matmul(cols[..., :_REDUCTION_CHUNK], a3[..., :_REDUCTION_CHUNK].swapaxes(-1, -2))
        for start in range(_REDUCTION_CHUNK, length, _REDUCTION_CHUNK):
            stop = start + _REDUCTION_CHUNK
            out += xp.matmul(cols[..., start:stop], a3[..., start:stop].swapaxes(-1, -2))
        return out.swapaxes(-1, -2)
    n = cols.shape[0]
    per_sample = a3.shape[1] * a3.shape[2] * cols.shape[2]
    step = max(1, _PARTIAL_ELEMENTS // max(per_sample, 1))
    out = xp.zeros((cols.shape[1], cols.shape[2], a3.shape[2]), cols.dtype)
    for start in range(0, n, step):
        out += xp.matmul(cols[start : start + step], a3[start : start + step].swapaxes(-1, -2)).sum(axis=0)
    return out.swapaxes(-1, -2)


def _col2im(w3: Any, a3: Any, geom: _Geometry, batch_last: bool, image_shape: tuple[int, ...]) -> Any:
    """Fold ``w3ᵀ @ a3`` back onto the image: the input gradient of a convolution, ``(N, C, H, W)``."""
    xp = get_array_module(a3)
    n, c = image_shape[:2]
    ho, wo = geom.out
    kh, kw = geom.kernel
    cols = xp.matmul(w3.swapaxes(-1, -2), a3)
    if batch_last:
        cols = cols.reshape(c, kh, kw, ho, wo, n).transpose(5, 0, 3, 4, 1, 2)
    else:
        cols = cols.reshape(n, c, kh, kw, ho, wo).transpose(0, 1, 4, 5, 2, 3)
    padded = _padded_buffer(xp, n, c, geom, cols.dtype, batch_last)
    windows = _windows(padded, geom)
    for i in range(kh):
        for j in range(kw):
            windows[:, :, :, :, i, j] += cols[:, :, :, :, i, j]
    if batch_last:
        hp, wp = padded.shape[2:]
        padded = _transposed(padded.transpose(1, 2, 3, 0).reshape(c * hp * wp, n)).reshape(n, c, hp, wp)
    return _interior(padded, geom)


# ---------------------------------------------------------------------------------------- functions
def _run(cls: type[Function], *arrays: Any, **params: Any) -> Any:
    """Run an op's forward on arrays, outside autograd (a double backward's array path)."""
    fn = cls.__new__(cls)
    fn.recording = False
    return fn.forward(*arrays, **params)


def _as_4d(t: Any, spatial: int) -> Any:
    """A 1-D convolution's ``(N, C, L)`` operand (or weight) as ``(N, C, 1, L)``."""
    return t.reshape(t.shape[0], t.shape[1], 1, t.shape[2]) if spatial == 1 else t


class ConvWeightGrad(Function):
    """The weight gradient of a convolution, ``(O, C/g, kh, kw)``, from its input image and output gradient.

    As an op of its own it is differentiable: it is bilinear, with a transposed convolution of the
    output gradient as its derivative in the image and a convolution of the image in the gradient.
    That makes convolutions twice (and more) differentiable.
    """

    def forward(self, image: Any, grad: Any, *, geom: _Geometry) -> Any:
        xp = get_array_module(image)
        n, c = image.shape[:2]
        o = grad.shape[1]
        parts = _batches(n, c * math.prod(geom.kernel) * math.prod(geom.out))
        batch_last = _batch_last(xp, parts[0].stop - parts[0].start, geom)
        gw = None
        for part in parts:
            cols = _im2col(image[part], geom, batch_last)
            gw_part = _weight_grad(_columns(grad[part], geom, batch_last), cols, batch_last)
            gw = gw_part if gw is None else gw + gw_part
        self.save_for_backward(image, grad)
        self.meta = geom
        return gw.reshape(o, c // geom.groups, *geom.kernel)

    def backward(self, ggw: Any) -> tuple[Any, Any]:
        image, grad = self.saved
        geom = self.meta
        gi = _run(ConvTranspose2d, grad, ggw, geom=geom, out_shape=geom.image) if self.needs_input_grad(0) else None
        gg = _run(ConvNd, image, ggw, geom=geom, spatial=2) if self.needs_input_grad(1) else None
        return gi, gg

    def backward_graph(self, ggw: Tensor) -> tuple[Tensor | None, Tensor | None]:
        image, grad = self.saved_tensors()
        geom = self.meta
        gi = ConvTranspose2d.apply(grad, ggw, geom=geom, out_shape=geom.image) if self.needs_input_grad(0) else None
        gg = ConvNd.apply(image, ggw, geom=geom, spatial=2) if self.needs_input_grad(1) else None
        return gi, gg


class ConvNd(Function):
    """A 1-D or 2-D convolution with its bias, over arrays made 4-D (``(N, C, H, W)``) internally."""

    def forward(self, x: Any, w: Any, b: Any = None, *, geom: _Geometry, spatial: int) -> Any:
        xp = get_array_module(x)
        x4 = _as_batched(x, spatial)
        w4 = w.reshape(w.shape[0], w.shape[1], 1, w.shape[2]) if spatial == 1 else w
        n, c = x4.shape[:2]
        w3 = w4.reshape(geom.groups, w4.shape[0] // geom.groups, math.prod(w4.shape[1:]))
        parts = _batches(n, c * math.prod(geom.kernel) * math.prod(geom.out))
        batch_last = _batch_last(xp, parts[0].stop - parts[0].start, geom)
        kept = []
        # Depthwise and pointwise convolutions have paths of their own, faster than im2col for them.
        if is_depthwise(xp, geom.groups, c, w4.shape[0]):
            y, self.path = depthwise_forward(x4, w4, geom), "depthwise"
        elif is_pointwise(geom):
            y, self.path = pointwise_forward(xp, x4, w4), "pointwise"
        else:
            self.path = "im2col"
            y = xp.empty((n, w4.shape[0], *geom.out), x.dtype)
            for part in parts:
                cols = _im2col(x4[part], geom, batch_last)
                _apply_weight(w3, cols, geom, batch_last, y[part])
                # The unfolded input is kept for the weight gradient only when autograd records the call.
                if self.recording:
                    kept.append(cols)
        if b is not None:
            y += b.reshape(-1, 1, 1)
        self.cols, self.w3 = kept, w3
        self.save_for_backward(x, w)
        self.meta = (geom, batch_last, parts, x.shape, x4.shape, w.shape, b is not None)
        shape = y.shape[:2] + y.shape[4 - spatial :]
        return y.reshape(shape[1:] if x.ndim == spatial + 1 else shape)

    def backward(self, grad: Any) -> tuple[Any, ...]:
        geom, batch_last, parts, x_shape, x4_shape, w_shape, has_bias = self.meta
        xp = get_array_module(grad)
        n, c, h, w = x4_shape
        o = w_shape[0]
        g4 = grad.reshape(n, o, *geom.out)
        if self.path != "im2col":
            return self._direct_backward(xp, g4, has_bias)
        gx_parts, gw, gb = [], None, None
        for part, cols in zip(parts, self.cols):
            a3 = _columns(g4[part], geom, batch_last)
            if self.needs_input_grad(0):
                gx_parts.append(_col2im(self.w3, a3, geom, batch_last, (part.stop - part.start, c, h, w)))
            if self.needs_input_grad(1):
                gw_part = _weight_grad(a3, cols, batch_last)
                gw = gw_part if gw is None else gw + gw_part
            if has_bias and self.needs_input_grad(2):
                # Batch-last gradients are already contiguous rows per channel: the cheaper sum.
                gb_part = a3.reshape(o, -1).sum(axis=1) if batch_last else g4[part].sum(axis=(0, 2, 3))
                gb = gb_part if gb is None else gb + gb_part
        gx = None
        if gx_parts:
            # Contiguous, as the layers before it (ReLU, batch norm, pooling) read it fastest that way.
            whole = xp.ascontiguousarray(gx_parts[0]) if len(gx_parts) == 1 else xp.concatenate(gx_parts)
            gx = whole.reshape(x_shape)
        if gw is not None:
            gw = gw.reshape(w_shape)
        return (gx, gw, gb) if has_bias else (gx, gw)

    def _direct_backward(self, xp: Any, g4: Any, has_bias: bool) -> tuple[Any, ...]:
        """The gradients of the depthwise and pointwise paths, which keep nothing unfolded."""
        geom, _, _, x_shape, x4_shape, w_shape, _ = self.meta
        x, w = self.saved
        x4, w4 = x.reshape(x4_shape), _as_4d(w, len(w_shape) - 2)
        want_x, want_w = self.needs_input_grad(0), self.needs_input_grad(1)
        if self.path == "depthwise":
            gx, gw = depthwise_backward(x4, w4, g4, geom, want_x, want_w)
        else:
            gx, gw = pointwise_backward(xp, x4, w4, g4, want_x, want_w)
        gx = None if gx is None else gx.reshape(x_shape)
        gw = None if gw is None else gw.reshape(w_shape)
        if not has_bias:
            return gx, gw
        return gx, gw, g4.sum(axis=(0, 2, 3)) if self.needs_input_grad(2) else None

    def backward_graph(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        geom, _, _, x_shape, x4_shape, w_shape, has_bias = self.meta
        spatial = len(w_shape) - 2
        x, w = self.saved_tensors()
        w4 = _as_4d(w, spatial)
        g4 = grad.reshape(x4_shape[0], w_shape[0], *geom.out)
        gx = gw = gb = None
        if self.needs_input_grad(0):
            gx = ConvTranspose2d.apply(g4, w4, geom=geom, out_shape=geom.image).reshape(x_shape)
        if self.needs_input_grad(1):
            gw = ConvWeightGrad.apply(x.reshape(x4_shape), g4, geom=geom).reshape(w_shape)
        if has_bias and self.needs_input_grad(2):
            gb = g4.sum((0, 2, 3))
        return (gx, gw, gb) if has_bias else (gx, gw)


class ConvTranspose2d(Function):
    """A 2-D transposed convolution with its bias: the input gradient of ``conv2d``, run forward."""

    def forward(self, x: Any, w: Any, b: Any = None, *, geom: _Geometry, out_shape: tuple[int, int]) -> Any:
        xp = get_array_module(x)
        x4 = _as_batched(x, 2)
        n = x4.shape[0]
        c_out = w.shape[1] * geom.groups
        w3 = w.reshape(geom.groups, w.shape[0] // geom.groups, math.prod(w.shape[1:]))
        parts = _batches(n, c_out * math.prod(geom.kernel) * math.prod(geom.out))
        batch_last = _batch_last(xp, parts[0].stop - parts[0].start, geom)
        y = xp.empty((n, c_out, *out_shape), x.dtype)
        for part in parts:
            columns = _columns(x4[part], geom, batch_last)
            y[part] = _col2im(w3, columns, geom, batch_last, (part.stop - part.start, c_out, *out_shape))
        if b is not None:
            y += b.reshape(-1, 1, 1)
        self.x4, self.w3 = x4, w3
        self.save_for_backward(x, w)
        self.meta = (geom, batch_last, parts, x.shape, w.shape, b is not None)
        return y[0] if x.ndim == 3 else y

    def backward(self, grad: Any) -> tuple[Any, ...]:
        geom, batch_last, parts, x_shape, w_shape, has_bias = self.meta
        xp = get_array_module(grad)
        x4 = self.x4
        g4 = grad.reshape(x4.shape[0], *grad.shape[-3:])
        gx = xp.empty(x4.shape, x4.dtype) if self.needs_input_grad(0) else None
        gw = None
        for part in parts:
            cols = _im2col(g4[part], geom, batch_last)
            if gx is not None:
                _apply_weight(self.w3, cols, geom, batch_last, gx[part])
            if self.needs_input_grad(1):
                gw_part = _weight_grad(_columns(x4[part], geom, batch_last), cols, batch_last)
                gw = gw_part if gw is None else gw + gw_part
        gb = g4.sum(axis=(0, 2, 3)) if has_bias and self.needs_input_grad(2) else None
        gx = None if gx is None else gx.reshape(x_shape)
        gw = None if gw is None else gw.reshape(w_shape)
        return (gx, gw, gb) if has_bias else (gx, gw)

    def backward_graph(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        geom, _, _, x_shape, w_shape, has_bias = self.meta
        x, w = self.saved_tensors()
        x4 = x.reshape(-1, *x_shape[-3:])
        g4 = grad.reshape(x4.shape[0], *grad.shape[-3:])
        gx = gw = gb = None
        if self.needs_input_grad(0):
            gx = ConvNd.apply(g4, w, geom=geom, spatial=2).reshape(x_shape)
        if self.needs_input_grad(1):
            gw = ConvWeightGrad.apply(g4, x4, geom=geom).reshape(w_shape)
        if has_bias and self.needs_input_grad(2):
            gb = g4.sum((0, 2, 3))
        return (gx, gw, gb) if has_bias else (gx, gw)


# ---------------------------------------------------------------------------------------- wrappers
def _conv(
    op: str,
    spatial: int,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: Any,
) -> Tensor:
    _check_input(op, input, spatial)
    groups = _check_weight(op, input, weight, bias, spatial, groups, transposed=False)
    strides = _ntuple(op, "stride", stride, spatial, 1)
    dilations = _ntuple(op, "dilation", dilation, spatial, 1)
    kernel = tuple(weight._array.shape[2:])
    pads = _conv_padding(op, padding, spatial, kernel, strides, dilations)
    image = tuple(input._array.shape[-spatial:])
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(image, pads))
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilations))
    _check_fits(op, padded, extent, kernel, input._array.shape)
    out = tuple((p - e) // s + 1 for p, e, s in zip(padded, extent, strides))
    if spatial == 1:
        kernel, strides, dilations = (1, *kernel), (1, *strides), (1, *dilations)
        pads, image, out = ((0, 0), *pads), (1, *image), (1, *out)
    geom = _Geometry(kernel, strides, pads, dilations, groups, image, out)
    args = (input, weight) if bias is None else (input, weight, bias)
    return ConvNd.apply(*args, geom=geom, spatial=spatial)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] | str = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Tensor:
    """A 1-D convolution (a cross-correlation, as in every deep-learning framework) over a batch of signals.

    Args:
        input: ``(N, C_in, L)``, or ``(C_in, L)`` unbatched.
        weight: ``(C_out, C_in / groups, kW)``.
        bias: ``(C_out,)``, or None. Default: None.
        stride: the step between windows. Default: 1.
        padding: zeros added on both sides: an int, a 1-tuple, ``'valid'`` (none) or ``'same'``
            (the output as long as the input; needs stride 1). Default: 0.
        dilation: the spacing between kernel taps. Default: 1.
        groups: split the channels into this many independent groups. Default: 1.

    Shape:
        Output: ``(N, C_out, L_out)`` with ``L_out = (L + 2·padding − dilation·(kW − 1) − 1) // stride + 1``.

    Example:
        >>> x = shendu.randn(8, 4, 50)
        >>> shendu.ops.conv.conv1d(x, shendu.randn(16, 4, 3), padding=1).shape
        shendu.Size([8, 16, 50])
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> Tensor:
    """A 2-D convolution (a cross-correlation) over a batch of images.

    Args:
        input: ``(N, C_in, H, W)``, or ``(C_in, H, W)`` unbatched.
        weight: ``(C_out, C_in / groups, kH, kW)``.
        bias: ``(C_out,)``, or None. Default: None.
        stride: the step between windows, an int or ``(sH, sW)``. Default: 1.
        padding: zeros added on both sides of each spatial dim: an int, ``(pH, pW)``, ``'valid'``
            (none) or ``'same'`` (the output as large as the input; needs stride 1, and pads one more
            at the end when the dilated kernel's extent is even). Default: 0.
        dilation: the spacing between kernel taps. Default: 1.
        groups: split the channels into this many independent groups; ``groups = C_in`` is a
            depthwise convolution. Default: 1.

    Shape:
        Output: ``(N, C_out, H_out, W_out)`` with
        ``H_out = (H + 2·pH − dH·(kH − 1) − 1) // sH + 1``, and likewise for ``W_out``.

    Example:
        >>> x = shendu.randn(128, 1, 28, 28)
        >>> shendu.ops.conv.conv2d(x, shendu.randn(6, 1, 5, 5), padding=2).shape
        shendu.Size([128, 6, 28, 28])
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int | tuple[int, int] = 0,
    groups: int = 1,
    dilation: int | tuple[int, int] = 1,
) -> Tensor:
    """A 2-D transposed convolution (the gradient of ``conv2d`` with respect to its input), e.g. to upsample.

    Args:
        input: ``(N, C_in, H, W)``, or ``(C_in, H, W)`` unbatched.
        weight: ``(C_in, C_out / groups, kH, kW)``.
        bias: ``(C_out,)``, or None. Default: None.
        stride: the step between the input positions' footprints on the output. Default: 1.
        padding: ``dilation·(k − 1) − padding`` zeros are implicitly added to each side of the
            input, so that ``conv2d`` with the same ``padding`` maps the output back to the input's
            size. Default: 0.
        output_padding: extra size added to one side of each output dim; must be smaller than the
            stride or the dilation. Default: 0.
        groups: split the channels into this many independent groups. Default: 1.
        dilation: the spacing between kernel taps. Default: 1.

    Shape:
        Output: ``(N, C_out, H_out, W_out)`` with
        ``H_out = (H − 1)·sH − 2·pH + dH·(kH − 1) + output_padding_H + 1``.

    Example:
        >>> z = shendu.randn(16, 64, 7, 7)
        >>> shendu.ops.conv.conv_transpose2d(z, shendu.randn(64, 32, 4, 4), stride=2, padding=1).shape
        shendu.Size([16, 32, 14, 14])
    """
    op = "conv_transpose2d"
    _check_input(op, input, 2)
    groups = _check_weight(op, input, weight, bias, 2, groups, transposed=True)
    strides = _ntuple(op, "stride", stride, 2, 1)
    if isinstance(padding, str):
        raise TypeError(f"{op}: padding must be an int or a tuple of 2 ints, got {padding!r}")
    pads = _ntuple(op, "padding", padding, 2, 0)
    extra = _ntuple(op, "output_padding", output_padding, 2, 0)
    dilations = _ntuple(op, "dilation", dilation, 2, 1)
    if any(e >= s and e >= d for e, s, d in zip(extra, strides, dilations)):
        raise ShapeError(
            f"{op}: output_padding {extra} must be smaller than either the stride {strides} "
            f"or the dilation {dilations} in each dimension"
        )
    kernel = tuple(weight._array.shape[2:])
    size = tuple(input._array.shape[-2:])
    image = tuple(
        (h - 1) * s - 2 * p + d * (k - 1) + e + 1
        for h, s, p, d, k, e in zip(size, strides, pads, dilations, kernel, extra)
    )
    if any(i <= 0 for i in image):
        raise ShapeError(
            f"{op}: the output size would be {image}, which is not positive "
            f"(input shape {tuple(input._array.shape)}, weight shape {tuple(weight._array.shape)}, "
            f"stride {strides}, padding {pads}, dilation {dilations}, output_padding {extra})"
        )
    geom = _Geometry(kernel, strides, tuple((p, p) for p in pads), dilations, groups, image, size)
    args = (input, weight) if bias is None else (input, weight, bias)
    return ConvTranspose2d.apply(*args, geom=geom, out_shape=image)
