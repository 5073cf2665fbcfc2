"""Question 19: the layers of a CNN, LeNet-5 layer by layer on Fashion-MNIST."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ... import nn, no_grad, optim
from ...datasets import FashionMNIST
from ...models import LeNet5
from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot
from ._small import evaluate, fashion, loader, train

__all__ = ["judge", "run"]

QUESTION = "What are the layers of a convolutional neural network, and what does each one do to an image?"

ANSWER = """
A CNN alternates three kinds of layer before a small classifier. A convolution slides a few small learned
filters over the image; every filter is reused at every position, so the layer has few weights and produces one
feature map per filter that lights up where its pattern occurs. A ReLU then zeroes the negative responses,
which makes the maps sparse. Pooling keeps the largest value of each small window, halving the height and width,
so later layers see a wider area, small shifts matter less and the compute shrinks. Spatial size falls while the
number of channels grows, and at the end the maps are flattened into fully connected layers that output class
scores. In LeNet-5 the convolutions hold under 5% of the parameters but do most of the multiply-adds; the fully
connected layers hold the rest of the parameters.
"""


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _by_formula(layer: nn.Module, shape: tuple[int, ...]) -> tuple[tuple[int, ...], int, int]:
    """The output shape, parameter count and multiply-adds of ``layer`` worked out by hand."""
    if isinstance(layer, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
        k, s, p = _pair(layer.kernel_size), _pair(layer.stride or layer.kernel_size), _pair(layer.padding)
        d = _pair(getattr(layer, "dilation", 1))
        h, w = ((shape[2 + i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2))
        if isinstance(layer, nn.Conv2d):
            per_output = shape[1] // layer.groups * k[0] * k[1]
            params = layer.out_channels * per_output + (layer.out_channels if layer.bias is not None else 0)
            return (shape[0], layer.out_channels, h, w), params, layer.out_channels * h * w * per_output
        return (shape[0], shape[1], h, w), 0, 0
    if isinstance(layer, nn.Linear):
        bias = layer.out_features if layer.bias is not None else 0
        return (
            (shape[0], layer.out_features),
            layer.in_features * layer.out_features + bias,
            (layer.in_features * layer.out_features),
        )
    if isinstance(layer, nn.Flatten):
        return (shape[0], math.prod(shape[1:])), 0, 0
    return shape, 0, 0


def _shape_text(shape: Any) -> str:
    return "x".join(str(int(s)) for s in shape)


def judge(numbers: Mapping[str, Any]) -> Verdict:
    """Pass when nn.summary agrees with the arithmetic and each layer does what it is said to do."""
    total, by_hand = numbers["total params (nn.summary)"], numbers["total params (by hand)"]
    zeros, pool_ratio = numbers["ReLU zero fraction (block 1)"], numbers["pool size ratio"]
    conv_p, conv_m = numbers["conv share of params"], numbers["conv share of multiply-adds"]
    checks = [
        (total == by_hand, f"nn.summary counts {total} parameters but the layer formulas give {by_hand}"),
        (numbers["shapes match the formula"], "some output shape differs from (H + 2p - k) / s + 1"),
        (
            numbers["ReLU max error vs max(conv, 0)"] == 0.0 and zeros > 0.0,
            f"the ReLU maps are not max(conv, 0) with zeros (zero fraction {zeros:.2f})",
        ),
        (
            numbers["pool max error vs 2x2 window max"] == 0.0 and pool_ratio == 0.25,
            f"pooling is not the 2x2 window maximum at a quarter of the size (ratio {pool_ratio:.3f})",
        ),
        (conv_m > conv_p, f"the convolutions' share of compute ({conv_m:.2f}) is not above their share of weights"),
        (
            numbers["test accuracy"] >= 0.4,
            f"the trained LeNet-5 reaches only {numbers['test accuracy']:.2f} test accuracy (chance is 0.10)",
        ),
    ]
    return all_of(
        checks,
        f"nn.summary's {total:,} parameters match the layer formulas; ReLU zeroes {zeros:.0%} of the first maps, "
        f"pooling keeps each 2x2 maximum at a quarter of the size, and the convolutions hold {conv_p:.1%} of the "
        f"weights but {conv_m:.0%} of the multiply-adds (test accuracy {numbers['test accuracy']:.2f}).",
    )


@experiment(19, "cnn-layers", question=QUESTION, answer=ANSWER, judge=judge)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    n_train, epochs = (1000, 1) if quick else (20000, 2) if full else (4000, 2)
    x_train, y_train, x_test, y_test = fashion(n_train, 500, seed=seed, flatten=False)
    model = LeNet5()
    loss_fn = nn.CrossEntropyLoss()
    train(model, optim.Adam(model.parameters(), lr=2e-3), loss_fn, loader(x_train, y_train, 20, seed), epochs=epochs)
    _, accuracy = evaluate(model, x_test, y_test, loss_fn)

    summary = nn.summary(model, (1, 28, 28), verbose=False)
    modules = dict(model.named_modules())
    shape: tuple[int, ...] = (1, 1, 28, 28)
    rows: list[list[Any]] = [["layer", "type", "output shape", "params", "params by hand", "multiply-adds"]]
    numbers: dict[str, Any] = {}
    shapes_match = True
    conv_params = conv_macs = all_macs = 0
    for row in summary.layers:
        layer = modules[row.path]
        if any(True for _ in layer.children()):
            continue
        shape, params, macs = _by_formula(layer, shape)
        shapes_match &= tuple(row.output_shape) == shape
        rows.append([row.path, row.type, _shape_text(row.output_shape), row.params, params, macs])
        numbers[f"shape {row.path} ({row.type})"] = _shape_text(row.output_shape)
        if params:
            numbers[f"params {row.path} ({row.type})"] = row.params
        all_macs += macs
        if isinstance(layer, nn.Conv2d):
            conv_params, conv_macs = conv_params + params, conv_macs + macs
    by_hand_total = sum(r[4] for r in rows[1:])

    index = seed % len(y_test)
    image = x_test[index : index + 1]
    with no_grad():
        model.eval()
        maps = []
        out = image
        for layer in model.features:
            out = layer(out)
            maps.append(out.numpy()[0])
    conv1, relu1, pool1, _, relu2, pool2 = maps
    n, h, w = relu1.shape
    window_max = relu1.reshape(n, h // 2, 2, w // 2, 2).max(axis=(2, 4))
    numbers.update(
        {
            "total params (nn.summary)": summary.total_params,
            "total params (by hand)": by_hand_total,
            "shapes match the formula": bool(shapes_match),
            "conv share of params": conv_params / summary.total_params,
            "conv share of multiply-adds": conv_macs / all_macs,
            "ReLU max error vs max(conv, 0)": float(np.abs(relu1 - np.maximum(conv1, 0)).max()),
            "ReLU zero fraction (block 1)": float((relu1 == 0).mean()),
            "ReLU zero fraction (block 2)": float((relu2 == 0).mean()),
            "pool max error vs 2x2 window max": float(np.abs(pool1 - window_max).max()),
            "pool size ratio": pool1.size / relu1.size,
            "training images": n_train,
            "test accuracy": accuracy,
        }
    )
    label = type(model).__name__
    figures = {
        "block 1 feature maps": _block_one(image.numpy()[0, 0], model, conv1, relu1, pool1, int(y_test[index].item())),
        "block 2 feature maps": _block_two(relu2, pool2),
        "parameters and compute per layer": _costs(rows, label),
    }
    return Outcome(numbers, figures, {"LeNet-5 through nn.summary": rows}, [str(summary)])


def _block_one(
    image: np.ndarray, model: LeNet5, conv: np.ndarray, relu: np.ndarray, pool: np.ndarray, label: int
) -> bytes:
    plt = pyplot()
    filters = model.features[0].weight.detach().numpy()[:, 0]
    fig, axes = plt.subplots(4, 7, figsize=(11, 6.6))
    axes[0, 0].imshow(image, cmap="gray")
    axes[0, 0].set_title(f"input: {FashionMNIST.classes[label]}", fontsize=8)
    names = ["5x5 filter", "conv 28x28", "ReLU 28x28", "max-pool 14x14"]
    for r, stack in enumerate((filters, conv, relu, pool)):
        for c in range(6):
            data = stack[c]
            limit = float(np.abs(data).max()) or 1.0
            if r < 2:
                axes[r, c + 1].imshow(data, cmap="RdBu_r", vmin=-limit, vmax=limit)
            else:
                axes[r, c + 1].imshow(data, cmap="magma", vmin=0, vmax=limit)
            axes[r, c + 1].set_title(f"{names[r]} #{c}", fontsize=7)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    for r in range(1, 4):
        axes[r, 0].axis("off")
        axes[r, 0].text(0.5, 0.5, names[r].split()[0], ha="center", va="center", fontsize=11)
    fig.suptitle("LeNet-5 block 1: filters, then the maps after convolution, ReLU and pooling (red > 0 > blue)")
    return figure_png(fig)


def _block_two(relu: np.ndarray, pool: np.ndarray) -> bytes:
    plt = pyplot()
    fig, axes = plt.subplots(4, 8, figsize=(11, 6))
    for i in range(16):
        for r, stack, name in ((2 * (i // 8), relu, "ReLU 10x10"), (2 * (i // 8) + 1, pool, "pool 5x5")):
            ax = axes[r, i % 8]
            ax.imshow(stack[i], cmap="magma", vmin=0, vmax=float(relu[i].max()) or 1.0)
            ax.set_title(f"{name} #{i}", fontsize=7)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle("LeNet-5 block 2: 16 channels after ReLU and after 2x2 max pooling")
    return figure_png(fig)


def _costs(rows: list[list[Any]], label: str) -> bytes:
    plt = pyplot()
    layers = [r for r in rows[1:] if r[3] or r[5]]
    names = [f"{r[0]} {r[1]}" for r in layers]
    y = np.arange(len(layers))
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.barh(y - 0.2, [r[3] for r in layers], height=0.4, label="parameters")
    ax.barh(y + 0.2, [r[5] for r in layers], height=0.4, label="multiply-adds per image")
    ax.set_yticks(y, names)
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_title(f"{label}: convolutions have few weights but do most of the work")
    ax.legend(fontsize=8)
    return figure_png(fig)
