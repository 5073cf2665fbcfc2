"""Question 7: cost functions. MSE versus cross-entropy for classification."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ... import Generator, Tensor, manual_seed, nn, no_grad, optim, sigmoid, tensor
from ...datasets import Digits
from ...nn import functional as F
from ...train import Trainer
from ...utils.data import DataLoader
from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot

__all__ = ["judge", "run"]

# The logit at which a sigmoid output is "confidently wrong" about a positive example: p = 0.0025.
_WRONG_LOGIT = -6.0
_TARGET_ACCURACY = 0.9
# A bias this large on one output class makes the untrained network predict that class for every
# image with probability about 0.9999: confident, and wrong for the nine images in ten of other classes.
_CONFIDENT_BIAS = 12.0


def _brier(output: Tensor, target: Tensor) -> Tensor:
    """Squared error between the softmax probabilities and the one-hot target, summed over classes."""
    probs = F.softmax(output, dim=1)
    return ((probs - F.one_hot(target, output.shape[1]).to(output.dtype)) ** 2).sum(dim=1).mean()


def _output_gradients(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dL/dz for a positive example (target 1) at each logit z, for cross-entropy and for MSE after a sigmoid."""
    z = tensor(logits, requires_grad=True)
    ones = tensor(np.ones(len(logits)))
    F.binary_cross_entropy_with_logits(z, ones, reduction="sum").backward()
    ce = z.grad.numpy().copy()
    z.grad = None
    F.mse_loss(sigmoid(z), ones, reduction="sum").backward()
    return ce, z.grad.numpy().copy()


def _mlp(seed: int, bias: float) -> nn.Module:
    manual_seed(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    if bias:
        with no_grad():
            model[3].bias[0] = bias
    return model


def _first_batch_stats(model: nn.Module, loader: DataLoader) -> dict[str, float]:
    """Confidence, accuracy and the mean output-gradient norm of each loss on one batch, before training."""
    images, labels = next(iter(loader))
    with no_grad():
        logits = model(images)
    probs = F.softmax(logits, dim=1)
    stats = {
        "confidence": float(probs.max(dim=1).values.mean().item()),
        "accuracy": float((logits.argmax(dim=1) == labels).float().mean().item()),
    }
    for name, loss_fn in (("ce", F.cross_entropy), ("mse", _brier)):
        z = logits.detach().requires_grad_()
        loss_fn(z, labels).backward()
        # Undo the batch mean so the number is the gradient one sample sends back.
        stats[f"grad_{name}"] = float(z.grad.norm(dim=1).mean().item()) * len(labels)
    return stats


def _epochs_to(history: list[float], target: float) -> float:
    for epoch, value in enumerate(history, start=1):
        if value >= target:
            return epoch
    return math.inf


def run(seed: int, quick: bool, full: bool) -> Outcome:
    z_grid = np.linspace(-10.0, 10.0, 201)
    ce_curve, mse_curve = _output_gradients(z_grid)
    ce_wrong, mse_wrong = (abs(float(g[0])) for g in _output_gradients(np.array([_WRONG_LOGIT])))

    epochs = 10 if quick else 40 if full else 25
    train, test = Digits(train=True, seed=seed), Digits(train=False, seed=seed)
    losses = {"ce": nn.CrossEntropyLoss(), "mse": _brier}
    curves: dict[tuple[str, str], list[float]] = {}
    numbers: dict[str, Any] = {
        "confidently_wrong_probability": 1.0 / (1.0 + math.exp(-_WRONG_LOGIT)),
        "grad_ce_confidently_wrong": ce_wrong,
        "grad_mse_confidently_wrong": mse_wrong,
        "grad_mse_peak": float(np.abs(mse_curve).max()),
    }
    for init, bias in (("standard", 0.0), ("confident", _CONFIDENT_BIAS)):
        for name, loss_fn in losses.items():
            model = _mlp(seed, bias)
            order = Generator().manual_seed(seed)
            loader = DataLoader(train, batch_size=32, shuffle=True, generator=order)
            if name == "ce":
                stats = _first_batch_stats(model, DataLoader(train, batch_size=256))
                numbers[f"{init}_init_confidence"] = stats["confidence"]
                numbers[f"{init}_init_accuracy"] = stats["accuracy"]
                numbers[f"{init}_output_grad_ce"] = stats["grad_ce"]
                numbers[f"{init}_output_grad_mse"] = stats["grad_mse"]
            trainer = Trainer(
                model,
                optim.SGD(model.parameters(), lr=0.1),
                loss_fn,
                loader,
                DataLoader(test, batch_size=512),
                epochs=epochs,
                verbose=0,
            )
            curves[init, name] = [row["val_accuracy"] for row in trainer.fit()]
            numbers[f"{init}_epochs_to_{_TARGET_ACCURACY}_{name}"] = _epochs_to(curves[init, name], _TARGET_ACCURACY)
            numbers[f"{init}_final_accuracy_{name}"] = curves[init, name][-1]
    numbers["epochs"] = epochs
    return Outcome(numbers, _figures(z_grid, ce_curve, mse_curve, curves))


def _figures(
    z: np.ndarray, ce: np.ndarray, mse: np.ndarray, curves: dict[tuple[str, str], list[float]]
) -> dict[str, bytes]:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(z, np.abs(ce), label="cross-entropy: |p - 1|")
    ax.plot(z, np.abs(mse), label="MSE after sigmoid: |2(p - 1) p (1 - p)|")
    ax.axvline(_WRONG_LOGIT, color="grey", linestyle=":", label=f"confidently wrong (z = {_WRONG_LOGIT:g})")
    ax.set_xlabel("logit z of a positive example (target 1)")
    ax.set_ylabel("|dL/dz| at the output")
    ax.set_title("Output gradient: cross-entropy keeps pushing, MSE goes quiet")
    ax.legend(fontsize=8)
    gradient = figure_png(fig)

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), sharey=True)
    for ax, init in zip(axes, ("standard", "confident")):
        for name, label in (("ce", "cross-entropy"), ("mse", "MSE on softmax")):
            values = curves[init, name]
            ax.plot(range(1, len(values) + 1), values, marker=".", label=label)
        ax.axhline(_TARGET_ACCURACY, color="grey", linestyle=":")
        ax.set_title(f"{init} initialization" + (" (confidently wrong)" if init == "confident" else ""))
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("test accuracy (8x8 digits)")
    fig.suptitle("Same MLP, same SGD: only the loss differs")
    return {"output_gradient": gradient, "training_speed": figure_png(fig)}


