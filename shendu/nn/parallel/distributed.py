"""DistributedDataParallel: one model replica per process, gradients averaged during backward."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ... import backend as _backend
from ..._checks import is_number
from ...autograd import grad_mode
from ...errors import GraphError
from ...tensor import Tensor
from ..module import Module
from ._reducer import Reducer, graph_leaves

__all__ = ["DistributedDataParallel"]

_OP = "DistributedDataParallel"
_MB = 1024 * 1024
# PyTorch's first bucket: small, so that the first all-reduce starts early in backward.
_FIRST_BUCKET_BYTES = 1 * _MB


class DistributedDataParallel(Module):
    """Train ``module`` on every rank of the process group, averaging gradients across the ranks.

    At construction, rank 0's parameters and buffers are copied to every rank. During each backward
    the gradients are averaged over the ranks in buckets of about ``bucket_cap_mb`` megabytes: a
    bucket's non-blocking all-reduce starts as soon as its gradients are ready (from the parameters'
    post-accumulate-grad hooks), so communication overlaps the rest of backward, and every ``.grad``
    holds the average when ``backward()`` returns. Buffers (BatchNorm's running statistics) are
    copied from rank 0 at the start of each forward, as PyTorch does by default.

    Buckets are laid out once, from the last parameter to the first (the order in which backward
    usually produces gradients); the first holds about 1 MB so that communication starts early.
    PyTorch lays them out again after the first iteration in the order it observed; shendu keeps
    the first layout.

    Every rank must run the same forward and backward passes in the same order. Each rank feeds its
    own share of the batch; with a loss that averages over its samples, the averaged gradient equals
    the gradient of the whole batch when the shares are equal.

    Args:
        module: the model to replicate (already on its device).
        device_ids: accepted for compatibility; the module stays where it is. Default: None.
        output_device: accepted for compatibility. Default: None.
        dim: accepted for compatibility (inputs are not scattered). Default: 0.
        broadcast_buffers: copy rank 0's buffers to every rank at each forward. Default: True.
        init_sync: copy rank 0's parameters and buffers at construction. Default: True.
        process_group: None (the default group). Default: None.
        bucket_cap_mb: the size of a gradient bucket in mebibytes. Default: 25 (with a first bucket of 1).
        find_unused_parameters: look, after each forward, for parameters that the output does not
            depend on, and count them as ready with a zero gradient (otherwise a parameter without a
            gradient stalls its bucket and the next forward raises). Default: False.

    Example:
        >>> import shendu.distributed as dist                       # doctest: +SKIP
        >>> dist.init_process_group(backend="mpi")                  # doctest: +SKIP
        >>> model = nn.parallel.DistributedDataParallel(nn.Linear(10, 2))   # doctest: +SKIP
        >>> loss = model(x_of_this_rank).pow(2).mean()              # doctest: +SKIP
        >>> loss.backward()   # every rank's .grad is now the average  # doctest: +SKIP
    """

    def __init__(
        self,
        module: Module,
        device_ids: Any = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        init_sync: bool = True,
        process_group: Any = None,
        bucket_cap_mb: float | None = None,
        find_unused_parameters: bool = False,
    ) -> None:
        from ... import distributed as dist
        from ...distributed.process_group import current

        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"{_OP}: module must be an nn.Module, got {type(module).__name__}")
        group = current(_OP, process_group)
        cap = 25.0 if bucket_cap_mb is None else bucket_cap_mb
        if not is_number(cap, numpy=False) or not cap > 0:
            raise ValueError(f"{_OP}: bucket_cap_mb must be a positive number, got {bucket_cap_mb!r}")
        self.module = module
        self.device_ids, self.output_device, self.dim = device_ids, output_device, dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.bucket_bytes_cap = int(cap * _MB)
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self._world_size = group.world_size
        named = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise ValueError(f"{_OP}: the module has no parameter that requires grad, so there is nothing to train")
        self._named_params = named
        self._check_same_model(dist)
        if init_sync:
            _broadcast_coalesced([p for _, p in module.named_parameters()] + list(module.buffers()))
        # As in PyTorch, only the default size gets a small first bucket; a size the user chose holds for all.
        first = _FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap
        self._reducer = Reducer(named, group.world_size, [min(first, self.bucket_bytes_cap), self.bucket_bytes_cap])
        self._hook_handles = [p.register_post_accumulate_grad_hook(self._reducer.mark_ready) for _, p in named]

    def _check_same_model(self, dist: Any) -> None:
        """Refuse to start when the ranks hold different models (they would exchange mismatched buckets)."""
        layout = ";".join(f"{name}:{tuple(p.shape)}:{p.dtype}" for name, p in self._named_params)
        mine = np.array([len(self._named_params), zlib.crc32(layout.encode())], dtype=np.int64)
        low, high = Tensor._make(mine.copy()), Tensor._make(mine.copy())
        dist.all_reduce(low, op=dist.ReduceOp.MIN)
        dist.all_reduce(high, op=dist.ReduceOp.MAX)
        if not np.array_equal(low._array, high._array):
            raise ValueError(
                f"{_OP}: the ranks hold different models (parameter names, shapes or dtypes differ; rank "
                f"{dist.get_rank()} has {len(self._named_params)} parameters that require grad); every rank "
                "must build the same module"
            )

    # ------------------------------------------------------------------ forward
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        self._pre_forward()
        output = self.module(*inputs, **kwargs)
        self._post_forward(output)
        return output

    def _pre_forward(self) -> None:
        reducer = self._reducer
        if reducer.armed and reducer.started:
            missing = reducer.missing()
            raise GraphError(
                f"{_OP}: the previous backward produced no gradient for {len(missing)} parameter(s) "
                f"({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}), so their buckets were never "
                "averaged; make every parameter take part in the loss, or pass find_unused_parameters=True"
            )
        if self.require_forward_param_sync and self.broadcast_buffers:
            buffers = list(self.module.buffers())
            if buffers:
                _broadcast_coalesced(buffers)
        if grad_mode.is_grad_enabled() and self.require_backward_grad_sync:
            reducer.prepare()
        else:
            reducer.armed = False

    def _post_forward(self, output: Any) -> None:
        syncing = grad_mode.is_grad_enabled() and self.require_backward_grad_sync
        self.require_forward_param_sync = syncing
        if syncing and self.find_unused_parameters:
            used = graph_leaves(output)
            for _, p in self._named_params:
                if id(p) not in used:
                    self._reducer.mark_unused(p)

    # ------------------------------------------------------------------ control
    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside this block, backward accumulates gradients locally without averaging them.

        The first backward after the block averages everything accumulated, as in gradient
        accumulation: ``with model.no_sync(): loss(a).backward()`` then ``loss(b).backward()``.
        """
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def extra_repr(self) -> str:
        return ""


def _broadcast_coalesced(tensors: list[Tensor]) -> None:
    """Copy rank 0's values of ``tensors`` to every rank: one broadcast per dtype."""
    from ...distributed import get_rank
    from ...distributed.collectives import start_array_broadcast

    groups: dict[str, list[Tensor]] = {}
    for t in tensors:
        groups.setdefault(str(t._array.dtype), []).append(t)
    started = []
    for members in groups.values():
        flat = np.concatenate([np.asarray(_backend.to_device(t._array, _backend.CPU)).reshape(-1) for t in members])
        started.append((members, flat, start_array_broadcast(_OP, flat)))
    receiving = get_rank() != 0
    for members, flat, work in started:
        work.wait()
        if not receiving:
            continue
        offset = 0
        for t in members:
            n = t.numel()
            xp = _backend.get_array_module(t._array)
            t._array[...] = xp.asarray(flat[offset : offset + n].reshape(t.shape))
            t._vc[0] += 1
            offset += n
