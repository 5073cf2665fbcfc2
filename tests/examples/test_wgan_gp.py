"""examples/wgan_gp.py runs end to end (a few steps) and reports its mode coverage."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wgan_gp_example_runs_and_reports_coverage() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "wgan_gp.py"), "--steps", "10"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"mode coverage: [0-8]/8 modes, \d+\.\d% of samples near a mode, \d+ s", last), last
