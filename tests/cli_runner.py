"""``python -m tests.cli_runner CASES.json RESULTS.json``: many ``shendu`` command lines in one process.

Starting Python and importing shendu takes about a second here, so the CLI tests that need many
command lines (the error table, the fuzzer) run them through this runner: one child process calls
``shendu.cli.main(argv)`` for each case, as the console script does, and records the exit status,
stdout and stderr (everything written through ``sys.stdout``/``sys.stderr``: prints, argparse,
warnings), any exception that escaped ``main`` with its traceback (which the console script would
have printed), and whether the case ran past its time limit.

A case is ``{"argv": [...], "env": {NAME: VALUE or null}, "seconds": LIMIT}``; a result is
``{"code": int or null, "stdout": str, "stderr": str, "traceback": str or null, "hang": bool}``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys
import traceback
from typing import Any


class Hang(BaseException):
    """Raised by the alarm when a case runs past its limit; a BaseException so that no handler eats it."""


def _alarm(signum: int, frame: Any) -> None:
    raise Hang


@contextlib.contextmanager
def environment(changes: dict[str, str | None]) -> Any:
    saved = {name: os.environ.get(name) for name in changes}
    for name, value in changes.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    from shendu.cli import main

    out, err = io.StringIO(), io.StringIO()
    result: dict[str, Any] = {"code": None, "traceback": None, "hang": False}
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, float(case.get("seconds", 60)))
    try:
        with environment(case.get("env", {})), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            result["code"] = main(case["argv"])
    except SystemExit as exc:
        result["code"] = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Hang:
        result["hang"] = True
    except BaseException:
        result["traceback"] = traceback.format_exc()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    result["stdout"], result["stderr"] = out.getvalue(), err.getvalue()
    return result


def main() -> None:
    cases_path, results_path = sys.argv[1], sys.argv[2]
    with open(cases_path) as handle:
        cases = json.load(handle)
    results = [run_case(case) for case in cases]
    with open(results_path, "w") as handle:
        json.dump(results, handle)


if __name__ == "__main__":
    main()
