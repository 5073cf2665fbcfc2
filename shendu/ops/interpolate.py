"""Resampling of signals, images and volumes: nearest neighbour, (bi/tri)linear and bicubic interpolation.

Every mode but ``area`` is separable: along each spatial dim, output position ``j`` is a weighted sum
of a few input positions (one for nearest, two for linear, four for cubic). The forward pass gathers
those positions one dim at a time, last dim first, which is the order of PyTorch's arithmetic;
backward multiplies the gradient by each dim's (out, in) interpolation matrix, one GEMM per dim.
Source positions and weights are computed in the input's precision (float32 for float32 and
float16), as PyTorch computes them, so the results agree to rounding.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._checks import check_tensor, is_int
from ..autograd.function import Function
from ..backend import get_array_module
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from .pooling import adaptive_avg_pool2d

__all__ = ["interpolate"]

_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact", "lanczos")
# The interpolating modes and the number of spatial dims each works on.
_RANK = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_CUBIC_A = -0.75  # the cubic convolution kernel's free parameter, as in PyTorch (and OpenCV)

# Per spatial dim: the taps, each an (index, weight) pair of arrays over the output positions.
Taps = tuple[tuple[np.ndarray, np.ndarray], ...]


def _nearest_source(size: int, out: int, scale: float | None) -> np.ndarray:
    """PyTorch's source index of each output position along one dim, float32 rounding included."""
    if out == size:
        return np.arange(out)
    if out == 2 * size:
        return np.arange(out) >> 1
    step = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(size) / np.float32(out)
    source = np.floor(np.arange(out, dtype=np.float32) * step).astype(np.int64)
    return np.minimum(source, size - 1)


def _nearest_exact_source(size: int, out: int, scale: float | None) -> np.ndarray:
    """Output position ``j`` takes input ``floor((j + 0.5) · in/out)``: pixel centres, not corners."""
    step = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(size) / np.float32(out)
    # The position is computed in double precision, then rounded to float32 before the floor, as in PyTorch.
    source = np.floor(((np.arange(out) + 0.5) * np.float64(step)).astype(np.float32)).astype(np.int64)
    return np.minimum(source, size - 1)


def _source_position(
    size: int, out: int, scale: float | None, align_corners: bool, cubic: bool, real: type
) -> np.ndarray:
    """The real-valued input position of each output position, in the working precision ``real``."""
    if align_corners:
        step = real(size - 1) / real(out - 1) if out > 1 else real(0)
        return step * np.arange(out, dtype=real)
    step = real(1.0 / scale) if scale is not None and scale > 0 else real(size) / real(out)
    position = step * (np.arange(out, dtype=real) + real(0.5)) - real(0.5)
    # Linear interpolation clamps positions left of the first centre; cubic clamps its indices instead.
    return position if cubic else np.maximum(position, real(0))


def _linear_taps(size: int, out: int, scale: float | None, align_corners: bool, real: type) -> Taps:
    position = _source_position(size, out, scale, align_corners, False, real)
    left = np.minimum(np.floor(position).astype(np.int64), size - 1)
    weight = np.clip(position - left.astype(real), real(0), real(1))
    right = left + (left < size - 1)
    return ((left, real(1) - weight), (right, weight))


def _cubic_taps(size: int, out: int, scale: float | None, align_corners: bool, real: type) -> Taps:
    position = _source_position(size, out, scale, align_corners, True, real)
    base = np.floor(position).astype(np.int64)
    t = position - base.astype(real)
    a = real(_CUBIC_A)

    def near(x: np.ndarray) -> np.ndarray:  # |x| <= 1
        return ((a + real(2)) * x - (a + real(3))) * x * x + real(1)

    def far(x: np.ndarray) -> np.ndarray:  # 1 < |x| < 2
        return ((a * x - real(5) * a) * x + real(8) * a) * x - real(4) * a

    weights = (far(t + real(1)), near(t), near(real(1) - t), far(real(2) - t))
    return tuple((np.clip(base - 1 + k, 0, size - 1), w) for k, w in enumerate(weights))


def _matrix(taps: tuple[tuple[np.ndarray, np.ndarray], ...], size: int, dtype: np.dtype) -> np.ndarray:
    """The (out, in) matrix of one dim's interpolation: row ``j`` holds output ``j``'s weights."""
    out = len(taps[0][0])
    matrix = np.zeros((out, size), dtype)
    rows = np.arange(out)
    for index, weight in taps:
        np.add.at(matrix, (rows, index), weight)
    return matrix


