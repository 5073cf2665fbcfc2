from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest

import shendu
from shendu import nn, optim
from shendu.train import (
    Callback,
    EarlyStopping,
    GradientClipping,
    LRSchedulerStep,
    ModelCheckpoint,
    NonFiniteError,
    Trainer,
    TrainingInterrupted,
)
from shendu.utils.data import DataLoader, TensorDataset


def blobs(n: int = 512, seed: int = 0) -> TensorDataset:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centers = np.array([[2.0, 0.0], [-2.0, 1.0], [0.0, -2.5]], dtype=np.float32)
    points = centers[labels] + rng.standard_normal((n, 2)).astype(np.float32) * 0.6
    return TensorDataset(shendu.from_numpy(points), shendu.from_numpy(labels.astype(np.int64)))


def make_trainer(out_dir: Path | None = None, epochs: int = 4, **kwargs: object) -> Trainer:
    shendu.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 3))
    loader = DataLoader(blobs(), batch_size=32, shuffle=True, generator=shendu.Generator().manual_seed(1))
    val = DataLoader(blobs(128, seed=1), batch_size=64)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return Trainer(
        model, optimizer, nn.CrossEntropyLoss(), loader, val, epochs=epochs, out_dir=out_dir, verbose=0, **kwargs
    )


def test_loss_falls_and_outputs_are_written(tmp_path: Path) -> None:
    trainer = make_trainer(tmp_path, callbacks=[ModelCheckpoint(tmp_path, monitor="val_accuracy")])
    history = trainer.fit()
    assert len(history) == 4 and trainer.iteration == 4 * 16
    assert history[-1]["train_loss"] < history[0]["train_loss"] * 0.6
    assert history[-1]["val_accuracy"] > 0.9
    for name in ("last.ckpt", "best.safetensors", "history.csv", "history.json"):
        assert (tmp_path / name).exists(), name
    assert json.loads((tmp_path / "history.json").read_text())[-1]["epoch"] == 4
    from shendu.train.plots import plot_confusion_matrix, plot_history

    written = plot_history(history, tmp_path)
    assert [p.name for p in written] == ["loss.png", "accuracy.png"]
    matrix = trainer.evaluate(trainer.val_loader)["confusion_matrix"]
    assert matrix.sum() == 128
    assert plot_confusion_matrix(matrix, ["a", "b", "c"], tmp_path / "cm.png").stat().st_size > 1000


def test_logs_the_iteration_arithmetic(capsys: pytest.CaptureFixture[str]) -> None:
    trainer = make_trainer(epochs=1)
    trainer.verbose = 1
    trainer.fit()
    out = capsys.readouterr().out
    assert "512 samples / batch 32 = 16 iterations per epoch" in out
    assert "epoch 1/1" in out


