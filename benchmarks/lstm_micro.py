"""Micro-benchmark of workload W3: an LSTM over image rows, forward and backward per batch.

28 steps of 28 features, hidden size 128, batch 128, a linear head on the last step and a
cross-entropy loss, float32. shendu and PyTorch (2 threads) run the same batch alternately, round
after round, so that both see the same machine load; the script prints the median and the best
time per batch of each and their ratios (shendu / PyTorch, lower is better).

Run: ``python benchmarks/lstm_micro.py [--rounds 30] [--per-round 5]``. Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

import shendu
from shendu.nn.modules.linear import Linear
from shendu.nn.modules.rnn import LSTM
from shendu.ops.loss import cross_entropy

STEPS, FEATURES, HIDDEN, BATCH, CLASSES = 28, 28, 128, 128, 10


def shendu_step(train: bool) -> Callable[[], None]:
    shendu.manual_seed(0)
    lstm, head = LSTM(FEATURES, HIDDEN, batch_first=True), Linear(HIDDEN, CLASSES)
    rng = np.random.default_rng(0)
    x = shendu.from_numpy(rng.standard_normal((BATCH, STEPS, FEATURES)).astype(np.float32))
    y = shendu.from_numpy(rng.integers(0, CLASSES, BATCH))

    def step() -> None:
        if train:
            out, _ = lstm(x)
            cross_entropy(head(out[:, -1]), y).backward()
        else:
            with shendu.no_grad():
                out, _ = lstm(x)
                head(out[:, -1])

    return step


def torch_step(train: bool) -> Callable[[], None] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
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


def measure(steps: dict[str, Callable[[], None]], rounds: int, per_round: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in steps}
    for step in steps.values():
        for _ in range(3):
            step()
    for _ in range(rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(per_round):
                step()
            times[name].append((time.perf_counter() - start) / per_round * 1e3)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--per-round", type=int, default=5)
    args = parser.parse_args()
    for train in (True, False):
        label = "forward + backward" if train else "forward only (no_grad)"
        steps = {"shendu": shendu_step(train)}
        reference = torch_step(train)
        if reference is not None:
            steps["torch"] = reference
        times = measure(steps, args.rounds, args.per_round)
        print(f"W3 LSTM {STEPS}x{FEATURES}, hidden {HIDDEN}, batch {BATCH}: {label}, ms per batch")
        for name, values in times.items():
            print(f"  {name:7s} median {statistics.median(values):7.2f}   best {min(values):7.2f}")
        if reference is not None:
            median = statistics.median(times["shendu"]) / statistics.median(times["torch"])
            best = min(times["shendu"]) / min(times["torch"])
            print(f"  ratio shendu/torch: median {median:.2f}, best {best:.2f}")


if __name__ == "__main__":
    main()
