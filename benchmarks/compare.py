"""Side-by-side speed of shendu and PyTorch on the same workloads (a benchmark, not a test).

Each workload runs in a fresh child process per framework, so peak RSS is measured
per framework; the two frameworks alternate, both limited to the same thread count.
Both read the same uint8 images and convert each batch to float32 in [0, 1].
Reported per workload: seconds per epoch (median of the epochs after the first), the
process's CPU seconds per epoch, the shendu/PyTorch ratio, samples per second, peak RSS,
and test accuracy after the same number of epochs, so that nobody times a broken run.

Two ways to feed the batches (``--mode``):

* ``compute`` (the default): the training images are one tensor and each batch is indexed
  directly, ``X[perm[i:i + batch]]``, by the same code in both frameworks: the time of the
  network, its optimizer and one gather.
* ``loader``: each framework's own ``DataLoader(TensorDataset(...), shuffle=True)``, the way
  most scripts are written. PyTorch's loader fetches and collates sample by sample, shendu's
  fetches a batch at once, so this mode also measures data loading.

``--contention`` runs every workload twice per framework, once on a quiet machine and once
while another process keeps one core busy (a child spinning in a loop), and reports each
framework's slowdown against its own quiet time. ``--repeat N`` runs each pair N times and
reports the median and the range. The load average is printed before and after.

shendu uses its compiled kernels when numba is installed (the ``fast`` extra); run with
``SHENDU_NUMBA=0`` in the environment to time its NumPy-only paths.

Run:  python benchmarks/compare.py [--mode compute|loader] [--contention] [--quick]
                                   [--workloads W1,W2] [--threads 2] [--repeat 1] [--json out.json]
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

from shendu.io.atomic import atomic_write_json

WORKLOADS = {
    "W1": "MLP 784-256-256-10, batch 128",
    "W2": "LeNet-5, batch 128",
    "W3": "LSTM over image rows (28x28), hidden 128, batch 128; evaluated on the test set in one batch",
    "W4": "shendu train's default CNN, batch 128",
    "W5": "W1 at batch 16 (per-op overhead)",
    "W6": "LeNet-5 inference, batch 1000, no_grad",
    "W7": "MobileNet-style blocks (3x3 depthwise + 1x1 pointwise, batch norm), batch 128",
}
TARGETS = {"W1": 0.75, "W2": 1.0, "W3": 1.0, "W4": 1.0, "W5": 0.5, "W6": 0.9, "W7": 1.2}
BATCH = {"W5": 16, "W6": 1000}
# The LSTM is evaluated on all 10,000 test sequences at once: its peak memory is part of the comparison.
EVAL_BATCH = {"W3": 10_000}


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
    if workload == "W7":

        def separable(channels: int, out_channels: int, stride: int) -> list[Any]:
            # MobileNet's block: a 3x3 convolution per channel, then a 1x1 one that mixes channels.
            return [
                nn.Conv2d(channels, channels, 3, stride=stride, padding=1, groups=channels, bias=False),
                nn.BatchNorm2d(channels),
                nn.ReLU(),
                nn.Conv2d(channels, out_channels, 1, bias=False),
                nn.BatchNorm2d(out_channels),
                nn.ReLU(),
            ]

        return nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1, bias=False),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            *separable(32, 64, 1),
            *separable(64, 128, 2),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(128, 10),
        )
    raise KeyError(workload)


def worker(framework: str, workload: str, epochs: int, n_train: int, threads: int, mode: str) -> dict[str, Any]:
    """Run one workload in this process and return its timings (called in a child process)."""
    import numpy as np

    from shendu.datasets import FashionMNIST

    # Both frameworks keep the images as uint8, as the MNIST datasets of both store them, and convert
    # each batch to float32 in [0, 1]: the data then costs 55 MB, not 220 MB, in either process.
    train, test = FashionMNIST(train=True), FashionMNIST(train=False)
    train_x, train_y = train.data.numpy()[:n_train, None], train.targets.numpy()[:n_train]
    test_x, test_y = test.data.numpy()[:, None], test.targets.numpy()
    del train, test
    lib = importlib.import_module("torch" if framework == "torch" else "shendu")
    if framework == "torch":
        lib.set_num_threads(threads)
        from torch.utils.data import DataLoader, TensorDataset
    else:
        from shendu.utils.data import DataLoader, TensorDataset
    lib.manual_seed(0)
    model = build(lib, workload)
    batch = BATCH.get(workload, 128)
    images, labels = lib.from_numpy(train_x), lib.from_numpy(train_y)
    times, cpu_times = [], []

    def batches(shuffle: bool, generator: Any) -> Any:
        if mode == "loader":
            yield from DataLoader(TensorDataset(images, labels), batch_size=batch, shuffle=shuffle, generator=generator)
            return
        order = lib.randperm(n_train, generator=generator) if shuffle else None
        for i in range(0, n_train, batch):
            if order is None:
                yield images[i : i + batch], labels[i : i + batch]
            else:
                index = order[i : i + batch]
                yield images[index], labels[index]

    if workload == "W6":
        model.eval()
        with lib.no_grad():
            for _ in range(epochs):
                start, cpu = time.perf_counter(), time.process_time()
                for x, _y in batches(False, None):
                    model(x.float() / 255)
                times.append(time.perf_counter() - start)
                cpu_times.append(time.process_time() - cpu)
    else:
        optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = lib.nn.CrossEntropyLoss()
        generator = lib.Generator().manual_seed(0)
        for _ in range(epochs):
            model.train()
            start, cpu = time.perf_counter(), time.process_time()
            for x, y in batches(True, generator):
                optimizer.zero_grad()
                loss = loss_fn(model(x.float() / 255), y)
                loss.backward()
                optimizer.step()
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu)
    model.eval()
    correct, step = 0, EVAL_BATCH.get(workload, 1000)
    test_images, test_labels = lib.from_numpy(test_x), lib.from_numpy(test_y)
    with lib.no_grad():
        for i in range(0, len(test_y), step):
            logits = model(test_images[i : i + step].float() / 255)
            correct += int((logits.argmax(1) == test_labels[i : i + step]).sum().item())
    steady = times[1:] or times
    return {
        "seconds_per_epoch": statistics.median(steady),
        "cpu_seconds_per_epoch": statistics.median(cpu_times[1:] or cpu_times),
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


def run_child(framework: str, workload: str, args: argparse.Namespace, busy: bool = False) -> dict[str, Any]:
    """One workload in a fresh process; with ``busy``, while another process spins on one core."""
    threads = str(args.threads)
    env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
    cmd = [sys.executable, __file__, "--worker", framework, workload, str(args.epochs), str(args.n_train), threads]
    cmd += ["--mode", args.mode]
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _summary(values: list[float]) -> str:
    """The median, with the range when there are several values."""
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:.2f}"
    return f"{median:.2f} [{min(values):.2f}-{max(values):.2f}]"


def _load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def compare(args: argparse.Namespace, frameworks: list[str]) -> dict[str, Any]:
    """The speed table: each workload's runs, frameworks alternating, repeated ``args.repeat`` times."""
    report: dict[str, Any] = {}
    print(
        f"{'workload':8s} {'framework':9s} {'s/epoch':>18s} {'CPU s':>6s} {'ratio':>18s} {'target':>6s} "
        f"{'samples/s':>9s} {'peak RSS MB':>11s} {'RSS ratio':>9s} {'test acc':>8s}"
    )
    for w, workload in enumerate(args.workloads.split(",")):
        runs: dict[str, list[dict[str, Any]]] = {fw: [] for fw in frameworks}
        ratios = []
        for r in range(args.repeat):
            order = frameworks if (w + r) % 2 == 0 else frameworks[::-1]
            results = {fw: run_child(fw, workload, args) for fw in order}
            for fw in frameworks:
                runs[fw].append(results[fw])
            if all("error" not in results[fw] for fw in frameworks) and "torch" in results:
                ratios.append(results["shendu"]["seconds_per_epoch"] / results["torch"]["seconds_per_epoch"])
        report[workload] = {"runs": runs, "ratios": ratios}
        for fw in frameworks:
            good = [r for r in runs[fw] if "error" not in r]
            if not good:
                print(f"{workload:8s} {fw:9s} failed: {runs[fw][0]['error']}")
                continue
            seconds = [r["seconds_per_epoch"] for r in good]
            rss = statistics.median(r["peak_rss_mb"] for r in good)
            mine = fw == "shendu" and ratios
            rss_ratio = ""
            if mine and all("error" not in r for r in runs["torch"]):
                rss_ratio = f"{rss / statistics.median(r['peak_rss_mb'] for r in runs['torch']):.2f}"
            print(
                f"{workload:8s} {fw:9s} {_summary(seconds):>18s} "
                f"{statistics.median(r['cpu_seconds_per_epoch'] for r in good):6.2f} "
                f"{_summary(ratios) if mine else '':>18s} {f'{TARGETS[workload]:.2f}' if mine else '':>6s} "
                f"{statistics.median(r['samples_per_second'] for r in good):9.0f} {rss:11.0f} {rss_ratio:>9s} "
                f"{statistics.median(r['test_accuracy'] for r in good):8.4f}"
            )
        sys.stdout.flush()
    return report


