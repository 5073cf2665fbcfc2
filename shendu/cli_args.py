"""Argument checking for the ``shendu`` command: typed arguments that fail at parse time, in one line.

Each function here is an argparse ``type=``: it turns the text into a value or raises
``argparse.ArgumentTypeError`` with what was expected, which ``OneLineParser`` prints as
``shendu train: argument --epochs: expected a positive integer, got '0'`` and exit status 2. A new
subcommand or flag picks the type that fits::

    train.add_argument("--epochs", type=positive_int)
    train.add_argument("--lr", type=positive_float)
    evaluate.add_argument("checkpoint", type=existing_file)

so that a bad value never reaches the code that would fail on it with a traceback.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import stat
import sys
from typing import NoReturn

__all__ = [
    "OneLineParser",
    "debug_requested",
    "existing_file",
    "non_negative_int",
    "one_line",
    "positive_float",
    "positive_int",
    "random_seed",
    "run_name",
    "stdout_closed",
]

MAX_SEED = 2**63 - 1


def one_line(text: str) -> str:
    """``text`` with its line breaks and runs of spaces folded into single spaces."""
    return " ".join(str(text).split())


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line: ``PROG: MESSAGE (see PROG --help)``, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {one_line(message)} (see {self.prog} --help)\n")


def _integer(text: str) -> int:
    if not re.fullmatch(r"\s*[+-]?[0-9]{1,30}\s*", text):
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}")
    return int(text)


def positive_int(text: str) -> int:
    """An integer >= 1 (epochs, batch sizes, thread counts, checkpoint intervals)."""
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def batch_or_dynamic(text: str) -> int | None:
    """A positive batch size, or ``dynamic`` (None): any batch size."""
    if text == "dynamic":
        return None
    try:
        return positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected a positive integer or 'dynamic', got {text!r}") from None


def non_negative_int(text: str) -> int:
    """An integer >= 0."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def random_seed(text: str) -> int:
    """A random seed: an integer in [0, 2**63 - 1]."""
    value = _integer(text)
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected a seed in [0, 2**63 - 1], got {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (learning rates): not 0, negative, NaN or infinite."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def existing_file(text: str) -> str:
    """The path of an existing, readable regular file (a FIFO or device would block or never end)."""
    try:
        info = os.stat(text)
    except FileNotFoundError:
        raise argparse.ArgumentTypeError(f"no such file: {text!r}") from None
    except (OSError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"cannot read {text!r}: {getattr(exc, 'strerror', None) or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise argparse.ArgumentTypeError(f"{text!r} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise argparse.ArgumentTypeError(f"{text!r} is not a regular file (a FIFO, socket or device)")
    if not os.access(text, os.R_OK):
        raise argparse.ArgumentTypeError(f"cannot read {text!r}: permission denied")
    return text


def run_name(text: str) -> str:
    """A run folder's name: one path component, not empty, not ``.`` or ``..``."""
    if not text or text in (".", "..") or "/" in text or os.sep in text or "\0" in text:
        raise argparse.ArgumentTypeError(f"expected a folder name without '/', got {text!r}")
    return text


def debug_requested(argv: list[str]) -> tuple[list[str], bool]:
    """``argv`` without ``--debug`` (accepted anywhere before ``--``), and whether it was there."""
    end = argv.index("--") if "--" in argv else len(argv)
    kept = [a for a in argv[:end] if a != "--debug"] + argv[end:]
    return kept, len(kept) != len(argv)


def stdout_closed() -> None:
    """After a BrokenPipeError: send what is left of stdout to /dev/null so that exiting stays silent."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
