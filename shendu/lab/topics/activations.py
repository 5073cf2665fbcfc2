"""Question 6: why a network needs nonlinear activation functions."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import Tensor, manual_seed, nn, no_grad, optim, relu, sigmoid, tanh, tensor
from ...train import EarlyStopping
from ..core import Check, Claim, Figure, Label, Outcome, Text, experiment, figure_png, pyplot
from ._data import loader, spirals
from ._planar import best_line_accuracy, draw_boundary
from ._training import StopWhenFit, labels_of, train

__all__ = ["CentredSigmoid", "SteepSigmoid", "build", "collapse", "derivatives", "run"]

QUESTION = Text(
    "What are activation functions, and why does a neural network need them?",
    "什么是激活函数？神经网络为什么需要它们？",
)

EXPLANATION = Text.prose(
    """
    An activation function is the nonlinear function a unit applies to its weighted sum before passing it on.
    Without it every layer is an affine map, and a composition of affine maps is again one affine map, so a
    network of any depth collapses into a single layer that can only draw straight borders. A nonlinearity
    between layers breaks that collapse, so depth adds expressive power. The common choices differ in their
    derivatives, which is what gradient descent sees: the sigmoid 1 / (1 + e^-z), tanh, and ReLU max(0, z).
    Here the same network, three hidden layers of 64 units and a linear output layer (four linear layers in
    all), learns two interleaved spirals with no activation and with each of the three between its layers; every
    run stops once it fits 97% of the points or at the epoch cap, and the one without activation, which cannot fit,
    also once its loss stops falling.
    """,
    """
    激活函数是单元在把加权和传给下一层之前施加的非线性函数。没有它，每一层都是仿射变换，而仿射变换的复合仍是一个仿射变
    换，所以任意深度的网络都会塌缩成单独一层，只能画出直的边界。层与层之间的非线性打破了这种塌缩，深度才增加了表达能力
    。常见的几种激活函数的导数不同，而梯度下降看到的正是导数：sigmoid 1 / (1 + e^-z)、tanh，以及 ReLU max(0, z)。这里
    同一个网络（三个 64 单元的隐藏层加一个线性输出层，共四个线性层）学习两条交错的螺旋线，层间分别不加激活函数和加上
    这三种激活函数；每次训练在拟合 97% 的点或达到最大轮数时停止，不加激活函数的那个网络无法拟合，在损失不再下降时
    也会停止。
    """,
)

DEPTH, WIDTH = 3, 64
FIT_FLOOR = 0.97
PATIENCE = 30


class SteepSigmoid(nn.Module):
    """σ(4z): the sigmoid's output range (0, 1), off-centre, with tanh's largest slope, 1."""

    def forward(self, z: Tensor) -> Tensor:
        return (4 * z).sigmoid()


class CentredSigmoid(nn.Module):
    """σ(z) - 1/2: centred on zero like tanh, with the sigmoid's largest slope, 1/4."""

    def forward(self, z: Tensor) -> Tensor:
        return z.sigmoid() - 0.5


ACTIVATIONS = {
    "linear": None,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "steep_sigmoid": SteepSigmoid,
    "centred_sigmoid": CentredSigmoid,
}
_NAMES = {
    "linear": ("no activation", "无激活函数"),
    "sigmoid": ("sigmoid", "sigmoid"),
    "tanh": ("tanh", "tanh"),
    "relu": ("ReLU", "ReLU"),
    "steep_sigmoid": ("steepened sigmoid σ(4z)", "变陡的 sigmoid σ(4z)"),
    "centred_sigmoid": ("centred sigmoid σ(z) - 1/2", "居中的 sigmoid σ(z) - 1/2"),
}

