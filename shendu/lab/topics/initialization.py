"""Question 18: weight initialization of a 10-layer, 256-unit network, in the style of Glorot & Bengio (2010)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ... import Tensor, manual_seed, nn, optim
from ..core import Check, Claim, Figure, Label, Outcome, Text, experiment, figure_png, pyplot
from ._data import fashion, loader
from ._training import StepLog, evaluate, train

__all__ = ["run"]

QUESTION = Text(
    "Why does weight initialization matter, and what are Xavier and He initialization?",
    "为什么权重初始化很重要？什么是 Xavier 初始化和 He 初始化？",
)

EXPLANATION = Text.prose(
    """
    Initialization sets the scale of every signal in the first forward and backward passes, and in a deep network
    that scale is multiplied layer after layer. All-zero weights make every unit of a layer compute the same thing
    and receive the same gradient, so the units stay identical. Weights that are too small shrink activations and
    gradients by a constant factor at every layer. Weights that are too large blow the pre-activations up, which
    pins tanh units near plus or minus one; the backward signal is then multiplied by those large weights at every
    layer as well. The cure is to pick the variance from the layer's size: Xavier (Glorot) initialization uses
    2 / (fan_in + fan_out), meant to keep the variance of activations and gradients steady for tanh, and He
    initialization uses 2 / fan_in, which makes up for ReLU zeroing half of its inputs. Here a network of 10 fully
    connected layers of 256 units on Fashion-MNIST images starts from each scheme; its activations and gradients
    are measured on one batch at initialization, and it is then trained briefly with SGD and momentum.
    """,
    """
    初始化决定了第一次前向和反向传播中每个信号的尺度，而在深层网络中，这个尺度会一层接一层地相乘。全零权重让同一层的每
    个单元计算同样的东西、得到同样的梯度，于是这些单元一直保持相同。过小的权重在每一层都按一个固定因子缩小激活和梯度。
    过大的权重让激活前的值变得很大，把 tanh 单元钉在正负 1 附近；反向信号也会在每一层乘上这些大权重。解决办法是根据层
    的大小来选方差：Xavier（Glorot）初始化使用 2 / (fan_in + fan_out)，目的是让 tanh 网络中激活和梯度的方差保持稳定
    ；He 初始化使用 2 / fan_in，补偿 ReLU 把一半输入置零的影响。这里一个由 10 个 256 单元全连接层组成、输
    入 Fashion-MNIST 图像的网络分别用每种方案初始化；在初始化时用一个批次测量它的激活和梯度，然后用带动量的 SGD 做简短
    的训练。
    """,
)

_LAYERS, _WIDTH = 10, 256

_SCHEMES: dict[str, tuple[str, Callable[[Tensor], Any]]] = {
    "zeros": ("tanh", nn.init.zeros_),
    "small": ("tanh", lambda w: nn.init.normal_(w, 0.0, 0.01)),
    "large": ("tanh", lambda w: nn.init.normal_(w, 0.0, 1.0)),
    "xavier": ("tanh", nn.init.xavier_uniform_),
    "he": ("relu", lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")),
}
_NAMES = {
    "zeros": ("zeros", "全零"),
    "small": ("normal, std 0.01", "正态，标准差 0.01"),
    "large": ("normal, std 1", "正态，标准差 1"),
    "xavier": ("Xavier + tanh", "Xavier + tanh"),
    "he": ("He + ReLU", "He + ReLU"),
}

CLAIMS = (
    Claim(
        "zeros-stay-identical",
        Text(
            "With all-zero weights the units of each layer stay identical through training (one distinct unit per "
            "layer), and the network classifies no better than 20% of test images.",
            "全零权重时，每层的单元在整个训练中保持相同（每层只有一个不同的单元），网络对测试图像的准确率不超过 20%。",
        ),
        (Check("zeros_distinct_units", "==", 1), Check("zeros_test_accuracy", "<=", 0.2)),
    ),
    Claim(
        "small-vanishes",
        Text(
            "With std 0.01 both signals vanish: the last layer's activations keep at most 1e-3 of the first layer's "
            "scale, and the first layer's gradients at most 1e-3 of the last layer's.",
            "标准差为 0.01 时两个方向的信号都消失了：最后一层激活的尺度至多是第一层的 1e-3，第一层梯度的尺度至多是最"
            "后一层的 1e-3。",
        ),
        (Check("small_activation_ratio", "<=", 1e-3), Check("small_gradient_ratio", "<=", 1e-3)),
    ),
    Claim(
        "large-saturates-and-explodes",
        Text(
            "With std 1 at least 70% of the tanh units saturate (|a| > 0.99), yet the gradients do not vanish: they "
            "grow towards the input, the first layer's being at least 10 times the last layer's.",
            "标准差为 1 时至少 70% 的 tanh 单元饱和（|a| > 0.99），但梯度并没有消失：它们朝输入方向增大，第一层的梯度"
            "至少是最后一层的 10 倍。",
        ),
        (Check("large_saturated_fraction", ">=", 0.7), Check("large_gradient_ratio", ">=", 10)),
    ),
    Claim(
        "xavier-he-keep-scale",
        Text(
            "Xavier with tanh and He with ReLU keep both scales: the last layer's activations and the first layer's "
            "gradients stay within a factor of 5 of the other end.",
            "Xavier 配 tanh、He 配 ReLU 都保持了两个方向的尺度：最后一层的激活和第一层的梯度"
            "与另一端相差都在 5 倍以内。",
        ),
        tuple(
            Check(f"{scheme}_{what}_ratio", op, bound)
            for scheme in ("xavier", "he")
            for what in ("activation", "gradient")
            for op, bound in ((">=", 0.2), ("<=", 5.0))
        ),
    ),
    Claim(
        "only-good-schemes-train",
        Text(
            "Only they train in the short budget: both reach a test accuracy at least 0.3 above the best of zeros, "
            "std 0.01 and std 1.",
            "只有它们能在短暂的预算内训练起来：两者的测试准确率都比全零、标准差 0.01 和标准差 1 中最好的那个至少"
            "高 0.3。",
        ),
        (Check("good_minus_bad_test_accuracy", ">=", 0.3),),
    ),
)

LABELS: dict[str, Label] = {
    "zeros_distinct_units": Label(
        "zeros: most distinct units in a layer after training", "全零：训练后一层中不同单元的最多个数"
    ),
    "training_steps": Label("training steps", "训练步数"),
    "batch_size": Label("batch size", "批大小"),
    "good_minus_bad_test_accuracy": Label(
        "worse of Xavier and He minus best of the others (test accuracy)",
        "Xavier 与 He 中较差者减其余方案中最好者（测试准确率）",
        ".3f",
    ),
}
for _scheme, (_en, _zh) in _NAMES.items():
    LABELS |= {
        f"{_scheme}_activation_std_first": Label(
            f"{_en}: activation std, layer 1", f"{_zh}：第 1 层激活的标准差", ".3g"
        ),
        f"{_scheme}_activation_std_last": Label(
            f"{_en}: activation std, layer 10", f"{_zh}：第 10 层激活的标准差", ".3g"
        ),
        f"{_scheme}_activation_ratio": Label(
            f"{_en}: activation std, layer 10 / layer 1", f"{_zh}：激活标准差，第 10 层 / 第 1 层", ".3g"
        ),
        f"{_scheme}_gradient_ratio": Label(
            f"{_en}: gradient std, layer 1 / layer 10", f"{_zh}：梯度标准差，第 1 层 / 第 10 层", ".3g"
        ),
        f"{_scheme}_final_loss": Label(f"{_en}: final training loss", f"{_zh}：最终训练损失", ".3f"),
        f"{_scheme}_test_accuracy": Label(f"{_en}: test accuracy after training", f"{_zh}：训练后的测试准确率", ".3f"),
    }
    if _scheme == "he":
        LABELS["he_zero_fraction"] = Label(
            "He + ReLU: share of units at exactly zero", "He + ReLU：恰好为零的单元比例", ".1%"
        )
    else:
        LABELS[f"{_scheme}_saturated_fraction"] = Label(
            f"{_en}: share of tanh units with |a| > 0.99", f"{_zh}：|a| > 0.99 的 tanh 单元比例", ".1%"
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
        "weight_gradients": weight_grads,
    }


def _distinct_units(model: nn.Sequential) -> int:
    """The most distinct weight rows (units) in any hidden layer."""
    rows = [m.weight.detach().numpy() for m in model if isinstance(m, nn.Linear)][:_LAYERS]
    return max(len(np.unique(w, axis=0)) for w in rows)


@experiment(
    18,
    "weight-initialization",
    question=QUESTION,
    explanation=EXPLANATION,
    claims=CLAIMS,
    labels=LABELS,
    key="large_gradient_ratio",
)
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
        numbers[f"{name}_activation_std_first"] = act_std[0]
        numbers[f"{name}_activation_std_last"] = act_std[-1]
        numbers[f"{name}_activation_ratio"] = act_std[-1] / act_std[0] if act_std[0] else 0.0
        numbers[f"{name}_gradient_ratio"] = grad_std[0] / grad_std[-1] if grad_std[-1] else 0.0
        if activation == "tanh":
            saturated = np.mean([float((np.abs(a) > 0.99).mean()) for a in s["activations"]])
            numbers[f"{name}_saturated_fraction"] = float(saturated)
        else:
            numbers[f"{name}_zero_fraction"] = float(np.mean([(a == 0).mean() for a in s["activations"]]))
        if name == "zeros":
            numbers["zeros_distinct_units"] = _distinct_units(model)
        numbers[f"{name}_final_loss"] = float(np.mean(log.losses[-10:]))
        numbers[f"{name}_test_accuracy"] = evaluate(model, x_test, y_test, loss_fn)[1]
    numbers["good_minus_bad_test_accuracy"] = min(numbers["xavier_test_accuracy"], numbers["he_test_accuracy"]) - max(
        numbers[f"{name}_test_accuracy"] for name in ("zeros", "small", "large")
    )
    numbers["training_steps"] = len(losses["zeros"])
    numbers["batch_size"] = batch
    figures = {
        "scale": Figure(
            Text(
                "Standard deviation of activations, of their gradients and of the weight gradients, layer by layer, "
                "at initialization (log scale).",
                "初始化时逐层的激活标准差、激活梯度标准差和权重梯度标准差（对数刻度）。",
            ),
            _scale_plot(stats),
        ),
        "activation-histograms": Figure(
            Text(
                "Activation histograms per layer (in the style of Glorot and Bengio, 2010, figure 6).",
                "每层的激活直方图（仿 Glorot 和 Bengio 2010 年论文的图 6）。",
            ),
            _histograms(stats, "activations"),
        ),
        "gradient-histograms": Figure(
            Text(
                "Histograms of the back-propagated gradients per layer (figure 7 style).",
                "每层反向传播梯度的直方图（仿图 7）。",
            ),
            _histograms(stats, "gradients"),
        ),
        "training": Figure(
            Text(
                "Training loss per step from each initialization (log scale).",
                "从每种初始化开始的每步训练损失（对数刻度）。",
            ),
            _loss_plot(losses),
        ),
    }
    setup = [
        Text(
            f"Each network is {_LAYERS} fully connected layers of {_WIDTH} units on flattened Fashion-MNIST images "
            f"(784 inputs), biases zero, with statistics taken on one batch of 512 images at initialization; "
            f"training is SGD with momentum 0.9 at lr 0.01, batch {batch}, for {numbers['training_steps']} steps.",
            f"每个网络由 {_LAYERS} 个 {_WIDTH} 单元的全连接层组成，输入是展平的 Fashion-MNIST 图像（784 维），偏置为"
            f"零；统计量在初始化时"
            f"用一批 512 张图像测得；训练使用带动量 0.9 的 SGD，学习率 0.01，批大小 {batch}，"
            f"共 {numbers['training_steps']} 步。",
        )
    ]
    return Outcome(numbers, figures, setup=setup)


def _scale_plot(stats: Mapping[str, dict[str, list[np.ndarray]]]) -> bytes:
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    layers = np.arange(1, _LAYERS + 1)
    keys = ("activations", "gradients", "weight_gradients")
    titles = ("activation std", "std of dLoss/dactivation", "std of dLoss/dweight")
    for name, s in stats.items():
        for ax, key in zip(axes, keys):
            values = [max(float(v.std()), 1e-30) for v in s[key]]
            ax.semilogy(layers, values, "o-", markersize=3, label=_NAMES[name][0])
    for ax, title in zip(axes, titles):
        ax.set_xlabel("hidden layer")
        ax.set_title(title + " per layer at initialization")
        ax.set_xticks(layers)
    axes[0].legend(fontsize=8)
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
        ax.set_title(_NAMES[name][0])
        ax.set_xlabel("activation value" if key == "activations" else "gradient value")
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 3))
    axes[0].set_ylabel("fraction of values")
    axes[-1].legend(fontsize=7, ncol=2)
    return figure_png(fig)


def _loss_plot(losses: Mapping[str, list[float]]) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4))
    for name, values in losses.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=_NAMES[name][0], linewidth=1)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss (per batch, log scale)")
    ax.set_title("The same 10-layer network, trained from each initialization")
    ax.legend()
    return figure_png(fig)
