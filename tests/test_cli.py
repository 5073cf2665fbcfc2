from __future__ import annotations

import json
from pathlib import Path

import pytest

from shendu import cli
from shendu.datasets import FashionMNIST


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = cli.main(args)
    except SystemExit as exc:  # argparse exits on usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_info(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["info"], capsys)
    assert code == 0 and "numpy" in out and "blas" in out and "cuda" in out


def test_unknown_model_and_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["train", "--model", "transformer"], capsys)
    assert code == 2 and "invalid choice: 'transformer'" in err
    code, _, err = run(["train", "--epochz", "3"], capsys)
    assert code == 2 and "unrecognized arguments: --epochz" in err


def test_missing_data_is_one_line_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FashionMNIST, "system_folder", str(tmp_path / "nowhere"))
    monkeypatch.delenv("SHENDU_DATA", raising=False)
    code, _, err = run(["train", "--out", str(tmp_path), "--epochs", "1"], capsys)
    assert code == 1
    assert err.startswith("shendu train: FashionMNIST: the dataset files were not found")
    assert "apt-get install -y dataset-fashion-mnist" in err and "Traceback" not in err


def test_unwritable_output_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = run(["train", "--dataset", "digits", "--out", str(blocker)], capsys)
    assert code == 1 and "cannot write to the output folder" in err


def test_train_eval_and_resume_on_digits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def args(epochs: int) -> list[str]:
        return [
            "train",
            "--dataset",
            "digits",
            "--model",
            "mlp",
            "--epochs",
            str(epochs),
            "--out",
            str(tmp_path),
            "--quiet",
        ]

    code, out, _ = run(args(2), capsys)
    assert code == 0 and "test accuracy" in out
    run_dir = tmp_path / "mlp-digits"
    for name in ("last.ckpt", "best.safetensors", "history.csv", "history.json", "loss.png", "confusion_matrix.png"):
        assert (run_dir / name).exists(), name
    code, out, _ = run(["eval", str(run_dir / "best.safetensors")], capsys)
    assert code == 0 and "mlp on digits test set: accuracy" in out
    code, _, err = run([*args(3), "--resume"], capsys)
    assert code == 1 and "cannot resume" in err and "epochs 2 -> 3" in err
    code, out, _ = run([*args(3), "--resume", "--scheduler", "none", "--name", "plain"], capsys)
    code, out, _ = run([*args(4), "--resume", "--scheduler", "none", "--name", "plain"], capsys)
    assert code == 0 and "test accuracy" in out
    history = json.loads((tmp_path / "plain" / "history.json").read_text())
    assert [row["epoch"] for row in history] == [1, 2, 3, 4]


def test_eval_of_a_bad_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    garbage = tmp_path / "model.safetensors"
    garbage.write_bytes(b"\x00" * 64)
    code, _, err = run(["eval", str(garbage)], capsys)
    assert code == 1 and "is not a readable checkpoint" in err and str(garbage) in err
    code, _, err = run(["eval", str(tmp_path / "missing.safetensors")], capsys)
    assert code == 1 and "no checkpoint at" in err


def test_lab_unknown_question(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["lab", "run", "99"], capsys)
    assert code == 1 and "shendu lab: lab: no experiment 99; known: 1 (deep-learning)" in err


def test_predict_reads_images_and_names_each_class(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    import numpy as np
    from PIL import Image

    import shendu
    from shendu.datasets import Digits

    common = ["--dataset", "digits", "--model", "mlp", "--out", str(tmp_path), "--quiet"]
    code, _, _ = run(["train", *common, "--epochs", "3"], capsys)
    assert code == 0
    checkpoint = tmp_path / "mlp-digits" / "best.safetensors"
    test = Digits(train=False)
    pixels = np.round(test.data.numpy()[:12, 0] * 255).astype(np.uint8)
    paths = []
    for i, image in enumerate(pixels):
        paths.append(tmp_path / f"digit{i}.png")
        Image.fromarray(image).save(paths[-1])
    model, _ = cli._load_trained(str(checkpoint))
    with shendu.no_grad():
        expected = model(shendu.from_numpy(pixels[:, None].astype(np.float32) / 255)).argmax(1).numpy()

    code, out, _ = run(["predict", str(checkpoint), *map(str, paths)], capsys)
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == len(paths)
    for line, path, label in zip(lines, paths, expected):
        assert line.startswith(f"{path}: {label} (") and line.endswith("%)"), line
    assert (expected == test.targets.numpy()[:12]).mean() >= 0.75

    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    code, _, err = run(["predict", str(checkpoint), str(broken)], capsys)
    assert code == 1 and f"open_image: {str(broken)!r} is not an image file Pillow can read" in err
    monkeypatch.setitem(sys.modules, "PIL", None)  # what a machine without Pillow looks like to `import`
    code, _, err = run(["predict", str(checkpoint), str(paths[0])], capsys)
    assert code == 1 and "predict reads images with Pillow: pip install 'shendu[images]'" in err
