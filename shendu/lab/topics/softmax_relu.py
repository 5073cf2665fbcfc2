"""Question 12: softmax and ReLU. Softmax's normalization and shift invariance; ReLU's sparsity and dead units."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ... import Generator, exp, float32, float64, manual_seed, nn, no_grad, optim, randn
from ...datasets import Digits
from ...nn import functional as F
from ...train import Trainer
from ...utils.data import DataLoader
from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot

__all__ = ["judge", "run"]

_SHIFTS = (-1000.0, -3.0, 7.5, 1000.0)
_WIDTH = 128
_DEPTH = 3

# name: (activation, optimizer factory); "relu" is a sensible setting, "relu_high_lr" a learning rate
# large enough to knock many units into the region where they never fire again.
_RUNS: dict[str, tuple[type[nn.Module], Any]] = {
    "relu": (nn.ReLU, lambda params: optim.SGD(params, lr=0.1, momentum=0.9)),
    "tanh": (nn.Tanh, lambda params: optim.SGD(params, lr=0.1, momentum=0.9)),
    "relu_high_lr": (nn.ReLU, lambda params: optim.Adam(params, lr=0.03)),
}


def _softmax_checks(seed: int) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    gen = Generator().manual_seed(seed)
    # Logit scales from 0.1 to 100, so some rows are nearly uniform and others nearly one-hot.
    scales = np.logspace(-1, 2, 1000)[:, None]
    logits64 = randn(1000, 10, dtype=float64, generator=gen) * scales
    numbers: dict[str, Any] = {}
    for name, z in (("float32", logits64.to(float32)), ("float64", logits64)):
        sums = F.softmax(z, dim=1).sum(dim=1)
        numbers[f"softmax_max_sum_error_{name}"] = float((sums - 1).abs().max().item())
    base = F.softmax(logits64, dim=1)
    shift_errors = [float((F.softmax(logits64 + c, dim=1) - base).abs().max().item()) for c in _SHIFTS]
    numbers["softmax_max_shift_change_float64"] = max(shift_errors)
    numbers["softmax_shifts_tried"] = ", ".join(f"{c:g}" for c in _SHIFTS)

    big = logits64[:8].to(float32) + 1000.0
    with np.errstate(over="ignore", invalid="ignore"):
        naive = exp(big) / exp(big).sum(dim=1, keepdim=True)
    stable = F.softmax(big, dim=1)
    numbers["naive_softmax_nan_fraction_at_1000"] = float(naive.isnan().float().mean().item())
    numbers["softmax_finite_at_1000"] = bool(stable.isfinite().all().item())
    # Row 500 has logits of scale about 3: a distribution neither uniform nor one-hot, good to look at.
    row = logits64[500:501]
    example = [F.softmax(row + c, dim=1).numpy()[0] for c in (0.0, 1000.0)]
    return numbers, row.numpy()[0], np.stack(example)


def _network(seed: int, activation: type[nn.Module]) -> nn.Sequential:
    manual_seed(seed)
    layers: list[nn.Module] = [nn.Flatten()]
    width = 64
    for _ in range(_DEPTH):
        layers += [nn.Linear(width, _WIDTH), activation()]
        width = _WIDTH
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


def _activations(model: nn.Sequential, images: Any) -> list[np.ndarray]:
    """Each hidden layer's output (after its nonlinearity) for every image."""
    outputs, h = [], images
    with no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, (nn.ReLU, nn.Tanh)):
                outputs.append(h.numpy())
    return outputs


def run(seed: int, quick: bool, full: bool) -> Outcome:
    numbers, softmax_row, softmax_pair = _softmax_checks(seed)
    epochs = 4 if quick else 20 if full else 10
    train, test = Digits(train=True, seed=seed), Digits(train=False, seed=seed)
    firing: dict[str, list[np.ndarray]] = {}
    test_acts: dict[str, list[np.ndarray]] = {}
    for name, (activation, make_optimizer) in _RUNS.items():
        model = _network(seed, activation)
        if name == "relu":
            initial = _activations(model, test.data)
            numbers["relu_zero_fraction_at_init"] = float(np.mean([np.mean(a == 0) for a in initial]))
        loader = DataLoader(train, batch_size=64, shuffle=True, generator=Generator().manual_seed(seed))
        trainer = Trainer(
            model,
            make_optimizer(model.parameters()),
            nn.CrossEntropyLoss(),
            loader,
            DataLoader(test, batch_size=512),
            epochs=epochs,
            verbose=0,
        )
        numbers[f"{name}_test_accuracy"] = trainer.fit()[-1]["val_accuracy"]
        test_acts[name] = _activations(model, test.data)
        # A unit that outputs zero for every training image gets no gradient from any of them: it is dead.
        firing[name] = [np.mean(a > 0, axis=0) for a in _activations(model, train.data)]
        for layer, acts in enumerate(test_acts[name], start=1):
            numbers[f"{name}_layer{layer}_zero_fraction"] = float(np.mean(acts == 0))
        if name != "tanh":
            numbers[f"{name}_dead_units"] = int(sum(int(np.sum(f == 0)) for f in firing[name]))
    numbers["hidden_units"] = _WIDTH * _DEPTH
    numbers["epochs"] = epochs
    return Outcome(numbers, _figures(softmax_row, softmax_pair, test_acts, firing))


