"""Question 25: what a framework gives you, checked on the same models in shendu and PyTorch, and its cost.

PyTorch is never imported here. Its outputs and gradients for two small models, with fixed weights
and inputs, ship with shendu (``lab/data/torch_reference.safetensors``, made by PyTorch 2.13.0 in
float64 with the test suite's ``tests/lab/torch_reference.py``, which also checks that the file
still matches what PyTorch computes). The cost of the framework is measured against the same
arithmetic written directly in NumPy, both on one thread.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from ... import __version__, cuda, nn, tensor
from ...nn import functional as F
from ..core import Check, Claim, Figure, Label, Outcome, Table, Text, experiment, figure_png, pyplot

__all__ = ["REFERENCE", "layers", "reference_inputs", "reference_weights", "run"]

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "torch_reference.safetensors"
_MODELS = ("mlp", "cnn")
# float32 results differ from float64 ones by rounding alone: about 1e-7 relative per operation.
_FLOAT32_TOLERANCE = 1e-4
_FLOAT64_TOLERANCE = 1e-10

QUESTION = Text(
    "What are deep-learning frameworks for? The same model in shendu and in PyTorch.",
    "深度学习框架是用来做什么的？同一个模型在 shendu 和 PyTorch 中。",
)

EXPLANATION = Text.prose(
    """
    A framework gives you tensors on CPUs and GPUs, automatic differentiation, ready-made layers, losses and
    optimizers, and a way to load data and save models, so that a model is a few lines of code and gradients are
    never derived by hand. Frameworks that share an API also share models: shendu follows PyTorch's names, so
    the same architecture is written with the same constructors and a state dict moves between them by parameter
    name. PyTorch runs hand-tuned C++ kernels; shendu runs NumPy (and CuPy on a GPU) underneath, so its cost is
    NumPy's plus its own bookkeeping. Here a small MLP and a small CNN get fixed weights and inputs; PyTorch's
    outputs and gradients for them were computed once in float64 and ship with shendu, so this comparison runs
    without PyTorch. The framework's cost is timed against the same MLP written directly in NumPy, both on one
    thread. The project's benchmarks compare shendu's speed with PyTorch's side by side.
    """,
    """
    框架提供了 CPU 和 GPU 上的张量、自动求导、现成的层、损失函数和优化器，以及加载数据和保存模型的方法，于是一个模型只
    要几行代码，梯度也永远不必手工推导。API 相同的框架还能共享模型：shendu 沿用 PyTorch 的命名，所以同一个结构用同样的
    构造函数来写，状态字典按参数名在两者之间迁移。PyTorch 运行手工调优的 C++ 内核；shendu 底层运行 NumPy（GPU 上
    是 CuPy），所以它的开销是 NumPy 的开销加上它自己的簿记。这里给一个小型 MLP 和一个小型 CNN 固定的权重和输入
    ；PyTorch 在 float64 下对它们算出的输出和梯度事先算好，随 shendu 一起发布，因此这个比较不需要 PyTorch 就能运行。框
    架的开销则与直接用 NumPy 写成的同一个 MLP 比较计时，两者都只用一个线程。项目的基准测试会把 shendu 和 PyTorch 的速
    度并排比较。
    """,
)

CLAIMS = (
    Claim(
        "same-names",
        Text(
            "Built with the same constructors, shendu's models have exactly PyTorch's parameter names and shapes.",
            "用同样的构造函数搭建时，shendu 模型的参数名和形状与 PyTorch 完全一致。",
        ),
        (Check("state_dict_matches_torch", "==", True),),
    ),
    Claim(
        "float64-agrees",
        Text(
            "With the same weights and inputs in float64, the outputs, the loss and every parameter's gradient "
            "agree with PyTorch's to within 1e-10 (relative), for the MLP and the CNN.",
            "在 float64 下使用同样的权重和输入，MLP 和 CNN 的输出、损失以及每个参数的梯度与 PyTorch 的相对差都不超"
            "过 1e-10。",
        ),
        tuple(Check(f"{kind}_float64_worst_difference", "<=", _FLOAT64_TOLERANCE) for kind in _MODELS),
    ),
    Claim(
        "float32-agrees",
        Text(
            "In float32 they agree with PyTorch's results to within 1e-4 (relative), the difference rounding makes.",
            "在 float32 下，它们与 PyTorch 结果的相对差不超过 1e-4，这是舍入造成的差异。",
        ),
        tuple(Check(f"{kind}_float32_worst_difference", "<=", _FLOAT32_TOLERANCE) for kind in _MODELS),
    ),
    Claim(
        "small-overhead",
        Text(
            "The framework adds at most half again to the cost of its array library: a forward and backward pass of "
            "the MLP 784-256-256-10 takes at most 1.5 times the CPU time of the same arithmetic written directly in "
            "NumPy, both on one thread.",
            "框架在它所用的数组库之上增加的开销至多一半：MLP 784-256-256-10 的一次前向加反向传播，所用的 CPU 时间"
            "至多是直接用 NumPy 写成的同样计算的 1.5 倍，两者都只用一个线程。",
        ),
        (Check("overhead_over_numpy", "<=", 1.5),),
        timed=True,
    ),
)

_KIND_NAMES = {"mlp": ("MLP", "MLP"), "cnn": ("CNN", "CNN")}
LABELS: dict[str, Label] = {
    "shendu_version": Label("shendu version", "shendu 版本"),
    "torch_reference_version": Label("PyTorch version of the stored reference", "所存参考结果的 PyTorch 版本"),
    "devices": Label("devices shendu sees", "shendu 看到的设备"),
    "cuda_available": Label("a GPU is available", "有可用的 GPU"),
    "state_dict_matches_torch": Label("parameter names and shapes match PyTorch's", "参数名和形状与 PyTorch 一致"),
    "timing_batch": Label("timed batch size", "计时用的批大小"),
    "shendu_mlp_ms": Label(
        "shendu: MLP forward + backward (CPU ms, fastest run)", "shendu：MLP 前向 + 反向（CPU 毫秒，最快一次）", ".3g"
    ),
    "numpy_mlp_ms": Label(
        "plain NumPy: the same (CPU ms, fastest run)", "纯 NumPy：同样计算（CPU 毫秒，最快一次）", ".3g"
    ),
    "overhead_over_numpy": Label("shendu CPU time / NumPy CPU time", "shendu 的 CPU 时间 / NumPy 的 CPU 时间", ".2f"),
    "threads": Label("threads of NumPy's BLAS while timing", "计时时 NumPy 所用 BLAS 的线程数"),
}
for _kind, (_en, _zh) in _KIND_NAMES.items():
    for _dtype in ("float32", "float64"):
        LABELS[f"{_kind}_{_dtype}_worst_difference"] = Label(
            f"{_en}, {_dtype}: largest relative difference from PyTorch",
            f"{_zh}，{_dtype}：与 PyTorch 的最大相对差",
            ".2g",
        )


def layers(nn_module: Any, kind: str) -> list[Any]:
    """The same architecture from either framework's ``nn`` namespace (their constructors agree)."""
    if kind == "mlp":
        return [
            nn_module.Flatten(),
            nn_module.Linear(784, 32),
            nn_module.ReLU(),
            nn_module.Linear(32, 32),
            nn_module.ReLU(),
            nn_module.Linear(32, 10),
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


def reference_weights(shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """Fixed float64 weights for parameters of the given shapes: N(0, 1/fan_in), drawn in name order."""
    rng = np.random.default_rng(25)
    weights = {}
    for name in sorted(shapes):
        shape = shapes[name]
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
        weights[name] = rng.normal(0.0, 1.0 / np.sqrt(fan_in), shape)
    return weights


def reference_inputs() -> tuple[np.ndarray, np.ndarray]:
    """Sixteen fixed 1x28x28 inputs in [0, 1] (float64) and their labels."""
    rng = np.random.default_rng(2025)
    return rng.random((16, 1, 28, 28)), rng.integers(0, 10, 16)


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / max(float(np.abs(b).max()), 1e-30))


def _compare(kind: str, dtype: str, reference: dict[str, np.ndarray]) -> float:
    """The largest relative difference between shendu's output, loss and gradients and PyTorch's stored ones."""
    model = nn.Sequential(*layers(nn, kind))
    if dtype == "float64":
        model = model.double()
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    weights = reference_weights(shapes)
    model.load_state_dict({name: tensor(w.astype(dtype)) for name, w in weights.items()})
    images, labels = reference_inputs()
    out = model(tensor(images.astype(dtype)))
    loss = F.cross_entropy(out, tensor(labels))
    loss.backward()
    differences = [
        _relative(out.detach().numpy().astype(np.float64), reference[f"{kind}.output"]),
        _relative(np.array([float(loss.item())]), reference[f"{kind}.loss"]),
    ]
    differences += [
        _relative(p.grad.numpy().astype(np.float64), reference[f"{kind}.grad.{name}"])
        for name, p in model.named_parameters()
    ]
    return max(differences)


def _names_match(reference: dict[str, np.ndarray]) -> bool:
    """Whether shendu's parameter names and shapes are the ones PyTorch recorded in the reference."""
    for kind in _MODELS:
        ours = {name: tuple(p.shape) for name, p in nn.Sequential(*layers(nn, kind)).named_parameters()}
        prefix = f"{kind}.grad."
        theirs = {key[len(prefix) :]: tuple(v.shape) for key, v in reference.items() if key.startswith(prefix)}
        if ours != theirs:
            return False
    return True


def _numpy_mlp_step(weights: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> None:
    """Forward and backward pass of a ReLU MLP with softmax cross-entropy, written directly in NumPy."""
    (w1, b1), (w2, b2), (w3, b3) = ((weights[f"{i}.weight"], weights[f"{i}.bias"]) for i in (1, 3, 5))
    n = len(y)
    h1 = x @ w1.T + b1
    a1 = np.maximum(h1, 0)
    h2 = a1 @ w2.T + b2
    a2 = np.maximum(h2, 0)
    z = a2 @ w3.T + b3
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    g = p
    g[np.arange(n), y] -= 1
    g /= n
    grads = [g.T @ a2, g.sum(0)]
    g2 = (g @ w3) * (h2 > 0)
    grads += [g2.T @ a1, g2.sum(0)]
    g1 = (g2 @ w2) * (h1 > 0)
    grads += [g1.T @ x, g1.sum(0)]


def _numpy_blas_threads() -> int:
    """The thread count of the BLAS library NumPy itself loaded: both timed steps run on it."""
    from threadpoolctl import threadpool_info

    counts = [pool["num_threads"] for pool in threadpool_info() if "numpy" in pool.get("filepath", "")]
    return min(counts, default=1)


def _overhead(seed: int, pairs: int) -> dict[str, Any]:
    """shendu's and NumPy's time for the same MLP step on a batch of 256, in adjacent pairs, on one thread.

    Each step is timed by the CPU time of this thread, which does not count the time other processes hold
    the core, and each side counts its fastest run.
    """
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
    )
    weights = {name: p.detach().numpy().copy() for name, p in model.named_parameters()}
    rng = np.random.default_rng(seed)
    x = rng.random((256, 784), dtype=np.float32)
    y = rng.integers(0, 10, 256)
    inputs, targets = tensor(x), tensor(y)

    def shendu_step() -> None:
        model.zero_grad()
        F.cross_entropy(model(inputs), targets).backward()

    times: dict[str, list[float]] = {"shendu": [], "numpy": []}
    for _ in range(pairs + 1):
        for name, step in (("shendu", shendu_step), ("numpy", lambda: _numpy_mlp_step(weights, x, y))):
            start = time.thread_time()
            step()
            times[name].append(time.thread_time() - start)
    # the first pair warms caches and allocations up
    ours, theirs = min(times["shendu"][1:]), min(times["numpy"][1:])
    return {
        "timing_batch": 256,
        "threads": _numpy_blas_threads(),
        "shendu_mlp_ms": 1000 * ours,
        "numpy_mlp_ms": 1000 * theirs,
        "overhead_over_numpy": ours / theirs,
    }


def _load_reference() -> tuple[dict[str, np.ndarray], str]:
    from safetensors import safe_open

    with safe_open(str(REFERENCE), framework="numpy") as handle:
        arrays = {key: handle.get_tensor(key) for key in handle.keys()}
        version = (handle.metadata() or {}).get("torch_version", "unknown")
    return arrays, version


def _devices() -> list[str]:
    devices = ["cpu"]
    if cuda.is_available():
        devices += [f"cuda:{i}" for i in range(cuda.device_count())]
    return devices


@experiment(
    25,
    "frameworks",
    question=QUESTION,
    explanation=EXPLANATION,
    claims=CLAIMS,
    labels=LABELS,
    key="mlp_float64_worst_difference",
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    reference, torch_version = _load_reference()
    numbers: dict[str, Any] = {
        "shendu_version": __version__,
        "torch_reference_version": torch_version,
        "devices": ", ".join(_devices()),
        "cuda_available": cuda.is_available(),
        "state_dict_matches_torch": _names_match(reference),
    }
    rows = []
    for kind in _MODELS:
        for dtype in ("float32", "float64"):
            worst = _compare(kind, dtype, reference)
            numbers[f"{kind}_{dtype}_worst_difference"] = worst
            rows.append((_KIND_NAMES[kind][0], dtype, worst))
    numbers.update(_overhead(seed, 20 if quick else 60 if full else 40))

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    ax.bar([0, 1], [numbers["shendu_mlp_ms"], numbers["numpy_mlp_ms"]], 0.5, color=["tab:blue", "tab:grey"])
    ax.set_xticks([0, 1], ["shendu", "the same in plain NumPy"])
    ax.set_ylabel("CPU ms per forward + backward pass")
    ax.set_title("MLP 784-256-256-10, batch 256, one thread")
    figure = Figure(
        Text(
            "Time of one forward and backward pass: shendu against the same arithmetic written in NumPy.",
            "一次前向加反向传播的耗时：shendu 与直接用 NumPy 写成的同样计算的对比。",
        ),
        figure_png(fig),
    )
    table = Table(
        Text(
            "Largest relative difference from PyTorch (outputs, loss and every gradient)",
            "与 PyTorch 的最大相对差（输出、损失和每个梯度）",
        ),
        (Text("model", "模型"), Text("dtype", "数据类型"), Text("largest relative difference", "最大相对差")),
        rows,
    )
    return Outcome(numbers, {"overhead": figure}, [table])
