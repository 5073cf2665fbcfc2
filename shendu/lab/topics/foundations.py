"""Questions 1 and 2: what deep learning is, and what a neural network (and a GAN) is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

import shendu
from shendu import nn, optim
from shendu.datasets import FashionMNIST
from shendu.nn import functional as F
from shendu.train import Trainer
from shendu.utils.data import DataLoader, Subset

from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot
from ._planar import draw_boundary, fit, labels_of, spirals

# ---------------------------------------------------------------------------------------------- question 1

CNN_FLOOR = 0.75


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


def judge_deep_learning(numbers: Mapping[str, Any]) -> Verdict:
    accuracy = numbers["test_accuracy"]
    return all_of(
        [
            (accuracy >= CNN_FLOOR, f"the CNN reached only {accuracy:.3f} test accuracy, below {CNN_FLOOR}"),
            (numbers["filter_change"] > 0.2, "the first-layer filters hardly moved from their random start"),
        ],
        f"From raw pixels alone, a {numbers['parameters']}-weight CNN learned its own filters "
        f"(they moved {numbers['filter_change']:.0%} from their random start) and classifies "
        f"{accuracy:.1%} of unseen Fashion-MNIST images correctly, against {numbers['chance']:.0%} by chance.",
    )


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
    ax.set_title(title, fontsize=9)
    ax.axis("off")


@experiment(
    1,
    "deep-learning",
    question="What is deep learning?",
    answer="""
    Deep learning is machine learning with models built from many layers of simple, trainable
    functions, where every layer is fitted jointly by gradient descent on one objective. The point is
    that the model learns its own features: instead of a person designing edge or texture detectors,
    the first layers of a network discover them from raw data, and later layers combine them into
    more abstract ones. Here a small convolutional network sees only raw Fashion-MNIST pixels and the
    labels. Training moves its first-layer filters far from their random start, and their feature maps
    show what they became: detectors of edges, outlines and light or dark regions. The second layer's
    maps respond to larger parts such as a handle or a border, and the network classifies unseen
    images far better than chance.
    """,
    judge=judge_deep_learning,
)
def run_deep_learning(seed: int, quick: bool, full: bool) -> Outcome:
    train, test = FashionMNIST(train=True), FashionMNIST(train=False)
    rng = np.random.default_rng(seed)
    n_train, n_test, epochs = (2000, 1000, 3) if quick else (60000, 10000, 5) if full else (10000, 5000, 3)
    train_idx = rng.permutation(len(train))[:n_train].tolist()
    test_idx = rng.permutation(len(test))[:n_test].tolist()
    loader = DataLoader(
        Subset(train, train_idx), batch_size=64, shuffle=True, generator=shendu.Generator().manual_seed(seed)
    )
    model = small_cnn()
    start_filters = model[0].weight.detach().numpy().copy()
    trainer = Trainer(
        model,
        optim.Adam(model.parameters(), lr=0.003 if quick else 0.002),
        nn.CrossEntropyLoss(),
        loader,
        DataLoader(Subset(test, test_idx), batch_size=500),
        epochs=epochs,
        verbose=0,
    )
    history = trainer.fit()
    filters = model[0].weight.detach().numpy()
    numbers: dict[str, Any] = {
        "test_accuracy": history[-1]["val_accuracy"],
        "train_accuracy": history[-1]["train_accuracy"],
        "chance": 0.1,
        "train_images": n_train,
        "test_images": n_test,
        "epochs": epochs,
        "parameters": sum(p.numel() for p in model.parameters()),
        "filter_change": float(np.linalg.norm(filters - start_filters) / np.linalg.norm(start_filters)),
    }

    image, label = test[test_idx[0]]
    model.eval()
    with shendu.no_grad():
        first = model[:2](image.unsqueeze(0))
        second = model[3:5](model[2](first))
        predicted = int(model(image.unsqueeze(0)).argmax(1).item())
    plt = pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.4), gridspec_kw={"width_ratios": [1, 1.4, 1.4, 2.2]})
    axes[0].imshow(image.numpy()[0], cmap="gray")
    axes[0].set_title(f"input: {test.classes[label]}\npredicted: {test.classes[predicted]}", fontsize=9)
    axes[0].axis("off")
    _grid(axes[1], start_filters[:, 0], 4, "layer-1 filters at the start", signed=True)
    _grid(axes[2], filters[:, 0], 4, "layer-1 filters, learned (5x5)", signed=True)
    _grid(axes[3], first.numpy()[0], 4, "layer-1 feature maps of the input (28x28)")
    fig.tight_layout()
    filters_png = figure_png(fig)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), gridspec_kw={"width_ratios": [2, 1.2]})
    _grid(axes[0], second.numpy()[0], 8, "layer-2 feature maps of the same input (14x14)")
    epochs_axis = [row["epoch"] for row in history]
    axes[1].plot(epochs_axis, [row["train_accuracy"] for row in history], "o-", label="training")
    axes[1].plot(epochs_axis, [row["val_accuracy"] for row in history], "s-", label="unseen test images")
    axes[1].axhline(0.1, color="grey", ls=":", label="chance")
    axes[1].set_xlabel("epoch")
    axes[1].set_xticks(epochs_axis)
    axes[1].set_ylabel("accuracy")
    axes[1].set_ylim(0, 1)
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    return Outcome(numbers, {"filters and feature maps": filters_png, "deeper features and accuracy": figure_png(fig)})


# ---------------------------------------------------------------------------------------------- question 2

PROBE_HIDDEN_FLOOR = 0.95
PROBE_RAW_CEILING = 0.75
MODE_RADIUS = 2.0
MODE_STD = 0.05
MODE_SHARE = 0.05
MODES_FLOOR = 7
DISTANCE_RATIO = 0.25


def ring_modes() -> np.ndarray:
    """The centres of the 8 Gaussians, evenly spaced on a circle of radius ``MODE_RADIUS``."""
    angles = 2 * np.pi * np.arange(8) / 8
    return MODE_RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def ring_samples(n: int, rng: np.random.Generator) -> np.ndarray:
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


def train_gan(seed: int, quick: bool, full: bool) -> tuple[dict[str, Any], bytes]:
    """Train an MLP GAN on the ring of Gaussians; its numbers and a figure of samples over the epochs."""
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
    labels = shendu.cat([shendu.ones(batch, 1), shendu.zeros(batch, 1)])
    real_label = labels[:batch]
    fixed_noise = shendu.randn(4000, noise)

    def sample() -> np.ndarray:
        with shendu.no_grad():
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
            real = shendu.tensor(data[order[start : start + batch]])
            fake = generator(shendu.randn(batch, noise))
            opt_d.zero_grad()
            loss_d = F.binary_cross_entropy_with_logits(discriminator(shendu.cat([real, fake.detach()])), labels)
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
    fig, axes = plt.subplots(1, len(shown) + 1, figsize=(3.0 * (len(shown) + 1), 3.2))
    centres = ring_modes()
    for ax, (epoch, points) in zip(axes, shown.items()):
        ax.scatter(reference[:1000, 0], reference[:1000, 1], s=2, c="lightgrey")
        ax.scatter(points[:1000, 0], points[:1000, 1], s=2, c="tab:red")
        ax.scatter(centres[:, 0], centres[:, 1], marker="x", c="k", s=20)
        covered = mode_coverage(points)[0]
        ax.set_title(f"epoch {epoch}: {covered}/8 modes", fontsize=9)
        ax.set_xlim(-3, 3)
        ax.set_ylim(-3, 3)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    axes[-1].plot([e for e, _ in curve], [d for _, d in curve], "o-", ms=3)
    axes[-1].set_title("sliced Wasserstein distance\nto the true mixture", fontsize=9)
    axes[-1].set_xlabel("epoch")
    axes[-1].set_yscale("log")
    fig.tight_layout()
    return numbers, figure_png(fig)


def judge_neural_network(numbers: Mapping[str, Any]) -> Verdict:
    raw, hidden = numbers["probe_raw_test_accuracy"], numbers["probe_hidden_test_accuracy"]
    modes, ratio = numbers["gan_modes_covered"], numbers["gan_distance_ratio"]
    return all_of(
        [
            (hidden >= PROBE_HIDDEN_FLOOR, f"a linear probe on the hidden layer reached only {hidden:.3f}"),
            (raw <= PROBE_RAW_CEILING, f"a linear probe on the raw input already reached {raw:.3f}"),
            (modes >= MODES_FLOOR, f"the GAN covered only {modes} of 8 modes"),
            (ratio <= DISTANCE_RATIO, f"the GAN's distance to the data fell only to {ratio:.2f} of its start"),
        ],
        f"A linear probe separates the classes with {hidden:.1%} accuracy on the MLP's 2-unit hidden layer but "
        f"only {raw:.1%} on the raw input; the GAN covers {modes} of 8 modes and its distance to the data "
        f"fell to {ratio:.0%} of its starting value.",
    )


@experiment(
    2,
    "neural-network",
    question="What is a neural network? (And what is a generative adversarial network?)",
    answer="""
    A neural network is a function built from layers of units. Each unit takes a weighted sum of the
    previous layer's outputs, adds a bias and applies a nonlinear activation; the input layer holds the
    data, hidden layers transform it, and the output layer gives the prediction. Training adjusts the
    weights by gradient descent on a loss. What the hidden layers learn is a new representation of the
    data in which the task becomes easy: here three interleaved spirals cannot be split by straight
    lines in the input plane, but after two hidden layers the points of each class sit in their own
    region of a 2-unit hidden layer, where a linear classifier separates them. A generative adversarial
    network pits two such networks against each other: a generator turns random noise into samples, a
    discriminator tries to tell them from real data, and each is trained against the other until the
    generated samples are hard to tell apart. Its known weakness is mode collapse, producing only some
    kinds of sample, which is why mode coverage is measured here.
    """,
    judge=judge_neural_network,
)
def run_neural_network(seed: int, quick: bool, full: bool) -> Outcome:
    rng = np.random.default_rng(seed)
    n = 300 if quick else 1200 if full else 600
    x, y = spirals(n, rng, classes=3, turns=1.0)
    x_test, y_test = spirals(n, rng, classes=3, turns=1.0)
    mlp = nn.Sequential(
        nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 2), nn.Tanh(), nn.Linear(2, 3)
    )
    fit(mlp, x, y, epochs=150, seed=seed, lr=0.01)
    summary = str(nn.summary(mlp, (2,), verbose=False))
    hidden_layer = mlp[:6]
    with shendu.no_grad():
        h, h_test = (hidden_layer(shendu.tensor(a)).numpy() for a in (x, x_test))
    numbers: dict[str, Any] = {
        "mlp_test_accuracy": float((labels_of(mlp, x_test) == y_test).mean()),
        "chance": 1 / 3,
    }
    probes = {}
    for name, (features, features_test) in {"raw": (x, x_test), "hidden": (h, h_test)}.items():
        probe = nn.Linear(2, 3)
        fit(probe, features, y, epochs=60 if quick else 100, seed=seed, lr=0.05)
        probes[name] = probe
        numbers[f"probe_{name}_test_accuracy"] = float((labels_of(probe, features_test) == y_test).mean())

    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.7))
    draw_boundary(
        axes[0], probes["raw"], x_test, y_test, f"linear probe on the input: {numbers['probe_raw_test_accuracy']:.3f}"
    )
    draw_boundary(
        axes[1],
        probes["hidden"],
        h_test,
        y_test,
        f"linear probe on hidden layer 3: {numbers['probe_hidden_test_accuracy']:.3f}",
    )
    draw_boundary(axes[2], mlp, x_test, y_test, f"the MLP itself: {numbers['mlp_test_accuracy']:.3f}")
    axes[0].set_xlabel("input x1, x2")
    axes[1].set_xlabel("hidden units h1, h2")
    fig.suptitle("Held-out points: the classes become linearly separable in the learned representation")
    fig.tight_layout()
    representation = figure_png(fig)

    gan_numbers, gan_png = train_gan(seed, quick, full)
    numbers.update(gan_numbers)
    return Outcome(
        numbers,
        {"learned representation": representation, "GAN samples over training": gan_png},
        notes=["nn.summary of the MLP (input 2 -> hidden 64 -> 64 -> 2 -> output 3):\n" + summary],
    )