def judge(numbers: Mapping[str, Any]) -> Verdict:
    ce_wrong, mse_wrong = numbers["grad_ce_confidently_wrong"], numbers["grad_mse_confidently_wrong"]
    key = f"confident_epochs_to_{_TARGET_ACCURACY}"
    ce_epochs, mse_epochs = numbers[f"{key}_ce"], numbers[f"{key}_mse"]
    grad_ce, grad_mse = numbers["confident_output_grad_ce"], numbers["confident_output_grad_mse"]
    checks = [
        (ce_wrong >= 0.9, f"cross-entropy's output gradient when confidently wrong is only {ce_wrong:.3g}"),
        (mse_wrong <= 0.01, f"MSE's output gradient when confidently wrong is still {mse_wrong:.3g}"),
        (grad_ce >= 10 * grad_mse, f"at a confident start the output gradients are {grad_ce:.3g} vs {grad_mse:.3g}"),
        (ce_epochs < mse_epochs, f"cross-entropy needed {ce_epochs} epochs to {_TARGET_ACCURACY}, MSE {mse_epochs}"),
    ]
    mse_text = "never within the run" if math.isinf(mse_epochs) else f"after {mse_epochs} epochs"
    p = numbers["confidently_wrong_probability"]
    return all_of(
        checks,
        f"When confidently wrong (p = {p:.2g}) the output gradient is {ce_wrong:.3f} for cross-entropy but "
        f"{mse_wrong:.4f} for MSE; from a confidently wrong start cross-entropy reached {_TARGET_ACCURACY:.0%} "
        f"test accuracy after {ce_epochs} epochs and MSE {mse_text}.",
    )


experiment(
    7,
    "mse-vs-cross-entropy",
    question="Which cost function for classification: mean squared error or cross-entropy?",
    answer="""
    For a sigmoid or softmax output, cross-entropy's gradient with respect to the logit is simply the
    prediction minus the target, so the more wrong the network is, the harder it gets pushed. Squared
    error measured after the sigmoid multiplies that difference by the sigmoid's slope p(1 - p), which
    is almost zero when the output is saturated: a network that is confidently wrong receives almost no
    signal and sits on a plateau. Cross-entropy is also the negative log-likelihood of the labels, so
    it is the principled choice for classification; MSE suits regression.
    """,
    judge=judge,
)(run)
