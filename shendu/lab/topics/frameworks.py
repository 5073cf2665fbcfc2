"""Question 25: the same model in shendu and in PyTorch: equal outputs and gradients, and CPU speed.

PyTorch is optional: it is imported only inside this experiment, and without it the experiment
still runs shendu's half and says in its numbers that the comparison could not be made.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import numpy as np

import shendu
from shendu import nn
from shendu.datasets import FashionMNIST

from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot

_MODELS = ("mlp", "cnn")
# float32 results differ only by the order of summation inside BLAS and the conv lowering.
_FLOAT32_TOLERANCE = 1e-4
_FLOAT64_TOLERANCE = 1e-10


def _import_torch() -> ModuleType | None:
    """PyTorch when it is installed, else None; shendu never needs it to run."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        return None


def _layers(nn_module: Any, kind: str) -> list[Any]:
    """The same architecture from either framework's ``nn`` namespace (their constructors agree)."""
    if kind == "mlp":
        return [
            nn_module.Flatten(),
            nn_module.Linear(784, 256),
            nn_module.ReLU(),
            nn_module.Linear(256, 256),
            nn_module.ReLU(),
            nn_module.Linear(256, 10),
        ]
    return [
        nn_module.Conv2d(1, 8, 3, padding=1),
        nn_module.ReLU(),
        nn_module.MaxPool2d(2),
        nn_module.Conv2d(8, 16, 3, padding=1),
        nn_module.ReLU(),
        nn_module.MaxPool2d(2),
        nn_module.Flatten(),
        nn_module.Linear(16 * 7 * 7, 10),
    ]


def _relative_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / max(float(np.abs(b).max()), 1e-30))


def _compare(torch: ModuleType, kind: str, images: np.ndarray, labels: np.ndarray, dtype: str) -> dict[str, float]:
    """Outputs, loss and every parameter gradient of both frameworks after loading shendu's weights."""
    ours = nn.Sequential(*_layers(nn, kind))
    theirs = torch.nn.Sequential(*_layers(torch.nn, kind))
    if dtype == "float64":
        ours, theirs = ours.double(), theirs.double()
    state = {name: torch.from_numpy(t.numpy().copy()) for name, t in ours.state_dict().items()}
    theirs.load_state_dict(state)
    x = images.astype(dtype)
    out_ours = ours(shendu.tensor(x))
    loss_ours = nn.functional.cross_entropy(out_ours, shendu.tensor(labels))
    loss_ours.backward()
    out_theirs = theirs(torch.from_numpy(x))
    loss_theirs = torch.nn.functional.cross_entropy(out_theirs, torch.from_numpy(labels))
    loss_theirs.backward()
    grads_theirs = {name: p.grad.numpy() for name, p in theirs.named_parameters()}
    grad_diffs = [_relative_difference(p.grad.numpy(), grads_theirs[name]) for name, p in ours.named_parameters()]
    return {
        "output": _relative_difference(out_ours.detach().numpy(), out_theirs.detach().numpy()),
        "loss": abs(float(loss_ours.item()) - float(loss_theirs.item())) / abs(float(loss_theirs.item())),
        "grad": max(grad_diffs),
        "params": len(grad_diffs),
    }


def _step_time(step: Callable[[], None], steps: int, repeats: int) -> float:
    """Seconds per training step: the fastest of ``repeats`` runs of ``steps`` steps, after a warm-up step.

    The fastest run is the one least disturbed by other processes on the machine.
    """
    step()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        runs.append((time.perf_counter() - start) / steps)
    return min(runs)


