"""Questions 13 and 14: hyperparameters chosen by random search with k-fold cross-validation, and the learning rate."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ... import Generator, manual_seed, nn, optim
from ...train import LRSchedulerStep
from ...utils.data import KFold
from ..core import Check, Claim, Figure, Label, Outcome, Table, Text, experiment, figure_png, pyplot
from ._data import digits, loader
from ._training import StepLog, evaluate, train_or_diverge

__all__ = ["range_test_rates", "run_learning_rate", "run_search"]


def _mlp(hidden: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def _parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# --------------------------------------------------------------------------- question 13

SEARCH_QUESTION = Text(
    "What is the difference between parameters and hyperparameters, and how are hyperparameters chosen?",
    "参数和超参数有什么区别？超参数怎么选择？",
)

SEARCH_EXPLANATION = Text.prose(
    """
    Parameters are the numbers that training itself adjusts: the weights and biases that gradient descent moves to lower
    the loss. Hyperparameters are the choices made before training starts and held fixed while it runs, such as the
    learning rate, the hidden layer's width, the batch size or the number of epochs; gradient descent cannot learn them,
    so they are picked by trying settings and comparing how well the trained models generalize. Random search samples
    settings from sensible ranges (the learning rate on a log scale). Each setting is scored by k-fold cross-validation:
    the training data is cut into k folds and the model is trained k times, each time on k - 1 folds and scored on the
    fold left out. The best mean score picks the setting, which is then retrained on all the training data and scored
    once on a test set that no choice looked at. Here the search is over the learning rate (3e-4 to 3) and the hidden
    width (4 to 256 units) of an MLP on the 8x8 digits, trained with SGD and momentum.
    """,
    """
    参数是训练本身调整的数：梯度下降为降低损失而移动的权重和偏置。超参数是训练开始前做出、训练中保持不变的选择，比如学习
    率、隐藏层宽度、批大小或训练轮数；梯度下降学不到它们，所以要通过尝试不同设置、比较训练出的模型泛化得有多好来挑选。随
    机搜索从合理的范围中采样设置（学习率按对数尺度）。每个设置用 k 折交叉验证打分：把训练数据切成 k 折，训练 k 次，每次
    在 k - 1 折上训练、在留出的那一折上打分。平均分最好的设置被选中，然后在全部训练数据上重新训练，并在一个任何选择都没
    看过的测试集上只打一次分。这里在 8x8 数字上搜索一个 MLP 的学习率（3e-4 到 3）和隐藏层宽度（4 到 256 个单元），用带动
    量的 SGD 训练。
    """,
)

SEARCH_CLAIMS = (
    Claim(
        "choice-matters",
        Text(
            "The choice matters: the best and the worst setting differ by at least 0.1 in mean cross-validated "
            "accuracy.",
            "选择很重要：最好和最差的设置在交叉验证平均准确率上至少相差 0.1。",
        ),
        (Check("cv_spread", ">=", 0.1),),
    ),
    Claim(
        "cv-predicts-test",
        Text(
            "Cross-validation, which never sees the test set, predicts the chosen setting's test accuracy to within "
            "0.05.",
            "从未见过测试集的交叉验证，对所选设置测试准确率的预测误差在 0.05 以内。",
        ),
        (Check("cv_test_gap", "<=", 0.05),),
    ),
    Claim(
        "chosen-is-good",
        Text(
            "The chosen setting, retrained on all training data, classifies at least 90% of the test digits correctly.",
            "所选设置在全部训练数据上重新训练后，能正确分类至少 90% 的测试数字。",
        ),
        (Check("chosen_test_accuracy", ">=", 0.9),),
    ),
)

SEARCH_LABELS = {
    "trials": Label("settings tried", "尝试的设置数"),
    "folds": Label("folds (k)", "折数（k）"),
    "epochs_per_fit": Label("epochs per fit", "每次训练的轮数"),
    "hyperparameters_searched": Label("hyperparameters searched", "搜索的超参数个数"),
    "chosen_learning_rate": Label("chosen learning rate", "选中的学习率", ".3g"),
    "chosen_hidden_size": Label("chosen hidden units", "选中的隐藏单元数"),
    "chosen_parameters": Label(
        "parameters (weights and biases) of the chosen model", "所选模型的参数（权重和偏置）个数"
    ),
    "chosen_cv_accuracy": Label("chosen setting: mean CV accuracy", "所选设置：交叉验证平均准确率", ".3f"),
    "chosen_cv_std": Label("chosen setting: CV accuracy std over folds", "所选设置：各折准确率的标准差", ".3f"),
    "worst_cv_accuracy": Label("worst setting: mean CV accuracy", "最差设置：交叉验证平均准确率", ".3f"),
    "cv_spread": Label("best minus worst mean CV accuracy", "最好与最差的平均交叉验证准确率之差", ".3f"),
    "chosen_test_accuracy": Label("chosen setting: test accuracy", "所选设置：测试准确率", ".3f"),
    "cv_test_gap": Label("|CV estimate - test accuracy|", "|交叉验证估计 - 测试准确率|", ".3f"),
    "training_samples": Label("training samples", "训练样本数"),
    "test_samples": Label("test samples", "测试样本数"),
}


@experiment(
    13,
    "hyperparameters",
    question=SEARCH_QUESTION,
    explanation=SEARCH_EXPLANATION,
    claims=SEARCH_CLAIMS,
    labels=SEARCH_LABELS,
    key="chosen_test_accuracy",
)
def run_search(seed: int, quick: bool, full: bool) -> Outcome:
    trials, folds, epochs = (6, 3, 4) if quick else (24, 5, 12) if full else (10, 5, 8)
    x_train, y_train, x_test, y_test = digits(seed)
    rng = np.random.default_rng(seed)
    # Latin hypercube sampling: random settings that still cover each range evenly, even with few trials.
    strata = (np.stack([rng.permutation(trials) for _ in range(2)], axis=1) + rng.uniform(size=(trials, 2))) / trials
    settings = [(float(10 ** (-3.5 + 4 * u)), round(2 ** (2 + 6 * v))) for u, v in strata]
    loss_fn = nn.CrossEntropyLoss()

    def fit(lr: float, hidden: int, x: Any, y: Any) -> tuple[nn.Module, bool]:
        manual_seed(seed)
        model = _mlp(hidden)
        sgd = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        _, diverged = train_or_diverge(model, sgd, loss_fn, loader(x, y, 32, seed), epochs=epochs)
        return model, diverged

    splits = list(KFold(folds, shuffle=True, generator=Generator().manual_seed(seed)).split(len(y_train)))
    scores = np.zeros((trials, folds))
    diverged_any = [False] * trials
    for t, (lr, hidden) in enumerate(settings):
        for f, (fit_idx, val_idx) in enumerate(splits):
            model, diverged = fit(lr, hidden, x_train[fit_idx], y_train[fit_idx])
            diverged_any[t] |= diverged
            scores[t, f] = 0.0 if diverged else evaluate(model, x_train[val_idx], y_train[val_idx], loss_fn)[1]
    means = scores.mean(axis=1)
    best = int(means.argmax())
    lr, hidden = settings[best]
    model, _ = fit(lr, hidden, x_train, y_train)
    test_accuracy = evaluate(model, x_test, y_test, loss_fn)[1]

    header = (
        Text("trial", "试验"),
        Text("learning rate", "学习率"),
        Text("hidden units", "隐藏单元"),
        *(Text(f"fold {f + 1} accuracy", f"第 {f + 1} 折准确率") for f in range(folds)),
        Text("mean", "平均"),
        Text("std", "标准差"),
        Text("note", "备注"),
    )
    rows = []
    for t in np.argsort(-means):
        note = (
            Text("chosen", "选中")
            if t == best
            else Text("diverged in a fold", "某折发散")
            if diverged_any[t]
            else Text("", "")
        )
        rows.append(
            (
                int(t) + 1,
                settings[t][0],
                settings[t][1],
                *(float(s) for s in scores[t]),
                float(means[t]),
                float(scores[t].std()),
                note,
            )
        )
    numbers = {
        "trials": trials,
        "folds": folds,
        "epochs_per_fit": epochs,
        "hyperparameters_searched": 2,
        "chosen_learning_rate": lr,
        "chosen_hidden_size": hidden,
        "chosen_parameters": _parameter_count(model),
        "chosen_cv_accuracy": float(means[best]),
        "chosen_cv_std": float(scores[best].std()),
        "worst_cv_accuracy": float(means.min()),
        "cv_spread": float(means[best] - means.min()),
        "chosen_test_accuracy": test_accuracy,
        "cv_test_gap": abs(test_accuracy - float(means[best])),
        "training_samples": len(y_train),
        "test_samples": len(y_test),
    }
    figures = {
        "search": Figure(
            Text(
                "Each setting tried, coloured by its mean cross-validated accuracy (star: chosen).",
                "每个尝试过的设置，颜色表示其交叉验证平均准确率（星号：选中）。",
            ),
            _search_map(settings, means, best),
        ),
        "folds": Figure(
            Text(
                "Every fold's score per setting, their mean, and the chosen setting's test score.",
                "每个设置在各折上的分数、它们的平均，以及所选设置的测试分数。",
            ),
            _fold_scores(settings, scores, best, test_accuracy),
        ),
    }
    table = Table(Text("Fold scores, best setting first", "各折分数，按平均分从高到低"), header, rows)
    setup = [
        Text(
            f"Random search (Latin hypercube) sampled the learning rate log-uniformly in [3e-4, 3] and the hidden "
            f"width log-uniformly in [4, 256]; each setting trained an MLP 64-hidden-10 with SGD (momentum 0.9) for "
            f"{epochs} epochs {folds} times, each time on {folds - 1} of {folds} folds of the 8x8 digits and scored on "
            f"the fold left out. The chosen setting was then retrained on "
            f"all {len(y_train)} training samples and scored once on {len(y_test)} held-out test samples.",
            f"随机搜索（拉丁超立方采样）在 [3e-4, 3] 内按对数均匀采样学习率，在 [4, 256] 内按对数均匀采样隐藏层宽度；"
            f"每个设置在 8x8 数字的 {folds} 折上训练 {folds} 次，每次在其中 {folds - 1} 折上用 SGD（动量 0.9）"
            f"训练一个 64-隐藏-10 的 MLP {epochs} 轮，再在留下的那一折上打分。所选设置随"
            f"后在全部 "
            f"{len(y_train)} 个训练样本上重新训练，并在 {len(y_test)} 个留出的测试样本上只打一次分。",
        )
    ]
    return Outcome(numbers, figures, [table], setup=setup)


def _search_map(settings: list[tuple[float, int]], means: np.ndarray, best: int) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.4))
    lrs, hiddens = zip(*settings)
    points = ax.scatter(lrs, hiddens, c=means, cmap="viridis", vmin=0.0, vmax=1.0, s=70, edgecolors="k")
    ax.scatter([lrs[best]], [hiddens[best]], marker="*", s=350, facecolors="none", edgecolors="red", linewidths=1.5)
    for (lr, h), m in zip(settings, means):
        ax.annotate(f"{m:.2f}", (lr, h), textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log", base=2)
    ax.set_xlabel("learning rate (hyperparameter)")
    ax.set_ylabel("hidden units (hyperparameter)")
    ax.set_title("Random search: mean k-fold CV accuracy (star: chosen)")
    fig.colorbar(points, ax=ax, label="mean CV accuracy")
    return figure_png(fig)


def _fold_scores(settings: list[tuple[float, int]], scores: np.ndarray, best: int, test: float) -> bytes:
    plt = pyplot()
    order = np.argsort(-scores.mean(axis=1))
    fig, ax = plt.subplots(figsize=(8, 4))
    for rank, t in enumerate(order):
        color = "tab:red" if t == best else "tab:blue"
        ax.scatter(np.full(scores.shape[1], rank), scores[t], color=color, alpha=0.6, s=18)
        ax.plot([rank - 0.3, rank + 0.3], [scores[t].mean()] * 2, color=color, linewidth=2)
    rank_best = int(np.flatnonzero(order == best)[0])
    ax.scatter([rank_best], [test], marker="D", color="black", zorder=3, label=f"held-out test: {test:.3f}")
    ax.set_xticks(range(len(order)), [f"{settings[t][0]:.2g}\n{settings[t][1]}" for t in order], fontsize=8)
    ax.set_xlabel("setting: learning rate / hidden units (best first)")
    ax.set_ylabel("validation accuracy per fold")
    ax.set_title("Fold scores (dots), their mean (bar), and the chosen setting's test score")
    ax.legend(loc="lower left")
    return figure_png(fig)


# --------------------------------------------------------------------------- question 14

LR_QUESTION = Text(
    "What happens when the learning rate is too low or too high, and how is a good one found?",
    "学习率太低或太高会怎样？怎样找到一个好的学习率？",
)

LR_EXPLANATION = Text.prose(
    """
    The learning rate scales every gradient step. Far too low, each step barely moves the weights. Far too high, the
    steps overshoot the valley they aim for, and the loss jumps around, grows, or becomes NaN. A good rate lies in
    between. A learning-rate range test finds that region cheaply: train for a few hundred steps while raising the rate
    exponentially, plot the loss against the rate, and take a rate near the point where the loss falls fastest, well
    below the rate where it turns back up. Here an MLP 64-64-10 learns the 8x8 digits with plain SGD at three rates
    (0.001, 0.3 and 10) for the same number of steps, and a range test raises the rate from 1e-5 to 10.
    """,
    """
    学习率决定每一步梯度更新的大小。太低时，每一步几乎不动权重。太高时，步子越过了要去的谷底，损失来回跳动、增大或变成
    NaN。好的学习率在两者之间。学习率范围测试可以低成本地找到这个区域：训练几百步，同时让学习率指数增长，画出损失随学习
    率的变化，在损失下降最快的地方附近取一个学习率，并远低于损失重新上升时的学习率。这里一个 MLP 64-64-10 用普通 SGD 学
    习 8x8 数字，分别用三个学习率（0.001、0.3 和 10）训练同样的步数，并做一次学习率从 1e-5 增大到 10 的范围测试。
    """,
)

_LOW, _GOOD, _HIGH = 1e-3, 0.3, 10.0

LR_CLAIMS = (
    Claim(
        "too-low",
        Text(
            "Too low (0.001), the loss barely moves: after all the steps it is still above 80% of where it started.",
            "太低（0.001）时损失几乎不动：走完全部步数后，它仍高于起点的 80%。",
        ),
        (Check("low_final_loss", ">=", "initial_loss", times=0.8),),
    ),
    Claim(
        "too-high",
        Text(
            "Too high (10), training fails: the loss ends at half its starting value or more, or becomes NaN.",
            "太高（10）时训练失败：损失最终不低于起点的一半，或者变成 NaN。",
        ),
        (Check("high_final_loss", ">=", "initial_loss", times=0.5),),
    ),
    Claim(
        "good-converges",
        Text(
            "The good rate (0.3) converges: its loss ends below 20% of the start and it fits at least 90% of the "
            "training digits.",
            "好的学习率（0.3）能收敛：损失最终低于起点的 20%，并拟合至少 90% 的训练数字。",
        ),
        (
            Check("good_final_loss", "<=", "initial_loss", times=0.2),
            Check("good_train_accuracy", ">=", 0.9),
        ),
    ),
    Claim(
        "range-test-finds-it",
        Text(
            "The range test points at the good rate: 0.3 lies within a factor of 3 of the rate where the loss falls "
            "fastest, and at least 3 times below the rate where the loss, past its lowest point, climbs back above "
            "its starting value.",
            "范围测试指向了好的学习率：0.3 与损失下降最快处的学习率相差不到 3 倍，并且至少比损失越过最低点后重新升到"
            "起始值以上时的学习率低 3 倍。",
        ),
        (
            Check("good_rate", ">=", "range_steepest_rate", times=1 / 3),
            Check("good_rate", "<=", "range_steepest_rate", times=3),
            Check("good_rate", "<=", "range_blowup_rate", times=1 / 3),
        ),
    ),
)

LR_LABELS = {
    "low_rate": Label("too low a rate", "太低的学习率", "g"),
    "good_rate": Label("good rate", "好的学习率", "g"),
    "high_rate": Label("too high a rate", "太高的学习率", "g"),
    "steps": Label("SGD steps per run", "每次训练的 SGD 步数"),
    "initial_loss": Label("loss at the first step", "第一步的损失", ".3f"),
    "low_final_loss": Label("rate 0.001: final loss", "学习率 0.001：最终损失", ".3f"),
    "good_final_loss": Label("rate 0.3: final loss", "学习率 0.3：最终损失", ".3f"),
    "high_final_loss": Label("rate 10: final loss (∞: NaN)", "学习率 10：最终损失（∞：NaN）", ".3f"),
    "high_peak_loss": Label("rate 10: highest loss on the way", "学习率 10：途中最高的损失", ".3g"),
    "high_diverged": Label("rate 10: became NaN", "学习率 10：变成 NaN"),
    "good_train_accuracy": Label("rate 0.3: training accuracy", "学习率 0.3：训练准确率", ".3f"),
    "good_test_accuracy": Label("rate 0.3: test accuracy", "学习率 0.3：测试准确率", ".3f"),
    "range_steepest_rate": Label("range test: rate of the steepest fall", "范围测试：损失下降最快处的学习率", ".3g"),
    "range_lowest_rate": Label("range test: rate of the lowest loss", "范围测试：损失最低处的学习率", ".3g"),
    "range_blowup_rate": Label(
        "range test: rate where the loss, past its lowest point, climbs above its start (NaN: never)",
        "范围测试：损失越过最低点后升到起始值以上时的学习率（NaN：未发生）",
        ".3g",
    ),
}


def _final(losses: list[float]) -> float:
    tail = losses[-max(10, len(losses) // 10) :]
    return float(np.mean(tail))


@experiment(
    14,
    "learning-rate",
    question=LR_QUESTION,
    explanation=LR_EXPLANATION,
    claims=LR_CLAIMS,
    labels=LR_LABELS,
    key="good_final_loss",
)
def run_learning_rate(seed: int, quick: bool, full: bool) -> Outcome:
    epochs, range_steps = (4, 200) if quick else (20, 400) if full else (10, 300)
    x_train, y_train, x_test, y_test = digits(seed)
    loss_fn = nn.CrossEntropyLoss()
    curves: dict[float, list[float]] = {}
    diverged: dict[float, bool] = {}
    models: dict[float, nn.Module] = {}
    for lr in (_LOW, _GOOD, _HIGH):
        manual_seed(seed)
        model = _mlp(64)
        log = StepLog()
        _, diverged[lr] = train_or_diverge(
            model,
            optim.SGD(model.parameters(), lr=lr),
            loss_fn,
            loader(x_train, y_train, 32, seed),
            epochs=epochs,
            callbacks=(log,),
        )
        curves[lr], models[lr] = log.losses, model
    lrs, range_losses = _range_test(seed, range_steps, x_train, y_train)
    smooth = _ema(range_losses, 0.9)
    steepest, lowest, blowup = range_test_rates(lrs, smooth)
    initial = float(np.mean([c[0] for c in curves.values()]))
    numbers = {
        "low_rate": _LOW,
        "good_rate": _GOOD,
        "high_rate": _HIGH,
        "steps": len(curves[_GOOD]),
        "initial_loss": initial,
        "low_final_loss": _final(curves[_LOW]),
        "good_final_loss": _final(curves[_GOOD]),
        "high_final_loss": math.inf if diverged[_HIGH] else _final(curves[_HIGH]),
        "high_peak_loss": float(np.nanmax(curves[_HIGH])),
        "high_diverged": diverged[_HIGH],
        "good_train_accuracy": evaluate(models[_GOOD], x_train, y_train, loss_fn)[1],
        "good_test_accuracy": evaluate(models[_GOOD], x_test, y_test, loss_fn)[1],
        "range_steepest_rate": steepest,
        "range_lowest_rate": lowest,
        "range_blowup_rate": blowup,
    }
    figures = {
        "loss-curves": Figure(
            Text(
                "Training loss per batch at the three rates (log scale).",
                "三个学习率下每个批次的训练损失（对数刻度）。",
            ),
            _curves(curves, diverged),
        ),
        "range-test": Figure(
            Text(
                "The learning-rate range test: loss against a rate that grows exponentially each step.",
                "学习率范围测试：损失随每步指数增长的学习率的变化。",
            ),
            _range_plot(lrs, range_losses, smooth, numbers),
        ),
    }
    return Outcome(numbers, figures)


def _range_test(seed: int, steps: int, x: Any, y: Any) -> tuple[np.ndarray, list[float]]:
    """Loss per step while the rate grows exponentially from 1e-5 to 10 over ``steps`` steps."""
    manual_seed(seed)
    model = _mlp(64)
    start, stop = 1e-5, 10.0
    sgd = optim.SGD(model.parameters(), lr=start)
    scheduler = optim.lr_scheduler.ExponentialLR(sgd, gamma=(stop / start) ** (1 / steps))
    log = StepLog(iterations=steps)
    batches = loader(x, y, 32, seed)
    train_or_diverge(
        model,
        sgd,
        nn.CrossEntropyLoss(),
        batches,
        epochs=math.ceil(steps / len(batches)),
        callbacks=(log, LRSchedulerStep(scheduler, interval="iteration")),
    )
    losses = log.losses[:steps]
    return start * (stop / start) ** (np.arange(len(losses)) / steps), losses


def range_test_rates(lrs: np.ndarray, smooth: np.ndarray) -> tuple[float, float, float]:
    """A range test's rates: where the smoothed loss falls fastest (before its lowest point), where it is lowest,
    and where, past its lowest point, it first climbs above its starting value (NaN when it never does, so that
    a sweep that stops too early cannot pass for one that found the blow-up)."""
    slope = np.gradient(smooth, np.log10(lrs))
    lowest = int(np.argmin(smooth))
    blowup = next((i for i in range(lowest, len(smooth)) if smooth[i] > smooth[0]), None)
    return (
        float(lrs[int(np.argmin(slope[: lowest + 1]))]),
        float(lrs[lowest]),
        math.nan if blowup is None else float(lrs[blowup]),
    )


def _ema(values: list[float], beta: float) -> np.ndarray:
    out, average = np.empty(len(values)), 0.0
    for i, v in enumerate(values):
        average = beta * average + (1 - beta) * v
        out[i] = average / (1 - beta ** (i + 1))
    return out


def _curves(curves: dict[float, list[float]], diverged: dict[float, bool]) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4))
    names = {_LOW: "too low", _GOOD: "good", _HIGH: "too high"}
    for lr, losses in curves.items():
        label = f"lr = {lr:g} ({names[lr]}){', NaN' if diverged[lr] else ''}"
        ax.plot(np.arange(1, len(losses) + 1), losses, label=label, linewidth=1)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss (per batch)")
    ax.set_title("Same model, same data, same steps: three learning rates")
    ax.legend()
    return figure_png(fig)


def _range_plot(lrs: np.ndarray, losses: list[float], smooth: np.ndarray, numbers: Mapping[str, Any]) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4))
    ax.plot(lrs, losses, color="0.75", linewidth=0.8, label="per-batch loss")
    ax.plot(lrs, smooth, color="tab:blue", label="smoothed")
    for key, color in (("low_rate", "tab:orange"), ("good_rate", "tab:green"), ("high_rate", "tab:red")):
        name = key.replace("_", " ")
        ax.axvline(numbers[key], color=color, linestyle="--", linewidth=1, label=f"{name} {numbers[key]:g}")
    ax.axvline(numbers["range_steepest_rate"], color="k", linestyle=":", label="steepest fall")
    if math.isfinite(numbers["range_blowup_rate"]):
        ax.axvline(numbers["range_blowup_rate"], color="tab:purple", linestyle="-.", label="back above the start")
    ax.axhline(float(smooth[0]), color="0.6", linestyle=":", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_ylim(0, max(3 * float(smooth[0]), 1.0))
    ax.set_xlabel("learning rate (grows exponentially each step)")
    ax.set_ylabel("training loss")
    ax.set_title("Learning-rate range test")
    ax.legend(fontsize=8)
    return figure_png(fig)
