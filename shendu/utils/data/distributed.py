"""DistributedSampler: each rank's share of a dataset's indices, as in PyTorch."""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator, Sized
from typing import Any

import numpy as np

from ..._checks import is_int
from ...random import Generator
from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _whole(value: Any) -> Any:
    """``value`` as a Python int when it is an integer (NumPy's included, as PyTorch accepts), else as it is."""
    if isinstance(value, (bool, np.bool_)):
        return value
    try:
        return operator.index(value)
    except TypeError:
        return value


class DistributedSampler(Sampler):
    """The indices of one rank: every ``num_replicas``-th index of the epoch's order, from ``rank`` on.

    With ``shuffle``, the order is a permutation drawn from a generator seeded with ``seed + epoch``,
    so every rank draws the same permutation without communicating; call ``set_epoch(epoch)`` before
    each epoch for a new order. Unless ``drop_last``, the order is padded with its own first indices
    until it divides evenly, so every rank gets the same number of samples; with ``drop_last``, the
    tail is dropped instead.

    Args:
        dataset: the dataset (only its length is used).
        num_replicas: the number of ranks. Default: the world size of the process group.
        rank: this rank. Default: the rank in the process group.
        shuffle: a new permutation each epoch. Default: True.
        seed: the seed of the permutations; the same on every rank. Default: 0.
        drop_last: drop the tail instead of padding. Default: False.

    Example:
        >>> from shendu.utils.data import DistributedSampler
        >>> sampler = DistributedSampler(range(10), num_replicas=3, rank=0, shuffle=False)
        >>> list(sampler)
        [0, 3, 6, 9]
        >>> list(DistributedSampler(range(10), num_replicas=3, rank=2, shuffle=False))
        [2, 5, 8, 1]
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None or rank is None:
            from ... import distributed as dist

            if not dist.is_initialized():
                missing = " and ".join(
                    name for name, v in (("num_replicas", num_replicas), ("rank", rank)) if v is None
                )
                raise ValueError(
                    f"DistributedSampler: {missing} {'come' if ' and ' in missing else 'comes'} from the default "
                    "process group, which has not been initialized; call "
                    "shendu.distributed.init_process_group(backend='mpi') first, or pass num_replicas and rank"
                )
            if num_replicas is None:
                num_replicas = dist.get_world_size()
            if rank is None:
                rank = dist.get_rank()
        num_replicas, rank = _whole(num_replicas), _whole(rank)
        if not is_int(num_replicas, numpy=False) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive int, got {num_replicas!r}")
        if not is_int(rank, numpy=False) or not 0 <= rank < num_replicas:
            raise ValueError(
                f"DistributedSampler: invalid rank {rank!r}; rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def indices(self) -> np.ndarray:
        n = len(self.dataset)
        if self.shuffle:
            order = Generator().manual_seed(self.seed + self.epoch).numpy.permutation(n).astype(np.int64)
        else:
            order = np.arange(n, dtype=np.int64)
        if self.drop_last:
            order = order[: self.total_size]
        elif self.total_size > n:
            order = np.resize(order, self.total_size)  # repeats the order from its start, as PyTorch pads
        return order[self.rank : self.total_size : self.num_replicas]

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which seeds the next permutation (``seed + epoch``)."""
        self.epoch = epoch
