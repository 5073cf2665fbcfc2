"""Recurrent layers as fused ops: a whole sequence per Function, and single steps for the cells.

Each layer op runs one direction of one layer over a whole sequence on raw arrays:

- the input projection of every time step is one matrix product, ``x @ W_ih.T`` over all
  ``T * B`` rows at once;
- each step does one matrix product for all gates, ``h @ W_hh.T``, and a handful of
  elementwise calls on contiguous ``(B, gates * H)`` blocks;
- backward runs the steps in reverse with the same structure (one matrix product per step for
  the recurrent gradient) and then forms the weight gradients with one large product each over
  all steps.

Sigmoids are computed as ``0.5 * tanh(x / 2) + 0.5`` with the ``1/2`` folded into the weights,
so that one ``tanh`` call covers all four LSTM gates (the tanh form is also immune to overflow).

Variable-length batches use PyTorch's packed layout: the batch is sorted by decreasing length
and ``batch_sizes[t]`` says how many sequences are still running at step ``t``, so the running
sequences are always the first ``batch_sizes[t]`` rows. A step updates only those rows; the
others keep their state, which makes each sequence's final state its last valid step and leaves
zeros in the padded outputs, exactly what ``pad_packed_sequence`` gives in PyTorch.

Gate order and weight layout are PyTorch's: ``i, f, g, o`` for the LSTM and ``r, z, n`` for the
GRU, with ``W_ih`` of shape ``(gates * H, input_size)`` and ``W_hh`` of shape ``(gates * H, H)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from ..autograd.function import Function
from ..backend import get_array_module
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from ._common import check_same_device

__all__ = [
    "gru_cell",
    "gru_layer",
    "lstm_cell",
    "lstm_layer",
    "pack_rows",
    "pad_rows",
    "rnn_layer",
    "rnn_relu_cell",
    "rnn_tanh_cell",
]


# ---------------------------------------------------------------------------- layout helpers
class _Layout:
    """How the caller's arrays map to the time-major ``(T, B, features)`` layout used inside.

    Attributes:
        batch_first: the caller's sequences are ``(B, T, features)``.
        unbatched: the caller gave one sequence without a batch dimension (``(T, features)``).
    """

    __slots__ = ("batch_first", "unbatched")

    def __init__(self, batch_first: bool, unbatched: bool) -> None:
        self.batch_first = batch_first
        self.unbatched = unbatched

    def to_time_major(self, xp: Any, array: Any) -> Any:
        if self.unbatched:
            return array[:, None, :]
        if self.batch_first:
            return xp.ascontiguousarray(array.transpose(1, 0, 2))
        return array

    def from_time_major(self, xp: Any, array: Any) -> Any:
        if self.unbatched:
            return array[:, 0, :]
        if self.batch_first:
            return xp.ascontiguousarray(array.transpose(1, 0, 2))
        return array

    def state_in(self, array: Any) -> Any:
        return array[None] if self.unbatched else array

    def state_out(self, array: Any) -> Any:
        return array[0] if self.unbatched else array


def _steps(length: int, reverse: bool) -> range:
    return range(length - 1, -1, -1) if reverse else range(length)


def _active(batch_sizes: tuple[int, ...] | None, batch: int, length: int) -> tuple[int, ...]:
    return (batch,) * length if batch_sizes is None else batch_sizes


def _scaled_rows(xp: Any, weight: Any, scale: Any) -> Any:
    return weight * scale[:, None]


def _gate_scale(xp: Any, dtype: Any, hidden: int, blocks: Sequence[float]) -> Any:
    """One factor per gate row: 0.5 for sigmoid gates (computed through tanh), 1 for tanh gates."""
    return xp.repeat(xp.asarray(blocks, dtype=dtype), hidden)


class _Recurrence(Function):
    """Shared plumbing of the layer ops: state storage in time order and the per-step prefix sizes.

    States are kept in one ``(T + 1, B, H)`` array in time order. Going forward, the state before
    step ``t`` is slot ``t`` and the state after it slot ``t + 1``; going in reverse, the state
    before step ``t`` is slot ``t + 1`` and the state after it slot ``t``. Either way the outputs
    and the previous states of all steps are contiguous slices, ready for one large product.
    """

    saves_output = True

    def _begin(
        self, x: Any, h0: Any, batch_sizes: tuple[int, ...] | None, reverse: bool, batch_first: bool, order: Any
    ) -> tuple[Any, Any, Any]:
        xp = get_array_module(x)
        layout = _Layout(batch_first, x.ndim == 2)
        xt = layout.to_time_major(xp, x)
        h0 = layout.state_in(h0)
        if order is not None:
            h0 = h0[order]
        self.layout = layout
        return xp, xt, h0

    @staticmethod
    def _states(xp: Any, shape: tuple[int, ...], dtype: Any, packed: bool) -> Any:
        # Packed batches read the rows that a step leaves alone as padding, so those must start at zero.
        return xp.zeros(shape, dtype) if packed else xp.empty(shape, dtype)

    @staticmethod
    def _final(xp: Any, states: Any, batch_sizes: tuple[int, ...] | None, reverse: bool) -> Any:
        """The state after each sequence's last valid step."""
        if reverse:
            return states[0].copy()
        if batch_sizes is None:
            return states[-1].copy()
        batch = states.shape[1]
        lengths = [sum(1 for n in batch_sizes if n > b) for b in range(batch)]
        return states[xp.asarray(lengths), xp.arange(batch)]

    @staticmethod
    def _outputs(states: Any, reverse: bool, batch_sizes: tuple[int, ...] | None, inserted: list[Any]) -> Any:
        out = states[:-1] if reverse else states[1:]
        if inserted:
            # Sequences that start late in reverse took their initial state in a padding slot.
            out = out.copy()
            for t, lo, hi in inserted:
                out[t, lo:hi] = 0
        return out

    @staticmethod
    def _insert_initial(slots: Sequence[Any], initials: Sequence[Any], n_old: int, n: int) -> None:
        for slot, initial in zip(slots, initials):
            slot[n_old:n] = initial[n_old:n]

    def _finish_grads(
        self, xp: Any, d_gates: Any, xt: Any, w_ih: Any, order: Any, states: Sequence[Any]
    ) -> tuple[Any, list[Any]]:
        """The input gradient and the initial-state gradients, shaped as the caller gave them."""
        layout = self.layout
        length, batch, _ = xt.shape
        dx = None
        if self.needs_input_grad(0):
            dx = (d_gates.reshape(length * batch, -1) @ w_ih).reshape(length, batch, -1)
            dx = layout.from_time_major(xp, dx)
        if order is not None:
            inverse = _inverse(xp, order)
            states = [s[inverse] for s in states]
        return dx, [layout.state_out(s) for s in states]


