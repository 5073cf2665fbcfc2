"""K-fold splitters for cross-validation."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ...random import Generator, numpy_generator
from ...tensor import Tensor

__all__ = ["KFold", "StratifiedKFold"]


def _fold_sizes(n: int, k: int) -> list[int]:
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


class KFold:
    """Split ``n`` samples into ``n_splits`` folds; each fold is the validation set once.

    Args:
        n_splits: the number of folds, at least 2. Default: 5.
        shuffle: shuffle the indices before splitting. Default: False.
        generator: the generator for shuffling. Default: the global one.

    Example:
        >>> for train_idx, val_idx in KFold(4).split(range(8)):
        ...     print(train_idx, val_idx)
        [2 3 4 5 6 7] [0 1]
        [0 1 4 5 6 7] [2 3]
        [0 1 2 3 6 7] [4 5]
        [0 1 2 3 4 5] [6 7]
    """

    def __init__(self, n_splits: int = 5, shuffle: bool = False, generator: Generator | None = None) -> None:
        if not isinstance(n_splits, int) or n_splits < 2:
            raise ValueError(f"KFold: n_splits must be an int of at least 2, got {n_splits!r}")
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.generator = generator

    def _order(self, n: int) -> np.ndarray:
        if self.shuffle:
            return numpy_generator(self.generator, type(self).__name__).permutation(n)
        return np.arange(n)

    def split(self, data: Any, labels: Any = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train_indices, validation_indices)`` for each fold."""
        n = data if isinstance(data, int) else len(data)
        if n < self.n_splits:
            raise ValueError(f"KFold: cannot split {n} samples into {self.n_splits} folds")
        order = self._order(n)
        start = 0
        for size in _fold_sizes(n, self.n_splits):
            val = np.sort(order[start : start + size])
            train = np.sort(np.concatenate([order[:start], order[start + size :]]))
            start += size
            yield train, val

    def get_n_splits(self) -> int:
        return self.n_splits


class StratifiedKFold(KFold):
    """K folds that keep each class's share of samples about the same in every fold."""

    def split(
        self, data: Any, labels: Sequence[int] | Tensor | np.ndarray = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train_indices, validation_indices)``; ``labels`` gives each sample's class."""
        if labels is None:
            raise ValueError("StratifiedKFold: split() needs the labels to stratify by")
        y = np.asarray(labels._array if isinstance(labels, Tensor) else labels).reshape(-1)
        n = data if isinstance(data, int) else len(data)
        if len(y) != n:
            raise ValueError(f"StratifiedKFold: got {len(y)} labels for {n} samples")
        classes, counts = np.unique(y, return_counts=True)
        if counts.min() < self.n_splits:
            raise ValueError(
                f"StratifiedKFold: class {classes[counts.argmin()].item()!r} has {counts.min()} samples, "
                f"fewer than n_splits={self.n_splits}"
            )
        folds: list[list[np.ndarray]] = [[] for _ in range(self.n_splits)]
        offset = 0
        for cls in classes:
            members = np.flatnonzero(y == cls)
            if self.shuffle:
                members = members[numpy_generator(self.generator, "StratifiedKFold").permutation(len(members))]
            # Rotating the starting fold per class spreads the remainders evenly across folds.
            sizes = np.roll(_fold_sizes(len(members), self.n_splits), offset)
            offset += len(members) % self.n_splits
            start = 0
            for fold, size in enumerate(sizes):
                folds[fold].append(members[start : start + size])
                start += size
        everything = np.arange(n)
        for parts in folds:
            val = np.sort(np.concatenate(parts))
            yield np.setdiff1d(everything, val, assume_unique=True), val