def test_resume_continues_bit_identically(tmp_path: Path) -> None:
    full = make_trainer(tmp_path / "full", epochs=4)
    full.fit()
    first = make_trainer(tmp_path / "split", epochs=2)
    first.fit()
    second = make_trainer(tmp_path / "split", epochs=4)
    second.fit(resume=True)
    for (name, a), (_, b) in zip(full.model.state_dict().items(), second.model.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    assert second.iteration == full.iteration


class Crash(Callback):
    """Raises at a given iteration, standing in for a killed process."""

    def __init__(self, at: int | None) -> None:
        self.at = at

    def on_batch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if trainer.iteration == self.at:
            raise KeyboardInterrupt


def test_mid_epoch_resume_replays_the_epoch_order(tmp_path: Path) -> None:
    full = make_trainer(tmp_path / "full", epochs=2)
    full.fit()
    crashed = make_trainer(tmp_path / "part", epochs=2, checkpoint_every=5, callbacks=[Crash(at=23)])
    with pytest.raises(KeyboardInterrupt):
        crashed.fit()
    resumed = make_trainer(tmp_path / "part", epochs=2, checkpoint_every=5, callbacks=[Crash(at=None)])
    resumed.fit(resume=True)
    for (name, a), (_, b) in zip(full.model.state_dict().items(), resumed.model.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def test_nonfinite_loss_stops_with_epoch_and_iteration(tmp_path: Path) -> None:
    trainer = make_trainer(tmp_path, epochs=2)
    trainer.loss_fn = lambda out, y: out.sum() * float("nan")
    with pytest.raises(
        NonFiniteError, match=r"non-finite loss at epoch 1, iteration 1 .*; no checkpoint was written before it$"
    ):
        trainer.fit()
    assert not (tmp_path / "last.ckpt").exists()


def test_the_nonfinite_stop_names_the_checkpoint_that_was_written(tmp_path: Path) -> None:
    trainer = make_trainer(tmp_path, epochs=3)
    trainer.loss_fn = lambda out, y: out.sum() * (float("nan") if trainer.epoch == 1 else 1.0)
    with pytest.raises(NonFiniteError, match=r"epoch 2, iteration 17 .*last\.ckpt, holds epoch 1, iteration 16$"):
        trainer.fit()
    assert shendu.load(tmp_path / "last.ckpt")["iteration"] == 16


def batch_norm_trainer(batches: list, nonfinite: str = "skip") -> Trainer:
    shendu.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    return Trainer(
        model, optim.Adam(model.parameters()), nn.CrossEntropyLoss(), batches, nonfinite=nonfinite, verbose=0
    )


def test_a_skipped_step_leaves_every_buffer_as_it_was() -> None:
    data = blobs(96)
    x, y = data.tensors
    good = [(x[i : i + 32], y[i : i + 32]) for i in (0, 64)]
    poisoned = x[32:64].clone()
    poisoned[3, 1] = float("nan")
    skipping = batch_norm_trainer([good[0], (poisoned, y[32:64]), good[1]])
    skipping.fit()
    clean = batch_norm_trainer(good)
    clean.fit()
    assert skipping.skipped_steps == 1
    for (name, a), (_, b) in zip(skipping.model.state_dict().items(), clean.model.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    skipping.model.eval()
    assert np.isfinite(skipping.model(x).detach().numpy()).all()


def test_a_stop_on_a_nonfinite_loss_leaves_the_buffers_finite() -> None:
    x, y = blobs(64).tensors
    poisoned = x[:32].clone()
    poisoned[0, 0] = float("inf")
    trainer = batch_norm_trainer([(x[32:], y[32:]), (poisoned, y[:32])], nonfinite="stop")
    with pytest.raises(NonFiniteError):
        trainer.fit()
    assert all(np.isfinite(b.numpy()).all() for b in trainer.model.buffers())


def test_nonfinite_gradient_can_be_skipped() -> None:
    trainer = make_trainer(epochs=1, nonfinite="skip")
    calls = {"n": 0}

    def loss(out: shendu.Tensor, y: shendu.Tensor) -> shendu.Tensor:
        calls["n"] += 1
        base = nn.functional.cross_entropy(out, y)
        # sqrt at 0 has an infinite slope: the loss stays finite while the gradient becomes NaN.
        return base + shendu.sqrt(out.sum() * 0.0) if calls["n"] == 3 else base

    trainer.loss_fn = loss
    trainer.fit()
    assert trainer.skipped_steps == 1 and trainer.iteration == 15


def test_early_stopping_restores_the_best_weights() -> None:
    stopper = EarlyStopping(monitor="val_loss", patience=1)
    trainer = make_trainer(epochs=30, callbacks=[stopper])
    trainer.optimizer.param_groups[0]["lr"] = 2.0
    trainer.fit()
    assert stopper.stopped_epoch is not None and trainer.epoch < 30
    assert trainer.stop_reason.startswith("early stopping")


def test_scheduler_and_clipping_callbacks() -> None:
    trainer = make_trainer(epochs=2)
    sched = LRSchedulerStep(optim.lr_scheduler.StepLR(trainer.optimizer, step_size=1, gamma=0.5))
    clip = GradientClipping(0.01)
    trainer.callbacks += [sched, clip]
    history = trainer.fit()
    assert [row["lr"] for row in history] == [0.1, 0.05]  # the rate each epoch trained with
    assert np.isfinite(clip.last_norm)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"task": "ranking"}, "task must be 'classification' or 'regression'"),
        ({"nonfinite": "ignore"}, "nonfinite must be 'stop' or 'skip'"),
        ({"epochs": 0}, "epochs must be a positive int"),
        ({"checkpoint_every": 0}, "checkpoint_every must be a positive int or None, got 0"),
    ],
)
def test_constructor_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_trainer(**kwargs)


class Signal(Callback):
    """Sends the process a signal at a given iteration, as `kill` or Ctrl-C would."""

    def __init__(self, at: int | None, signum: int = signal.SIGTERM) -> None:
        self.at, self.signum = at, signum

    def on_batch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if trainer.iteration == self.at:
            os.kill(os.getpid(), self.signum)


def test_sigterm_saves_at_the_next_step_and_the_run_resumes_bit_identically(tmp_path: Path) -> None:
    full = make_trainer(tmp_path / "full", epochs=2, callbacks=[Signal(None)])
    full.fit()
    handler = signal.getsignal(signal.SIGTERM)
    stopped = make_trainer(tmp_path / "part", epochs=2, checkpoint_every=5, callbacks=[Signal(23)])
    with pytest.raises(
        TrainingInterrupted, match=r"^stopped by SIGTERM in epoch 2, after iteration 23: .*last\.ckpt"
    ) as info:
        stopped.fit()
    assert info.value.checkpoint == tmp_path / "part" / "last.ckpt" and info.value.lost_iterations == 0
    assert isinstance(info.value, KeyboardInterrupt) and signal.getsignal(signal.SIGTERM) is handler
    assert shendu.load(tmp_path / "part" / "last.ckpt")["iteration"] == 23
    resumed = make_trainer(tmp_path / "part", epochs=2, checkpoint_every=5, callbacks=[Signal(None)])
    resumed.fit(resume=True)
    for (name, a), (_, b) in zip(full.model.state_dict().items(), resumed.model.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def test_ctrl_c_without_checkpoint_every_says_what_is_lost(tmp_path: Path) -> None:
    trainer = make_trainer(tmp_path, epochs=3, callbacks=[Signal(21, signal.SIGINT)])
    with pytest.raises(TrainingInterrupted, match=r"holds the state to resume from; the last 5 iterations of epoch 2"):
        trainer.fit()
    assert shendu.load(tmp_path / "last.ckpt")["iteration"] == 16
    early = make_trainer(tmp_path / "early", epochs=3, callbacks=[Signal(3, signal.SIGINT)])
    with pytest.raises(TrainingInterrupted, match=r"after iteration 3: nothing was saved; the last 3 iterations"):
        early.fit()
