"""SIGKILL at random moments: inside checkpoint writes, and anywhere in a training run.

Two trials, each able to fail:

1. A child process writes checkpoints in a loop while this process kills it at random moments,
   until at least 20 kills have landed inside a write (after the temporary file was created and
   before it replaced the checkpoint: the temporary file is still there). After every kill, the
   file under the final name must be the previous complete checkpoint or the new complete one,
   never a partial or mixed one. With checkpoints written in place (no temporary file, no rename),
   the first kill inside a write leaves a truncated file and the trial fails.
2. A training run killed at 20 random moments always resumes with ``fit(resume=True)`` to the same
   final weights as an uninterrupted run, bit for bit.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import shendu
from shendu.io import remove_stale_temporaries
from tests.helpers import COUNTS

ROOT = Path(__file__).resolve().parents[2]
KILLS_INSIDE_A_WRITE = 20
MAX_KILLS = 400
TRAINING_TRIALS = 20
VALUES = 1_000_000  # float32 values per checkpoint (4 MB): long enough a write for kills to land in it


def checkpoint(step: int) -> dict[str, object]:
    """Checkpoint number ``step``: every value equals the step, so a mix of two checkpoints shows."""
    return {"step": step, "weights": shendu.full((VALUES,), float(step)), "tail": np.full(7, step, np.int64)}


def write_forever(path: Path, first_step: int, report: int) -> None:
    """The child: write checkpoints first_step, first_step + 1, ... and report each start and end."""
    step = first_step
    while True:
        os.write(report, b"B%d\n" % step)
        shendu.save(checkpoint(step), path)
        os.write(report, b"E%d\n" % step)
        step += 1


def complete_step(path: Path) -> int:
    """The step of the checkpoint at ``path``, after checking that the whole file is one checkpoint."""
    state = shendu.load(path)
    step = state["step"]
    weights = state["weights"].numpy()
    assert weights.shape == (VALUES,) and (weights == step).all(), f"checkpoint {step} holds other values"
    assert (state["tail"] == step).all()
    return step


def test_kills_inside_checkpoint_writes_leave_the_old_or_the_new_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "last.ckpt"
    shendu.save(checkpoint(0), path)
    done, rng = 0, np.random.default_rng(0)
    kills = inside_save = inside_write = 0
    while inside_write < KILLS_INSIDE_A_WRITE and kills < MAX_KILLS:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the test
            try:
                os.close(read_end)
                write_forever(path, done + 1, write_end)
            finally:
                os._exit(0)
        os.close(write_end)
        time.sleep(float(rng.uniform(0.0, 0.08)))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        kills += 1
        with os.fdopen(read_end, "rb") as report:
            markers = report.read().split()
        ended = [int(m[1:]) for m in markers if m.startswith(b"E")]
        killed_in_save = bool(markers) and markers[-1].startswith(b"B")
        left_temporary = remove_stale_temporaries(path) > 0
        step = complete_step(path)
        last_done = max(ended, default=done)
        if killed_in_save:
            # The rename may have happened just before the kill: then the new checkpoint is there.
            assert step in (last_done, last_done + 1), (step, last_done)
        else:
            assert step == last_done, (step, last_done)
        done = step
        inside_save += killed_in_save
        inside_write += left_temporary
    COUNTS["SIGKILLs that landed inside a checkpoint write (temporary file left)"] += inside_write
    COUNTS["SIGKILLs that landed inside shendu.save (encoding included)"] += inside_save
    COUNTS["SIGKILLs sent to checkpoint writers"] += kills
    assert inside_write >= KILLS_INSIDE_A_WRITE, f"only {inside_write} of {kills} kills landed inside a write"


def start(out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.train.crash_child", str(out)],
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
    for trial in range(TRAINING_TRIALS):
        out = tmp_path / f"trial{trial}"
        child = start(out)
        time.sleep(float(rng.uniform(0.8, 4.0)))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        if (out / "last.ckpt").exists():
            shendu.load(out / "last.ckpt")  # the latest checkpoint always loads
        finish(out)
        got = weights(out)
        for name, value in expected.items():
            np.testing.assert_array_equal(got[name], value, err_msg=f"trial {trial}: {name}")
        COUNTS["SIGKILL trials of a training run resumed bit for bit"] += 1
