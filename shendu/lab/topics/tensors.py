"""Question 24: tensors, their rank, shape, dtype and device; broadcasting; views and copies; image batches."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

import shendu
from shendu import nn
from shendu.datasets import FashionMNIST
from shendu.errors import ShapeError
from shendu.utils.data import DataLoader

from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot


def _describe(name: str, t: shendu.Tensor) -> list[Any]:
    return [name, t.dim(), str(tuple(t.shape)), str(t.dtype), str(t.device), t.numel(), t.numel() * t.element_size()]


def _broadcasting(numbers: dict[str, Any]) -> dict[str, np.ndarray]:
    """``a * w + b`` with a column ``a`` and a row ``b``; their gradients sum back over the stretched dims."""
    w = shendu.arange(12.0).view(3, 4)
    a = shendu.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    b = shendu.tensor([[10.0, 20.0, 30.0, 40.0]], requires_grad=True)
    y = a * w + b
    y.sum().backward()
    numbers["broadcast_shape"] = str(tuple(y.shape))
    numbers["a_grad_shape"] = str(tuple(a.grad.shape))
    numbers["b_grad_shape"] = str(tuple(b.grad.shape))
    # d(sum)/da_i = sum_j w_ij and d(sum)/db_j = number of rows: the sums over the broadcast dims.
    w_np = w.numpy()
    numbers["a_grad_is_row_sum"] = bool(np.allclose(a.grad.numpy(), w_np.sum(axis=1, keepdims=True)))
    numbers["b_grad_is_row_count"] = bool(np.allclose(b.grad.numpy(), np.full((1, 4), 3.0)))

    layer = nn.Linear(5, 2)
    x = shendu.randn(8, 5)
    upstream = shendu.randn(8, 2)
    (layer(x) * upstream).sum().backward()
    numbers["bias_grad_shape"] = str(tuple(layer.bias.grad.shape))
    numbers["bias_grad_is_batch_sum"] = bool(
        np.allclose(layer.bias.grad.numpy(), upstream.numpy().sum(axis=0), rtol=1e-5, atol=1e-6)
    )
    return {
        "a (3, 1)": a.detach().numpy(),
        "b (1, 4)": b.detach().numpy(),
        "w (3, 4)": w_np,
        "a * w + b (3, 4)": y.detach().numpy(),
        "a.grad (3, 1)": a.grad.numpy(),
        "b.grad (1, 4)": b.grad.numpy(),
    }


def _views(numbers: dict[str, Any]) -> list[list[Any]]:
    """Which operations share memory with their input: a write through the result shows up in the base."""
    rows: list[list[Any]] = [["operation", "result shape", "shares memory with x"]]

    def shares(name: str, make: Any) -> bool:
        x = shendu.arange(12.0).view(3, 4)
        before = x.clone()
        result = make(x)
        result[0] = -1.0
        shared = not bool(shendu.equal(x, before))
        rows.append([name, str(tuple(result.shape)), shared])
        return shared

    numbers["view_shares"] = shares("x.view(12)", lambda x: x.view(12))
    numbers["slice_shares"] = shares("x[:, 1:3]", lambda x: x[:, 1:3])
    numbers["transpose_shares"] = shares("x.t() then reshape(12)", lambda x: x.t().reshape(12))
    numbers["clone_shares"] = shares("x.clone()", lambda x: x.clone())
    x = shendu.arange(12.0).view(3, 4)
    try:
        x.t().view(12)
        numbers["view_of_transpose_raises"] = False
    except ShapeError:
        numbers["view_of_transpose_raises"] = True
    return rows


def judge(numbers: Mapping[str, Any]) -> Verdict:
    ranks = (numbers["scalar_rank"], numbers["vector_rank"], numbers["matrix_rank"], numbers["images_rank"])
    checks = [
        (ranks == (0, 1, 2, 4), f"scalar, vector, matrix and image batch had ranks {ranks}, not (0, 1, 2, 4)"),
        (
            numbers["images_shape"].endswith(", 1, 28, 28)"),
            f"the image batch had shape {numbers['images_shape']}, not (N, 1, 28, 28)",
        ),
        (numbers["scalar_dtype"] == "shendu.float32", f"a Python float became {numbers['scalar_dtype']}"),
        (numbers["vector_dtype"] == "shendu.int64", f"a list of ints became {numbers['vector_dtype']}"),
        (
            numbers["a_grad_shape"] == "(3, 1)" and numbers["b_grad_shape"] == "(1, 4)",
            f"gradients had shapes {numbers['a_grad_shape']} and {numbers['b_grad_shape']}, not the inputs' shapes",
        ),
        (
            numbers["a_grad_is_row_sum"] and numbers["b_grad_is_row_count"] and numbers["bias_grad_is_batch_sum"],
            "a broadcast input's gradient was not the sum over its stretched dims",
        ),
        (
            numbers["view_shares"] and numbers["slice_shares"],
            "a write through a view or a slice did not reach the original tensor",
        ),
        (
            not numbers["clone_shares"] and not numbers["transpose_shares"],
            "a clone or a reshape of a transposed tensor still shared memory",
        ),
        (numbers["view_of_transpose_raises"], "view() of a transposed tensor did not raise"),
    ]
    return all_of(
        checks,
        f"Live tensors had ranks 0, 1, 2 and 4 (images {numbers['images_shape']}, {numbers['images_dtype']} on "
        f"{numbers['device']}); broadcasting {numbers['broadcast_shape']} summed the gradients back to "
        f"{numbers['a_grad_shape']} and {numbers['b_grad_shape']}; views shared memory and copies did not.",
    )


@experiment(
    24,
    "tensors",
    question="What is a tensor? Rank, shape, dtype and device; broadcasting; views versus copies.",
    answer="""A tensor is an n-dimensional array of numbers of one type, stored on one device, that can remember
    how it was computed so gradients can flow back through it. Its rank is the number of axes (a scalar has rank
    0, a vector 1, a matrix 2, a batch of images 4), its shape the length of each axis, its dtype the number type
    (float32 by default) and its device where the memory lives (the CPU, or a GPU). Broadcasting lets an
    operation combine tensors of different shapes by stretching size-1 axes without copying; during backward the
    gradient of a stretched input is summed over the stretched axes, so it has the input's own shape again. A view
    (view, slicing, transpose) reinterprets the same memory, so writing through it changes the original; clone
    and reshapes that cannot be views make copies. Images travel through a network as one rank-4 tensor of shape
    (N, C, H, W): batch, channels, height, width.""",
    judge=judge,
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    numbers: dict[str, Any] = {}
    scalar = shendu.tensor(3.5)
    vector = shendu.tensor([1, 2, 3])
    matrix = shendu.randn(3, 4, dtype=shendu.float64)
    test = FashionMNIST(train=False)
    loader = DataLoader(
        test, batch_size=16 if quick else 64, shuffle=True, generator=shendu.Generator().manual_seed(seed)
    )
    images, labels = next(iter(loader))
    colors = shendu.tensor([[0.9, 0.3, 0.1], [0.2, 0.6, 0.9]])[labels % 2].view(-1, 3, 1, 1)
    rgb = images * colors
    feature_maps = nn.Conv2d(3, 8, 3)(rgb)
    flat = rgb.flatten(1)
    live = {"scalar": scalar, "vector": vector, "matrix": matrix, "labels": labels, "images": images, "rgb": rgb}
    live.update({"conv output": feature_maps, "flattened": flat})
    for name, t in live.items():
        key = name.replace(" ", "_")
        numbers[f"{key}_rank"] = t.dim()
        numbers[f"{key}_shape"] = str(tuple(t.shape))
    numbers.update(
        scalar_dtype=str(scalar.dtype),
        vector_dtype=str(vector.dtype),
        matrix_dtype=str(matrix.dtype),
        images_dtype=str(images.dtype),
        labels_dtype=str(labels.dtype),
        device=str(images.device),
        cuda_available=shendu.cuda.is_available(),
    )
    table = [["tensor", "rank", "shape", "dtype", "device", "elements", "bytes"]]
    table += [_describe(name, t) for name, t in live.items()]
    if shendu.cuda.is_available():
        on_gpu = images.to("cuda")
        numbers["gpu_device"] = str(on_gpu.device)
        table.append(_describe("images on GPU", on_gpu))

    grids = _broadcasting(numbers)
    view_rows = _views(numbers)

    plt = pyplot()
    fig, axes = plt.subplots(1, len(grids), figsize=(13, 2.6))
    for ax, (title, values) in zip(axes, grids.items()):
        ax.imshow(values, cmap="viridis")
        for (i, j), value in np.ndenumerate(values):
            ax.text(j, i, f"{value:g}", ha="center", va="center", color="white", fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("Broadcasting forward, and gradients summed back to each input's shape", fontsize=10, y=1.08)
    figures = {"broadcasting": figure_png(fig)}

    shown = min(8, rgb.shape[0])
    fig, axes = plt.subplots(2, shown, figsize=(1.3 * shown, 3.0))
    for i in range(shown):
        axes[0, i].imshow(images[i, 0].numpy(), cmap="gray")
        axes[1, i].imshow(rgb[i].permute(1, 2, 0).clamp(0, 1).numpy())
        for ax in axes[:, i]:
            ax.axis("off")
    axes[0, 0].set_title(f"images {tuple(images.shape)} = (N, C, H, W)", fontsize=9, loc="left")
    axes[1, 0].set_title(f"images * colors {tuple(colors.shape)} -> {tuple(rgb.shape)}", fontsize=9, loc="left")
    figures["image-batch"] = figure_png(fig)
    return Outcome(numbers, figures, {"live tensors": table, "views and copies": view_rows})