class SeparableInterpolate(Function):
    """Weighted gathers along each spatial dim forward; one matrix product per dim backward."""

    linear = True

    def forward(self, x: Any, *, taps: tuple[Taps, ...], real: type) -> Any:
        xp = get_array_module(x)
        self.meta = (x.shape, x.dtype, taps, real)
        out = x if x.dtype == real else x.astype(real)
        for axis in range(x.ndim - 1, 1, -1):
            ones = (1,) * (x.ndim - 1 - axis)
            total = None
            for index, weight in taps[axis - 2]:
                term = xp.take(out, xp.asarray(index), axis=axis) * xp.asarray(weight.reshape(-1, *ones))
                total = term if total is None else xp.add(total, term, out=total)
            out = total
        return out.astype(x.dtype, copy=False)

    def backward(self, grad: Any) -> tuple[Any]:
        xp = get_array_module(grad)
        shape, dtype, taps, real = self.meta
        g = grad.astype(real, copy=False)
        for axis in range(2, len(shape)):
            matrix = xp.asarray(_matrix(taps[axis - 2], shape[axis], real))
            g = xp.moveaxis(xp.moveaxis(g, axis, -1) @ matrix, -1, axis)
        return (xp.ascontiguousarray(g.astype(dtype, copy=False)),)


class NearestInterpolate(Function):
    """Nearest-neighbour resampling: a gather forward, a scatter-add backward."""

    linear = True

    def forward(self, x: Any, *, sources: tuple[np.ndarray, ...]) -> Any:
        xp = get_array_module(x)
        grids = xp.ix_(*(xp.asarray(s) for s in sources))
        self.meta = (x.shape, sources)
        return x[(slice(None), slice(None), *grids)]

    def backward(self, grad: Any) -> tuple[Any]:
        xp = get_array_module(grad)
        x_shape, sources = self.meta
        spatial = x_shape[2:]
        plane = int(np.prod(spatial))
        position = np.zeros([len(s) for s in sources], np.int64)
        for axis, source in enumerate(sources):
            step = int(np.prod(spatial[axis + 1 :]))
            position = position + (source * step).reshape([-1 if a == axis else 1 for a in range(len(sources))])
        planes = x_shape[0] * x_shape[1]
        where = (xp.arange(planes)[:, None] * plane + xp.asarray(position.reshape(1, -1))).ravel()
        summed = xp.bincount(where, weights=grad.reshape(-1), minlength=planes * plane)
        return (summed.astype(grad.dtype, copy=False).reshape(x_shape),)


def _output_size(
    op: str, shape: tuple[int, ...], size: Any, scale_factor: Any, recompute: bool | None
) -> tuple[tuple[int, ...], tuple[float | None, ...]]:
    """The output's spatial size, and the scale each dim's kernel uses (None: from the sizes)."""
    spatial = len(shape) - 2
    if (size is None) == (scale_factor is None):
        raise ShapeError(
            f"{op}: give exactly one of size and scale_factor, got size={size!r}, scale_factor={scale_factor!r}"
        )
    image = shape[2:]
    if size is not None:
        sizes = (size,) * spatial if is_int(size) else tuple(size) if isinstance(size, (tuple, list)) else None
        if sizes is None or len(sizes) != spatial or not all(is_int(s) for s in sizes):
            raise ShapeError(f"{op}: size must be an int or {spatial} ints for an input of shape {shape}, got {size!r}")
        return tuple(int(s) for s in sizes), (None,) * spatial
    factors = (scale_factor,) * spatial if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
    if len(factors) != spatial:
        raise ShapeError(
            f"{op}: scale_factor must be a number or {spatial} numbers for an input of shape {shape}, "
            f"got {scale_factor!r}"
        )
    if not all(isinstance(f, (int, float)) and math.isfinite(f) for f in factors):
        raise ValueError(f"{op}: scale_factor must be finite numbers, got {scale_factor!r}")
    out = tuple(math.floor(float(s) * float(f)) for s, f in zip(image, factors))
    return out, (None,) * spatial if recompute else tuple(float(f) for f in factors)


