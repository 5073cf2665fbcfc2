"""Fuzzing the ``shendu`` command: hundreds of generated mistakes across train, eval, predict and lab.

A sandbox holds what a user's folder holds: a finished run, hostile files (garbage, truncated and
corrupt checkpoints, NaN weights, decompression-bomb and broken images, a FIFO, symlinks to a file
that must not change, a loop of links) and plain files. A seeded generator builds command lines
from a valid base and one to three mistakes: out-of-range and malformed numbers, unknown choices
and flags, missing values, conflicting flags, hostile files in every file argument, bad folders and
environment variables. Every generated line is wrong somewhere, so every one must:

- exit with a non-zero status and exactly one line on stderr, ``shendu <command>: ...``;
- print no traceback, and finish within its time limit (a FIFO must not block);
- leave every file in the sandbox byte-identical, add nothing, and remove nothing.

The lines run in one child process (``tests/cli_runner.py``), which calls ``shendu.cli.main`` as the
console script does; the number of lines goes to ``COUNTS["CLI cases fuzzed"]``.
"""

from __future__ import annotations

import os
import random
import struct
from pathlib import Path
from typing import Any

import pytest

import shendu
from shendu import cli
from tests.cli_helpers import error_line, png, run_many, snapshot
from tests.helpers import COUNTS

CASES = 250  # distinct command lines
SEED = 0


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A user's folder: a finished run, hostile files and links; returns the paths the generator draws from."""
    root = tmp_path_factory.mktemp("sandbox")
    runs = root / "runs"
    assert (
        cli.main(["train", "--dataset", "digits", "--model", "mlp", "--epochs", "1", "--quiet", "--out", str(runs)])
        == 0
    )
    run = runs / "mlp-digits"
    files = root / "files"
    files.mkdir()
    victim = root / "victim.txt"
    victim.write_text("must never change")
    good = shendu.load(run / "best.safetensors")
    hostile = {
        "garbage": os.urandom(512),
        "empty": b"",
        "truncated": (run / "last.ckpt").read_bytes()[:3000],
        "header-only": (run / "best.safetensors").read_bytes()[:16],
        "huge-header": struct.pack("<Q", 2**60) + b"{}",
        "pickle": b"\x80\x04\x95" + os.urandom(64),
        "bomb.png": png(100_000, 100_000),
        "large.png": png(9_000, 9_000),
        "cut.png": png(8, 8)[:40],
        "text.png": b"not an image at all",
    }
    for name, data in hostile.items():
        (files / name).write_bytes(data)
    shendu.save({**good, "model": {k: v * float("nan") for k, v in good["model"].items()}}, files / "nan.safetensors")
    shendu.save({**good, "config": {**good["config"], "model": "transformer"}}, files / "alien.safetensors")
    shendu.save({**good, "config": {**good["config"], "classes": 7}}, files / "classless.safetensors")
    shendu.save([1, 2, 3], files / "list.safetensors")
    shendu.save({"model": {"w": shendu.zeros(2)}, "config": good["config"]}, files / "misfit.safetensors")
    os.mkfifo(files / "fifo")
    (files / "link-to-victim").symlink_to(victim)
    (files / "loop-a").symlink_to(files / "loop-b")
    (files / "loop-b").symlink_to(files / "loop-a")
    (files / "a folder").mkdir()
    checkpoints = [files / n for n in ("garbage", "empty", "truncated", "header-only", "huge-header", "pickle")]
    checkpoints += [files / f"{n}.safetensors" for n in ("nan", "alien", "classless", "list", "misfit")]
    checkpoints += [files / n for n in ("fifo", "link-to-victim", "loop-a", "a folder", "missing")]
    images = [files / n for n in ("bomb.png", "large.png", "cut.png", "text.png", "fifo", "loop-a", "a folder")]
    images += [files / "missing.png", files / "garbage"]
    not_folders = [files / "garbage", files / "fifo", victim, files / "loop-a", files / "garbage" / "below"]
    return {
        "root": root,
        "runs": runs,
        "good": run / "best.safetensors",
        "checkpoints": [str(p) for p in checkpoints],
        "images": [str(p) for p in images],
        "not_folders": [str(p) for p in not_folders],
    }


BAD_INTS = ["0", "-1", "-3", "1.5", "abc", "", " ", "1e3", "0x10", "9" * 40, "nan", "٣"]
BAD_FLOATS = ["0", "-1", "nan", "-nan", "inf", "-inf", "1e999", "abc", "", "0x1p3", "1,5"]
BAD_SEEDS = ["-1", "-5", str(2**64), "1.0", "seed", ""]
BAD_QUESTIONS = ["0", "26", "-1", "99", "abc", "²", "", "1.5", "3 4", "deep_learning", "١"]
NUMERIC = {
    "--epochs": BAD_INTS,
    "--batch-size": BAD_INTS,
    "--threads": BAD_INTS,
    "--checkpoint-every": BAD_INTS,
    "--lr": BAD_FLOATS,
    "--seed": BAD_SEEDS,
}
CHOICES = {
    "--model": ["transformer", "MLP", "", "lenet5"],
    "--dataset": ["cifar10", "Digits", "", "../digits"],
    "--optimizer": ["adagrad", "SGD", ""],
    "--scheduler": ["linear", "", "none "],
    "--preset": ["fast", "", "default "],
}
# Settings that are valid alone (the generated line fails elsewhere).
NOISE = [["--seed", "7"], ["--threads", "1"], ["--scheduler", "cosine"], ["--optimizer", "sgd"], ["--lr", "0.01"]]


