"""SummaryWriter against PyTorch's: the same calls, both files read back with TensorBoard's own EventAccumulator."""

from __future__ import annotations

import io
import time
import types
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest
import torch.utils.tensorboard as torch_tb
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.summary.writer import event_file_writer

import shendu
from shendu.utils.tensorboard import SummaryWriter

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def read(folder: Path) -> EventAccumulator:
    accumulator = EventAccumulator(str(folder), size_guidance={"images": 0, "histograms": 0, "scalars": 0})
    accumulator.Reload()
    return accumulator


def pixels(encoded: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(encoded)).convert("RGBA"))


def log_everything(writer: Any, make: Any) -> None:
    """The same calls, with tensors made by ``make`` (torch.tensor or shendu.tensor)."""
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(64, 32)).astype(np.float32)
    image = rng.random((3, 9, 7)).astype(np.float32)
    batch = rng.random((10, 1, 5, 4)).astype(np.float32)
    for step in range(3):
        writer.add_scalar("loss/train", make(np.float32(1.0 / (step + 1))), step)
        writer.add_scalar("lr", 0.1 * step, step)
        writer.add_histogram("weights", make(weights * (step + 1)), step)
    writer.add_histogram("counted", make(np.arange(100.0)), 0, bins=10)
    writer.add_histogram("auto", rng.normal(size=500), 0, bins="auto")
    writer.add_histogram("merged", weights, 0, max_bins=30)
    writer.add_image("chw", make(image), 1)
    writer.add_image("hwc_uint8", (image.transpose(1, 2, 0) * 255).astype(np.uint8), 1, dataformats="HWC")
    writer.add_image("hw", image[0], 1, dataformats="HW")
    writer.add_images("grid", make(batch), 2)
    writer.add_text("notes", "**bold** and a tab\tthere", 4)
    writer.add_scalars("acc", {"train": 0.5, "val": make(np.float32(0.25))}, 7)
    figure, axes = plt.subplots(figsize=(2, 1.5), dpi=50)
    axes.plot([0, 1], [1, 0])
    writer.add_figure("figure", figure, 3)
    writer.flush()
    writer.close()


def test_files_match_pytorch_writer(tmp_path: Path) -> None:
    log_everything(SummaryWriter(tmp_path / "shendu"), lambda a: shendu.tensor(a))
    import torch

    log_everything(torch_tb.SummaryWriter(str(tmp_path / "torch")), lambda a: torch.tensor(a))
    ours, theirs = read(tmp_path / "shendu"), read(tmp_path / "torch")
    assert ours.Tags()["scalars"] == theirs.Tags()["scalars"] == ["loss/train", "lr"]
    for tag in ("loss/train", "lr"):
        assert [(e.step, e.value) for e in ours.Scalars(tag)] == [(e.step, e.value) for e in theirs.Scalars(tag)]
    assert sorted(ours.Tags()["histograms"]) == sorted(theirs.Tags()["histograms"])
    # PyTorch merges max_bins by a rounded-down factor and can leave more buckets than max_bins; shendu never does.
    merged = ours.Histograms("merged")[0].histogram_value
    assert len(merged.bucket) <= 30 + 1 and sum(merged.bucket) == 64 * 32
    for tag in set(ours.Tags()["histograms"]) - {"merged"}:
        for mine, torchs in zip(ours.Histograms(tag), theirs.Histograms(tag), strict=True):
            a, b = mine.histogram_value, torchs.histogram_value
            assert mine.step == torchs.step and (a.min, a.max, a.num) == (b.min, b.max, b.num), tag
            np.testing.assert_allclose([a.sum, a.sum_squares], [b.sum, b.sum_squares], rtol=1e-6)
            np.testing.assert_allclose(a.bucket_limit, b.bucket_limit, rtol=1e-12, err_msg=tag)
            assert list(a.bucket) == list(b.bucket), tag
    assert sorted(ours.Tags()["images"]) == sorted(theirs.Tags()["images"])
    for tag in ours.Tags()["images"]:
        mine, torchs = ours.Images(tag)[0], theirs.Images(tag)[0]
        assert (mine.step, mine.width, mine.height) == (torchs.step, torchs.width, torchs.height), tag
        if tag != "figure":
            a, b = pixels(mine.encoded_image_string), pixels(torchs.encoded_image_string)
            np.testing.assert_array_equal(a[..., :3], b[..., :3], err_msg=tag)
    text = ours.Tensors("notes/text_summary")[0]
    assert text.step == 4 and text.tensor_proto.string_val == [b"**bold** and a tab\tthere"]
    assert theirs.Tensors("notes/text_summary")[0].tensor_proto == text.tensor_proto
    for key, value in (("train", 0.5), ("val", 0.25)):
        assert [(e.step, e.value) for e in read(tmp_path / "shendu" / f"acc_{key}").Scalars("acc")] == [(7, value)]
        assert read(tmp_path / "torch" / f"acc_{key}").Scalars("acc")[0].value == value


def test_context_manager_flushes_and_reopens(tmp_path: Path) -> None:
    with SummaryWriter(tmp_path, filename_suffix=".a") as writer:
        writer.add_scalar("x", 1.0, 0)
        assert writer.get_logdir() == str(tmp_path) and repr(writer) == f"SummaryWriter(log_dir={str(tmp_path)!r})"
    assert [e.value for e in read(tmp_path).Scalars("x")] == [1.0]
    writer.add_scalar("x", 2.0, 1)  # after close, a new event file is opened, as in PyTorch
    writer.close()
    assert [e.value for e in read(tmp_path).Scalars("x")] == [1.0, 2.0]
    assert len(list(tmp_path.glob("events.out.tfevents.*.a"))) == 2


