"""The recurrent ops written again with differentiable ops, step by step, for double backward.

The fused layer ops of this package compute their gradients on raw arrays, which is fast but
cannot be differentiated again. Under ``create_graph=True`` (a gradient penalty on a recurrent
critic, a Hessian-vector product through an LSTM) autograd differentiates these functions
instead: each takes the op's inputs as tensors and its keyword parameters, and returns what the
op's forward returns, built from matrix products, sigmoids, tanh, slices and concatenations.

They follow the fused ops' conventions: PyTorch's gate order (``i, f, g, o`` for the LSTM,
``r, z, n`` for the GRU); a packed batch sorted by decreasing length, where step ``t`` updates
only the first ``batch_sizes[t]`` sequences, the others keep their state and their outputs are
zero; ``order`` takes the initial states' rows in the packed order and returns the final states
in the caller's order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ...tensor import Tensor
from ..shape import cat, stack

# A step: (projected input of the running rows, their states) -> their new states.
Step = Callable[[Tensor, tuple[Tensor, ...]], tuple[Tensor, ...]]


def _affine(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    out = x @ w.t()
    return out if b is None else out + b


def _biases(biases: Sequence[Tensor]) -> tuple[Tensor | None, Tensor | None]:
    return (biases[0], biases[1]) if biases else (None, None)


def _lstm_step(w_hh: Tensor, b_hh: Tensor | None) -> Step:
    def step(projected: Tensor, states: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        h, c = states
        i, f, g, o = (projected + _affine(h, w_hh, b_hh)).chunk(4, dim=-1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        return o.sigmoid() * c.tanh(), c

    return step


def _gru_step(w_hh: Tensor, b_hh: Tensor | None) -> Step:
    def step(projected: Tensor, states: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        (h,) = states
        x_r, x_z, x_n = projected.chunk(3, dim=-1)
        h_r, h_z, h_n = _affine(h, w_hh, b_hh).chunk(3, dim=-1)
        r, z = (x_r + h_r).sigmoid(), (x_z + h_z).sigmoid()
        n = (x_n + r * h_n).tanh()
        return ((1 - z) * n + z * h,)

    return step


def _elman_step(w_hh: Tensor, b_hh: Tensor | None, nonlinearity: str) -> Step:
    def step(projected: Tensor, states: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        pre = projected + _affine(states[0], w_hh, b_hh)
        return (pre.relu() if nonlinearity == "relu" else pre.tanh(),)

    return step


def _run(
    x: Tensor,
    states: tuple[Tensor, ...],
    w_ih: Tensor,
    b_ih: Tensor | None,
    step: Step,
    batch_sizes: tuple[int, ...] | None,
    reverse: bool,
    batch_first: bool,
    order: Any,
) -> tuple[Tensor, ...]:
    """Run ``step`` over the sequence; return the output sequence and the final states."""
    unbatched = x.ndim == 2
    if unbatched:
        x, states = x.unsqueeze(1), tuple(s.unsqueeze(0) for s in states)
    elif batch_first:
        x = x.transpose(0, 1)
    if order is not None:
        states = tuple(s[order] for s in states)
    length, batch = x.shape[0], x.shape[1]
    projected = _affine(x, w_ih, b_ih)
    outputs: list[Tensor | None] = [None] * length
    for t in range(length - 1, -1, -1) if reverse else range(length):
        running = batch if batch_sizes is None else batch_sizes[t]
        if running == batch:
            states = step(projected[t], states)
            outputs[t] = states[0]
            continue
        new = step(projected[t, :running], tuple(s[:running] for s in states))
        states = tuple(cat([n, s[running:]]) for n, s in zip(new, states))
        outputs[t] = cat([new[0], new[0].new_zeros((batch - running, new[0].shape[1]))])
    out = stack(outputs)
    if order is not None:
        inverse = order.argsort()  # the inverse of a permutation
        states = tuple(s[inverse] for s in states)
    if unbatched:
        return (out.squeeze(1), *(s.squeeze(0) for s in states))
    return (out.transpose(0, 1) if batch_first else out, *states)


def lstm_graph(
    x: Tensor, h0: Tensor, c0: Tensor, w_ih: Tensor, w_hh: Tensor, *biases: Tensor, **options: Any
) -> tuple[Tensor, ...]:
    """``LSTMLayer``'s forward with differentiable ops: ``(output, h_n, c_n)``."""
    b_ih, b_hh = _biases(biases)
    return _run(x, (h0, c0), w_ih, b_ih, _lstm_step(w_hh, b_hh), **options)


def gru_graph(x: Tensor, h0: Tensor, w_ih: Tensor, w_hh: Tensor, *biases: Tensor, **options: Any) -> tuple[Tensor, ...]:
    """``GRULayer``'s forward with differentiable ops: ``(output, h_n)``."""
    b_ih, b_hh = _biases(biases)
    return _run(x, (h0,), w_ih, b_ih, _gru_step(w_hh, b_hh), **options)


def elman_graph(
    x: Tensor, h0: Tensor, w_ih: Tensor, w_hh: Tensor, *biases: Tensor, nonlinearity: str = "tanh", **options: Any
) -> tuple[Tensor, ...]:
    """``RNNLayer``'s forward with differentiable ops: ``(output, h_n)``."""
    b_ih, b_hh = _biases(biases)
    return _run(x, (h0,), w_ih, b_ih, _elman_step(w_hh, b_hh, nonlinearity), **options)


def _cell(step: Step, x: Tensor, states: tuple[Tensor, ...], w_ih: Tensor, b_ih: Tensor | None) -> tuple[Tensor, ...]:
    return step(_affine(x, w_ih, b_ih), states)


def lstm_cell_graph(
    x: Tensor, h: Tensor, c: Tensor, w_ih: Tensor, w_hh: Tensor, *biases: Tensor
) -> tuple[Tensor, Tensor]:
    """``LSTMCellStep``'s forward with differentiable ops: ``(h', c')``."""
    b_ih, b_hh = _biases(biases)
    h, c = _cell(_lstm_step(w_hh, b_hh), x, (h, c), w_ih, b_ih)
    return h, c


def gru_cell_graph(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, *biases: Tensor) -> Tensor:
    """``GRUCellStep``'s forward with differentiable ops: ``h'``."""
    b_ih, b_hh = _biases(biases)
    return _cell(_gru_step(w_hh, b_hh), x, (h,), w_ih, b_ih)[0]


def elman_cell_graph(
    x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, *biases: Tensor, nonlinearity: str = "tanh"
) -> Tensor:
    """``RNNCellStep``'s forward with differentiable ops: ``h'``."""
    b_ih, b_hh = _biases(biases)
    return _cell(_elman_step(w_hh, b_hh, nonlinearity), x, (h,), w_ih, b_ih)[0]