def _inverse(xp: Any, order: Any) -> Any:
    inverse = xp.empty_like(order)
    inverse[order] = xp.arange(order.shape[0])
    return inverse


def _flat(array: Any) -> Any:
    return array.reshape(-1, array.shape[-1])


# ---------------------------------------------------------------------------- LSTM
class LSTMLayer(_Recurrence):
    """One direction of an LSTM layer over a whole sequence.

    Inputs: ``x, h0, c0, w_ih, w_hh[, b_ih, b_hh]``. Outputs: ``output, h_n, c_n``.
    """

    saves_inputs = (0, 3, 4)

    def forward(
        self,
        x: Any,
        h0: Any,
        c0: Any,
        w_ih: Any,
        w_hh: Any,
        b_ih: Any = None,
        b_hh: Any = None,
        *,
        batch_sizes: tuple[int, ...] | None = None,
        reverse: bool = False,
        batch_first: bool = False,
        order: Any = None,
    ) -> tuple[Any, Any, Any]:
        xp, xt, h0 = self._begin(x, h0, batch_sizes, reverse, batch_first, order)
        c0 = self.layout.state_in(c0)
        if order is not None:
            c0 = c0[order]
        length, batch, _ = xt.shape
        hidden = w_hh.shape[1]
        dtype = xt.dtype
        packed = batch_sizes is not None
        # Sigmoid gates i, f, o go through tanh(x / 2): halve their rows once, here.
        scale = _gate_scale(xp, dtype, hidden, (0.5, 0.5, 1.0, 0.5))
        w_ih_s = _scaled_rows(xp, w_ih, scale)
        w_hh_t = _scaled_rows(xp, w_hh, scale).T
        gates = (_flat(xt) @ w_ih_s.T).reshape(length, batch, 4 * hidden)
        if b_ih is not None:
            gates += (b_ih + b_hh) * scale
        alpha = xp.asarray([0.5, 0.5, 1.0, 0.5], dtype=dtype)[:, None]
        beta = xp.asarray([0.5, 0.5, 0.0, 0.5], dtype=dtype)[:, None]

        hs = self._states(xp, (length + 1, batch, hidden), dtype, packed)
        cs = self._states(xp, (length + 1, batch, hidden), dtype, packed)
        tanh_c = self._states(xp, (length, batch, hidden), dtype, packed)
        start = length if reverse else 0
        hs[start] = h0
        cs[start] = c0
        step_in, step_out = (1, 0) if reverse else (0, 1)
        sizes = _active(batch_sizes, batch, length)
        inserted = []
        n_old = batch
        for t in _steps(length, reverse):
            n = sizes[t]
            p, q = t + step_in, t + step_out
            if reverse and n > n_old:
                self._insert_initial((hs[p], cs[p]), (h0, c0), n_old, n)
                inserted.append((p, n_old, n))
            n_old = n
            g = gates[t, :n]
            g += hs[p, :n] @ w_hh_t
            xp.tanh(g, out=g)
            a = g.reshape(n, 4, hidden)
            a *= alpha
            a += beta
            c = cs[q, :n]
            xp.multiply(a[:, 1], cs[p, :n], out=c)
            c += a[:, 0] * a[:, 2]
            tc = xp.tanh(c, out=tanh_c[t, :n])
            xp.multiply(a[:, 3], tc, out=hs[q, :n])
        # In reverse no sequence is running at the first processed step with n_old = batch.
        self.xt, self.gates, self.hs, self.cs, self.tanh_c = xt, gates, hs, cs, tanh_c
        self.w_ih, self.w_hh = w_ih, w_hh
        self.meta = (batch_sizes, reverse, order, b_ih is not None)
        lay = self.layout
        out = self._outputs(hs, reverse, batch_sizes, inserted)
        h_n = self._final(xp, hs, batch_sizes, reverse)
        c_n = self._final(xp, cs, batch_sizes, reverse)
        if order is not None:
            inverse = _inverse(xp, order)
            h_n, c_n = h_n[inverse], c_n[inverse]
        return lay.from_time_major(xp, out), lay.state_out(h_n), lay.state_out(c_n)

    def backward(self, d_out: Any, d_hn: Any, d_cn: Any) -> tuple[Any, ...]:
        batch_sizes, reverse, order, has_bias = self.meta
        xp = get_array_module(self.gates)
        lay = self.layout
        xt, gates, hs, cs, tanh_c = self.xt, self.gates, self.hs, self.cs, self.tanh_c
        length, batch, _ = xt.shape
        hidden = hs.shape[2]
        packed = batch_sizes is not None
        dy = lay.to_time_major(xp, d_out)
        carry_h = lay.state_in(d_hn).copy()
        carry_c = lay.state_in(d_cn).copy()
        if order is not None:
            carry_h, carry_c = carry_h[order], carry_c[order]
        prev_h = hs[1:] if reverse else hs[:-1]
        prev_c = cs[1:] if reverse else cs[:-1]

        # Everything that does not depend on the recurrence is computed for all steps at once:
        # e[:, :, k] is what d(cell) (gates i, f, g) or d(h) (gate o) multiplies to give each
        # gate's pre-activation gradient, and k_c carries d(h) into d(cell).
        a = gates.reshape(length, batch, 4, hidden)
        gate_i, gate_f, gate_g, gate_o = a[:, :, 0], a[:, :, 1], a[:, :, 2], a[:, :, 3]
        sig = a * (1 - a)
        e = xp.empty_like(a)
        xp.multiply(gate_g, sig[:, :, 0], out=e[:, :, 0])
        xp.multiply(prev_c, sig[:, :, 1], out=e[:, :, 1])
        xp.multiply(gate_i, 1 - gate_g * gate_g, out=e[:, :, 2])
        xp.multiply(tanh_c, sig[:, :, 3], out=e[:, :, 3])
        k_c = gate_o * (1 - tanh_c * tanh_c)
        del sig

        d_gates = self._states(xp, (length, batch, 4 * hidden), xt.dtype, packed)
        w_hh = self.w_hh
        sizes = _active(batch_sizes, batch, length)
        for t in _steps(length, not reverse):
            n = sizes[t]
            dh = dy[t, :n] + carry_h[:n]
            dc = carry_c[:n]
            dc += dh * k_c[t, :n]
            d = d_gates[t, :n]
            dv = d.reshape(n, 4, hidden)
            xp.multiply(dc[:, None, :], e[t, :n, 0:3], out=dv[:, 0:3])
            xp.multiply(dh, e[t, :n, 3], out=dv[:, 3])
            dc *= gate_f[t, :n]
            xp.matmul(d, w_hh, out=carry_h[:n])
        return self._grads(xp, d_gates, xt, prev_h, carry_h, carry_c, order, has_bias)

    def _grads(
        self, xp: Any, d_gates: Any, xt: Any, prev_h: Any, carry_h: Any, carry_c: Any, order: Any, has_bias: bool
    ) -> tuple[Any, ...]:
        dx, (dh0, dc0) = self._finish_grads(xp, d_gates, xt, self.w_ih, order, (carry_h, carry_c))
        dg = _flat(d_gates)
        dw_ih = dg.T @ _flat(xt) if self.needs_input_grad(3) else None
        dw_hh = dg.T @ _flat(prev_h) if self.needs_input_grad(4) else None
        grads = [dx, dh0, dc0, dw_ih, dw_hh]
        if has_bias:
            db = dg.sum(0)
            grads += [db, db.copy()]
        return tuple(grads)


