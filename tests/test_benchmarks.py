"""Smoke tests of benchmarks/compare.py: its workers run every mode and report what the tables print."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

COMPARE = Path(__file__).resolve().parents[1] / "benchmarks" / "compare.py"


def _worker(framework: str, workload: str, mode: str) -> dict:
    # One epoch over 256 training samples: seconds, not minutes.
    cmd = [sys.executable, str(COMPARE), "--worker", framework, workload, "1", "256", "1", "--mode", mode]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("framework", "workload", "mode"),
    [("shendu", "W7", "compute"), ("torch", "W7", "compute"), ("shendu", "W2", "loader"), ("torch", "W6", "loader")],
)
def test_workers_report_every_number(framework: str, workload: str, mode: str) -> None:
    result = _worker(framework, workload, mode)
    assert result["seconds_per_epoch"] > 0 and result["cpu_seconds_per_epoch"] > 0
    assert len(result["epoch_times"]) == 1
    assert result["peak_rss_mb"] > 50
    assert 0 <= result["test_accuracy"] <= 1


def test_repeat_must_be_positive() -> None:
    done = subprocess.run(
        [sys.executable, str(COMPARE), "--repeat", "0"], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 2
    assert "argument --repeat: expected a positive whole number, got '0'" in done.stderr
    assert "Traceback" not in done.stderr
