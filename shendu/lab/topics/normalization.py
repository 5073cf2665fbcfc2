"""Question 4: normalization of the inputs and inside the network, and L1 versus L2 penalties."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import Tensor, manual_seed, nn, no_grad, ones_like, optim, tensor, where
from ...datasets import Digits
from ..core import Check, Claim, Figure, Label, Outcome, Text, experiment, figure_png, pyplot
from ._data import digits, loader
from ._training import LossRecorder, labels_of, train, train_or_diverge

__all__ = ["data_dependent_init", "deep_cnn", "run", "standardize", "steps_to_target"]

QUESTION = Text(
    "What is normalization, and why does it help? How do L1 and L2 penalties differ?",
    "什么是归一化，它为什么有用？L1 和 L2 惩罚有什么不同？",
)

EXPLANATION = Text.prose(
    """
    Input normalization rescales each input feature to zero mean and unit variance, using statistics of the
    training set. Raw features on large or uneven scales make the loss surface a long, narrow valley, so gradient
    descent needs a small learning rate for the steep directions and crawls along the flat ones. Normalization
    layers do the same inside the network and then let it learn its own scale and shift: batch norm uses
    statistics over the batch, per channel; layer norm over all features of one sample; group norm over groups of
    channels of one sample; instance norm over each channel of one sample; weight normalization instead separates
    each weight vector's length from its direction, and Salimans and Kingma start it with a data-dependent
    initialization that sets each layer's lengths and biases so that its outputs on one batch of data have zero
    mean and unit variance per channel. Keeping every layer's inputs well scaled stops signals and
    gradients from shrinking or blowing up through depth. The L1 penalty adds the sum of absolute weights to the
    loss; its pull towards zero has the same strength however small a weight is. The L2 penalty adds the sum of
    squares; its pull fades as a weight shrinks.
    """,
    """
    输入归一化用训练集的统计量把每个输入特征变换到均值为 0、方差为 1。原始特征的尺度很大或彼此不一致时，损失曲面是一条
    又长又窄的山谷，梯度下降必须为陡峭方向选很小的学习率，在平坦方向上就只能慢慢爬。归一化层在网络内部做同样的事，然后
    让网络自己学习缩放和平移：批归一化在批上按通道统计；层归一化对一个样本的全部特征统计；组归一化对一个样本的一组通道
    统计；实例归一化对一个样本的每个通道统计；权重归一化则把每个权重向量的长度和方向分开，Salimans 和 Kingma 给它配了
    一种依赖数据的初始化：设定每层的长度和偏置，使这一层在一批数据上的输出按通道均值为 0、方差为 1。让每一层的输入都
    保持合适的尺度，信号和梯度就不会随深度缩小或爆炸。L1 惩罚在损失上加上权重绝对值之和，它把权重拉向 0 的力度不随
    权重变小而减弱。L2 惩罚加上权重的平方和，权重越小，它的拉力越弱。
    """,
)

DEPTH, WIDTH, GROUPS = 6, 8, 4
TARGET_LOSS = 0.5
WINDOW = 10
NORMALIZATIONS = ("batch", "layer", "group", "instance")
NEAR_ZERO = 1e-3
L1_STRENGTH, L2_STRENGTH = 2e-3, 1e-2
LEARNING_RATE = 0.03
INPUT_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0)
_NORM_NAMES = {
    "batch": ("batch norm", "批归一化"),
    "layer": ("layer norm", "层归一化"),
    "group": ("group norm", "组归一化"),
    "instance": ("instance norm", "实例归一化"),
    "weight": ("weight norm, default init", "权重归一化，默认初始化"),
    "weight_init": ("weight norm, data-dependent init", "权重归一化，依赖数据的初始化"),
    "none": ("no normalization", "无归一化"),
    "he": ("no normalization, He init", "无归一化，He 初始化"),
}

CLAIMS = (
    Claim(
        "inputs-converge-further",
        Text(
            "Standardized inputs let SGD go further in the same 3 epochs: a linear classifier on the digits ends at "
            "a training loss at least 30% lower than on the raw pixel values (0-16), each at its best learning rate.",
            "标准化的输入让 SGD 在同样 3 轮内走得更远：在数字数据上，线性分类器各自取最佳学习率时，标准化输入的最终训"
            "练损失"
            "比原始像素值（0-16）至少低 30%。",
        ),
        (Check("input_best_loss_standardized", "<=", "input_best_loss_raw", times=0.7),),
    ),
    Claim(
        "inputs-larger-rate",
        Text(
            "They tolerate far larger steps: the best learning rate on standardized inputs is at least 10 times the "
            "best on raw pixels.",
            "标准化输入能承受大得多的步长：它的最佳学习率至少是原始像素最佳学习率的 10 倍。",
        ),
        (Check("input_best_rate_standardized", ">=", "input_best_rate_raw", times=10),),
    ),
    Claim(
        "deep-cnn-stalls",
        Text(
            f"Without normalization, the {DEPTH}-layer CNN with PyTorch's default initialization barely moves: it "
            f"never reaches a training loss of {TARGET_LOSS} within the budget and ends at 2.0 or more (the "
            "starting loss is ln 10 = 2.30).",
            f"没有归一化时，使用 PyTorch 默认初始化的 {DEPTH} 层 CNN 几乎不动：在预算内训练损失始终达不"
            f"到 {TARGET_LOSS}，"
            "最终仍不低于 2.0（初始损失为 ln 10 = 2.30）。",
        ),
        (Check("steps_none", ">", "budget_steps"), Check("final_loss_none", ">=", 2.0)),
    ),
    Claim(
        "every-normalization-trains",
        Text(
            f"Each of the four normalizations of the activations (batch, layer, group, instance) gets the same "
            f"network to a training loss of {TARGET_LOSS} within the budget.",
            f"对激活做的四种归一化（批、层、组、实例）中的每一种，都能让同一个网络在预算内把训练损失降到 "
            f"{TARGET_LOSS}。",
        ),
        tuple(Check(f"steps_{kind}", "<=", "budget_steps") for kind in NORMALIZATIONS),
    ),
    Claim(
        "weight-norm-needs-its-init",
        Text(
            "Weight normalization does it only with its data-dependent initialization: at the default initialization "
            "it computes the plain network's outputs (to within 1e-5, relative) and stalls like it, never reaching "
            f"{TARGET_LOSS} and ending at 2.0 or more; with Salimans and Kingma's initialization from one batch of "
            f"data, applied to its convolutions, it reaches {TARGET_LOSS} within the budget.",
            "权重归一化只有配上它的依赖数据的初始化才能做到：在默认初始化下，它算出的输出与普通网络相同（相对误差"
            f"在 1e-5 以内），也像普通网络一样停滞，始终达不到 {TARGET_LOSS}，最终不低于 2.0；用 Salimans 和 Kingma "
            f"的方法由一批数据初始化它的各个卷积层后，它在预算内达到 {TARGET_LOSS}。",
        ),
        (
            Check("weight_norm_output_difference", "<=", 1e-5),
            Check("steps_weight", ">", "budget_steps"),
            Check("final_loss_weight", ">=", 2.0),
            Check("steps_weight_init", "<=", "budget_steps"),
        ),
    ),
    Claim(
        "he-init-trains",
        Text(
            "Much of the help is keeping signals well scaled: the same network without normalization but "
            f"initialized for ReLU (He) also reaches {TARGET_LOSS} within the budget.",
            f"归一化的作用很大一部分就是保持信号的尺度：同一个网络不加归一化、只改用为 ReLU 设计的 He 初始化，也能在"
            f"预算内达到 "
            f"{TARGET_LOSS}。",
        ),
        (Check("steps_he", "<=", "budget_steps"),),
    ),
    Claim(
        "l1-sparse",
        Text(
            f"L1 makes the model sparse: at least 30% of the weights end within {NEAR_ZERO:g} of zero, at least five "
            "times the share under L2.",
            f"L1 让模型变得稀疏：至少 30% 的权重最终落在离 0 不到 {NEAR_ZERO:g} 的范围内，至少是 L2 下这一比例的五倍。",
        ),
        (Check("near_zero_l1", ">=", 0.3), Check("near_zero_l1", ">=", "near_zero_l2", times=5)),
    ),
    Claim(
        "l2-small-not-zero",
        Text(
            "L2 makes the weights smaller (a lower root mean square than without a penalty) but rarely zero: at "
            f"most 10% end within {NEAR_ZERO:g} of zero.",
            "L2 让权重变小（均方根比不加惩罚时低），但很少变成 0："
            f"至多 10% 的权重落在离 0 不到 {NEAR_ZERO:g} 的范围内。",
        ),
        (Check("rms_l2", "<", "rms_none"), Check("near_zero_l2", "<=", 0.1)),
    ),
)

_PENALTY_NAMES = {"none": ("no penalty", "无惩罚"), "l1": ("L1", "L1"), "l2": ("L2", "L2")}
LABELS: dict[str, Label] = {
    "input_best_loss_raw": Label("raw pixels: best final training loss", "原始像素：最佳的最终训练损失", ".3f"),
    "input_best_loss_standardized": Label(
        "standardized inputs: best final training loss", "标准化输入：最佳的最终训练损失", ".3f"
    ),
    "input_best_rate_raw": Label("raw pixels: best learning rate", "原始像素：最佳学习率", ".3g"),
    "input_best_rate_standardized": Label("standardized inputs: best learning rate", "标准化输入：最佳学习率", ".3g"),
    "target_loss": Label("target training loss", "目标训练损失", ".2f"),
    "depth": Label("convolution layers", "卷积层数"),
    "budget_steps": Label("SGD steps in the budget", "预算内的 SGD 步数"),
    "weight_norm_output_difference": Label(
        "weight norm at the default init against the plain network: largest output difference (relative)",
        "默认初始化的权重归一化网络与普通网络：输出的最大差异（相对）",
        ".2g",
    ),
}
for _kind, (_en, _zh) in _NORM_NAMES.items():
    LABELS[f"steps_{_kind}"] = Label(
        f"{_en}: steps to loss {TARGET_LOSS} (∞: never)", f"{_zh}：损失降到 {TARGET_LOSS} 所需步数（∞：未达到）"
    )
    LABELS[f"final_loss_{_kind}"] = Label(f"{_en}: final training loss", f"{_zh}：最终训练损失", ".3f")
for _penalty, (_en, _zh) in _PENALTY_NAMES.items():
    LABELS[f"near_zero_{_penalty}"] = Label(
        f"{_en}: weights within {NEAR_ZERO:g} of zero", f"{_zh}：离 0 不到 {NEAR_ZERO:g} 的权重比例", ".1%"
    )
    LABELS[f"rms_{_penalty}"] = Label(f"{_en}: weights' root mean square", f"{_zh}：权重的均方根", ".4f")
    LABELS[f"max_abs_{_penalty}"] = Label(f"{_en}: largest |weight|", f"{_zh}：最大的 |权重|", ".3f")
    LABELS[f"test_accuracy_{_penalty}"] = Label(f"{_en}: test accuracy", f"{_zh}：测试准确率", ".3f")


def standardize(x: Tensor, reference: Tensor) -> Tensor:
    """``x`` with each feature shifted and scaled by the mean and standard deviation of ``reference``.

    Features that are constant in ``reference`` are only shifted.
    """
    mean, std = reference.mean(0), reference.std(0)
    return (x - mean) / where(std > 0, std, ones_like(std))


def _norm_layer(kind: str) -> list[nn.Module]:
    layers: dict[str, list[nn.Module]] = {
        "batch": [nn.BatchNorm2d(WIDTH)],
        "layer": [nn.LayerNorm([WIDTH, 8, 8])],
        "group": [nn.GroupNorm(GROUPS, WIDTH)],
        "instance": [nn.InstanceNorm2d(WIDTH, affine=True)],
    }
    return layers.get(kind, [])


def deep_cnn(kind: str) -> nn.Sequential:
    """``DEPTH`` 3x3 convolutions of ``WIDTH`` channels on 8x8 images, each followed by the normalization
    ``kind`` and ReLU, then a linear classifier. ``"weight"`` and ``"weight_init"`` reparameterize every layer
    by weight normalization (the caller gives ``"weight_init"`` its data-dependent initialization); ``"none"``
    and ``"he"`` have no normalization (``"he"`` is initialized for ReLU)."""
    layers: list[nn.Module] = []
    channels = 1
    weight_norm = kind.startswith("weight")
    for _ in range(DEPTH):
        conv = nn.Conv2d(channels, WIDTH, 3, padding=1)
        if kind == "he":
            nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
            nn.init.zeros_(conv.bias)
        layers += [nn.utils.weight_norm(conv) if weight_norm else conv, *_norm_layer(kind), nn.ReLU()]
        channels = WIDTH
    head = nn.Linear(WIDTH * 64, 10)
    layers += [nn.Flatten(), nn.utils.weight_norm(head) if weight_norm else head]
    return nn.Sequential(*layers)


def data_dependent_init(model: nn.Sequential, batch: Tensor) -> None:
    """Salimans & Kingma's initialization for weight normalization: scale and shift each weight-normalized
    layer of ``model`` so that its outputs on ``batch`` start with zero mean and unit variance per channel."""
    with no_grad():
        h = batch
        for layer in model:
            out = layer(h)
            if hasattr(layer, "weight_g"):
                dims = (0, 2, 3) if out.ndim == 4 else (0,)
                mean, std = out.mean(dims), out.std(dims) + 1e-5
                layer.weight_g.copy_(layer.weight_g / std.reshape(-1, *([1] * (layer.weight_g.ndim - 1))))
                layer.bias.copy_((layer.bias - mean) / std)
                out = layer(h)
            h = out


def _weight_norm_difference(seed: int, batch: Tensor) -> float:
    """The largest difference between the outputs of the weight-normalized network at its default
    initialization and of the plain network drawn from the same seed, relative to the largest output."""
    outputs = []
    for kind in ("none", "weight"):
        manual_seed(seed)
        with no_grad():
            outputs.append(deep_cnn(kind)(batch).numpy())
    return float(np.abs(outputs[1] - outputs[0]).max() / max(np.abs(outputs[0]).max(), 1e-30))


def steps_to_target(losses: list[float]) -> float:
    """The first step at which the mean loss of the last ``WINDOW`` steps is at most ``TARGET_LOSS`` (inf: never)."""
    smooth = np.convolve(losses, np.ones(WINDOW) / WINDOW, mode="valid")
    hit = np.flatnonzero(smooth <= TARGET_LOSS)
    return int(hit[0]) + WINDOW if hit.size else float("inf")


def _input_normalization(seed: int, numbers: dict[str, Any]) -> dict[str, list[float]]:
    """Softmax regression on raw (0-16) and standardized pixels, 3 epochs of SGD at each rate of a grid."""
    x, y, _, _ = digits(seed)
    raw = x * 16
    finals: dict[str, list[float]] = {}
    for name, data in (("raw", raw), ("standardized", standardize(raw, raw))):
        finals[name] = []
        for lr in INPUT_RATES:
            manual_seed(seed)
            model = nn.Linear(64, 10)
            recorder = LossRecorder()
            _, diverged = train_or_diverge(
                model,
                optim.SGD(model.parameters(), lr=lr),
                nn.CrossEntropyLoss(),
                loader(data, y, 32, seed),
                epochs=3,
                callbacks=[recorder],
            )
            finals[name].append(float("inf") if diverged else float(np.mean(recorder.losses[-WINDOW:])))
        best = int(np.argmin(finals[name]))
        numbers[f"input_best_loss_{name}"] = finals[name][best]
        numbers[f"input_best_rate_{name}"] = INPUT_RATES[best]
    return finals


@experiment(
    4, "normalization", question=QUESTION, explanation=EXPLANATION, claims=CLAIMS, labels=LABELS, key="steps_batch"
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    numbers: dict[str, Any] = {}
    input_curves = _input_normalization(seed, numbers)
    train_set, test = Digits(train=True, seed=seed), Digits(train=False, seed=seed)
    x, y = train_set.data.numpy(), train_set.targets.numpy()
    if quick:
        keep = np.random.default_rng(seed).permutation(len(y))[:960]
        x, y = x[keep], y[keep]
    # 120 steps in quick mode, 138 by default: He-initialized networks need about 70 to 95 of them.
    batch_size, epochs = (32, 4) if quick else (64, 14) if full else (64, 6)
    numbers.update({"target_loss": TARGET_LOSS, "depth": DEPTH})
    curves = {}
    numbers["weight_norm_output_difference"] = _weight_norm_difference(seed, tensor(x[:256]))
    for kind in ("none", *NORMALIZATIONS, "weight", "weight_init", "he"):
        manual_seed(seed)
        model = deep_cnn(kind)
        if kind == "weight_init":
            # the hidden layers only: the classifier keeps its small default scale, so that the starting
            # loss is near log(10) as for the other networks
            data_dependent_init(model[:-2], tensor(x[:256]))
        recorder = LossRecorder()
        sgd = optim.SGD(model.parameters(), lr=LEARNING_RATE)
        train(model, sgd, nn.CrossEntropyLoss(), loader(x, y, batch_size, seed), epochs=epochs, callbacks=[recorder])
        curves[kind] = recorder.losses
        numbers[f"steps_{kind}"] = steps_to_target(recorder.losses)
        numbers[f"final_loss_{kind}"] = float(np.mean(recorder.losses[-WINDOW:]))
    numbers["budget_steps"] = len(curves["none"])
    histograms = _penalties(seed, full, train_set, test, numbers)
    figures = {
        "inputs": Figure(
            Text(
                "Softmax regression on the digits: final training loss after 3 epochs at each learning rate.",
                "数字数据上的 softmax 回归：每个学习率下训练 3 轮后的最终训练损失。",
            ),
            _input_plot(input_curves),
        ),
        "deep-cnn": Figure(
            Text(
                f"Training loss of the same {DEPTH}-layer CNN with each normalization, plain SGD at lr "
                f"{LEARNING_RATE}. The curve without normalization lies under that of weight norm at the default "
                "initialization, which computes the same outputs.",
                f"同一个 {DEPTH} 层 CNN 使用各种归一化时的训练损失，普通 SGD，学习率 {LEARNING_RATE}。无归一化的曲线被"
                "默认初始化的权重归一化曲线盖住了，因为两者算出的输出相同。",
            ),
            _curves_plot(curves),
        ),
        "penalties": Figure(
            Text(
                "Weights of an MLP 64-64-10 trained without a penalty, with L1 and with L2 (log-scale counts).",
                "MLP 64-64-10 在无惩罚、L1 和 L2 下训练后的权重分布（计数为对数刻度）。",
            ),
            histograms,
        ),
    }
    return Outcome(numbers, figures)


def _penalties(seed: int, full: bool, train_set: Digits, test: Digits, numbers: dict[str, Any]) -> bytes:
    x, x_test = train_set.data.numpy().reshape(-1, 64), test.data.numpy().reshape(-1, 64)
    y, y_test = train_set.targets.numpy(), test.targets.numpy()
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=True)
    for (penalty, strength), ax in zip((("none", 0.0), ("l1", L1_STRENGTH), ("l2", L2_STRENGTH)), axes):
        manual_seed(seed)
        model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
        weights = [model[0].weight, model[2].weight]

        def loss_fn(output: Tensor, target: Tensor, penalty: str = penalty, w: Any = weights) -> Any:
            loss = nn.functional.cross_entropy(output, target)
            if penalty == "l1":
                loss = loss + nn.utils.l1_penalty(w, L1_STRENGTH)
            elif penalty == "l2":
                loss = loss + nn.utils.l2_penalty(w, L2_STRENGTH)
            return loss

        sgd = optim.SGD(model.parameters(), lr=0.1)
        train(model, sgd, loss_fn, loader(x, y, 32, seed), epochs=40 if full else 20)
        w = np.concatenate([p.detach().numpy().ravel() for p in weights])
        numbers[f"near_zero_{penalty}"] = float((np.abs(w) < NEAR_ZERO).mean())
        numbers[f"rms_{penalty}"] = float(np.sqrt((w**2).mean()))
        numbers[f"max_abs_{penalty}"] = float(np.abs(w).max())
        numbers[f"test_accuracy_{penalty}"] = float((labels_of(model, x_test) == y_test).mean())
        ax.hist(w, bins=np.linspace(-1.2, 1.2, 121), color={"none": "grey", "l1": "tab:red", "l2": "tab:blue"}[penalty])
        ax.set_yscale("log")
        name = {"none": "no penalty", "l1": f"L1, λ={strength:g}", "l2": f"L2, λ={strength:g}"}[penalty]
        ax.set_title(
            f"{name}: {numbers[f'near_zero_{penalty}']:.0%} within {NEAR_ZERO:g} of 0, "
            f"rms {numbers[f'rms_{penalty}']:.3f}"
        )
        ax.set_xlabel("weight value")
    axes[0].set_ylabel("number of weights (log scale)")
    fig.suptitle(
        f"L1 leaves many weights within {NEAR_ZERO:g} of zero; L2 lowers their size (rms) but leaves few there"
    )
    fig.tight_layout()
    return figure_png(fig)


def _input_plot(finals: dict[str, list[float]]) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for name, label in (("raw", "raw pixel values 0-16"), ("standardized", "standardized (mean 0, std 1)")):
        shown = [min(v, 1e3) for v in finals[name]]
        ax.plot(INPUT_RATES, shown, "o-", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("training loss after 3 epochs")
    ax.set_title("Input normalization: same model, same steps")
    ax.legend()
    fig.tight_layout()
    return figure_png(fig)


def _curves_plot(curves: dict[str, list[float]]) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    for kind, losses in curves.items():
        smooth = np.convolve(losses, np.ones(WINDOW) / WINDOW, mode="valid")
        ax.plot(
            np.arange(WINDOW, len(losses) + 1), smooth, label=_NORM_NAMES[kind][0], ls="--" if kind == "he" else "-"
        )
    ax.axhline(TARGET_LOSS, color="grey", ls=":", lw=1, label=f"target {TARGET_LOSS}")
    ax.set_xlabel("SGD step")
    ax.set_ylabel(f"training loss ({WINDOW}-step mean)")
    ax.set_title(f"{DEPTH}-layer CNN on 8x8 digits")
    ax.legend(ncol=2)
    fig.tight_layout()
    return figure_png(fig)