# ---------------------------------------------------------------------------- GRU
class GRULayer(_Recurrence):
    """One direction of a GRU layer over a whole sequence.

    Inputs: ``x, h0, w_ih, w_hh[, b_ih, b_hh]``. Outputs: ``output, h_n``.
    """

    saves_inputs = (0, 2, 3)

    def forward(
        self,
        x: Any,
        h0: Any,
        w_ih: Any,
        w_hh: Any,
        b_ih: Any = None,
        b_hh: Any = None,
        *,
        batch_sizes: tuple[int, ...] | None = None,
        reverse: bool = False,
        batch_first: bool = False,
        order: Any = None,
    ) -> tuple[Any, Any]:
        xp, xt, h0 = self._begin(x, h0, batch_sizes, reverse, batch_first, order)
        length, batch, _ = xt.shape
        hidden = w_hh.shape[1]
        dtype = xt.dtype
        packed = batch_sizes is not None
        scale = _gate_scale(xp, dtype, hidden, (0.5, 0.5, 1.0))
        w_hh_t = _scaled_rows(xp, w_hh, scale).T
        # gates[t] holds r, z, n: the input part, then (in place) the activations.
        gates = (_flat(xt) @ _scaled_rows(xp, w_ih, scale).T).reshape(length, batch, 3 * hidden)
        b_hn = None
        if b_ih is not None:
            bias = b_ih.copy()
            bias[: 2 * hidden] += b_hh[: 2 * hidden]
            gates += bias * scale
            b_hn = b_hh[2 * hidden :]
        h_part = self._states(xp, (length, batch, hidden), dtype, packed)

        hs = self._states(xp, (length + 1, batch, hidden), dtype, packed)
        start = length if reverse else 0
        hs[start] = h0
        step_in, step_out = (1, 0) if reverse else (0, 1)
        sizes = _active(batch_sizes, batch, length)
        inserted = []
        n_old = batch
        h2 = 2 * hidden
        for t in _steps(length, reverse):
            n = sizes[t]
            p, q = t + step_in, t + step_out
            if reverse and n > n_old:
                self._insert_initial((hs[p],), (h0,), n_old, n)
                inserted.append((p, n_old, n))
            n_old = n
            hp = hs[p, :n]
            gh = hp @ w_hh_t
            g = gates[t, :n]
            rz = g[:, :h2]
            rz += gh[:, :h2]
            xp.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            hn = h_part[t, :n]
            if b_hn is None:
                hn[...] = gh[:, h2:]
            else:
                xp.add(gh[:, h2:], b_hn, out=hn)
            cand = g[:, h2:]
            cand += rz[:, :hidden] * hn
            xp.tanh(cand, out=cand)
            h = hs[q, :n]
            xp.subtract(hp, cand, out=h)
            h *= rz[:, hidden:]
            h += cand
        self.xt, self.gates, self.hs, self.h_part = xt, gates, hs, h_part
        self.w_ih, self.w_hh = w_ih, w_hh
        self.meta = (batch_sizes, reverse, order, b_ih is not None)
        out = self._outputs(hs, reverse, batch_sizes, inserted)
        h_n = self._final(xp, hs, batch_sizes, reverse)
        if order is not None:
            h_n = h_n[_inverse(xp, order)]
        lay = self.layout
        return lay.from_time_major(xp, out), lay.state_out(h_n)

    def backward(self, d_out: Any, d_hn: Any) -> tuple[Any, ...]:
        batch_sizes, reverse, order, has_bias = self.meta
        xp = get_array_module(self.gates)
        lay = self.layout
        xt, gates, hs, h_part = self.xt, self.gates, self.hs, self.h_part
        length, batch, _ = xt.shape
        hidden = hs.shape[2]
        packed = batch_sizes is not None
        dy = lay.to_time_major(xp, d_out)
        carry = lay.state_in(d_hn).copy()
        if order is not None:
            carry = carry[order]
        prev_h = hs[1:] if reverse else hs[:-1]
        a = gates.reshape(length, batch, 3, hidden)
        r, z, n_act = a[:, :, 0], a[:, :, 1], a[:, :, 2]
        # Per-step factors that do not depend on the recurrence, for all steps at once.
        e_n = (1 - z) * (1 - n_act * n_act)
        e_z = (prev_h - n_act) * (z * (1 - z))
        e_r = h_part * (r * (1 - r))

        # Columns: [n (input part), r, z, n (hidden part)], so that the input gradient is the first
        # three blocks and the hidden gradient, in W_hh's own r, z, n order, the last three.
        d_all = self._states(xp, (length, batch, 4 * hidden), xt.dtype, packed)
        w_hh = self.w_hh
        sizes = _active(batch_sizes, batch, length)
        h1, h2, h3 = hidden, 2 * hidden, 3 * hidden
        for t in _steps(length, not reverse):
            n = sizes[t]
            dh = dy[t, :n] + carry[:n]
            d = d_all[t, :n]
            dn = d[:, :h1]
            xp.multiply(dh, e_n[t, :n], out=dn)
            xp.multiply(dn, e_r[t, :n], out=d[:, h1:h2])
            xp.multiply(dh, e_z[t, :n], out=d[:, h2:h3])
            xp.multiply(dn, r[t, :n], out=d[:, h3:])
            back = d[:, h1:] @ w_hh
            xp.multiply(dh, z[t, :n], out=carry[:n])
            carry[:n] += back
        d_input = xp.concatenate([d_all[:, :, h1:h3], d_all[:, :, :h1]], axis=2)
        d_hidden = d_all[:, :, h1:]
        dx, (dh0,) = self._finish_grads(xp, d_input, xt, self.w_ih, order, (carry,))
        di = _flat(d_input)
        dhh = d_hidden.reshape(length * batch, h3)
        dw_ih = di.T @ _flat(xt) if self.needs_input_grad(2) else None
        dw_hh = dhh.T @ _flat(prev_h) if self.needs_input_grad(3) else None
        grads = [dx, dh0, dw_ih, dw_hh]
        if has_bias:
            grads += [di.sum(0), dhh.sum(0)]
        return tuple(grads)


