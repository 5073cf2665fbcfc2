"""Gradient buckets for DistributedDataParallel: filled from gradient hooks, all-reduced as each fills.

Parameters are grouped into buckets of about ``bucket_cap`` bytes, in reverse registration order,
because backward produces the last layers' gradients first. Each parameter's post-accumulate-grad
hook copies its gradient, already divided by the world size, into its bucket's flat buffer; when a
bucket's last gradient is in, its non-blocking all-reduce starts while backward goes on with the
earlier layers. Buckets start strictly in index order, so every rank issues the same collectives
in the same order, as MPI requires. The hook of the last gradient waits for all buckets and writes
the averages back into ``.grad``, so they are in place when ``backward()`` returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ... import backend as _backend
from ...distributed.collectives import Work, start_array_all_reduce
from ...errors import GraphError
from ...tensor import Tensor

__all__ = ["Reducer"]

_OP = "DistributedDataParallel"


class _Bucket:
    """Parameters whose gradients travel together in one flat buffer."""

    def __init__(self, index: int, dtype: np.dtype) -> None:
        self.index, self.dtype = index, dtype
        self.names: list[str] = []
        self.params: list[Tensor] = []
        self.slices: list[slice] = []
        self.size = 0
        self.flat = np.empty(0, dtype)
        self.pending = 0
        self.work: Work | None = None

    def add(self, name: str, param: Tensor) -> None:
        self.names.append(name)
        self.params.append(param)
        self.slices.append(slice(self.size, self.size + param.numel()))
        self.size += param.numel()

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize


def assign_buckets(named_params: Sequence[tuple[str, Tensor]], caps: Sequence[int]) -> list[_Bucket]:
    """Group parameters (taken last first) into buckets per dtype and device, closing one past its cap.

    The first bucket of each kind gets ``caps[0]`` bytes, the later ones ``caps[1]``, as in PyTorch
    (a small first bucket starts communication early).
    """
    buckets: list[_Bucket] = []
    open_buckets: dict[tuple[str, str], _Bucket] = {}
    closed: dict[tuple[str, str], int] = {}
    for name, param in reversed(named_params):
        key = (str(param._array.dtype), str(param.device))
        bucket = open_buckets.get(key)
        if bucket is None:
            # MPI has no half-precision type: float16 gradients are summed in float32.
            dtype = np.dtype(np.float32) if param._array.dtype == np.float16 else param._array.dtype
            bucket = open_buckets[key] = _Bucket(len(buckets), dtype)
            buckets.append(bucket)
        bucket.add(name, param)
        if bucket.nbytes >= caps[min(closed.get(key, 0), len(caps) - 1)]:
            closed[key] = closed.get(key, 0) + 1
            del open_buckets[key]
    for bucket in buckets:
        bucket.flat = np.zeros(bucket.size, bucket.dtype)
    return buckets


class Reducer:
    """Averages gradients over the ranks during backward, one bucket at a time."""

    def __init__(self, named_params: Sequence[tuple[str, Tensor]], world_size: int, caps: Sequence[int]) -> None:
        self.buckets = assign_buckets(named_params, caps)
        self.world_size = world_size
        # Each rank's gradient is multiplied by this before the sum: 1/N averages. A trainer whose ranks
        # hold shares of different sizes sets it to share/batch, which makes the sum the batch's mean.
        self.grad_scale = 1.0 / world_size
        self._where: dict[int, tuple[_Bucket, int]] = {
            id(p): (bucket, i) for bucket in self.buckets for i, p in enumerate(bucket.params)
        }
        self._ready: set[int] = set()
        self._unused: set[int] = set()
        self._next = 0
        self.armed = False

    # ------------------------------------------------------------------ one iteration
    def prepare(self) -> None:
        """Expect one gradient from every parameter (called by each synchronizing forward)."""
        for bucket in self.buckets:
            bucket.pending = len(bucket.params)
            bucket.work = None
        self._ready.clear()
        self._unused.clear()
        self._next = 0
        self.armed = True

    @property
    def started(self) -> bool:
        """Whether some gradient of the current iteration has arrived."""
        return bool(self._ready)

    def missing(self) -> list[str]:
        """The parameters that have not sent their gradient in the current iteration."""
        return [
            name for bucket in self.buckets for name, p in zip(bucket.names, bucket.params) if id(p) not in self._ready
        ]

    def mark_ready(self, param: Tensor) -> None:
        """The post-accumulate-grad hook: copy ``param.grad`` into its bucket; start buckets that are full."""
        if not self.armed:
            return
        bucket, i = self._where[id(param)]
        if id(param) in self._ready:
            raise GraphError(
                f"{_OP}: parameter {bucket.names[i]!r} received a second gradient in one iteration (a second "
                "backward after one forward?); run one backward per forward, or wrap the extra passes in no_sync()"
            )
        self._ready.add(id(param))
        grad = _backend.to_device(param.grad._array, _backend.CPU)
        np.multiply(grad, bucket.dtype.type(self.grad_scale), out=bucket.flat[bucket.slices[i]].reshape(grad.shape))
        self._arrived(bucket)

    def mark_unused(self, param: Tensor) -> None:
        """A parameter the forward did not use: it contributes zeros (``find_unused_parameters=True``)."""
        bucket, i = self._where[id(param)]
        self._ready.add(id(param))
        self._unused.add(id(param))
        bucket.flat[bucket.slices[i]] = 0
        self._arrived(bucket)

    def _arrived(self, bucket: _Bucket) -> None:
        bucket.pending -= 1
        if bucket.pending == 0:
            while self._next < len(self.buckets) and self.buckets[self._next].pending == 0:
                ready = self.buckets[self._next]
                ready.work = start_array_all_reduce(_OP, ready.flat)
                self._next += 1
            if self._next == len(self.buckets):
                self._finish()
                return
        # MPI moves a non-blocking collective along only inside MPI calls: poll the ones in flight.
        for started in self.buckets[: self._next]:
            started.work.is_completed()  # type: ignore[union-attr]

    def _finish(self) -> None:
        for bucket in self.buckets:
            bucket.work.wait()  # type: ignore[union-attr]
            for p, sl in zip(bucket.params, bucket.slices):
                average = bucket.flat[sl].reshape(p.shape)
                if id(p) in self._unused and p.grad is None:
                    # Unused here: it gets a gradient only if another rank used it.
                    if average.any():
                        p.grad = Tensor._make(_to_device_of(average.astype(p._array.dtype), p._array))
                    continue
                if p.grad is None:
                    p.grad = Tensor._make(_to_device_of(average.astype(p._array.dtype), p._array))
                else:
                    xp = _backend.get_array_module(p.grad._array)
                    p.grad._array[...] = xp.asarray(average)
        self.armed = False


def _to_device_of(array: np.ndarray, like: Any) -> Any:
    return _backend.to_device(array, _backend.device_of(like))


def graph_leaves(outputs: Any) -> set[int]:
    """The ``id`` of every leaf tensor that the autograd graphs of ``outputs`` reach."""
    stack: list[Any] = []
    leaves: set[int] = set()
    pending: list[Any] = [outputs]
    while pending:
        value = pending.pop()
        if isinstance(value, Tensor):
            if value._grad_fn is not None:
                stack.append(value._grad_fn)
            elif value.requires_grad:
                leaves.add(id(value))
        elif isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, (list, tuple)):
            pending.extend(value)
    seen = set(stack)
    while stack:
        fn = stack.pop()
        for edge in fn.next_edges:
            if type(edge) is tuple:
                if edge[0] not in seen:
                    seen.add(edge[0])
                    stack.append(edge[0])
            elif edge is not None:
                leaves.add(id(edge))
    return leaves
