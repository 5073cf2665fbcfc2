"""Data-parallel training with the Trainer: ``mpirun -np N shendu train --distributed``.

Every rank loads the same data and draws the same shuffled order (same seed); each global batch
is cut into N contiguous shares, one per rank, so the ranks together see exactly the batches that
one process would. The model is wrapped in ``DistributedDataParallel``, which averages the
gradients. Rank 0 alone prints and writes files (checkpoints atomically, through ``shendu.save``);
the checkpoint holds every rank's random state, so ``--resume`` with the same number of processes
continues bit for bit, and another number is refused.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from .. import random as _random
from .._text import count
from ..errors import ShenduError
from ..io import CheckpointError, load
from ..utils.data import BatchSampler, DataLoader, RandomSampler
from .callbacks import Callback, ModelCheckpoint
from .tensorboard import TensorBoard
from .trainer import Trainer

__all__ = [
    "DistributedRunError",
    "DistributedTrainer",
    "RankBatchSampler",
    "check_world_size",
    "launched_world_size",
    "start",
]

# A collective waits this long for the other ranks. The longest honest wait is rank 0 writing a
# checkpoint or plots while the others wait at the next collective: seconds, not minutes.
TIMEOUT = timedelta(minutes=10)


class DistributedRunError(ShenduError, RuntimeError):
    """A distributed run that cannot start or continue as asked."""


def launched_world_size() -> int:
    """How many processes ``mpirun`` started (1 outside mpirun), read before MPI is initialized."""
    for name in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"):
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return 1


def start(distributed: bool) -> tuple[int, int]:
    """Join the process group when ``distributed``; returns ``(rank, world_size)``.

    Without ``distributed`` under an ``mpirun`` of several processes, every process would train
    alone into the same run folder: refuse that.
    """
    if not distributed:
        launched = launched_world_size()
        if launched > 1:
            raise DistributedRunError(
                f"mpirun started {launched} processes, but --distributed is missing: each would train alone "
                "into the same run folder; add --distributed"
            )
        return 0, 1
    from .. import distributed as dist

    if not dist.is_initialized():
        dist.init_process_group(backend="mpi", timeout=TIMEOUT)
    return dist.get_rank(), dist.get_world_size()


def check_world_size(checkpoint: Path, world_size: int, state: Any = None) -> None:
    """Refuse to resume ``checkpoint`` with another number of processes than the one that wrote it.

    ``state`` is the checkpoint already loaded, if the caller has it. A file that is missing,
    unreadable or not a trainer's checkpoint passes: the resume checks say what is wrong with it.
    """
    if state is None:
        if not checkpoint.is_file():
            return
        try:
            state = load(checkpoint)
        except CheckpointError:
            return
    config = state.get("config") if isinstance(state, dict) else None
    saved = config.get("world_size", 1) if isinstance(config, dict) else 1
    if saved != world_size:
        how = f"mpirun -np {saved} shendu train --distributed ..." if saved > 1 else "shendu train without mpirun"
        raise DistributedRunError(
            f"cannot resume {checkpoint} with {count(world_size, 'process', 'processes')}: it was written by a run "
            f"of {count(saved, 'process', 'processes')}, and each process's share of every batch and its random "
            f"state are part of the run; resume with {how}, or start a new run with --name"
        )


class RankBatchSampler(BatchSampler):
    """Cut each global batch of ``sampler``'s order into ``world_size`` contiguous shares; yield ``rank``'s.

    Shares differ in size by at most one sample. A last global batch with fewer samples than ranks
    is dropped, so that no rank gets an empty batch.

    Args:
        sampler: the order of one epoch (the same on every rank).
        batch_size: the global batch size.
        rank: this rank.
        world_size: the number of ranks.

    Example:
        >>> from shendu.train.distributed import RankBatchSampler
        >>> from shendu.utils.data import SequentialSampler
        >>> list(RankBatchSampler(SequentialSampler(range(10)), 4, rank=1, world_size=2))
        [[2, 3], [6, 7], [9]]
    """

    def __init__(self, sampler: Any, batch_size: int, rank: int, world_size: int) -> None:
        super().__init__(sampler, batch_size, drop_last=False)
        if batch_size < world_size:
            raise DistributedRunError(
                f"the batch size {batch_size} is smaller than the {world_size} processes; every process "
                "needs at least one sample of each batch"
            )
        self.rank, self.world_size = rank, world_size

    def batches(self) -> list[np.ndarray]:
        whole = [b for b in super().batches() if len(b) >= self.world_size]
        return [np.array_split(b, self.world_size)[self.rank] for b in whole]

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size + (1 if n % self.batch_size >= self.world_size else 0)


def rank_loader(dataset: Any, batch_size: int, generator: Any, rank: int, world_size: int) -> DataLoader:
    """This rank's training loader: ``shuffle=True`` with ``generator``, cut by ``RankBatchSampler``."""
    if len(dataset) < world_size:
        raise DistributedRunError(
            f"the training set has {count(len(dataset), 'sample')}, fewer than the {world_size} processes; every "
            "process needs at least one sample of each batch: use fewer processes or more data"
        )
    sampler = RandomSampler(dataset, generator=generator)
    return DataLoader(dataset, batch_sampler=RankBatchSampler(sampler, batch_size, rank, world_size))