# ---------------------------------------------------------------------------- Elman RNN
class RNNLayer(_Recurrence):
    """One direction of an Elman RNN layer (tanh or ReLU) over a whole sequence.

    Inputs: ``x, h0, w_ih, w_hh[, b_ih, b_hh]``. Outputs: ``output, h_n``.
    """

    saves_inputs = (0, 2, 3)

    def forward(
        self,
        x: Any,
        h0: Any,
        w_ih: Any,
        w_hh: Any,
        b_ih: Any = None,
        b_hh: Any = None,
        *,
        nonlinearity: str = "tanh",
        batch_sizes: tuple[int, ...] | None = None,
        reverse: bool = False,
        batch_first: bool = False,
        order: Any = None,
    ) -> tuple[Any, Any]:
        xp, xt, h0 = self._begin(x, h0, batch_sizes, reverse, batch_first, order)
        length, batch, _ = xt.shape
        hidden = w_hh.shape[1]
        dtype = xt.dtype
        packed = batch_sizes is not None
        pre = (_flat(xt) @ w_ih.T).reshape(length, batch, hidden)
        if b_ih is not None:
            pre += b_ih + b_hh
        w_hh_t = w_hh.T
        relu = nonlinearity == "relu"
        hs = self._states(xp, (length + 1, batch, hidden), dtype, packed)
        start = length if reverse else 0
        hs[start] = h0
        step_in, step_out = (1, 0) if reverse else (0, 1)
        sizes = _active(batch_sizes, batch, length)
        inserted = []
        n_old = batch
        for t in _steps(length, reverse):
            n = sizes[t]
            p, q = t + step_in, t + step_out
            if reverse and n > n_old:
                self._insert_initial((hs[p],), (h0,), n_old, n)
                inserted.append((p, n_old, n))
            n_old = n
            h = hs[q, :n]
            xp.matmul(hs[p, :n], w_hh_t, out=h)
            h += pre[t, :n]
            if relu:
                xp.maximum(h, 0, out=h)
            else:
                xp.tanh(h, out=h)
        self.xt, self.hs = xt, hs
        self.w_ih, self.w_hh = w_ih, w_hh
        self.meta = (batch_sizes, reverse, order, b_ih is not None, relu)
        out = self._outputs(hs, reverse, batch_sizes, inserted)
        h_n = self._final(xp, hs, batch_sizes, reverse)
        if order is not None:
            h_n = h_n[_inverse(xp, order)]
        lay = self.layout
        return lay.from_time_major(xp, out), lay.state_out(h_n)

    def backward(self, d_out: Any, d_hn: Any) -> tuple[Any, ...]:
        batch_sizes, reverse, order, has_bias, relu = self.meta
        xp = get_array_module(self.hs)
        lay = self.layout
        xt, hs = self.xt, self.hs
        length, batch, _ = xt.shape
        packed = batch_sizes is not None
        dy = lay.to_time_major(xp, d_out)
        carry = lay.state_in(d_hn).copy()
        if order is not None:
            carry = carry[order]
        prev_h = hs[1:] if reverse else hs[:-1]
        out_h = hs[:-1] if reverse else hs[1:]
        slope = (out_h > 0).astype(out_h.dtype) if relu else 1 - out_h * out_h
        d_pre = self._states(xp, out_h.shape, xt.dtype, packed)
        w_hh = self.w_hh
        sizes = _active(batch_sizes, batch, length)
        for t in _steps(length, not reverse):
            n = sizes[t]
            d = d_pre[t, :n]
            xp.add(dy[t, :n], carry[:n], out=d)
            d *= slope[t, :n]
            xp.matmul(d, w_hh, out=carry[:n])
        dx, (dh0,) = self._finish_grads(xp, d_pre, xt, self.w_ih, order, (carry,))
        dg = _flat(d_pre)
        dw_ih = dg.T @ _flat(xt) if self.needs_input_grad(2) else None
        dw_hh = dg.T @ _flat(prev_h) if self.needs_input_grad(3) else None
        grads = [dx, dh0, dw_ih, dw_hh]
        if has_bias:
            db = dg.sum(0)
            grads += [db, db.copy()]
        return tuple(grads)