CLAIMS = (
    Claim(
        "collapse",
        Text(
            "Without activations the 4 layers compute one affine map: multiplying their weight matrices together "
            "reproduces the trained network's outputs to within 1e-4 (relative).",
            "没有激活函数时，4 层网络计算的是同一个仿射变换：把各层权重矩阵相乘，就能以 1e-4（相对误差）以内的精度重现"
            "训练后网络的输出。",
        ),
        (Check("collapse_max_error", "<=", 1e-4),),
    ),
    Claim(
        "linear-is-a-line",
        Text(
            "So it classifies the spirals no better than the best straight line (within 0.01).",
            "所以它对螺旋线的分类不比最好的一条直线更好（相差在 0.01 以内）。",
        ),
        (Check("linear_accuracy", "<=", "best_line_plus_tolerance"),),
    ),
    Claim(
        "nonlinear-fits",
        Text(
            f"With sigmoid, tanh or ReLU between the layers, the same network fits at least {FIT_FLOOR:.0%} of the "
            "points.",
            f"在层间加上 sigmoid、tanh 或 ReLU 后，同一个网络能拟合至少 {FIT_FLOOR:.0%} 的点。",
        ),
        tuple(Check(f"{name}_accuracy", ">=", FIT_FLOOR) for name in ("sigmoid", "tanh", "relu")),
    ),
    Claim(
        "autograd-derivatives",
        Text(
            "Autograd's derivatives of the three functions equal their closed forms (s(1 - s), 1 - tanh², and 1 "
            "or 0) to within 1e-6.",
            "自动求导得到的三个函数的导数与它们的解析式（s(1 - s)、1 - tanh² 以及 1 或 0）相差不超过 1e-6。",
        ),
        (Check("derivative_max_error", "<=", 1e-6),),
    ),
    Claim(
        "sigmoid-slope",
        Text(
            "The sigmoid's slope is at most 1/4 and almost vanishes for large inputs: below 0.01 at |z| = 5.",
            "sigmoid 的斜率最大只有 1/4，输入较大时几乎为零：在 |z| = 5 处低于 0.01。",
        ),
        (Check("sigmoid_max_derivative", "<=", 0.25), Check("sigmoid_derivative_at_5", "<", 0.01)),
    ),
    Claim(
        "tanh-relu-slope",
        Text(
            "tanh's slope reaches 1 at zero, and ReLU's is exactly 1 wherever the unit is active.",
            "tanh 的斜率在 0 处达到 1，ReLU 在单元激活的地方斜率恰好为 1。",
        ),
        (
            Check("tanh_max_derivative", ">=", 0.999),
            Check("relu_active_derivative_min", "==", 1.0),
            Check("relu_active_derivative_max", "==", 1.0),
        ),
    ),
    Claim(
        "sigmoid-slowest",
        Text(
            "In training, the sigmoid network needs more epochs to fit than the tanh and ReLU networks.",
            "在训练中，sigmoid 网络拟合所需的轮数比 tanh 和 ReLU 网络都多。",
        ),
        (
            Check("sigmoid_epochs_to_fit", ">", "tanh_epochs_to_fit"),
            Check("sigmoid_epochs_to_fit", ">", "relu_epochs_to_fit"),
        ),
    ),
    Claim(
        "slope-not-centring",
        Text(
            "Its small largest slope (1/4 against 1), not its off-centre output, is what slows it: steepened to "
            "slope 1 but still off-centre, σ(4z) fits in at most half the sigmoid's epochs, while centred but with "
            "the slope of 1/4, σ(z) - 1/2 needs at least as many epochs as the sigmoid (∞: not within the epoch "
            "cap).",
            "拖慢它的是它很小的最大斜率（1/4 对 1），而不是它不以零为中心的输出：变陡到斜率 1 但仍不居中的 σ(4z) 拟合"
            "所需轮数至多是 sigmoid 的一半，而居中但斜率仍为 1/4 的 σ(z) - 1/2 所需轮数不少于 sigmoid（∞：在最大轮数"
            "内没有拟合）。",
        ),
        (
            Check("steep_sigmoid_epochs_to_fit", "<=", "sigmoid_epochs_to_fit", times=0.5),
            Check("centred_sigmoid_epochs_to_fit", ">=", "sigmoid_epochs_to_fit"),
        ),
    ),
)

LABELS: dict[str, Label] = {
    "points": Label("training points", "训练点数"),
    "depth": Label("linear layers", "线性层数"),
    "max_epochs": Label("epoch cap", "最大轮数"),
    "best_line_accuracy": Label("best straight line, accuracy", "最好直线的准确率", ".3f"),
    "best_line_plus_tolerance": Label("best straight line + 0.01", "最好直线 + 0.01", ".3f"),
    "collapse_max_error": Label(
        "largest difference between the network and its collapsed affine map (relative)",
        "网络与塌缩后仿射变换的最大差异（相对）",
        ".2g",
    ),
    "collapsed_weight_rank": Label("rank of the product of the weight matrices", "权重矩阵乘积的秩"),
    "derivative_max_error": Label(
        "largest |autograd - closed form| of the derivatives", "导数的 |自动求导 - 解析式| 最大值", ".2g"
    ),
    "sigmoid_derivative_at_5": Label("sigmoid's slope at |z| = 5", "sigmoid 在 |z| = 5 处的斜率", ".4f"),
    "relu_active_derivative_min": Label("ReLU's smallest slope where z > 0", "ReLU 在 z > 0 处的最小斜率", ".6g"),
    "relu_active_derivative_max": Label("ReLU's largest slope where z > 0", "ReLU 在 z > 0 处的最大斜率", ".6g"),
}
for _name, (_en, _zh) in _NAMES.items():
    LABELS[f"{_name}_accuracy"] = Label(f"{_en}: training accuracy", f"{_zh}：训练准确率", ".3f")
    LABELS[f"{_name}_epochs_to_fit"] = Label(
        f"{_en}: epochs to fit {FIT_FLOOR:.0%} (∞: not reached)", f"{_zh}：拟合 {FIT_FLOOR:.0%} 所需轮数（∞：未达到）"
    )
    LABELS[f"{_name}_epochs_run"] = Label(f"{_en}: epochs run", f"{_zh}：实际训练轮数")
