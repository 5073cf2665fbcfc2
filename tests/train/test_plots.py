"""Training plots: wide, titled and legible, and written like every output: atomically, never through a symlink."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest
from PIL import Image

from shendu.io import UnsafePathError, WriteError
from shendu.train.plots import plot_confusion_matrix, plot_history

matplotlib.use("Agg")
import matplotlib.pyplot as plt

HISTORY = [
    {
        "epoch": e,
        "train_loss": 1 / e,
        "val_loss": 1.2 / e,
        "train_accuracy": 0.5 + e / 10,
        "val_accuracy": 0.45 + e / 10,
    }
    for e in (1, 2, 3)
]
SHORT_HISTORY = [{"epoch": 1, "train_loss": 1.0, "val_loss": 1.1}, {"epoch": 2, "train_loss": 0.5, "val_loss": 0.7}]


def test_history_plots_are_wide_titled_with_whole_epochs_and_the_test_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    figures: list[Any] = []
    close = plt.close
    monkeypatch.setattr(plt, "close", lambda fig: (figures.append(fig), close(fig)))
    written = plot_history(HISTORY, tmp_path, test={"loss": 0.4, "accuracy": 0.77}, title="cnn on digits")
    assert [p.name for p in written] == ["loss.png", "accuracy.png"]
    assert all(Image.open(p).size[0] >= 1000 for p in written)
    loss, accuracy = (fig.axes[0] for fig in figures)
    assert accuracy.get_title() == "Accuracy per epoch: cnn on digits"
    ticks = [t for t in accuracy.get_xticks() if 1 <= t <= 3]
    assert ticks == [1, 2, 3]
    assert [t.get_text() for t in accuracy.get_legend().get_texts()] == ["training", "validation", "test: 0.7700"]
    assert loss.get_legend().get_texts()[-1].get_text() == "test: 0.4000"


def test_confusion_matrix_is_wide_and_titled(tmp_path: Path) -> None:
    path = plot_confusion_matrix(np.eye(3, dtype=int) * 5, ["a", "b", "c"], tmp_path / "cm.png", title="test set")
    assert Image.open(path).size[0] >= 1000


def test_one_epoch_has_one_whole_tick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    figures: list[Any] = []
    close = plt.close
    monkeypatch.setattr(plt, "close", lambda fig: (figures.append(fig), close(fig)))
    plot_history(HISTORY[:1], tmp_path)
    assert [list(fig.axes[0].get_xticks()) for fig in figures] == [[1], [1]]


def test_class_names_the_font_lacks_draw_without_warnings(tmp_path: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plot_confusion_matrix(np.eye(2, dtype=int), ["猫", "狗"], tmp_path / "cm.png", title="猫 or 狗")
    assert [str(w.message) for w in caught] == []
    assert (tmp_path / "cm.png").exists()


def test_a_symlinked_plot_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    (tmp_path / "loss.png").symlink_to(victim)
    with pytest.raises(UnsafePathError, match=r"refusing to write '.*loss\.png': it is a symbolic link"):
        plot_history(SHORT_HISTORY, tmp_path)
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
