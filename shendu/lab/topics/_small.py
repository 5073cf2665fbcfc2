"""Small datasets, loaders and recording callbacks shared by the training experiments of questions 13-19."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ... import Generator, Tensor, from_numpy, no_grad
from ...datasets import Digits, FashionMNIST
from ...train import Callback, NonFiniteError, Trainer
from ...utils.data import DataLoader, TensorDataset

__all__ = ["StepLog", "digits", "evaluate", "fashion", "loader", "train", "train_or_diverge"]


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


def loader(x: Tensor, y: Tensor, batch_size: int, seed: int = 0, shuffle: bool = True) -> DataLoader:
    """A DataLoader over ``(x, y)`` whose shuffling order depends only on ``seed``."""
    return DataLoader(
        TensorDataset(x, y), batch_size=batch_size, shuffle=shuffle, generator=Generator().manual_seed(seed)
    )


def train(
    model: Any,
    optimizer: Any,
    loss_fn: Any,
    train_loader: DataLoader,
    val_loader: DataLoader | None = None,
    epochs: int = 1,
    callbacks: tuple[Callback, ...] = (),
    task: str = "classification",
) -> Trainer:
    """Fit through the shared Trainer, silently, and return the trainer (its history and counters)."""
    trainer = Trainer(
        model, optimizer, loss_fn, train_loader, val_loader, epochs=epochs, callbacks=callbacks, task=task, verbose=0
    )
    trainer.fit()
    return trainer


def train_or_diverge(*args: Any, **kwargs: Any) -> tuple[Trainer | None, bool]:
    """``train``, except that a NaN or infinite loss ends the run and comes back as ``diverged=True``."""
    try:
        return train(*args, **kwargs), False
    except NonFiniteError:
        return None, True


def evaluate(model: Any, x: Tensor, y: Tensor, loss_fn: Callable[[Tensor, Tensor], Tensor]) -> tuple[float, float]:
    """Loss and accuracy of ``model`` on ``(x, y)`` in eval mode; the model's mode is restored afterwards."""
    was_training = model.training
    model.eval()
    with no_grad():
        out = model(x)
        loss = float(loss_fn(out, y).item())
        accuracy = float((out.argmax(1) == y).float().mean().item())
    model.train(was_training)
    return loss, accuracy


class StepLog(Callback):
    """Record every iteration's training loss, and optionally a probe every ``every`` iterations.

    ``probe(trainer)`` returns a dict of numbers (e.g. a loss on fixed data). The seconds spent in
    probes and in validation are left out of ``seconds``, so wall-time curves show training time alone.
    Training stops at the end of the first epoch by which every given budget is spent.

    Args:
        probe: called every ``every`` iterations and once before the first. Default: None.
        every: the probing interval in iterations. Default: 1.
        iterations: a budget of iterations. Default: None.
        seconds: a budget of training seconds. Default: None.
        epochs: a budget of epochs (for runs whose Trainer has a larger cap). Default: None.
    """

    def __init__(
        self,
        probe: Callable[[Trainer], dict[str, float]] | None = None,
        every: int = 1,
        iterations: int | None = None,
        seconds: float | None = None,
        epochs: int | None = None,
    ) -> None:
        self.probe, self.every = probe, every
        self.budget = {"iterations": iterations, "seconds": seconds, "epochs": epochs}
        self.losses: list[float] = []
        self.probes: list[dict[str, float]] = []
        self.seconds = 0.0
        self._mark = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.seconds += now - self._mark
        self._mark = now

    def _record(self, trainer: Trainer) -> None:
        self._tick()
        if self.probe is not None:
            per_epoch = max(len(trainer.train_loader), 1)  # type: ignore[arg-type]
            row = {"iteration": trainer.iteration, "epoch": trainer.iteration / per_epoch, "seconds": self.seconds}
            row.update(self.probe(trainer))
            self.probes.append(row)
        self._mark = time.perf_counter()

    def on_fit_start(self, trainer: Trainer) -> None:
        self._mark = time.perf_counter()
        self._record(trainer)

    def on_batch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        self.losses.append(logs["loss"])
        if trainer.iteration % self.every == 0:
            self._record(trainer)
        else:
            self._tick()

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        spent = {"iterations": trainer.iteration, "seconds": self.seconds, "epochs": trainer.epoch}
        budgets = [(spent[key], limit) for key, limit in self.budget.items() if limit is not None]
        if budgets and all(used >= limit for used, limit in budgets):
            trainer.stop("StepLog: budget spent")
        self._mark = time.perf_counter()
