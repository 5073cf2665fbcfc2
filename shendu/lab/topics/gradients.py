"""Question 22: vanishing and exploding gradients, through depth and through time, and gradient clipping."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

import shendu
from shendu import nn
from shendu.datasets import FashionMNIST
from shendu.nn.modules.rnn import RNN, LSTMCell, RNNCell
from shendu.train import Callback, GradientClipping, NonFiniteError, Trainer
from shendu.utils.data import DataLoader, TensorDataset

from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot

_DEPTH = 10
_WIDTH = 256
_MLPS = {
    "sigmoid": "sigmoid, default init",
    "sigmoid_bn": "sigmoid + batch norm",
    "relu_he": "ReLU + He init",
    "relu_he_bn": "ReLU + He init + batch norm",
}
_STEPS = 100
_RECURRENT_HIDDEN = 64
# Forget-gate bias that keeps the LSTM's forget gate near sigmoid(3) = 0.95 from the start.
_OPEN_FORGET_BIAS = 3.0
_CELLS = {
    "rnn": "RNN, default init",
    "rnn_orthogonal": "RNN, orthogonal W_hh",
    "rnn_large": "RNN, 2 x orthogonal W_hh",
    "lstm": "LSTM, default init",
    "lstm_open": f"LSTM, forget bias {_OPEN_FORGET_BIAS:g}",
}
_LARGE_SCALE = 2.0
_CLIP = 1.0


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
    x, y = shendu.tensor(images[order]), shendu.tensor(labels[order])
    norms = {}
    for kind in _MLPS:
        shendu.manual_seed(seed)
        model = _mlp(kind)
        nn.functional.cross_entropy(model(x), y).backward()
        linears = [m for m in model if isinstance(m, nn.Linear)][:_DEPTH]
        norms[kind] = [float(m.weight.grad.norm().item()) for m in linears]
    return norms


def _norm_hook(store: list[float], step: int) -> Callable[[shendu.Tensor], None]:
    """A tensor hook that writes the norm of the gradient it sees into ``store[step]``."""

    def hook(grad: shendu.Tensor) -> None:
        store[step] = float(grad.norm().item())

    return hook


def _time_gradients(seed: int) -> dict[str, list[float]]:
    """``||dL/dh_t||`` for every step of a 100-step recurrence, read by hooks on each hidden state.

    The loss depends on the last hidden state only, so the gradient at step t is what is left of
    the error signal after travelling back ``100 - t`` steps. Float64 keeps the smallest of them
    (around 1e-20) from flushing to zero.
    """
    shendu.manual_seed(seed)
    inputs = shendu.randn(_STEPS, 16, 8, dtype=shendu.float64)
    readout = shendu.randn(_RECURRENT_HIDDEN, dtype=shendu.float64)
    norms = {}
    for kind in _CELLS:
        shendu.manual_seed(seed)
        cell = (LSTMCell if kind.startswith("lstm") else RNNCell)(8, _RECURRENT_HIDDEN).double()
        with shendu.no_grad():
            if kind in ("rnn_orthogonal", "rnn_large"):
                nn.init.orthogonal_(cell.weight_hh)
                cell.weight_hh.mul_(_LARGE_SCALE if kind == "rnn_large" else 1.0)
            if kind == "lstm_open":
                cell.bias_ih[_RECURRENT_HIDDEN : 2 * _RECURRENT_HIDDEN].fill_(_OPEN_FORGET_BIAS)
        seen = [0.0] * _STEPS
        h = shendu.zeros(16, _RECURRENT_HIDDEN, dtype=shendu.float64)
        c = shendu.zeros(16, _RECURRENT_HIDDEN, dtype=shendu.float64)
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
        with shendu.no_grad():
            nn.init.orthogonal_(self.rnn.weight_hh_l0)
            self.rnn.weight_hh_l0.mul_(scale)

    def forward(self, x: shendu.Tensor) -> shendu.Tensor:
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
        shendu.manual_seed(seed)
        model = _SumRegressor(_LARGE_SCALE)
        recorder = _GradNormRecorder()
        callbacks: list[Callback] = [recorder] + ([GradientClipping(clip)] if clip else [])
        loader = DataLoader(
            TensorDataset(shendu.tensor(x), shendu.tensor(y)),
            batch_size=50,
            shuffle=True,
            generator=shendu.Generator().manual_seed(seed),
        )
        trainer = Trainer(
            model,
            shendu.optim.SGD(model.parameters(), lr=0.1),
            nn.MSELoss(),
            loader,
            epochs=epochs,
            callbacks=callbacks,
            task="regression",
            verbose=0,
        )
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                trainer.fit()
                stopped = 0
            except NonFiniteError:
                stopped = trainer.iteration + 1
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


def judge(numbers: Mapping[str, Any]) -> Verdict:
    checks = [
        (
            numbers["sigmoid_layer_spread"] > 1e3,
            f"the sigmoid MLP's gradient norms spread only {numbers['sigmoid_layer_spread']:.3g}x across layers",
        ),
    ]
    for kind in ("sigmoid_bn", "relu_he", "relu_he_bn"):
        checks.append(
            (
                numbers[f"{kind}_layer_spread"] < 1e2,
                f"with {_MLPS[kind]} the gradient norms still spread {numbers[f'{kind}_layer_spread']:.3g}x",
            )
        )
    checks += [
        (
            numbers["rnn_time_ratio"] < 1e-6,
            f"the RNN's gradient at step 1 kept {numbers['rnn_time_ratio']:.2g} of step 100's, not a vanishing one",
        ),
        (
            numbers["rnn_large_time_ratio"] > 1e3,
            f"the large-weight RNN's gradient grew only {numbers['rnn_large_time_ratio']:.2g}x over 100 steps",
        ),
        (
            numbers["lstm_open_time_ratio"] > 1e-2,
            f"the LSTM with an open forget gate kept only {numbers['lstm_open_time_ratio']:.2g} of the gradient",
        ),
        (
            numbers["unclipped_diverged"],
            f"without clipping training did not diverge (final loss {numbers['unclipped_final_loss']:.3g})",
        ),
        (
            numbers["clipped_final_loss"] < 0.3 * numbers["target_variance"],
            f"with clipping the loss ended at {numbers['clipped_final_loss']:.3g}, not below 0.3 x the target "
            f"variance {numbers['target_variance']:.3g}",
        ),
    ]
    unclipped = (
        f"became non-finite at iteration {numbers['unclipped_nonfinite_at']}"
        if numbers["unclipped_nonfinite_at"]
        else f"ended at loss {numbers['unclipped_final_loss']:.3g}"
    )
    return all_of(
        checks,
        f"Through {_DEPTH} sigmoid layers the gradient norms spread {numbers['sigmoid_layer_spread']:.1e}x, with "
        f"ReLU + He {numbers['relu_he_layer_spread']:.1f}x and with batch norm "
        f"{numbers['relu_he_bn_layer_spread']:.1f}x; "
        f"over 100 steps an RNN kept {numbers['rnn_time_ratio']:.1e} of its gradient, an LSTM with an open forget "
        f"gate {numbers['lstm_open_time_ratio']:.2f}; the exploding RNN {unclipped} without clipping and reached "
        f"loss {numbers['clipped_final_loss']:.3f} with clip_grad_norm_({_CLIP:g}).",
    )


@experiment(
    22,
    "vanishing-exploding-gradients",
    question="What are vanishing and exploding gradients, and what helps against them?",
    answer="""Backpropagation multiplies the error signal by one Jacobian per layer, or per time step in a
    recurrent network. When those factors are mostly smaller than one the product shrinks exponentially and the
    early layers or early time steps stop learning (vanishing); when they are larger than one it grows
    exponentially, and a single update can throw the weights far away (exploding). A sigmoid's slope is at most
    1/4, so a deep sigmoid network vanishes; ReLU with He initialization keeps the signal's scale from layer to
    layer, and batch norm re-normalizes it at every layer. Through time, a plain RNN either vanishes or explodes
    depending on the size of its recurrent weights, while an LSTM's cell state is scaled only by its forget gate,
    so with that gate open the gradient survives a hundred steps. Exploding gradients are tamed by clipping the
    gradient's norm before each step, which keeps the direction and bounds the step size.""",
    judge=judge,
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    batch, epochs = (64, 8) if quick else (512, 20) if full else (256, 10)
    numbers: dict[str, Any] = {"depth": _DEPTH, "width": _WIDTH}
    depth = _depth_gradients(seed, batch)
    rows = [["layer", *(_MLPS[k] for k in _MLPS)]]
    rows += [[layer + 1, *(depth[k][layer] for k in _MLPS)] for layer in range(_DEPTH)]
    for kind, norms in depth.items():
        numbers[f"{kind}_first_layer_grad"] = norms[0]
        numbers[f"{kind}_last_layer_grad"] = norms[-1]
        numbers[f"{kind}_layer_spread"] = max(norms) / min(norms)

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
    for kind, label in _MLPS.items():
        axes[0].semilogy(range(1, _DEPTH + 1), depth[kind], marker="o", label=label)
    axes[0].set_xlabel("hidden layer (1 = nearest the input)")
    axes[0].set_ylabel("||dL/dW|| at initialization")
    axes[0].set_title(f"Through depth: {_DEPTH} layers of {_WIDTH}")
    axes[0].legend(fontsize=8)
    for kind, label in _CELLS.items():
        axes[1].semilogy(range(1, _STEPS + 1), through_time[kind], label=label)
    axes[1].set_xlabel("time step t (the loss reads step 100)")
    axes[1].set_ylabel("||dL/dh_t|| (hook on h_t)")
    axes[1].set_title("Through time: 100 steps")
    axes[1].legend(fontsize=8)
    figures = {"gradient-norms": figure_png(fig)}

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
            fontsize=8,
        )
    axes[0].set_xlabel("iteration")
    axes[0].set_ylabel("training MSE")
    axes[0].set_title(f"RNN with {_LARGE_SCALE:g} x orthogonal recurrent weights, SGD")
    axes[0].legend(fontsize=8)
    axes[1].set_xlabel("iteration")
    axes[1].set_ylabel("gradient norm before clipping")
    axes[1].set_title("Gradient norm")
    figures["clipping"] = figure_png(fig)
    return Outcome(numbers, figures, {"gradient norm per layer at initialization": rows})
