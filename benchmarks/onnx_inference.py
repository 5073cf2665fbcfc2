"""Inference time of ``shendu train``'s CNN (FashionCNN) in shendu, in onnxruntime (the exported file) and in PyTorch.

Not a test: timings are noisy on shared machines. The three run on the CPU with the same
number of threads, in alternating order, for several rounds; the table gives each one's median
time per batch and the spread (lowest to highest round), the median CPU time (which waiting for
a busy core does not inflate), and the machine's load average before and after, since other
work on the machine slows every framework.

Run:  python benchmarks/onnx_inference.py [--threads 1] [--rounds 9]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from collections.abc import Callable

import numpy as np
import onnxruntime as ort
import torch

import shendu
from shendu.models import FashionCNN


class TorchFashionCNN(torch.nn.Module):
    """The same network in PyTorch, with the same parameter names."""

    def __init__(self) -> None:
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(1, 32, 3, padding=1, bias=False),
            torch.nn.BatchNorm2d(32),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(32, 64, 3, padding=1, bias=False),
            torch.nn.BatchNorm2d(64),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
        )
        self.classifier = torch.nn.Sequential(
            torch.nn.Flatten(),
            torch.nn.Dropout(0.25),
            torch.nn.Linear(64 * 7 * 7, 128),
            torch.nn.ReLU(),
            torch.nn.Dropout(0.25),
            torch.nn.Linear(128, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def build(threads: int) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """The three runners, sharing one set of weights (batch-norm statistics as after training)."""
    shendu.manual_seed(0)
    model = FashionCNN()
    rng = np.random.default_rng(0)
    for m in model.modules():
        if isinstance(m, shendu.nn.BatchNorm2d):
            m.running_mean._array[...] = rng.uniform(-0.5, 0.5, m.running_mean.shape)
            m.running_var._array[...] = rng.uniform(0.5, 2.0, m.running_var.shape)
    model.eval()
    buffer = io.BytesIO()
    shendu.onnx.export(
        model, shendu.randn(1, 1, 28, 28), buffer, input_names=["images"], dynamic_axes={"images": {0: "batch"}}
    )
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    runner = ort.InferenceSession(buffer.getvalue(), options, providers=["CPUExecutionProvider"])
    reference = TorchFashionCNN()
    reference.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()})
    reference.eval()
    shendu.set_num_threads(threads)
    torch.set_num_threads(threads)

    def in_shendu(x: np.ndarray) -> np.ndarray:
        with shendu.no_grad():
            return model(shendu.from_numpy(x)).numpy()

    def in_onnxruntime(x: np.ndarray) -> np.ndarray:
        return runner.run(None, {"images": x})[0]

    def in_torch(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return reference(torch.from_numpy(x)).numpy()

    return {"shendu": in_shendu, "onnxruntime": in_onnxruntime, "PyTorch": in_torch}


def per_batch_ms(run: Callable[[np.ndarray], np.ndarray], x: np.ndarray, calls: int) -> tuple[float, float]:
    """Wall-clock and CPU milliseconds per call (CPU time counts every thread of the process)."""
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        run(x)
    return (time.perf_counter() - start) / calls * 1e3, (time.process_time() - cpu) / calls * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="threads for each framework (default: 1)")
    parser.add_argument("--rounds", type=int, default=9, help="timed rounds per framework and batch (default: 9)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    runners = build(args.threads)
    rng = np.random.default_rng(1)
    rows = []
    for batch, calls in ((1, 200), (1000, 2)):
        x = rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)
        outputs = {name: run(x) for name, run in runners.items()}  # also the warm-up
        agree = max(float(np.abs(out - outputs["PyTorch"]).max()) for out in outputs.values())
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in runners}
        names = list(runners)
        for r in range(args.rounds):
            # Alternate the order so that no framework always runs right after the same one.
            for name in names[r % len(names) :] + names[: r % len(names)]:
                times[name].append(per_batch_ms(runners[name], x, calls))
        rows.append((batch, times, agree))
    load_after = os.getloadavg()
    print(f"FashionCNN inference, CPU, {args.threads} thread(s) each, {args.rounds} rounds; milliseconds per batch")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} ({os.cpu_count()} cores)")
    print("| batch | framework | median ms | spread (min-max) | vs onnxruntime | median CPU ms | CPU vs onnxruntime |")
    print("|---|---|---|---|---|---|---|")
    for batch, times, agree in rows:
        base = statistics.median(t for t, _ in times["onnxruntime"])
        base_cpu = statistics.median(c for _, c in times["onnxruntime"])
        for name, pairs in times.items():
            wall = [t for t, _ in pairs]
            median, cpu = statistics.median(wall), statistics.median(c for _, c in pairs)
            print(
                f"| {batch} | {name} | {median:.3f} | {min(wall):.3f}-{max(wall):.3f} | {median / base:.2f} "
                f"| {cpu:.3f} | {cpu / base_cpu:.2f} |"
            )
        print(f"| {batch} | outputs agree to | {agree:.1e} | | | | |")


if __name__ == "__main__":
    main()
