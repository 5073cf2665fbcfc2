from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import shendu
from shendu.errors import DtypeError, ShapeError
from shendu.ops import rnn as R
from shendu.ops.rnn import packing
from tests.helpers import COUNTS, check, grad_check

# The LSTM step has a compiled path and a NumPy path: every case runs on both.
pytestmark = pytest.mark.usefixtures("kernel_path")


@pytest.fixture(autouse=True)
def _torch_single_thread() -> Any:
    """PyTorch's thread pool only slows these small recurrences down on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


GATES = {"lstm": 4, "gru": 3, "tanh": 1, "relu": 1}
TORCH_CELLS = {
    "lstm": torch.lstm_cell,
    "gru": torch.gru_cell,
    "tanh": torch.rnn_tanh_cell,
    "relu": torch.rnn_relu_cell,
}
SHENDU_CELLS = {"lstm": R.lstm_cell, "gru": R.gru_cell, "tanh": R.rnn_tanh_cell, "relu": R.rnn_relu_cell}


def _check(fn: Any, *inputs: Any) -> None:
    """``check`` in float64 at its strict tolerance, and in float32 at a looser one: several recurrent
    steps with unit-scale random weights accumulate float32 rounding beyond check's 1e-6 absolute."""
    check(fn, *inputs, dtypes=("float64",))
    check(fn, *inputs, dtypes=("float32",), rtol=1e-4, atol=1e-5)


def _weights(mode: str, features: int, hidden: int, bias: bool = True) -> tuple[tuple[int, ...], ...]:
    g = GATES[mode] * hidden
    shapes: tuple[tuple[int, ...], ...] = ((g, features), (g, hidden))
    return (*shapes, (g,), (g,)) if bias else shapes


# ---------------------------------------------------------------------------- cells
@pytest.mark.parametrize("mode", ["lstm", "gru", "tanh", "relu"])
@pytest.mark.parametrize("batch", [(4,), ()])
@pytest.mark.parametrize("bias", [True, False])
def test_cells_match_torch_functions(mode: str, batch: tuple[int, ...], bias: bool) -> None:
    hidden = 5
    state = (*batch, hidden)
    weights = _weights(mode, 3, hidden, bias)
    states = 2 if mode == "lstm" else 1

    def fn(m: Any, x: Any, *rest: Any) -> Any:
        state, w = rest[:states], rest[states:]
        if m is torch and x.ndim == 1:
            # torch's functional cells take batches only; run a batch of one and drop its axis.
            out = fn(m, x[None], *[s[None] for s in state], *w)
            return tuple(o[0] for o in out) if isinstance(out, tuple) else out[0]
        hx = tuple(state) if mode == "lstm" else state[0]
        return (TORCH_CELLS if m is torch else SHENDU_CELLS)[mode](x, hx, *w)

    _check(fn, (*batch, 3), *[state] * states, *weights)
    COUNTS["recurrent cases compared with torch"] += 1


@pytest.mark.parametrize("mode", ["lstm", "gru", "tanh", "relu"])
def test_cells_gradcheck(mode: str) -> None:
    cell = SHENDU_CELLS[mode]
    if mode == "lstm":
        grad_check(lambda m, x, h, c, *w: cell(x, (h, c), *w), (2, 3), (2, 4), (2, 4), *_weights(mode, 3, 4))
    else:
        grad_check(lambda m, x, h, *w: cell(x, h, *w), (2, 3), (2, 4), *_weights(mode, 3, 4), low=0.1, high=1.0)


def test_cells_default_to_zero_states() -> None:
    x, w = shendu.randn(2, 3), [shendu.randn(*s) for s in _weights("lstm", 3, 4)]
    h, c = R.lstm_cell(x, None, *w)
    h0, c0 = R.lstm_cell(x, (shendu.zeros(2, 4), shendu.zeros(2, 4)), *w)
    np.testing.assert_array_equal(h.numpy(), h0.numpy())
    np.testing.assert_array_equal(c.numpy(), c0.numpy())


# ---------------------------------------------------------------------------- layers
def _torch_layer(mode: str, x: Any, state: list[Any], weights: list[Any], reverse: bool, batch_first: bool) -> Any:
    """The same single layer direction through PyTorch's own functional RNN entry points."""
    params = list(weights)
    if reverse:
        # torch runs a bidirectional layer; the reverse half uses the second set of weights.
        params = [torch.zeros_like(w) for w in weights] + params
    hx = [torch.stack([torch.zeros_like(s), s]) if reverse else s.unsqueeze(0) for s in state]
    args = (params, len(weights) == 4, 1, 0.0, False, reverse, batch_first)
    if mode == "lstm":
        out, h, c = torch.lstm(x, tuple(hx), *args)
        finals = [h[-1], c[-1]]
    else:
        fn = {"gru": torch.gru, "tanh": torch.rnn_tanh, "relu": torch.rnn_relu}[mode]
        out, h = fn(x, hx[0], *args)
        finals = [h[-1]]
    hidden = state[0].shape[-1]
    return (out[..., hidden:] if reverse else out, *finals)


