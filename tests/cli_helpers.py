"""Helpers for testing the ``shendu`` command through subprocesses: run it, judge its error, fingerprint files."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _env(extra: dict[str, str | None] | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name, value in (extra or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def shendu_cli(
    *args: str,
    fault: str | None = None,
    env: dict[str, str | None] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m shendu ARGS`` (or ``python -m tests.cli_faults FAULT ARGS``) and capture everything."""
    module = ["tests.cli_faults", fault] if fault else ["shendu"]
    return subprocess.run(
        [sys.executable, "-m", *module, *args],
        cwd=cwd or ROOT,
        env=_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_many(cases: list[dict[str, Any]], folder: Path, timeout: float = 600) -> list[dict[str, Any]]:
    """Run many command lines in one child process (``tests/cli_runner.py``); returns one result per case."""
    cases_path, results_path = folder / "cases.json", folder / "results.json"
    cases_path.write_text(json.dumps(cases))
    done = subprocess.run(
        [sys.executable, "-m", "tests.cli_runner", str(cases_path), str(results_path)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(results_path.read_text())
    cases_path.unlink()
    results_path.unlink()
    return results


def error_line(result: Any, code: int | None = 1) -> str:
    """The one line a failed command printed on stderr, after checking there is exactly one and no traceback.

    ``result`` is a CompletedProcess or a ``run_many`` result; ``code`` is the exit status expected
    (None: any non-zero status).
    """
    if isinstance(result, subprocess.CompletedProcess):
        stdout, stderr, status, tb, hang = result.stdout, result.stderr, result.returncode, None, False
    else:
        stdout, stderr, status = result["stdout"], result["stderr"], result["code"]
        tb, hang = result["traceback"], result["hang"]
    assert not hang, f"no result within the time limit; stderr: {stderr!r}"
    assert tb is None and "Traceback" not in stdout + stderr, tb or stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {stderr!r}"
    assert re.match(r"shendu( [a-z]+)*: ", lines[0]), lines[0]
    if code is None:
        assert status not in (0, None), status
    else:
        assert status == code, f"exit status {status}, expected {code}: {stderr!r}"
    return lines[0]


def snapshot(folder: Path) -> dict[str, str]:
    """A fingerprint of everything under ``folder``: file contents, link targets, FIFOs and folders."""
    found = {}
    for parent, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = Path(parent) / name
            relative = str(path.relative_to(folder))
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                found[relative] = "link -> " + os.readlink(path)
            elif stat.S_ISDIR(info.st_mode):
                found[relative] = "folder"
            elif stat.S_ISREG(info.st_mode):
                found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[relative] = f"special {stat.S_IFMT(info.st_mode):o}"
    return found


def png(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` pixels (the pixel data is a stub)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b"\x00" * 64))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")