def test_new_style_scalars_and_purge_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with SummaryWriter(tmp_path / "run") as writer:
        for step in range(5):
            writer.add_scalar("loss", float(step), step, new_style=True, double_precision=step == 4)
    values = read(tmp_path / "run").Tensors("loss")
    assert [e.step for e in values] == list(range(5)) and values[4].tensor_proto.double_val == [4.0]
    # A run that stopped after step 4 and resumes at step 3: the stale steps 3 and 4 are hidden.
    with SummaryWriter(tmp_path / "again") as writer:
        for step in range(5):
            writer.add_scalar("loss", float(step), step)
    # Event files are read in name order, and names start with the creation second: the resumed run's comes later.
    later = time.time() + 10
    monkeypatch.setattr(event_file_writer, "time", types.SimpleNamespace(time=lambda: later))
    with SummaryWriter(tmp_path / "again", purge_step=3) as writer:
        writer.add_scalar("loss", 30.0, 3)
    assert [(e.step, e.value) for e in read(tmp_path / "again").Scalars("loss")] == [(0, 0), (1, 1), (2, 2), (3, 30)]


def test_default_log_dir_has_date_host_and_comment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="-lr0.1")
    writer.close()
    folder = Path(writer.log_dir)
    assert folder.parent.name == "runs" and folder.name.endswith("-lr0.1") and folder.is_dir()


def test_a_device_tensor_and_bad_values_are_clear_errors(tmp_path: Path) -> None:
    writer = SummaryWriter(tmp_path)
    with pytest.raises(
        ValueError, match=r"add_scalar: the value for 'x' must be a number or a one-element tensor, got"
    ):
        writer.add_scalar("x", shendu.ones(3))
    with pytest.raises(TypeError, match="add_scalar: tag must be a non-empty str, got 3"):
        writer.add_scalar(3, 1.0)
    with pytest.raises(TypeError, match=r"add_scalar: global_step must be an int, got 1\.5"):
        writer.add_scalar("x", 1.0, 1.5)
    with pytest.raises(TypeError, match="add_scalar: global_step must be an int, got 'a'"):
        writer.add_scalar("x", 1.0, "a")
    with pytest.raises(ValueError, match="add_histogram: the values for 'w' contain NaN or infinity"):
        writer.add_histogram("w", shendu.tensor([1.0, float("nan")]))
    with pytest.raises(ValueError, match="add_histogram: the values for 'w' are empty"):
        writer.add_histogram("w", shendu.zeros(0))
    with pytest.raises(TypeError, match="add_histogram: the values for 'w' must be real numbers, got dtype <U1"):
        writer.add_histogram("w", np.array(["a"]))
    with pytest.raises(ValueError, match=r"add_image: dataformats 'CHW' does not describe an array of shape \(4, 4\)"):
        writer.add_image("i", np.zeros((4, 4)))
    with pytest.raises(ValueError, match="add_image: images need 1, 3 or 4 channels, got 2"):
        writer.add_image("i", np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="add_image: dataformats 'CCW' does not describe"):
        writer.add_image("i", np.zeros((2, 4, 4)), dataformats="CCW")
    with pytest.raises(TypeError, match="add_figure: expected a matplotlib figure or a list of them, got str"):
        writer.add_figure("f", "figure")
    with pytest.raises(TypeError, match="add_text: text_string must be a str, got int"):
        writer.add_text("t", 3)
    with pytest.raises(TypeError, match="add_scalars: tag_scalar_dict must map names to numbers, got list"):
        writer.add_scalars("s", [1.0])
    with pytest.raises(ValueError, match="SummaryWriter: max_queue must be a positive int, got 0"):
        SummaryWriter(tmp_path, max_queue=0)
    with pytest.raises(ValueError, match=r"add_scalar: global_step must fit in 64 bits .* got 1180591620717411303424"):
        writer.add_scalar("x", 1.0, 2**70)
    with pytest.raises(ValueError, match=r"add_images: there is no image to log: the images have shape \(0, 4, 4, 3\)"):
        writer.add_images("i", np.zeros((0, 3, 4, 4)))
    with pytest.raises(ValueError, match=r"add_image: there is no image to log: the images have shape \(1, 0, 4, 1\)"):
        writer.add_image("i", np.zeros((0, 4)), dataformats="HW")
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(
        OSError, match=r"SummaryWriter: cannot write event files to '.*file': File exists; it is a file"
    ):
        SummaryWriter(tmp_path / "file")
    assert (tmp_path / "file").read_text() == "not a folder"
    writer.close()


def test_a_writer_left_open_is_flushed_when_the_program_ends(tmp_path: Path) -> None:
    import subprocess
    import sys

    program = (
        "from shendu.utils.tensorboard import SummaryWriter\n"
        f"writer = SummaryWriter({str(tmp_path / 'run')!r})\n"
        "for step in range(5):\n"
        "    writer.add_scalar('loss', 1.0 / (step + 1), step)\n"
        "writer.add_scalars('acc', {'train': 0.5}, 0)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", program], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    values = [event.value for event in read(tmp_path / "run").Scalars("loss")]
    np.testing.assert_allclose(values, [1.0, 1 / 2, 1 / 3, 1 / 4, 1 / 5], rtol=1e-6)
    assert read(tmp_path / "run" / "acc_train").Tags()["scalars"] == ["acc"]
