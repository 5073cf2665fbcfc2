"""Question 5: the (restricted) Boltzmann machine, trained on 8x8 digits and used as a feature extractor."""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

import shendu
from shendu import nn
from shendu.datasets import Digits

from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot
from ._planar import fit, labels_of

HIDDEN = 100
ACCURACY_FLOOR = 0.93


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


def logistic_regression(features: np.ndarray, labels: np.ndarray, epochs: int, seed: int) -> nn.Linear:
    """A softmax classifier on ``features``, trained by Adam with the shared Trainer."""
    model = nn.Linear(features.shape[1], 10)
    fit(model, features, labels, epochs=epochs, seed=seed, lr=0.05, batch_size=64)
    return model


def scikit_learn_pipeline(
    x: np.ndarray,
    y: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    features: tuple[np.ndarray, np.ndarray],
    seed: int,
    epochs: int,
    lr: float,
) -> dict[str, Any]:
    """scikit-learn's BernoulliRBM + LogisticRegression on the same data, or nothing if it is not installed.

    Its LogisticRegression is also fitted to shendu's RBM features, which separates the two RBMs'
    features from the two ways of fitting the classifier.
    """
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression
        from sklearn.neural_network import BernoulliRBM
        from sklearn.pipeline import Pipeline
    except ImportError:
        return {}
    start = time.perf_counter()
    rbm = BernoulliRBM(n_components=HIDDEN, learning_rate=lr, batch_size=10, n_iter=epochs, random_state=seed)
    pipeline = Pipeline([("rbm", rbm), ("logistic", LogisticRegression(C=6000, max_iter=500))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline.fit(x, y)
        seconds = time.perf_counter() - start
        on_ours = LogisticRegression(C=6000, max_iter=500).fit(features[0], y)
    return {
        "sklearn_accuracy": float(pipeline.score(x_test, y_test)),
        "sklearn_logistic_on_shendu_rbm_accuracy": float(on_ours.score(features[1], y_test)),
        "sklearn_pseudo_likelihood": float(rbm.score_samples(x_test).mean()),
        "sklearn_seconds": seconds,
    }


def judge(numbers: Mapping[str, Any]) -> Verdict:
    accuracy, errors = (
        numbers["rbm_logistic_accuracy"],
        (numbers["reconstruction_start"], numbers["reconstruction_end"]),
    )
    checks = [
        (accuracy >= ACCURACY_FLOOR, f"RBM features reached only {accuracy:.3f}, below {ACCURACY_FLOOR}"),
        (errors[1] <= 0.8 * errors[0], f"the reconstruction error fell only from {errors[0]:.4f} to {errors[1]:.4f}"),
    ]
    sklearn = (
        f" (scikit-learn's BernoulliRBM pipeline: {numbers['sklearn_accuracy']:.3f})"
        if "sklearn_accuracy" in numbers
        else ""
    )
    return all_of(
        checks,
        f"Trained by {numbers['training']}, the RBM's reconstruction error fell from {errors[0]:.4f} to "
        f"{errors[1]:.4f}, and logistic regression on its {HIDDEN} hidden units classifies held-out digits "
        f"with {accuracy:.3f} accuracy{sklearn}.",
    )


@experiment(
    5,
    "boltzmann-machine",
    question="What is a Boltzmann machine?",
    answer="""
    A Boltzmann machine is a network of binary stochastic units that defines a probability for every
    joint state through an energy function: low-energy states are likely, with probability proportional
    to exp(-energy). Learning lowers the energy of the training data and raises it elsewhere, so the
    model comes to generate data like it. The general form, with connections among all units, is too
    slow to train; the restricted Boltzmann machine keeps only the links between a visible layer (the
    data) and a hidden layer, so each layer's units are independent given the other and can be sampled
    all at once. Its likelihood gradient is the data's correlations minus the model's, and contrastive
    divergence estimates the model's part with a few steps of Gibbs sampling started at the data, or from
    a chain kept running between updates (persistent CD). The hidden units become feature detectors:
    here, trained on 8x8 digits, they learn stroke-like filters, and a linear classifier on their
    activations recognizes unseen digits.
    """,
    judge=judge,
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    train, test = Digits(train=True), Digits(train=False)
    images, labels = train.data.numpy()[:, 0], train.targets.numpy()
    x_test, y_test = test.data.numpy().reshape(-1, 64), test.targets.numpy()
    if quick:
        x, y = images.reshape(-1, 64), labels
        epochs, lr, persistent, classifier_epochs = 30, 0.05, False, 100
    else:
        nudged, y = nudge(images, labels)
        x = nudged.reshape(-1, 64)
        epochs, lr, persistent, classifier_epochs = (40 if full else 20), 0.06, True, 20

    rbm = nn.RBM(64, HIDDEN)
    start = time.perf_counter()
    history = rbm.fit(shendu.tensor(x), epochs=epochs, lr=lr, batch_size=10, k=1, persistent=persistent)
    rbm_seconds = time.perf_counter() - start
    with shendu.no_grad():
        features, features_test = rbm.transform(shendu.tensor(x)).numpy(), rbm.transform(shendu.tensor(x_test)).numpy()
        pseudo_likelihood = float(rbm.score_samples(shendu.tensor(x_test)).mean().item())
    on_features = logistic_regression(features, y, classifier_epochs, seed)
    on_pixels = logistic_regression(x, y, classifier_epochs, seed)
    numbers: dict[str, Any] = {
        "training": f"{'persistent CD-1' if persistent else 'CD-1'}, {epochs} epochs",
        "train_images": len(y),
        "rbm_logistic_accuracy": float((labels_of(on_features, features_test) == y_test).mean()),
        "pixel_logistic_accuracy": float((labels_of(on_pixels, x_test) == y_test).mean()),
        "reconstruction_start": history[0],
        "reconstruction_end": history[-1],
        "pseudo_likelihood": pseudo_likelihood,
        "rbm_seconds": rbm_seconds,
    }
    numbers.update(scikit_learn_pipeline(x, y, x_test, y_test, (features, features_test), seed, epochs, lr))

    plt = pyplot()
    fig = plt.figure(figsize=(13, 4.2))
    grid = fig.add_gridspec(2, 3, width_ratios=[1.1, 1.3, 1.6])
    ax_curve = fig.add_subplot(grid[:, 0])
    ax_curve.plot(range(1, epochs + 1), history, "o-", ms=3)
    ax_curve.set_xlabel("epoch")
    ax_curve.set_ylabel("mean squared reconstruction error")
    ax_curve.set_title("reconstruction error while training", fontsize=9)
    filters = rbm.weight.detach().numpy().reshape(HIDDEN, 8, 8)
    canvas = np.full((10 * 9 - 1, 10 * 9 - 1), np.nan)
    for i, f in enumerate(filters[:100]):
        r, c = divmod(i, 10)
        canvas[r * 9 : r * 9 + 8, c * 9 : c * 9 + 8] = f / max(np.abs(f).max(), 1e-8)
    ax_filters = fig.add_subplot(grid[:, 1])
    ax_filters.imshow(canvas, cmap="bwr", vmin=-1, vmax=1, interpolation="nearest")
    ax_filters.set_title("learned filters: each hidden unit's weights", fontsize=9)
    ax_filters.axis("off")
    sample = shendu.tensor(x_test[:8])
    with shendu.no_grad():
        reconstruction = rbm.sample_v(rbm.transform(sample))[0].numpy()
    for row, (images_row, title) in enumerate(((x_test[:8], "held-out digits"), (reconstruction, "reconstructed"))):
        ax = fig.add_subplot(grid[row, 2])
        ax.imshow(np.hstack([im.reshape(8, 8) for im in images_row]), cmap="gray_r", interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    table = [["features", "held-out accuracy"]]
    table.append([f"RBM ({HIDDEN} hidden, shendu) + logistic regression", numbers["rbm_logistic_accuracy"]])
    if "sklearn_accuracy" in numbers:
        table.append(
            [
                f"RBM ({HIDDEN} hidden, shendu) + scikit-learn's LogisticRegression (C=6000)",
                numbers["sklearn_logistic_on_shendu_rbm_accuracy"],
            ]
        )
        table.append([f"BernoulliRBM ({HIDDEN}, scikit-learn) + LogisticRegression", numbers["sklearn_accuracy"]])
    table.append(["raw pixels + logistic regression (same training images)", numbers["pixel_logistic_accuracy"]])
    return Outcome(numbers, {"RBM on digits": figure_png(fig)}, tables={"side by side": table})
