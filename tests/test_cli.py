from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import shendu
from shendu import cli
from shendu.datasets import FashionMNIST
from tests.cli_helpers import ROOT, error_line, png, run_many, shendu_cli, snapshot


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
    assert code == 1 and "cannot write to the folder" in err and "Not a directory" in err


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
    code, out, _ = run([*args(3), "--scheduler", "none", "--name", "plain"], capsys)
    assert code == 0
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
    assert code == 2 and "shendu eval: argument checkpoint: no such file: '" in err


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
    assert code == 1 and f"cannot read image {str(broken)!r}" in err
    monkeypatch.setitem(sys.modules, "PIL", None)  # what a machine without Pillow looks like to `import`
    code, _, err = run(["predict", str(checkpoint), str(paths[0])], capsys)
    assert code == 1 and "predict reads images with Pillow: pip install 'shendu[images]'" in err


# ----------------------------------------------------------------------------------------------
# Through a subprocess: exit status, exactly one line on stderr, no traceback, user files untouched.

DIGITS = ["--dataset", "digits", "--model", "mlp", "--epochs", "2", "--quiet"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished 2-epoch run of the digits MLP: OUT/mlp-digits/ with every file a run writes."""
    out = tmp_path_factory.mktemp("trained")
    assert cli.main(["train", *DIGITS, "--out", str(out)]) == 0
    return out / "mlp-digits"


def copy_run(trained: Path, tmp_path: Path) -> Path:
    out = tmp_path / "runs"
    shutil.copytree(trained, out / "mlp-digits", symlinks=True)
    return out


def test_a_second_run_with_the_same_name_is_refused_and_the_first_kept(trained: Path, tmp_path: Path) -> None:
    out = copy_run(trained, tmp_path)
    before = snapshot(tmp_path)
    line = error_line(shendu_cli("train", *DIGITS, "--out", str(out)))
    assert line.startswith(f"shendu train: {out / 'mlp-digits'} already holds a run (last.ckpt, best.safetensors")
    assert "continue it with --resume, start over with --overwrite" in line
    assert snapshot(tmp_path) == before


def test_overwrite_starts_over_and_cannot_be_combined_with_resume(trained: Path, tmp_path: Path) -> None:
    out = copy_run(trained, tmp_path)
    (out / "mlp-digits" / "notes.txt").write_text("mine")
    line = error_line(shendu_cli("train", *DIGITS, "--out", str(out), "--resume", "--overwrite"), code=2)
    assert line == ("shendu train: argument --overwrite: not allowed with argument --resume (see shendu train --help)")
    done = shendu_cli("train", *DIGITS, "--epochs", "1", "--out", str(out), "--overwrite")
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "mlp-digits" / "history.json").read_text())[-1]["epoch"] == 1
    assert (out / "mlp-digits" / "notes.txt").read_text() == "mine"  # only the run's own files are replaced
    assert "wrote " in done.stdout and "last.ckpt, best.safetensors" in done.stdout


def test_train_help_documents_resume_and_overwrite() -> None:
    text = shendu_cli("train", "--help").stdout
    assert "--overwrite" in text and "An existing run is never replaced silently" in text


@pytest.mark.parametrize("link", ["history.json", "loss.png", "last.ckpt"])
def test_a_symlink_in_the_run_folder_is_refused_and_its_target_untouched(
    trained: Path, tmp_path: Path, link: str
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = copy_run(trained, tmp_path)
    (out / "mlp-digits" / link).unlink()
    (out / "mlp-digits" / link).symlink_to(victim)
    before = snapshot(tmp_path)
    for extra in (["--overwrite"], ["--resume", "--epochs", "3", "--scheduler", "none"]):
        line = error_line(shendu_cli("train", *DIGITS, "--out", str(out), *extra))
        assert f"it holds symbolic links ({link} -> {victim})" in line and "never writes through a link" in line
    assert snapshot(tmp_path) == before and victim.read_text() == "precious"


def test_a_symlink_planted_as_the_write_probe_is_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    run = tmp_path / "runs" / "fresh"
    run.mkdir(parents=True)
    (run / ".write-test").symlink_to(victim)
    line = error_line(shendu_cli("train", *DIGITS, "--out", str(tmp_path / "runs"), "--name", "fresh"))
    assert "it holds symbolic links (.write-test ->" in line
    assert victim.read_text() == "precious"


def test_argument_and_file_mistakes_are_one_line(trained: Path, tmp_path: Path) -> None:
    """Each mistake of the reliability audit, run in one child process; nothing is written anywhere."""
    out = copy_run(trained, tmp_path)
    run = out / "mlp-digits"
    files = tmp_path / "files"
    files.mkdir()
    (files / "bomb.png").write_bytes(png(100_000, 100_000))
    (files / "large.png").write_bytes(png(8_000, 8_000))
    (files / "text.png").write_text("not an image")
    (files / "cut.png").write_bytes(png(28, 28)[:30])
    best = shendu.load(run / "best.safetensors")
    best["model"] = {k: v * float("nan") for k, v in best["model"].items()}
    shendu.save(best, files / "nan.safetensors")
    blocker = files / "blocker"
    blocker.write_text("a file where a folder should be")
    ckpt = str(run / "best.safetensors")
    train = ["train", *DIGITS, "--out", str(out), "--name", "new"]
    cases = [
        (["train", "--epochs", "0"], 2, "argument --epochs: expected a positive integer, got '0'"),
        (["train", "--epochs", "-3"], 2, "argument --epochs: expected a positive integer, got '-3'"),
        (["train", "--batch-size", "0"], 2, "argument --batch-size: expected a positive integer, got '0'"),
        (["train", "--lr", "nan"], 2, "argument --lr: expected a finite number > 0, got 'nan'"),
        (["train", "--lr", "-1"], 2, "argument --lr: expected a finite number > 0, got '-1'"),
        (["train", "--lr", "inf"], 2, "argument --lr: expected a finite number > 0, got 'inf'"),
        (["train", "--lr", "0"], 2, "argument --lr: expected a finite number > 0, got '0'"),
        (["train", "--threads", "0"], 2, "argument --threads: expected a positive integer, got '0'"),
        (["train", "--seed", str(2**64)], 2, "argument --seed: expected a seed in [0, 2**63 - 1], got '1844"),
        (["train", "--seed", "-1"], 2, "argument --seed: expected a seed in [0, 2**63 - 1], got '-1'"),
        (["train", "--checkpoint-every", "0"], 2, "argument --checkpoint-every: expected a positive integer"),
        (["train", "--checkpoint-every", "-1"], 2, "argument --checkpoint-every: expected a positive integer"),
        (["train", "--name", "../elsewhere"], 2, "argument --name: expected a folder name without '/'"),
        (["lab", "run", "3", "--seed", "-5"], 2, "argument --seed: expected a seed in [0, 2**63 - 1], got '-5'"),
        (["lab", "run", "3", "--quick", "--full"], 2, "argument --full: not allowed with argument --quick"),
        (["lab", "run", "²"], 1, "lab: no experiment '²'; known: 1 (deep-learning)"),
        (["lab", "run", "3", "--quick", "--out", str(blocker)], 1, "cannot write to the folder '"),
        (["eval", str(files)], 2, "argument checkpoint: '"),
        (["eval", str(files / "missing")], 2, "argument checkpoint: no such file: '"),
        (["predict", ckpt, str(files / "bomb.png")], 1, "cannot read image '"),
        (["predict", ckpt, str(files / "large.png")], 1, "is 8000x8000 pixels, more than the 50,000,000"),
        (["predict", ckpt, str(files / "text.png")], 1, "cannot read image '"),
        (["predict", ckpt, str(files / "cut.png")], 1, "cannot read image '"),
        (["predict", str(files / "nan.safetensors"), str(files / "cut.png")], 1, "holds non-finite weights (NaN"),
        ([*train, "--model", "lenet"], 1, "--model lenet cannot take the 8x8 images of --dataset digits"),
        ([*train, "--resume"], 1, "--resume: there is no checkpoint at "),
        (["train", *DIGITS, "--out", str(out), "--resume"], 1, "already finished its 2 epochs, so there is nothing"),
        ([*train, "--dataset", "mnist", "--model", "cnn"], 1, "SHENDU_DATA is set to '"),
        ([*train, "--lr", "1e30", "--optimizer", "sgd"], 1, "non-finite loss at epoch 1, iteration "),
    ]
    env = {"SHENDU_DATA": None}
    runs = [{"argv": argv, "env": env, "seconds": 120} for argv, _, _ in cases]
    runs[-2]["env"] = {"SHENDU_DATA": str(tmp_path / "no-such-folder")}
    before = snapshot(tmp_path)
    for (argv, code, expected), result in zip(cases, run_many(runs, tmp_path)):
        line = error_line(result, code)
        assert expected in line, (argv, line)
        assert "RuntimeWarning" not in result["stderr"] + result["stdout"]
    assert snapshot(tmp_path) == before  # no run folder, no file, no empty folder was left


def test_dataset_advice_names_what_the_command_offers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FashionMNIST, "system_folder", str(tmp_path / "nowhere"))
    monkeypatch.setenv("SHENDU_DATA", str(tmp_path))
    code, _, err = run(["train", "--out", str(tmp_path / "runs"), "--epochs", "1"], capsys)
    assert code == 1 and err.count("\n") == 1
    assert "set SHENDU_DATA to that folder" in err and "apt-get install -y dataset-fashion-mnist" in err
    assert "root=" not in err and "download=True" not in err
    assert not (tmp_path / "runs").exists()


def test_resume_refuses_files_that_cannot_be_resumed(trained: Path, tmp_path: Path) -> None:
    out = copy_run(trained, tmp_path)
    run_dir = out / "mlp-digits"
    corrupt = shendu.load(run_dir / "last.ckpt")
    corrupt["optimizer"]["state"][0]["exp_avg"] = shendu.zeros(3)
    corrupt["epoch"] = 1  # as if killed after epoch 1 of 2
    variants = {
        "weights": (shendu.load(run_dir / "best.safetensors"), "it lacks optimizer, callbacks"),
        "listed": ([1, 2, 3], "it holds a list, not the dict of a Trainer's last.ckpt"),
        "corrupt": (corrupt, "does not fit this run: Adam.load_state_dict: the state of parameter 0: 'exp_avg' has"),
    }
    cases = []
    for name, (state, _) in variants.items():
        shutil.copytree(run_dir, out / name)
        shendu.save(state, out / name / "last.ckpt")
        args = ["train", *DIGITS, "--out", str(out), "--name", name]
        cases.append({"argv": [*args, "--resume"], "seconds": 120})
    before = snapshot(tmp_path)
    for (name, (_, expected)), result in zip(variants.items(), run_many(cases, tmp_path)):
        line = error_line(result)
        assert expected in line, (name, line)
    assert snapshot(tmp_path) == before


def test_a_full_disk_while_plotting_keeps_the_result_and_leaves_no_partial_image(tmp_path: Path) -> None:
    done = shendu_cli("train", *DIGITS, "--out", str(tmp_path), fault="plots-hit-file-limit")
    line = error_line(done)
    assert re.fullmatch(r"shendu train: cannot write '.*mlp-digits/(loss|accuracy)\.png': File too large", line)
    assert "test accuracy" in done.stdout
    names = sorted(os.listdir(tmp_path / "mlp-digits"))
    assert names == ["best.safetensors", "history.csv", "history.json", "last.ckpt"], names


def test_lab_figures_on_a_full_disk_leave_no_partial_png(tmp_path: Path) -> None:
    done = shendu_cli("lab", "run", "3", "--quick", "--out", str(tmp_path), fault="lab-figures-hit-file-limit")
    line = error_line(done)
    assert re.fullmatch(r"shendu lab: cannot write '.*q03-.*\.png': File too large", line)
    assert "REPRODUCED" in done.stdout
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not Path(FashionMNIST.system_folder or "/nonexistent").is_dir(), reason="needs Fashion-MNIST")
def test_a_batch_too_large_for_memory_is_one_line(tmp_path: Path) -> None:
    args = ["train", "--batch-size", "55000", "--epochs", "1", "--quiet", "--out", str(tmp_path)]
    line = error_line(shendu_cli(*args, fault="memory-limit-3g"))
    assert line.startswith("shendu train: out of memory with batch size 55000") and "smaller --batch-size" in line
    assert not (tmp_path / "cnn-fashion-mnist").exists()


def test_lab_list_into_a_pipe_that_closes_early_is_quiet() -> None:
    reader = subprocess.Popen(
        [sys.executable, "-m", "shendu", "lab", "list"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()  # as `| head -0` would
    assert reader.wait(timeout=120) == 141
    assert reader.stderr.read() == b""


def test_a_fifo_argument_is_refused_without_hanging(trained: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    line = error_line(shendu_cli("eval", str(fifo), timeout=60), code=2)
    assert line.endswith(
        f"argument checkpoint: {str(fifo)!r} is not a regular file (a FIFO, socket or device) (see shendu eval --help)"
    )
    line = error_line(shendu_cli("predict", str(trained / "best.safetensors"), str(fifo), timeout=60), code=2)
    assert "argument images: " in line and "is not a regular file" in line


def test_sigterm_saves_a_checkpoint_and_says_how_to_resume(tmp_path: Path) -> None:
    args = ["train", "--dataset", "digits", "--model", "mlp", "--epochs", "1000", "--scheduler", "none"]
    args += ["--out", str(tmp_path), "--checkpoint-every", "3"]
    child = subprocess.Popen(
        [sys.executable, "-m", "shendu", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("epoch 2/"):
            break
    child.send_signal(signal.SIGTERM)
    stdout, stderr = child.communicate(timeout=120)
    done = subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)
    line = error_line(done, code=143)
    match = re.fullmatch(
        r"shendu train: stopped by SIGTERM in epoch (\d+), after iteration (\d+): .*last\.ckpt holds the state to "
        r"resume from; rerun the same command with --resume to continue",
        line,
    )
    assert match, line
    assert shendu.load(tmp_path / "mlp-digits" / "last.ckpt")["iteration"] == int(match[2])
