"""Question 18: weight initialization of a 10-layer, 256-unit network, in the style of Glorot & Bengio (2010)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ... import Tensor, manual_seed, nn, optim
from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot
from ._small import StepLog, evaluate, fashion, loader, train

__all__ = ["judge", "run"]

QUESTION = "Why does weight initialization matter, and what are Xavier and He initialization?"

ANSWER = """
Initialization sets the scale of every signal in the first forward and backward passes, and in a deep network
that scale is multiplied layer after layer. All-zero weights make every unit of a layer compute the same thing and
receive the same gradient, so the units stay identical forever (here they cannot even leave zero) and the network
learns nothing beyond the output bias. Weights that are too small shrink activations and gradients by the same
factor at every layer, so they vanish long before the input; weights that are too large blow the pre-activations
up, which pins tanh units at plus or minus one where their slope, and so the gradient, is nearly zero (with ReLU
they explode instead). The cure is to pick the variance from the layer's size: Xavier (Glorot) initialization
uses 2 / (fan_in + fan_out), which keeps the variance of activations and gradients roughly steady for tanh, and He
initialization uses 2 / fan_in, which makes up for ReLU zeroing half of its inputs. With either, all ten layers
start on the same scale and training moves at once.
"""

_LAYERS, _WIDTH = 10, 256

_SCHEMES: dict[str, tuple[str, Callable[[Tensor], Any]]] = {
    "zeros": ("tanh", nn.init.zeros_),
    "small normal (std 0.01)": ("tanh", lambda w: nn.init.normal_(w, 0.0, 0.01)),
    "large normal (std 1)": ("tanh", lambda w: nn.init.normal_(w, 0.0, 1.0)),
    "Xavier + tanh": ("tanh", nn.init.xavier_uniform_),
    "He + ReLU": ("relu", lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")),
}


def judge(numbers: Mapping[str, Any]) -> Verdict:
    """Pass when each bad scheme shows its failure, the good ones keep the scale, and only they train."""
    distinct = numbers["zeros: distinct units per layer after training (max)"]
    vanish = numbers["small normal (std 0.01): activation std, last / first layer"]
    saturated = numbers["large normal (std 1): saturated fraction (|a| > 0.99)"]
    xavier = numbers["Xavier + tanh: activation std, last / first layer"]
    he = numbers["He + ReLU: activation std, last / first layer"]
    good = min(numbers["Xavier + tanh: test accuracy"], numbers["He + ReLU: test accuracy"])
    bad = max(numbers[f"{name}: test accuracy"] for name in ("zeros", "small normal (std 0.01)"))
    checks = [
        (distinct == 1, f"zero initialization left {distinct} distinct units in some layer"),
        (vanish <= 1e-3, f"with std 0.01 the last layer keeps {vanish:.2g} of the first layer's activation scale"),
        (saturated >= 0.7, f"with std 1 only {saturated:.0%} of the tanh units saturate"),
        (0.2 <= xavier <= 5 and 0.2 <= he <= 5, f"Xavier and He change the scale by {xavier:.2f} and {he:.2f}"),
        (good >= bad + 0.3, f"the good schemes reach {good:.3f} test accuracy, the zero and small ones {bad:.3f}"),
    ]
    return all_of(
        checks,
        f"Zeros keep every layer's units identical ({distinct} distinct unit per layer), std 0.01 shrinks the "
        f"activations to {vanish:.1e} of the first layer's scale, std 1 saturates {saturated:.0%} of the tanh units, "
        f"while Xavier and He keep the last layer's scale at {xavier:.2f} and {he:.2f} of the first and reach "
        f"{numbers['Xavier + tanh: test accuracy']:.3f} and {numbers['He + ReLU: test accuracy']:.3f} test accuracy "
        f"after {numbers['training steps']} steps, against {bad:.3f} at best for zeros and std 0.01.",
    )


def _network(activation: str, init: Callable[[Tensor], Any]) -> nn.Sequential:
    layers: list[nn.Module] = []
    fan_in = 784
    for _ in range(_LAYERS):
        linear = nn.Linear(fan_in, _WIDTH)
        init(linear.weight)
        nn.init.zeros_(linear.bias)
        layers += [linear, nn.Tanh() if activation == "tanh" else nn.ReLU()]
        fan_in = _WIDTH
    head = nn.Linear(fan_in, 10)
    init(head.weight)
    nn.init.zeros_(head.bias)
    return nn.Sequential(*layers, head)


def _layer_statistics(model: nn.Sequential, x: Tensor, y: Tensor) -> dict[str, list[np.ndarray]]:
    """Every hidden layer's activations and the loss gradient with respect to them, for one batch."""
    outputs: list[Tensor] = []

    def keep(module: nn.Module, args: Any, output: Tensor) -> None:
        output.retain_grad()
        outputs.append(output)

    handles = [m.register_forward_hook(keep) for m in model if isinstance(m, (nn.Tanh, nn.ReLU))]
    model.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    for handle in handles:
        handle.remove()
    weight_grads = [m.weight.grad.numpy().copy() for m in model if isinstance(m, nn.Linear)][:_LAYERS]
    model.zero_grad()
    return {
        "activations": [o.detach().numpy() for o in outputs],
        "gradients": [o.grad.numpy() for o in outputs],
        "weight gradients": weight_grads,
    }


def _distinct_units(model: nn.Sequential) -> int:
    """The most distinct weight rows (units) in any hidden layer."""
    rows = [m.weight.detach().numpy() for m in model if isinstance(m, nn.Linear)][:_LAYERS]
    return max(len(np.unique(w, axis=0)) for w in rows)


