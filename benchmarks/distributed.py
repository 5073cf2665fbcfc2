"""Data-parallel training on this machine (not a test: timings are noisy on shared machines).

1. `shendu train`'s CNN on Fashion-MNIST for one epoch, as 1 process x 2 BLAS threads and as
   `mpirun -np 2 shendu train --distributed` with 1 thread each, alternating, several times;
   samples per second of training (validation excluded) and the load average around each run.
2. Under mpirun -np 2: the CNN's training step at 64 samples per rank, split into forward,
   backward and optimizer step, with and without gradient averaging, the time a blocking
   all-reduce of the whole gradient takes, and how long backward's last hook waits for the buckets.

Run:  python benchmarks/distributed.py [--repeats 3] [--epochs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--mca", "btl", "self,vader", "-np", "2"]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(ROOT),
        OMPI_ALLOW_RUN_AS_ROOT="1",
        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
        OMPI_MCA_btl_vader_single_copy_mechanism="none",
    )
    return env


def one_run(distributed: bool, epochs: int, out: Path) -> float:
    """Train and return the first epoch's samples per second (all ranks together)."""
    name = "two-processes" if distributed else "one-process"
    args = ["-m", "shendu", "train", "--epochs", str(epochs), "--out", str(out), "--name", name, "--quiet"]
    if distributed:
        command = [*MPIRUN, sys.executable, *args, "--distributed", "--threads", "1"]
    else:
        command = [sys.executable, *args, "--threads", "2"]
    subprocess.run(command, env=environment(), cwd=ROOT, check=True, capture_output=True)
    history = json.loads((out / name / "history.json").read_text())
    return float(history[0]["samples_per_s"])


def scaling(repeats: int, epochs: int) -> None:
    rates: dict[str, list[float]] = {"1 process x 2 threads": [], "2 processes x 1 thread": []}
    loads: list[float] = []
    for _ in range(repeats):
        for label, distributed in (("1 process x 2 threads", False), ("2 processes x 1 thread", True)):
            with tempfile.TemporaryDirectory() as tmp:
                loads.append(os.getloadavg()[0])
                rates[label].append(one_run(distributed, epochs, Path(tmp)))
                loads.append(os.getloadavg()[0])
                rate = rates[label][-1]
                print(f"{label}: {rate:.0f} samples/s (load {loads[-2]:.2f} -> {loads[-1]:.2f})", flush=True)
    print("\n| configuration | samples/s (median) | min - max | runs |")
    print("|---|---|---|---|")
    for label, values in rates.items():
        print(f"| {label} | {statistics.median(values):.0f} | {min(values):.0f} - {max(values):.0f} | {len(values)} |")
    print(f"load average (1 min) during the runs: {min(loads):.2f} - {max(loads):.2f}")


def step_timing() -> None:
    """Run by each rank under mpirun: time the CNN's step with and without gradient averaging."""
    import numpy as np

    import shendu
    import shendu.distributed as dist
    from shendu.models import build_model
    from shendu.nn.parallel import DistributedDataParallel, _reducer

    shendu.set_num_threads(1)
    dist.init_process_group(backend="mpi")
    rank = dist.get_rank()
    shendu.manual_seed(0)
    net = build_model("cnn")
    model = DistributedDataParallel(net)
    optimizer = shendu.optim.Adam(net.parameters(), lr=1e-3)
    rng = np.random.default_rng(rank)
    x = shendu.tensor(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
    y = shendu.tensor(rng.integers(0, 10, 64))
    waits: list[float] = []
    finish = _reducer.Reducer._finish

    def timed_finish(self: _reducer.Reducer) -> None:
        start = time.perf_counter()
        finish(self)
        waits.append(time.perf_counter() - start)

    _reducer.Reducer._finish = timed_finish  # type: ignore[method-assign]

    def steps(n: int, sync: bool) -> dict[str, float]:
        parts = {"forward": [], "backward": [], "step": []}
        for _ in range(n):
            dist.barrier()
            t0 = time.perf_counter()
            optimizer.zero_grad()
            if sync:
                loss = shendu.nn.functional.cross_entropy(model(x), y)
                t1 = time.perf_counter()
                loss.backward()
            else:
                with model.no_sync():
                    loss = shendu.nn.functional.cross_entropy(model(x), y)
                    t1 = time.perf_counter()
                    loss.backward()
            t2 = time.perf_counter()
            optimizer.step()
            t3 = time.perf_counter()
            parts["forward"].append(t1 - t0)
            parts["backward"].append(t2 - t1)
            parts["step"].append(t3 - t2)
        return {k: statistics.median(v) * 1e3 for k, v in parts.items()}

    steps(5, True)
    waits.clear()
    results = {"averaged": steps(30, True), "local (no_sync)": steps(30, False)}
    results["backward's last hook waiting for the buckets, ms"] = statistics.median(waits) * 1e3
    flat = shendu.zeros(sum(p.numel() for p in net.parameters()))
    times = []
    for _ in range(50):
        dist.barrier()
        start = time.perf_counter()
        dist.all_reduce(flat)
        times.append(time.perf_counter() - start)
    results["blocking all_reduce of the whole gradient, ms"] = statistics.median(times) * 1e3
    results["gradient bytes"] = flat.numel() * 4
    results["buckets (bytes)"] = [b.nbytes for b in model._reducer.buckets]
    if rank == 0:
        print(json.dumps(results, indent=1))
    dist.destroy_process_group()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--steps-only", action="store_true", help="only part 2")
    parser.add_argument("--rank-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rank_worker:
        step_timing()
        return
    print(f"load average before: {os.getloadavg()}", flush=True)
    command = [*MPIRUN, sys.executable, __file__, "--rank-worker"]
    done = subprocess.run(command, env=environment(), cwd=ROOT, capture_output=True, text=True)
    print(done.stdout or done.stderr, flush=True)
    if not args.steps_only:
        scaling(args.repeats, args.epochs)


if __name__ == "__main__":
    main()
