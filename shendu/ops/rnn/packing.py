"""The ops behind ``nn.utils.rnn``: moving rows between a padded ``(L, N, *)`` batch and PyTorch's
packed layout. Indices are unique, so each backward is a plain gather or scatter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...autograd.function import Function
from ...backend import get_array_module
from ...tensor import Tensor
from ..shape import cat, stack

__all__ = ["pack_rows", "pad_rows", "pad_sequences"]


class PackRows(Function):
    linear = True

    def forward(self, x: Any, *, index: Any) -> Any:
        self.meta = (x.shape, index)
        return x.reshape(-1, *x.shape[2:])[index]

    def backward(self, grad: Any) -> tuple[Any]:
        shape, index = self.meta
        xp = get_array_module(grad)
        out = xp.zeros((shape[0] * shape[1], *shape[2:]), grad.dtype)
        out[index] = grad
        return (out.reshape(shape),)


class PadRows(Function):
    def forward(self, data: Any, *, index: Any, lead: tuple[int, int], padding_value: float) -> Any:
        xp = get_array_module(data)
        self.meta = index
        out = xp.full((lead[0] * lead[1], *data.shape[1:]), padding_value, data.dtype)
        out[index] = data
        return out.reshape(*lead, *data.shape[1:])

    def backward(self, grad: Any) -> tuple[Any]:
        return (grad.reshape(-1, *grad.shape[2:])[self.meta],)

    @staticmethod
    def composite(data: Tensor, index: Any, lead: tuple[int, int], padding_value: float) -> Tensor:
        # Every padded row gathers a data row, or the one padding row appended after them.
        xp = get_array_module(data._array)
        source = xp.full(lead[0] * lead[1], data.shape[0], dtype="int64")
        source[index] = xp.arange(data.shape[0])
        padding = data.new_full((1, *data.shape[1:]), padding_value)
        return cat([data, padding])[source].reshape(*lead, *data.shape[1:])


class PadSequence(Function):
    def forward(self, *arrays: Any, batch_first: bool, padding_value: float, left: bool) -> Any:
        xp = get_array_module(arrays[0])
        longest = max(a.shape[0] for a in arrays)
        out = xp.full((len(arrays), longest, *arrays[0].shape[1:]), padding_value, arrays[0].dtype)
        spans = []
        for b, a in enumerate(arrays):
            span = slice(longest - a.shape[0], longest) if left else slice(0, a.shape[0])
            out[b, span] = a
            spans.append(span)
        self.meta = (spans, batch_first)
        return out if batch_first else out.swapaxes(0, 1).copy()

    @staticmethod
    def composite(*tensors: Tensor, batch_first: bool, padding_value: float, left: bool) -> Tensor:
        longest = max(t.shape[0] for t in tensors)
        rows = []
        for t in tensors:
            padding = t.new_full((longest - t.shape[0], *t.shape[1:]), padding_value)
            rows.append(cat([padding, t] if left else [t, padding]))
        out = stack(rows)
        return out if batch_first else out.transpose(0, 1)

    def backward(self, grad: Any) -> tuple[Any, ...]:
        spans, batch_first = self.meta
        if not batch_first:
            grad = grad.swapaxes(0, 1)
        return tuple(grad[b, span].copy() for b, span in enumerate(spans))


def pack_rows(input: Tensor, index: Any) -> Tensor:
    """Rows of ``input`` with its first two dimensions merged, picked by the unique flat ``index``."""
    return PackRows.apply(input, index=index)


def pad_rows(data: Tensor, index: Any, lead: tuple[int, int], padding_value: float = 0.0) -> Tensor:
    """A ``(*lead, *data.shape[1:])`` batch filled with ``padding_value``, with row ``k`` of ``data`` at flat
    position ``index[k]`` of the first two dimensions."""
    return PadRows.apply(data, index=index, lead=lead, padding_value=padding_value)


def pad_sequences(sequences: Sequence[Tensor], batch_first: bool, padding_value: float, padding_side: str) -> Tensor:
    """Stack ``(L_i, *)`` tensors into one padded ``(L, N, *)`` (or ``(N, L, *)``) tensor."""
    return PadSequence.apply(
        *sequences, batch_first=batch_first, padding_value=padding_value, left=padding_side == "left"
    )
