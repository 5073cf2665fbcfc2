"""Training plots are written like every output: atomically, and never through a symlink."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from shendu.io import UnsafePathError, WriteError
from shendu.train.plots import plot_confusion_matrix, plot_history

HISTORY = [{"epoch": 1, "train_loss": 1.0, "val_loss": 1.1}, {"epoch": 2, "train_loss": 0.5, "val_loss": 0.7}]


def test_a_symlinked_plot_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    (tmp_path / "loss.png").symlink_to(victim)
    with pytest.raises(UnsafePathError, match=r"refusing to write '.*loss\.png': it is a symbolic link"):
        plot_history(HISTORY, tmp_path)
    assert victim.read_bytes() == b"precious"


def test_a_failed_save_keeps_the_previous_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib.figure

    path = tmp_path / "confusion_matrix.png"
    plot_confusion_matrix(np.eye(2, dtype=np.int64), ["a", "b"], path)
    before = path.read_bytes()

    def full_disk(self: object, fname: object, **kwargs: object) -> None:
        fname.write(b"\x89PNG half an image")  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", full_disk)
    with pytest.raises(WriteError, match=r"cannot write '.*confusion_matrix\.png': No space left on device"):
        plot_confusion_matrix(np.eye(3, dtype=np.int64), ["a", "b", "c"], path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["confusion_matrix.png"]
