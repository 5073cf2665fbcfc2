"""DistributedSampler against PyTorch's: the same shares, padding, tail dropping and lengths."""

from __future__ import annotations

import numpy as np
import pytest
import torch.utils.data as tdata
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from shendu.utils.data import DataLoader, DistributedSampler, TensorDataset
from tests.helpers import COUNTS


def torch_positions(n: int, replicas: int, rank: int, drop_last: bool) -> list[int]:
    return list(
        tdata.DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
    )


@given(n=st.integers(0, 40), replicas=st.integers(1, 7), data=st.data(), drop_last=st.booleans())
@settings(max_examples=60, deadline=None)
def test_unshuffled_shares_match_torch(n: int, replicas: int, data: st.DataObject, drop_last: bool) -> None:
    rank = data.draw(st.integers(0, replicas - 1))
    mine = DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
    assert list(mine) == torch_positions(n, replicas, rank, drop_last)
    assert len(mine) == len(torch_positions(n, replicas, rank, drop_last))
    COUNTS["DistributedSampler configurations compared with torch"] += 1


@given(n=st.integers(1, 40), replicas=st.integers(1, 5), data=st.data(), drop_last=st.booleans())
@settings(max_examples=40, deadline=None)
def test_shuffled_shares_are_torchs_layout_over_the_seeded_permutation(
    n: int, replicas: int, data: st.DataObject, drop_last: bool
) -> None:
    # PyTorch's Mersenne-Twister permutation cannot be reproduced; the permutation here is
    # shendu.randperm from a generator seeded with seed + epoch, and PyTorch's padding, dropping and
    # striding apply to it exactly.
    rank, seed, epoch = (
        data.draw(st.integers(0, replicas - 1)),
        data.draw(st.integers(0, 99)),
        data.draw(st.integers(0, 5)),
    )
    mine = DistributedSampler(range(n), num_replicas=replicas, rank=rank, seed=seed, drop_last=drop_last)
    mine.set_epoch(epoch)
    perm = shendu.randperm(n, generator=shendu.Generator().manual_seed(seed + epoch)).numpy()
    assert list(mine) == perm[torch_positions(n, replicas, rank, drop_last)].tolist()
    COUNTS["DistributedSampler configurations compared with torch"] += 1


def test_epochs_reshuffle_and_ranks_split_the_data() -> None:
    shares = [DistributedSampler(range(12), num_replicas=3, rank=r, seed=5) for r in range(3)]
    first = [list(s) for s in shares]
    assert sorted(i for share in first for i in share) == list(range(12))
    for s in shares:
        s.set_epoch(1)
    second = [list(s) for s in shares]
    assert second != first and sorted(i for share in second for i in share) == list(range(12))
    assert [list(s) for s in shares] == second  # the same epoch gives the same order


def test_padding_repeats_the_first_indices() -> None:
    shares = [list(DistributedSampler(range(3), num_replicas=8, rank=r, shuffle=False)) for r in range(8)]
    assert shares == [[0], [1], [2], [0], [1], [2], [0], [1]]


def test_with_a_dataloader() -> None:
    data = TensorDataset(shendu.arange(10))
    sampler = DistributedSampler(data, num_replicas=2, rank=1, shuffle=False)
    batches = [b[0].numpy().tolist() for b in DataLoader(data, batch_size=2, sampler=sampler)]
    assert batches == [[1, 3], [5, 7], [9]]
    assert np.array_equal(sampler.indices(), [1, 3, 5, 7, 9])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"num_replicas": 2, "rank": 2}, ValueError, r"invalid rank 2; rank should be in the interval \[0, 1\]"),
        ({"num_replicas": 2, "rank": -1}, ValueError, "invalid rank -1"),
        ({"num_replicas": 0, "rank": 0}, ValueError, "num_replicas must be a positive int, got 0"),
        ({"num_replicas": 2}, ValueError, r"DistributedSampler: rank comes from the default process group, which"),
        ({}, ValueError, r"num_replicas and rank come .*\.init_process_group\(backend='mpi'\) first, or pass num_repl"),
        ({"num_replicas": True, "rank": 0}, ValueError, "num_replicas must be a positive int, got True"),
        ({"num_replicas": 2, "rank": 0.0}, ValueError, "invalid rank 0.0"),
    ],
)
def test_errors(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        DistributedSampler(range(4), **kwargs)


def test_numpy_integers_are_ranks_as_in_torch() -> None:
    mine = DistributedSampler(range(5), num_replicas=np.int64(2), rank=np.int32(1), shuffle=False)
    assert list(mine) == torch_positions(5, 2, 1, False) and type(mine.rank) is int
