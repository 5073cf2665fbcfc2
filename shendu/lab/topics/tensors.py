"""Question 24: tensors, their rank, shape, dtype and device; broadcasting; views and copies; image batches."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import Generator, Tensor, arange, cuda, equal, float32, float64, int64, nn, randn, tensor
from ...datasets import FashionMNIST
from ...errors import ShapeError
from ...utils.data import DataLoader
from ..core import Check, Claim, Figure, Label, Outcome, Table, Text, experiment, figure_png, pyplot

__all__ = ["run"]

QUESTION = Text(
    "What is a tensor? Rank, shape, dtype and device; broadcasting; views versus copies.",
    "什么是张量？阶、形状、数据类型和设备；广播；视图与拷贝。",
)

EXPLANATION = Text.prose(
    """
    A tensor is an n-dimensional array of numbers of one type, stored on one device, that can remember how it was
    computed so gradients can flow back through it. Its rank is the number of axes, its shape the length of each
    axis, its dtype the number type and its device where the memory lives (the CPU, or a GPU). Broadcasting lets
    an operation combine tensors of different shapes by stretching size-1 axes without copying. A view (view,
    slicing, transpose) reinterprets the same memory, while clone and reshapes that cannot be views make copies.
    Images travel through a network as one rank-4 tensor of shape (N, C, H, W): batch, channels, height, width.
    Here live tensors are made and inspected, gradients are taken through a broadcast, and writes through views
    and copies are checked against the original.
    """,
    """
    张量是一个 n 维数组，其中的数都是同一种类型，存放在同一个设备上，并且能记住自己是怎样计算出来的，以便梯度可以沿原
    路传回。它的阶是轴的个数，形状是每个轴的长度，数据类型是数的类型，设备是内存所在的地方（CPU 或 GPU）。广播让一个运
    算可以组合不同形状的张量：把大小为 1 的轴拉伸，而不复制数据。视图（view、切片、转置）以另一种方式解释同一块内存，
    而 clone 以及无法作为视图的 reshape 会产生拷贝。图像以一个形状为 (N, C, H, W) 的 4 阶张量在网络中流动：批、通道、
    高、宽。这里创建并检查一些实际的张量，对一次广播求梯度，并检查通过视图和拷贝写入的数据是否影响原张量。
    """,
)

CLAIMS = (
    Claim(
        "ranks",
        Text(
            "A scalar has rank 0, a vector 1, a matrix 2, and a batch of images 4, with shape (N, 1, 28, 28) for "
            "grey Fashion-MNIST images.",
            "标量是 0 阶，向量是 1 阶，矩阵是 2 阶，一批图像是 4 阶；灰度 Fashion-MNIST 图像的形状是 (N, 1, 28, 28)。",
        ),
        (
            Check("scalar_rank", "==", 0),
            Check("vector_rank", "==", 1),
            Check("matrix_rank", "==", 2),
            Check("images_rank", "==", 4),
            Check("images_shape_is_n_1_28_28", "==", True),
        ),
    ),
    Claim(
        "default-dtypes",
        Text(
            "A Python float becomes float32 and a list of Python ints becomes int64, as in PyTorch.",
            "Python 浮点数变成 float32，Python 整数列表变成 int64，与 PyTorch 相同。",
        ),
        (Check("scalar_is_float32", "==", True), Check("vector_is_int64", "==", True)),
    ),
    Claim(
        "broadcast-gradients",
        Text(
            "After a broadcast, each input's gradient has the input's own shape and is the sum over the stretched "
            "axes (also for a linear layer's bias, summed over the batch).",
            "广播之后，每个输入的梯度都具有该输入自己的形状，并且等于在被拉伸的轴上的求和（线性层的偏置也一样，在批上"
            "求和）。",
        ),
        (
            Check("grad_shapes_match_inputs", "==", True),
            Check("a_grad_is_row_sum", "==", True),
            Check("b_grad_is_row_count", "==", True),
            Check("bias_grad_is_batch_sum", "==", True),
        ),
    ),
    Claim(
        "views-share",
        Text(
            "view, slicing and transpose share memory: a write through the result changes the original.",
            "view、切片和转置共享内存：通过结果写入会改变原张量。",
        ),
        (Check("view_shares", "==", True), Check("slice_shares", "==", True), Check("transpose_shares", "==", True)),
    ),
    Claim(
        "copies-do-not",
        Text(
            "clone, and reshape of a transposed tensor, make copies: a write through them leaves the original "
            "unchanged, and view() of a transposed tensor raises an error instead.",
            "clone 以及对转置后张量的 reshape 会产生拷贝：通过它们写入不会改变原张量；而对转置后的张量调用 view() 会"
            "报错。",
        ),
        (
            Check("clone_shares", "==", False),
            Check("transpose_reshape_shares", "==", False),
            Check("view_of_transpose_raises", "==", True),
        ),
    ),
)

_LIVE_NAMES = {
    "scalar": ("scalar", "标量"),
    "vector": ("vector", "向量"),
    "matrix": ("matrix", "矩阵"),
    "labels": ("labels", "标签"),
    "images": ("images", "图像"),
    "rgb": ("coloured images", "上色后的图像"),
    "conv_output": ("conv output", "卷积输出"),
    "flattened": ("flattened", "展平后"),
}
LABELS: dict[str, Label] = {
    "images_shape_is_n_1_28_28": Label("image batch has shape (N, 1, 28, 28)", "图像批的形状为 (N, 1, 28, 28)"),
    "scalar_is_float32": Label("tensor(3.5) is float32", "tensor(3.5) 是 float32"),
    "vector_is_int64": Label("tensor([1, 2, 3]) is int64", "tensor([1, 2, 3]) 是 int64"),
    "scalar_dtype": Label("tensor(3.5).dtype", "tensor(3.5).dtype"),
    "vector_dtype": Label("tensor([1, 2, 3]).dtype", "tensor([1, 2, 3]).dtype"),
    "matrix_dtype": Label("randn(3, 4, dtype=float64).dtype", "randn(3, 4, dtype=float64).dtype"),
    "images_dtype": Label("image batch dtype", "图像批的数据类型"),
    "labels_dtype": Label("label batch dtype", "标签批的数据类型"),
    "device": Label("device of the image batch", "图像批所在的设备"),
    "cuda_available": Label("a GPU is available", "有可用的 GPU"),
    "gpu_device": Label("device after .to('cuda')", ".to('cuda') 之后的设备"),
    "broadcast_shape": Label("shape of a (3, 1) * w (3, 4) + b (1, 4)", "a (3, 1) * w (3, 4) + b (1, 4) 的形状"),
    "a_grad_shape": Label("a.grad shape", "a.grad 的形状"),
    "b_grad_shape": Label("b.grad shape", "b.grad 的形状"),
    "grad_shapes_match_inputs": Label(
        "a.grad and b.grad have a's and b's shapes", "a.grad 和 b.grad 的形状与 a、b 相同"
    ),
    "a_grad_is_row_sum": Label("a.grad = sum of w over the stretched axis", "a.grad = w 在被拉伸轴上的和"),
    "b_grad_is_row_count": Label("b.grad = number of rows (3) everywhere", "b.grad 处处等于行数（3）"),
    "bias_grad_shape": Label("linear layer: bias.grad shape", "线性层：bias.grad 的形状"),
    "bias_grad_is_batch_sum": Label(
        "linear layer: bias.grad = upstream gradient summed over the batch", "线性层：bias.grad = 上游梯度在批上的和"
    ),
    "view_shares": Label("x.view(12) shares memory", "x.view(12) 共享内存"),
    "slice_shares": Label("x[:, 1:3] shares memory", "x[:, 1:3] 共享内存"),
    "transpose_shares": Label("x.t() shares memory", "x.t() 共享内存"),
    "transpose_reshape_shares": Label("x.t().reshape(12) shares memory", "x.t().reshape(12) 共享内存"),
    "clone_shares": Label("x.clone() shares memory", "x.clone() 共享内存"),
    "view_of_transpose_raises": Label("x.t().view(12) raises", "x.t().view(12) 报错"),
}
for _name, (_en, _zh) in _LIVE_NAMES.items():
    LABELS[f"{_name}_rank"] = Label(f"{_en}: rank", f"{_zh}：阶")
    LABELS[f"{_name}_shape"] = Label(f"{_en}: shape", f"{_zh}：形状")


def _describe(name: str, t: Tensor) -> list[Any]:
    label = Text(*_LIVE_NAMES.get(name, ("images on the GPU", "GPU 上的图像")))
    return [label, t.dim(), str(tuple(t.shape)), str(t.dtype), str(t.device), t.numel(), t.numel() * t.element_size()]


def _broadcasting(numbers: dict[str, Any]) -> dict[str, np.ndarray]:
    """``a * w + b`` with a column ``a`` and a row ``b``; their gradients sum back over the stretched dims."""
    w = arange(12.0).view(3, 4)
    a = tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    b = tensor([[10.0, 20.0, 30.0, 40.0]], requires_grad=True)
    y = a * w + b
    y.sum().backward()
    numbers["broadcast_shape"] = str(tuple(y.shape))
    numbers["a_grad_shape"] = str(tuple(a.grad.shape))
    numbers["b_grad_shape"] = str(tuple(b.grad.shape))
    numbers["grad_shapes_match_inputs"] = a.grad.shape == a.shape and b.grad.shape == b.shape
    # d(sum)/da_i = sum_j w_ij and d(sum)/db_j = number of rows: the sums over the broadcast dims.
    w_np = w.numpy()
    numbers["a_grad_is_row_sum"] = bool(np.allclose(a.grad.numpy(), w_np.sum(axis=1, keepdims=True)))
    numbers["b_grad_is_row_count"] = bool(np.allclose(b.grad.numpy(), np.full((1, 4), 3.0)))

    layer = nn.Linear(5, 2)
    x = randn(8, 5)
    upstream = randn(8, 2)
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
    rows: list[list[Any]] = []

    def shares(name: str, make: Any) -> bool:
        x = arange(12.0).view(3, 4)
        before = x.clone()
        result = make(x)
        result[0] = -1.0
        shared = not bool(equal(x, before))
        rows.append([name, str(tuple(result.shape)), shared])
        return shared

    numbers["view_shares"] = shares("x.view(12)", lambda x: x.view(12))
    numbers["slice_shares"] = shares("x[:, 1:3]", lambda x: x[:, 1:3])
    numbers["transpose_shares"] = shares("x.t()", lambda x: x.t())
    numbers["transpose_reshape_shares"] = shares("x.t().reshape(12)", lambda x: x.t().reshape(12))
    numbers["clone_shares"] = shares("x.clone()", lambda x: x.clone())
    x = arange(12.0).view(3, 4)
    try:
        x.t().view(12)
        numbers["view_of_transpose_raises"] = False
    except ShapeError:
        numbers["view_of_transpose_raises"] = True
    return rows


@experiment(24, "tensors", question=QUESTION, explanation=EXPLANATION, claims=CLAIMS, labels=LABELS, key="images_shape")
def run(seed: int, quick: bool, full: bool) -> Outcome:
    numbers: dict[str, Any] = {}
    scalar = tensor(3.5)
    vector = tensor([1, 2, 3])
    matrix = randn(3, 4, dtype=float64)
    test = FashionMNIST(train=False)
    loader = DataLoader(test, batch_size=16 if quick else 64, shuffle=True, generator=Generator().manual_seed(seed))
    images, labels = next(iter(loader))
    colors = tensor([[0.9, 0.3, 0.1], [0.2, 0.6, 0.9]])[labels % 2].view(-1, 3, 1, 1)
    rgb = images * colors
    feature_maps = nn.Conv2d(3, 8, 3)(rgb)
    flat = rgb.flatten(1)
    live = {"scalar": scalar, "vector": vector, "matrix": matrix, "labels": labels, "images": images, "rgb": rgb}
    live.update({"conv_output": feature_maps, "flattened": flat})
    for name, t in live.items():
        numbers[f"{name}_rank"] = t.dim()
        numbers[f"{name}_shape"] = str(tuple(t.shape))
    numbers["images_shape_is_n_1_28_28"] = tuple(images.shape[1:]) == (1, 28, 28)
    numbers.update(
        scalar_is_float32=scalar.dtype == float32,
        vector_is_int64=vector.dtype == int64,
        scalar_dtype=str(scalar.dtype),
        vector_dtype=str(vector.dtype),
        matrix_dtype=str(matrix.dtype),
        images_dtype=str(images.dtype),
        labels_dtype=str(labels.dtype),
        device=str(images.device),
        cuda_available=cuda.is_available(),
    )
    table = [_describe(name, t) for name, t in live.items()]
    if cuda.is_available():
        on_gpu = images.to("cuda")
        numbers["gpu_device"] = str(on_gpu.device)
        table.append(_describe("images_gpu", on_gpu))

    grids = _broadcasting(numbers)
    view_rows = _views(numbers)

    plt = pyplot()
    fig, axes = plt.subplots(1, len(grids), figsize=(13, 2.6))
    for ax, (title, values) in zip(axes, grids.items()):
        ax.imshow(values, cmap="viridis")
        for (i, j), value in np.ndenumerate(values):
            ax.text(j, i, f"{value:g}", ha="center", va="center", color="white", fontsize=9)
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("Broadcasting forward, and gradients summed back to each input's shape", y=1.08)
    figures = {
        "broadcasting": Figure(
            Text(
                "a * w + b with a column a and a row b, and the gradients summed back to each input's shape.",
                "列向量 a 与行向量 b 计算 a * w + b，以及求和回到各输入形状的梯度。",
            ),
            figure_png(fig),
        )
    }

    shown = min(8, rgb.shape[0])
    fig, axes = plt.subplots(2, shown, figsize=(1.3 * shown, 3.0))
    for i in range(shown):
        axes[0, i].imshow(images[i, 0].numpy(), cmap="gray")
        axes[1, i].imshow(rgb[i].permute(1, 2, 0).clamp(0, 1).numpy())
        for ax in axes[:, i]:
            ax.axis("off")
    axes[0, 0].set_title(f"images {tuple(images.shape)} = (N, C, H, W)", loc="left")
    axes[1, 0].set_title(f"images * colors {tuple(colors.shape)} -> {tuple(rgb.shape)}", loc="left")
    figures["image-batch"] = Figure(
        Text(
            "A batch of images as an (N, C, H, W) tensor, and the same batch coloured by broadcasting.",
            "一批图像作为 (N, C, H, W) 张量，以及用广播上色后的同一批图像。",
        ),
        figure_png(fig),
    )
    tables = [
        Table(
            Text("Live tensors", "实际的张量"),
            (
                Text("tensor", "张量"),
                Text("rank", "阶"),
                Text("shape", "形状"),
                Text("dtype", "数据类型"),
                Text("device", "设备"),
                Text("elements", "元素个数"),
                Text("bytes", "字节数"),
            ),
            table,
        ),
        Table(
            Text("Views and copies", "视图与拷贝"),
            (
                Text("operation", "操作"),
                Text("result shape", "结果形状"),
                Text("shares memory with x", "与 x 共享内存"),
            ),
            view_rows,
        ),
    ]
    return Outcome(numbers, figures, tables)
