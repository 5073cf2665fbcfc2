"""Every program in examples/ runs (in its small mode, where it has one) and prints a result worth having."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run_example(name: str, *args: str, cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in:\n{text}"
    return float(match.group(1))


def test_every_example_has_a_test() -> None:
    tested = set(re.findall(r'run_example\("(\w+\.py)"', Path(__file__).read_text()))
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_fashion_mnist_cnn(tmp_path: Path) -> None:
    out = run_example("fashion_mnist_cnn.py", "--quick", "--epochs", "1", cwd=tmp_path)
    assert number(r"test accuracy (\S+)", out) > 0.6
    assert "best epoch 1 restored from runs/example-fashion-cnn/best.safetensors" in out
    assert (tmp_path / "runs" / "example-fashion-cnn" / "best.safetensors").exists()


def test_char_rnn(tmp_path: Path) -> None:
    out = run_example("char_rnn.py", "--quick", cwd=tmp_path)
    assert "\nThe " in out  # the generated text starts from the prompt
    assert number(r"validation (\S+) bits/char", out) < number(r"unigram (\S+)\)", out)


def test_gan_mixture(tmp_path: Path) -> None:
    out = run_example("gan_mixture.py", "--quick", cwd=tmp_path)
    assert number(r"modes covered (\d+)/8", out) >= 6
    assert number(r"high-quality samples (\S+)%", out) > 10


def test_wgan_gp(tmp_path: Path) -> None:
    out = run_example("wgan_gp.py", "--quick", cwd=tmp_path)
    last = out.strip().splitlines()[-1]
    assert re.fullmatch(r"mode coverage: [0-8]/8 modes, \d+\.\d% of samples near a mode, \d+ s", last), last


def test_vae_fashion_mnist(tmp_path: Path) -> None:
    out = run_example("vae_fashion_mnist.py", "--quick", "--out", "vae", cwd=tmp_path)
    # An untrained decoder scores about 544 nats (784 pixels at log 2 each); one short epoch gets far below.
    assert number(r"test negative ELBO (\S+) nats", out) < 400
    assert (tmp_path / "vae" / "samples.png").stat().st_size > 1000


def test_rbm_digits(tmp_path: Path) -> None:
    out = run_example("rbm_digits.py", "--quick", cwd=tmp_path)
    before, after = re.search(r"likelihood on the test digits: (\S+) before training, (\S+) after", out).groups()
    assert float(after) > float(before)
    assert number(r"RBM features (\S+)", out) > 0.5


def test_sentiment_lstm(tmp_path: Path) -> None:
    from shendu.datasets import Polarity

    try:
        Polarity(split="val")
    except (TypeError, FileNotFoundError) as exc:
        pytest.skip(f"the polarity corpus does not ship with shendu yet ({exc})")
    out = run_example("sentiment_lstm.py", "--quick", cwd=tmp_path)
    assert number(r"test accuracy (\S+)", out) > 0.55


def test_transformer_lm(tmp_path: Path) -> None:
    from shendu import nn

    if not hasattr(nn, "TransformerEncoder"):
        pytest.skip("nn.TransformerEncoder is not in this version yet")
    out = run_example("transformer_lm.py", "--quick", cwd=tmp_path)
    assert "\nThe " in out
    # Better than guessing uniformly among the 94 characters (6.55 bits).
    assert number(r"validation (\S+) bits/char", out) < 6.0


def test_spirals(tmp_path: Path) -> None:
    out = run_example("spirals.py", cwd=tmp_path)
    assert number(r"step  1500  loss \S+  accuracy\s+(\S+)%", out) > 85


def test_truncated_bptt(tmp_path: Path) -> None:
    out = run_example("truncated_bptt.py", cwd=tmp_path)
    model, naive = re.search(r"RMSE (\S+) sunspots; 'same as last year' gives (\S+)", out).groups()
    assert float(model) < float(naive)
