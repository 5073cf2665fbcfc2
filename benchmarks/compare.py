"""Side-by-side speed of shendu and PyTorch on the same workloads (a benchmark, not a test).

Each workload runs in a fresh child process per framework, so peak RSS is measured
per framework; the two frameworks alternate, both limited to the same thread count.
Both read the same uint8 images and convert each batch to float32 in [0, 1].
Reported per workload: seconds per epoch (median of the epochs after the first),
the shendu/PyTorch ratio, samples per second, peak RSS, and test accuracy after the
same number of epochs, so that nobody times a broken run.

shendu uses its compiled kernels when numba is installed (the ``fast`` extra); run with
``SHENDU_NUMBA=0`` in the environment to time its NumPy-only paths.

Run:  python benchmarks/compare.py [--quick] [--workloads W1,W2] [--threads 2]
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

WORKLOADS = {
    "W1": "MLP 784-256-256-10, batch 128",
    "W2": "LeNet-5, batch 128",
    "W3": "LSTM over image rows (28x28), hidden 128, batch 128",
    "W4": "shendu train's default CNN, batch 128",
    "W5": "W1 at batch 16 (per-op overhead)",
    "W6": "LeNet-5 inference, batch 1000, no_grad",
}
TARGETS = {"W1": 0.70, "W2": 1.0, "W3": 1.0, "W4": 1.2, "W5": 0.5, "W6": 1.0}


def build(lib: Any, workload: str) -> Any:
    nn = lib.nn
    if workload in ("W1", "W5"):
        return nn.Sequential(
            nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
        )
    if workload in ("W2", "W6"):
        return nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(400, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, 10),
        )
    if workload == "W3":

        class RowLSTM(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.lstm = nn.LSTM(28, 128, batch_first=True)
                self.head = nn.Linear(128, 10)

            def forward(self, x: Any) -> Any:
                out, _ = self.lstm(x.reshape(x.shape[0], 28, 28))
                return self.head(out[:, -1])

        return RowLSTM()
    if workload == "W4":
        width, dropout = 32, 0.25
        return nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1, bias=False),
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(2 * width * 49, 128),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(128, 10),
        )
    raise KeyError(workload)


def worker(framework: str, workload: str, epochs: int, n_train: int, threads: int) -> dict[str, Any]:
    """Run one workload in this process and return its timings (called in a child process)."""
    import numpy as np

    from shendu.datasets import FashionMNIST

    # Both frameworks keep the images as uint8, as the MNIST datasets of both store them, and convert
    # each batch to float32 in [0, 1]: the data then costs 55 MB, not 220 MB, in either process.
    train, test = FashionMNIST(train=True), FashionMNIST(train=False)
    train_x, train_y = train.data.numpy()[:n_train, None], train.targets.numpy()[:n_train]
    test_x, test_y = test.data.numpy()[:, None], test.targets.numpy()
    lib = importlib.import_module("torch" if framework == "torch" else "shendu")
    if framework == "torch":
        lib.set_num_threads(threads)
        from torch.utils.data import DataLoader, TensorDataset
    else:
        from shendu.utils.data import DataLoader, TensorDataset
    lib.manual_seed(0)
    model = build(lib, workload)
    batch = 16 if workload == "W5" else 1000 if workload == "W6" else 128
    as_tensor = lib.from_numpy
    test_loader = DataLoader(TensorDataset(as_tensor(test_x), as_tensor(test_y)), batch_size=1000)
    times = []
    if workload == "W6":
        model.eval()
        loader = DataLoader(TensorDataset(as_tensor(train_x), as_tensor(train_y)), batch_size=batch)
        with lib.no_grad():
            for _ in range(epochs):
                start = time.perf_counter()
                for x, _y in loader:
                    model(x.float() / 255)
                times.append(time.perf_counter() - start)
    else:
        optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = lib.nn.CrossEntropyLoss()
        generator = lib.Generator().manual_seed(0)
        loader = DataLoader(
            TensorDataset(as_tensor(train_x), as_tensor(train_y)), batch_size=batch, shuffle=True, generator=generator
        )
        for _ in range(epochs):
            model.train()
            start = time.perf_counter()
            for x, y in loader:
                optimizer.zero_grad()
                loss = loss_fn(model(x.float() / 255), y)
                loss.backward()
                optimizer.step()
            times.append(time.perf_counter() - start)
    model.eval()
    correct = 0
    with lib.no_grad():
        for x, y in test_loader:
            correct += int((model(x.float() / 255).argmax(1) == y).sum().item())
    steady = times[1:] or times
    return {
        "seconds_per_epoch": statistics.median(steady),
        "epoch_times": times,
        "samples_per_second": n_train / statistics.median(steady),
        "peak_rss_mb": _peak_rss_mb(),
        "test_accuracy": correct / len(test_y),
        "numpy": np.__version__,
    }


def _peak_rss_mb() -> float:
    """This process's peak resident memory since it started.

    Read from VmHWM rather than getrusage: Linux carries ru_maxrss across exec, so a child would
    report at least its parent's size at fork time.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(framework: str, workload: str, epochs: int, n_train: int, threads: int) -> dict[str, Any]:
    env = dict(
        os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads)
    )
    cmd = [sys.executable, __file__, "--worker", framework, workload, str(epochs), str(n_train), str(threads)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 training samples, 3 epochs")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        framework, workload, epochs, n_train, threads = args.worker
        print(json.dumps(worker(framework, workload, int(epochs), int(n_train), int(threads))))
        return
    # Only look for torch here: importing it would grow this parent process for nothing.
    if importlib.util.find_spec("torch") is not None:
        frameworks = ["shendu", "torch"]
    else:
        frameworks = ["shendu"]
        print("PyTorch is not installed: timing shendu alone, no ratios")
    n_train = 10_000 if args.quick else 60_000
    epochs = args.epochs or (3 if args.quick else 4)
    print(f"{n_train} training samples, {epochs} epochs, {args.threads} threads; median epoch after the first")
    header = (
        f"{'workload':8s} {'framework':9s} {'s/epoch':>8s} {'ratio':>6s} {'target':>6s} {'samples/s':>10s} "
        f"{'peak RSS MB':>11s} {'test acc':>8s}"
    )
    print(header)
    for i, workload in enumerate(args.workloads.split(",")):
        order = frameworks if i % 2 == 0 else frameworks[::-1]
        results = {fw: run_child(fw, workload, epochs, n_train, args.threads) for fw in order}
        base = results.get("torch", {}).get("seconds_per_epoch")
        for fw in frameworks:
            r = results[fw]
            if "error" in r:
                print(f"{workload:8s} {fw:9s} failed: {r['error']}")
                continue
            ratio = f"{r['seconds_per_epoch'] / base:.2f}" if base and fw == "shendu" else ""
            target = f"{TARGETS[workload]:.2f}" if fw == "shendu" else ""
            print(
                f"{workload:8s} {fw:9s} {r['seconds_per_epoch']:8.2f} {ratio:>6s} {target:>6s} "
                f"{r['samples_per_second']:10.0f} {r['peak_rss_mb']:11.0f} {r['test_accuracy']:8.4f}"
            )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
