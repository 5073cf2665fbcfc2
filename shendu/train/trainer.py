"""The training loop that the CLI and the lab share: fit, evaluate, checkpoint, resume."""

from __future__ import annotations

import contextlib
import csv
import math
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .. import random as _random
from .._checks import is_int
from .._text import count
from ..autograd import no_grad
from ..backend import CPU, to_device
from ..errors import ShenduError
from ..io import CheckpointError, atomic_open, atomic_write_json, load, remove_stale_temporaries, save
from ..tensor import Tensor
from . import metrics as _metrics
from .callbacks import Callback
from .resume import check_resumable

__all__ = ["NonFiniteError", "Trainer", "TrainingInterrupted"]


class NonFiniteError(ShenduError, FloatingPointError):
    """A loss or gradient became NaN or infinite and the trainer was told to stop."""


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped at a safe point after Ctrl-C (SIGINT) or SIGTERM.

    A KeyboardInterrupt, so code that handles Ctrl-C keeps working. The message says where training
    stopped, what was saved and what was lost.

    Attributes:
        signal_name: ``"SIGINT"`` or ``"SIGTERM"``.
        epoch: the epoch that was running (1-based).
        iteration: optimizer steps taken in the whole run.
        checkpoint: the checkpoint that holds the state to resume from, or None when nothing was saved.
        lost_iterations: iterations of the running epoch that no checkpoint holds (0 when none).
    """

    def __init__(
        self, signal_name: str, epoch: int, iteration: int, checkpoint: Path | None, lost_iterations: int
    ) -> None:
        self.signal_name, self.epoch, self.iteration = signal_name, epoch, iteration
        self.checkpoint, self.lost_iterations = checkpoint, lost_iterations
        where = f"stopped by {signal_name} in epoch {epoch}, after iteration {iteration}"
        if checkpoint is None:
            saved = "nothing was saved"
        else:
            saved = f"{checkpoint} holds the state to resume from"
        lost = f"; the last {lost_iterations} iterations of epoch {epoch} are lost" if lost_iterations else ""
        super().__init__(f"{where}: {saved}{lost}")


def _batch_size(batch: Any) -> int:
    first = batch[0] if isinstance(batch, (tuple, list)) else batch
    return int(first.shape[0])


class Trainer:
    """Train a model with explicit epochs, batches and iterations, validating every epoch.

    Args:
        model: the ``nn.Module`` to train.
        optimizer: a ``shendu.optim`` optimizer over the model's parameters.
        loss_fn: called as ``loss_fn(output, target)``.
        train_loader: yields ``(inputs, targets)`` batches.
        val_loader: validation batches, run after every epoch. Default: None.
        epochs: the number of epochs. Default: 1.
        callbacks: extra callbacks (early stopping, schedulers, clipping). Default: none.
        task: ``"classification"`` (accuracy, confusion matrix) or ``"regression"`` (MSE, MAE).
        device: where to train; batches are moved there. Default: ``"cpu"``.
        out_dir: where to write ``last.ckpt`` (full resumable state), history and plots.
            Default: None (nothing is written).
        nonfinite: on a NaN/Inf loss or gradient, ``"stop"`` (raise NonFiniteError naming the epoch
            and iteration, and the last checkpoint written, if any) or ``"skip"`` the step. Either
            way the step changes nothing: the model's buffers (e.g. batch norm's running statistics,
            which the forward pass already updated) are put back as they were before it.
            Default: ``"stop"``.
        checkpoint_every: also write ``last.ckpt`` every this many iterations. Default: None.
        verbose: 0 silent, 1 a progress bar (on a terminal) and one line per epoch. Default: 1.
        config: plain values describing the run, stored in checkpoints. Default: None.

    Ctrl-C (SIGINT) and SIGTERM stop ``fit`` at the next safe point (the end of the running batch)
    with ``TrainingInterrupted``: with ``checkpoint_every`` set, the state at that point is saved
    first; otherwise the checkpoint of the last finished epoch is what remains, and the message
    says how many iterations are lost. A second signal stops at once. NumPy's floating-point
    warnings are silenced while training and evaluating: the non-finite checks report what matters.

    Example:
        >>> from shendu.utils.data import DataLoader, TensorDataset
        >>> data = TensorDataset(shendu.randn(64, 4), shendu.randint(0, 3, (64,)))
        >>> model = nn.Linear(4, 3)
        >>> trainer = Trainer(model, shendu.optim.Adam(model.parameters()), nn.CrossEntropyLoss(),
        ...                   DataLoader(data, batch_size=16), epochs=2, verbose=0)
        >>> len(trainer.fit())  # one history entry per epoch
        2
    """

    def __init__(
        self,
        model: Any,
        optimizer: Any,
        loss_fn: Callable[[Tensor, Tensor], Tensor],
        train_loader: Iterable[Any],
        val_loader: Iterable[Any] | None = None,
        *,
        epochs: int = 1,
        callbacks: Iterable[Callback] = (),
        task: str = "classification",
        device: str = "cpu",
        out_dir: str | Path | None = None,
        nonfinite: str = "stop",
        checkpoint_every: int | None = None,
        verbose: int = 1,
        config: dict[str, Any] | None = None,
    ) -> None:
        if task not in ("classification", "regression"):
            raise ValueError(f"Trainer: task must be 'classification' or 'regression', got {task!r}")
        if nonfinite not in ("stop", "skip"):
            raise ValueError(f"Trainer: nonfinite must be 'stop' or 'skip', got {nonfinite!r}")
        if not is_int(epochs, numpy=False) or epochs < 1:
            raise ValueError(f"Trainer: epochs must be a positive int, got {epochs!r}")
        if checkpoint_every is not None and (not is_int(checkpoint_every, numpy=False) or checkpoint_every < 1):
            raise ValueError(f"Trainer: checkpoint_every must be a positive int or None, got {checkpoint_every!r}")
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.train_loader, self.val_loader = train_loader, val_loader
        self.epochs, self.task, self.device = epochs, task, device
        self.callbacks = list(callbacks)
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.nonfinite, self.checkpoint_every, self.verbose = nonfinite, checkpoint_every, verbose
        self.config = dict(config or {})
        self.history: list[dict[str, float]] = []
        self.epoch = 0
        self.iteration = 0
        self.skipped_steps = 0
        self.stop_reason: str | None = None
        self._resume_point: dict[str, Any] | None = None
        self._last_saved: tuple[int, int] | None = None  # (epoch, iteration) of the last checkpoint written
        self._interrupt: str | None = None

    # ------------------------------------------------------------------ control
    def stop(self, reason: str) -> None:
        """Ask the trainer to stop after the current epoch."""
        self.stop_reason = reason

    def log(self, message: str) -> None:
        if self.verbose:
            print(message, flush=True)

    # ------------------------------------------------------------------ state
    def _loader_generator(self) -> Any:
        sampler = getattr(getattr(self.train_loader, "batch_sampler", None), "sampler", None)
        return getattr(sampler, "generator", None)

    def _rng_state(self) -> dict[str, Any]:
        generator = self._loader_generator()
        return {"global": _random.get_rng_state(), "loader": generator.get_state() if generator else None}

    def _set_rng_state(self, state: dict[str, Any]) -> None:
        _random.set_rng_state(state["global"])
        generator = self._loader_generator()
        if generator is not None and state.get("loader") is not None:
            generator.set_state(state["loader"])

    def state_dict(self, epoch_start_rng: dict[str, Any], batch_index: int) -> dict[str, Any]:
        """Everything needed to continue this run bit-identically from this point."""
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "callbacks": [cb.state_dict() for cb in self.callbacks],
            "rng": self._rng_state(),
            "epoch_start_rng": epoch_start_rng,
            "epoch": self.epoch,
            "batch_index": batch_index,
            "iteration": self.iteration,
            "history": self.history,
            "config": self.config,
        }

    def save_checkpoint(
        self, epoch_start_rng: dict[str, Any], batch_index: int, partial: dict[str, float] | None = None
    ) -> None:
        """Write the resumable state to ``out_dir/last.ckpt`` (atomically); nothing without ``out_dir``."""
        if self.out_dir is None:
            return
        self._write_checkpoint(self.state_dict(epoch_start_rng, batch_index), partial)

    def _write_checkpoint(self, state: dict[str, Any], partial: dict[str, float] | None) -> None:
        if partial is not None:
            state["partial"] = dict(partial)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        save(state, self.out_dir / "last.ckpt")
        self._last_saved = (self.epoch, self.iteration)

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore a state written by this trainer; ``fit`` then continues from it.

        The file is checked whole before anything changes: a checkpoint that is not a Trainer's
        (``best.safetensors`` holds weights only), or whose model, optimizer or callback states do
        not fit this run, raises CheckpointError naming the path and leaves the trainer, model and
        optimizer as they were.
        """
        state = load(path)
        check_resumable(state, path, len(self.callbacks))
        model_before = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        try:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            for cb, cb_state in zip(self.callbacks, state["callbacks"]):
                cb.load_state_dict(cb_state)
        except (ValueError, TypeError, KeyError, IndexError, RuntimeError) as exc:
            self.model.load_state_dict(model_before)
            raise CheckpointError(f"Trainer: {str(path)!r} does not fit this run: {exc}") from None
        self.history = list(state["history"])
        self.epoch, self.iteration = state["epoch"], state["iteration"]
        self._resume_point = state
        self._last_saved = (self.epoch, self.iteration)

    # ------------------------------------------------------------------ loops
    def _to_device(self, batch: Any) -> Any:
        if self.device == "cpu":
            return batch
        return [t.to(self.device) if isinstance(t, Tensor) else t for t in batch]

    def _progress(self, total: int, desc: str) -> Any:
        from tqdm.auto import tqdm

        quiet = self.verbose == 0 or not sys.stderr.isatty()
        return tqdm(total=total, desc=desc, disable=quiet, leave=False, unit="batch")

    def _batches(self, epoch_start_rng: dict[str, Any] | None, skip: int) -> Iterator[Any]:
        iterator = iter(self.train_loader)
        for _ in range(skip):
            next(iterator)
        return iterator

    def _grads_finite(self) -> bool:
        for p in self.model.parameters():
            if p.grad is not None and not bool(np.isfinite(to_device(p.grad._array, CPU)).all()):
                return False
        return True

    def _buffer_snapshot(self) -> list[tuple[Tensor, Any]]:
        """Copies of every buffer's array (batch norm's running statistics...), to undo a skipped step."""
        return [(b, b._array.copy()) for b in self.model.buffers() if b is not None]

    @staticmethod
    def _restore_buffers(snapshot: list[tuple[Tensor, Any]]) -> None:
        for buffer, saved in snapshot:
            buffer._array[...] = saved

    def _nonfinite(self, what: str, batch_index: int) -> None:
        message = (
            f"non-finite {what} at epoch {self.epoch + 1}, iteration {self.iteration + 1} "
            f"(batch {batch_index + 1} of the epoch)"
        )
        if self.nonfinite == "stop":
            raise NonFiniteError(f"Trainer: {message}; {self._saved_description()}")
        self.skipped_steps += 1
        self.log(f"Trainer: skipped the step: {message}")

    def _saved_description(self) -> str:
        if self.out_dir is None:
            return "nothing was saved (no out_dir)"
        if self._last_saved is None:
            return "no checkpoint was written before it"
        epoch, iteration = self._last_saved
        return f"the last checkpoint, {self.out_dir / 'last.ckpt'}, holds epoch {epoch}, iteration {iteration}"

    # ------------------------------------------------------------------ signals
    @contextlib.contextmanager
    def _stop_on_signals(self) -> Iterator[None]:
        """Turn SIGINT and SIGTERM into a request to stop at the next safe point (main thread only)."""
        self._interrupt = None
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def request_stop(signum: int, frame: Any) -> None:
            name = signal.Signals(signum).name
            if self._interrupt is not None:
                raise KeyboardInterrupt(f"stopped at once by a second {name}")
            self._interrupt = name

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _interrupted(self, epoch_start_rng: dict[str, Any], done: int, sums: dict[str, float]) -> None:
        """Stop mid-epoch after ``done`` batches: save that point if checkpoints are kept every N steps."""
        signal_name = self._interrupt or "SIGINT"
        if self.checkpoint_every and self.out_dir is not None:
            self.save_checkpoint(epoch_start_rng, done, sums)
            raise TrainingInterrupted(signal_name, self.epoch + 1, self.iteration, self.out_dir / "last.ckpt", 0)
        saved = None
        lost = self.iteration
        if self._last_saved is not None and self.out_dir is not None:
            saved, lost = self.out_dir / "last.ckpt", self.iteration - self._last_saved[1]
        raise TrainingInterrupted(signal_name, self.epoch + 1, self.iteration, saved, lost)

    def train_epoch(self) -> dict[str, float]:
        """One pass over the training data; returns the epoch's training metrics."""
        resume = self._resume_point
        self._resume_point = None
        if resume is not None and resume["batch_index"] > 0:
            epoch_start_rng = resume["epoch_start_rng"]
            self._set_rng_state(epoch_start_rng)
            skip = resume["batch_index"]
        else:
            if resume is not None:
                self._set_rng_state(resume["rng"])
            epoch_start_rng, skip = self._rng_state(), 0
        iterator = self._batches(epoch_start_rng, skip)
        if skip:
            # Restore the generator as it was at the checkpoint, after replaying the epoch's order.
            self._set_rng_state(resume["rng"])
            sums = resume.get("partial", {"loss": 0.0, "correct": 0.0, "seen": 0.0})
        else:
            sums = {"loss": 0.0, "correct": 0.0, "seen": 0.0}
        self.model.train()
        total = len(self.train_loader)  # type: ignore[arg-type]
        start = time.perf_counter()
        bar = self._progress(total, f"epoch {self.epoch + 1}/{self.epochs}")
        bar.update(skip)
        for batch_index, batch in enumerate(iterator, start=skip):
            stepped = self._train_step(batch, batch_index, sums, start, bar)
            more = batch_index + 1 < total
            if stepped and self.checkpoint_every and self.iteration % self.checkpoint_every == 0 and more:
                self.save_checkpoint(epoch_start_rng, batch_index + 1, sums)
            if self._interrupt is not None and more:
                bar.close()
                self._interrupted(epoch_start_rng, batch_index + 1, sums)
        bar.close()
        seconds = time.perf_counter() - start
        seen = max(sums["seen"], 1.0)
        result = {"loss": sums["loss"] / seen, "seconds": seconds, "samples_per_s": sums["seen"] / max(seconds, 1e-9)}
        if self.task == "classification":
            result["accuracy"] = sums["correct"] / seen
        return result

    def _train_step(self, batch: Any, batch_index: int, sums: dict[str, float], start: float, bar: Any) -> bool:
        """One optimizer step (True), or a skipped one (False) that leaves the model as it was."""
        inputs, targets = self._to_device(batch)
        snapshot = self._buffer_snapshot()
        self.optimizer.zero_grad()
        output = self.model(inputs)
        loss = self.loss_fn(output, targets)
        loss_value = float(loss.item())
        if not math.isfinite(loss_value):
            self._restore_buffers(snapshot)
            self._nonfinite("loss", batch_index)
            return False
        loss.backward()
        for cb in self.callbacks:
            cb.on_after_backward(self)
        if not self._grads_finite():
            self._restore_buffers(snapshot)
            self._nonfinite("gradient", batch_index)
            return False
        self.optimizer.step()
        n = _batch_size(batch)
        sums["loss"] += loss_value * n
        sums["seen"] += n
        if self.task == "classification":
            sums["correct"] += _metrics.accuracy(output.detach(), targets) * n
        self.iteration += 1
        logs = {"loss": loss_value}
        for cb in self.callbacks:
            cb.on_batch_end(self, logs)
        elapsed = time.perf_counter() - start
        bar.set_postfix(
            loss=f"{sums['loss'] / sums['seen']:.4f}",
            acc=f"{sums['correct'] / sums['seen']:.3f}" if self.task == "classification" else "-",
            samples_per_s=f"{sums['seen'] / max(elapsed, 1e-9):.0f}",
        )
        bar.update(1)
        return True

    def evaluate(self, loader: Iterable[Any]) -> dict[str, Any]:
        """Loss and metrics over ``loader`` in eval mode without gradients (plus the confusion matrix)."""
        self.model.eval()
        total_loss, seen = 0.0, 0
        outputs, targets_all = [], []
        with no_grad(), np.errstate(all="ignore"):
            for batch in loader:
                inputs, targets = self._to_device(batch)
                output = self.model(inputs)
                n = _batch_size(batch)
                total_loss += float(self.loss_fn(output, targets).item()) * n
                seen += n
                outputs.append(np.asarray(to_device(output._array, CPU)))
                targets_all.append(np.asarray(to_device(targets._array, CPU)))
        if not seen:
            raise ValueError("Trainer.evaluate: the loader yielded no batches")
        out, tgt = np.concatenate(outputs), np.concatenate(targets_all)
        result: dict[str, Any] = {"loss": total_loss / seen}
        if self.task == "classification":
            result["accuracy"] = _metrics.accuracy(out, tgt)
            result["confusion_matrix"] = _metrics.confusion_matrix(out, tgt, out.shape[1] if out.ndim == 2 else None)
        else:
            result["mse"], result["mae"] = _metrics.mse(out, tgt), _metrics.mae(out, tgt)
        return result

    def fit(self, resume: bool = False) -> list[dict[str, float]]:
        """Train for the configured epochs (continuing from ``out_dir/last.ckpt`` when ``resume``).

        With ``resume=True`` and no ``last.ckpt`` yet, training starts from the beginning (and says
        so), so that a job restarted after a kill can always pass it.
        """
        if resume:
            if self.out_dir is None:
                raise ValueError("Trainer.fit: resume=True needs out_dir, where last.ckpt is kept")
            checkpoint = self.out_dir / "last.ckpt"
            if remove_stale_temporaries(checkpoint):
                self.log(f"removed the temporary files of an interrupted checkpoint write in {self.out_dir}")
            if checkpoint.exists():
                self.load_checkpoint(checkpoint)
                if self.epoch >= self.epochs:
                    self.log(f"{checkpoint} already holds all {self.epochs} epochs; nothing left to train")
                else:
                    self.log(f"resuming from {checkpoint} at epoch {self.epoch + 1}, iteration {self.iteration}")
            else:
                self.log(f"no checkpoint at {checkpoint} yet: starting from the beginning")
        n_samples = len(getattr(self.train_loader, "dataset", []) or [])
        # A loader built on a batch sampler (a distributed run's) has no batch_size of its own.
        batch_size = getattr(self.train_loader, "batch_size", None) or getattr(
            getattr(self.train_loader, "batch_sampler", None), "batch_size", None
        )
        iterations = len(self.train_loader)  # type: ignore[arg-type]
        self.log(
            f"{count(n_samples, 'sample')} / batch {batch_size} = {count(iterations, 'iteration')} per epoch, "
            f"{count(self.epochs, 'epoch')}"
        )
        with self._stop_on_signals(), np.errstate(all="ignore"):
            for cb in self.callbacks:
                cb.on_fit_start(self)
            self.stop_reason = None
            while self.epoch < self.epochs and self.stop_reason is None:
                self._fit_epoch()
                if self._interrupt is not None:
                    checkpoint = self.out_dir / "last.ckpt" if self.out_dir is not None else None
                    raise TrainingInterrupted(self._interrupt, self.epoch, self.iteration, checkpoint, 0)
            if self.stop_reason:
                self.log(self.stop_reason)
            for cb in self.callbacks:
                cb.on_fit_end(self)
        return self.history

    def _fit_epoch(self) -> None:
        for cb in self.callbacks:
            cb.on_epoch_start(self, self.epoch)
        train = self.train_epoch()
        logs: dict[str, float] = {"epoch": self.epoch + 1, "iteration": self.iteration}
        logs.update({f"train_{k}" if k not in ("seconds", "samples_per_s") else k: v for k, v in train.items()})
        if self.val_loader is not None:
            val = self.evaluate(self.val_loader)
            logs.update({f"val_{k}": v for k, v in val.items() if k != "confusion_matrix"})
        logs["lr"] = float(self.optimizer.param_groups[0]["lr"])
        self.epoch += 1
        for cb in self.callbacks:
            cb.on_epoch_end(self, logs)
        self.history.append(logs)
        self.log(self._epoch_line(logs))
        self.save_checkpoint(self._rng_state(), 0)
        self.write_history()

    def _epoch_line(self, logs: dict[str, float]) -> str:
        parts = [f"epoch {int(logs['epoch'])}/{self.epochs}", f"train loss {logs['train_loss']:.4f}"]
        if "train_accuracy" in logs:
            parts.append(f"acc {logs['train_accuracy']:.4f}")
        if "val_loss" in logs:
            parts.append(f"| val loss {logs['val_loss']:.4f}")
        for key in ("val_accuracy", "val_mse", "val_mae"):
            if key in logs:
                parts.append(f"{key.removeprefix('val_')} {logs[key]:.4f}")
        parts.append(f"| {logs['seconds']:.1f} s, {logs['samples_per_s']:.0f} samples/s")
        return "  ".join(parts)

    # ------------------------------------------------------------------ outputs
    def write_history(self) -> None:
        """Write the per-epoch history to ``history.csv`` and ``history.json`` in ``out_dir``."""
        if self.out_dir is None or not self.history:
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        keys = sorted({k for row in self.history for k in row})
        with atomic_open(self.out_dir / "history.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=keys)
            writer.writeheader()
            writer.writerows(self.history)
        atomic_write_json(self.out_dir / "history.json", self.history)
