"""Question 6: why a network needs nonlinear activation functions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

import shendu
from shendu import nn
from shendu.train import EarlyStopping

from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot
from ._planar import StopWhenFit, best_line_accuracy, draw_boundary, fit, labels_of, spirals

DEPTH, WIDTH = 3, 64
FIT_FLOOR = 0.97
LINEAR_CEILING = 0.75
COLLAPSE_TOLERANCE = 1e-4
PATIENCE = 30
ACTIVATIONS = {"linear": None, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}


def build(activation: type[nn.Module] | None) -> nn.Sequential:
    """``DEPTH`` hidden layers of ``WIDTH`` units with the given activation after each (none for None)."""
    layers: list[nn.Module] = []
    width = 2
    for _ in range(DEPTH):
        layers.append(nn.Linear(width, WIDTH))
        if activation is not None:
            layers.append(activation())
        width = WIDTH
    layers.append(nn.Linear(width, 2))
    return nn.Sequential(*layers)


def collapse(model: nn.Sequential) -> tuple[np.ndarray, np.ndarray]:
    """The single affine map ``x -> W x + b`` that a stack of Linear layers without activations computes."""
    weight, bias = np.eye(2), np.zeros(2)
    for layer in model:
        w, b = layer.weight.detach().numpy().astype(np.float64), layer.bias.detach().numpy().astype(np.float64)
        weight, bias = w @ weight, w @ bias + b
    return weight, bias


def derivatives(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The activation's values, its derivative by autograd, and the derivative's closed form."""
    x = shendu.tensor(z, requires_grad=True)
    y = {"sigmoid": shendu.sigmoid, "tanh": shendu.tanh, "relu": shendu.relu}[name](x)
    y.sum().backward()
    values = y.detach().numpy()
    closed = {"sigmoid": values * (1 - values), "tanh": 1 - values**2, "relu": (z > 0).astype(z.dtype)}[name]
    return values, x.grad.numpy(), closed


def judge(numbers: Mapping[str, Any]) -> Verdict:
    linear = numbers["linear_accuracy"]
    checks = [
        (linear <= LINEAR_CEILING, f"the network without activations reached {linear:.3f}, above {LINEAR_CEILING}"),
        (
            numbers["collapse_max_error"] <= COLLAPSE_TOLERANCE,
            f"the product of its weight matrices differs from it by {numbers['collapse_max_error']:.2g}",
        ),
        (numbers["derivative_max_error"] <= 1e-5, "autograd's derivatives differ from the closed forms"),
    ]
    for name in ("sigmoid", "tanh", "relu"):
        accuracy = numbers[f"{name}_accuracy"]
        checks.append((accuracy >= FIT_FLOOR, f"the {name} network reached only {accuracy:.3f}, below {FIT_FLOOR}"))
    return all_of(
        checks,
        f"Without activations {DEPTH + 1} layers act as one linear map (the product of their weights reproduces "
        f"the network to {numbers['collapse_max_error']:.1g}) and reach {linear:.2f} on spirals, no better than "
        f"the best line ({numbers['best_line_accuracy']:.2f}); with sigmoid, tanh or ReLU the same network fits "
        f"({numbers['sigmoid_accuracy']:.3f}, {numbers['tanh_accuracy']:.3f}, {numbers['relu_accuracy']:.3f}).",
    )


@experiment(
    6,
    "activation-functions",
    question="What are activation functions, and why does a neural network need them?",
    answer="""
    An activation function is the nonlinear function a unit applies to its weighted sum before passing it
    on. Without it, every layer is an affine map, and a composition of affine maps is again one affine
    map: a network of any depth collapses into a single layer, multiplying its weight matrices together
    gives exactly the same function, and it can only draw straight borders. A nonlinearity between layers
    breaks that collapse, so depth adds expressive power. The common choices differ in their derivatives,
    which is what gradient descent sees: the sigmoid's slope is at most 1/4 and vanishes for large
    inputs, tanh is centred on zero with slope up to 1, and ReLU passes gradients through unchanged where
    it is active and is cheap to compute, which is why it is the usual default.
    """,
    judge=judge,
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    rng = np.random.default_rng(seed)
    n = 200 if quick else 1000 if full else 600
    x, y = spirals(n, rng)
    epochs = 400 if quick else 600 if full else 300
    numbers: dict[str, Any] = {
        "points": n,
        "depth": DEPTH + 1,
        "max_epochs": epochs,
        "best_line_accuracy": best_line_accuracy(x, y),
    }
    models = {}
    for name, activation in ACTIVATIONS.items():
        model = build(activation)
        # every network stops once it fits or once its loss has stopped falling, whichever comes first
        stop = StopWhenFit(x, y, FIT_FLOOR)
        plateau = EarlyStopping("train_loss", patience=PATIENCE, min_delta=1e-3, restore_best_weights=False)
        fit(model, x, y, epochs=epochs, seed=seed, lr=0.01, batch_size=32, callbacks=[stop, plateau])
        models[name] = model
        numbers[f"{name}_accuracy"] = float((labels_of(model, x) == y).mean())
        numbers[f"{name}_epochs_to_fit"] = stop.epoch if stop.epoch is not None else float("inf")

    weight, bias = collapse(models["linear"])
    gx, gy = np.meshgrid(np.linspace(-1.5, 1.5, 41), np.linspace(-1.5, 1.5, 41))
    grid = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
    with shendu.no_grad():
        network = models["linear"](shendu.tensor(grid)).numpy().astype(np.float64)
    affine = grid.astype(np.float64) @ weight.T + bias
    numbers["collapse_max_error"] = float(np.abs(network - affine).max() / max(np.abs(affine).max(), 1e-12))
    numbers["collapsed_weight_rank"] = int(np.linalg.matrix_rank(weight))

    plt = pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.6))
    for ax, (name, model) in zip(axes, models.items()):
        draw_boundary(ax, model, x, y, f"{name}: accuracy {numbers[f'{name}_accuracy']:.3f}")
    fig.suptitle(f"The same {DEPTH + 1}-layer network on two spirals, with each activation between its layers")
    fig.tight_layout()
    boundaries = figure_png(fig)

    z = np.linspace(-5, 5, 401)
    fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(10, 3.6))
    errors = []
    for name in ("sigmoid", "tanh", "relu"):
        values, grad, closed = derivatives(name, z)
        errors.append(float(np.abs(grad - closed).max()))
        numbers[f"{name}_max_derivative"] = float(grad.max())
        ax_f.plot(z, values, label=name)
        ax_d.plot(z, grad, label=name)
    numbers["derivative_max_error"] = max(errors)
    ax_f.set_title("activation functions")
    ax_d.set_title("their derivatives (by autograd)")
    for ax in (ax_f, ax_d):
        ax.axhline(0, color="grey", lw=0.5)
        ax.legend()
    fig.tight_layout()
    return Outcome(numbers, {"decision regions": boundaries, "functions and derivatives": figure_png(fig)})