def _figures(
    row: np.ndarray, pair: np.ndarray, acts: dict[str, list[np.ndarray]], firing: dict[str, list[np.ndarray]]
) -> dict[str, bytes]:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
    positions = np.arange(len(row))
    axes[0].bar(positions, row)
    axes[0].set_title("logits z")
    axes[1].bar(positions - 0.2, pair[0], width=0.4, label="softmax(z)")
    axes[1].bar(positions + 0.2, pair[1], width=0.4, label="softmax(z + 1000)")
    axes[1].set_title(f"probabilities: sum {pair[0].sum():.6f}, identical after the shift")
    axes[1].legend(fontsize=8)
    for ax in axes:
        ax.set_xlabel("class")
    softmax_fig = figure_png(fig)

    fig, axes = plt.subplots(1, _DEPTH, figsize=(12, 3.2), sharey=True)
    for layer, ax in enumerate(axes):
        for name in ("relu", "tanh"):
            values = acts[name][layer].ravel()
            ax.hist(values, bins=60, alpha=0.6, label=f"{name}: {np.mean(values == 0):.0%} exactly zero")
        ax.set_yscale("log")
        ax.set_title(f"hidden layer {layer + 1}")
        ax.set_xlabel("activation (test images)")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("count")
    histograms = figure_png(fig)

    fig, axes = plt.subplots(1, _DEPTH, figsize=(12, 3.2), sharey=True)
    for layer, ax in enumerate(axes):
        for name, label in (("relu", "SGD, lr 0.1"), ("relu_high_lr", "Adam, lr 0.03")):
            rates = np.sort(firing[name][layer])[::-1]
            dead = int(np.sum(rates == 0))
            ax.plot(rates, label=f"{label}: {dead} dead")
        ax.set_title(f"hidden layer {layer + 1}")
        ax.set_xlabel("unit (sorted)")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("share of training images it fires on")
    fig.suptitle("ReLU units: a unit that fires on no training image is dead", y=1.04)
    return {"softmax": softmax_fig, "relu_sparsity": histograms, "dead_units": figure_png(fig)}


def judge(numbers: Mapping[str, Any]) -> Verdict:
    sum32, sum64 = numbers["softmax_max_sum_error_float32"], numbers["softmax_max_sum_error_float64"]
    shift = numbers["softmax_max_shift_change_float64"]
    relu = [v for k, v in numbers.items() if k.startswith("relu_layer") and k.endswith("_zero_fraction")]
    tanh = [v for k, v in numbers.items() if k.startswith("tanh_layer") and k.endswith("_zero_fraction")]
    dead, dead_high = numbers["relu_dead_units"], numbers["relu_high_lr_dead_units"]
    units = numbers["hidden_units"]
    checks = [
        (sum32 <= 1e-6 and sum64 <= 1e-12, f"softmax sums miss 1 by {sum32:.2g} (float32) and {sum64:.2g} (float64)"),
        (shift <= 1e-12, f"adding a constant to the logits changed softmax by up to {shift:.2g}"),
        (numbers["softmax_finite_at_1000"], "softmax overflowed on logits near 1000"),
        (min(relu) >= 0.25, f"the densest ReLU layer has only {min(relu):.0%} exact zeros"),
        (max(tanh) <= 0.01, f"tanh layers have {max(tanh):.0%} exact zeros"),
        (dead_high >= max(2 * dead, units // 10), f"a high learning rate left {dead_high} dead units vs {dead}"),
    ]
    return all_of(
        checks,
        f"Softmax rows sum to 1 within {sum32:.1g} (float32) and shifting the logits by up to ±1000 changes them by "
        f"{shift:.1g}; a trained ReLU network outputs exact zeros for {min(relu):.0%}-{max(relu):.0%} of its "
        f"hidden activations (tanh: {max(tanh):.0%}), with {dead} of {units} units dead, and {dead_high} dead "
        "after training with too high a learning rate.",
    )


experiment(
    12,
    "softmax-and-relu",
    question="What do softmax and ReLU do, and why are they used?",
    answer="""
    Softmax turns a vector of scores into a probability distribution: it exponentiates and divides by
    the total, so every output is positive and they sum to one. Adding the same constant to every score
    multiplies numerator and denominator by the same factor, so it changes nothing; implementations use
    this to subtract the largest score first and never overflow. ReLU, max(0, x), passes positive inputs
    unchanged and zeroes the rest. Its gradient is exactly 1 where it is active, so deep stacks do not
    shrink the signal the way saturating sigmoids do, and it is cheap. It also makes representations
    sparse: many units output exactly zero for a given input. The price is that a unit pushed to be
    negative for every input gets no gradient at all and stays dead, which too large a learning rate
    makes common.
    """,
    judge=judge,
)(run)