# ---------------------------------------------------------------------------- cells
# A cell is the layer op run for one step: the same kernels, with the step's input given a time axis.
def _step_input_grad(dx: Any, shape: tuple[int, ...]) -> Any:
    return None if dx is None else dx.reshape(shape)


class LSTMCellStep(LSTMLayer):
    """One LSTM step: inputs ``x, h, c, w_ih, w_hh[, b_ih, b_hh]``, outputs ``h', c'``."""

    def forward(self, x: Any, h: Any, c: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None) -> Any:
        self.x_shape = x.shape
        _, h_n, c_n = super().forward(x[None], h, c, w_ih, w_hh, b_ih, b_hh)
        return h_n, c_n

    def backward(self, d_h: Any, d_c: Any) -> tuple[Any, ...]:
        xp = get_array_module(d_h)
        grads = super().backward(xp.zeros((1, *d_h.shape), d_h.dtype), d_h, d_c)
        return (_step_input_grad(grads[0], self.x_shape), *grads[1:])


class GRUCellStep(GRULayer):
    """One GRU step: inputs ``x, h, w_ih, w_hh[, b_ih, b_hh]``, output ``h'``."""

    def forward(self, x: Any, h: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None) -> Any:
        self.x_shape = x.shape
        return super().forward(x[None], h, w_ih, w_hh, b_ih, b_hh)[1]

    def backward(self, d_h: Any) -> tuple[Any, ...]:
        xp = get_array_module(d_h)
        grads = super().backward(xp.zeros((1, *d_h.shape), d_h.dtype), d_h)
        return (_step_input_grad(grads[0], self.x_shape), *grads[1:])


class RNNCellStep(RNNLayer):
    """One Elman RNN step: inputs ``x, h, w_ih, w_hh[, b_ih, b_hh]``, output ``h'``."""

    def forward(
        self, x: Any, h: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None, *, nonlinearity: str = "tanh"
    ) -> Any:
        self.x_shape = x.shape
        return super().forward(x[None], h, w_ih, w_hh, b_ih, b_hh, nonlinearity=nonlinearity)[1]

    def backward(self, d_h: Any) -> tuple[Any, ...]:
        xp = get_array_module(d_h)
        grads = super().backward(xp.zeros((1, *d_h.shape), d_h.dtype), d_h)
        return (_step_input_grad(grads[0], self.x_shape), *grads[1:])


