"""Datasets: the map-style and iterable base classes and the ways to combine and split them."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from ...random import Generator, numpy_generator
from ...tensor import Tensor

__all__ = ["ConcatDataset", "Dataset", "IterableDataset", "Subset", "TensorDataset", "random_split"]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map-style dataset: subclasses define ``__getitem__(index)`` and ``__len__()``.

    Example:
        >>> class Squares(Dataset):
        ...     def __len__(self): return 10
        ...     def __getitem__(self, i): return i, i * i
    """

    def __getitem__(self, index: int) -> T_co:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other: Dataset[T_co]) -> ConcatDataset[T_co]:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """A dataset that is a stream: subclasses define ``__iter__()`` instead of indexing."""

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class TensorDataset(Dataset[tuple[Tensor, ...]]):
    """Samples are rows of the given tensors, which share their first dimension.

    The DataLoader fetches a whole batch of a TensorDataset with one indexing
    operation per tensor instead of one call per sample.

    Args:
        tensors: tensors with the same size in dimension 0.

    Example:
        >>> ds = TensorDataset(shendu.randn(100, 3), shendu.arange(100))
        >>> x, y = ds[0]
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if any(s is None for s in sizes) or len(set(sizes)) != 1:
            shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
            raise ValueError(f"TensorDataset: all tensors must have the same size in dimension 0, got shapes {shapes}")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def get_batch(self, indices: np.ndarray) -> tuple[Tensor, ...]:
        """All samples at ``indices`` at once, already batched."""
        return tuple(Tensor._make(t._array[indices]) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: int) -> T_co:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]  # type: ignore[index]
        return self.dataset[self.indices[index]]

    def get_batch(self, indices: np.ndarray) -> Any:
        """The batch at ``indices``, fetched in one go when the underlying dataset supports it."""
        return self.dataset.get_batch(np.asarray(self.indices)[indices])  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> Any:
        if name == "get_batch" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.dataset, name)

    def __len__(self) -> int:
        return len(self.indices)


def supports_batches(dataset: Any) -> bool:
    """Whether ``dataset`` can fetch a whole batch with one call (``get_batch``)."""
    if isinstance(dataset, Subset):
        return supports_batches(dataset.dataset)
    return callable(getattr(type(dataset), "get_batch", None)) and getattr(dataset, "batchable", True)


class ConcatDataset(Dataset[T_co]):
    """The datasets one after the other."""

    def __init__(self, datasets: Sequence[Dataset[T_co]]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: expected at least one dataset")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset: iterable datasets cannot be concatenated by index")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]))  # type: ignore[arg-type]

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, index: int) -> T_co:
        if index < 0:
            if -index > len(self):
                raise IndexError(f"ConcatDataset: index {index} is out of range for a dataset of {len(self)} samples")
            index += len(self)
        if index >= len(self):
            raise IndexError(f"ConcatDataset: index {index} is out of range for a dataset of {len(self)} samples")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = 0 if which == 0 else int(self.cumulative_sizes[which - 1])
        return self.datasets[which][index - start]


def random_split(
    dataset: Dataset[T_co], lengths: Sequence[int | float], generator: Generator | None = None
) -> list[Subset[T_co]]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths.

    Args:
        dataset: the dataset to split.
        lengths: sizes that sum to ``len(dataset)``, or fractions that sum to 1 (the remainder
            is given out one sample at a time, round-robin, as PyTorch does).
        generator: the generator for the permutation. Default: the global one.
    """
    n = len(dataset)  # type: ignore[arg-type]
    if lengths and all(isinstance(v, float) for v in lengths) and math.isclose(sum(lengths), 1.0):
        counts = [math.floor(n * frac) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(v < 0 for v in lengths):
        raise ValueError(f"random_split: lengths must be non-negative, got {list(lengths)}")
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: the lengths {list(lengths)} sum to {sum(lengths)}, but the dataset has {n} samples"
        )
    order = numpy_generator(generator, "random_split").permutation(n)
    subsets, start = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[start : start + int(length)].tolist()))
        start += int(length)
    return subsets