class Generator:
    def __init__(self, box: dict[str, Any], seed: int) -> None:
        self.box, self.rng = box, random.Random(seed)

    def pick(self, options: list[Any]) -> Any:
        return self.rng.choice(options)

    def train(self) -> tuple[list[str], dict[str, str | None]]:
        # The base names the finished run, so that without --resume or --overwrite it is refused too.
        args = ["train", "--dataset", "digits", "--model", "mlp", "--epochs", "1", "--quiet"]
        args += ["--out", str(self.box["runs"]), "--name", "mlp-digits"]
        env: dict[str, str | None] = {}
        for _ in range(self.rng.randint(1, 3)):
            kind = self.pick(["number", "number", "choice", "flag", "missing", "conflict", "name", "out", "env"])
            if kind == "number":
                flag = self.pick(sorted(NUMERIC))
                args += [flag, self.pick(NUMERIC[flag])]
            elif kind == "choice":
                flag = self.pick(sorted(CHOICES))
                args += [flag, self.pick(CHOICES[flag])]
            elif kind == "flag":
                args.append(self.pick(["--epochz", "-x", "--resume=yes", "--quiet=1", "extra", "--", "--lr="]))
            elif kind == "missing":
                args.append(self.pick(["--epochs", "--lr", "--out", "--name", "--seed", "--model"]))
            elif kind == "conflict":
                args += self.pick([["--resume", "--overwrite"], ["--resume"], ["--resume", "--epochs", "9"]])
                args += self.pick([["--model", "lenet"], ["--resume"], ["--lr", "0.5"], []])
            elif kind == "name":
                args += ["--name", self.pick(["", ".", "..", "a/b", "../escape", "/abs"])]
            elif kind == "out":
                args += ["--out", self.pick(self.box["not_folders"])]
            else:
                env["SHENDU_DATA"] = self.pick([self.box["images"][0], str(self.box["root"] / "nowhere")])
            if self.rng.random() < 0.3:
                args += self.pick(NOISE)
        return args, env

    def evaluate(self) -> tuple[list[str], dict[str, str | None]]:
        args = ["eval", self.pick(self.box["checkpoints"])]
        if self.rng.random() < 0.25:
            args += self.pick([["extra"], ["--epochs", "1"], [str(self.box["good"])]])
        return args, {}

    def predict(self) -> tuple[list[str], dict[str, str | None]]:
        if self.rng.random() < 0.4:
            checkpoint = self.pick(self.box["checkpoints"])
            images = [self.pick(self.box["images"]) for _ in range(self.rng.randint(0, 2))] or [str(self.box["good"])]
        else:
            checkpoint = str(self.box["good"])
            images = [self.pick(self.box["images"]) for _ in range(self.rng.randint(1, 3))]
        return ["predict", checkpoint, *images], {}

    def lab(self) -> tuple[list[str], dict[str, str | None]]:
        kind = self.pick(["question", "seed", "modes", "out", "report", "list", "sub"])
        if kind == "question":
            return ["lab", "run", self.pick(BAD_QUESTIONS), *self.pick([[], ["--quick"], ["--seed", "1"]])], {}
        if kind == "seed":
            return ["lab", "run", self.pick(["3", "lstm", "99"]), "--seed", self.pick(BAD_SEEDS)], {}
        if kind == "modes":
            return ["lab", self.pick(["run", "report"]), "3", "--quick", "--full"], {}
        if kind == "out":
            return ["lab", "run", self.pick(["3", "21"]), "--quick", "--out", self.pick(self.box["not_folders"])], {}
        if kind == "report":
            return ["lab", "report", *self.pick([[], ["--out"], ["--out", self.pick(self.box["not_folders"])]])], {}
        if kind == "list":
            return ["lab", "list", self.pick(["extra", "--quick", "--out"])], {}
        return ["lab", self.pick(["", "runn", "reports", "--seed"])], {}

    def junk(self) -> tuple[list[str], dict[str, str | None]]:
        return self.pick([[], ["trian"], ["--epochs", "3"], ["eval"], ["predict"], ["predict", "x"], ["info", "x"]]), {}

    def cases(self, count: int) -> list[dict[str, Any]]:
        makers = [self.train] * 4 + [self.evaluate] * 2 + [self.predict] * 2 + [self.lab] * 2 + [self.junk]
        cases: dict[str, dict[str, Any]] = {}
        while len(cases) < count:
            argv, env = self.pick(makers)()
            cases.setdefault(repr((argv, env)), {"argv": argv, "env": env, "seconds": 60})
        return list(cases.values())


def test_generated_mistakes_are_one_line_and_touch_nothing(sandbox: dict[str, Any], tmp_path: Path) -> None:
    cases = Generator(sandbox, SEED).cases(CASES)
    before = snapshot(sandbox["root"])
    results = run_many(cases, tmp_path, timeout=900)
    failures = []
    for case, result in zip(cases, results):
        try:
            error_line(result, code=None)
        except AssertionError as exc:
            failures.append(f"{case['argv']} {case['env']}: {exc}")
    assert snapshot(sandbox["root"]) == before, "a pre-existing file was changed, added or removed"
    assert not failures, f"{len(failures)} of {len(cases)} failed:\n" + "\n".join(failures[:20])
    COUNTS["CLI cases fuzzed (0 tracebacks, 0 hangs, 0 files changed)"] += len(cases)
