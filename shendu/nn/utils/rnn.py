"""Variable-length batches for the recurrent layers: padding and PyTorch's packed layout.

A ``PackedSequence`` holds the time steps of a batch of sequences one after another: first step 0
of every sequence, then step 1 of every sequence that is long enough, and so on, with the batch
sorted by decreasing length. ``batch_sizes[t]`` is the number of sequences still running at step
``t``. The layout, ``batch_sizes`` and the sort order (``sorted_indices``, ``unsorted_indices``)
are PyTorch's, so a packed batch's ``.data`` compares equal to PyTorch's.

Example:
    >>> seqs = [shendu.randn(5, 8), shendu.randn(3, 8), shendu.randn(4, 8)]
    >>> padded = pad_sequence(seqs)                                 # (5, 3, 8)
    >>> packed = pack_padded_sequence(padded, [5, 3, 4], enforce_sorted=False)
    >>> out, (h, c) = nn.LSTM(8, 16)(packed)                        # h: last valid step of each sequence
    >>> out, lengths = pad_packed_sequence(out)                     # (5, 3, 16), tensor([5, 3, 4])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any, NamedTuple

import numpy as np

from ... import _dtype
from ..._checks import check_tensor, is_int
from ...backend import CPU, get_array_module, to_device
from ...errors import DtypeError, ShapeError
from ...ops.creation import tensor
from ...ops.rnn.packing import pack_rows, pad_rows, pad_sequences
from ...tensor import Tensor

__all__ = [
    "PackedSequence",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]


class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedFields):
    """A batch of variable-length sequences in PyTorch's packed layout (a named tuple).

    Make one with ``pack_padded_sequence`` or ``pack_sequence`` rather than directly.

    Attributes:
        data: the steps of all sequences, ``(sum of lengths, *)``.
        batch_sizes: int64 tensor, the number of sequences running at each step.
        sorted_indices: int64 tensor, the order of the original batch sorted by decreasing length,
            or None when the batch was already sorted.
        unsorted_indices: the inverse permutation of ``sorted_indices``, or None.
    """

    __slots__ = ()

    def __new__(
        cls,
        data: Tensor,
        batch_sizes: Tensor | None = None,
        sorted_indices: Tensor | None = None,
        unsorted_indices: Tensor | None = None,
    ) -> PackedSequence:
        if batch_sizes is None:
            raise TypeError("PackedSequence: batch_sizes is required; build packed batches with pack_padded_sequence")
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """Move or cast ``data`` (as ``Tensor.to``); the index tensors follow a move."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        indices = [None if t is None else t.to(data.device) for t in (self.sorted_indices, self.unsorted_indices)]
        return type(self)(data, self.batch_sizes, *indices)

    def cpu(self) -> PackedSequence:
        """``to("cpu")``."""
        return self.to("cpu")

    def cuda(self, device: Any = None) -> PackedSequence:
        """``to("cuda")``."""
        return self.to(device if device is not None else "cuda")

    def double(self) -> PackedSequence:
        """Cast ``data`` to float64."""
        return self.to(dtype=_dtype.float64)

    def float(self) -> PackedSequence:
        """Cast ``data`` to float32."""
        return self.to(dtype=_dtype.float32)

    @property
    def is_cuda(self) -> bool:
        """Whether ``data`` lives on a GPU."""
        return self.data.is_cuda


def _invert(permutation: Tensor) -> Tensor:
    order = np.asarray(to_device(permutation._array, CPU))
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.shape[0])
    return tensor(inverse).to(permutation.device)


def _lengths_list(op: str, lengths: Any) -> list[int]:
    if isinstance(lengths, Tensor):
        if lengths.ndim != 1 or lengths._array.dtype.kind not in "iu":
            raise ShapeError(f"{op}: lengths must be a 1-D integer tensor or a list of ints, got {lengths!r}")
        return [int(v) for v in lengths.tolist()]
    try:
        values = list(lengths)
    except TypeError:
        raise TypeError(f"{op}: lengths must be a 1-D integer tensor or a list of ints, got {lengths!r}") from None
    out = []
    for v in values:
        if not is_int(v):
            raise TypeError(f"{op}: lengths must be ints, got {v!r} in {values!r}")
        out.append(int(v))
    return out


