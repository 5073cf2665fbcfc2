"""A checkpoint is checked whole before a trainer resumes from it; a refused one changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import shendu
from shendu.io import CheckpointError
from tests.train.test_trainer import make_trainer


def weights(trainer: Any) -> dict[str, np.ndarray]:
    return {k: v.numpy().copy() for k, v in trainer.model.state_dict().items()}


@pytest.fixture
def checkpoint(tmp_path: Path) -> dict[str, Any]:
    make_trainer(tmp_path / "run", epochs=1).fit()
    return shendu.load(tmp_path / "run" / "last.ckpt")


def refused(tmp_path: Path, state: Any, match: str) -> None:
    path = tmp_path / "broken.ckpt"
    shendu.save(state, path)
    trainer = make_trainer(tmp_path / "other", epochs=2)
    before = weights(trainer)
    with pytest.raises(CheckpointError, match=match):
        trainer.load_checkpoint(path)
    for key, value in weights(trainer).items():
        np.testing.assert_array_equal(value, before[key], err_msg=key)
    assert trainer.epoch == 0 and trainer.iteration == 0 and trainer.history == []


def test_a_weights_only_file_is_refused_with_the_reason(tmp_path: Path, checkpoint: dict[str, Any]) -> None:
    best = {"model": checkpoint["model"], "epoch": 1, "val_accuracy": 0.9, "config": {}}
    refused(tmp_path, best, r"cannot resume from '.*broken\.ckpt': it lacks optimizer, .* \(it holds weights only")


def test_a_top_level_that_is_not_a_dict_is_refused(tmp_path: Path) -> None:
    refused(tmp_path, [1, 2], r"cannot resume from '.*broken\.ckpt': it holds a list, not the dict")


def test_corrupt_optimizer_state_is_refused_and_the_model_rolled_back(
    tmp_path: Path, checkpoint: dict[str, Any]
) -> None:
    checkpoint["optimizer"]["state"][0]["momentum_buffer"] = shendu.zeros(7)
    refused(tmp_path, checkpoint, r"'.*broken\.ckpt' does not fit this run: SGD\.load_state_dict: .*shape \(7,\)")


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("epoch", -1, r"epoch must be a non-negative int, got -1"),
        ("iteration", "16", r"iteration must be a non-negative int, got '16'"),
        ("history", {"a": 1}, r"its history must be a list of per-epoch dicts"),
        ("callbacks", [{}, {}], r"it holds 2 callback states, this trainer has 0"),
        ("rng", {"global": shendu.zeros(3, dtype=shendu.uint8)}, r"rng\['global'\] is not a random-generator state"),
        ("partial", {"loss": "x"}, r"its partial-epoch sums are malformed"),
    ],
)
def test_malformed_entries_are_refused(
    tmp_path: Path, checkpoint: dict[str, Any], key: str, value: Any, match: str
) -> None:
    checkpoint[key] = value
    refused(tmp_path, checkpoint, match)
