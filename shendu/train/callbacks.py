"""Callbacks that the Trainer calls around epochs and batches."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._text import count

if TYPE_CHECKING:
    from .trainer import Trainer

__all__ = ["Callback", "EarlyStopping", "GradientClipping", "LRSchedulerStep", "ModelCheckpoint"]


class Callback:
    """Base class: override the hooks you need. ``logs`` holds the epoch's metrics."""

    def on_fit_start(self, trainer: Trainer) -> None:
        """Called once before the first epoch."""

    def on_epoch_start(self, trainer: Trainer, epoch: int) -> None:
        """Called before each epoch."""

    def on_after_backward(self, trainer: Trainer) -> None:
        """Called after ``loss.backward()`` and before ``optimizer.step()``."""

    def on_batch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        """Called after each optimizer step."""

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        """Called after validation at the end of each epoch."""

    def on_fit_end(self, trainer: Trainer) -> None:
        """Called once after training stops."""

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


def _improved(value: float, best: float | None, mode: str, min_delta: float) -> bool:
    if best is None:
        return not math.isnan(value)
    return value < best - min_delta if mode == "min" else value > best + min_delta


def _mode_for(monitor: str, mode: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    return "max" if "acc" in monitor else "min"


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs.

    Args:
        monitor: the metric to watch. Default: ``"val_loss"``.
        patience: epochs without improvement before stopping. Default: 5.
        min_delta: the smallest change that counts as improvement. Default: 0.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracies). Default: ``"auto"``.
        restore_best_weights: load the best epoch's weights when stopping. Default: True.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best_weights: bool = True,
    ) -> None:
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}")
        self.monitor, self.patience, self.min_delta = monitor, patience, abs(min_delta)
        self.mode = _mode_for(monitor, mode)
        self.restore_best_weights = restore_best_weights
        self.best: float | None = None
        self.best_epoch = -1
        self.wait = 0
        self.best_state: dict[str, Any] | None = None
        self.stopped_epoch: int | None = None

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping: metric {self.monitor!r} is not logged; available: {sorted(logs)}")
        value = logs[self.monitor]
        if _improved(value, self.best, self.mode, self.min_delta):
            self.best, self.best_epoch, self.wait = value, logs["epoch"], 0
            if self.restore_best_weights:
                self.best_state = copy.deepcopy(trainer.model.state_dict())
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = int(logs["epoch"])
            trainer.stop(
                f"early stopping: {self.monitor} has not improved for {count(self.wait, 'epoch')} "
                f"(best {self.best:.4f} at epoch {self.best_epoch})"
            )
            if self.best_state is not None:
                trainer.model.load_state_dict(self.best_state)

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait, "best_state": self.best_state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.best_epoch, self.wait = state["best"], state["best_epoch"], state["wait"]
        self.best_state = state.get("best_state")


class ModelCheckpoint(Callback):
    """Save the best model's weights (by ``monitor``) to ``dirpath/best.safetensors``.

    The trainer itself writes the full resumable state to ``last.ckpt``; this callback adds the
    best weights, which ``shendu eval`` and ``predict`` read.

    Args:
        dirpath: the folder.
        monitor: the metric that decides "best". Default: ``"val_loss"``.
        mode: ``"min"``, ``"max"`` or ``"auto"``. Default: ``"auto"``.
    """

    def __init__(self, dirpath: str | Path, monitor: str = "val_loss", mode: str = "auto") -> None:
        self.dirpath = Path(dirpath)
        self.monitor = monitor
        self.mode = _mode_for(monitor, mode)
        self.best: float | None = None

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        value = logs.get(self.monitor)
        if value is not None and _improved(value, self.best, self.mode, 0.0):
            self.best = value
            from ..io import save

            self.dirpath.mkdir(parents=True, exist_ok=True)
            save(
                {
                    "model": trainer.model.state_dict(),
                    "epoch": logs["epoch"],
                    self.monitor: value,
                    "config": trainer.config,
                },
                self.dirpath / "best.safetensors",
            )

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = state["best"]


class LRSchedulerStep(Callback):
    """Step a learning-rate scheduler every epoch or every iteration.

    Args:
        scheduler: any ``shendu.optim.lr_scheduler`` scheduler.
        interval: ``"epoch"`` or ``"iteration"``. Default: ``"epoch"``.
        monitor: for ReduceLROnPlateau, the metric passed to ``step``. Default: ``"val_loss"``.
    """

    def __init__(self, scheduler: Any, interval: str = "epoch", monitor: str = "val_loss") -> None:
        if interval not in ("epoch", "iteration"):
            raise ValueError(f"LRSchedulerStep: interval must be 'epoch' or 'iteration', got {interval!r}")
        self.scheduler, self.interval, self.monitor = scheduler, interval, monitor

    def on_batch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if self.interval == "iteration":
            self.scheduler.step()

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if self.interval != "epoch":
            return
        if type(self.scheduler).__name__ == "ReduceLROnPlateau":
            self.scheduler.step(logs[self.monitor])
        else:
            self.scheduler.step()

    def state_dict(self) -> dict[str, Any]:
        return {"scheduler": self.scheduler.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.scheduler.load_state_dict(state["scheduler"])


class GradientClipping(Callback):
    """Clip the gradients' total norm to ``max_norm`` before every step; the norm is logged.

    Args:
        max_norm: the largest allowed total norm.
        norm_type: the p of the p-norm. Default: 2.
    """

    def __init__(self, max_norm: float, norm_type: float = 2.0) -> None:
        self.max_norm, self.norm_type = max_norm, norm_type
        self.last_norm = float("nan")

    def on_after_backward(self, trainer: Trainer) -> None:
        from ..nn.utils import clip_grad_norm_

        self.last_norm = float(clip_grad_norm_(trainer.model.parameters(), self.max_norm, self.norm_type))