@experiment(18, "weight-initialization", question=QUESTION, answer=ANSWER, judge=judge)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    n_train, epochs, batch = (1024, 1, 32) if quick else (8000, 3, 64) if full else (3200, 2, 64)
    x, y, x_test, y_test = fashion(n_train, 1000, seed=seed)
    probe_x, probe_y = x[:512], y[:512]
    loss_fn = nn.CrossEntropyLoss()
    numbers: dict[str, Any] = {}
    stats: dict[str, dict[str, list[np.ndarray]]] = {}
    losses: dict[str, list[float]] = {}
    for name, (activation, init) in _SCHEMES.items():
        manual_seed(seed)
        model = _network(activation, init)
        with np.errstate(all="ignore"):
            stats[name] = s = _layer_statistics(model, probe_x, probe_y)
            log = StepLog()
            sgd = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            train(model, sgd, loss_fn, loader(x, y, batch, seed), epochs=epochs, callbacks=(log,))
        losses[name] = log.losses
        act_std = [float(a.std()) for a in s["activations"]]
        grad_std = [float(g.std()) for g in s["gradients"]]
        numbers[f"{name}: activation std, first layer"] = act_std[0]
        numbers[f"{name}: activation std, last layer"] = act_std[-1]
        numbers[f"{name}: activation std, last / first layer"] = act_std[-1] / act_std[0] if act_std[0] else 0.0
        numbers[f"{name}: gradient std, first / last layer"] = grad_std[0] / grad_std[-1] if grad_std[-1] else 0.0
        if activation == "tanh":
            saturated = np.mean([float((np.abs(a) > 0.99).mean()) for a in s["activations"]])
            numbers[f"{name}: saturated fraction (|a| > 0.99)"] = float(saturated)
        else:
            numbers[f"{name}: zero fraction (ReLU)"] = float(np.mean([(a == 0).mean() for a in s["activations"]]))
        if name == "zeros":
            numbers["zeros: distinct units per layer after training (max)"] = _distinct_units(model)
        numbers[f"{name}: final training loss"] = float(np.mean(log.losses[-10:]))
        numbers[f"{name}: test accuracy"] = evaluate(model, x_test, y_test, loss_fn)[1]
    numbers["training steps"] = len(losses["zeros"])
    numbers["batch size"] = batch
    figures = {
        "activation and gradient scale per layer": _scale_plot(stats),
        "activation histograms per layer (Glorot and Bengio, fig. 6 style)": _histograms(stats, "activations"),
        "back-propagated gradient histograms per layer (fig. 7 style)": _histograms(stats, "gradients"),
        "training loss after initialization": _loss_plot(losses),
    }
    notes = [
        f"Each network is {_LAYERS} fully connected layers of {_WIDTH} units on flattened Fashion-MNIST images "
        f"(784 inputs), biases zero, with statistics taken on one batch of 512 images at initialization; training "
        f"is SGD with momentum 0.9 at lr 0.01, batch {batch}, for {numbers['training steps']} steps."
    ]
    return Outcome(numbers, figures, notes=notes)


def _scale_plot(stats: Mapping[str, dict[str, list[np.ndarray]]]) -> bytes:
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    layers = np.arange(1, _LAYERS + 1)
    keys = ("activations", "gradients", "weight gradients")
    titles = ("activation std", "std of dLoss/dactivation", "std of dLoss/dweight")
    for name, s in stats.items():
        for ax, key in zip(axes, keys):
            values = [max(float(v.std()), 1e-30) for v in s[key]]
            ax.semilogy(layers, values, "o-", markersize=3, label=name)
    for ax, title in zip(axes, titles):
        ax.set_xlabel("hidden layer")
        ax.set_title(title + " per layer at initialization", fontsize=10)
        ax.set_xticks(layers)
    axes[0].legend(fontsize=7)
    axes[0].set_ylabel("standard deviation (zeros drawn at 1e-30)")
    return figure_png(fig)


def _histograms(stats: Mapping[str, dict[str, list[np.ndarray]]], key: str) -> bytes:
    plt = pyplot()
    fig, axes = plt.subplots(1, len(stats), figsize=(16, 3.3))
    colors = plt.get_cmap("viridis")(np.linspace(0, 1, _LAYERS))
    for ax, (name, s) in zip(axes, stats.items()):
        values = s[key]
        limit = max(float(np.percentile(np.abs(np.concatenate([v.ravel() for v in values])), 99.5)), 1e-30)
        edges = np.linspace(-limit, limit, 61)
        for layer, (v, color) in enumerate(zip(values, colors), start=1):
            counts, _ = np.histogram(v.ravel(), bins=edges)
            ax.plot(
                (edges[:-1] + edges[1:]) / 2, counts / max(v.size, 1), color=color, linewidth=1, label=f"layer {layer}"
            )
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("activation value" if key == "activations" else "gradient value")
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 3))
    axes[0].set_ylabel("fraction of values")
    axes[-1].legend(fontsize=6, ncol=2)
    return figure_png(fig)


def _loss_plot(losses: Mapping[str, list[float]]) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4))
    for name, values in losses.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=name, linewidth=1)
    ax.set_xlabel("step")
    ax.set_ylabel("training loss (per batch)")
    ax.set_title("The same 10-layer network, trained from each initialization")
    ax.legend(fontsize=8)
    return figure_png(fig)
