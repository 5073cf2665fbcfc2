"""The data the experiments share: seeded splits of 8x8 digits and Fashion-MNIST, points in the plane, loaders."""

from __future__ import annotations

import functools

import numpy as np

from ... import Generator, Tensor, from_numpy, tensor
from ...datasets import Digits, FashionMNIST
from ...utils.data import DataLoader, TensorDataset

__all__ = ["digits", "fashion", "loader", "spirals", "xor"]


@functools.lru_cache(maxsize=4)
def _digits_split(train: bool, seed: int) -> tuple[np.ndarray, np.ndarray]:
    data = Digits(train=train, seed=seed)
    return data.data.numpy(), data.targets.numpy()


@functools.lru_cache(maxsize=2)
def _fashion_split(train: bool) -> tuple[np.ndarray, np.ndarray]:
    """The raw uint8 images and labels, kept so that experiments after the first skip the decompression."""
    data = FashionMNIST(train=train)
    return data.data.numpy(), data.targets.numpy()


def digits(seed: int = 0, flatten: bool = True) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The 8x8 digits as ``(x_train, y_train, x_test, y_test)`` (1,438 / 359 samples, seeded split)."""
    parts = []
    for train in (True, False):
        x, y = _digits_split(train, seed)
        parts += [from_numpy((x.reshape(len(x), -1) if flatten else x).copy()), from_numpy(y.copy())]
    return parts[0], parts[1], parts[2], parts[3]


def fashion(n_train: int, n_test: int, seed: int = 0, flatten: bool = True) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """A seeded random subset of Fashion-MNIST: ``n_train`` training and ``n_test`` test images in [0, 1]."""
    rng = np.random.default_rng(seed)
    parts = []
    for train, n in ((True, n_train), (False, n_test)):
        images, labels = _fashion_split(train)
        keep = np.sort(rng.permutation(len(labels))[:n])
        x = images[keep].astype(np.float32) / np.float32(255)
        parts += [from_numpy(x.reshape(n, -1) if flatten else x[:, None]), from_numpy(labels[keep])]
    return parts[0], parts[1], parts[2], parts[3]


def loader(
    x: Tensor | np.ndarray, y: Tensor | np.ndarray, batch_size: int, seed: int = 0, shuffle: bool = True
) -> DataLoader:
    """A DataLoader over ``(x, y)`` (tensors or arrays) whose shuffling order depends only on ``seed``."""
    x, y = (t if isinstance(t, Tensor) else tensor(t) for t in (x, y))
    return DataLoader(
        TensorDataset(x, y), batch_size=batch_size, shuffle=shuffle, generator=Generator().manual_seed(seed)
    )


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points in four equal clusters at (±1, ±1); the class is 1 where the coordinates' signs differ."""
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    which = np.arange(n) % 4
    x = corners[which] + rng.normal(0.0, noise, (n, 2))
    return x.astype(np.float32), (which >= 2).astype(np.int64)


def spirals(
    n: int, rng: np.random.Generator, classes: int = 2, turns: float = 1.5, noise: float = 0.03
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points on ``classes`` interleaved arms of an Archimedean spiral of radius 1, with Gaussian noise."""
    label = np.arange(n) % classes
    # sqrt spreads the points evenly along the arm's length rather than its angle
    t = np.sqrt(rng.uniform(0.02, 1.0, n))
    angle = t * turns * 2 * np.pi + 2 * np.pi * label / classes
    x = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) + rng.normal(0.0, noise, (n, 2))
    return x.astype(np.float32), label.astype(np.int64)
