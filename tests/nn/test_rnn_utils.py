from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from torch.nn.utils import rnn as trnn

import shendu
from shendu.errors import DtypeError, ShapeError
from shendu.nn.utils import rnn as srnn
from tests.helpers import COUNTS


def _leaf(lib: Any, array: np.ndarray) -> Any:
    t = torch.from_numpy(array.copy()) if lib is torch else shendu.from_numpy(array.copy())
    return t.requires_grad_(True)


def _equal(got: Any, want: Any) -> None:
    if want is None:
        assert got is None
        return
    got_a, want_a = got.detach().numpy(), want.detach().numpy()
    assert got_a.dtype == want_a.dtype and got_a.shape == want_a.shape
    np.testing.assert_array_equal(got_a, want_a)


def _same_packed(s: srnn.PackedSequence, t: Any) -> None:
    for field in ("data", "batch_sizes", "sorted_indices", "unsorted_indices"):
        _equal(getattr(s, field), getattr(t, field))


CASES = [
    ([6, 4, 4, 1], True),
    ([2, 6, 1, 4], False),
    ([3, 3, 3, 3], True),
    ([3, 3, 3, 3], False),
    ([2, 3, 3, 1, 3, 2], False),
    ([4, 2, 1], True),
]


@pytest.mark.parametrize(("lengths", "enforce_sorted"), CASES)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths_as_tensor", [False, True])
def test_pack_and_pad_match_torch(
    lengths: list[int], enforce_sorted: bool, batch_first: bool, lengths_as_tensor: bool
) -> None:
    batch, longest = len(lengths), 7
    x = np.random.default_rng(0).standard_normal((batch, longest, 2) if batch_first else (longest, batch, 2))
    t_x, s_x = _leaf(torch, x), _leaf(shendu, x)
    t_len = torch.tensor(lengths) if lengths_as_tensor else lengths
    s_len = shendu.tensor(lengths) if lengths_as_tensor else lengths
    t_p = trnn.pack_padded_sequence(t_x, t_len, batch_first, enforce_sorted)
    s_p = srnn.pack_padded_sequence(s_x, s_len, batch_first, enforce_sorted)
    assert isinstance(s_p, tuple) and len(s_p) == 4
    _same_packed(s_p, t_p)
    for total_length in (None, 9):
        for padding_value in (0.0, -1.5):
            t_out, t_lengths = trnn.pad_packed_sequence(t_p, batch_first, padding_value, total_length)
            s_out, s_lengths = srnn.pad_packed_sequence(s_p, batch_first, padding_value, total_length)
            _equal(s_out, t_out)
            _equal(s_lengths, t_lengths)
    weights = np.random.default_rng(1).standard_normal(tuple(t_out.shape))
    (t_out * torch.from_numpy(weights)).sum().backward()
    (s_out * shendu.from_numpy(weights)).sum().backward()
    _equal(s_x.grad, t_x.grad)
    COUNTS["recurrent cases compared with torch"] += 1


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first: bool, padding_side: str) -> None:
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((n, 3, 2)) for n in (2, 5, 1, 5)]
    t_seqs, s_seqs = [_leaf(torch, a) for a in arrays], [_leaf(shendu, a) for a in arrays]
    t_out = trnn.pad_sequence(t_seqs, batch_first, 7.0, padding_side)
    s_out = srnn.pad_sequence(s_seqs, batch_first, 7.0, padding_side)
    _equal(s_out, t_out)
    weights = rng.standard_normal(tuple(t_out.shape))
    (t_out * torch.from_numpy(weights)).sum().backward()
    (s_out * shendu.from_numpy(weights)).sum().backward()
    for t, s in zip(t_seqs, s_seqs):
        _equal(s.grad, t.grad)
    _equal(srnn.pad_sequence(shendu.from_numpy(arrays[1])), trnn.pad_sequence(torch.from_numpy(arrays[1])))
    COUNTS["recurrent cases compared with torch"] += 1


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_and_unpack_match_torch(enforce_sorted: bool) -> None:
    rng = np.random.default_rng(3)
    lengths = (5, 3, 3, 1) if enforce_sorted else (3, 5, 1, 3)
    arrays = [rng.standard_normal((n, 2)).astype(np.float32) for n in lengths]
    t_p = trnn.pack_sequence([torch.from_numpy(a) for a in arrays], enforce_sorted)
    s_p = srnn.pack_sequence([shendu.from_numpy(a) for a in arrays], enforce_sorted)
    _same_packed(s_p, t_p)
    for s, t in zip(srnn.unpack_sequence(s_p), trnn.unpack_sequence(t_p)):
        _equal(s, t)
    padded, lens = trnn.pad_packed_sequence(t_p)
    for s, t in zip(
        srnn.unpad_sequence(shendu.from_numpy(padded.numpy()), list(lens.tolist())), trnn.unpad_sequence(padded, lens)
    ):
        _equal(s, t)
    COUNTS["recurrent cases compared with torch"] += 1


