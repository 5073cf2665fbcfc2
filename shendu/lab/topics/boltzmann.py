"""Question 5: the (restricted) Boltzmann machine, trained on 8x8 digits and used as a feature extractor."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ... import manual_seed, nn, no_grad, optim, tensor
from ...datasets import Digits
from ..core import Check, Claim, Figure, Label, Outcome, Table, Text, experiment, figure_png, pyplot
from ._data import loader
from ._training import labels_of, train

__all__ = ["nudge", "run", "scikit_learn_comparison"]

QUESTION = Text("What is a Boltzmann machine?", "什么是玻尔兹曼机？")

EXPLANATION = Text.prose(
    """
    A Boltzmann machine is a network of binary stochastic units that gives every joint state a probability
    through an energy function: low-energy states are likely, with probability proportional to exp(-energy).
    Learning lowers the energy of the training data and raises it elsewhere, so the model comes to generate data
    like it. The general form, with connections among all units, is too slow to train; the restricted Boltzmann
    machine (RBM) keeps only the links between a visible layer (the data) and a hidden layer, so the units of one
    layer are independent given the other and can be sampled all at once. The likelihood gradient is the data's
    correlations minus the model's, and contrastive divergence estimates the model's part with a few steps of
    Gibbs sampling, here from a chain kept running between updates (persistent CD). Its hidden units' activation
    probabilities can serve as features for another model. Here an RBM with 100 hidden units learns the 8x8
    digits plus copies shifted by one pixel in each direction (five times the images, as in scikit-learn's
    example), and a logistic regression classifies digits from its features.
    """,
    """
    玻尔兹曼机是由二值随机单元组成的网络，它通过能量函数给每个联合状态一个概率：能量低的状态更可能出现，概率正比
    于 exp(-能量)。学习就是降低训练数据的能量、抬高其他状态的能量，于是模型能生成类似的数据。所有单元两两相连的一般形
    式训练起来太慢；受限玻尔兹曼机（RBM）只保留可见层（数据）和隐藏层之间的连接，这样给定一层时另一层的单元相互独立，
    可以一次全部采样。似然的梯度是数据的相关性减去模型的相关性，对比散度用几步吉布斯采样来估计模型那一项，这里采样链在
    更新之间持续运行（持续对比散度）。隐藏单元的激活概率可以作为另一个模型的特征。这里一个有 100 个隐藏单元的 RBM 学
    习 8x8 数字图像以及向四个方向各平移一个像素的副本（图像数变为五倍，与 scikit-learn 的示例相同），再用逻辑回归根据
    它的特征识别数字。
    """,
)

HIDDEN = 100
SEEDS = 5

CLAIMS = (
    Claim(
        "reconstruction-falls",
        Text(
            "Contrastive divergence learns the data: the reconstruction error falls to at most 80% of its value "
            "after the first epoch.",
            "对比散度确实学到了数据：重构误差降到第一轮之后数值的 80% 以下。",
        ),
        (Check("reconstruction_end", "<=", "reconstruction_start", times=0.8),),
    ),
    Claim(
        "features-classify",
        Text(
            "Logistic regression on the 100 hidden units' probabilities recognizes at least 93% of held-out digits.",
            "在 100 个隐藏单元的激活概率上做逻辑回归，能识别至少 93% 的留出数字。",
        ),
        (Check("rbm_logistic_accuracy", ">=", 0.93),),
    ),
    Claim(
        "features-beat-pixels",
        Text(
            "On the same shifted training images, the RBM's features beat the raw pixels for the same logistic "
            "regression by at least 3 points of accuracy.",
            "在同样的平移训练图像上，同样的逻辑回归用 RBM 特征比用原始像素的准确率至少高 3 个百分点。",
        ),
        (Check("gain_over_pixels", ">=", 0.03),),
    ),
    Claim(
        "advantage-is-shift-tolerance",
        Text(
            "The advantage is tolerance to the shifts, not features that make digits easier in general: trained on "
            "the unshifted images alone, logistic regression on raw pixels comes within 2 points of the RBM's "
            "features or beats them.",
            "这个优势来自对平移的容忍，而不是让数字普遍更容易识别的特征：只在未平移的图像上训练时，原始像素上的逻辑回归"
            "与 RBM 特征相差不到 2 个百分点，或者更好。",
        ),
        (Check("rbm_minus_plain_pixels", "<=", 0.02),),
    ),
    Claim(
        "matches-scikit-learn",
        Text(
            f"shendu's RBM matches scikit-learn's BernoulliRBM trained the same way: over {SEEDS} seeds, with the same "
            "classifier (scikit-learn's LogisticRegression, C = 6000), their mean held-out accuracies differ by at "
            "most 0.01.",
            f"shendu 的 RBM 与用同样方式训练的 scikit-learn BernoulliRBM 相当：在 {SEEDS} 个随机种子上，用同一个分类器"
            "（scikit-learn 的 LogisticRegression，C = 6000），两者留出准确率的平均值相差不超过 0.01。",
        ),
        (Check("mean_accuracy_gap_to_sklearn", "<=", 0.01),),
    ),
    Claim(
        "one-seed-is-not-enough",
        Text(
            "One seed cannot tell them apart: scikit-learn's own accuracy varies by at least 1.5 points between "
            "seeds, more than the 1-point bound on the gap between the two means.",
            "只用一个随机种子无法区分两者：scikit-learn 自己的准确率在不同种子之间相差至少 1.5 个百分点，大于两个平均"
            "值之差的上限 1 个百分点。",
        ),
        (Check("sklearn_seed_spread", ">=", 0.015),),
    ),
)

LABELS = {
    "train_images": Label("training images (digits and their shifted copies)", "训练图像数（数字及其平移副本）"),
    "rbm_epochs": Label(
        "RBM epochs (persistent CD-1, batch 10, lr 0.06)", "RBM 训练轮数（持续 CD-1，批大小 10，学习率 0.06）"
    ),
    "rbm_logistic_accuracy": Label(
        "RBM features + logistic regression, test accuracy", "RBM 特征 + 逻辑回归，测试准确率", ".3f"
    ),
    "pixel_logistic_accuracy": Label(
        "raw pixels + logistic regression (shifted images), test accuracy",
        "原始像素 + 逻辑回归（平移图像），测试准确率",
        ".3f",
    ),
    "plain_pixel_logistic_accuracy": Label(
        "raw pixels + logistic regression (unshifted images), test accuracy",
        "原始像素 + 逻辑回归（未平移图像），测试准确率",
        ".3f",
    ),
    "gain_over_pixels": Label(
        "RBM features minus raw pixels (shifted images)", "RBM 特征减原始像素（平移图像）", ".3f"
    ),
    "rbm_minus_plain_pixels": Label(
        "RBM features minus raw pixels trained on unshifted images", "RBM 特征减未平移图像上的原始像素", ".3f"
    ),
    "reconstruction_start": Label(
        "reconstruction error after epoch 1 (mean squared)", "第 1 轮后的重构误差（均方）", ".4f"
    ),
    "reconstruction_end": Label("reconstruction error after the last epoch", "最后一轮后的重构误差", ".4f"),
    "pseudo_likelihood": Label(
        "pseudo-log-likelihood of test digits (per image)", "测试数字的伪对数似然（每张图）", ".2f"
    ),
    "shendu_mean_accuracy": Label(
        f"shendu RBM + scikit-learn logistic regression, mean of {SEEDS} seeds",
        f"shendu RBM + scikit-learn 逻辑回归，{SEEDS} 个种子的平均",
        ".4f",
    ),
    "sklearn_mean_accuracy": Label(
        f"scikit-learn BernoulliRBM + logistic regression, mean of {SEEDS} seeds",
        f"scikit-learn BernoulliRBM + 逻辑回归，{SEEDS} 个种子的平均",
        ".4f",
    ),
    "mean_accuracy_gap_to_sklearn": Label("|difference of the two means|", "两个平均值之差的绝对值", ".4f"),
    "shendu_seed_spread": Label("shendu: best minus worst seed", "shendu：最好与最差种子之差", ".4f"),
    "sklearn_seed_spread": Label("scikit-learn: best minus worst seed", "scikit-learn：最好与最差种子之差", ".4f"),
}


def nudge(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The images plus copies shifted by one pixel up, down, left and right (five times the data)."""
    shifted = [images]
    for axis, step in ((1, 1), (1, -1), (2, 1), (2, -1)):
        moved = np.roll(images, step, axis=axis)
        edge = [slice(None)] * 3
        edge[axis] = 0 if step == 1 else -1
        moved[tuple(edge)] = 0
        shifted.append(moved)
    return np.concatenate(shifted), np.tile(labels, len(shifted))