for _name in ("sigmoid", "tanh", "relu"):
    LABELS[f"{_name}_max_derivative"] = Label(
        f"{_NAMES[_name][0]}'s largest slope on [-5, 5]", f"{_NAMES[_name][1]} 在 [-5, 5] 上的最大斜率", ".4f"
    )


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
    x = tensor(z, requires_grad=True)
    y = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu}[name](x)
    y.sum().backward()
    values = y.detach().numpy()
    closed = {"sigmoid": values * (1 - values), "tanh": 1 - values**2, "relu": (z > 0).astype(z.dtype)}[name]
    return values, x.grad.numpy(), closed


@experiment(
    6,
    "activation-functions",
    question=QUESTION,
    explanation=EXPLANATION,
    claims=CLAIMS,
    labels=LABELS,
    key="linear_accuracy",
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    rng = np.random.default_rng(seed)
    n = 200 if quick else 1000 if full else 600
    x, y = spirals(n, rng)
    epochs = 400 if quick else 600 if full else 300
    numbers: dict[str, Any] = {"points": n, "depth": DEPTH + 1, "max_epochs": epochs}
    numbers["best_line_accuracy"] = best_line_accuracy(x, y)
    numbers["best_line_plus_tolerance"] = numbers["best_line_accuracy"] + 0.01
    models = {}
    for name, activation in ACTIVATIONS.items():
        manual_seed(seed)
        model = build(activation)
        # every network stops once it fits or at the cap; the one without activation cannot fit, so it also stops
        # on a plateau. The others get the whole cap, so that their ∞ means "not within the cap", never a run cut
        # short before it had as many epochs as the run it is compared with.
        stop = StopWhenFit(x, y, FIT_FLOOR)
        callbacks: list[Any] = [stop]
        if activation is None:
            callbacks.append(EarlyStopping("train_loss", patience=PATIENCE, min_delta=1e-3, restore_best_weights=False))
        trainer = train(
            model,
            optim.Adam(model.parameters(), lr=0.01),
            nn.CrossEntropyLoss(),
            loader(x, y, 32, seed),
            epochs=epochs,
            callbacks=callbacks,
        )
        models[name] = model
        numbers[f"{name}_accuracy"] = float((labels_of(model, x) == y).mean())
        numbers[f"{name}_epochs_to_fit"] = stop.epoch if stop.epoch is not None else float("inf")
        numbers[f"{name}_epochs_run"] = len(trainer.history)

    weight, bias = collapse(models["linear"])
    gx, gy = np.meshgrid(np.linspace(-1.5, 1.5, 41), np.linspace(-1.5, 1.5, 41))
    grid = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
    with no_grad():
        network = models["linear"](tensor(grid)).numpy().astype(np.float64)
    affine = grid.astype(np.float64) @ weight.T + bias
    numbers["collapse_max_error"] = float(np.abs(network - affine).max() / max(np.abs(affine).max(), 1e-12))
    numbers["collapsed_weight_rank"] = int(np.linalg.matrix_rank(weight))

    plt = pyplot()
    fig, axes = plt.subplots(2, 3, figsize=(12, 7.6))
    for ax, (name, model) in zip(axes.ravel(), models.items()):
        epochs_to_fit = numbers[f"{name}_epochs_to_fit"]
        run = numbers[f"{name}_epochs_run"]
        fitted = f"fit in {epochs_to_fit} epochs" if np.isfinite(epochs_to_fit) else f"not fit in {run} epochs"
        draw_boundary(ax, model, x, y, f"{_NAMES[name][0]}\naccuracy {numbers[f'{name}_accuracy']:.3f}, {fitted}")
    fig.suptitle(f"The same network ({DEPTH} hidden layers of {WIDTH}) on two spirals, with each activation")
    fig.tight_layout()
    boundaries = figure_png(fig)

    z = np.linspace(-5, 5, 401)
    fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(11, 3.8))
    errors = []
    for name in ("sigmoid", "tanh", "relu"):
        values, grad, closed = derivatives(name, z)
        errors.append(float(np.abs(grad - closed).max()))
        numbers[f"{name}_max_derivative"] = float(grad.max())
        if name == "sigmoid":
            numbers["sigmoid_derivative_at_5"] = float(max(grad[0], grad[-1]))
        if name == "relu":
            numbers["relu_active_derivative_min"] = float(grad[z > 0].min())
            numbers["relu_active_derivative_max"] = float(grad[z > 0].max())
        ax_f.plot(z, values, label=name)
        ax_d.plot(z, grad, label=name)
    numbers["derivative_max_error"] = max(errors)
    ax_f.set_title("Activation functions")
    ax_d.set_title("Their derivatives (by autograd)")
    for ax in (ax_f, ax_d):
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_xlabel("z")
        ax.legend()
    fig.tight_layout()
    figures = {
        "decision-regions": Figure(
            Text(
                "Decision regions of the same network with no activation, with each of the three, and with the two "
                "sigmoid variants that separate its slope from its centring.",
                "同一个网络不加激活函数、分别加三种激活函数，以及加上把斜率和居中分开的两种 sigmoid 变体时的决策区域。",
            ),
            boundaries,
        ),
        "derivatives": Figure(
            Text("The three activation functions and their derivatives.", "三种激活函数及其导数。"), figure_png(fig)
        ),
    }
    return Outcome(numbers, figures)
