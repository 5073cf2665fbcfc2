"""Questions 1 and 2: what deep learning is, and what a neural network (and a GAN) is."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import cat, manual_seed, nn, no_grad, ones, optim, randn, tensor, zeros
from ...datasets import FashionMNIST
from ...nn import functional as F
from ..core import Check, Claim, Figure, Label, Outcome, Text, experiment, figure_png, pyplot
from ._data import fashion, loader, spirals
from ._planar import draw_boundary
from ._training import evaluate, labels_of, train

__all__ = [
    "filter_smoothness",
    "mode_coverage",
    "ring_samples",
    "run_deep_learning",
    "run_neural_network",
    "sliced_wasserstein",
    "small_cnn",
]

# ---------------------------------------------------------------------------------------------- question 1

DEEP_LEARNING_QUESTION = Text("What is deep learning?", "什么是深度学习？")

DEEP_LEARNING_EXPLANATION = Text.prose(
    """
    Deep learning is machine learning with models built from many layers of simple, trainable functions, where every
    layer is fitted jointly by gradient descent on one objective. The model learns its own features: instead of a person
    designing feature detectors (edge or texture filters, say), gradient descent fits the weights of every layer, the
    first included, to the raw data, and each layer computes its features from the previous layer's, so deeper layers
    can respond to combinations of what earlier ones detect. Here a small convolutional network sees only raw
    Fashion-MNIST pixels and the labels.
    """,
    """
    深度学习是用多层简单、可训练的函数搭成模型的机器学习，所有层按同一个目标用梯度下降一起拟合。模型自己学习特征：不需要
    人去设计特征检测器（比如边缘或纹理滤波器），梯度下降把包括第一层在内的每一层的权重都拟合到原始数据上；每一层都从上一
    层的特征计算出自己的特征，所以更深的层能对前面各层所检测内容的组合做出响应。这里一个小型卷积网络只看到 Fashion-MNIST
    的原始像素和标签。
    """,
)

DEEP_LEARNING_CLAIMS = (
    Claim(
        "beats-chance",
        Text(
            "The CNN classifies at least 75% of unseen Fashion-MNIST images correctly, where guessing gets 10%.",
            "这个 CNN 能正确分类至少 75% 的未见过的 Fashion-MNIST 图像，而随机猜测只有 10%。",
        ),
        (Check("test_accuracy", ">=", 0.75),),
    ),
    Claim(
        "beats-linear",
        Text(
            "Its learned features add to what the pixels give directly: it beats a linear classifier trained on "
            "the same pixels for the same epochs by at least 2 points of test accuracy.",
            "它学到的特征比像素本身提供的更多：在同样的像素上训练同样轮数的线性分类器，测试准确率至少比它低 2 个百分"
            "点。",
        ),
        (Check("gain_over_linear", ">=", 0.02),),
    ),
    Claim(
        "filters-move",
        Text(
            "Training moves the first-layer filters far from their random start, by at least 20% of their norm.",
            "训练让第一层的卷积核远离随机初值，变化量至少是其范数的 20%。",
        ),
        (Check("filter_change", ">=", 0.2),),
    ),
    Claim(
        "filters-structured",
        Text(
            "It gives them spatial structure, though not in every filter alike: pooled over the 8 learned filters, "
            "neighbouring weights are positively correlated (at least 0.15), where at the random start they are not "
            "(at most 0.1); taken one by one, more learned filters than initial ones reach 0.15, but not all 8.",
            "训练还让卷积核有了空间结构，只是各个卷积核并不一样：把 8 个学到的卷积核合在一起算，相邻权重正相关（相关系"
            "数至少 0.15），而随机初值时不相关（至多 0.1）；逐个来看，达到 0.15 的学到的卷积核比初始的多，但不是全部 8 "
            "个。",
        ),
        (
            Check("filter_smoothness", ">=", 0.15),
            Check("smooth_filters", ">", "smooth_filters_start"),
            Check("smooth_filters", "<", 8),
            Check("filter_smoothness_start", "<=", 0.1),
        ),
    ),
)

DEEP_LEARNING_LABELS = {
    "test_accuracy": Label("CNN test accuracy", "CNN 测试准确率", ".3f"),
    "train_accuracy": Label(
        "CNN training accuracy (mean over the last epoch, while it trained)",
        "CNN 训练准确率（最后一轮训练过程中的平均值）",
        ".3f",
    ),
    "linear_test_accuracy": Label("linear classifier test accuracy", "线性分类器测试准确率", ".3f"),
    "gain_over_linear": Label("CNN minus linear classifier (test accuracy)", "CNN 减线性分类器（测试准确率）", ".3f"),
    "chance": Label("accuracy by guessing", "随机猜测的准确率", ".2f"),
    "train_images": Label("training images", "训练图像数"),
    "test_images": Label("test images", "测试图像数"),
    "epochs": Label("epochs", "训练轮数"),
    "parameters": Label("CNN weights", "CNN 参数个数"),
    "filter_change": Label("first-layer filter change (relative norm)", "第一层卷积核的变化（相对范数）", ".2f"),
    "filter_smoothness": Label(
        "neighbour correlation of learned filter weights", "学到的卷积核相邻权重的相关系数", ".3f"
    ),
    "filter_smoothness_start": Label(
        "neighbour correlation of initial filter weights", "初始卷积核相邻权重的相关系数", ".3f"
    ),
    "smooth_filters": Label(
        "learned filters with a neighbour correlation of at least 0.15 (of 8)",
        "相邻权重相关系数至少 0.15 的学到的卷积核（共 8 个）",
    ),
    "smooth_filters_start": Label(
        "initial filters with a neighbour correlation of at least 0.15 (of 8)",
        "相邻权重相关系数至少 0.15 的初始卷积核（共 8 个）",
    ),
}


def small_cnn() -> nn.Sequential:
    """Two 5x5 convolution blocks (8 and 16 channels) with max pooling, then one linear layer: 11k weights."""
    return nn.Sequential(
        nn.Conv2d(1, 8, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 7 * 7, 10),
    )


def filter_smoothness(filters: np.ndarray) -> float:
    """The correlation between horizontally or vertically adjacent weights, pooled over filters (N, H, W)."""
    first = np.concatenate([filters[:, :, :-1].ravel(), filters[:, :-1, :].ravel()])
    second = np.concatenate([filters[:, :, 1:].ravel(), filters[:, 1:, :].ravel()])
    return float(np.corrcoef(first, second)[0, 1])


def _grid(ax: Any, images: np.ndarray, columns: int, title: str, signed: bool = False) -> None:
    """Tile 2-D arrays, each scaled on its own: to [-1, 1] around zero when ``signed``, else to [0, 1]."""
    rows = -(-len(images) // columns)
    h, w = images.shape[1:]
    canvas = np.full((rows * (h + 1) - 1, columns * (w + 1) - 1), np.nan)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        if signed:
            scaled = image / max(np.abs(image).max(), 1e-8)
        else:
            scaled = (image - image.min()) / max(image.max() - image.min(), 1e-8)
        canvas[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = scaled
    limits = (-1, 1) if signed else (0, 1)
    ax.imshow(canvas, cmap="bwr" if signed else "magma", vmin=limits[0], vmax=limits[1], interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")


@experiment(
    1,
    "deep-learning",
    question=DEEP_LEARNING_QUESTION,
    explanation=DEEP_LEARNING_EXPLANATION,
    claims=DEEP_LEARNING_CLAIMS,
    labels=DEEP_LEARNING_LABELS,
    key="test_accuracy",
)
def run_deep_learning(seed: int, quick: bool, full: bool) -> Outcome:
    n_train, n_test, epochs = (3000, 1000, 3) if quick else (60000, 10000, 5) if full else (15000, 5000, 5)
    x, y, x_test, y_test = fashion(n_train, n_test, seed=seed, flatten=False)
    lr = 0.003 if quick else 0.002
    loss_fn = nn.CrossEntropyLoss()
    manual_seed(seed)
    model = small_cnn()
    start_filters = model[0].weight.detach().numpy()[:, 0].copy()
    trainer = train(
        model,
        optim.Adam(model.parameters(), lr=lr),
        loss_fn,
        loader(x, y, 64, seed),
        loader(x_test, y_test, 500),
        epochs=epochs,
    )
    history = trainer.history
    filters = model[0].weight.detach().numpy()[:, 0]
    numbers: dict[str, Any] = {
        "test_accuracy": history[-1]["val_accuracy"],
        "train_accuracy": history[-1]["train_accuracy"],
        "chance": 0.1,
        "train_images": n_train,
        "test_images": n_test,
        "epochs": epochs,
        "parameters": sum(p.numel() for p in model.parameters()),
        "filter_change": float(np.linalg.norm(filters - start_filters) / np.linalg.norm(start_filters)),
        "filter_smoothness": filter_smoothness(filters),
        "filter_smoothness_start": filter_smoothness(start_filters),
        "smooth_filters": sum(filter_smoothness(f[None]) >= 0.15 for f in filters),
        "smooth_filters_start": sum(filter_smoothness(f[None]) >= 0.15 for f in start_filters),
    }
    if not quick:
        # A few thousand images and three epochs are too few for the CNN's lead over a linear model to show.
        manual_seed(seed)
        linear = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        train(linear, optim.Adam(linear.parameters(), lr=lr), loss_fn, loader(x, y, 64, seed), epochs=epochs)
        numbers["linear_test_accuracy"] = evaluate(linear, x_test, y_test, loss_fn)[1]
        numbers["gain_over_linear"] = numbers["test_accuracy"] - numbers["linear_test_accuracy"]

    image, label = x_test[:1], int(y_test[0].item())
    model.eval()
    with no_grad():
        first = model[:2](image)
        second = model[3:5](model[2](first))
        predicted = int(model(image).argmax(1).item())
    plt = pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.6), gridspec_kw={"width_ratios": [1, 1.4, 1.4, 2.2]})
    axes[0].imshow(image.numpy()[0, 0], cmap="gray")
    names = FashionMNIST.classes
    axes[0].set_title(f"input: {names[label]}\npredicted: {names[predicted]}")
    axes[0].axis("off")
    _grid(
        axes[1],
        start_filters,
        4,
        f"layer-1 filters at the start\n(neighbour corr. {numbers['filter_smoothness_start']:.2f})",
        signed=True,
    )
    _grid(
        axes[2],
        filters,
        4,
        f"layer-1 filters, learned\n(neighbour corr. {numbers['filter_smoothness']:.2f})",
        signed=True,
    )
    _grid(axes[3], first.numpy()[0], 4, "layer-1 feature maps of the input (28x28)")
    fig.suptitle("What the first convolution learned from raw pixels (red > 0 > blue)")
    fig.tight_layout()
    filters_png = figure_png(fig)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [2, 1.2]})
    _grid(axes[0], second.numpy()[0], 8, "layer-2 feature maps of the same input (14x14)")
    epochs_axis = [row["epoch"] for row in history]
    axes[1].plot(epochs_axis, [row["train_accuracy"] for row in history], "o-", label="training (mean over the epoch)")
    axes[1].plot(epochs_axis, [row["val_accuracy"] for row in history], "s-", label="unseen test images")
    if "linear_test_accuracy" in numbers:
        axes[1].axhline(numbers["linear_test_accuracy"], color="tab:green", ls="--", label="linear classifier (test)")
    axes[1].axhline(0.1, color="grey", ls=":", label="guessing")
    axes[1].set_xlabel("epoch")
    axes[1].set_xticks(epochs_axis)
    axes[1].set_ylabel("accuracy")
    axes[1].set_ylim(0, 1)
    axes[1].set_title("Accuracy over training")
    axes[1].legend()
    fig.tight_layout()
    figures = {
        "filters": Figure(
            Text(
                "The first layer's filters before and after training, and its feature maps of one test image.",
                "第一层卷积核在训练前后的样子，以及它对一张测试图像的特征图。",
            ),
            filters_png,
        ),
        "deeper-features": Figure(
            Text("The second layer's feature maps, and accuracy by epoch.", "第二层的特征图，以及每轮的准确率。"),
            figure_png(fig),
        ),
    }
    return Outcome(numbers, figures)


# ---------------------------------------------------------------------------------------------- question 2

NETWORK_QUESTION = Text(
    "What is a neural network? (And what is a generative adversarial network?)",
    "什么是神经网络？（什么是生成对抗网络？）",
)

NETWORK_EXPLANATION = Text.prose(
    """
    A neural network is a function built from layers of units. Each unit takes a weighted sum of the previous layer's
    outputs, adds a bias and applies a nonlinear activation; the input layer holds the data, hidden layers transform it,
    and the output layer gives the prediction. Training adjusts the weights by gradient descent on a loss. What the
    hidden layers learn is a new representation of the data in which the task is easier. Here an MLP 2-64-64-2-3 with
    tanh units learns three interleaved spirals, and linear probes (linear classifiers trained on a layer's outputs,
    with the network frozen) ask how separable the classes are in the input and in each of its two 64-unit hidden
    layers, before and after training. A generative adversarial network pits two networks against each other: a
    generator turns random noise into samples and a discriminator tries to tell them from real data; each is trained
    against the other. Its known weakness is mode collapse, producing only some kinds of sample, which is why mode
    coverage is measured on a ring of eight Gaussians.
    """,
    """
    神经网络是由一层层单元构成的函数。每个单元对上一层的输出做加权求和、加上偏置，再经过一个非线性激活函数；输入层存放数
    据，隐藏层对它做变换，输出层给出预测。训练就是用梯度下降按损失调整权重。隐藏层学到的是数据的一种新表示，在这种表示里
    任务更容易。这里一个 2-64-64-2-3、tanh 单元的 MLP 学习三条交错的螺旋线，并用线性探针（在冻结网络的某层输出上训练的线
    性分类器）来看训练前后，在输入以及两个 64 单元的隐藏层里，各类别有多容易线性分开。生成对抗网络让两个网络相互对抗：生
    成器把随机噪声变成样本，判别器试图把它们和真实数据区分开，两者互相对抗着训练。它的已知弱点是模式崩塌，即只生成某几类
    样本，所以这里在一个由八个高斯分布组成的圆环上测量它覆盖了多少个模式。
    """,
)

PROBE_FLOOR, RAW_CEILING = 0.95, 0.75

NETWORK_CLAIMS = (
    Claim(
        "mlp-fits",
        Text(
            "The MLP classifies at least 95% of held-out spiral points correctly.",
            "这个 MLP 能正确分类至少 95% 的留出螺旋点。",
        ),
        (Check("mlp_test_accuracy", ">=", PROBE_FLOOR),),
    ),
    Claim(
        "input-not-separable",
        Text(
            "In the input plane the classes are not linearly separable: a linear classifier on the raw "
            "coordinates gets at most 75% of held-out points.",
            "在输入平面上各类别不能线性分开：在原始坐标上训练的线性分类器，对留出点的准确率至多 75%。",
        ),
        (Check("probe_raw_test_accuracy", "<=", RAW_CEILING),),
    ),
    Claim(
        "layers-build-it",
        Text(
            "Training makes the classes linearly separable layer by layer: a linear probe on the first hidden layer "
            "beats the probe on the input by at least 5 points yet stays below 95%, and one on the second hidden "
            "layer, which feeds the 2-unit layer, gets at least 95%.",
            "训练让各类别逐层变得线性可分：第一个隐藏层上的线性探针比输入上的至少高 5 个百分点，但仍低于 95%；第二个"
            "隐藏层（它之后是 2 个单元的那一层）上的线性探针至少达到 95%。",
        ),
        (
            Check("probe_first_minus_input", ">=", 0.05),
            Check("probe_first_test_accuracy", "<", PROBE_FLOOR),
            Check("probe_hidden_test_accuracy", ">=", PROBE_FLOOR),
        ),
    ),
    Claim(
        "training-made-it",
        Text(
            "Training did most of this, not the layer's width alone: on the same 64-unit layer of the untrained "
            "network a linear probe gets at most 75%, at least 25 points below the trained layer's, and training adds "
            "more to the probe than the untrained layer adds to the input's.",
            "起主要作用的是训练，而不只是这一层的宽度：在未训练网络的同一个 64 单元层上，线性探针至多 75%，比训练后"
            "的这一层至少低 25 个百分点；训练给探针带来的提高，也大于未训练的这一层相对输入带来的提高。",
        ),
        (
            Check("probe_untrained_test_accuracy", "<=", RAW_CEILING),
            Check("probe_training_gain", ">=", 0.25),
            Check("probe_training_gain", ">", "probe_width_gain"),
        ),
    ),
    Claim(
        "gan-covers-modes",
        Text(
            "The GAN does not collapse: its samples cover at least 7 of the 8 modes, and at least 80% of them lie "
            "near a mode.",
            "这个 GAN 没有崩塌：它的样本覆盖了 8 个模式中的至少 7 个，并且至少 80% 的样本落在某个模式附近。",
        ),
        (Check("gan_modes_covered", ">=", 7), Check("gan_samples_near_a_mode", ">=", 0.8)),
    ),
    Claim(
        "gan-approaches-data",
        Text(
            "Training brings its samples close to the data: their sliced Wasserstein distance to the true mixture "
            "falls to at most a quarter of its starting value.",
            "训练让生成样本接近真实数据：它们与真实混合分布的切片 Wasserstein 距离降到初始值的四分之一以下。",
        ),
        (Check("gan_distance_ratio", "<=", 0.25),),
    ),
)

NETWORK_LABELS = {
    "mlp_test_accuracy": Label("MLP test accuracy", "MLP 测试准确率", ".3f"),
    "chance": Label("accuracy by guessing", "随机猜测的准确率", ".3f"),
    "probe_raw_test_accuracy": Label("linear probe on the input, test accuracy", "输入上的线性探针，测试准确率", ".3f"),
    "probe_hidden_test_accuracy": Label(
        "linear probe on hidden layer 2 after training, test accuracy",
        "训练后第二隐藏层上的线性探针，测试准确率",
        ".3f",
    ),
    "probe_untrained_test_accuracy": Label(
        "linear probe on hidden layer 2 before training, test accuracy",
        "训练前第二隐藏层上的线性探针，测试准确率",
        ".3f",
    ),
    "probe_training_gain": Label(
        "hidden layer 2's probe: after training minus before", "第二隐藏层的探针：训练后减训练前", ".3f"
    ),
    "probe_width_gain": Label(
        "hidden layer 2's probe before training minus the probe on the input",
        "训练前第二隐藏层上的探针减输入上的探针",
        ".3f",
    ),
    "probe_first_test_accuracy": Label(
        "linear probe on hidden layer 1 after training, test accuracy",
        "训练后第一隐藏层上的线性探针，测试准确率",
        ".3f",
    ),
    "probe_first_untrained_test_accuracy": Label(
        "linear probe on hidden layer 1 before training, test accuracy",
        "训练前第一隐藏层上的线性探针，测试准确率",
        ".3f",
    ),
    "probe_first_minus_input": Label(
        "probe on hidden layer 1 minus probe on the input (after training)",
        "第一隐藏层上的探针减输入上的探针（训练后）",
        ".3f",
    ),
    "gan_epochs": Label("GAN epochs", "GAN 训练轮数"),
    "gan_steps": Label(
        "GAN steps (each: one discriminator and one generator update)", "GAN 步数（每步更新判别器和生成器各一次）"
    ),
    "gan_modes_covered": Label("modes holding at least 5% of the samples (of 8)", "至少含 5% 样本的模式数（共 8 个）"),
    "gan_samples_near_a_mode": Label("samples within 5 std of a mode", "距某个模式 5 个标准差以内的样本比例", ".1%"),
    "gan_distance_start": Label("sliced Wasserstein distance at the start", "初始的切片 Wasserstein 距离", ".3f"),
    "gan_distance_end": Label("sliced Wasserstein distance at the end", "最终的切片 Wasserstein 距离", ".3f"),
    "gan_distance_ratio": Label("distance at the end / at the start", "最终距离 / 初始距离", ".3f"),
}

MODE_RADIUS, MODE_STD, MODE_SHARE = 2.0, 0.05, 0.05


def ring_modes() -> np.ndarray:
    """The centres of the 8 Gaussians, evenly spaced on a circle of radius ``MODE_RADIUS``."""
    angles = 2 * np.pi * np.arange(8) / 8
    return MODE_RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def ring_samples(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points from the ring of 8 Gaussians (standard deviation ``MODE_STD``)."""
    return (ring_modes()[rng.integers(0, 8, n)] + rng.normal(0.0, MODE_STD, (n, 2))).astype(np.float32)