def _batch_sizes(lengths: Sequence[int]) -> list[int]:
    """For lengths sorted in decreasing order, the number of sequences running at each step."""
    if not lengths:
        return []
    return _running(lengths, lengths[0]).tolist()


def _running(counts: Sequence[int], steps: int) -> np.ndarray:
    """For each ``k < steps``, how many of ``counts`` exceed ``k``."""
    return (np.asarray(counts)[None, :] > np.arange(steps)[:, None]).sum(axis=1)


def packed_positions(
    batch_sizes: Sequence[int], order: Sequence[int] | None, batch_first: bool, length: int, like: Tensor
) -> Any:
    """Where each packed row sits in a padded batch of ``length`` steps, as flat indices over its first
    two dimensions, on the device of ``like``.

    Row ``k`` of the packed data is step ``t`` of sorted sequence ``j``; it sits at ``(t, order[j])``
    of a ``(L, N, *)`` batch, or ``(order[j], t)`` of a ``(N, L, *)`` one (``order`` defaults to the
    identity).
    """
    batch = batch_sizes[0] if batch_sizes else 0
    rows = np.asarray(order if order is not None else np.arange(batch), dtype=np.int64)
    parts = []
    for t, n in enumerate(batch_sizes):
        parts.append(rows[:n] * length + t if batch_first else t * batch + rows[:n])
    index = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    xp = get_array_module(like._array)
    return index if xp is np else xp.asarray(index)