def _shendu_layer(mode: str, x: Any, state: list[Any], weights: list[Any], reverse: bool, batch_first: bool) -> Any:
    options = {"reverse": reverse, "batch_first": batch_first}
    if mode == "lstm":
        return R.lstm_layer(x, (state[0], state[1]), *weights, **options)
    if mode == "gru":
        return R.gru_layer(x, state[0], *weights, **options)
    return R.rnn_layer(x, state[0], *weights, nonlinearity=mode, **options)


@pytest.mark.parametrize("mode", ["lstm", "gru", "tanh", "relu"])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_layer_ops_match_torch(mode: str, reverse: bool, batch_first: bool, bias: bool) -> None:
    states = 2 if mode == "lstm" else 1
    x = (3, 6, 4) if batch_first else (6, 3, 4)
    weights = _weights(mode, 4, 5, bias)

    def fn(m: Any, x: Any, *rest: Any) -> Any:
        layer = _torch_layer if m is torch else _shendu_layer
        return layer(mode, x, list(rest[:states]), list(rest[states:]), reverse, batch_first)

    _check(fn, x, *[(3, 5)] * states, *weights)
    COUNTS["recurrent cases compared with torch"] += 1


@pytest.mark.parametrize("mode", ["lstm", "gru", "tanh", "relu"])
@pytest.mark.parametrize("reverse", [False, True])
def test_layer_ops_gradcheck(mode: str, reverse: bool) -> None:
    states = 2 if mode == "lstm" else 1

    def fn(m: Any, x: Any, *rest: Any) -> Any:
        return _shendu_layer(mode, x, list(rest[:states]), list(rest[states:]), reverse, False)

    grad_check(fn, (4, 2, 3), *[(2, 3)] * states, *_weights(mode, 3, 3), low=0.1, high=1.0)
    grad_check(fn, (4, 3), *[(3,)] * states, *_weights(mode, 3, 3, bias=False), low=0.1, high=1.0)


@pytest.mark.parametrize("mode", ["lstm", "gru", "tanh"])
@pytest.mark.parametrize("reverse", [False, True])
def test_packed_layer_ops_gradcheck(mode: str, reverse: bool) -> None:
    """Variable lengths by prefix sizes and a batch order: padded steps must carry no gradient."""
    states = 2 if mode == "lstm" else 1
    sizes, order = [3, 2, 2, 1], np.array([1, 2, 0])
    options = {"batch_sizes": sizes, "reverse": reverse, "sorted_indices": order}

    def fn(m: Any, x: Any, *rest: Any) -> Any:
        state, weights = list(rest[:states]), list(rest[states:])
        if mode == "lstm":
            return R.lstm_layer(x, (state[0], state[1]), *weights, **options)
        if mode == "gru":
            return R.gru_layer(x, state[0], *weights, **options)
        return R.rnn_layer(x, state[0], *weights, **options)

    grad_check(fn, (4, 3, 2), *[(3, 3)] * states, *_weights(mode, 2, 3), low=0.1, high=1.0)


def test_padded_steps_give_zero_outputs_and_gradients() -> None:
    w = [shendu.randn(*s, dtype=shendu.float64) for s in _weights("lstm", 2, 3)]
    x = shendu.randn(4, 2, 2, dtype=shendu.float64, requires_grad=True)
    for reverse in (False, True):
        x.grad = None
        out, h, _ = R.lstm_layer(x, None, *w, batch_sizes=[2, 1, 1, 1], reverse=reverse)
        assert not np.any(out.detach().numpy()[1:, 1])
        (out.sum() + h.sum()).backward()
        assert not np.any(x.grad.numpy()[1:, 1]) and np.all(x.grad.numpy()[0] != 0)


def test_float32_stays_float32_and_no_grad_runs() -> None:
    w = [shendu.randn(*s) for s in _weights("gru", 3, 4)]
    out, h = R.gru_layer(shendu.randn(5, 2, 3, requires_grad=True), None, *w)
    assert out.dtype == h.dtype == shendu.float32
    out.sum().backward()
    with shendu.no_grad():
        out, h = R.gru_layer(shendu.randn(5, 2, 3), None, *w)
    assert out.grad_fn is None


