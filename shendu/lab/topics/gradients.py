"""Question 22: vanishing and exploding gradients, through depth and through time, and gradient clipping."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ... import Generator, Tensor, float64, manual_seed, nn, no_grad, optim, randn, tensor, zeros
from ...datasets import FashionMNIST
from ...nn.modules.rnn import RNN, LSTMCell, RNNCell
from ...train import Callback, GradientClipping, Trainer
from ...utils.data import DataLoader, TensorDataset
from ..core import Check, Claim, Figure, Label, Outcome, Table, Text, experiment, figure_png, pyplot
from ._training import train_or_diverge

__all__ = ["run"]

QUESTION = Text(
    "What are vanishing and exploding gradients, and what helps against them?",
    "什么是梯度消失和梯度爆炸？有什么办法应对？",
)

EXPLANATION = Text.prose(
    """
    Backpropagation multiplies the error signal by one Jacobian per layer, or per time step in a recurrent
    network. When those factors are mostly smaller than one the product shrinks exponentially and the early
    layers or early time steps stop learning (vanishing); when they are larger than one it grows exponentially,
    and a single update can throw the weights far away (exploding). A sigmoid's slope is at most 1/4 (question 6
    measures it). ReLU with He initialization is meant to keep the signal's scale from layer to layer, and batch
    norm re-normalizes it at every layer. Through time, a plain RNN's gradient depends on the size of its
    recurrent weights, while an LSTM's cell state is scaled only by its forget gate; PyTorch's default
    initialization, which shendu follows, starts the forget gate near sigmoid(0) = 0.5, and a forget-gate bias of
    3 starts it near 0.95. Clipping the gradient's norm before each step keeps its direction and bounds the step.
    Here the gradients are measured at initialization through a 10-layer MLP of 256 units and through 100 steps of
    a 64-unit RNN or LSTM, and an RNN with recurrent weights at twice an orthogonal matrix is trained with and
    without clipping.
    """,
    """
    反向传播把误差信号在每一层（循环网络中是每个时间步）乘上一个雅可比矩阵。当这些因子大多小于 1 时，乘积按指数缩小，
    前面的层或较早的时间步就停止学习（梯度消失）；当它们大于 1 时，乘积按指数增长，一次更新就可能把权重甩得很远（梯度
    爆炸）。sigmoid 的斜率最多只有 1/4（第 6 题测量了这一点）。ReLU 配合 He 初始化的目的是让信号的尺度逐层保持不变，批
    归一化则在每一层重新归一化信号。在时间方向上，普通 RNN 的梯度取决于循环权重的大小，而 LSTM 的细胞状态只被遗忘门缩
    放；shendu 沿用的 PyTorch 默认初始化让遗忘门从 sigmoid(0) = 0.5 附近开始，遗忘门偏置设为 3 则让它从 0.95 附近开始
    。在每一步之前裁剪梯度的范数，可以保持它的方向并限制步长。这里在初始化时测量梯度穿过一个 10 层、每层 256 单元
    的 MLP，以及穿过 64 单元 RNN 或 LSTM 的 100 个时间步的情况，并在有无梯度裁剪的情况下训练一个循环权重为正交矩阵两倍
    的 RNN。
    """,
)

_DEPTH = 10
_WIDTH = 256
_MLPS = ("sigmoid", "sigmoid_bn", "relu_he", "relu_he_bn")
_STEPS = 100
_RECURRENT_HIDDEN = 64
# Forget-gate bias that keeps the LSTM's forget gate near sigmoid(3) = 0.95 from the start.
_OPEN_FORGET_BIAS = 3.0
_CELLS = ("rnn", "rnn_orthogonal", "rnn_large", "lstm", "lstm_open")
_LARGE_SCALE = 2.0
_CLIP = 1.0

CLAIMS = (
    Claim(
        "sigmoid-vanishes",
        Text(
            "Through 10 sigmoid layers with the default initialization the gradient vanishes towards the input: "
            "the first layer's weight gradient is below 1e-3 of the last layer's.",
            "使用默认初始化时，穿过 10 个 sigmoid 层的梯度朝输入方向消失：第一层权重梯度不到最后一层的 1e-3。",
        ),
        (Check("sigmoid_first_over_last", "<", 1e-3),),
    ),
    Claim(
        "relu-he-keeps-scale",
        Text(
            "ReLU with He initialization keeps every layer's gradient norm within a factor of 10 of every other's.",
            "ReLU 配合 He 初始化让各层梯度范数彼此相差都在 10 倍以内。",
        ),
        (Check("relu_he_layer_spread", "<=", 10),),
    ),
    Claim(
        "batch-norm-rescues-sigmoid",
        Text(
            "Batch norm rescues the sigmoid network: its gradient norms then stay within a factor of 100.",
            "批归一化挽救了 sigmoid 网络：加上之后各层梯度范数的差距保持在 100 倍以内。",
        ),
        (Check("sigmoid_bn_layer_spread", "<=", 100),),
    ),
    Claim(
        "batch-norm-no-better-than-he",
        Text(
            "On top of He initialization, batch norm does not even the gradient norms out further: their spread "
            "is no smaller than with He alone, though still within a factor of 100.",
            "在 He 初始化的基础上，批归一化并没有让梯度范数更均匀：差距不比只用 He 时小，不过仍在 100 倍以内。",
        ),
        (
            Check("relu_he_bn_layer_spread", ">=", "relu_he_layer_spread"),
            Check("relu_he_bn_layer_spread", "<=", 100),
        ),
    ),
    Claim(
        "rnn-vanishes",
        Text(
            "Through time, the plain RNN with the default initialization keeps less than 1e-6 of the gradient "
            "after 100 steps back.",
            "在时间方向上，默认初始化的普通 RNN 往回传 100 步后，剩下的梯度不到 1e-6。",
        ),
        (Check("rnn_time_ratio", "<", 1e-6),),
    ),
    Claim(
        "rnn-explodes",
        Text(
            "With recurrent weights at twice an orthogonal matrix it explodes instead: the gradient grows more than "
            "1000-fold over the 100 steps.",
            "循环权重为正交矩阵的两倍时则发生爆炸：梯度在 100 步中增大超过 1000 倍。",
        ),
        (Check("rnn_large_time_ratio", ">", 1e3),),
    ),
    Claim(
        "lstm-default-vanishes",
        Text(
            "The LSTM with the default initialization vanishes as well: less than 1e-6 of the gradient is left after "
            "100 steps.",
            "默认初始化的 LSTM 同样会消失：往回传 100 步后，剩下的梯度不到 1e-6。",
        ),
        (Check("lstm_time_ratio", "<", 1e-6),),
    ),
    Claim(
        "lstm-open-forget-gate",
        Text(
            "With a forget-gate bias of 3 the LSTM keeps more than 1% of the gradient after 100 steps.",
            "遗忘门偏置为 3 时，LSTM 在 100 步后仍保留超过 1% 的梯度。",
        ),
        (Check("lstm_open_time_ratio", ">", 1e-2),),
    ),
    Claim(
        "clipping",
        Text(
            "Training the exploding RNN with SGD diverges without clipping, while clip_grad_norm_(1) brings its loss "
            "below 30% of the target's variance.",
            "用 SGD 训练这个会爆炸的 RNN，不裁剪时训练发散，而 clip_grad_norm_(1) 能把损失降到目标方差的 30% 以下。",
        ),
        (
            Check("unclipped_diverged", "==", True),
            Check("clipped_final_loss", "<", "target_variance", times=0.3),
        ),
    ),
)

_TIME_NAMES = {
    "rnn": ("RNN, default init", "RNN，默认初始化"),
    "rnn_orthogonal": ("RNN, orthogonal W_hh", "RNN，正交 W_hh"),
    "rnn_large": ("RNN, 2 x orthogonal W_hh", "RNN，2 倍正交 W_hh"),
    "lstm": ("LSTM, default init", "LSTM，默认初始化"),
    "lstm_open": ("LSTM, forget bias 3", "LSTM，遗忘门偏置 3"),
}
_DEPTH_NAMES = {
    "sigmoid": ("sigmoid, default init", "sigmoid，默认初始化"),
    "sigmoid_bn": ("sigmoid + batch norm", "sigmoid + 批归一化"),
    "relu_he": ("ReLU + He init", "ReLU + He 初始化"),
    "relu_he_bn": ("ReLU + He init + batch norm", "ReLU + He 初始化 + 批归一化"),
}
LABELS: dict[str, Label] = {
    "depth": Label("hidden layers", "隐藏层数"),
    "width": Label("units per layer", "每层单元数"),
    "sigmoid_first_over_last": Label(
        "sigmoid: first-layer / last-layer gradient norm", "sigmoid：第一层 / 最后一层梯度范数", ".3g"
    ),
    "target_variance": Label("variance of the regression target", "回归目标的方差", ".3f"),
    "unclipped_diverged": Label("without clipping: diverged", "不裁剪：发散"),
}
for _kind, (_en, _zh) in _DEPTH_NAMES.items():
    LABELS |= {
        f"{_kind}_first_layer_grad": Label(f"{_en}: layer 1 ||dL/dW||", f"{_zh}：第 1 层 ||dL/dW||", ".3g"),
        f"{_kind}_last_layer_grad": Label(f"{_en}: layer 10 ||dL/dW||", f"{_zh}：第 10 层 ||dL/dW||", ".3g"),
        f"{_kind}_layer_spread": Label(
            f"{_en}: largest / smallest layer gradient norm", f"{_zh}：各层梯度范数的最大值 / 最小值", ".3g"
        ),
    }
for _kind, (_en, _zh) in _TIME_NAMES.items():
    LABELS[f"{_kind}_time_ratio"] = Label(
        f"{_en}: ||dL/dh_1|| / ||dL/dh_100||", f"{_zh}：||dL/dh_1|| / ||dL/dh_100||", ".3g"
    )
for _name, (_en, _zh) in {
    "unclipped": ("without clipping", "不裁剪"),
    "clipped": ("clip_grad_norm_(1)", "clip_grad_norm_(1)"),
}.items():
    LABELS |= {
        f"{_name}_nonfinite_at": Label(
            f"{_en}: iteration the loss became non-finite (0: never)", f"{_zh}：损失变为非有限值的迭代（0：从未）"
        ),
        f"{_name}_final_loss": Label(f"{_en}: final training loss", f"{_zh}：最终训练损失", ".3g"),
        f"{_name}_max_grad_norm": Label(
            f"{_en}: largest gradient norm (before clipping)", f"{_zh}：最大梯度范数（裁剪前）", ".3g"
        ),
    }


def _mlp(kind: str) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Flatten()]
    width = 784
    for _ in range(_DEPTH):
        linear = nn.Linear(width, _WIDTH)
        if kind.startswith("relu"):
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
            nn.init.zeros_(linear.bias)
        layers.append(linear)
        if kind.endswith("_bn"):
            layers.append(nn.BatchNorm1d(_WIDTH))
        layers.append(nn.Sigmoid() if kind.startswith("sigmoid") else nn.ReLU())
        width = _WIDTH
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


def _depth_gradients(seed: int, batch: int) -> dict[str, list[float]]:
    """The norm of each hidden layer's weight gradient at initialization, first layer first."""
    images, labels = FashionMNIST(train=False).arrays()
    order = np.random.default_rng(seed).permutation(len(labels))[:batch]
    x, y = tensor(images[order]), tensor(labels[order])
    norms = {}
    for kind in _MLPS:
        manual_seed(seed)
        model = _mlp(kind)
        nn.functional.cross_entropy(model(x), y).backward()
        linears = [m for m in model if isinstance(m, nn.Linear)][:_DEPTH]
        norms[kind] = [float(m.weight.grad.norm().item()) for m in linears]
    return norms


