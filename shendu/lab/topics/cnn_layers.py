"""Question 19: the layers of a CNN, LeNet-5 layer by layer on Fashion-MNIST."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import nn, no_grad, optim
from ...datasets import FashionMNIST
from ...models import LeNet5
from ..core import Check, Claim, Figure, Label, Outcome, Table, Text, experiment, figure_png, pyplot
from ._data import fashion, loader
from ._training import evaluate, train

__all__ = ["run"]

QUESTION = Text(
    "What are the layers of a convolutional neural network, and what does each one do to an image?",
    "卷积神经网络由哪些层组成？每一层对图像做了什么？",
)

EXPLANATION = Text.prose(
    """
    A CNN alternates three kinds of layer before a small classifier. A convolution slides a few small learned
    filters over the image; every filter is reused at every position, so the layer has few weights and produces
    one feature map per filter that lights up where its pattern occurs. Its output is (H + 2p - k) / s + 1 pixels
    wide for an input H wide, kernel k, padding p and stride s. A ReLU then zeroes the negative responses. Pooling
    keeps the largest value of each small window, so later layers see a wider area, small shifts matter less and
    the compute shrinks. Spatial size falls while the number of channels grows, and at the end the maps are
    flattened into fully connected layers that output class scores. Here LeNet-5 is trained briefly on
    Fashion-MNIST, described layer by layer by nn.summary, and checked against the formulas by hand.
    """,
    """
    CNN 在一个小分类器之前交替使用三种层。卷积层把几个学习得到的小滤波器在图像上滑动；每个滤波器在每个位置上重复使用，
    所以这一层权重很少，每个滤波器产生一张特征图，在它的图案出现的地方被点亮。对宽度为 H 的输入、卷积核大小 k、填
    充 p、步长 s，输出宽度为 (H + 2p - k) / s + 1。接着 ReLU 把负的响应置零。池化层保留每个小窗口中的最大值，于是后面
    的层能看到更大的区域，小的平移不再那么重要，计算量也减少了。空间尺寸逐渐变小而通道数逐渐增多，最后特征图被展平，送
    入输出类别分数的全连接层。这里在 Fashion-MNIST 上简短地训练 LeNet-5，用 nn.summary 逐层描述它，并与手算的公式核对
    。
    """,
)

CLAIMS = (
    Claim(
        "summary-matches",
        Text(
            "nn.summary's parameter count equals the sum of the layer formulas, and every output shape matches "
            "(H + 2p - k) / s + 1.",
            "nn.summary 给出的参数个数等于按各层公式算出的总和，每一层的输出形状都符合 (H + 2p - k) / s + 1。",
        ),
        (Check("total_params_summary", "==", "total_params_by_hand"), Check("shapes_match", "==", True)),
    ),
    Claim(
        "relu-zeroes",
        Text(
            "The ReLU maps are exactly max(conv, 0), and they zero at least 10% of the first block's values.",
            "ReLU 后的特征图恰好等于 max(卷积, 0)，并且把第一个块中至少 10% 的值置零。",
        ),
        (Check("relu_max_error", "==", 0.0), Check("relu_zero_fraction_block1", ">=", 0.1)),
    ),
    Claim(
        "pool-keeps-max",
        Text(
            "Pooling keeps exactly the maximum of each 2x2 window, leaving a quarter of the values.",
            "池化层恰好保留每个 2x2 窗口的最大值，只剩下四分之一的值。",
        ),
        (Check("pool_max_error", "==", 0.0), Check("pool_size_ratio", "==", 0.25)),
    ),
    Claim(
        "conv-cheap-weights-costly-compute",
        Text(
            "The convolutions hold under 5% of LeNet-5's parameters but do more than half of its multiply-adds.",
            "卷积层只占 LeNet-5 参数的不到 5%，却完成了一半以上的乘加运算。",
        ),
        (Check("conv_share_of_params", "<", 0.05), Check("conv_share_of_multiply_adds", ">", 0.5)),
    ),
    Claim(
        "trained",
        Text(
            "Even briefly trained, LeNet-5 classifies at least 40% of test images correctly, four times what "
            "guessing gets.",
            "即使只是简短训练，LeNet-5 也能正确分类至少 40% 的测试图像，是随机猜测的四倍。",
        ),
        (Check("test_accuracy", ">=", 0.4),),
    ),
)

LABELS: dict[str, Label] = {
    "total_params_summary": Label("parameters by nn.summary", "nn.summary 统计的参数个数"),
    "total_params_by_hand": Label("parameters by the layer formulas", "按层公式计算的参数个数"),
    "shapes_match": Label("every output shape matches the formula", "每层输出形状都符合公式"),
    "conv_share_of_params": Label("convolutions' share of the parameters", "卷积层在参数中的占比", ".1%"),
    "conv_share_of_multiply_adds": Label("convolutions' share of the multiply-adds", "卷积层在乘加运算中的占比", ".1%"),
    "relu_max_error": Label("largest |ReLU map - max(conv, 0)|", "|ReLU 特征图 - max(卷积, 0)| 的最大值", "g"),
    "relu_zero_fraction_block1": Label("block 1: share of ReLU outputs at zero", "第 1 块：ReLU 输出为零的比例", ".1%"),
    "relu_zero_fraction_block2": Label("block 2: share of ReLU outputs at zero", "第 2 块：ReLU 输出为零的比例", ".1%"),
    "pool_max_error": Label("largest |pooled map - 2x2 window maximum|", "|池化特征图 - 2x2 窗口最大值| 的最大值", "g"),
    "pool_size_ratio": Label("pooled size / input size", "池化后尺寸 / 输入尺寸", ".3g"),
    "training_images": Label("training images", "训练图像数"),
    "test_accuracy": Label("test accuracy", "测试准确率", ".3f"),
}


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


@experiment(
    19,
    "cnn-layers",
    question=QUESTION,
    explanation=EXPLANATION,
    claims=CLAIMS,
    labels=LABELS,
    key="conv_share_of_multiply_adds",
)
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
    rows: list[list[Any]] = []
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
        all_macs += macs
        if isinstance(layer, nn.Conv2d):
            conv_params, conv_macs = conv_params + params, conv_macs + macs
    by_hand_total = sum(r[4] for r in rows)

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
            "total_params_summary": summary.total_params,
            "total_params_by_hand": by_hand_total,
            "shapes_match": bool(shapes_match),
            "conv_share_of_params": conv_params / summary.total_params,
            "conv_share_of_multiply_adds": conv_macs / all_macs,
            "relu_max_error": float(np.abs(relu1 - np.maximum(conv1, 0)).max()),
            "relu_zero_fraction_block1": float((relu1 == 0).mean()),
            "relu_zero_fraction_block2": float((relu2 == 0).mean()),
            "pool_max_error": float(np.abs(pool1 - window_max).max()),
            "pool_size_ratio": pool1.size / relu1.size,
            "training_images": n_train,
            "test_accuracy": accuracy,
        }
    )
    label = type(model).__name__
    figures = {
        "block-1": Figure(
            Text(
                "Block 1: the learned 5x5 filters, then the maps after convolution, ReLU and pooling for one image.",
                "第 1 块：学到的 5x5 滤波器，以及一张图像经过卷积、ReLU 和池化后的特征图。",
            ),
            _block_one(image.numpy()[0, 0], model, conv1, relu1, pool1, int(y_test[index].item())),
        ),
        "block-2": Figure(
            Text(
                "Block 2: the 16 channels after ReLU and after 2x2 max pooling.",
                "第 2 块：16 个通道在 ReLU 和 2x2 最大池化之后的样子。",
            ),
            _block_two(relu2, pool2),
        ),
        "costs": Figure(
            Text("Parameters and multiply-adds per layer (log scale).", "每层的参数个数和乘加运算次数（对数刻度）。"),
            _costs(rows, label),
        ),
    }
    table = Table(
        Text("LeNet-5 through nn.summary, with the counts by hand", "nn.summary 给出的 LeNet-5，以及手算的计数"),
        (
            Text("layer", "层"),
            Text("type", "类型"),
            Text("output shape", "输出形状"),
            Text("parameters", "参数"),
            Text("parameters by hand", "手算参数"),
            Text("multiply-adds per image", "每张图像的乘加次数"),
        ),
        rows,
    )
    return Outcome(numbers, figures, [table], notes=[Text.same(str(summary))])


def _block_one(
    image: np.ndarray, model: LeNet5, conv: np.ndarray, relu: np.ndarray, pool: np.ndarray, label: int
) -> bytes:
    plt = pyplot()
    filters = model.features[0].weight.detach().numpy()[:, 0]
    fig, axes = plt.subplots(4, 7, figsize=(13, 8))
    axes[0, 0].imshow(image, cmap="gray")
    axes[0, 0].set_title(f"input: {FashionMNIST.classes[label]}", fontsize=9)
    names = ["5x5 filter", "conv 28x28", "ReLU 28x28", "max-pool 14x14"]
    for r, stack in enumerate((filters, conv, relu, pool)):
        for c in range(6):
            data = stack[c]
            limit = float(np.abs(data).max()) or 1.0
            if r < 2:
                axes[r, c + 1].imshow(data, cmap="RdBu_r", vmin=-limit, vmax=limit)
            else:
                axes[r, c + 1].imshow(data, cmap="magma", vmin=0, vmax=limit)
            axes[r, c + 1].set_title(f"{names[r]} #{c}", fontsize=8.5)
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
    fig, axes = plt.subplots(4, 8, figsize=(13, 7.5))
    for i in range(16):
        for r, stack, name in ((2 * (i // 8), relu, "ReLU 10x10"), (2 * (i // 8) + 1, pool, "pool 5x5")):
            ax = axes[r, i % 8]
            ax.imshow(stack[i], cmap="magma", vmin=0, vmax=float(relu[i].max()) or 1.0)
            ax.set_title(f"{name} #{i}", fontsize=8.5)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle("LeNet-5 block 2: 16 channels after ReLU and after 2x2 max pooling")
    return figure_png(fig)


def _costs(rows: list[list[Any]], label: str) -> bytes:
    plt = pyplot()
    layers = [r for r in rows if r[3] or r[5]]
    names = [f"{r[0]} {r[1]}" for r in layers]
    y = np.arange(len(layers))
    fig, ax = plt.subplots(figsize=(8.5, 3.8))
    ax.barh(y - 0.2, [r[3] for r in layers], height=0.4, label="parameters")
    ax.barh(y + 0.2, [r[5] for r in layers], height=0.4, label="multiply-adds per image")
    ax.set_yticks(y, names)
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_title(f"{label}: parameters and multiply-adds per layer")
    ax.legend()
    return figure_png(fig)
