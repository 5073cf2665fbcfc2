"""Kill a training process with SIGKILL at random moments; every time the run must resume to the same weights."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import shendu
from tests.helpers import COUNTS

ROOT = Path(__file__).resolve().parents[2]
TRIALS = 20


def start(out: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.train.crash_child", str(out), *extra],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def finish(out: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.train.crash_child", str(out)], cwd=ROOT, capture_output=True, timeout=300
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]


def weights(out: Path) -> dict[str, np.ndarray]:
    return {k: v.numpy() for k, v in shendu.load(out / "final.safetensors").items()}


def test_sigkill_at_random_moments_never_loses_the_run(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    finish(reference)
    expected = weights(reference)
    rng = np.random.default_rng(0)
    interrupted_writes = 0
    for trial in range(TRIALS):
        out = tmp_path / f"trial{trial}"
        if trial % 4 == 3:
            # A kill inside a checkpoint write: after the temporary file, before it replaces the old checkpoint.
            child = start(out, "--die-in-write", str(int(rng.integers(2, 40))))
            child.wait(timeout=300)
        else:
            child = start(out)
            time.sleep(float(rng.uniform(0.8, 4.0)))
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=60)
        interrupted_writes += any(name.endswith(".tmp") for name in os.listdir(out)) if out.exists() else 0
        if (out / "last.ckpt").exists():
            shendu.load(out / "last.ckpt")  # the latest checkpoint always loads
        finish(out)
        got = weights(out)
        for name, value in expected.items():
            np.testing.assert_array_equal(got[name], value, err_msg=f"trial {trial}: {name}")
        COUNTS["SIGKILL trials survived"] += 1
    COUNTS["kills that interrupted a checkpoint write"] += interrupted_writes
    assert interrupted_writes >= TRIALS // 4