def _norm_hook(store: list[float], step: int) -> Callable[[Tensor], None]:
    """A tensor hook that writes the norm of the gradient it sees into ``store[step]``."""

    def hook(grad: Tensor) -> None:
        store[step] = float(grad.norm().item())

    return hook


def _time_gradients(seed: int) -> dict[str, list[float]]:
    """``||dL/dh_t||`` for every step of a 100-step recurrence, read by hooks on each hidden state.

    The loss depends on the last hidden state only, so the gradient at step t is what is left of
    the error signal after travelling back ``100 - t`` steps. Float64 keeps the smallest of them
    (around 1e-20) from flushing to zero.
    """
    manual_seed(seed)
    inputs = randn(_STEPS, 16, 8, dtype=float64)
    readout = randn(_RECURRENT_HIDDEN, dtype=float64)
    norms = {}
    for kind in _CELLS:
        manual_seed(seed)
        cell = (LSTMCell if kind.startswith("lstm") else RNNCell)(8, _RECURRENT_HIDDEN).double()
        with no_grad():
            if kind in ("rnn_orthogonal", "rnn_large"):
                nn.init.orthogonal_(cell.weight_hh)
                cell.weight_hh.mul_(_LARGE_SCALE if kind == "rnn_large" else 1.0)
            if kind == "lstm_open":
                cell.bias_ih[_RECURRENT_HIDDEN : 2 * _RECURRENT_HIDDEN].fill_(_OPEN_FORGET_BIAS)
        seen = [0.0] * _STEPS
        h = zeros(16, _RECURRENT_HIDDEN, dtype=float64)
        c = zeros(16, _RECURRENT_HIDDEN, dtype=float64)
        for step in range(_STEPS):
            if kind.startswith("lstm"):
                h, c = cell(inputs[step], (h, c))
            else:
                h = cell(inputs[step], h)
            h.register_hook(_norm_hook(seen, step))
        (h @ readout).mean().backward()
        norms[kind] = seen
    return norms