def _check_mode(op: str, mode: str, shape: tuple[int, ...], align_corners: Any, antialias: bool) -> None:
    if mode not in _MODES:
        raise ValueError(f"{op}: unknown mode {mode!r}; expected one of {', '.join(_MODES)}")
    if mode == "lanczos":
        raise NotImplementedError(f"{op}: mode 'lanczos' is not implemented; use 'bicubic' for a smooth resampling")
    if align_corners is not None and mode not in _RANK:
        raise ShapeError(
            f"{op}: align_corners can only be set with the interpolating modes (linear, bilinear, bicubic, "
            f"trilinear), not mode={mode!r}"
        )
    if antialias and mode not in ("bilinear", "bicubic"):
        raise ShapeError(f"{op}: antialias is only available for the bilinear and bicubic modes, not mode={mode!r}")
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not implemented; downsample with mode='area' instead")
    if len(shape) not in (3, 4, 5):
        raise ShapeError(
            f"{op}: expected a 3-D (N, C, L), 4-D (N, C, H, W) or 5-D (N, C, D, H, W) input, "
            f"got a {len(shape)}-D input of shape {shape}"
        )
    rank = _RANK.get(mode)
    if rank is not None and len(shape) != rank + 2:
        layout = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}[rank]
        raise ShapeError(f"{op}: mode {mode!r} needs a {rank + 2}-D input {layout}, got shape {shape}")
    if mode == "area" and len(shape) == 5:
        raise NotImplementedError(f"{op}: mode 'area' is implemented for 3-D and 4-D inputs, got shape {shape}")


def interpolate(
    input: Tensor,
    size: int | tuple[int, ...] | None = None,
    scale_factor: float | tuple[float, ...] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resample a batch of signals, images or volumes to a new spatial size.

    With ``mode='nearest'``, output position ``i`` copies input position ``floor(i · scale)``, where
    ``scale`` is ``1 / scale_factor`` when a scale factor is given, else ``in_size / out_size``
    (as PyTorch computes it, in float32); ``'nearest-exact'`` takes ``floor((i + 0.5) · scale)``
    instead. The linear modes (``'linear'`` for 3-D inputs, ``'bilinear'`` and ``'bicubic'`` for
    4-D, ``'trilinear'`` for 5-D) weight the neighbours of the real source position
    ``(i + 0.5) · scale − 0.5``, or ``i · (in_size − 1) / (out_size − 1)`` with
    ``align_corners=True``, which maps the corner pixels' centres onto each other.
    ``'area'`` averages, as ``adaptive_avg_pool``.

    Args:
        input: ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        size: the output's spatial size, an int or one int per spatial dim. Default: None.
        scale_factor: the multiplier of the spatial size (the result rounded down), a float or one
            per spatial dim; give exactly one of ``size`` and ``scale_factor``. Default: None.
        mode: ``'nearest'``, ``'nearest-exact'``, ``'linear'``, ``'bilinear'``, ``'bicubic'``,
            ``'trilinear'`` or ``'area'``. Default: ``'nearest'``.
        align_corners: for the linear modes only; None means False. Default: None.
        recompute_scale_factor: compute the scale from the sizes, not from ``scale_factor``. Default: None.
        antialias: not implemented (PyTorch's antialiased downsampling); must stay False. Default: False.

    Example:
        >>> F.interpolate(shendu.randn(1, 3, 4, 4), scale_factor=2).shape
        shendu.Size([1, 3, 8, 8])
        >>> F.interpolate(shendu.tensor([[[0.0, 1.0]]]), size=4, mode="linear")
        tensor([[[0.0000, 0.2500, 0.7500, 1.0000]]])
        >>> F.interpolate(shendu.tensor([[[0.0, 1.0]]]), size=4, mode="linear", align_corners=True)
        tensor([[[0.0000, 0.3333, 0.6667, 1.0000]]])
    """
    op = "interpolate"
    check_tensor(op, input, "as input")
    shape = tuple(input._array.shape)
    _check_mode(op, mode, shape, align_corners, antialias)
    out, scales = _output_size(op, shape, size, scale_factor, recompute_scale_factor)
    image = shape[2:]
    if any(s <= 0 for s in image) or any(o <= 0 for o in out):
        raise ShapeError(f"{op}: input and output sizes must be positive, got input size {image} and output size {out}")
    if mode == "nearest":
        return NearestInterpolate.apply(input, sources=tuple(map(_nearest_source, image, out, scales)))
    if mode == "nearest-exact":
        return NearestInterpolate.apply(input, sources=tuple(map(_nearest_exact_source, image, out, scales)))
    if input._array.dtype.kind != "f":
        raise DtypeError(f"{op}: mode {mode!r} needs a floating-point input, got dtype {input.dtype}")
    if mode == "area":
        if len(shape) == 3:
            return adaptive_avg_pool2d(input.unsqueeze(2), (1, out[0])).squeeze(2)
        return adaptive_avg_pool2d(input, out)
    real = np.float64 if input._array.dtype == np.float64 else np.float32
    make = _cubic_taps if mode == "bicubic" else _linear_taps
    taps = tuple(make(s, o, f, bool(align_corners), real) for s, o, f in zip(image, out, scales))
    return SeparableInterpolate.apply(input, taps=taps, real=real)
