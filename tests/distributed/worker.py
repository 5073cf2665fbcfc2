"""Programs that the distributed tests run under ``mpirun -np 2``: ``python -m tests.distributed.worker NAME OUT``.

Each program runs many checks in one launch (MPI start-up costs a second or two) and each rank
writes ``OUT/rankR.json``: check name -> the measured values; the tests assert on them.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

import shendu
import shendu.distributed as dist
from shendu import nn
from shendu.models import build_model
from shendu.nn.parallel import DistributedDataParallel

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
OPS = ["SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"]
NUMPY_REDUCE: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "SUM": lambda s: s.sum(0, dtype=s.dtype) if s.dtype != bool else s.any(0),
    "AVG": lambda s: (
        (s.astype(np.float32).sum(0) / len(s)).astype(s.dtype)
        if s.dtype == np.float16
        else s.sum(0) / s.dtype.type(len(s))
    ),
    "PRODUCT": lambda s: s.prod(0, dtype=s.dtype) if s.dtype != bool else s.all(0),
    "MIN": lambda s: s.min(0),
    "MAX": lambda s: s.max(0),
    "BAND": lambda s: np.bitwise_and.reduce(s, 0),
    "BOR": lambda s: np.bitwise_or.reduce(s, 0),
    "BXOR": lambda s: np.bitwise_xor.reduce(s, 0),
}


def rank_data(rank: int, dtype: str, shape: tuple[int, ...] = (3, 5)) -> np.ndarray:
    """What rank ``rank`` contributes: small values, so that sums and products stay in range."""
    rng = np.random.default_rng(100 + rank)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype.startswith("float"):
        return rng.uniform(-2, 2, shape).astype(dtype)
    low = 0 if dtype == "uint8" else -3
    return rng.integers(low, 4, shape).astype(dtype)


def valid(op: str, dtype: str) -> bool:
    if op == "AVG":
        return dtype.startswith("float")
    if op in ("BAND", "BOR", "BXOR"):
        return not dtype.startswith("float")
    return True


def collectives(rank: int, world: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for dtype in DTYPES:
        stacked = np.stack([rank_data(r, dtype) for r in range(world)])
        for op in OPS:
            if not valid(op, dtype):
                t = shendu.tensor(rank_data(rank, dtype))
                try:
                    dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
                    results[f"all_reduce {op} {dtype}"] = "no error"
                except shendu.DtypeError as exc:
                    results[f"all_reduce {op} {dtype}"] = f"refused: {exc}"
                continue
            t = shendu.tensor(rank_data(rank, dtype))
            dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
            want = NUMPY_REDUCE[op](stacked)
            results[f"all_reduce {op} {dtype}"] = bool(
                t.numpy().dtype == np.dtype(dtype) and np.array_equal(t.numpy(), want)
            )
        for src in range(world):
            t = shendu.tensor(rank_data(rank, dtype))
            dist.broadcast(t, src=src)
            results[f"broadcast src={src} {dtype}"] = bool(np.array_equal(t.numpy(), stacked[src]))
        outs = [shendu.tensor(np.zeros((3, 5), dtype)) for _ in range(world)]
        dist.all_gather(outs, shendu.tensor(rank_data(rank, dtype)))
        results[f"all_gather {dtype}"] = all(np.array_equal(o.numpy(), stacked[r]) for r, o in enumerate(outs))
        into = shendu.tensor(np.zeros((world * 3, 5), dtype))
        dist.all_gather_into_tensor(into, shendu.tensor(rank_data(rank, dtype)))
        results[f"all_gather_into_tensor {dtype}"] = bool(np.array_equal(into.numpy(), stacked.reshape(-1, 5)))
        for op in OPS:
            if not valid(op, dtype):
                continue
            # Rank r contributes rank_data(r)[i] for the piece that rank i receives.
            pieces = [shendu.tensor(rank_data(rank, dtype)[i]) for i in range(world)]
            out = shendu.tensor(np.zeros(5, dtype))
            dist.reduce_scatter(out, pieces, op=getattr(dist.ReduceOp, op))
            want = NUMPY_REDUCE[op](stacked[:, rank])
            flat_out = shendu.tensor(np.zeros(5, dtype))
            stacked_in = shendu.tensor(rank_data(rank, dtype)[:world].copy())
            dist.reduce_scatter_tensor(flat_out, stacked_in, op=getattr(dist.ReduceOp, op))
            results[f"reduce_scatter {op} {dtype}"] = bool(
                np.array_equal(out.numpy(), want) and np.array_equal(flat_out.numpy(), want)
            )
    # A non-contiguous view is reduced in place, through a copy.
    base = shendu.tensor(np.arange(12.0).reshape(3, 4) * (rank + 1))
    view = base.t()
    dist.all_reduce(view)
    results["all_reduce of a transposed view"] = bool(np.array_equal(base.numpy(), np.arange(12.0).reshape(3, 4) * 3))
    # async_op: a Work to wait on; several in flight at once.
    a, b = shendu.ones(4) * (rank + 1), shendu.ones(4) * (rank + 2)
    works = [dist.all_reduce(a, async_op=True), dist.all_reduce(b, op=dist.ReduceOp.MAX, async_op=True)]
    results["async_op returns Work"] = all(isinstance(w, dist.Work) for w in works)
    results["async_op waits"] = bool(all(w.wait() for w in works) and a.numpy()[0] == 3 and b.numpy()[0] == 3)
    results["async is_completed after wait"] = all(w.is_completed() for w in works)
    dist.barrier()
    results["barrier"] = True
    t = shendu.ones(2)
    dist.all_reduce(t, group=dist.group.WORLD)
    results["group=group.WORLD"] = bool(t.numpy()[0] == world)
    try:
        dist.all_reduce(t, group="mine")
    except ValueError as exc:
        results["another group"] = str(exc)
    results["rank and world"] = [dist.get_rank(), dist.get_world_size(), dist.get_backend()]
    return results


def batches(model: str, dtype: Any, steps: int, batch: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((steps * batch, 1, 28, 28)).astype(np.dtype(str(dtype).removeprefix("shendu.")))
    y = rng.integers(0, 10, steps * batch)
    return x, y


def train(model: nn.Module, x: np.ndarray, y: np.ndarray, steps: int, batch: int, part: slice | None) -> None:
    """``steps`` Adam steps on consecutive global batches; ``part`` picks this rank's share of each."""
    optimizer = shendu.optim.Adam(model.parameters(), lr=1e-3)
    for step in range(steps):
        rows = slice(step * batch, (step + 1) * batch)
        xb, yb = x[rows], y[rows]
        if part is not None:
            xb, yb = xb[part], yb[part]
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(shendu.tensor(xb)), shendu.tensor(yb))
        loss.backward()
        optimizer.step()


