"""Question 21: how an LSTM works: the adding problem, and its gates over one sequence."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

import shendu
from shendu import nn
from shendu.nn.modules.rnn import LSTM, RNN
from shendu.train import Callback, Trainer
from shendu.utils.data import DataLoader, TensorDataset

from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot

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

    def forward(self, x: shendu.Tensor) -> shendu.Tensor:
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


class LossRecorder(Callback):
    """Keeps the training loss of every iteration."""

    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_batch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        self.losses.append(logs["loss"])


def lstm_gates(lstm: Any, x: shendu.Tensor) -> dict[str, np.ndarray]:
    """Run a one-layer LSTM step by step from its weights: gates, cell and hidden state over time.

    Args:
        lstm: a one-layer ``LSTM``.
        x: one sequence (T, input_size).

    Returns:
        ``i``, ``f``, ``g``, ``o``, ``c``, ``h``: arrays (T, H).
    """
    hidden = lstm.hidden_size
    h = shendu.zeros(hidden)
    c = shendu.zeros(hidden)
    record: dict[str, list[np.ndarray]] = {name: [] for name in ("i", "f", "g", "o", "c", "h")}
    with shendu.no_grad():
        for step in range(x.shape[0]):
            pre = lstm.weight_ih_l0 @ x[step] + lstm.bias_ih_l0 + lstm.weight_hh_l0 @ h + lstm.bias_hh_l0
            i, f, g, o = pre.chunk(4)
            i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
            c = f * c + i * g
            h = o * c.tanh()
            for name, value in zip(record, (i, f, g, o, c, h)):
                record[name].append(value.numpy())
    return {name: np.stack(values) for name, values in record.items()}


def judge(numbers: Mapping[str, Any]) -> Verdict:
    baseline = numbers["mean_predictor_mse"]
    lstm, rnn = numbers["lstm_val_mse"], numbers["rnn_val_mse"]
    checks = [
        (
            lstm < 0.1 * baseline,
            f"the LSTM's MSE {lstm:.4f} was not below a tenth of the mean predictor's {baseline:.3f}",
        ),
        (rnn > 0.5 * baseline, f"the vanilla RNN's MSE {rnn:.4f} fell well below the mean predictor's {baseline:.3f}"),
        (
            numbers["gates_recomputed_max_diff"] < 1e-4,
            f"the gates recomputed from the weights gave a hidden state {numbers['gates_recomputed_max_diff']:.2g} "
            "away from the LSTM layer's",
        ),
    ]
    return all_of(
        checks,
        f"At T = {numbers['T']} the LSTM reached a validation MSE of {lstm:.4f}, {baseline / lstm:.0f}x below the "
        f"{baseline:.3f} of always predicting the mean, while the vanilla RNN stayed at {rnn:.3f} after the same "
        f"{numbers['iterations']} updates. Its unit {numbers['memory_unit']} opens its input gate to "
        f"{numbers['memory_unit_input_gate_at_markers']:.2f} at the marked steps "
        f"({numbers['memory_unit_input_gate_elsewhere']:.2f} elsewhere) with a mean forget gate of "
        f"{numbers['memory_unit_forget_gate_mean']:.2f}.",
    )


@experiment(
    21,
    "lstm",
    question="How does an LSTM work?",
    answer="""An LSTM is a recurrent layer with a separate memory, the cell state, and three gates that decide
    what happens to it at each step: the input gate decides how much of the new candidate value is written, the
    forget gate how much of the old cell state is kept, and the output gate how much of the cell is shown as the
    hidden state. Because the cell is updated by addition and scaled only by the forget gate, information and
    gradients can travel across many steps when that gate stays near 1, instead of being squashed through a
    nonlinearity and a weight matrix at every step as in a plain RNN. On the adding problem, where the answer is
    the sum of two marked numbers far apart in a long sequence, the LSTM learns the task while a vanilla RNN of
    the same size cannot beat predicting the average. Reading the trained gates shows the mechanism: the input
    gate opens at the marked steps and the forget gate holds the stored values until the end.""",
    judge=judge,
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    length, n_train, epochs = _SIZES["quick" if quick else "full" if full else "default"]
    rng = np.random.default_rng(seed)
    x_train, y_train = adding_problem(n_train, length, rng)
    x_val, y_val = adding_problem(1000, length, rng)
    val = DataLoader(TensorDataset(shendu.tensor(x_val), shendu.tensor(y_val)), batch_size=500)
    numbers: dict[str, Any] = {
        "T": length,
        "hidden": _HIDDEN,
        "mean_predictor_mse": float(y_val.var()),
        "mean_predictor_mse_theory": MEAN_PREDICTOR_MSE,
    }
    curves: dict[str, list[float]] = {}
    models: dict[str, SequenceRegressor] = {}
    for kind in ("lstm", "rnn"):
        shendu.manual_seed(seed)
        model = SequenceRegressor(kind)
        train = DataLoader(
            TensorDataset(shendu.tensor(x_train), shendu.tensor(y_train)),
            batch_size=_BATCH,
            shuffle=True,
            generator=shendu.Generator().manual_seed(seed),
        )
        recorder = LossRecorder()
        trainer = Trainer(
            model,
            shendu.optim.Adam(model.parameters(), lr=0.01),
            nn.MSELoss(),
            train,
            val,
            epochs=epochs,
            callbacks=[recorder],
            task="regression",
            verbose=0,
        )
        history = trainer.fit()
        numbers[f"{kind}_val_mse"] = history[-1]["val_mse"]
        numbers["iterations"] = trainer.iteration
        curves[kind] = recorder.losses
        models[kind] = model

    lstm = models["lstm"].rnn
    sequence = shendu.tensor(x_val[0])
    gates = lstm_gates(lstm, sequence)
    with shendu.no_grad():
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
    figures = {"adding-problem": figure_png(fig)}

    fig, axes = plt.subplots(5, 1, figsize=(9, 8.5), sharex=True, gridspec_kw={"height_ratios": [1, 2, 2, 2, 2]})
    steps = np.arange(length)
    axes[0].bar(steps, x_val[0, :, 0], color=np.where(marked, "tab:red", "lightgray"))
    axes[0].set_ylabel("input")
    axes[0].set_title(
        f"One sequence (marked values in red): target {numbers['example_target']:.3f}, LSTM says {prediction:.3f}",
        fontsize=10,
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
        ax.set_ylabel(f"{title}\n(unit)", fontsize=9)
        fig.colorbar(image, ax=ax, pad=0.01)
    # An invisible colorbar keeps the input panel's time axis aligned with the heatmaps below it.
    fig.colorbar(image, ax=axes[0], pad=0.01).ax.set_visible(False)
    axes[-1].set_xlabel("time step")
    figures["gates"] = figure_png(fig)
    return Outcome(numbers, figures)
