"""The one way the experiments train: the shared Trainer, silently, plus the callbacks and measurements they share."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ... import Tensor, no_grad, tensor
from ...train import Callback, NonFiniteError, Trainer

__all__ = ["LossRecorder", "StepLog", "StopWhenFit", "evaluate", "labels_of", "train", "train_or_diverge"]


def train(
    model: Any,
    optimizer: Any,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    train_loader: Iterable[Any],
    val_loader: Iterable[Any] | None = None,
    *,
    epochs: int,
    callbacks: Iterable[Callback] = (),
    task: str = "classification",
) -> Trainer:
    """Fit ``model`` through the shared Trainer, silently, and return the trainer (its history and counters)."""
    trainer = Trainer(
        model,
        optimizer,
        loss_fn,
        train_loader,
        val_loader,
        epochs=epochs,
        callbacks=tuple(callbacks),
        task=task,
        verbose=0,
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


def labels_of(model: Any, x: Tensor | np.ndarray) -> np.ndarray:
    """The model's predicted class for every row of ``x``, in eval mode; the model's mode is restored."""
    was_training = model.training
    model.eval()
    with no_grad():
        scores = model(x if isinstance(x, Tensor) else tensor(np.asarray(x, dtype=np.float32)))
    model.train(was_training)
    return scores.argmax(1).numpy()


class LossRecorder(Callback):
    """Keeps the training loss of every step."""

    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_batch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        self.losses.append(float(logs["loss"]))


class StopWhenFit(Callback):
    """Stops training after the first epoch at whose end the model classifies ``accuracy`` of ``(x, y)`` right.

    Attributes:
        epoch: that epoch (counted from 1), or None while it has not happened.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, accuracy: float) -> None:
        self.x, self.y, self.accuracy = x, y, accuracy
        self.epoch: int | None = None

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if (labels_of(trainer.model, self.x) == self.y).mean() >= self.accuracy:
            self.epoch = int(logs["epoch"])
            trainer.stop(f"training accuracy reached {self.accuracy}")


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
