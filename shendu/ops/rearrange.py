"""Copies that repeat or reorder elements: ``repeat``, ``tile``, ``repeat_interleave``, ``flip`` and ``roll``.

Unlike the views in ``shape.py``, each returns new memory, so changing the result in place never
reaches the input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import check_dim, normalize_dims
from ..autograd.function import Function
from ..backend import get_array_module
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from ._common import allocating, as_index, check_same_device
from .shape import _dims, _sizes, reshape

__all__ = ["flip", "repeat", "repeat_interleave", "roll", "tile"]


class Repeat(Function):
    linear = True

    def forward(self, x: Any, repeats: tuple[int, ...]) -> Any:
        padded = (1,) * (len(repeats) - x.ndim) + x.shape
        self.meta = (x.shape, padded, repeats)
        return get_array_module(x).tile(x.reshape(padded), repeats)

    def backward(self, grad: Any) -> tuple[Any]:
        shape, padded, repeats = self.meta
        interleaved = tuple(v for pair in zip(repeats, padded) for v in pair)
        summed = grad.reshape(interleaved).sum(axis=tuple(range(0, len(interleaved), 2)))
        return (summed.reshape(shape),)


def repeat(input: Tensor, *repeats: Any) -> Tensor:
    """A copy of ``input`` tiled ``repeats[i]`` times along each dim (new dims may be added in front).

    Args:
        input: the tensor.
        repeats: one count per dim (at least ``input.dim()`` of them), as ints or one sequence.

    Example:
        >>> shendu.zeros(2, 3).repeat(4, 1, 2).shape
        shendu.Size([4, 2, 6])
    """
    counts = _sizes("repeat", repeats)
    ndim = input._array.ndim
    if len(counts) < ndim:
        raise ShapeError(
            f"repeat: got {len(counts)} repeats {counts} for a tensor of {ndim} dimensions "
            f"(shape {tuple(input._array.shape)}); give at least one per dimension"
        )
    if any(c < 0 for c in counts):
        raise ShapeError(f"repeat: repeats must be >= 0, got {counts}")
    return Repeat.apply(input, repeats=counts)


def tile(input: Tensor, *args: Any, dims: Sequence[int] | None = None) -> Tensor:
    """Like ``repeat``, but with fewer counts than dims the counts apply to the last dims.

    Example:
        >>> shendu.zeros(2, 3).tile(2).shape
        shendu.Size([2, 6])
    """
    counts = _sizes("tile", args if dims is None else (dims,))
    counts = (1,) * (input._array.ndim - len(counts)) + counts
    return repeat(input, counts)


class Flip(Function):
    linear = True

    def forward(self, x: Any, dims: tuple[int, ...]) -> Any:
        key = tuple(slice(None, None, -1) if d in dims else slice(None) for d in range(x.ndim))
        self.meta = key
        return x[key].copy()

    def backward(self, grad: Any) -> tuple[Any]:
        return (grad[self.meta],)


def flip(input: Tensor, *args: Any, dims: Sequence[int] | None = None) -> Tensor:
    """A copy of ``input`` with the order of elements reversed along ``dims``.

    Example:
        >>> shendu.arange(3).flip(0)
        tensor([2, 1, 0])
    """
    order = _dims("flip", args if dims is None else (dims,))
    shape = input._array.shape
    normal = normalize_dims("flip", order, len(shape), shape)
    return Flip.apply(input, dims=normal)


class Roll(Function):
    linear = True

    def forward(self, x: Any, shifts: tuple[int, ...], dims: tuple[int, ...] | None) -> Any:
        self.meta = (shifts, dims, x.shape)
        if dims is None:
            return get_array_module(x).roll(x.reshape(-1), shifts[0]).reshape(x.shape)
        return get_array_module(x).roll(x, shifts, axis=dims)

    def backward(self, grad: Any) -> tuple[Any]:
        shifts, dims, shape = self.meta
        back = tuple(-s for s in shifts)
        if dims is None:
            return (get_array_module(grad).roll(grad.reshape(-1), back[0]).reshape(shape),)
        return (get_array_module(grad).roll(grad, back, axis=dims),)


def roll(input: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    """A copy of ``input`` with elements shifted cyclically by ``shifts`` along ``dims`` (flattened when None).

    Example:
        >>> shendu.arange(4).roll(1)
        tensor([3, 0, 1, 2])
    """
    steps = _sizes("roll", (shifts,) if isinstance(shifts, (int, np.integer)) else (tuple(shifts),))
    shape = input._array.shape
    if dims is None:
        if len(steps) != 1:
            raise ShapeError(f"roll: without dims, shifts must be a single int, got {steps}")
        return Roll.apply(input, shifts=steps, dims=None)
    axes = _dims("roll", (dims,) if isinstance(dims, (int, np.integer)) else (tuple(dims),))
    if len(axes) != len(steps):
        raise ShapeError(f"roll: shifts {steps} and dims {axes} must have the same length")
    axes = tuple(check_dim("roll", d, len(shape), shape) for d in axes)
    if not shape:
        return Roll.apply(input, shifts=steps[:1], dims=None)
    return Roll.apply(input, shifts=steps, dims=axes)


class RepeatInterleave(Function):
    linear = True

    def forward(self, x: Any, repeats: Any, dim: int) -> Any:
        self.meta = (x.shape, dim, repeats if isinstance(repeats, int) else None)
        if not isinstance(repeats, int):
            self.repeats = repeats
        return get_array_module(x).repeat(x, repeats, axis=dim)

    def backward(self, grad: Any) -> tuple[Any]:
        shape, dim, count = self.meta
        xp = get_array_module(grad)
        if count is not None:
            split = (*shape[:dim], shape[dim], count, *shape[dim + 1 :])
            return (grad.reshape(split).sum(axis=dim + 1),)
        out = xp.zeros(shape, grad.dtype)
        positions = xp.repeat(xp.arange(shape[dim]), self.repeats)
        xp.add.at(out, (slice(None),) * dim + (positions,), grad)
        return (out,)


def repeat_interleave(
    input: Tensor, repeats: int | Tensor | None = None, dim: int | None = None, *, output_size: int | None = None
) -> Tensor:
    """Repeat each element of ``input`` ``repeats`` times along ``dim`` (the flattened input when None).

    Args:
        input: the tensor; or, called with no ``repeats``, an int tensor of counts for ``arange``.
        repeats: one count for every element, or a 1-d int tensor of a count per element along ``dim``.
        dim: the dim to repeat along. Default: None (flatten first).
        output_size: the total size along ``dim``, checked when given. Default: None.

    Example:
        >>> shendu.tensor([1, 2]).repeat_interleave(2)
        tensor([1, 1, 2, 2])
    """
    if repeats is None:
        counts = input._array
        if counts.dtype.kind not in "iu":
            raise DtypeError(f"repeat_interleave: expected an int tensor of counts, got {input.dtype.name}")
        if counts.ndim > 1:
            raise ShapeError(f"repeat_interleave: expected a 1-d tensor of counts, got shape {tuple(counts.shape)}")
        if counts.size and int(counts.min()) < 0:
            raise ShapeError("repeat_interleave: repeats must be >= 0")
        xp = get_array_module(counts)
        with allocating("repeat_interleave", (sum(counts.reshape(-1).tolist()),), counts.dtype):
            return Tensor._make(xp.repeat(xp.arange(counts.size, dtype=counts.dtype), counts.reshape(-1)))
    if dim is None:
        input, d = reshape(input, -1), 0
    else:
        d = check_dim("repeat_interleave", dim, input._array.ndim, input._array.shape)
        if input._array.ndim == 0:
            input = reshape(input, 1)
    size = input._array.shape[d]
    if isinstance(repeats, Tensor):
        if repeats._array.dtype.kind not in "iu":
            raise DtypeError(f"repeat_interleave: repeats must be an int tensor, got {repeats.dtype.name}")
        check_same_device("repeat_interleave", input, repeats)
        if repeats._array.ndim == 0 or repeats._array.size == 1:
            repeats = int(repeats._array.reshape(-1)[0])
        elif repeats._array.ndim != 1 or repeats._array.size != size:
            raise ShapeError(
                f"repeat_interleave: repeats of shape {tuple(repeats.shape)} must hold one count per element "
                f"along dim {d} (size {size})"
            )
    if isinstance(repeats, Tensor):
        counts = repeats._array
        if counts.size and int(counts.min()) < 0:
            raise ShapeError("repeat_interleave: repeats must be >= 0")
        total = sum(counts.tolist())  # Python ints: an int64 sum could wrap around
    else:
        repeats = as_index("repeat_interleave", "repeats", repeats)
        if repeats < 0:
            raise ShapeError(f"repeat_interleave: repeats must be >= 0, got {repeats}")
        counts, total = repeats, repeats * size
    if output_size is not None and output_size != total:
        raise ShapeError(f"repeat_interleave: output_size {output_size} does not match the repeated size {total}")
    shape = (*input._array.shape[:d], total, *input._array.shape[d + 1 :])
    with allocating("repeat_interleave", shape, input._array.dtype):
        return RepeatInterleave.apply(input, repeats=counts, dim=d)