# ---------------------------------------------------------------------------- packing ops
def test_packing_ops_gradcheck() -> None:
    index = np.array([0, 1, 3, 4])
    grad_check(lambda m, x: packing.pack_rows(x, index), (2, 3, 2))
    grad_check(lambda m, d: packing.pad_rows(d, index, (2, 3), 0.5), (4, 2))
    grad_check(lambda m, a, b: packing.pad_sequences([a, b], True, 0.0, "left"), (3, 2), (1, 2))


# ---------------------------------------------------------------------------- errors
def test_layer_op_errors() -> None:
    w = [shendu.randn(*s) for s in _weights("lstm", 3, 4)]
    with pytest.raises(
        ShapeError,
        match=r"lstm_layer: input has 5 features but w_ih expects 3 \(input shape \(2, 1, 5\), w_ih shape \(16, 3\)\)",
    ):
        R.lstm_layer(shendu.randn(2, 1, 5), None, *w)
    with pytest.raises(
        ShapeError,
        match=r"lstm_layer: expected a 3-D input \(N, L, H_in\) or a 2-D unbatched input \(L, H_in\), got shape \(3,\)",
    ):
        R.lstm_layer(shendu.randn(3), None, *w, batch_first=True)
    with pytest.raises(ShapeError, match=r"lstm_layer: expected h0 of shape \(1, 4\), got \(2, 4\)"):
        R.lstm_layer(shendu.randn(2, 1, 3), (shendu.zeros(2, 4), shendu.zeros(1, 4)), *w)
    with pytest.raises(
        ShapeError, match=r"lstm_layer: expected a sequence of length at least 1, got input shape \(0, 2, 3\)"
    ):
        R.lstm_layer(shendu.randn(0, 2, 3), None, *w)
    with pytest.raises(
        ShapeError,
        match=r"batch_sizes must be 2 non-increasing positive counts starting at the batch size 2, got \[1, 2\]",
    ):
        R.lstm_layer(shendu.randn(2, 2, 3), None, *w, batch_sizes=[1, 2])
    with pytest.raises(
        ShapeError, match=r"gru_layer: w_hh must have shape \(3 \* hidden_size, hidden_size\), got \(16, 4\)"
    ):
        R.gru_layer(shendu.randn(2, 1, 3), None, *w)
    with pytest.raises(
        ShapeError, match=r"rnn_layer: w_ih must have shape \(4, input_size\) to match w_hh \(4, 4\), got \(3, 3\)"
    ):
        R.rnn_layer(shendu.randn(2, 1, 3), None, shendu.randn(3, 3), shendu.randn(4, 4))
    with pytest.raises(ShapeError, match=r"lstm_layer: b_hh must have shape \(16,\), got \(4,\)"):
        R.lstm_layer(shendu.randn(2, 1, 3), None, *w[:3], shendu.randn(4))
    with pytest.raises(ValueError, match="lstm_layer: give both b_ih and b_hh, or neither"):
        R.lstm_layer(shendu.randn(2, 1, 3), None, *w[:3])
    with pytest.raises(DtypeError, match="lstm_layer: input and weights must share one floating-point dtype"):
        R.lstm_layer(shendu.randn(2, 1, 3, dtype=shendu.float64), None, *w)
    with pytest.raises(
        DtypeError, match=r"lstm_layer: h0 has dtype shendu\.float64 but the input has dtype shendu\.float32"
    ):
        R.lstm_layer(shendu.randn(2, 1, 3), (shendu.zeros(1, 4, dtype=shendu.float64), shendu.zeros(1, 4)), *w)
    with pytest.raises(ValueError, match="rnn_layer: nonlinearity must be 'tanh' or 'relu', got 'gelu'"):
        R.rnn_layer(shendu.randn(2, 1, 3), None, shendu.randn(4, 3), shendu.randn(4, 4), nonlinearity="gelu")
    with pytest.raises(
        ShapeError,
        match=r"lstm_cell: expected a 2-D input \(N, H_in\) or a 1-D unbatched input \(H_in,\), got shape \(2, 1, 3\)",
    ):
        R.lstm_cell(shendu.randn(2, 1, 3), None, *w)
    with pytest.raises(TypeError, match="lstm_layer: expected w_ih to be a Tensor, got list"):
        R.lstm_layer(shendu.randn(2, 1, 3), None, [1.0], w[1])
