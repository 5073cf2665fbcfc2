"""Small things a user sees: ``--version``, counted nouns, and where ``lab run`` put its figures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import shendu
from shendu._text import count

ROOT = Path(__file__).resolve().parents[1]


def shendu_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "shendu", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_version(tmp_path: Path) -> None:
    done = shendu_cli("--version", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == f"shendu {shendu.__version__}\n"


def test_count() -> None:
    assert [count(1, "epoch"), count(0, "epoch"), count(2, "class", "classes")] == ["1 epoch", "0 epochs", "2 classes"]


def test_one_epoch_is_singular(tmp_path: Path) -> None:
    done = shendu_cli("train", "--dataset", "digits", "--model", "mlp", "--epochs", "1", "--out", "runs", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "iterations per epoch, 1 epoch\n" in done.stdout


def test_lab_run_says_where_the_figures_are(tmp_path: Path) -> None:
    done = shendu_cli("lab", "run", "epoch-batch-iteration", "--quick", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].endswith("not written; add --out DIR to keep them as PNG files")
    done = shendu_cli("lab", "run", "epoch-batch-iteration", "--quick", "--out", "figs", cwd=tmp_path)
    names = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert done.returncode == 0 and names
    assert done.stdout.splitlines()[-1] == f"{count(len(names), 'figure')} written to figs/: {', '.join(names)}"
