"""Question 21: how an LSTM works: the adding problem, and its gates over one sequence."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import Generator, Tensor, manual_seed, nn, no_grad, optim, tensor, zeros
from ...nn.modules.rnn import LSTM, RNN
from ...utils.data import DataLoader, TensorDataset
from ..core import Check, Claim, Figure, Label, Outcome, Text, experiment, figure_png, pyplot
from ._training import LossRecorder, train

__all__ = ["SequenceRegressor", "adding_problem", "lstm_gates", "run"]

QUESTION = Text("How does an LSTM work?", "LSTM 是怎样工作的？")

EXPLANATION = Text.prose(
    """
    An LSTM is a recurrent layer with a separate memory, the cell state, and three gates that decide what
    happens to it at each step: the input gate decides how much of the new candidate value is written, the forget
    gate how much of the old cell state is kept, and the output gate how much of the cell is shown as the hidden
    state. Because the cell is updated by addition and scaled only by the forget gate, information and gradients
    can travel across many steps when that gate stays near 1, instead of being squashed through a nonlinearity
    and a weight matrix at every step as in a plain RNN. Here an LSTM and a vanilla RNN of the same size (32
    units) learn the adding problem: each step carries a random number and a marker, and the answer is the sum of
    the two marked numbers, one in each half of a long sequence. The gates are then read off one sequence,
    recomputed step by step from the LSTM's weights.
    """,
    """
    LSTM 是一种带有独立记忆（细胞状态）的循环层，另有三个门决定每一步如何处理这个记忆：输入门决定写入多少新的候选值，
    遗忘门决定保留多少旧的细胞状态，输出门决定把多少细胞状态作为隐藏状态输出。由于细胞状态是通过加法更新、只被遗忘门缩
    放，当这个门保持在接近 1 时，信息和梯度就能穿越很多步，而不像普通 RNN 那样每一步都要经过一次非线性函数和一个权重矩
    阵的挤压。这里一个 LSTM 和一个同样大小（32 个单元）的普通 RNN 学习加法问题：每一步携带一个随机数和一个标记，答案是
    两个被标记的数之和，它们分别位于一个长序列的前后两半。然后在一个序列上读出门的值，这些值是用 LSTM 的权重逐步重新计
    算出来的。
    """,
)

CLAIMS = (
    Claim(
        "lstm-learns",
        Text(
            "The LSTM learns the task: its validation error falls below a tenth of the error of always predicting "
            "the mean.",
            "LSTM 学会了这个任务：它的验证误差低于始终预测平均值的误差的十分之一。",
        ),
        (Check("lstm_val_mse", "<", "mean_predictor_mse", times=0.1),),
    ),
    Claim(
        "rnn-fails",
        Text(
            "The vanilla RNN, after the same updates, does not get below half of that error.",
            "普通 RNN 经过同样多次更新后，误差仍不低于那个误差的一半。",
        ),
        (Check("rnn_val_mse", ">", "mean_predictor_mse", times=0.5),),
    ),
    Claim(
        "gates-recomputed",
        Text(
            "Computing the gates step by step from the layer's weights reproduces its hidden states to within 1e-4.",
            "用该层的权重逐步计算各个门，能以 1e-4 以内的误差重现它的隐藏状态。",
        ),
        (Check("gates_recomputed_max_diff", "<", 1e-4),),
    ),
    Claim(
        "input-gate-opens",
        Text(
            "One unit stores the values: its input gate opens to at least 0.5 at the marked steps and stays below "
            "0.1 elsewhere.",
            "有一个单元负责存储这些值：它的输入门在被标记的步上打开到至少 0.5，在其他步上保持在 0.1 以下。",
        ),
        (
            Check("memory_unit_input_gate_at_markers", ">=", 0.5),
            Check("memory_unit_input_gate_elsewhere", "<", 0.1),
        ),
    ),
    Claim(
        "forget-gate-holds",
        Text(
            "Its forget gate holds what was written: it averages at least 0.9 over the sequence.",
            "它的遗忘门保住了写入的内容：在整个序列上的平均值至少为 0.9。",
        ),
        (Check("memory_unit_forget_gate_mean", ">=", 0.9),),
    ),
)

LABELS = {
    "T": Label("sequence length T", "序列长度 T"),
    "hidden": Label("hidden units", "隐藏单元数"),
    "mean_predictor_mse": Label("always predicting the mean: validation MSE", "始终预测平均值：验证均方误差", ".4f"),
    "mean_predictor_mse_theory": Label("the same in theory (1/6)", "理论值（1/6）", ".4f"),
    "lstm_val_mse": Label("LSTM: validation MSE", "LSTM：验证均方误差", ".4g"),
    "rnn_val_mse": Label("vanilla RNN: validation MSE", "普通 RNN：验证均方误差", ".4g"),
    "iterations": Label("updates per network", "每个网络的更新次数"),
    "gates_recomputed_max_diff": Label(
        "largest |recomputed - layer's hidden state|", "|重算值 - 该层隐藏状态| 的最大值", ".2g"
    ),
    "input_gate_at_markers": Label(
        "input gate at the marked steps (all units)", "被标记步上的输入门（所有单元）", ".3f"
    ),
    "input_gate_elsewhere": Label("input gate elsewhere (all units)", "其他步上的输入门（所有单元）", ".3f"),
    "forget_gate_mean": Label("forget gate, mean (all units)", "遗忘门平均值（所有单元）", ".3f"),
    "memory_unit": Label("memory unit (largest input-gate contrast)", "记忆单元（输入门差异最大者）"),
    "memory_unit_input_gate_at_markers": Label(
        "memory unit: input gate at the marked steps", "记忆单元：被标记步上的输入门", ".3f"
    ),
    "memory_unit_input_gate_elsewhere": Label("memory unit: input gate elsewhere", "记忆单元：其他步上的输入门", ".3f"),
    "memory_unit_forget_gate_mean": Label("memory unit: forget gate, mean", "记忆单元：遗忘门平均值", ".3f"),
    "example_target": Label("example sequence: target", "示例序列：目标值", ".3f"),
    "example_prediction": Label("example sequence: LSTM's answer", "示例序列：LSTM 的回答", ".3f"),
}

_HIDDEN = 32
_BATCH = 64
# (sequence length T, training sequences, epochs) per mode: 900, 2000 and 5000 updates.
_SIZES = {"quick": (30, 9600, 6), "default": (50, 16000, 8), "full": (100, 32000, 10)}
# Predicting the mean of the sum of two U(0, 1) values always gives an MSE of 2/12.
MEAN_PREDICTOR_MSE = 1.0 / 6.0


def adding_problem(n: int, length: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Hochreiter & Schmidhuber's adding problem: sum the two values whose marker is 1.

    Each step carries a value from U(0, 1) and a marker; one marker sits in the first half of the
    sequence and one in the second, so the answer needs a memory of up to ``length`` steps.

    Returns:
        inputs (n, length, 2) float32 and targets (n, 1) float32.
    """
    inputs = np.zeros((n, length, 2), np.float32)
    inputs[:, :, 0] = rng.random((n, length), dtype=np.float32)
    rows = np.arange(n)
    first = rng.integers(0, length // 2, n)
    second = rng.integers(length // 2, length, n)
    inputs[rows, first, 1] = 1.0
    inputs[rows, second, 1] = 1.0
    targets = inputs[rows, first, 0] + inputs[rows, second, 0]
    return inputs, targets[:, None].astype(np.float32)


class SequenceRegressor(nn.Module):
    """A recurrent layer read out by a linear layer at the last step."""

    def __init__(self, kind: str, input_size: int = 2, hidden: int = _HIDDEN) -> None:
        super().__init__()
        self.rnn = (LSTM if kind == "lstm" else RNN)(input_size, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: Tensor) -> Tensor:
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def lstm_gates(lstm: Any, x: Tensor) -> dict[str, np.ndarray]:
    """Run a one-layer LSTM step by step from its weights: gates, cell and hidden state over time.

    Args:
        lstm: a one-layer ``LSTM``.
        x: one sequence (T, input_size).

    Returns:
        ``i``, ``f``, ``g``, ``o``, ``c``, ``h``: arrays (T, H).
    """
    hidden = lstm.hidden_size
    h = zeros(hidden)
    c = zeros(hidden)
    record: dict[str, list[np.ndarray]] = {name: [] for name in ("i", "f", "g", "o", "c", "h")}
    with no_grad():
        for step in range(x.shape[0]):
            pre = lstm.weight_ih_l0 @ x[step] + lstm.bias_ih_l0 + lstm.weight_hh_l0 @ h + lstm.bias_hh_l0
            i, f, g, o = pre.chunk(4)
            i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
            c = f * c + i * g
            h = o * c.tanh()
            for name, value in zip(record, (i, f, g, o, c, h)):
                record[name].append(value.numpy())
    return {name: np.stack(values) for name, values in record.items()}


@experiment(21, "lstm", question=QUESTION, explanation=EXPLANATION, claims=CLAIMS, labels=LABELS, key="lstm_val_mse")
def run(seed: int, quick: bool, full: bool) -> Outcome:
    length, n_train, epochs = _SIZES["quick" if quick else "full" if full else "default"]
    rng = np.random.default_rng(seed)
    x_train, y_train = adding_problem(n_train, length, rng)
    x_val, y_val = adding_problem(1000, length, rng)
    val = DataLoader(TensorDataset(tensor(x_val), tensor(y_val)), batch_size=500)
    numbers: dict[str, Any] = {
        "T": length,
        "hidden": _HIDDEN,
        "mean_predictor_mse": float(y_val.var()),
        "mean_predictor_mse_theory": MEAN_PREDICTOR_MSE,
    }
    curves: dict[str, list[float]] = {}
    models: dict[str, SequenceRegressor] = {}
    for kind in ("lstm", "rnn"):
        manual_seed(seed)
        model = SequenceRegressor(kind)
        batches = DataLoader(
            TensorDataset(tensor(x_train), tensor(y_train)),
            batch_size=_BATCH,
            shuffle=True,
            generator=Generator().manual_seed(seed),
        )
        recorder = LossRecorder()
        adam = optim.Adam(model.parameters(), lr=0.01)
        trainer = train(model, adam, nn.MSELoss(), batches, val, epochs=epochs, callbacks=[recorder], task="regression")
        history = trainer.history
        numbers[f"{kind}_val_mse"] = history[-1]["val_mse"]
        numbers["iterations"] = trainer.iteration
        curves[kind] = recorder.losses
        models[kind] = model

    lstm = models["lstm"].rnn
    sequence = tensor(x_val[0])
    gates = lstm_gates(lstm, sequence)
    with no_grad():
        layer_out, _ = lstm(sequence.unsqueeze(0))
        prediction = float(models["lstm"](sequence.unsqueeze(0)).item())
    numbers["gates_recomputed_max_diff"] = float(np.abs(layer_out[0].numpy() - gates["h"]).max())
    marked = x_val[0, :, 1] == 1.0
    numbers["input_gate_at_markers"] = float(gates["i"][marked].mean())
    numbers["input_gate_elsewhere"] = float(gates["i"][~marked].mean())
    numbers["forget_gate_mean"] = float(gates["f"].mean())
    # The unit whose input gate opens most at the marked steps is the one that stores the values.
    contrast = gates["i"][marked].mean(0) - gates["i"][~marked].mean(0)
    unit = int(contrast.argmax())
    numbers["memory_unit"] = unit
    numbers["memory_unit_input_gate_at_markers"] = float(gates["i"][marked, unit].mean())
    numbers["memory_unit_input_gate_elsewhere"] = float(gates["i"][~marked, unit].mean())
    numbers["memory_unit_forget_gate_mean"] = float(gates["f"][:, unit].mean())
    numbers["example_target"] = float(y_val[0, 0])
    numbers["example_prediction"] = prediction

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.6))
    window = 25
    for kind, label in (("lstm", "LSTM"), ("rnn", "vanilla RNN")):
        losses = np.asarray(curves[kind])
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
        ax.plot(np.arange(window, len(losses) + 1), smooth, label=label)
    ax.axhline(numbers["mean_predictor_mse"], color="gray", linestyle="--", label="always predict the mean")
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel(f"training MSE ({window}-step average)")
    ax.set_title(f"The adding problem, T = {length}")
    ax.legend()
    figures = {
        "adding-problem": Figure(
            Text(
                "Training error of the LSTM and the vanilla RNN on the adding problem (log scale).",
                "LSTM 和普通 RNN 在加法问题上的训练误差（对数刻度）。",
            ),
            figure_png(fig),
        )
    }

    fig, axes = plt.subplots(5, 1, figsize=(9, 8.5), sharex=True, gridspec_kw={"height_ratios": [1, 2, 2, 2, 2]})
    steps = np.arange(length)
    axes[0].bar(steps, x_val[0, :, 0], color=np.where(marked, "tab:red", "lightgray"))
    axes[0].set_ylabel("input")
    axes[0].set_title(
        f"One sequence (marked values in red): target {numbers['example_target']:.3f}, LSTM says {prediction:.3f}"
    )
    for ax, name, title in zip(
        axes[1:], ("i", "f", "o", "c"), ("input gate i", "forget gate f", "output gate o", "cell state c")
    ):
        values = gates[name].T
        image = ax.imshow(
            values,
            aspect="auto",
            cmap="viridis" if name != "c" else "coolwarm",
            interpolation="nearest",
            vmin=0.0 if name != "c" else None,
            vmax=1.0 if name != "c" else None,
        )
        for position in np.flatnonzero(marked):
            ax.axvline(position, color="red", linewidth=0.8)
        ax.set_ylabel(f"{title}\n(unit)")
        fig.colorbar(image, ax=ax, pad=0.01)
    # An invisible colorbar keeps the input panel's time axis aligned with the heatmaps below it.
    fig.colorbar(image, ax=axes[0], pad=0.01).ax.set_visible(False)
    axes[-1].set_xlabel("time step")
    figures["gates"] = Figure(
        Text(
            "One validation sequence and the LSTM's gates and cell state on it, unit by unit (red lines: the "
            "marked steps).",
            "一个验证序列，以及 LSTM 在其上逐单元的各个门和细胞状态（红线：被标记的步）。",
        ),
        figure_png(fig),
    )
    return Outcome(numbers, figures)
