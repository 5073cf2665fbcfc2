"""Padding: ``pad`` with a constant, or by reflecting, replicating or wrapping the input at its borders.

Negative amounts crop. The three non-constant modes copy input elements, so each is one gather per
padded dimension forward, and backward adds each output gradient back to the element it was copied
from (the interior in one slice, the few border positions with ``add.at``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import check_tensor
from ..autograd.function import Function
from ..backend import get_array_module
from ..errors import ShapeError
from ..tensor import Tensor
from .creation import _fill_value
from .shape import _sizes

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


class ConstantPad(Function):
    linear = True

    def forward(
        self, x: Any, shape: tuple[int, ...], src: tuple[slice, ...], dst: tuple[slice, ...], value: Any
    ) -> Any:
        self.meta = (x.shape, src, dst)
        out = get_array_module(x).full(shape, value, dtype=x.dtype)
        out[dst] = x[src]
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        shape, src, dst = self.meta
        out = get_array_module(grad).zeros(shape, grad.dtype)
        out[src] = grad[dst]
        return (out,)


class GatherPad(Function):
    """Reflect, replicate or circular padding: output position ``j`` of each padded dim copies ``sources[j]``.

    ``sources`` holds, per padded dim, ``(axis, index, interior)``: the source of every output
    position and the slice ``(out_start, in_start, length)`` over which the output copies the input
    position for position, so backward moves that part with one slice and only the borders scatter.
    """

    linear = True

    def forward(self, x: Any, *, sources: tuple[tuple[int, np.ndarray, tuple[int, int, int]], ...]) -> Any:
        xp = get_array_module(x)
        self.meta = (x.shape, sources)
        if not sources:
            return x.copy()
        for axis, index, _ in sources:
            x = xp.take(x, xp.asarray(index), axis=axis)
        return x

    def backward(self, grad: Any) -> tuple[Any]:
        xp = get_array_module(grad)
        shape, sources = self.meta
        for axis, index, (out_start, in_start, length) in reversed(sources):
            size = shape[axis]
            target = list(grad.shape)
            target[axis] = size
            out = xp.zeros(target, grad.dtype)
            lead = (slice(None),) * axis
            out[(*lead, slice(in_start, in_start + length))] = grad[(*lead, slice(out_start, out_start + length))]
            border = np.r_[0:out_start, out_start + length : len(index)]
            if border.size:
                xp.add.at(out, (*lead, xp.asarray(index[border])), xp.take(grad, xp.asarray(border), axis=axis))
            grad = out
        return (grad,)


def _constant(input: Tensor, amounts: tuple[int, ...], value: Any) -> Tensor:
    shape = input._array.shape
    if len(amounts) > 2 * len(shape):
        raise ShapeError(
            f"pad: the padding {amounts} covers {len(amounts) // 2} dims but the input has only {len(shape)} "
            f"(shape {tuple(shape)})"
        )
    out_shape, src, dst = list(shape), [slice(None)] * len(shape), [slice(None)] * len(shape)
    for i in range(len(amounts) // 2):
        d = len(shape) - 1 - i
        before, after = amounts[2 * i], amounts[2 * i + 1]
        size = shape[d]
        crop_before, crop_after = max(-before, 0), max(-after, 0)
        if crop_before + crop_after > size:
            raise ShapeError(f"pad: padding ({before}, {after}) crops more than the size {size} of dim {d}")
        kept = size - crop_before - crop_after
        src[d] = slice(crop_before, crop_before + kept)
        dst[d] = slice(max(before, 0), max(before, 0) + kept)
        out_shape[d] = size + before + after
    # PyTorch takes the value as a float, so -1 does not wrap into an unsigned dtype as a fill value would.
    number = float(value) if isinstance(value, (int, float, np.number)) else value
    fill = 0 if value is None else _fill_value("pad", number, input._array.dtype, "value")
    return ConstantPad.apply(input, shape=tuple(out_shape), src=tuple(src), dst=tuple(dst), value=fill)


def _sources(mode: str, size: int, before: int, after: int) -> tuple[np.ndarray, tuple[int, int, int]]:
    """The input position each output position copies along one dim, and the interior copied as is."""
    out = size + before + after
    if mode == "circular":
        # PyTorch crops first, then wraps around what is left.
        start, kept = max(-before, 0), size - max(-before, 0) - max(-after, 0)
        offset = np.arange(out) - max(before, 0)
        index = start + offset % kept if kept > 0 else np.zeros(0, np.int64)
        first = max(before, 0)
        return index, (first, start, max(min(kept, out - first), 0))
    position = np.arange(out) - before
    if mode == "reflect":
        index = np.abs(position)
        index = np.where(index > size - 1, 2 * (size - 1) - index, index)
    else:
        index = np.clip(position, 0, size - 1)
    first, last = max(before, 0), min(out, size + before)
    return index, (first, first - before, max(last - first, 0))


def _by_copying(input: Tensor, amounts: tuple[int, ...], mode: str) -> Tensor:
    shape = tuple(input._array.shape)
    spatial = len(amounts) // 2
    if spatial not in (1, 2, 3) or len(shape) not in (spatial + 1, spatial + 2):
        raise NotImplementedError(
            f"pad: mode {mode!r} with a padding of length {len(amounts)} is not supported for a "
            f"{len(shape)}-D input of shape {shape}; as in PyTorch, padding of length 2, 4 or 6 pads the last "
            "1, 2 or 3 dims of an input with 1 or 2 more dims (batch and channels, or channels only)"
        )
    if any(size == 0 for size in shape[-spatial - 1 :]) and mode != "circular":
        raise ShapeError(
            f"pad: mode {mode!r} needs non-empty channel and spatial dims (the batch may be empty), "
            f"got input shape {shape}"
        )
    sources = []
    for i in range(spatial):
        axis = len(shape) - 1 - i
        size, before, after = shape[axis], amounts[2 * i], amounts[2 * i + 1]
        out = size + before + after
        if mode == "reflect" and (before >= size or after >= size):
            raise ShapeError(
                f"pad: mode 'reflect' needs each padding amount below the size of its dim, got padding "
                f"({before}, {after}) for dim {axis} of size {size} (input shape {shape})"
            )
        kept = size - max(-before, 0) - max(-after, 0)
        if mode == "circular" and kept < 0:
            raise ShapeError(
                f"pad: padding ({before}, {after}) crops more than the size {size} of dim {axis} (input shape {shape})"
            )
        if mode == "circular" and max(before, after) > kept:
            cropped = "" if kept == size else f" once cropped to {kept}"
            raise ShapeError(
                f"pad: mode 'circular' can wrap around at most once, got padding ({before}, {after}) for dim "
                f"{axis} of size {size}{cropped} (input shape {shape})"
            )
        if mode != "circular" and out < 1:
            raise ShapeError(
                f"pad: padding ({before}, {after}) leaves {out} elements of dim {axis} (size {size}, input shape "
                f"{shape}); mode {mode!r} needs at least one"
            )
        if (before, after) != (0, 0):
            sources.append((axis, *_sources(mode, size, before, after)))
    return GatherPad.apply(input, sources=tuple(sources))


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad ``input``; ``pad`` gives (before, after) amounts from the last dim backwards.

    Args:
        input: the tensor.
        pad: ``(left, right)`` for the last dim, then ``(top, bottom)`` for the one before, and so on;
            negative amounts crop.
        mode: ``"constant"`` fills with ``value``; ``"reflect"`` mirrors the input about its edge
            elements (``[0, 1, 2]`` padded by 2 on the left starts ``2, 1, 0, 1, 2``);
            ``"replicate"`` repeats the edge elements; ``"circular"`` wraps around, as if the input
            repeated periodically. The last three pad the last 1, 2 or 3 dims (``pad`` of length 2,
            4 or 6) of an input with one or two more dims. Default: ``"constant"``.
        value: the fill value of ``"constant"`` mode. Default: 0.

    Shape:
        Dim ``-1 - i`` grows by ``pad[2 * i] + pad[2 * i + 1]``.

    Example:
        >>> shendu.pad(shendu.ones(2, 3), (1, 1, 0, 2)).shape
        shendu.Size([4, 5])
        >>> F.pad(shendu.tensor([[[0.0, 1.0, 2.0]]]), (2, 1), mode="reflect")
        tensor([[[2., 1., 0., 1., 2., 1.]]])
        >>> F.pad(shendu.tensor([[[0.0, 1.0, 2.0]]]), (2, 1), mode="circular")
        tensor([[[1., 2., 0., 1., 2., 0.]]])
    """
    check_tensor("pad", input, "as input")
    if mode not in _MODES:
        raise ValueError(f"pad: unknown mode {mode!r}; expected 'constant', 'reflect', 'replicate' or 'circular'")
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad: pad must be a tuple or list of ints, got {type(pad).__name__}")
    amounts = _sizes("pad", (pad,))
    if len(amounts) % 2:
        raise ShapeError(f"pad: the padding {amounts} must have an even length, a (before, after) pair per dim")
    if mode == "constant":
        return _constant(input, amounts, value)
    if value is not None and value != 0:
        raise ValueError(f"pad: mode {mode!r} takes no fill value, got value={value!r}; only mode='constant' does")
    return _by_copying(input, amounts, mode)
