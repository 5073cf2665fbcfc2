"""Inference of the recurrent layers: chunked input projections give the training-mode outputs, and
memory does not grow with the all-steps projection."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import shendu
from shendu.nn.utils import rnn as srnn
from shendu.ops import rnn as R
from shendu.ops.rnn import _recurrence
from tests.helpers import COUNTS, FIGURES

# The LSTM step has a compiled path and a NumPy path: every case runs on both.
pytestmark = pytest.mark.usefixtures("kernel_path")

LAYERS = {"LSTM": shendu.nn.LSTM, "GRU": shendu.nn.GRU, "RNN": shendu.nn.RNN, "RNN_RELU": shendu.nn.RNN}
GATES = {"LSTM": 4, "GRU": 3, "RNN": 1, "RNN_RELU": 1}
FEATURES, HIDDEN, LENGTH, BATCH = 5, 6, 7, 4


def _outputs(model: Any, x: Any, recording: bool) -> list[np.ndarray]:
    """The output sequence and final states, run with autograd recording or under no_grad."""
    if recording:
        out, hidden = model(x)
    else:
        with shendu.no_grad():
            out, hidden = model(x)
    if isinstance(out, srnn.PackedSequence):
        out = out.data
    states = list(hidden) if isinstance(hidden, tuple) else [hidden]
    return [t.detach().numpy() for t in (out, *states)]


def _case(mode: str, layers: int, bidirectional: bool, batch_first: bool, packed: bool) -> tuple[Any, Any]:
    shendu.manual_seed(0)
    options = {"nonlinearity": "relu"} if mode == "RNN_RELU" else {}
    model = LAYERS[mode](
        FEATURES, HIDDEN, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first, **options
    ).to(shendu.float64)
    rng = np.random.default_rng(1)
    x = shendu.from_numpy(rng.standard_normal((BATCH, LENGTH, FEATURES) if batch_first else (LENGTH, BATCH, FEATURES)))
    if packed:
        x = srnn.pack_padded_sequence(x, [5, LENGTH, 2, 6], batch_first=batch_first, enforce_sorted=False)
    return model, x


CASES = list(itertools.product(LAYERS, (1, 2), (False, True), (False, True), (False, True)))


@pytest.mark.parametrize(("mode", "layers", "bidirectional", "batch_first", "packed"), CASES)
def test_inference_in_one_chunk_is_bitwise_the_training_output(
    mode: str, layers: int, bidirectional: bool, batch_first: bool, packed: bool
) -> None:
    """Below the chunk limit inference projects all steps in one product, as training does."""
    model, x = _case(mode, layers, bidirectional, batch_first, packed)
    for recorded, inferred in zip(_outputs(model, x, True), _outputs(model, x, False)):
        assert np.array_equal(recorded, inferred)
    COUNTS["recurrent layers compared in inference and training"] += 1


@pytest.mark.parametrize("steps", [1, 3])
@pytest.mark.parametrize(("mode", "layers", "bidirectional", "batch_first", "packed"), CASES)
def test_inference_in_chunks_of_steps_gives_the_training_output(
    monkeypatch: pytest.MonkeyPatch,
    steps: int,
    mode: str,
    layers: int,
    bidirectional: bool,
    batch_first: bool,
    packed: bool,
) -> None:
    """Chunks of one step, and of three over seven steps (a short last chunk, forward and in reverse).
    A chunk's product may round differently from the same columns inside one large product."""
    monkeypatch.setattr(_recurrence, "_CHUNK_VALUES", steps * GATES[mode] * HIDDEN * BATCH)
    model, x = _case(mode, layers, bidirectional, batch_first, packed)
    for recorded, inferred in zip(_outputs(model, x, True), _outputs(model, x, False)):
        np.testing.assert_allclose(inferred, recorded, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("op", ["lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"])
def test_cells_under_no_grad_are_bitwise_the_recorded_step(op: str) -> None:
    gates = {"lstm_cell": 4, "gru_cell": 3}.get(op, 1)
    rng = np.random.default_rng(2)
    shapes = ((3, 5), (gates * 6, 5), (gates * 6, 6), (gates * 6,), (gates * 6,))
    inputs = [shendu.tensor(rng.standard_normal(shape), requires_grad=True) for shape in shapes]
    recorded = getattr(R, op)(inputs[0], None, *inputs[1:])
    with shendu.no_grad():
        inferred = getattr(R, op)(inputs[0], None, *inputs[1:])
    for a, b in zip(*(r if isinstance(r, tuple) else (r,) for r in (recorded, inferred))):
        assert np.array_equal(a.detach().numpy(), b.numpy())


# Run in a fresh process so that the peak is the inference's, not whatever the test session left behind.
# A first small call loads the compiled kernels, whose compiler would otherwise count as growth.
_PEAK_SCRIPT = """
import gc
from pathlib import Path
import shendu

def status(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024

features, hidden, length, batch = {features}, {hidden}, {length}, {batch}
lstm = shendu.nn.LSTM(features, hidden)
with shendu.no_grad():
    lstm(shendu.randn(3, 2, features))
    x = shendu.randn(length, batch, features)
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM, the peak, to the current size
    before = status("VmRSS")
    out, _ = lstm(x)
    print(status("VmHWM") - before)
"""


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc to read the peak")
def test_lstm_inference_memory_does_not_grow_with_the_all_steps_projection(kernel_path: str) -> None:
    """An LSTM over 400 steps of 1,000 sequences under no_grad: projecting every step at once would
    take 205 MB, besides the 51 MB output; the chunked projection keeps one chunk (at most 16 MB)."""
    features, hidden, length, batch = 8, 32, 400, 1000
    script = _PEAK_SCRIPT.format(features=features, hidden=hidden, length=length, batch=batch)
    env = {**os.environ, "SHENDU_NUMBA": "1" if kernel_path == "compiled" else "0"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    growth = int(done.stdout.split()[-1])
    projection = 4 * hidden * length * batch * 4
    output = hidden * (length + 1) * batch * 4
    FIGURES[f"LSTM inference peak growth, 400 steps x 1,000 sequences, output 51 MB ({kernel_path})"] = (
        f"{growth / 2**20:.0f} MB"
    )
    assert growth < projection / 2, f"grew {growth / 2**20:.0f} MB; projecting all steps takes {projection / 2**20:.0f}"
    assert growth > output / 2  # the measurement saw the output being written


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_inference_on_an_empty_batch(mode: str) -> None:
    layer = {"LSTM": shendu.nn.LSTM, "GRU": shendu.nn.GRU, "RNN_TANH": shendu.nn.RNN}[mode](3, 5)
    cell = {"LSTM": shendu.nn.LSTMCell, "GRU": shendu.nn.GRUCell, "RNN_TANH": shendu.nn.RNNCell}[mode](3, 5)
    with shendu.no_grad():
        out = layer(shendu.zeros(4, 0, 3))[0]
        state = cell(shendu.zeros(0, 3))
    assert out.shape == (4, 0, 5)
    assert (state[0] if mode == "LSTM" else state).shape == (0, 5)
