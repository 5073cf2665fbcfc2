"""The DataLoader: batches from a dataset, in the order a sampler gives."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ..._checks import is_int
from ...errors import ShapeError
from ...random import Generator
from ...tensor import Tensor
from .dataset import Dataset, IterableDataset, supports_batches
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, as_batches

__all__ = ["DataLoader", "default_collate"]


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, as PyTorch's default collate does.

    Tensors and NumPy arrays are stacked along a new first dimension; Python floats become a
    float64 tensor and ints an int64 tensor (as in PyTorch); tuples, lists and dicts are collated
    field by field; strings stay lists.
    """
    if not batch:
        raise ValueError("default_collate: cannot collate an empty batch")
    first = batch[0]
    if isinstance(first, Tensor):
        return Tensor._make(_stack([s._array for s in batch]))
    if isinstance(first, np.ndarray):
        return Tensor._make(_stack(batch))
    if isinstance(first, (bool, np.bool_)):
        return Tensor._make(np.asarray(batch, dtype=np.bool_))
    if isinstance(first, (int, np.integer)):
        return Tensor._make(np.asarray(batch, dtype=np.int64))
    if isinstance(first, (float, np.floating)):
        return Tensor._make(np.asarray(batch, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, Mapping):
        return {key: default_collate([s[key] for s in batch]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in batch):
            raise ValueError("default_collate: every sample in a batch must have the same number of fields")
        return [default_collate(list(field)) for field in zip(*batch)]
    hint = "; add transform=transforms.ToTensor() to the dataset" if hasattr(first, "getpixel") else ""
    raise TypeError(f"default_collate: cannot batch samples of type {type(first).__name__}{hint}")


def _stack(arrays: Sequence[Any]) -> Any:
    """Stack same-shaped arrays along a new first axis; samples of other shapes are a clear error."""
    shape = arrays[0].shape
    for index, array in enumerate(arrays):
        if array.shape != shape:
            raise ShapeError(
                f"default_collate: every sample of a batch must have one shape, got {tuple(shape)} at index 0 and "
                f"{tuple(array.shape)} at index {index}; images of different sizes need a transform to one size, "
                "e.g. transforms.Resize((64, 64))"
            )
    return np.stack(arrays)


class DataLoader:
    """Iterate over a dataset in batches.

    Batches from datasets that can fetch many samples at once (``TensorDataset``, the built-in
    image datasets, and ``Subset`` of those) are assembled with one vectorized indexing
    operation per field, so loading costs little of an epoch.

    Args:
        dataset: a map-style or iterable dataset.
        batch_size: samples per batch; None yields single samples. Default: 1.
        shuffle: visit samples in a new random order each epoch. Default: False.
        sampler: the index order; excludes ``shuffle``. Default: None.
        batch_sampler: yields lists of indices; excludes batch_size, shuffle, sampler, drop_last.
        num_workers: with a value above 0, batches are prepared by one background thread
            that keeps up to ``2 * num_workers`` batches ready; shendu uses no worker
            processes, since batch assembly is vectorized. Default: 0.
        collate_fn: merges a list of samples into a batch. Default: ``default_collate``.
        pin_memory: accepted for compatibility; it changes nothing (CuPy copies from pageable
            memory). Default: False.
        drop_last: drop the last incomplete batch. Default: False.
        generator: the generator for shuffling, for reproducible orders. Default: the global one.

    Example:
        >>> from shendu.utils.data import TensorDataset
        >>> data = TensorDataset(shendu.randn(100, 3), shendu.randint(0, 2, (100,)))
        >>> loader = DataLoader(data, batch_size=32, shuffle=True)
        >>> [inputs.shape[0] for inputs, targets in loader]
        [32, 32, 32, 4]
    """

    def __init__(
        self,
        dataset: Dataset[Any],
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable[int] | None = None,
        batch_sampler: Iterable[Sequence[int]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        generator: Generator | None = None,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
    ) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be a non-negative int, got {num_workers!r}")
        if batch_size is not None and (not is_int(batch_size, numpy=False) or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size must be a positive int or None, got {batch_size!r}")
        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.generator = generator
        self.prefetch_factor = prefetch_factor or 2
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle or sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader: an IterableDataset takes no shuffle, sampler or batch_sampler")
        elif batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler is mutually exclusive with batch_size, shuffle, sampler and drop_last"
                )
            batch_size, drop_last = None, False
        else:
            if sampler is not None and shuffle:
                raise ValueError("DataLoader: sampler is mutually exclusive with shuffle")
            if sampler is None:
                sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
            if batch_size is not None:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn
        self._vectorized = collate_fn is None and not self._iterable and supports_batches(dataset)

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)  # type: ignore[arg-type]
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)  # type: ignore[arg-type]
        return len(self.sampler)  # type: ignore[arg-type]

    def _fetch(self, indices: Any) -> Any:
        if self._vectorized:
            return self.dataset.get_batch(np.asarray(indices, dtype=np.int64))  # type: ignore[attr-defined]
        collate = self.collate_fn or default_collate
        return collate([self.dataset[int(i)] for i in indices])

    def _iterable_batches(self) -> Iterator[Any]:
        collate = self.collate_fn or default_collate
        if self.batch_size is None:
            yield from iter(self.dataset)  # type: ignore[call-overload]
            return
        pending: list[Any] = []
        for sample in self.dataset:  # type: ignore[attr-defined]
            pending.append(sample)
            if len(pending) == self.batch_size:
                yield collate(pending)
                pending = []
        if pending and not self.drop_last:
            yield collate(pending)

    def _batches(self) -> Iterator[Any]:
        if self._iterable:
            return self._iterable_batches()
        if self.batch_sampler is None:
            # batch_size=None: single samples, collated only by a user's collate_fn.
            convert = self.collate_fn or (lambda sample: sample)
            return (convert(self.dataset[int(i)]) for i in self.sampler)  # type: ignore[union-attr]
        # The epoch's order is drawn here, on the caller's thread, so that prefetching in the
        # background never changes which random numbers the order consumes.
        return (self._fetch(indices) for indices in as_batches(self.batch_sampler))

    def __iter__(self) -> Iterator[Any]:
        batches = self._batches()
        if self.num_workers == 0:
            return batches
        return _prefetch(batches, self.num_workers * self.prefetch_factor)


_DONE = object()


def _prefetch(batches: Iterator[Any], depth: int) -> Iterator[Any]:
    ready: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        ready.put((batch, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put((_DONE, None))
        except BaseException as exc:  # handed to the consumer, which re-raises it
            ready.put((_DONE, exc))

    worker = threading.Thread(target=produce, daemon=True)
    worker.start()
    try:
        while True:
            batch, error = ready.get()
            if batch is _DONE:
                if error is not None:
                    raise error
                return
            yield batch
    finally:
        stop.set()
