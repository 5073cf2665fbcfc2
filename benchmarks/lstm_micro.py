"""Micro-benchmark of workload W3: an LSTM over image rows, forward and backward per batch.

28 steps of 28 features, hidden size 128, batch 128, a linear head on the last step and a
cross-entropy loss, float32. shendu and PyTorch run the same batch alternately, round after round, so that
both see the same machine load, with the same number of threads (2 by default, for NumPy's BLAS
and for PyTorch). The script prints, per batch, the median and the best wall-clock time and the
median CPU time of the process, and the ratios shendu / PyTorch (lower is better). On a busy
machine wall-clock times of multi-threaded BLAS swing wildly; ``--threads 1`` and the CPU-time
ratio then give the steadier comparison.

Run: ``python benchmarks/lstm_micro.py [--rounds 30] [--per-round 5] [--threads 2]``. Not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

STEPS, FEATURES, HIDDEN, BATCH, CLASSES = 28, 28, 128, 128, 10


def shendu_step(train: bool) -> Callable[[], None]:
    import numpy as np

    import shendu
    from shendu import nn

    shendu.manual_seed(0)
    lstm, head = nn.LSTM(FEATURES, HIDDEN, batch_first=True), nn.Linear(HIDDEN, CLASSES)
    rng = np.random.default_rng(0)
    x = shendu.from_numpy(rng.standard_normal((BATCH, STEPS, FEATURES)).astype(np.float32))
    y = shendu.from_numpy(rng.integers(0, CLASSES, BATCH))

    def step() -> None:
        if train:
            out, _ = lstm(x)
            nn.functional.cross_entropy(head(out[:, -1]), y).backward()
        else:
            with shendu.no_grad():
                out, _ = lstm(x)
                head(out[:, -1])

    return step


def torch_step(train: bool, threads: int) -> Callable[[], None] | None:
    import numpy as np

    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    lstm, head = torch.nn.LSTM(FEATURES, HIDDEN, batch_first=True), torch.nn.Linear(HIDDEN, CLASSES)
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((BATCH, STEPS, FEATURES)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, CLASSES, BATCH))

    def step() -> None:
        if train:
            out, _ = lstm(x)
            torch.nn.functional.cross_entropy(head(out[:, -1]), y).backward()
        else:
            with torch.no_grad():
                out, _ = lstm(x)
                head(out[:, -1])

    return step


def measure(steps: dict[str, Callable[[], None]], rounds: int, per_round: int) -> dict[str, Any]:
    wall: dict[str, list[float]] = {name: [] for name in steps}
    cpu: dict[str, list[float]] = {name: [] for name in steps}
    for step in steps.values():
        for _ in range(3):
            step()
    for _ in range(rounds):
        for name, step in steps.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(per_round):
                step()
            wall[name].append((time.perf_counter() - start) / per_round * 1e3)
            cpu[name].append((time.process_time() - start_cpu) / per_round * 1e3)
    return {"wall": wall, "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--per-round", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    # NumPy's BLAS reads its thread count when it loads, so this must come before the first import.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(args.threads)
    for train in (True, False):
        label = "forward + backward" if train else "forward only (no_grad)"
        steps = {"shendu": shendu_step(train)}
        reference = torch_step(train, args.threads)
        if reference is not None:
            steps["torch"] = reference
        times = measure(steps, args.rounds, args.per_round)
        wall, cpu = times["wall"], times["cpu"]
        setting = f"W3 LSTM {STEPS}x{FEATURES}, hidden {HIDDEN}, batch {BATCH}, {args.threads} thread(s)"
        print(f"{setting}: {label}, ms per batch")
        for name in steps:
            print(
                f"  {name:7s} wall median {statistics.median(wall[name]):7.2f}  best {min(wall[name]):7.2f}"
                f"   cpu median {statistics.median(cpu[name]):7.2f}"
            )
        if reference is not None:
            ratios = [
                statistics.median(wall["shendu"]) / statistics.median(wall["torch"]),
                min(wall["shendu"]) / min(wall["torch"]),
                statistics.median(cpu["shendu"]) / statistics.median(cpu["torch"]),
            ]
            print("  ratio shendu/torch: wall median {:.2f}, wall best {:.2f}, cpu median {:.2f}".format(*ratios))


if __name__ == "__main__":
    main()