def pack_padded_sequence(
    input: Tensor, lengths: Tensor | Sequence[int], batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack a padded batch of variable-length sequences.

    Args:
        input: the padded batch, ``(L, N, *)`` (``(N, L, *)`` with ``batch_first``).
        lengths: the length of each sequence (a list or a 1-D int64 tensor), each in ``[1, L]``.
        batch_first: the input is ``(N, L, *)``. Default: False.
        enforce_sorted: require ``lengths`` in decreasing order; with False the batch is sorted here
            and ``sorted_indices`` records how. Default: True.

    Returns:
        a ``PackedSequence``.

    Example:
        >>> packed = pack_padded_sequence(shendu.randn(5, 3, 8), [5, 4, 2])
        >>> packed.batch_sizes
        tensor([3, 3, 2, 2, 1])
    """
    op = "pack_padded_sequence"
    check_tensor(op, input, name="input")
    if input.ndim < 2:
        raise ShapeError(
            f"{op}: expected an input with at least 2 dimensions (L, N, *), got shape {tuple(input.shape)}"
        )
    values = _lengths_list(op, lengths)
    batch_dim = 0 if batch_first else 1
    batch, length = input.shape[batch_dim], input.shape[1 - batch_dim]
    if len(values) != batch:
        raise ShapeError(
            f"{op}: expected one length per sequence, {batch} for input shape {tuple(input.shape)} "
            f"(batch_first={batch_first}), got {len(values)} lengths"
        )
    for v in values:
        if not 0 < v <= length:
            raise ShapeError(
                f"{op}: every length must be in [1, {length}] for input shape {tuple(input.shape)} "
                f"(batch_first={batch_first}), got lengths {values}"
            )
    order = None
    if enforce_sorted:
        if any(b > a for a, b in pairwise(values)):
            raise ValueError(
                f"{op}: lengths must be sorted in decreasing order when enforce_sorted=True, got {values}; "
                "pass enforce_sorted=False to sort the batch here"
            )
        ordered = values
    else:
        order = sorted(range(batch), key=lambda b: -values[b])
        ordered = [values[b] for b in order]
    sizes = _batch_sizes(ordered)
    data = pack_rows(input, packed_positions(sizes, order, batch_first, length, input))
    sorted_indices = None if order is None else tensor(np.asarray(order, np.int64)).to(input.device)
    return PackedSequence(data, tensor(np.asarray(sizes, np.int64)), sorted_indices)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Unpack a ``PackedSequence`` into a padded batch in the original batch order.

    Args:
        sequence: the packed batch.
        batch_first: return ``(N, L, *)`` instead of ``(L, N, *)``. Default: False.
        padding_value: the value of the padded positions. Default: 0.0.
        total_length: pad to this many steps instead of the longest length. Default: None.

    Returns:
        ``(padded, lengths)``, with ``lengths`` an int64 tensor of each sequence's length.

    Example:
        >>> packed = pack_sequence([shendu.ones(3, 2), shendu.ones(1, 2)])
        >>> padded, lengths = pad_packed_sequence(packed, batch_first=True)
        >>> padded.shape, lengths
        (shendu.Size([2, 3, 2]), tensor([3, 1]))
    """
    op = "pad_packed_sequence"
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{op}: expected a PackedSequence, got {type(sequence).__name__}")
    sizes = [int(n) for n in sequence.batch_sizes.tolist()]
    longest = len(sizes)
    length = longest
    if total_length is not None:
        if total_length < longest:
            raise ValueError(
                f"{op}: total_length must be at least the length of the longest sequence, "
                f"got total_length={total_length} and a longest sequence of {longest} steps"
            )
        length = int(total_length)
    batch = sizes[0]
    order = None if sequence.sorted_indices is None else [int(v) for v in sequence.sorted_indices.tolist()]
    index = packed_positions(sizes, order, batch_first, length, sequence.data)
    lead = (batch, length) if batch_first else (length, batch)
    padded = pad_rows(sequence.data, index, lead, padding_value)
    ordered = _running(sizes, batch)
    lengths = np.empty(batch, np.int64)
    lengths[order if order is not None else np.arange(batch)] = ordered
    # PyTorch keeps the lengths on the CPU whatever the device of the data.
    return padded, tensor(lengths, device="cpu")


def pad_sequence(
    sequences: Tensor | Iterable[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Pad a list of ``(L_i, *)`` tensors to one ``(L, N, *)`` tensor (``(N, L, *)`` with ``batch_first``).

    Args:
        sequences: the tensors; all share their trailing dimensions and dtype.
        batch_first: put the batch dimension first. Default: False.
        padding_value: the value of the padded positions. Default: 0.0.
        padding_side: ``"right"`` (pad after each sequence) or ``"left"``. Default: ``"right"``.

    Example:
        >>> pad_sequence([shendu.ones(3, 2), shendu.ones(1, 2)]).shape
        shendu.Size([3, 2, 2])
    """
    op = "pad_sequence"
    seqs = list(sequences.unbind(0)) if isinstance(sequences, Tensor) else list(sequences)
    if not seqs:
        raise ValueError(f"{op}: expected at least one sequence, got none")
    if padding_side not in ("right", "left"):
        raise ValueError(f"{op}: padding_side must be 'right' or 'left', got {padding_side!r}")
    first = seqs[0]
    for i, s in enumerate(seqs):
        check_tensor(op, s, name=f"sequence {i}")
        if s.ndim < 1 or tuple(s.shape[1:]) != tuple(first.shape[1:]):
            raise ShapeError(
                f"{op}: every sequence must have shape (L_i, *) with the same trailing dimensions, "
                f"but sequence 0 has shape {tuple(first.shape)} and sequence {i} has shape {tuple(s.shape)}"
            )
        if s.dtype != first.dtype:
            raise DtypeError(f"{op}: sequence 0 has dtype {first.dtype} and sequence {i} has dtype {s.dtype}")
    return pad_sequences(seqs, bool(batch_first), padding_value, padding_side)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of ``(L_i, *)`` tensors (``pad_sequence`` then ``pack_padded_sequence``).

    Args:
        sequences: the tensors, in decreasing length unless ``enforce_sorted`` is False.
        enforce_sorted: require decreasing lengths. Default: True.

    Example:
        >>> pack_sequence([shendu.ones(3, 2), shendu.ones(1, 2)]).batch_sizes
        tensor([2, 1, 1])
    """
    seqs = list(sequences)
    lengths = [s.shape[0] if isinstance(s, Tensor) and s.ndim else 0 for s in seqs]
    return pack_padded_sequence(pad_sequence(seqs), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(
    padded_sequences: Tensor, lengths: Tensor | Sequence[int], batch_first: bool = False
) -> list[Tensor]:
    """Split a padded batch back into a list of ``(L_i, *)`` tensors.

    Args:
        padded_sequences: ``(L, N, *)`` (``(N, L, *)`` with ``batch_first``).
        lengths: the length of each sequence.
        batch_first: the batch dimension comes first. Default: False.
    """
    values = _lengths_list("unpad_sequence", lengths)
    batched = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [batched[b, :n] for b, n in enumerate(values)]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """Split a ``PackedSequence`` into the list of ``(L_i, *)`` tensors it was packed from."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
