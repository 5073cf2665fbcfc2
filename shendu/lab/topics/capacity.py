"""Question 17: overfitting and underfitting, cross-validation, and early stopping on a small noisy dataset."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ... import Generator, Tensor, eye, float64, manual_seed, nn, no_grad, optim, tensor, zeros
from ...train import Callback, EarlyStopping, Trainer
from ...utils.data import KFold
from ..core import Check, Claim, Figure, Label, Outcome, Table, Text, experiment, figure_png, pyplot
from ._data import loader
from ._training import train

__all__ = ["run"]

QUESTION = Text(
    "What are overfitting and underfitting, and how are they detected and avoided?",
    "什么是过拟合和欠拟合？怎样发现和避免它们？",
)

EXPLANATION = Text.prose(
    """
    A model underfits when it is too simple for the pattern in the data: its error is high on the training set
    and as high on new data. It overfits when it has enough freedom to follow the noise of its particular
    training samples: the training error keeps falling while the error on new data rises again. The test error
    is never looked at while choosing; k-fold cross-validation estimates it from the training data alone by
    fitting on k - 1 folds and scoring the fold left out. The same trade-off appears over training time, which is
    what early stopping watches: it keeps the weights of the epoch with the lowest validation loss and stops
    after the loss has failed to improve for a while (the patience). Other remedies for overfitting are more
    data, weight decay, dropout and smaller models; for underfitting, a larger model or longer training. Here
    polynomials of degree 0 to 15 are fitted by least squares to 20 noisy points of sin(πx) + x/2, and an MLP
    1-64-64-1 is trained on the same 20 points with and without early stopping.
    """,
    """
    当模型对数据中的规律来说过于简单时就会欠拟合：它在训练集上误差高，在新数据上同样高。当模型有足够的自由度去追随特定
    训练样本中的噪声时就会过拟合：训练误差不断下降，而新数据上的误差又升了回去。做选择时从不看测试误差；k 折交叉验证只
    用训练数据来估计它：在 k - 1 折上拟合，在留出的那一折上打分。同样的权衡也出现在训练时间上，这正是提前停止所监视的
    ：它保留验证损失最低那一轮的权重，并在损失一段时间（耐心值）不再改善后停止。应对过拟合的其他办法有更多数据、权重衰
    减、dropout 和更小的模型；应对欠拟合则用更大的模型或更长的训练。这里用最小二乘把 0 到 15 次的多项式拟合
    到 sin(πx) + x/2 的 20 个带噪声的点上，并在同样的 20 个点上分别在有无提前停止的情况下训练一个 1-64-64-1 的 MLP。
    """,
)

CLAIMS = (
    Claim(
        "underfits",
        Text(
            "The constant model (degree 0) underfits: its training error is no lower than the best validation "
            "error, and its validation error is at least twice the best.",
            "常数模型（0 次）欠拟合：它的训练误差不低于最好的验证误差，验证误差至少是最好值的两倍。",
        ),
        (
            Check("train_error_lowest", ">=", "best_val_error"),
            Check("val_error_lowest", ">=", "best_val_error", times=2),
        ),
    ),
    Claim(
        "overfits",
        Text(
            "Degree 15 overfits: its training error is lower than the best degree's, yet its validation error is at "
            "least twice the best.",
            "15 次多项式过拟合：它的训练误差比最佳次数的更低，而验证误差至少是最好值的两倍。",
        ),
        (
            Check("train_error_highest", "<", "train_error_best"),
            Check("val_error_highest", ">=", "best_val_error", times=2),
        ),
    ),
    Claim(
        "cv-picks",
        Text(
            "5-fold cross-validation, using the training points alone, tracks the test error across degrees (rank "
            "correlation at least 0.7) and picks a degree whose test error is within 1.5 times the best.",
            "只用训练点的 5 折交叉验证在各个次数上跟踪测试误差（秩相关系数至少 0.7），所选次数的测试误差在最好值"
            "的 1.5 倍以内。",
        ),
        (
            Check("cv_test_rank_correlation", ">=", 0.7),
            Check("cv_degree_test_error", "<=", "best_test_error", times=1.5),
        ),
    ),
    Claim(
        "early-stopping",
        Text(
            "Early stopping on the validation loss stops before the epoch budget, keeps an epoch whose test error "
            "is within 15% of the lowest over all epochs, and beats training to the end of the budget.",
            "以验证损失为准的提前停止在轮数预算之前就停下，保留的那一轮的测试误差在所有轮次最低值的 15% 以内，并且优"
            "于一直训练到预算结束。",
        ),
        (
            Check("es_stopped_epoch", "<", "epoch_budget"),
            Check("test_error_at_kept_epoch", "<=", "lowest_test_error", times=1.15),
            Check("es_test_error", "<", "final_test_error"),
        ),
    ),
)

LABELS = {
    "training_points": Label("training points", "训练点数"),
    "noise_variance": Label("noise variance (the lowest possible error)", "噪声方差（可能的最低误差）", ".3g"),
    "lowest_degree": Label("lowest degree", "最低次数"),
    "highest_degree": Label("highest degree", "最高次数"),
    "train_error_lowest": Label("degree 0: training error (MSE)", "0 次：训练误差（均方误差）", ".4g"),
    "val_error_lowest": Label("degree 0: validation error (MSE)", "0 次：验证误差（均方误差）", ".4g"),
    "best_degree": Label("degree with the lowest validation error", "验证误差最低的次数"),
    "best_val_error": Label("lowest validation error (MSE)", "最低验证误差（均方误差）", ".4g"),
    "train_error_best": Label("best degree's training error (MSE)", "最佳次数的训练误差（均方误差）", ".4g"),
    "train_error_highest": Label("degree 15: training error (MSE)", "15 次：训练误差（均方误差）", ".4g"),
    "val_error_highest": Label("degree 15: validation error (MSE)", "15 次：验证误差（均方误差）", ".4g"),
    "cv_degree": Label("degree chosen by 5-fold CV", "5 折交叉验证选出的次数"),
    "cv_estimate": Label("CV estimate at that degree (MSE)", "该次数的交叉验证估计（均方误差）", ".4g"),
    "cv_degree_test_error": Label(
        "test error at the CV-chosen degree (MSE)", "交叉验证所选次数的测试误差（均方误差）", ".4g"
    ),
    "best_test_error": Label("lowest test error over degrees (MSE)", "各次数中最低的测试误差（均方误差）", ".4g"),
    "cv_test_rank_correlation": Label(
        "rank correlation of CV and test errors over degrees", "各次数上交叉验证误差与测试误差的秩相关系数", ".3f"
    ),
    "es_best_epoch": Label("early stopping: epoch kept", "提前停止：保留的轮次"),
    "es_stopped_epoch": Label("early stopping: epoch it stopped at", "提前停止：停止时的轮次"),
    "es_test_error": Label("early stopping: test error (MSE)", "提前停止：测试误差（均方误差）", ".4g"),
    "epoch_budget": Label("epoch budget", "轮数预算"),
    "patience": Label("patience (epochs)", "耐心值（轮）"),
    "final_test_error": Label(
        "no early stopping: test error at the end (MSE)", "不提前停止：结束时的测试误差（均方误差）", ".4g"
    ),
    "test_error_at_kept_epoch": Label("test error at the kept epoch (MSE)", "保留轮次的测试误差（均方误差）", ".4g"),
    "lowest_test_error": Label("lowest test error over epochs (MSE)", "所有轮次中最低的测试误差（均方误差）", ".4g"),
    "lowest_test_error_epoch": Label("epoch of the lowest test error", "测试误差最低的轮次"),
}

_NOISE = 0.3


def _truth(x: np.ndarray) -> np.ndarray:
    return np.sin(np.pi * x) + 0.5 * x


def _sample(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-1.0, 1.0, n)
    return x, _truth(x) + _NOISE * rng.standard_normal(n)


def _legendre(x: np.ndarray, degree: int) -> Tensor:
    """Features P_0(x) ... P_degree(x): orthogonal on [-1, 1], so high degrees stay well conditioned."""
    columns = [np.ones_like(x), x]
    for k in range(1, degree):
        columns.append(((2 * k + 1) * x * columns[k] - k * columns[k - 1]) / (k + 1))
    return tensor(np.stack(columns[: degree + 1], axis=1), dtype=float64)


def _least_squares(features: Tensor, targets: np.ndarray) -> Tensor:
    """The least-squares weights, by conjugate gradients on the normal equations (a tiny closed-form fit)."""
    gram = features.T @ features + 1e-10 * eye(features.shape[1], dtype=float64)
    residual = features.T @ tensor(targets, dtype=float64)
    weights = zeros(features.shape[1], dtype=float64)
    direction, norm = residual.clone(), float((residual * residual).sum())
    for _ in range(20 * features.shape[1]):
        if norm < 1e-28:
            break
        product = gram @ direction
        step = norm / float((direction * product).sum())
        weights, residual = weights + step * direction, residual - step * product
        new_norm = float((residual * residual).sum())
        direction, norm = residual + (new_norm / norm) * direction, new_norm
    return weights


def _mse(weights: Tensor, x: np.ndarray, y: np.ndarray) -> float:
    prediction = (_legendre(x, weights.shape[0] - 1) @ weights).numpy()
    return float(np.mean((prediction - y) ** 2))


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(np.argsort(np.argsort(a)), np.argsort(np.argsort(b)))[0, 1])


@experiment(
    17,
    "overfitting-underfitting",
    question=QUESTION,
    explanation=EXPLANATION,
    claims=CLAIMS,
    labels=LABELS,
    key="cv_degree",
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    rng = np.random.default_rng(seed)
    x, y = _sample(rng, 20)
    x_val, y_val = _sample(rng, 50)
    x_test, y_test = _sample(rng, 2000)
    numbers: dict[str, Any] = {"training_points": len(x), "noise_variance": _NOISE**2}
    sweep = _capacity_sweep(seed, x, y, x_val, y_val, x_test, y_test, numbers)
    curves = _early_stopping(seed, quick, full, x, y, x_val, y_val, x_test, y_test, numbers)
    figures = {
        "capacity": Figure(
            Text(
                "Training and validation error against the polynomial's degree (log scale).",
                "训练误差和验证误差随多项式次数的变化（对数刻度）。",
            ),
            _capacity_plot(sweep, numbers),
        ),
        "fits": Figure(
            Text(
                "The fitted polynomials at three degrees, over the true function and the training points.",
                "三个次数下拟合出的多项式，以及真实函数和训练点。",
            ),
            _fits_plot(sweep, x, y, numbers),
        ),
        "cross-validation": Figure(
            Text(
                "The 5-fold CV estimate, from the training points alone, against the test error.",
                "只用训练点得到的 5 折交叉验证估计与测试误差的对比。",
            ),
            _cv_plot(sweep, numbers),
        ),
        "early-stopping": Figure(
            Text(
                "The MLP's training, validation and test error by epoch, with the epoch early stopping kept.",
                "MLP 每轮的训练、验证和测试误差，以及提前停止保留的轮次。",
            ),
            _early_plot(curves, numbers),
        ),
    }
    table = Table(
        Text("Mean squared error by polynomial degree", "各多项式次数的均方误差"),
        (
            Text("degree", "次数"),
            Text("training", "训练"),
            Text("validation", "验证"),
            Text("5-fold CV", "5 折交叉验证"),
            Text("test", "测试"),
        ),
        [
            (int(d), float(tr), float(va), float(cv), float(te))
            for d, tr, va, cv, te in zip(sweep["degree"], sweep["train"], sweep["val"], sweep["cv"], sweep["test"])
        ],
    )
    return Outcome(numbers, figures, [table])


def _capacity_sweep(
    seed: int,
    x: np.ndarray,
    y: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    numbers: dict[str, Any],
) -> dict[str, Any]:
    degrees = np.arange(16)
    splits = list(KFold(5, shuffle=True, generator=Generator().manual_seed(seed)).split(len(x)))
    sweep: dict[str, Any] = {"degree": degrees, "train": [], "val": [], "test": [], "cv": [], "weights": []}
    for degree in degrees:
        weights = _least_squares(_legendre(x, int(degree)), y)
        sweep["weights"].append(weights)
        sweep["train"].append(_mse(weights, x, y))
        sweep["val"].append(_mse(weights, x_val, y_val))
        sweep["test"].append(_mse(weights, x_test, y_test))
        folds = [_mse(_least_squares(_legendre(x[a], int(degree)), y[a]), x[b], y[b]) for a, b in splits]
        sweep["cv"].append(float(np.mean(folds)))
    for key in ("train", "val", "test", "cv"):
        sweep[key] = np.array(sweep[key])
    best = int(sweep["val"].argmin())
    chosen = int(sweep["cv"].argmin())
    numbers.update(
        {
            "lowest_degree": 0,
            "highest_degree": int(degrees[-1]),
            "train_error_lowest": float(sweep["train"][0]),
            "val_error_lowest": float(sweep["val"][0]),
            "best_degree": best,
            "best_val_error": float(sweep["val"][best]),
            "train_error_best": float(sweep["train"][best]),
            "train_error_highest": float(sweep["train"][-1]),
            "val_error_highest": float(sweep["val"][-1]),
            "cv_degree": chosen,
            "cv_estimate": float(sweep["cv"][chosen]),
            "cv_degree_test_error": float(sweep["test"][chosen]),
            "best_test_error": float(sweep["test"].min()),
            "cv_test_rank_correlation": _spearman(sweep["cv"], sweep["test"]),
        }
    )
    return sweep


class _TestError(Callback):
    """The test MSE after every epoch, to show what early stopping cannot see."""

    def __init__(self, x: Tensor, y: Tensor) -> None:
        self.x, self.y, self.errors = x, y, []

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        self.errors.append(_test_error(trainer.model, self.x, self.y))


def _early_stopping(
    seed: int,
    quick: bool,
    full: bool,
    x: np.ndarray,
    y: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    numbers: dict[str, Any],
) -> dict[str, Any]:
    epochs, patience = (800, 60) if quick else (4000, 200) if full else (2000, 150)
    lr = 0.02 if quick else 0.01

    def column(values: np.ndarray) -> Tensor:
        return tensor(values[:, None].astype(np.float32))

    train_set, val_set = (
        loader(column(x), column(y), len(x), seed),
        loader(column(x_val), column(y_val), 64, seed, False),
    )
    curves: dict[str, Any] = {}
    for name, stopper in (("full", None), ("early", EarlyStopping("val_loss", patience=patience))):
        manual_seed(seed)
        model = nn.Sequential(nn.Linear(1, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
        test_error = _TestError(column(x_test), column(y_test))
        callbacks = (test_error,) if stopper is None else (test_error, stopper)
        trainer = train(
            model,
            optim.Adam(model.parameters(), lr=lr),
            nn.MSELoss(),
            train_set,
            val_set,
            epochs=epochs,
            callbacks=callbacks,
            task="regression",
        )
        curves[name] = {
            "train": [h["train_loss"] for h in trainer.history],
            "val": [h["val_loss"] for h in trainer.history],
            "test": test_error.errors,
            "model": model,
        }
        if stopper is not None:
            numbers["es_best_epoch"] = int(stopper.best_epoch)
            numbers["es_stopped_epoch"] = len(trainer.history)
            numbers["es_test_error"] = _test_error(model, column(x_test), column(y_test))
    reference = np.array(curves["full"]["test"])
    numbers.update(
        {
            "epoch_budget": epochs,
            "patience": patience,
            "final_test_error": float(reference[-1]),
            "test_error_at_kept_epoch": float(reference[numbers["es_best_epoch"] - 1]),
            "lowest_test_error": float(reference.min()),
            "lowest_test_error_epoch": int(reference.argmin()) + 1,
        }
    )
    return curves


def _test_error(model: nn.Module, x: Tensor, y: Tensor) -> float:
    was_training = model.training
    model.eval()
    with no_grad():
        error = float(((model(x) - y) ** 2).mean().item())
    model.train(was_training)
    return error


def _capacity_plot(sweep: Mapping[str, Any], numbers: Mapping[str, Any]) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    degrees = sweep["degree"]
    ax.semilogy(degrees, sweep["train"], "o-", label="training error")
    ax.semilogy(degrees, sweep["val"], "s-", label="validation error")
    ax.axhline(numbers["noise_variance"], color="0.5", linestyle=":", label="noise variance (the floor)")
    best = numbers["best_degree"]
    ax.axvspan(-0.5, best - 0.5, color="tab:blue", alpha=0.07)
    ax.axvspan(best + 0.5, degrees[-1] + 0.5, color="tab:red", alpha=0.07)
    ax.text(best / 2 - 0.5, ax.get_ylim()[1] * 0.6, "underfitting", ha="center", fontsize=9)
    ax.text((best + degrees[-1]) / 2 + 0.5, ax.get_ylim()[1] * 0.6, "overfitting", ha="center", fontsize=9)
    ax.set_xlabel("polynomial degree (capacity)")
    ax.set_ylabel("mean squared error")
    ax.set_title(f"{numbers['training_points']} noisy points: training error falls, validation error is U-shaped")
    ax.legend(loc="center left")
    return figure_png(fig)


def _fits_plot(sweep: Mapping[str, Any], x: np.ndarray, y: np.ndarray, numbers: Mapping[str, Any]) -> bytes:
    plt = pyplot()
    grid = np.linspace(-1, 1, 400)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), sharey=True)
    picks = (1, numbers["best_degree"], numbers["highest_degree"])
    for ax, degree, title in zip(axes, picks, ("underfits", "about right", "overfits")):
        ax.plot(grid, _truth(grid), color="0.6", linestyle="--", label="true function")
        ax.plot(grid, (_legendre(grid, degree) @ sweep["weights"][degree]).numpy(), color="tab:red", label="fit")
        ax.scatter(x, y, s=14, color="k", zorder=3, label="training_points")
        ax.set_ylim(-2.5, 2.5)
        ax.set_title(f"degree {degree}: {title}")
        ax.set_xlabel("x")
    axes[0].legend(fontsize=8)
    return figure_png(fig)


def _cv_plot(sweep: Mapping[str, Any], numbers: Mapping[str, Any]) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4))
    ax.semilogy(sweep["degree"], sweep["cv"], "o-", label="5-fold CV estimate (training data only)")
    ax.semilogy(sweep["degree"], sweep["test"], "s-", label="test error (2,000 fresh points)")
    chosen = numbers["cv_degree"]
    ax.axvline(chosen, color="tab:green", linestyle=":", label=f"CV's choice: degree {chosen}")
    ax.set_ylim(top=min(ax.get_ylim()[1], 1e3))
    ax.set_xlabel("polynomial degree")
    ax.set_ylabel("mean squared error (clipped at 1000)")
    ax.set_title(f"Cross-validation tracks the test error (rank correlation {numbers['cv_test_rank_correlation']:.2f})")
    ax.legend()
    return figure_png(fig)


def _early_plot(curves: Mapping[str, Any], numbers: Mapping[str, Any]) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4))
    reference = curves["full"]
    epochs = np.arange(1, len(reference["train"]) + 1)
    ax.loglog(epochs, reference["train"], label="training loss")
    ax.loglog(epochs, reference["val"], label="validation loss (what early stopping watches)")
    ax.loglog(epochs, reference["test"], label="test error (unseen)")
    ax.axvline(numbers["es_best_epoch"], color="tab:green", linestyle="--", label="kept epoch")
    ax.axvline(numbers["es_stopped_epoch"], color="tab:green", linestyle=":", label="stopped")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error")
    ax.set_title("Early stopping on an MLP 1-64-64-1 trained on the same 20 points")
    ax.legend()
    return figure_png(fig)