def _logistic_accuracy(
    x: np.ndarray, y: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, epochs: int, seed: int
) -> float:
    """Held-out accuracy of a softmax classifier on ``x``, trained by Adam through the shared Trainer."""
    manual_seed(seed)
    model = nn.Linear(x.shape[1], 10)
    train(model, optim.Adam(model.parameters(), lr=0.05), nn.CrossEntropyLoss(), loader(x, y, 64, seed), epochs=epochs)
    return float((labels_of(model, x_test) == y_test).mean())


def _fit_rbm(x: np.ndarray, epochs: int, seed: int) -> tuple[nn.RBM, list[float]]:
    manual_seed(seed)
    rbm = nn.RBM(64, HIDDEN)
    history = rbm.fit(tensor(x), epochs=epochs, lr=0.06, batch_size=10, k=1, persistent=True)
    return rbm, history


def _features(rbm: nn.RBM, x: np.ndarray) -> np.ndarray:
    with no_grad():
        return rbm.transform(tensor(x)).numpy()


def scikit_learn_comparison(
    x: np.ndarray, y: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, epochs: int, seeds: int
) -> dict[str, list[float]]:
    """Held-out accuracy of scikit-learn's LogisticRegression (C = 6000) on the features of shendu's RBM and of
    scikit-learn's BernoulliRBM, each trained with the same settings from seeds 0 .. ``seeds - 1``."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import BernoulliRBM

    scores: dict[str, list[float]] = {"shendu": [], "sklearn": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for seed in range(seeds):
            theirs = BernoulliRBM(
                n_components=HIDDEN, learning_rate=0.06, batch_size=10, n_iter=epochs, random_state=seed
            )
            theirs.fit(x)
            ours, _ = _fit_rbm(x, epochs, seed)
            for name, (features, features_test) in (
                ("sklearn", (theirs.transform(x), theirs.transform(x_test))),
                ("shendu", (_features(ours, x), _features(ours, x_test))),
            ):
                classifier = LogisticRegression(C=6000, max_iter=500).fit(features, y)
                scores[name].append(float(classifier.score(features_test, y_test)))
    return scores


@experiment(
    5,
    "boltzmann-machine",
    question=QUESTION,
    explanation=EXPLANATION,
    claims=CLAIMS,
    labels=LABELS,
    key="rbm_logistic_accuracy",
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    train_set, test = Digits(train=True), Digits(train=False)
    images, labels = train_set.data.numpy()[:, 0], train_set.targets.numpy()
    x_test, y_test = test.data.numpy().reshape(-1, 64), test.targets.numpy()
    shifted, y = nudge(images, labels)
    x = shifted.reshape(-1, 64)
    # Fewer than about 20 epochs leave features that classify markedly worse, so quick mode trains as long.
    epochs, classifier_epochs = (40, 20) if full else (20, 20)
    rbm, history = _fit_rbm(x, epochs, seed)
    features, features_test = _features(rbm, x), _features(rbm, x_test)
    with no_grad():
        pseudo_likelihood = float(rbm.score_samples(tensor(x_test)).mean().item())
    numbers: dict[str, Any] = {
        "train_images": len(y),
        "rbm_epochs": epochs,
        "rbm_logistic_accuracy": _logistic_accuracy(features, y, features_test, y_test, classifier_epochs, seed),
        "pixel_logistic_accuracy": _logistic_accuracy(x, y, x_test, y_test, classifier_epochs, seed),
        "plain_pixel_logistic_accuracy": _logistic_accuracy(
            images.reshape(-1, 64), labels, x_test, y_test, 5 * classifier_epochs, seed
        ),
        "reconstruction_start": history[0],
        "reconstruction_end": history[-1],
        "pseudo_likelihood": pseudo_likelihood,
    }
    numbers["gain_over_pixels"] = numbers["rbm_logistic_accuracy"] - numbers["pixel_logistic_accuracy"]
    numbers["rbm_minus_plain_pixels"] = numbers["rbm_logistic_accuracy"] - numbers["plain_pixel_logistic_accuracy"]
    tables = []
    if not quick:
        # Five RBMs from each library take about a minute: more than quick mode's budget.
        scores = scikit_learn_comparison(x, y, x_test, y_test, epochs, SEEDS)
        numbers["shendu_mean_accuracy"] = float(np.mean(scores["shendu"]))
        numbers["sklearn_mean_accuracy"] = float(np.mean(scores["sklearn"]))
        numbers["mean_accuracy_gap_to_sklearn"] = abs(
            numbers["shendu_mean_accuracy"] - numbers["sklearn_mean_accuracy"]
        )
        numbers["shendu_seed_spread"] = float(np.ptp(scores["shendu"]))
        numbers["sklearn_seed_spread"] = float(np.ptp(scores["sklearn"]))
        tables.append(
            Table(
                Text(
                    "shendu's RBM against scikit-learn's BernoulliRBM, the same classifier on their features",
                    "shendu 的 RBM 与 scikit-learn 的 BernoulliRBM：在各自特征上使用同一个分类器",
                ),
                (
                    Text("seed", "随机种子"),
                    Text("shendu RBM: test accuracy", "shendu RBM：测试准确率"),
                    Text("scikit-learn BernoulliRBM: test accuracy", "scikit-learn BernoulliRBM：测试准确率"),
                ),
                [(s, scores["shendu"][s], scores["sklearn"][s]) for s in range(SEEDS)],
            )
        )
    tables.insert(
        0,
        Table(
            Text("Logistic regression on different features", "不同特征上的逻辑回归"),
            (Text("features", "特征"), Text("training images", "训练图像"), Text("test accuracy", "测试准确率")),
            [
                (
                    Text(f"RBM, {HIDDEN} hidden units", f"RBM，{HIDDEN} 个隐藏单元"),
                    Text("shifted", "平移"),
                    numbers["rbm_logistic_accuracy"],
                ),
                (Text("raw pixels", "原始像素"), Text("shifted", "平移"), numbers["pixel_logistic_accuracy"]),
                (Text("raw pixels", "原始像素"), Text("unshifted", "未平移"), numbers["plain_pixel_logistic_accuracy"]),
            ],
        ),
    )
    figure = Figure(
        Text(
            "Reconstruction error over training, each hidden unit's weights as an 8x8 filter, and held-out digits "
            "with their reconstructions.",
            "训练过程中的重构误差，每个隐藏单元的权重（显示为 8x8 的滤波器），以及留出数字及其重构。",
        ),
        _figure(rbm, history, x_test),
    )
    return Outcome(numbers, {"rbm": figure}, tables)


def _figure(rbm: nn.RBM, history: list[float], x_test: np.ndarray) -> bytes:
    plt = pyplot()
    fig = plt.figure(figsize=(13, 4.4))
    grid = fig.add_gridspec(2, 3, width_ratios=[1.1, 1.3, 1.6])
    ax_curve = fig.add_subplot(grid[:, 0])
    ax_curve.plot(range(1, len(history) + 1), history, "o-", ms=3)
    ax_curve.set_xlabel("epoch")
    ax_curve.set_ylabel("mean squared reconstruction error")
    ax_curve.set_title("Reconstruction error while training")
    filters = rbm.weight.detach().numpy().reshape(HIDDEN, 8, 8)
    canvas = np.full((10 * 9 - 1, 10 * 9 - 1), np.nan)
    for i, f in enumerate(filters[:100]):
        r, c = divmod(i, 10)
        canvas[r * 9 : r * 9 + 8, c * 9 : c * 9 + 8] = f / max(np.abs(f).max(), 1e-8)
    ax_filters = fig.add_subplot(grid[:, 1])
    ax_filters.imshow(canvas, cmap="bwr", vmin=-1, vmax=1, interpolation="nearest")
    ax_filters.set_title("Each hidden unit's weights (red > 0 > blue)")
    ax_filters.axis("off")
    sample = tensor(x_test[:8])
    with no_grad():
        reconstruction = rbm.sample_v(rbm.transform(sample))[0].numpy()
    for row, (images_row, title) in enumerate(((x_test[:8], "held-out digits"), (reconstruction, "reconstructed"))):
        ax = fig.add_subplot(grid[row, 2])
        ax.imshow(np.hstack([im.reshape(8, 8) for im in images_row]), cmap="gray_r", interpolation="nearest")
        ax.set_title(title)
        ax.axis("off")
    fig.tight_layout()
    return figure_png(fig)