# ---------------------------------------------------------------------------- checks
def _check_weights(op: str, input: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Any, b_hh: Any, gates: int) -> int:
    """The hidden size implied by the weights, after checking that they fit together and the input."""
    for name, t in (("input", input), ("w_ih", w_ih), ("w_hh", w_hh)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    if w_hh.ndim != 2 or w_hh.shape[0] != gates * w_hh.shape[1]:
        raise ShapeError(f"{op}: w_hh must have shape ({gates} * hidden_size, hidden_size), got {tuple(w_hh.shape)}")
    hidden = w_hh.shape[1]
    if w_ih.ndim != 2 or w_ih.shape[0] != gates * hidden:
        raise ShapeError(
            f"{op}: w_ih must have shape ({gates * hidden}, input_size) to match w_hh {tuple(w_hh.shape)}, "
            f"got {tuple(w_ih.shape)}"
        )
    if (b_ih is None) != (b_hh is None):
        raise ValueError(f"{op}: give both b_ih and b_hh, or neither")
    tensors = [input, w_ih, w_hh]
    if b_ih is not None:
        for name, b in (("b_ih", b_ih), ("b_hh", b_hh)):
            if not isinstance(b, Tensor) or tuple(b.shape) != (gates * hidden,):
                got = tuple(b.shape) if isinstance(b, Tensor) else type(b).__name__
                raise ShapeError(f"{op}: {name} must have shape ({gates * hidden},), got {got}")
        tensors += [b_ih, b_hh]
    check_same_device(op, *tensors)
    dtype = w_ih.dtype
    for t in tensors:
        if t.dtype != dtype or t.data.dtype.kind != "f":
            raise DtypeError(
                f"{op}: input and weights must share one floating-point dtype, got "
                + ", ".join(str(u.dtype) for u in tensors)
            )
    if input.shape[-1] != w_ih.shape[1]:
        raise ShapeError(
            f"{op}: input has {input.shape[-1]} features but w_ih expects {w_ih.shape[1]} "
            f"(input shape {tuple(input.shape)}, w_ih shape {tuple(w_ih.shape)})"
        )
    return hidden


def _check_state(op: str, name: str, state: Any, expected: tuple[int, ...], like: Tensor) -> Tensor:
    if state is None:
        from .creation import zeros

        return zeros(expected, dtype=like.dtype, device=like.device)
    if not isinstance(state, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(state).__name__}")
    if tuple(state.shape) != expected:
        raise ShapeError(f"{op}: expected {name} of shape {expected}, got {tuple(state.shape)}")
    check_same_device(op, like, state)
    if state.dtype != like.dtype:
        raise DtypeError(f"{op}: {name} has dtype {state.dtype} but the input has dtype {like.dtype}")
    return state


def _layer_setup(
    op: str,
    input: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Any,
    b_hh: Any,
    gates: int,
    batch_sizes: Any,
    batch_first: bool,
    sorted_indices: Any,
) -> tuple[int, tuple[int, ...], tuple[int, ...] | None, Any]:
    hidden = _check_weights(op, input, w_ih, w_hh, b_ih, b_hh, gates)
    if input.ndim not in (2, 3):
        raise ShapeError(
            f"{op}: expected a 3-D input ({'(N, L, H_in)' if batch_first else '(L, N, H_in)'}) or a 2-D "
            f"unbatched input (L, H_in), got shape {tuple(input.shape)}"
        )
    unbatched = input.ndim == 2
    length = input.shape[0] if unbatched or not batch_first else input.shape[1]
    batch = 1 if unbatched else input.shape[1 if not batch_first else 0]
    if length == 0:
        raise ShapeError(f"{op}: expected a sequence of length at least 1, got input shape {tuple(input.shape)}")
    sizes = None
    if batch_sizes is not None:
        sizes = tuple(int(n) for n in (batch_sizes.tolist() if hasattr(batch_sizes, "tolist") else batch_sizes))
        if len(sizes) != length or any(b > a for a, b in pairwise(sizes)) or sizes[0] != batch or sizes[-1] < 1:
            raise ShapeError(
                f"{op}: batch_sizes must be {length} non-increasing positive counts starting at the batch size "
                f"{batch}, got {list(sizes)}"
            )
    order = None
    if sorted_indices is not None:
        data = sorted_indices.data if isinstance(sorted_indices, Tensor) else sorted_indices
        xp = get_array_module(input.data)
        order = xp.asarray(data, dtype="int64")
        if order.shape != (batch,):
            raise ShapeError(f"{op}: sorted_indices must have shape ({batch},), got {tuple(order.shape)}")
    state_shape = (hidden,) if unbatched else (batch, hidden)
    return hidden, state_shape, sizes, order


def _weights(w_ih: Tensor, w_hh: Tensor, b_ih: Any, b_hh: Any) -> tuple[Tensor, ...]:
    return (w_ih, w_hh) if b_ih is None else (w_ih, w_hh, b_ih, b_hh)


# ---------------------------------------------------------------------------- public ops
def lstm_layer(
    input: Tensor,
    hx: tuple[Tensor, Tensor] | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    *,
    batch_sizes: Any = None,
    reverse: bool = False,
    batch_first: bool = False,
    sorted_indices: Any = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """One direction of an LSTM layer over a whole sequence, fused into one op.

    Args:
        input: the sequence, ``(L, N, H_in)`` (``(N, L, H_in)`` with ``batch_first``) or unbatched
            ``(L, H_in)``.
        hx: the initial ``(h_0, c_0)``, each ``(N, H)`` (``(H,)`` unbatched), or None for zeros.
        w_ih: input weights ``(4 * H, H_in)`` in gate order i, f, g, o.
        w_hh: recurrent weights ``(4 * H, H)``.
        b_ih, b_hh: the biases ``(4 * H,)``, both or neither. Default: None.
        batch_sizes: for a packed batch (sorted by decreasing length), the number of sequences
            still running at each step; sequence ``b`` then stops after its last valid step, its
            padded outputs are zero and its final state is its last valid step. Default: None.
        reverse: run from the last step to the first. Default: False.
        batch_first: the input and output are ``(N, L, ...)``. Default: False.
        sorted_indices: the batch order the packed layout uses: ``hx`` rows are taken in this order
            and the final states are returned in the caller's order. Default: None.

    Returns:
        ``(output, h_n, c_n)``: output ``(L, N, H)`` (or as the input is laid out), and the final
        states ``(N, H)``.

    Example:
        >>> w_ih, w_hh = shendu.randn(40, 8), shendu.randn(40, 10)
        >>> out, h, c = shendu.ops.rnn.lstm_layer(shendu.randn(5, 3, 8), None, w_ih, w_hh)
        >>> out.shape, h.shape
        (shendu.Size([5, 3, 10]), shendu.Size([3, 10]))
    """
    op = "lstm_layer"
    _, state_shape, sizes, order = _layer_setup(
        op, input, w_ih, w_hh, b_ih, b_hh, 4, batch_sizes, batch_first, sorted_indices
    )
    h0, c0 = (None, None) if hx is None else hx
    h0 = _check_state(op, "h0", h0, state_shape, input)
    c0 = _check_state(op, "c0", c0, state_shape, input)
    return LSTMLayer.apply(
        input,
        h0,
        c0,
        *_weights(w_ih, w_hh, b_ih, b_hh),
        batch_sizes=sizes,
        reverse=bool(reverse),
        batch_first=bool(batch_first),
        order=order,
    )


def gru_layer(
    input: Tensor,
    hx: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    *,
    batch_sizes: Any = None,
    reverse: bool = False,
    batch_first: bool = False,
    sorted_indices: Any = None,
) -> tuple[Tensor, Tensor]:
    """One direction of a GRU layer over a whole sequence, fused into one op.

    Arguments as in ``lstm_layer``, with ``hx`` a single state ``h_0`` and weights of ``3 * H`` rows
    in gate order r, z, n.

    Returns:
        ``(output, h_n)``.

    Example:
        >>> out, h = shendu.ops.rnn.gru_layer(shendu.randn(5, 3, 8), None, shendu.randn(30, 8), shendu.randn(30, 10))
    """
    op = "gru_layer"
    _, state_shape, sizes, order = _layer_setup(
        op, input, w_ih, w_hh, b_ih, b_hh, 3, batch_sizes, batch_first, sorted_indices
    )
    h0 = _check_state(op, "h0", hx, state_shape, input)
    return GRULayer.apply(
        input,
        h0,
        *_weights(w_ih, w_hh, b_ih, b_hh),
        batch_sizes=sizes,
        reverse=bool(reverse),
        batch_first=bool(batch_first),
        order=order,
    )


def rnn_layer(
    input: Tensor,
    hx: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    *,
    nonlinearity: str = "tanh",
    batch_sizes: Any = None,
    reverse: bool = False,
    batch_first: bool = False,
    sorted_indices: Any = None,
) -> tuple[Tensor, Tensor]:
    """One direction of an Elman RNN layer, ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``, as one op.

    Arguments as in ``gru_layer``, with weights of ``H`` rows.

    Args:
        nonlinearity: ``"tanh"`` or ``"relu"``. Default: ``"tanh"``.

    Returns:
        ``(output, h_n)``.

    Example:
        >>> out, h = shendu.ops.rnn.rnn_layer(shendu.randn(5, 3, 8), None, shendu.randn(10, 8), shendu.randn(10, 10))
    """
    op = "rnn_layer"
    _check_nonlinearity(op, nonlinearity)
    _, state_shape, sizes, order = _layer_setup(
        op, input, w_ih, w_hh, b_ih, b_hh, 1, batch_sizes, batch_first, sorted_indices
    )
    h0 = _check_state(op, "h0", hx, state_shape, input)
    return RNNLayer.apply(
        input,
        h0,
        *_weights(w_ih, w_hh, b_ih, b_hh),
        nonlinearity=nonlinearity,
        batch_sizes=sizes,
        reverse=bool(reverse),
        batch_first=bool(batch_first),
        order=order,
    )


def _check_nonlinearity(op: str, nonlinearity: Any) -> None:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{op}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")


def _cell_setup(
    op: str, input: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Any, b_hh: Any, gates: int
) -> tuple[int, ...]:
    hidden = _check_weights(op, input, w_ih, w_hh, b_ih, b_hh, gates)
    if input.ndim not in (1, 2):
        raise ShapeError(
            f"{op}: expected a 2-D input (N, H_in) or a 1-D unbatched input (H_in,), got shape {tuple(input.shape)}"
        )
    return (hidden,) if input.ndim == 1 else (input.shape[0], hidden)


def lstm_cell(
    input: Tensor,
    hx: tuple[Tensor, Tensor] | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """One LSTM step, as ``torch.lstm_cell``.

    Args:
        input: ``(N, H_in)`` or unbatched ``(H_in,)``.
        hx: ``(h, c)``, each ``(N, H)`` or ``(H,)``; None for zeros.
        w_ih, w_hh, b_ih, b_hh: as in ``lstm_layer``.

    Returns:
        ``(h', c')``.

    Example:
        >>> h, c = shendu.ops.rnn.lstm_cell(shendu.randn(3, 8), None, shendu.randn(40, 8), shendu.randn(40, 10))
    """
    op = "lstm_cell"
    state_shape = _cell_setup(op, input, w_ih, w_hh, b_ih, b_hh, 4)
    h, c = (None, None) if hx is None else hx
    h = _check_state(op, "h", h, state_shape, input)
    c = _check_state(op, "c", c, state_shape, input)
    return LSTMCellStep.apply(input, h, c, *_weights(w_ih, w_hh, b_ih, b_hh))


def gru_cell(
    input: Tensor,
    hx: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One GRU step, as ``torch.gru_cell``; arguments as in ``lstm_cell`` with a single state.

    Example:
        >>> h = shendu.ops.rnn.gru_cell(shendu.randn(3, 8), None, shendu.randn(30, 8), shendu.randn(30, 10))
    """
    op = "gru_cell"
    state_shape = _cell_setup(op, input, w_ih, w_hh, b_ih, b_hh, 3)
    h = _check_state(op, "h", hx, state_shape, input)
    return GRUCellStep.apply(input, h, *_weights(w_ih, w_hh, b_ih, b_hh))


def _rnn_cell(
    op: str, input: Tensor, hx: Any, w_ih: Tensor, w_hh: Tensor, b_ih: Any, b_hh: Any, nonlinearity: str
) -> Tensor:
    state_shape = _cell_setup(op, input, w_ih, w_hh, b_ih, b_hh, 1)
    h = _check_state(op, "h", hx, state_shape, input)
    return RNNCellStep.apply(input, h, *_weights(w_ih, w_hh, b_ih, b_hh), nonlinearity=nonlinearity)


def rnn_tanh_cell(
    input: Tensor,
    hx: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One Elman RNN step with tanh, as ``torch.rnn_tanh_cell``; arguments as in ``gru_cell``.

    Example:
        >>> h = shendu.ops.rnn.rnn_tanh_cell(shendu.randn(3, 8), None, shendu.randn(10, 8), shendu.randn(10, 10))
    """
    return _rnn_cell("rnn_tanh_cell", input, hx, w_ih, w_hh, b_ih, b_hh, "tanh")


def rnn_relu_cell(
    input: Tensor,
    hx: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One Elman RNN step with ReLU, as ``torch.rnn_relu_cell``; arguments as in ``gru_cell``.

    Example:
        >>> h = shendu.ops.rnn.rnn_relu_cell(shendu.randn(3, 8), None, shendu.randn(10, 8), shendu.randn(10, 10))
    """
    return _rnn_cell("rnn_relu_cell", input, hx, w_ih, w_hh, b_ih, b_hh, "relu")


# ---------------------------------------------------------------------------- packing
# The ops behind nn.utils.rnn: moving rows between a padded (L, N, *) batch and PyTorch's packed
# layout. Indices are unique, so each backward is a plain gather or scatter.
class PackRows(Function):
    def forward(self, x: Any, *, index: Any) -> Any:
        self.meta = (x.shape, index)
        return x.reshape(-1, *x.shape[2:])[index]

    def backward(self, grad: Any) -> tuple[Any]:
        shape, index = self.meta
        xp = get_array_module(grad)
        out = xp.zeros((shape[0] * shape[1], *shape[2:]), grad.dtype)
        out[index] = grad
        return (out.reshape(shape),)


class PadRows(Function):
    def forward(self, data: Any, *, index: Any, lead: tuple[int, int], padding_value: float) -> Any:
        xp = get_array_module(data)
        self.meta = index
        out = xp.full((lead[0] * lead[1], *data.shape[1:]), padding_value, data.dtype)
        out[index] = data
        return out.reshape(*lead, *data.shape[1:])

    def backward(self, grad: Any) -> tuple[Any]:
        return (grad.reshape(-1, *grad.shape[2:])[self.meta],)


class PadSequence(Function):
    def forward(self, *arrays: Any, batch_first: bool, padding_value: float, left: bool) -> Any:
        xp = get_array_module(arrays[0])
        longest = max(a.shape[0] for a in arrays)
        out = xp.full((len(arrays), longest, *arrays[0].shape[1:]), padding_value, arrays[0].dtype)
        spans = []
        for b, a in enumerate(arrays):
            span = slice(longest - a.shape[0], longest) if left else slice(0, a.shape[0])
            out[b, span] = a
            spans.append(span)
        self.meta = (spans, batch_first)
        return out if batch_first else out.swapaxes(0, 1).copy()

    def backward(self, grad: Any) -> tuple[Any, ...]:
        spans, batch_first = self.meta
        if not batch_first:
            grad = grad.swapaxes(0, 1)
        return tuple(grad[b, span].copy() for b, span in enumerate(spans))


def pack_rows(input: Tensor, index: Any) -> Tensor:
    """Rows of ``input`` with its first two dimensions merged, picked by the unique flat ``index``."""
    return PackRows.apply(input, index=index)


def pad_rows(data: Tensor, index: Any, lead: tuple[int, int], padding_value: float = 0.0) -> Tensor:
    """A ``(*lead, *data.shape[1:])`` batch filled with ``padding_value``, with row ``k`` of ``data`` at flat
    position ``index[k]`` of the first two dimensions."""
    return PadRows.apply(data, index=index, lead=lead, padding_value=padding_value)


def pad_sequences(sequences: Sequence[Tensor], batch_first: bool, padding_value: float, padding_side: str) -> Tensor:
    """Stack ``(L_i, *)`` tensors into one padded ``(L, N, *)`` (or ``(N, L, *)``) tensor."""
    return PadSequence.apply(
        *sequences, batch_first=batch_first, padding_value=padding_value, left=padding_side == "left"
    )