def mode_coverage(samples: np.ndarray) -> tuple[int, float]:
    """How many modes hold at least ``MODE_SHARE`` of the samples, and the share of samples near any mode.

    A sample belongs to a mode when it lies within 5 standard deviations of the mode's centre.
    """
    distance = np.linalg.norm(samples[:, None, :] - ring_modes()[None], axis=2)
    near = distance.min(1) < 5 * MODE_STD
    shares = np.bincount(distance.argmin(1)[near], minlength=8) / len(samples)
    return int((shares >= MODE_SHARE).sum()), float(near.mean())


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, directions: int = 64) -> float:
    """The 1-Wasserstein distance between two equal-size point clouds, averaged over projections on lines."""
    angles = np.pi * np.arange(directions) / directions
    lines = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return float(np.abs(np.sort(a @ lines.T, axis=0) - np.sort(b @ lines.T, axis=0)).mean())


def _train_gan(seed: int, quick: bool, full: bool) -> tuple[dict[str, Any], bytes]:
    """Train an MLP GAN on the ring of Gaussians; its numbers and a figure of samples over the epochs.

    The two networks take turns within each step, which the Trainer's one-model loop does not express,
    so this is the one experiment with its own loop.
    """
    rng = np.random.default_rng(seed + 1)
    width, lr, n_data, epochs = (
        (64, 3e-3, 4096, 90) if quick else (128, 2e-3, 8192, 200) if full else (64, 3e-3, 8192, 100)
    )
    batch, noise = 256, 8
    data = ring_samples(n_data, rng)
    reference = ring_samples(4000, rng)
    generator = nn.Sequential(
        nn.Linear(noise, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 2)
    )
    discriminator = nn.Sequential(
        nn.Linear(2, width), nn.LeakyReLU(0.2), nn.Linear(width, width), nn.LeakyReLU(0.2), nn.Linear(width, 1)
    )
    opt_g = optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = optim.Adam(discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    # one discriminator pass over real and fake together: the first half is labelled real, the second fake
    labels = cat([ones(batch, 1), zeros(batch, 1)])
    real_label = labels[:batch]
    fixed_noise = randn(4000, noise)

    def sample() -> np.ndarray:
        with no_grad():
            return generator(fixed_noise).numpy()

    snapshots = sorted({0, max(1, epochs // 20), epochs // 5, epochs // 2, epochs})
    shown: dict[int, np.ndarray] = {}
    curve: list[tuple[int, float]] = []
    for epoch in range(epochs + 1):
        if epoch % max(1, epochs // 20) == 0 or epoch in snapshots:
            points = sample()
            curve.append((epoch, sliced_wasserstein(points, reference)))
            if epoch in snapshots:
                shown[epoch] = points
        if epoch == epochs:
            break
        order = rng.permutation(n_data)
        for start in range(0, n_data - batch + 1, batch):
            real = tensor(data[order[start : start + batch]])
            fake = generator(randn(batch, noise))
            opt_d.zero_grad()
            loss_d = F.binary_cross_entropy_with_logits(discriminator(cat([real, fake.detach()])), labels)
            loss_d.backward()
            opt_d.step()
            # the non-saturating generator loss: make the discriminator call the fakes real
            opt_g.zero_grad()
            F.binary_cross_entropy_with_logits(discriminator(fake), real_label).backward()
            opt_g.step()

    modes, near = mode_coverage(shown[epochs])
    numbers = {
        "gan_epochs": epochs,
        "gan_steps": epochs * (n_data // batch),
        "gan_modes_covered": modes,
        "gan_samples_near_a_mode": near,
        "gan_distance_start": curve[0][1],
        "gan_distance_end": curve[-1][1],
        "gan_distance_ratio": curve[-1][1] / curve[0][1],
    }

    plt = pyplot()
    fig, axes = plt.subplots(1, len(shown) + 1, figsize=(3.0 * (len(shown) + 1), 3.4))
    centres = ring_modes()
    for ax, (epoch, points) in zip(axes, shown.items()):
        ax.scatter(reference[:1000, 0], reference[:1000, 1], s=2, c="lightgrey")
        ax.scatter(points[:1000, 0], points[:1000, 1], s=2, c="tab:red")
        ax.scatter(centres[:, 0], centres[:, 1], marker="x", c="k", s=20)
        ax.set_title(f"epoch {epoch}: {mode_coverage(points)[0]}/8 modes")
        ax.set_xlim(-3, 3)
        ax.set_ylim(-3, 3)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    axes[-1].plot([e for e, _ in curve], [d for _, d in curve], "o-", ms=3)
    axes[-1].set_title("sliced Wasserstein distance\nto the true mixture")
    axes[-1].set_xlabel("epoch")
    axes[-1].set_yscale("log")
    fig.suptitle("GAN samples (red) against the data (grey) over training")
    fig.tight_layout()
    return numbers, figure_png(fig)


def _principal_plane(ax: Any, features: np.ndarray, y: np.ndarray, title: str) -> None:
    """Scatter ``features`` on their first two principal components, coloured by class as ``draw_boundary`` does."""
    centred = features - features.mean(0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    plane = centred @ components[:2].T
    classes = int(y.max()) + 1
    ax.scatter(plane[:, 0], plane[:, 1], c=y, s=6, cmap="Set2", vmin=-0.5, vmax=classes - 0.5, edgecolors="none")
    ax.set_title(title)
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    ax.set_xticks([])
    ax.set_yticks([])


def _probe(
    features: np.ndarray, y: np.ndarray, test: np.ndarray, y_test: np.ndarray, seed: int, quick: bool
) -> tuple[float, nn.Linear]:
    """A linear classifier trained on frozen ``features``, and its held-out accuracy."""
    manual_seed(seed)
    probe = nn.Linear(features.shape[1], 3)
    adam = optim.Adam(probe.parameters(), lr=0.05)
    train(probe, adam, nn.CrossEntropyLoss(), loader(features, y, 64, seed), epochs=60 if quick else 100)
    return float((labels_of(probe, test) == y_test).mean()), probe


@experiment(
    2,
    "neural-network",
    question=NETWORK_QUESTION,
    explanation=NETWORK_EXPLANATION,
    claims=NETWORK_CLAIMS,
    labels=NETWORK_LABELS,
    key="probe_hidden_test_accuracy",
)
def run_neural_network(seed: int, quick: bool, full: bool) -> Outcome:
    rng = np.random.default_rng(seed)
    n = 300 if quick else 1200 if full else 600
    x, y = spirals(n, rng, classes=3, turns=1.0)
    x_test, y_test = spirals(n, rng, classes=3, turns=1.0)
    manual_seed(seed)
    mlp = nn.Sequential(
        nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 2), nn.Tanh(), nn.Linear(2, 3)
    )
    # hidden layer 1 ends at module 2, hidden layer 2 at module 4
    with no_grad():
        before = {end: [mlp[:end](tensor(a)).numpy() for a in (x, x_test)] for end in (2, 4)}
    train(mlp, optim.Adam(mlp.parameters(), lr=0.01), nn.CrossEntropyLoss(), loader(x, y, 64, seed), epochs=150)
    with no_grad():
        after = {end: [mlp[:end](tensor(a)).numpy() for a in (x, x_test)] for end in (2, 4)}
    raw_accuracy, raw_probe = _probe(x, y, x_test, y_test, seed, quick)

    def probe(layer: list[np.ndarray]) -> float:
        return _probe(layer[0], y, layer[1], y_test, seed, quick)[0]

    numbers: dict[str, Any] = {
        "mlp_test_accuracy": float((labels_of(mlp, x_test) == y_test).mean()),
        "chance": 1 / 3,
        "probe_raw_test_accuracy": raw_accuracy,
        "probe_first_test_accuracy": probe(after[2]),
        "probe_first_untrained_test_accuracy": probe(before[2]),
        "probe_hidden_test_accuracy": probe(after[4]),
        "probe_untrained_test_accuracy": probe(before[4]),
    }
    numbers["probe_first_minus_input"] = numbers["probe_first_test_accuracy"] - raw_accuracy
    numbers["probe_training_gain"] = numbers["probe_hidden_test_accuracy"] - numbers["probe_untrained_test_accuracy"]
    numbers["probe_width_gain"] = numbers["probe_untrained_test_accuracy"] - raw_accuracy

    plt = pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(16, 4))
    draw_boundary(axes[0], raw_probe, x_test, y_test, f"input plane\nlinear probe: {raw_accuracy:.3f}")
    axes[0].set_xlabel("input x1, x2")
    for ax, end, name, key in (
        (axes[1], 2, "hidden layer 1", "probe_first_test_accuracy"),
        (axes[2], 4, "hidden layer 2", "probe_hidden_test_accuracy"),
    ):
        _principal_plane(ax, after[end][1], y_test, f"{name} (64 units)\nlinear probe: {numbers[key]:.3f}")
    draw_boundary(
        axes[3], mlp, x_test, y_test, f"the MLP in the input plane\naccuracy {numbers['mlp_test_accuracy']:.3f}"
    )
    fig.suptitle("Held-out points as the linear probes see them: the input and the two 64-unit hidden layers")
    fig.tight_layout()
    representation = figure_png(fig)

    gan_numbers, gan_png = _train_gan(seed, quick, full)
    numbers.update(gan_numbers)
    summary = str(nn.summary(mlp, (2,), verbose=False))
    figures = {
        "representation": Figure(
            Text(
                "Held-out points, coloured by class. First: the input plane with the linear probe's regions. Second "
                "and third: the trained network's two 64-unit hidden layers, the layers the probes read, drawn on "
                "their first two principal components (the probes use all 64 units). Last: the MLP's decision "
                "regions in the input plane.",
                "按类别着色的留出点。第一幅：输入平面及线性探针的区域。第二、三幅：训练后网络的两个 64 单元隐藏层，也"
                "就是探针读取的层，画在它们的前两个主成分上（探针用的是全部 64 个单元）。最后一幅：MLP 在输入平面上的"
                "决策区域。",
            ),
            representation,
        ),
        "gan": Figure(
            Text(
                "GAN samples over training, and their distance to the true mixture.",
                "训练过程中的 GAN 样本，以及它们与真实混合分布的距离。",
            ),
            gan_png,
        ),
    }
    return Outcome(numbers, figures, notes=[Text.same("nn.summary(MLP 2-64-64-2-3)\n" + summary)])