def max_difference(a: nn.Module, b: nn.Module) -> float:
    pairs = zip(a.parameters(), b.parameters())
    return max(float(np.abs(p.detach().numpy() - q.detach().numpy()).max()) for p, q in pairs)


def gathered(t: shendu.Tensor) -> list[np.ndarray]:
    outs = [shendu.zeros_like(t) for _ in range(dist.get_world_size())]
    dist.all_gather(outs, t.detach().clone())
    return [o.numpy() for o in outs]


def ddp(rank: int, world: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    steps, batch = 20, 128
    share = batch // world
    part = slice(rank * share, (rank + 1) * share)
    for name in ("mlp", "lenet", "lstm"):
        for dtype in (shendu.float64, shendu.float32):
            x, y = batches(name, dtype, steps, batch)
            shendu.manual_seed(0)
            reference = build_model(name).to(dtype)
            # Other ranks start from other weights: the construction must copy rank 0's.
            shendu.manual_seed(0 if rank == 0 else 1000 + rank)
            replica = build_model(name).to(dtype)
            model = DistributedDataParallel(replica)
            results[f"{name} {dtype} starts from rank 0's weights"] = max_difference(reference, replica)
            train(model, x, y, steps, batch, part)
            if rank == 0:
                train(reference, x, y, steps, batch, None)
                results[f"{name} {dtype} 2 processes vs 1 after {steps} steps"] = max_difference(reference, replica)
            results[f"{name} {dtype} ranks agree"] = max(
                float(np.abs(np.subtract(*gathered(p))).max()) for p in replica.parameters()
            )
    results.update(ddp_buckets(rank, world, part))
    results.update(ddp_no_sync(rank, world))
    results.update(ddp_buffers(rank, world))
    results.update(ddp_unused(rank, world))
    results.update(sampler(rank, world))
    results.update(ddp_half(rank, world))
    wrapped = DistributedDataParallel(nn.Linear(2, 3))
    results["state_dict keys"] = list(wrapped.state_dict())
    results["repr"] = repr(wrapped)
    return results


def ddp_buckets(rank: int, world: int, part: slice) -> dict[str, Any]:
    """Tiny buckets: many all-reduces, started while backward is still running."""
    from shendu.nn.parallel import _reducer

    events: list[str] = []
    started = _reducer.start_array_all_reduce

    def logged(op: str, array: np.ndarray) -> Any:
        events.append("all-reduce started")
        return started(op, array)

    _reducer.start_array_all_reduce = logged
    try:
        shendu.manual_seed(0)
        reference = build_model("lenet").double()
        shendu.manual_seed(0)
        replica = build_model("lenet").double()
        model = DistributedDataParallel(replica, bucket_cap_mb=0.01)
        first_conv = replica.features[0].weight
        first_conv.register_hook(lambda g: events.append("first layer's gradient computed"))
        x, y = batches("lenet", shendu.float64, 3, 128)
        train(model, x, y, 3, 128, part)
    finally:
        _reducer.start_array_all_reduce = started
    if rank == 0:
        train(reference, x, y, 3, 128, None)
    first = events.index("first layer's gradient computed")
    return {
        "buckets": len(model._reducer.buckets),
        "bucket sizes (bytes)": [b.nbytes for b in model._reducer.buckets],
        "all-reduces started before the first layer's gradient": events[:first].count("all-reduce started"),
        "tiny buckets vs 1 process": max_difference(reference, replica) if rank == 0 else 0.0,
        "default buckets of lenet": [b.nbytes for b in DistributedDataParallel(build_model("lenet"))._reducer.buckets],
    }


def ddp_no_sync(rank: int, world: int) -> dict[str, Any]:
    """Gradient accumulation: two micro-batches, the first under no_sync()."""
    x, y = batches("mlp", shendu.float64, 2, 128)
    shendu.manual_seed(0)
    reference = build_model("mlp").double()
    shendu.manual_seed(0)
    replica = build_model("mlp").double()
    model = DistributedDataParallel(replica)
    share = 64 // world
    part = slice(rank * share, (rank + 1) * share)
    loss_fn = nn.functional.cross_entropy
    with model.no_sync():
        loss_fn(model(shendu.tensor(x[:64][part])), shendu.tensor(y[:64][part])).backward()
    local = [p.grad.numpy().copy() for p in replica.parameters()]
    after_first = max(float(np.abs(np.subtract(*gathered(p.grad))).max()) for p in replica.parameters())
    loss_fn(model(shendu.tensor(x[64:128][part])), shendu.tensor(y[64:128][part])).backward()
    results = {"no_sync leaves local gradients (max difference between ranks)": after_first}
    results["no_sync then a synced backward: ranks agree"] = max(
        float(np.abs(np.subtract(*gathered(p.grad))).max()) for p in replica.parameters()
    )
    if rank == 0:
        for half in (slice(0, 64), slice(64, 128)):
            loss_fn(reference(shendu.tensor(x[half])), shendu.tensor(y[half])).backward()
        results["no_sync accumulation vs 1 process"] = max(
            float(np.abs(p.grad.numpy() - q.grad.numpy()).max())
            for p, q in zip(reference.parameters(), replica.parameters())
        )
    results["no_sync gradients changed by the synced backward"] = any(
        not np.array_equal(g, p.grad.numpy()) for g, p in zip(local, replica.parameters())
    )
    return results


def ddp_buffers(rank: int, world: int) -> dict[str, Any]:
    """BatchNorm statistics: rank 0's are copied to every rank at each forward (broadcast_buffers=True)."""
    results: dict[str, Any] = {}
    for broadcast in (True, False):
        shendu.manual_seed(0)
        net = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
        net[1].running_mean.add_(float(rank))  # different on each rank before construction
        model = DistributedDataParallel(net, broadcast_buffers=broadcast)
        results[f"broadcast_buffers={broadcast}: buffers equal after construction"] = bool(
            np.array_equal(*gathered(net[1].running_mean))
        )
        data = np.random.default_rng(rank).standard_normal((8, 4))
        model(shendu.tensor(data, dtype=shendu.float32)).sum().backward()
        results[f"broadcast_buffers={broadcast}: buffers differ after a forward on different data"] = not bool(
            np.array_equal(*gathered(net[1].running_mean))
        )
        before = gathered(net[1].running_mean)[0]
        model.eval()
        with shendu.no_grad():
            model(shendu.tensor(data, dtype=shendu.float32))
        means = gathered(net[1].running_mean)
        results[f"broadcast_buffers={broadcast}: next forward gives every rank rank 0's buffers"] = bool(
            np.array_equal(means[0], means[1]) and np.array_equal(means[1], before)
        )
    return results


class TwoHeads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body, self.used, self.unused = nn.Linear(4, 4), nn.Linear(4, 2), nn.Linear(4, 2)

    def forward(self, x: shendu.Tensor) -> shendu.Tensor:
        return self.used(self.body(x))


def ddp_unused(rank: int, world: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    x = shendu.tensor(np.random.default_rng(rank).standard_normal((8, 4)), dtype=shendu.float32)
    shendu.manual_seed(0)
    net = TwoHeads()
    model = DistributedDataParallel(net, find_unused_parameters=True)
    model(x).sum().backward()
    results["find_unused_parameters: used gradients agree"] = bool(np.array_equal(*gathered(net.body.weight.grad)))
    results["find_unused_parameters: unused grad stays None"] = net.unused.weight.grad is None
    shendu.manual_seed(0)
    model = DistributedDataParallel(TwoHeads())
    model(x).sum().backward()
    try:
        model(x)
        results["unused parameter without find_unused_parameters"] = "no error"
    except shendu.GraphError as exc:
        results["unused parameter without find_unused_parameters"] = str(exc)
    shendu.manual_seed(0)
    different = nn.Linear(4, 3 if rank == 0 else 5)
    try:
        DistributedDataParallel(different)
        results["different models on the ranks"] = "no error"
    except ValueError as exc:
        results["different models on the ranks"] = str(exc)
    return results


def ddp_half(rank: int, world: int) -> dict[str, Any]:
    """A float16 model: MPI has no half type, so buckets travel as float32 and broadcasts as raw bits."""
    shendu.manual_seed(rank)
    net = nn.Linear(6, 3).half()
    model = DistributedDataParallel(net)
    x = shendu.tensor(np.random.default_rng(rank).standard_normal((4, 6)), dtype=shendu.float16)
    local = nn.Linear(6, 3).half()
    local.load_state_dict(net.state_dict())
    local(x).sum().backward()
    model(x).sum().backward()
    mean = sum(g.astype(np.float32) / np.float32(world) for g in gathered(local.weight.grad))
    return {
        "float16: weights are rank 0's": bool(np.array_equal(*gathered(net.weight))),
        "float16: gradient dtype": str(net.weight.grad.dtype),
        "float16: gradient is the float32 mean of the ranks'": bool(
            np.array_equal(net.weight.grad.numpy(), mean.astype(np.float16))
        ),
    }


def sampler(rank: int, world: int) -> dict[str, Any]:
    from shendu.utils.data import DistributedSampler

    s = DistributedSampler(range(11))
    return {"DistributedSampler from the process group": [s.num_replicas, s.rank, list(s)]}


def fail_raise(rank: int, world: int) -> dict[str, Any]:
    t = shendu.ones(3)
    dist.all_reduce(t)
    if rank == 1:
        raise ValueError("rank 1 fails on purpose")
    dist.all_reduce(t)  # rank 0 waits here for a partner that is gone
    return {}


def fail_timeout(rank: int, world: int) -> dict[str, Any]:
    if rank == 1:
        time.sleep(60)  # never joins; the test's job must end long before this
    dist.all_reduce(shendu.ones(3))
    return {}


PROGRAMS = {"collectives": collectives, "ddp": ddp, "raise": fail_raise, "timeout": fail_timeout}


def main() -> None:
    name, out = sys.argv[1], Path(sys.argv[2])
    timeout = timedelta(seconds=2) if name == "timeout" else None
    dist.init_process_group(backend="mpi", timeout=timeout)
    rank, world = dist.get_rank(), dist.get_world_size()
    results = PROGRAMS[name](rank, world)
    results["pid"] = os.getpid()
    (out / f"rank{rank}.json").write_text(json.dumps(results, indent=1))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
