"""The typed arguments of ``shendu``: each turns text into a value or says, in one line, what it expected."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import pytest

from shendu.cli_args import (
    OneLineParser,
    debug_requested,
    existing_file,
    one_line,
    positive_float,
    positive_int,
    random_seed,
    run_name,
)


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        (positive_int, "3", 3),
        (positive_int, " +7 ", 7),
        (positive_float, "1e-3", 1e-3),
        (random_seed, "0", 0),
        (random_seed, str(2**63 - 1), 2**63 - 1),
        (run_name, "my-run", "my-run"),
    ],
)
def test_good_values(kind: object, text: str, value: object) -> None:
    assert kind(text) == value  # type: ignore[operator]


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (positive_int, "0", "expected a positive integer, got '0'"),
        (positive_int, "1.5", "expected an integer, got '1.5'"),
        (positive_int, "9" * 40, "expected an integer, got '9999"),
        (positive_int, "١٢", "expected an integer, got '١٢'"),
        (positive_float, "nan", "expected a finite number > 0, got 'nan'"),
        (positive_float, "-inf", "expected a finite number > 0, got '-inf'"),
        (positive_float, "0", "expected a finite number > 0, got '0'"),
        (positive_float, "fast", "expected a number, got 'fast'"),
        (random_seed, "-5", r"expected a seed in [0, 2**63 - 1], got '-5'"),
        (random_seed, str(2**63), r"expected a seed in [0, 2**63 - 1]"),
        (run_name, "", "expected a folder name without '/', got ''"),
        (run_name, "..", "expected a folder name without '/', got '..'"),
        (run_name, "a/b", "expected a folder name without '/', got 'a/b'"),
    ],
)
def test_bad_values_say_what_was_expected(kind: object, text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as info:
        kind(text)  # type: ignore[operator]
    assert str(info.value).startswith(message)


def test_existing_file_refuses_what_would_block_or_is_not_there(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    assert existing_file(str(tmp_path / "f")) == str(tmp_path / "f")
    os.mkfifo(tmp_path / "fifo")
    for path, message in [
        (tmp_path / "fifo", "is not a regular file (a FIFO, socket or device)"),
        (tmp_path, "is a folder, not a file"),
        (tmp_path / "missing", "no such file: "),
        ("bad\0name", "cannot read 'bad\\x00name'"),
    ]:
        with pytest.raises(argparse.ArgumentTypeError, match=re.escape(message)):
            existing_file(str(path))


def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    parser = OneLineParser(prog="shendu demo")
    parser.add_argument("--n", type=positive_int)
    with pytest.raises(SystemExit) as info:
        parser.parse_args(["--n", "0"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err == "shendu demo: argument --n: expected a positive integer, got '0' (see shendu demo --help)\n"


def test_debug_is_taken_out_anywhere_before_a_double_dash() -> None:
    assert debug_requested(["train", "--debug", "--epochs", "1"]) == (["train", "--epochs", "1"], True)
    assert debug_requested(["eval", "--", "--debug"]) == (["eval", "--", "--debug"], False)
    assert one_line("a\n  b\tc ") == "a b c"