def contention(args: argparse.Namespace, frameworks: list[str]) -> dict[str, Any]:
    """Each framework's slowdown when another process keeps one core busy, against its own quiet time."""
    report: dict[str, Any] = {}
    print(f"{'workload':8s} {'framework':9s} {'quiet s/epoch':>13s} {'busy s/epoch':>12s} {'slowdown':>18s}")
    for w, workload in enumerate(args.workloads.split(",")):
        report[workload] = {}
        order = frameworks if w % 2 == 0 else frameworks[::-1]
        runs: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {fw: [] for fw in frameworks}
        for _ in range(args.repeat):
            for fw in order:
                runs[fw].append((run_child(fw, workload, args), run_child(fw, workload, args, busy=True)))
        for fw in frameworks:
            pairs = [(q, b) for q, b in runs[fw] if "error" not in q and "error" not in b]
            if not pairs:
                print(f"{workload:8s} {fw:9s} failed")
                continue
            quiet = [q["seconds_per_epoch"] for q, _ in pairs]
            busy = [b["seconds_per_epoch"] for _, b in pairs]
            slowdowns = [b / q for q, b in zip(quiet, busy)]
            report[workload][fw] = {"quiet": quiet, "busy": busy, "slowdown": slowdowns}
            print(
                f"{workload:8s} {fw:9s} {statistics.median(quiet):13.2f} {statistics.median(busy):12.2f} "
                f"{_summary(slowdowns):>18s}"
            )
        sys.stdout.flush()
    return report


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("compute", "loader"), default="compute")
    parser.add_argument(
        "--contention",
        action="store_true",
        help="instead of the speed table, time each workload quietly and with one core kept busy",
    )
    parser.add_argument("--quick", action="store_true", help="10,000 training samples, 3 epochs")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int)
    parser.add_argument(
        "--repeat", type=_positive, default=1, help="runs per framework and workload (median and range)"
    )
    parser.add_argument("--json", help="also write every run's numbers to this file")
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        framework, workload, epochs, n_train, threads = args.worker
        print(json.dumps(worker(framework, workload, int(epochs), int(n_train), int(threads), args.mode)))
        return
    # Only look for torch here: importing it would grow this parent process for nothing.
    if importlib.util.find_spec("torch") is not None:
        frameworks = ["shendu", "torch"]
    else:
        frameworks = ["shendu"]
        print("PyTorch is not installed: timing shendu alone, no ratios")
    args.n_train = 10_000 if args.quick else 60_000
    args.epochs = args.epochs or (3 if args.quick else 4)
    kind = "contention (one core kept busy)" if args.contention else f"{args.mode} mode"
    print(
        f"{kind}: {args.n_train} training samples, {args.epochs} epochs, {args.threads} threads, "
        f"{args.repeat} run(s) each; median epoch after the first; {_load()}"
    )
    start = time.perf_counter()
    report = contention(args, frameworks) if args.contention else compare(args, frameworks)
    print(f"took {time.perf_counter() - start:.0f} s; {_load()}")
    if args.json:
        atomic_write_json(args.json, {"args": vars(args), "results": report}, indent=1)


if __name__ == "__main__":
    main()
