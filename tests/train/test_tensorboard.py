"""The TensorBoard callback and ``shendu train --tensorboard``, read back with TensorBoard's EventAccumulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from shendu.train import TensorBoard
from tests.train.test_trainer import make_trainer

ROOT = Path(__file__).resolve().parents[2]


def read(folder: Path) -> EventAccumulator:
    accumulator = EventAccumulator(str(folder), size_guidance={"histograms": 0, "scalars": 0})
    accumulator.Reload()
    return accumulator


def series(accumulator: EventAccumulator, tag: str) -> list[tuple[int, float]]:
    return [(e.step, e.value) for e in accumulator.Scalars(tag)]


def test_callback_logs_each_epoch(tmp_path: Path) -> None:
    trainer = make_trainer(epochs=3, callbacks=[TensorBoard(tmp_path / "tb", histogram_freq=2)])
    history = trainer.fit()
    train, val = read(tmp_path / "tb" / "train"), read(tmp_path / "tb" / "validation")
    float32 = [(row["epoch"], pytest.approx(row["train_loss"], rel=1e-6)) for row in history]
    assert series(train, "loss") == float32
    assert series(train, "accuracy") == [(row["epoch"], pytest.approx(row["train_accuracy"])) for row in history]
    assert series(val, "loss") == [(row["epoch"], pytest.approx(row["val_loss"], rel=1e-6)) for row in history]
    assert series(val, "accuracy") == [(row["epoch"], pytest.approx(row["val_accuracy"])) for row in history]
    assert series(train, "learning_rate") == [(1, pytest.approx(0.1)), (2, pytest.approx(0.1)), (3, pytest.approx(0.1))]
    assert sorted(train.Tags()["histograms"]) == ["0/bias", "0/weight", "3/bias", "3/weight"]
    weights = train.Histograms("0/weight")
    assert [h.step for h in weights] == [2] and weights[0].histogram_value.num == 2 * 32
    assert repr(TensorBoard("tb")) == "TensorBoard(log_dir='tb', histogram_freq=1)"
    with pytest.raises(ValueError, match="TensorBoard: histogram_freq must be an int >= 0, got -1"):
        TensorBoard("tb", histogram_freq=-1)


def test_cli_tensorboard_flag(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "shendu", "train", "--dataset", "digits", "--model", "mlp", "--epochs", "2",
         "--tensorboard", "--out", "runs", "--quiet"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    logs = tmp_path / "runs" / "mlp-digits" / "tensorboard"
    assert (
        f"TensorBoard logs in {Path('runs') / 'mlp-digits' / 'tensorboard'}/; view them with: tensorboard --logdir runs"
        in done.stdout
    )
    train, val = read(logs / "train"), read(logs / "validation")
    assert [step for step, _ in series(val, "accuracy")] == [1, 2] and series(val, "accuracy")[-1][1] > 0.5
    assert {"loss", "accuracy", "learning_rate", "samples_per_second"} <= set(train.Tags()["scalars"])
    assert "1/weight" in train.Tags()["histograms"]
