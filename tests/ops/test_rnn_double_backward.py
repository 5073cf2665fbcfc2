"""Second derivatives through the recurrent ops (their forwards written with differentiable ops), against PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import shendu
from shendu.autograd import gradgradcheck
from shendu.ops import rnn as rnn_ops
from tests.helpers import COUNTS, check_grad_grad


def _cell(m: Any, name: str) -> Any:
    return getattr(torch, name) if m is torch else getattr(rnn_ops, name)


CELL_CASES = [
    ("lstm_cell", lambda m, x, h, c, wi, wh, bi, bh: _cell(m, "lstm_cell")(x, (h, c), wi, wh, bi, bh), 4),
    ("gru_cell", lambda m, x, h, wi, wh, bi, bh: _cell(m, "gru_cell")(x, h, wi, wh, bi, bh), 3),
    ("rnn_tanh_cell", lambda m, x, h, wi, wh, bi, bh: _cell(m, "rnn_tanh_cell")(x, h, wi, wh, bi, bh), 1),
    ("rnn_relu_cell", lambda m, x, h, wi, wh, bi, bh: _cell(m, "rnn_relu_cell")(x, h, wi, wh, bi, bh), 1),
]


def _cell_shapes(name: str, gates: int) -> tuple[tuple[int, ...], ...]:
    states = ((2, 4), (2, 4)) if name == "lstm_cell" else ((2, 4),)
    return ((2, 3), *states, (gates * 4, 3), (gates * 4, 4), (gates * 4,), (gates * 4,))


@pytest.mark.parametrize(("name", "fn", "gates"), CELL_CASES, ids=[c[0] for c in CELL_CASES])
def test_cell_second_derivative_matches_torch(name: str, fn: Any, gates: int) -> None:
    check_grad_grad(fn, *_cell_shapes(name, gates))


def _layer_program(lib: Any, mode: str, packed: bool, bidirectional: bool, batch_first: bool) -> list[np.ndarray]:
    """A gradient penalty through a two-layer recurrent network: the input gradient of a loss, taken
    with create_graph=True, is squared and summed, and that is differentiated again."""
    rng = np.random.default_rng(0)
    layer = {"LSTM": lib.nn.LSTM, "GRU": lib.nn.GRU, "RNN": lib.nn.RNN}[mode]
    net = layer(3, 4, num_layers=2, bidirectional=bidirectional, batch_first=batch_first).double()
    with lib.no_grad():
        for p in net.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)) * 0.5))
    x = lib.tensor(rng.standard_normal((3, 5, 3) if batch_first else (5, 3, 3)), requires_grad=True)
    rnn_utils = lib.nn.utils.rnn
    feed = rnn_utils.pack_padded_sequence(x, [2, 5, 3], batch_first=batch_first, enforce_sorted=False) if packed else x
    out, state = net(feed)
    if packed:
        out = rnn_utils.pad_packed_sequence(out, batch_first=batch_first)[0]
    h_n = state[0] if mode == "LSTM" else state
    loss = (out**2).sum() + h_n.sin().sum()
    (grad,) = lib.autograd.grad(loss, x, create_graph=True)
    (grad**2).sum().backward()
    return [grad.detach().numpy(), x.grad.numpy(), *(p.grad.numpy() for p in net.parameters())]


LAYOUTS = [(p, b, f) for p in (False, True) for b in (False, True) for f in (False, True)]


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize(("packed", "bidirectional", "batch_first"), LAYOUTS)
def test_layer_gradient_penalty_matches_torch(mode: str, packed: bool, bidirectional: bool, batch_first: bool) -> None:
    expected = _layer_program(torch, mode, packed, bidirectional, batch_first)
    got = _layer_program(shendu, mode, packed, bidirectional, batch_first)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-11)
    COUNTS["second-derivative cases compared with torch"] += 1


@pytest.mark.parametrize("name", ["lstm_layer", "gru_layer", "rnn_layer"])
def test_layer_gradgradcheck(name: str) -> None:
    rng = np.random.default_rng(1)
    gates = {"lstm_layer": 4, "gru_layer": 3, "rnn_layer": 1}[name]
    shapes = [(3, 2, 2), (gates * 3, 2), (gates * 3, 3), (gates * 3,), (gates * 3,)]
    x, w_ih, w_hh, b_ih, b_hh = (shendu.tensor(rng.standard_normal(s) * 0.5, requires_grad=True) for s in shapes)
    op = getattr(rnn_ops, name)
    assert gradgradcheck(lambda *t: op(t[0], None, *t[1:], reverse=True)[0], (x, w_ih, w_hh, b_ih, b_hh))
    COUNTS["float64 gradgradchecks"] += 1


@pytest.mark.parametrize(("name", "fn", "gates"), CELL_CASES, ids=[c[0] for c in CELL_CASES])
def test_cell_gradgradcheck(name: str, fn: Any, gates: int) -> None:
    rng = np.random.default_rng(2)
    tensors = [shendu.tensor(rng.standard_normal(s) * 0.5, requires_grad=True) for s in _cell_shapes(name, gates)]
    assert gradgradcheck(lambda *t: fn(shendu, *t), tuple(tensors))
    COUNTS["float64 gradgradchecks"] += 1