class _GradNormRecorder(Callback):
    """The loss and the total gradient norm (before any clipping) of every iteration."""

    def __init__(self) -> None:
        self.losses: list[float] = []
        self.norms: list[float] = []

    def on_after_backward(self, trainer: Trainer) -> None:
        total = sum(float(p.grad.double().pow(2).sum().item()) for p in trainer.model.parameters())
        self.norms.append(math.sqrt(total))

    def on_batch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        self.losses.append(logs["loss"])


class _SumRegressor(nn.Module):
    """A tanh RNN whose recurrent weights start as ``scale`` times an orthogonal matrix."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.rnn = RNN(1, 32, batch_first=True)
        self.head = nn.Linear(32, 1)
        with no_grad():
            nn.init.orthogonal_(self.rnn.weight_hh_l0)
            self.rnn.weight_hh_l0.mul_(scale)

    def forward(self, x: Tensor) -> Tensor:
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def _clipping(seed: int, epochs: int) -> dict[str, Any]:
    """Train the same exploding RNN to output the scaled sum of its inputs, without and with clipping."""
    rng = np.random.default_rng(seed)
    length, n = 20, 2000
    x = rng.standard_normal((n, length, 1)).astype(np.float32)
    y = (x.sum(axis=1) / np.sqrt(length)).astype(np.float32)
    result: dict[str, Any] = {"target_variance": float(y.var())}
    for name, clip in (("unclipped", None), ("clipped", _CLIP)):
        manual_seed(seed)
        model = _SumRegressor(_LARGE_SCALE)
        recorder = _GradNormRecorder()
        callbacks: list[Callback] = [recorder] + ([GradientClipping(clip)] if clip else [])
        loader = DataLoader(
            TensorDataset(tensor(x), tensor(y)),
            batch_size=50,
            shuffle=True,
            generator=Generator().manual_seed(seed),
        )
        sgd = optim.SGD(model.parameters(), lr=0.1)
        with np.errstate(over="ignore", invalid="ignore"):
            _, diverged = train_or_diverge(
                model, sgd, nn.MSELoss(), loader, epochs=epochs, callbacks=callbacks, task="regression"
            )
        # the iteration whose loss was not finite: the one after the last that finished
        stopped = len(recorder.losses) + 1 if diverged else 0
        losses = np.asarray(recorder.losses)
        finite = [v for v in recorder.norms if math.isfinite(v)]
        result[name] = {
            "nonfinite_at": stopped,
            "iterations": len(losses),
            "first_loss": float(losses[:10].mean()),
            "final_loss": float(losses[-20:].mean()),
            "max_grad_norm": max(finite) if finite else float("inf"),
            "losses": recorder.losses,
            "norms": recorder.norms,
        }
    return result


@experiment(
    22,
    "vanishing-exploding-gradients",
    question=QUESTION,
    explanation=EXPLANATION,
    claims=CLAIMS,
    labels=LABELS,
    key="sigmoid_first_over_last",
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    batch, epochs = (64, 8) if quick else (512, 20) if full else (256, 10)
    numbers: dict[str, Any] = {"depth": _DEPTH, "width": _WIDTH}
    depth = _depth_gradients(seed, batch)
    rows = [(layer + 1, *(depth[k][layer] for k in _MLPS)) for layer in range(_DEPTH)]
    for kind, norms in depth.items():
        numbers[f"{kind}_first_layer_grad"] = norms[0]
        numbers[f"{kind}_last_layer_grad"] = norms[-1]
        numbers[f"{kind}_layer_spread"] = max(norms) / min(norms)
    numbers["sigmoid_first_over_last"] = depth["sigmoid"][0] / depth["sigmoid"][-1]

    through_time = _time_gradients(seed)
    for kind, norms in through_time.items():
        numbers[f"{kind}_time_ratio"] = norms[0] / norms[-1]

    clipping = _clipping(seed, epochs)
    numbers["target_variance"] = clipping["target_variance"]
    for name in ("unclipped", "clipped"):
        run_stats = clipping[name]
        numbers[f"{name}_nonfinite_at"] = run_stats["nonfinite_at"]
        numbers[f"{name}_final_loss"] = run_stats["final_loss"]
        numbers[f"{name}_max_grad_norm"] = run_stats["max_grad_norm"]
    unclipped = clipping["unclipped"]
    numbers["unclipped_diverged"] = bool(
        unclipped["nonfinite_at"]
        or not math.isfinite(unclipped["final_loss"])
        or unclipped["final_loss"] > unclipped["first_loss"]
    )

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for kind in _MLPS:
        axes[0].semilogy(range(1, _DEPTH + 1), depth[kind], marker="o", label=_DEPTH_NAMES[kind][0])
    axes[0].set_xlabel("hidden layer (1 = nearest the input)")
    axes[0].set_ylabel("||dL/dW|| at initialization")
    axes[0].set_title(f"Through depth: {_DEPTH} layers of {_WIDTH}")
    axes[0].legend()
    for kind in _CELLS:
        axes[1].semilogy(range(1, _STEPS + 1), through_time[kind], label=_TIME_NAMES[kind][0])
    axes[1].set_xlabel("time step t (the loss reads step 100)")
    axes[1].set_ylabel("||dL/dh_t|| (hook on h_t)")
    axes[1].set_title("Through time: 100 steps")
    axes[1].legend()
    figures = {
        "gradient-norms": Figure(
            Text(
                "Gradient norms at initialization: per layer of the 10-layer MLP, and per time step of the "
                "recurrent networks (log scales).",
                "初始化时的梯度范数：10 层 MLP 的每一层，以及循环网络的每个时间步（对数刻度）。",
            ),
            figure_png(fig),
        )
    }

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for name, label in (("unclipped", "no clipping"), ("clipped", f"clip_grad_norm_({_CLIP:g})")):
        stats = clipping[name]
        with np.errstate(over="ignore", invalid="ignore"):
            axes[0].semilogy(np.arange(1, len(stats["losses"]) + 1), stats["losses"], label=label)
            axes[1].semilogy(np.arange(1, len(stats["norms"]) + 1), stats["norms"], label=label)
    axes[0].axhline(numbers["target_variance"], color="gray", linestyle="--", label="predict zero")
    if numbers["unclipped_nonfinite_at"]:
        # The unclipped loss runs off to overflow; the axis keeps the converging run readable.
        axes[0].set_ylim(top=1e4)
        axes[0].annotate(
            f"no clipping: non-finite at iteration {numbers['unclipped_nonfinite_at']}",
            xy=(numbers["unclipped_nonfinite_at"], 1e4),
            xytext=(0.3, 0.85),
            textcoords="axes fraction",
            arrowprops={"arrowstyle": "->"},
        )
    axes[0].set_xlabel("iteration")
    axes[0].set_ylabel("training MSE")
    axes[0].set_title(f"RNN with {_LARGE_SCALE:g} x orthogonal recurrent weights, SGD")
    axes[0].legend()
    axes[1].set_xlabel("iteration")
    axes[1].set_ylabel("gradient norm before clipping")
    axes[1].set_title("Gradient norm")
    figures["clipping"] = Figure(
        Text(
            "Training loss and gradient norm of the exploding RNN, with and without clipping (log scales).",
            "会爆炸的 RNN 在有无裁剪时的训练损失和梯度范数（对数刻度）。",
        ),
        figure_png(fig),
    )
    table = Table(
        Text("Weight-gradient norm ||dL/dW|| per layer at initialization", "初始化时每层的权重梯度范数 ||dL/dW||"),
        (Text("layer", "层"), *(Text(*_DEPTH_NAMES[k]) for k in _MLPS)),
        rows,
    )
    return Outcome(numbers, figures, [table])
