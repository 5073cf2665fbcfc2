"""``shendu train --data DIR``, ``eval --data`` and ``predict`` on generated image folders, through a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.image_folders import write_color_folder

ROOT = Path(__file__).resolve().parents[1]


def shendu(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "shendu", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_train_eval_predict_on_own_images(tmp_path: Path) -> None:
    data = write_color_folder(tmp_path / "colors", per_class=10)
    done = shendu(
        "train", "--data", str(data), "--image-size", "12", "--epochs", "4", "--batch-size", "8", "--out", "runs",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "30 images in 3 classes (blue, green, red), RGB at 12x12: 24 to train, 6 to validate" in done.stdout
    assert "validation accuracy 1.0000" in done.stdout
    run = tmp_path / "runs" / "cnn-colors"
    config = json.loads((run / "history.json").read_text())[-1]
    assert config["epoch"] == 4
    checkpoint = str(run / "best.safetensors")
    done = shendu("eval", checkpoint, cwd=tmp_path)
    assert done.returncode == 0 and f"cnn on the validation split of {data}: accuracy 1.0000" in done.stdout
    done = shendu("eval", checkpoint, "--data", str(data), cwd=tmp_path)
    assert done.returncode == 0 and f"cnn on {data} (30 images): accuracy" in done.stdout
    done = shendu("predict", checkpoint, str(data / "red" / "001.png"), str(data / "blue" / "002.jpg"), cwd=tmp_path)
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and lines[0].endswith(")") and ": red (" in lines[0] and ": blue (" in lines[1]
    # A folder with other classes cannot be scored by this model; a changed folder has another split.
    other = write_color_folder(tmp_path / "other", per_class=1)
    (other / "blue").rename(other / "cyan")
    done = shendu("eval", checkpoint, "--data", str(other), cwd=tmp_path)
    assert done.returncode == 1 and "differ from the model's (blue, green, red)" in done.stderr
    write_color_folder(data, per_class=11)
    done = shendu("eval", checkpoint, cwd=tmp_path)
    assert done.returncode == 1 and "changed since training (30 images then, 33 now)" in done.stderr


def test_grayscale_folder_trains_the_mlp(tmp_path: Path) -> None:
    data = write_color_folder(tmp_path / "gray", per_class=4, gray=True)
    done = shendu(
        "train", "--data", str(data), "--model", "mlp", "--image-size", "8", "--epochs", "1", "--quiet",
        "--val-split", "0.25", "--out", "runs",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "validation accuracy" in done.stdout and (tmp_path / "runs" / "mlp-gray" / "best.safetensors").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "{data}", "--model", "lstm"], "shendu train: --data trains the cnn or mlp model, not 'lstm'"),
        (["--data", "{data}", "--dataset", "digits"], "shendu train: choose either --dataset or --data DIR, not both"),
        (["--image-size", "32"], "shendu train: --image-size applies to your own images: add --data DIR"),
        (["--data", "{data}", "--val-split", "1"], "shendu train: --val-split must be between 0 and 1"),
        (["--data", "{data}", "--image-size", "2"], "shendu train: --image-size must be at least 4"),
        (["--data", "{tmp}/none"], "shendu train: ImageFolder: the dataset folder '{tmp}/none' does not exist"),
        (["--data", "{tmp}/empty"], "shendu train: ImageFolder: no files in the class folder '{tmp}/empty/a'"),
        (["--data", "{tmp}/broken"], "shendu train: open_image: '{tmp}/broken/a/x.png' is not an image file"),
        (["--data", "{tmp}/one"], "shendu train: '{tmp}/one' holds one class folder ('red'); a classifier needs"),
    ],
)
def test_bad_image_folders_are_one_line_errors(args: list[str], message: str, tmp_path: Path) -> None:
    data = write_color_folder(tmp_path / "colors", per_class=2)
    (tmp_path / "empty" / "a").mkdir(parents=True)
    (tmp_path / "broken" / "a").mkdir(parents=True)
    (tmp_path / "broken" / "a" / "x.png").write_bytes(b"not a png")
    write_color_folder(tmp_path / "broken", per_class=1)
    write_color_folder(tmp_path / "one", per_class=2)
    for other in ("blue", "green"):
        for image in (tmp_path / "one" / other).iterdir():
            image.unlink()
        (tmp_path / "one" / other).rmdir()
    args = [a.format(data=data, tmp=tmp_path) for a in args]
    done = shendu("train", *args, "--out", "runs", cwd=tmp_path)
    assert done.returncode == 1 and done.stderr.startswith(message.format(tmp=tmp_path, data=data)), done.stderr
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "runs" / "cnn-colors" / "last.ckpt").exists()
