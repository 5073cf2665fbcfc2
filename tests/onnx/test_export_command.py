"""``shendu export CHECKPOINT model.onnx [--batch dynamic]``, run as a user runs it: in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import shendu
from shendu.models import FashionCNN, RowLSTM
from tests.onnx.helpers import session

ROOT = Path(__file__).resolve().parents[2]


def shendu_command(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "shendu", *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shendu.manual_seed(0)
    model = FashionCNN()
    path = tmp_path_factory.mktemp("run") / "best.safetensors"
    classes = [f"class {i}" for i in range(10)]
    shendu.save(
        {"model": model.state_dict(), "config": {"model": "cnn", "dataset": "fashion-mnist", "classes": classes}}, path
    )
    return path


def test_export_with_a_dynamic_batch_runs_in_onnxruntime_as_in_shendu(checkpoint: Path, tmp_path: Path) -> None:
    target = tmp_path / "model.onnx"
    done = shendu_command("export", str(checkpoint), str(target), "--batch", "dynamic")
    assert done.returncode == 0, done.stderr
    assert (
        "wrote" in done.stdout and "input images (batch, 1, 28, 28) float32, output logits (batch, 10)" in done.stdout
    )
    model = FashionCNN()
    model.load_state_dict(shendu.load(checkpoint)["model"])
    model.eval()
    runner = session(target.read_bytes())
    for batch in (1, 3):
        images = np.random.default_rng(batch).standard_normal((batch, 1, 28, 28)).astype(np.float32)
        with shendu.no_grad():
            want = model(shendu.tensor(images)).numpy()
        np.testing.assert_allclose(runner.run(None, {"images": images})[0], want, rtol=1e-5, atol=1e-5)


def test_export_of_a_digits_lstm(tmp_path: Path) -> None:
    model = RowLSTM(input_size=8)
    checkpoint = tmp_path / "lstm.safetensors"
    config = {"model": "lstm", "dataset": "digits", "classes": [str(i) for i in range(10)]}
    shendu.save({"model": model.state_dict(), "config": config}, checkpoint)
    target = tmp_path / "lstm.onnx"
    done = shendu_command("export", str(checkpoint), str(target), "--batch", "dynamic")
    assert done.returncode == 0, done.stderr
    assert "lstm on digits, input images (batch, 1, 8, 8) float32, output logits (batch, 10)" in done.stdout
    images = np.random.default_rng(0).standard_normal((3, 1, 8, 8)).astype(np.float32)
    with shendu.no_grad():
        want = model.eval()(shendu.tensor(images)).numpy()
    np.testing.assert_allclose(session(target.read_bytes()).run(None, {"images": images})[0], want, atol=1e-5)


def test_export_with_a_fixed_batch(checkpoint: Path, tmp_path: Path) -> None:
    target = tmp_path / "model.onnx"
    done = shendu_command("export", str(checkpoint), str(target), "--batch", "4")
    assert done.returncode == 0, done.stderr
    assert session(target.read_bytes()).get_inputs()[0].shape == [4, 1, 28, 28]


def test_an_existing_file_is_not_replaced_without_force(checkpoint: Path, tmp_path: Path) -> None:
    target = tmp_path / "model.onnx"
    target.write_text("someone's file")
    done = shendu_command("export", str(checkpoint), str(target))
    assert done.returncode == 1
    assert done.stderr.strip() == f"shendu export: {str(target)!r} already exists; pass --force to replace it"
    assert target.read_text() == "someone's file"
    assert shendu_command("export", str(checkpoint), str(target), "--force").returncode == 0
    assert session(target.read_bytes()).get_outputs()[0].name == "logits"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--batch", "zero"],
            "shendu export: argument --batch: expected a positive integer or 'dynamic', got 'zero' "
            "(see shendu export --help)",
        ),
        (
            ["--batch", "0"],
            "shendu export: argument --batch: expected a positive integer or 'dynamic', got '0' "
            "(see shendu export --help)",
        ),
    ],
)
def test_bad_batch_is_one_line(checkpoint: Path, tmp_path: Path, args: list[str], message: str) -> None:
    done = shendu_command("export", str(checkpoint), str(tmp_path / "m.onnx"), *args)
    assert done.returncode == 2 and done.stderr.strip() == message and "Traceback" not in done.stderr
    assert not (tmp_path / "m.onnx").exists()


def test_bad_checkpoint_and_unwritable_target_are_one_line(checkpoint: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\x00" * 64)
    done = shendu_command("export", str(garbage), str(tmp_path / "m.onnx"))
    assert done.returncode == 1 and done.stderr.startswith("shendu export: ") and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    done = shendu_command("export", str(checkpoint), str(tmp_path / "no" / "such" / "m.onnx"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("shendu export: cannot write ")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    link = tmp_path / "link.onnx"
    link.symlink_to(victim)
    done = shendu_command("export", str(checkpoint), str(link), "--force")
    assert done.returncode == 1 and "is a symbolic link; refusing to write through it" in done.stderr
    assert victim.read_text() == "keep"


def test_a_folder_as_target_and_a_batch_too_large_are_one_line(checkpoint: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "keep.txt").write_text("keep")
    done = shendu_command("export", str(checkpoint), str(folder), "--force")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == f"shendu export: cannot write {str(folder)!r}: it is a folder"
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]
    target = tmp_path / "m.onnx"
    done = shendu_command("export", str(checkpoint), str(target), "--batch", "99999999999")
    assert done.returncode == 1 and "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("shendu export: out of memory with --batch 99999999999: ")
    assert "--batch dynamic" in done.stderr and not target.exists()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"image_size": "28"}, r"has a damaged config: image_size '28', expected a positive integer"),
        ({"image_size": -3}, r"has a damaged config: image_size -3, expected a positive integer"),
        ({"image_mode": "CMYK"}, r"has a damaged config: image_mode 'CMYK', expected 'L' or 'RGB'"),
        ({"classes": ["a", "b", "c"]}, r"has 10 outputs but names 3 classes \(a damaged config\); nothing written"),
    ],
)
def test_a_damaged_config_is_one_line_and_writes_nothing(tmp_path: Path, config: dict, message: str) -> None:
    path = tmp_path / "best.safetensors"
    classes = [f"class {i}" for i in range(10)]
    base = {"model": "cnn", "dataset": "fashion-mnist", "classes": classes}
    shendu.save({"model": FashionCNN().state_dict(), "config": {**base, **config}}, path)
    done = shendu_command("export", str(path), str(tmp_path / "m.onnx"))
    assert done.returncode == 1 and "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("shendu export: ") and re.search(message, done.stderr)
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("output", ["", "models/", "model.onnx/"])
def test_an_output_that_is_no_file_name_is_refused(checkpoint: Path, tmp_path: Path, output: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "shendu", "export", str(checkpoint), output],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120, cwd=tmp_path,
        check=False,
    )  # fmt: skip
    expected = os.path.join(output, "model.onnx")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        f"shendu export: OUTPUT {output!r} is not a file name; give the file to write, e.g. {expected!r}"
    )
    assert list(tmp_path.iterdir()) == []