def _shendu_step(kind: str, x: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    model = nn.Sequential(*_layers(nn, kind))
    inputs, targets = shendu.tensor(x), shendu.tensor(y)

    def step() -> None:
        model.zero_grad()
        nn.functional.cross_entropy(model(inputs), targets).backward()

    return step


def _torch_step(torch: ModuleType, kind: str, x: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    model = torch.nn.Sequential(*_layers(torch.nn, kind))
    inputs, targets = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> None:
        model.zero_grad()
        torch.nn.functional.cross_entropy(model(inputs), targets).backward()

    return step


def _devices() -> list[str]:
    devices = ["cpu"]
    if shendu.cuda.is_available():
        devices += [f"cuda:{i}" for i in range(shendu.cuda.device_count())]
    return devices


def judge(numbers: Mapping[str, Any]) -> Verdict:
    if not numbers["torch_available"]:
        return Verdict(
            False,
            f"PyTorch is not installed here, so only shendu ran ({numbers['shendu_mlp_ms']:.1f} ms per MLP "
            f"forward and backward pass on {numbers['devices']}); install torch to compare.",
        )
    checks = []
    for kind in _MODELS:
        for dtype, tolerance in (("float32", _FLOAT32_TOLERANCE), ("float64", _FLOAT64_TOLERANCE)):
            worst = max(numbers[f"{kind}_{dtype}_{what}_diff"] for what in ("output", "loss", "grad"))
            checks.append(
                (
                    worst <= tolerance,
                    f"the {kind} in {dtype} differed from PyTorch by {worst:.2g} (relative), above {tolerance:g}",
                )
            )
    checks.append(("cpu" in numbers["devices"].split(","), f"the device list {numbers['devices']!r} lacks the CPU"))
    return all_of(
        checks,
        f"With shendu's weights loaded into PyTorch by parameter name, outputs and gradients agreed to "
        f"{max(numbers['mlp_float32_grad_diff'], numbers['cnn_float32_grad_diff']):.1g} in float32 and "
        f"{max(numbers['mlp_float64_grad_diff'], numbers['cnn_float64_grad_diff']):.1g} in float64; a forward and "
        f"backward pass on the CPU took {numbers['mlp_speed_ratio']:.2f}x PyTorch's time for the MLP and "
        f"{numbers['cnn_speed_ratio']:.2f}x for the CNN; devices: {numbers['devices']}.",
    )


@experiment(
    25,
    "frameworks",
    question="What are deep-learning frameworks for? The same model in shendu and in PyTorch.",
    answer="""A framework gives you tensors on CPUs and GPUs, automatic differentiation, ready-made layers,
    losses and optimizers, and a way to load data and save models, so that a model is a few lines of code and
    the gradients are never derived by hand. Frameworks that share an API also share models: shendu follows
    PyTorch's names, so the same architecture is written with the same constructors, a state dict moves between
    them by parameter name, and after loading the same weights both give the same outputs and gradients up to
    floating-point rounding. They differ in how fast they run: PyTorch has hand-tuned C++ kernels, shendu is
    NumPy (and CuPy on a GPU) underneath. PyTorch is optional here: without it this experiment still runs shendu
    and reports that the comparison was skipped.""",
    judge=judge,
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    torch = _import_torch()
    batch, steps, repeats = (32, 3, 2) if quick else (64, 20, 5) if full else (64, 10, 3)
    images, labels = FashionMNIST(train=False).arrays()
    order = np.random.default_rng(seed).permutation(len(labels))[:batch]
    x, y = np.ascontiguousarray(images[order]), np.asarray(labels[order])
    numbers: dict[str, Any] = {
        "torch_available": torch is not None,
        "torch_version": torch.__version__ if torch is not None else "unavailable",
        "shendu_version": shendu.__version__,
        "devices": ",".join(_devices()),
        "cuda_available": shendu.cuda.is_available(),
        "batch": batch,
    }
    rows = [["model", "dtype", "output", "loss", "gradients (worst parameter)"]]
    for kind in _MODELS:
        shendu.manual_seed(seed)
        numbers[f"shendu_{kind}_ms"] = 1000 * _step_time(_shendu_step(kind, x, y), steps, repeats)
        if torch is None:
            continue
        torch.manual_seed(seed)
        numbers[f"torch_{kind}_ms"] = 1000 * _step_time(_torch_step(torch, kind, x, y), steps, repeats)
        numbers[f"{kind}_speed_ratio"] = numbers[f"shendu_{kind}_ms"] / numbers[f"torch_{kind}_ms"]
        for dtype in ("float32", "float64"):
            diffs = _compare(torch, kind, x, y, dtype)
            for what in ("output", "loss", "grad"):
                numbers[f"{kind}_{dtype}_{what}_diff"] = diffs[what]
            rows.append([kind, dtype, diffs["output"], diffs["loss"], diffs["grad"]])
    if torch is not None:
        numbers["torch_threads"] = torch.get_num_threads()

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    positions = np.arange(len(_MODELS))
    ax.bar(positions - 0.2, [numbers[f"shendu_{k}_ms"] for k in _MODELS], 0.4, label="shendu")
    if torch is not None:
        ax.bar(positions + 0.2, [numbers[f"torch_{k}_ms"] for k in _MODELS], 0.4, label=f"PyTorch {torch.__version__}")
    ax.set_xticks(positions, [f"{k.upper()} (batch {batch})" for k in _MODELS])
    ax.set_ylabel("ms per forward + backward pass (CPU)")
    ax.set_title("Cross-entropy forward and backward" + ("" if torch is not None else " (PyTorch not installed)"))
    ax.legend()
    notes = [] if torch is not None else ["PyTorch is not installed, so only shendu was timed and nothing compared."]
    return Outcome(numbers, {"speed": figure_png(fig)}, {"relative difference from PyTorch": rows}, notes)