def test_packed_sequence_behaves_as_a_named_tuple() -> None:
    p = srnn.pack_sequence([shendu.ones(3, 2), shendu.ones(1, 2)])
    data, batch_sizes, sorted_indices, _ = p
    assert data is p.data and batch_sizes.tolist() == [2, 1, 1] and sorted_indices is None
    assert p.double().data.dtype == shendu.float64 and p.float().data.dtype == shendu.float32
    assert p.to(shendu.float64).batch_sizes is p.batch_sizes and p.cpu() is p and not p.is_cuda
    q = srnn.PackedSequence(data, batch_sizes, shendu.tensor([1, 0]))
    assert q.unsorted_indices.tolist() == [1, 0]


def test_errors() -> None:
    x = shendu.randn(5, 3, 2)
    with pytest.raises(
        ValueError, match=r"lengths must be sorted in decreasing order when enforce_sorted=True, got \[2, 5, 3\]"
    ):
        srnn.pack_padded_sequence(x, [2, 5, 3])
    with pytest.raises(
        ShapeError,
        match=r"every length must be in \[1, 5\] for input shape \(5, 3, 2\) \(batch_first=False\), got lengths "
        r"\[5, 0, 3\]",
    ):
        srnn.pack_padded_sequence(x, [5, 0, 3], enforce_sorted=False)
    with pytest.raises(ShapeError, match=r"every length must be in \[1, 3\]"):
        srnn.pack_padded_sequence(shendu.randn(5, 3, 2), [3, 3, 4, 2, 1], batch_first=True, enforce_sorted=False)
    with pytest.raises(
        ShapeError,
        match=r"expected one length per sequence, 3 for input shape \(5, 3, 2\) \(batch_first=False\), got 2",
    ):
        srnn.pack_padded_sequence(x, [5, 3])
    with pytest.raises(TypeError, match=r"lengths must be ints, got 2.5"):
        srnn.pack_padded_sequence(x, [5, 2.5, 1])
    packed = srnn.pack_padded_sequence(x, [5, 3, 2])
    with pytest.raises(
        ValueError,
        match=r"total_length must be at least the length of the longest sequence, got total_length=3 and a "
        r"longest sequence of 5",
    ):
        srnn.pad_packed_sequence(packed, total_length=3)
    with pytest.raises(TypeError, match="pad_packed_sequence: expected a PackedSequence, got Tensor"):
        srnn.pad_packed_sequence(x)
    with pytest.raises(
        ShapeError, match=r"pad_sequence: .* sequence 0 has shape \(2, 3\) and sequence 1 has shape \(2, 4\)"
    ):
        srnn.pad_sequence([shendu.zeros(2, 3), shendu.zeros(2, 4)])
    with pytest.raises(
        DtypeError, match=r"pad_sequence: sequence 0 has dtype shendu\.float32 and sequence 1 has dtype shendu\.float64"
    ):
        srnn.pad_sequence([shendu.zeros(2, 3), shendu.zeros(2, 3, dtype=shendu.float64)])
    with pytest.raises(ValueError, match="padding_side must be 'right' or 'left', got 'middle'"):
        srnn.pad_sequence([shendu.zeros(2)], padding_side="middle")
    with pytest.raises(ValueError, match="pad_sequence: expected at least one sequence"):
        srnn.pad_sequence([])
