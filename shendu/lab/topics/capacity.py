"""Question 17: overfitting and underfitting, cross-validation, and early stopping on a small noisy dataset."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ... import Generator, Tensor, eye, float64, manual_seed, nn, no_grad, optim, tensor, zeros
from ...train import Callback, EarlyStopping, Trainer
from ...utils.data import KFold
from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot
from ._small import loader, train

__all__ = ["judge", "run"]

QUESTION = "What are overfitting and underfitting, and how are they detected and avoided?"

ANSWER = """
A model underfits when it is too simple for the pattern in the data: its error is high on the training set and
just as high on new data. It overfits when it has enough freedom to follow the noise of its particular training
samples: the training error keeps falling while the error on new data rises again. Sweeping capacity (here the
degree of a polynomial fitted to 20 noisy points) shows both ends of this U-shaped validation curve, with the best
model in between. The test error is never looked at while choosing; k-fold cross-validation estimates it from the
training data alone by fitting on k - 1 folds and scoring the fold left out, so its curve over capacity tracks the
test curve and picks nearly the best degree. The same happens over training time: a large network first learns
the signal and later memorizes the noise, so early stopping watches the validation loss, keeps the weights of its
best epoch and stops after it has failed to improve for a while. Other remedies for overfitting are more data,
weight decay, dropout and smaller models; for underfitting, a larger model or longer training.
"""

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


def judge(numbers: Mapping[str, Any]) -> Verdict:
    """Pass when both ends of the capacity sweep misbehave, CV tracks the test error, and early stopping helps."""
    best_val = numbers["best validation error"]
    low_train, high_train = numbers["train error, lowest degree"], numbers["train error, highest degree"]
    low_val, high_val = numbers["validation error, lowest degree"], numbers["validation error, highest degree"]
    cv_test, best_test = numbers["test error at the CV-chosen degree"], numbers["best test error over degrees"]
    rho = numbers["CV-test rank correlation"]
    es_test, final_test = numbers["early stopping: test error"], numbers["no early stopping: final test error"]
    es_epoch_test, min_test = numbers["test error at the stopping epoch"], numbers["lowest test error over epochs"]
    checks = [
        (
            low_train >= best_val and low_val >= 2 * best_val,
            f"the lowest degree does not underfit (train {low_train:.3f}, validation {low_val:.3f}, "
            f"best {best_val:.3f})",
        ),
        (
            high_train < numbers["train error at the best degree"] and high_val >= 2 * best_val,
            f"the highest degree does not overfit (train {high_train:.3f}, validation {high_val:.3f})",
        ),
        (
            cv_test <= 1.5 * best_test and rho >= 0.7,
            f"CV chose a degree with test error {cv_test:.3f} (best {best_test:.3f}), rank correlation {rho:.2f}",
        ),
        (
            numbers["early stopping: stopped at epoch"] < numbers["epoch budget"]
            and es_test < final_test
            and es_epoch_test <= 1.15 * min_test,
            f"early stopping gave test error {es_test:.3f} against {final_test:.3f} at the end of the budget",
        ),
    ]
    return all_of(
        checks,
        f"Degree {numbers['lowest degree']} underfits (validation {low_val:.3f}), degree "
        f"{numbers['highest degree']} overfits (train {high_train:.4f}, validation {high_val:.3g}); 5-fold CV picks "
        f"degree {numbers['CV-chosen degree']} with test error {cv_test:.3f} against the best {best_test:.3f}; early "
        f"stopping kept epoch {numbers['early stopping: best epoch']} with test error {es_test:.3f} against "
        f"{final_test:.3f} after all {numbers['epoch budget']} epochs.",
    )


@experiment(17, "overfitting-underfitting", question=QUESTION, answer=ANSWER, judge=judge)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    rng = np.random.default_rng(seed)
    x, y = _sample(rng, 20)
    x_val, y_val = _sample(rng, 50)
    x_test, y_test = _sample(rng, 2000)
    numbers: dict[str, Any] = {"training points": len(x), "noise variance": _NOISE**2}
    sweep = _capacity_sweep(seed, x, y, x_val, y_val, x_test, y_test, numbers)
    curves = _early_stopping(seed, quick, full, x, y, x_val, y_val, x_test, y_test, numbers)
    figures = {
        "error against capacity": _capacity_plot(sweep, numbers),
        "fits at three capacities": _fits_plot(sweep, x, y, numbers),
        "k-fold CV against test error": _cv_plot(sweep, numbers),
        "early stopping": _early_plot(curves, numbers),
    }
    rows = [["degree", "train", "validation", "5-fold CV", "test"]]
    rows += [
        [int(d), float(f"{tr:.4g}"), float(f"{va:.4g}"), float(f"{cv:.4g}"), float(f"{te:.4g}")]
        for d, tr, va, cv, te in zip(sweep["degree"], sweep["train"], sweep["val"], sweep["cv"], sweep["test"])
    ]
    return Outcome(numbers, figures, {"mean squared error by polynomial degree": rows})


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
            "lowest degree": 0,
            "highest degree": int(degrees[-1]),
            "train error, lowest degree": float(sweep["train"][0]),
            "validation error, lowest degree": float(sweep["val"][0]),
            "best degree (validation)": best,
            "best validation error": float(sweep["val"][best]),
            "train error at the best degree": float(sweep["train"][best]),
            "train error, highest degree": float(sweep["train"][-1]),
            "validation error, highest degree": float(sweep["val"][-1]),
            "CV-chosen degree": chosen,
            "CV estimate at the chosen degree": float(sweep["cv"][chosen]),
            "test error at the CV-chosen degree": float(sweep["test"][chosen]),
            "best test error over degrees": float(sweep["test"].min()),
            "CV-test rank correlation": _spearman(sweep["cv"], sweep["test"]),
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
            numbers["early stopping: best epoch"] = int(stopper.best_epoch)
            numbers["early stopping: stopped at epoch"] = len(trainer.history)
            numbers["early stopping: test error"] = _test_error(model, column(x_test), column(y_test))
    reference = np.array(curves["full"]["test"])
    numbers.update(
        {
            "epoch budget": epochs,
            "patience": patience,
            "no early stopping: final test error": float(reference[-1]),
            "test error at the stopping epoch": float(reference[numbers["early stopping: best epoch"] - 1]),
            "lowest test error over epochs": float(reference.min()),
            "epoch of the lowest test error": int(reference.argmin()) + 1,
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
    ax.axhline(numbers["noise variance"], color="0.5", linestyle=":", label="noise variance (the floor)")
    best = numbers["best degree (validation)"]
    ax.axvspan(-0.5, best - 0.5, color="tab:blue", alpha=0.07)
    ax.axvspan(best + 0.5, degrees[-1] + 0.5, color="tab:red", alpha=0.07)
    ax.text(best / 2 - 0.5, ax.get_ylim()[1] * 0.6, "underfitting", ha="center", fontsize=9)
    ax.text((best + degrees[-1]) / 2 + 0.5, ax.get_ylim()[1] * 0.6, "overfitting", ha="center", fontsize=9)
    ax.set_xlabel("polynomial degree (capacity)")
    ax.set_ylabel("mean squared error")
    ax.set_title(f"{numbers['training points']} noisy points: training error falls, validation error is U-shaped")
    ax.legend(fontsize=8, loc="center left")
    return figure_png(fig)


def _fits_plot(sweep: Mapping[str, Any], x: np.ndarray, y: np.ndarray, numbers: Mapping[str, Any]) -> bytes:
    plt = pyplot()
    grid = np.linspace(-1, 1, 400)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), sharey=True)
    picks = (1, numbers["best degree (validation)"], numbers["highest degree"])
    for ax, degree, title in zip(axes, picks, ("underfits", "about right", "overfits")):
        ax.plot(grid, _truth(grid), color="0.6", linestyle="--", label="true function")
        ax.plot(grid, (_legendre(grid, degree) @ sweep["weights"][degree]).numpy(), color="tab:red", label="fit")
        ax.scatter(x, y, s=14, color="k", zorder=3, label="training points")
        ax.set_ylim(-2.5, 2.5)
        ax.set_title(f"degree {degree}: {title}")
        ax.set_xlabel("x")
    axes[0].legend(fontsize=7)
    return figure_png(fig)


def _cv_plot(sweep: Mapping[str, Any], numbers: Mapping[str, Any]) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4))
    ax.semilogy(sweep["degree"], sweep["cv"], "o-", label="5-fold CV estimate (training data only)")
    ax.semilogy(sweep["degree"], sweep["test"], "s-", label="test error (2,000 fresh points)")
    chosen = numbers["CV-chosen degree"]
    ax.axvline(chosen, color="tab:green", linestyle=":", label=f"CV's choice: degree {chosen}")
    ax.set_ylim(top=min(ax.get_ylim()[1], 1e3))
    ax.set_xlabel("polynomial degree")
    ax.set_ylabel("mean squared error (clipped at 1000)")
    ax.set_title(f"Cross-validation tracks the test error (rank correlation {numbers['CV-test rank correlation']:.2f})")
    ax.legend(fontsize=8)
    return figure_png(fig)


def _early_plot(curves: Mapping[str, Any], numbers: Mapping[str, Any]) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4))
    reference = curves["full"]
    epochs = np.arange(1, len(reference["train"]) + 1)
    ax.loglog(epochs, reference["train"], label="training loss")
    ax.loglog(epochs, reference["val"], label="validation loss (what early stopping watches)")
    ax.loglog(epochs, reference["test"], label="test error (unseen)")
    ax.axvline(numbers["early stopping: best epoch"], color="tab:green", linestyle="--", label="kept epoch")
    ax.axvline(numbers["early stopping: stopped at epoch"], color="tab:green", linestyle=":", label="stopped")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error")
    ax.set_title("Early stopping on an MLP 1-64-64-1 trained on the same 20 points")
    ax.legend(fontsize=8)
    return figure_png(fig)