class _Muted(Callback):
    """A callback that writes files, on a rank that must not: it keeps its state and does nothing."""

    def __init__(self, inner: Callback) -> None:
        self.inner = inner

    def state_dict(self) -> dict[str, Any]:
        return self.inner.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.inner.load_state_dict(state)


class DistributedTrainer(Trainer):
    """The Trainer on every rank of a process group, with the model in ``DistributedDataParallel``.

    Takes the Trainer's arguments. The trainer keeps the bare model (checkpoints hold its
    state dict, without DDP's ``module.`` prefix) and runs DDP's steps around its forward. Only
    rank 0 prints, writes ``out_dir`` and runs ``ModelCheckpoint`` and ``TensorBoard``; every rank
    reads the checkpoint on resume. The training loss and accuracy of an epoch are rank 0's share;
    samples per second count every rank's samples.
    """

    def __init__(self, model: Any, *args: Any, **kwargs: Any) -> None:
        from .. import distributed as dist
        from ..nn.parallel import DistributedDataParallel

        self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        if kwargs.get("nonfinite", "stop") != "stop":
            raise ValueError(
                "DistributedTrainer: nonfinite must be 'stop': a step skipped on one rank alone would leave "
                "the others waiting for its gradients"
            )
        self.run_dir = Path(kwargs["out_dir"]) if kwargs.get("out_dir") is not None else None
        if self.rank != 0:
            kwargs["out_dir"] = None
            kwargs["verbose"] = 0
            kwargs["callbacks"] = [
                _Muted(cb) if isinstance(cb, (ModelCheckpoint, TensorBoard)) else cb
                for cb in kwargs.get("callbacks", ())
            ]
        super().__init__(model, *args, **kwargs)
        self.ddp = DistributedDataParallel(model)
        # The trainer calls the bare model; these hooks run DDP's steps around each call.
        model.register_forward_pre_hook(self._before_forward)
        model.register_forward_hook(lambda module, inputs, output: self.ddp._post_forward(output))
        self.config["world_size"] = self.world_size

    def _before_forward(self, module: Any, inputs: tuple[Any, ...]) -> None:
        from .. import distributed as dist
        from ..autograd import is_grad_enabled
        from ..tensor import Tensor

        if module.training and is_grad_enabled() and inputs:
            # Shares differ by a sample when the batch does not divide evenly: weigh each rank's mean
            # gradient by its share, so that the sum is the whole batch's mean, as in one process.
            share = int(inputs[0].shape[0])
            total = Tensor._make(np.array([share], dtype=np.int64))
            dist.all_reduce(total)
            self.ddp._reducer.grad_scale = share / int(total._array[0])
        self.ddp._pre_forward()

    # ------------------------------------------------------------------ random state of every rank
    def _rng_state(self) -> dict[str, Any]:
        from .. import distributed as dist

        state = super()._rng_state()
        mine = state["global"]
        everyone = [mine.clone() for _ in range(self.world_size)]
        dist.all_gather(everyone, mine)
        state["ranks"] = everyone
        return state

    def _set_rng_state(self, state: dict[str, Any]) -> None:
        super()._set_rng_state(state)
        if "ranks" in state:
            _random.set_rng_state(state["ranks"][self.rank])

    # ------------------------------------------------------------------ files: rank 0 writes, all read
    def save_checkpoint(
        self, epoch_start_rng: dict[str, Any], batch_index: int, partial: dict[str, float] | None = None
    ) -> None:
        state = self.state_dict(epoch_start_rng, batch_index)  # a collective: every rank takes part
        if self.out_dir is not None:
            self._write_checkpoint(state, partial)

    def load_checkpoint(self, path: str | Path) -> None:
        check_world_size(Path(path), self.world_size)
        super().load_checkpoint(path)

    def fit(self, resume: bool = False) -> list[dict[str, float]]:
        if resume and self.rank != 0:
            if self.run_dir is None:
                raise ValueError("DistributedTrainer.fit: resume=True needs out_dir, where last.ckpt is kept")
            if (self.run_dir / "last.ckpt").exists():
                self.load_checkpoint(self.run_dir / "last.ckpt")
            resume = False
        return super().fit(resume=resume)

    def train_epoch(self) -> dict[str, float]:
        from .. import distributed as dist
        from ..tensor import Tensor

        result = super().train_epoch()
        seen = round(result["samples_per_s"] * max(result["seconds"], 1e-9))
        totals = Tensor._make(np.array([seen, result["seconds"]], dtype=np.float64))
        seconds = Tensor._make(totals._array.copy())
        dist.all_reduce(totals, op=dist.ReduceOp.SUM)
        dist.all_reduce(seconds, op=dist.ReduceOp.MAX)
        result["seconds"] = float(seconds._array[1])
        result["samples_per_s"] = float(totals._array[0]) / max(result["seconds"], 1e-9)
        return result
