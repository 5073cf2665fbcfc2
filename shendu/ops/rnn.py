"""Recurrent layers as fused ops: a whole sequence per Function, and single steps for the cells.

Each layer op runs one direction of one layer over a whole sequence on raw arrays:

- the input projection of every time step (bias included) is one matrix product over all
  ``T * B`` columns at once;
- each step does one matrix product for all gates, ``W_hh @ h``, and about ten elementwise calls
  on contiguous ``(H, B)`` gate blocks (inside, a step's batch is the innermost axis);
- backward runs the steps in reverse with the same structure (one matrix product per step for
  the recurrent gradient) and then forms the gradients of ``W_hh``, ``W_ih`` and the biases with
  one large product over all steps.

Sigmoids are computed as ``0.5 * tanh(x / 2) + 0.5`` with the ``1/2`` folded into the weights,
so that one ``tanh`` call covers all four LSTM gates (the tanh form is also immune to overflow).

Variable-length batches use PyTorch's packed layout: the batch is sorted by decreasing length
and ``batch_sizes[t]`` says how many sequences are still running at step ``t``, so the running
sequences are always the first ``batch_sizes[t]`` of the batch. A step updates only those; the
others keep their state, which makes each sequence's final state its last valid step and leaves
zeros in the padded outputs, exactly what ``pad_packed_sequence`` gives in PyTorch.

Gate order and weight layout are PyTorch's: ``i, f, g, o`` for the LSTM and ``r, z, n`` for the
GRU, with ``W_ih`` of shape ``(gates * H, input_size)`` and ``W_hh`` of shape ``(gates * H, H)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any, ClassVar

import numpy as np

from .. import _compiled
from .._checks import check_tensor
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
    "rnn_layer",
    "rnn_relu_cell",
    "rnn_tanh_cell",
]


# ---------------------------------------------------------------------------- layout
# Inside the ops a sequence is "feature-major": step t of a batch is a (features, B) block, so that
# every gate of every step is one contiguous (H, B) block and the elementwise calls of a step run
# over contiguous memory. The helpers below convert from and to the caller's layouts.
class _Layout:
    """How the caller's sequences and states map to the feature-major layout used inside.

    Attributes:
        batch_first: the caller's sequences are ``(B, T, features)`` (else ``(T, B, features)``).
        unbatched: the caller gave one sequence without a batch dimension (``(T, features)``).
    """

    __slots__ = ("batch_first", "unbatched")

    def __init__(self, batch_first: bool, unbatched: bool) -> None:
        self.batch_first = batch_first
        self.unbatched = unbatched

    def sequence_in(self, array: Any) -> Any:
        """A ``(features, T, B)`` view of a sequence in the caller's layout."""
        if self.unbatched:
            return array.T[:, :, None]
        return array.transpose(2, 1, 0) if self.batch_first else array.transpose(2, 0, 1)

    def sequence_out(self, array: Any) -> Any:
        """A view of a ``(features, T, B)`` sequence in the caller's layout."""
        if self.unbatched:
            return array[:, :, 0].T
        return array.transpose(2, 1, 0) if self.batch_first else array.transpose(1, 2, 0)

    def steps_in(self, xp: Any, array: Any) -> Any:
        """A contiguous ``(T, features, B)`` copy of a sequence in the caller's layout (one block per step)."""
        return xp.ascontiguousarray(self.sequence_in(array).transpose(1, 0, 2))

    def state_in(self, array: Any) -> Any:
        """A ``(H, B)`` view of a state given as ``(B, H)`` (or ``(H,)`` unbatched)."""
        return array[:, None] if self.unbatched else array.T

    def state_out(self, xp: Any, array: Any) -> Any:
        """A ``(H, B)`` state in the caller's ``(B, H)`` (or ``(H,)``) form."""
        return xp.ascontiguousarray(array[:, 0] if self.unbatched else array.T)


def _steps(length: int, reverse: bool) -> range:
    return range(length - 1, -1, -1) if reverse else range(length)


def _active(batch_sizes: tuple[int, ...] | None, batch: int, length: int) -> tuple[int, ...]:
    return (batch,) * length if batch_sizes is None else batch_sizes


def _inverse(xp: Any, order: Any) -> Any:
    inverse = xp.empty_like(order)
    inverse[order] = xp.arange(order.shape[0])
    return inverse


class _Recurrence(Function):
    """Shared plumbing of the layer ops: storage, the input projection, weight gradients, packing.

    Everything a step reads lives in one ``(H + I + 1, T + 1, B)`` array ``z``: rows ``0:H`` hold the
    hidden states in time order, rows ``H:H+I`` the inputs and the last row ones (for the biases).
    Going forward, the state before step ``t`` is slot ``t`` and the state after it slot ``t + 1``;
    in reverse, the state before step ``t`` is slot ``t + 1`` and the state after it slot ``t``. The
    input of step ``t`` sits in the slot of the state before it, so the columns ``[h_{t-1}; x_t; 1]``
    of all steps form one ``(H + I + 1, T * B)`` matrix: the input projection of all steps is one
    product with its lower rows, and the gradients of ``W_hh``, ``W_ih`` and the biases come out of
    one product with the whole of it.

    Subclasses may keep their gates in another order than PyTorch's (``gate_order``, the PyTorch
    gate index of each internal gate block) so that the sigmoid gates form one contiguous block.
    """

    saves_output = True
    gate_order: ClassVar[tuple[int, ...]] = (0,)

    def _begin(
        self,
        x: Any,
        h0: Any,
        w_ih: Any,
        w_hh: Any,
        b_ih: Any,
        b_hh: Any,
        scale: Sequence[float],
        batch_sizes: tuple[int, ...] | None,
        reverse: bool,
        batch_first: bool,
        order: Any,
    ) -> tuple[Any, Any, Any, Any, Any]:
        """Fill ``z``; return the array module, ``z``, the initial state ``(H, B)``, the projected
        inputs ``(G, T, B)`` and the recurrent weights ``(G, H)``, both in the internal gate order
        with the sigmoid rows halved."""
        xp = get_array_module(x)
        layout = _Layout(batch_first, x.ndim == 2)
        xs = layout.sequence_in(x)
        features, length, batch = xs.shape
        hidden = w_hh.shape[1]
        packed = batch_sizes is not None
        # Packed batches read the columns that a step leaves alone as padding, so those start at zero.
        z = (xp.zeros if packed else xp.empty)((hidden + features + 1, length + 1, batch), x.dtype)
        off = 1 if reverse else 0
        z[hidden : hidden + features, off : off + length] = xs
        z[-1] = 1
        if order is not None:
            h0 = h0[order]
        h0 = layout.state_in(h0)
        z[:hidden, length if reverse else 0] = h0
        self.layout, self.z = layout, z

        factors = xp.repeat(xp.asarray(scale, dtype=x.dtype), hidden)[:, None]
        bias = xp.zeros((w_ih.shape[0], 1), x.dtype) if b_ih is None else self._bias(b_ih, b_hh)[:, None]
        w_in = self._permute(xp, xp.concatenate([w_ih, bias], axis=1), hidden) * factors
        projected = (w_in @ z[hidden:, off : off + length].reshape(features + 1, length * batch)).reshape(
            w_in.shape[0], length, batch
        )
        return xp, z, h0, projected, self._permute(xp, w_hh, hidden) * factors

    def _bias(self, b_ih: Any, b_hh: Any) -> Any:
        """The bias folded into the input projection."""
        return b_ih + b_hh

    def _permute(self, xp: Any, rows: Any, hidden: int) -> Any:
        """Rows in PyTorch's gate order rearranged into the internal gate order."""
        if self.gate_order == tuple(range(len(self.gate_order))):
            return rows
        return xp.concatenate([rows[g * hidden : (g + 1) * hidden] for g in self.gate_order])

    def _unpermute(self, xp: Any, rows: Any, hidden: int) -> Any:
        """Rows in the internal gate order back in PyTorch's order."""
        if self.gate_order == tuple(range(len(self.gate_order))):
            return rows
        position = {gate: k for k, gate in enumerate(self.gate_order)}
        return xp.concatenate([rows[position[g] * hidden : (position[g] + 1) * hidden] for g in range(len(position))])

    def _final(self, xp: Any, states: Any, batch_sizes: tuple[int, ...] | None, reverse: bool, time_axis: int) -> Any:
        """The ``(H, B)`` state after each sequence's last valid step, from states stored along ``time_axis``."""
        states = states if time_axis == 1 else states.transpose(1, 0, 2)
        if reverse:
            return states[:, 0].copy()
        if batch_sizes is None:
            return states[:, -1].copy()
        batch = states.shape[2]
        lengths = (np.asarray(batch_sizes)[None, :] > np.arange(batch)[:, None]).sum(axis=1)
        return states[:, xp.asarray(lengths), xp.arange(batch)]

    def _state_out(self, xp: Any, state: Any, order: Any) -> Any:
        """A ``(H, B)`` state (or state gradient) in the caller's form and batch order."""
        out = self.layout.state_out(xp, state)
        if order is not None:
            out = out[_inverse(xp, order)]
        return out

    def _state_grad_in(self, xp: Any, grad: Any, order: Any) -> Any:
        """A writable ``(H, B)`` copy of the gradient of a final state."""
        if order is not None:
            grad = grad[order]
        return xp.array(self.layout.state_in(grad), order="C")

    def _outputs(self, hidden: int, reverse: bool, inserted: list[Any]) -> Any:
        length = self.z.shape[1] - 1
        out = self.z[:hidden, 0:length] if reverse else self.z[:hidden, 1 : length + 1]
        if inserted:
            # Sequences that start late in reverse took their initial state in a padding slot.
            out = out.copy()
            for t, lo, hi in inserted:
                out[:, t, lo:hi] = 0
        return self.layout.sequence_out(out)

    def _grads_from(self, xp: Any, d_gates: Any, w_ih: Any, hidden: int, reverse: bool) -> tuple[Any, ...]:
        """``dx`` in the caller's layout and ``dW_ih, dW_hh, db`` (PyTorch's gate order) from the gate
        gradients ``(G, T, B)`` (internal gate order)."""
        z = self.z
        length, batch = z.shape[1] - 1, z.shape[2]
        flat = d_gates.reshape(d_gates.shape[0], length * batch)
        dx = None
        if self.needs_input_grad(0):
            w_in = self._permute(xp, w_ih, hidden)
            dx = self.layout.sequence_out((w_in.T @ flat).reshape(w_in.shape[1], length, batch))
        off = 1 if reverse else 0
        rows = z[:, off : off + length].reshape(z.shape[0], length * batch)
        both = self._unpermute(xp, flat @ rows.T, hidden)
        return dx, both[:, hidden:-1].copy(), both[:, :hidden].copy(), both[:, -1].copy()


def _insert_initial(slots: Sequence[Any], initials: Sequence[Any], n_old: int, n: int) -> None:
    for slot, initial in zip(slots, initials):
        slot[:, n_old:n] = initial[:, n_old:n]


# ---------------------------------------------------------------------------- LSTM
class LSTMLayer(_Recurrence):
    """One direction of an LSTM layer over a whole sequence.

    Inputs: ``x, h0, c0, w_ih, w_hh[, b_ih, b_hh]``. Outputs: ``output, h_n, c_n``. Gates are kept
    in the order i, f, o, g inside, so that the three sigmoid gates form one block.
    """

    saves_inputs = (0, 3, 4)
    gate_order = (0, 1, 3, 2)

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
        # Sigmoid gates i, f, o go through tanh(x / 2): their rows are halved once, in _begin.
        xp, z, h0, projected, w_hh_s = self._begin(
            x, h0, w_ih, w_hh, b_ih, b_hh, (0.5, 0.5, 0.5, 1.0), batch_sizes, reverse, batch_first, order
        )
        if order is not None:
            c0 = c0[order]
        c0 = self.layout.state_in(c0)
        hidden = w_hh.shape[1]
        length, batch = z.shape[1] - 1, z.shape[2]
        packed = batch_sizes is not None
        dtype = z.dtype
        h3 = 3 * hidden
        # Backward needs every step's gates; without it one step's buffers suffice (batch-1000
        # inference over 28 steps: 71 MB less).
        stored = length if self.recording else 1
        gates = (xp.zeros if packed else xp.empty)((stored, 4 * hidden, batch), dtype)
        cs = (xp.zeros if packed else xp.empty)((length + 1, hidden, batch), dtype)
        tanh_c = (xp.zeros if packed else xp.empty)((stored, hidden, batch), dtype)
        product = xp.empty((hidden, batch), dtype)
        kernels = _compiled.kernels_for("rnn", z)
        half = dtype.type(0.5)
        cs[length if reverse else 0] = c0
        hs = z[:hidden]
        step_in, step_out = (1, 0) if reverse else (0, 1)
        sizes = _active(batch_sizes, batch, length)
        inserted = []
        n_old = batch
        for t in _steps(length, reverse):
            n = sizes[t]
            p, q = t + step_in, t + step_out
            if n > n_old:
                _insert_initial((hs[:, p], cs[p]), (h0, c0), n_old, n)
                inserted.append((p, n_old, n))
            n_old = n
            slot = t if self.recording else 0
            g = gates[slot, :, :n]
            xp.matmul(w_hh_s, hs[:, p, :n], out=g)
            g += projected[:, t, :n]
            xp.tanh(g, out=g)
            c = cs[q, :, :n]
            if kernels is not None:
                kernels.lstm_cell_forward(g, cs[p, :, :n], c, half)
            else:
                sig = g[:h3]
                sig *= 0.5
                sig += 0.5
                xp.multiply(g[hidden : 2 * hidden], cs[p, :, :n], out=c)
                xp.multiply(g[:hidden], g[h3:], out=product[:, :n])
                c += product[:, :n]
            tc = xp.tanh(c, out=tanh_c[slot, :, :n])
            xp.multiply(g[2 * hidden : h3], tc, out=hs[:, q, :n])
        self.gates, self.cs, self.tanh_c = gates, cs, tanh_c
        self.w_ih, self.w_hh = w_ih, w_hh
        self.meta = (batch_sizes, reverse, order, b_ih is not None)
        h_n = self._state_out(xp, self._final(xp, hs, batch_sizes, reverse, 1), order)
        c_n = self._state_out(xp, self._final(xp, cs, batch_sizes, reverse, 0), order)
        return self._outputs(hidden, reverse, inserted), h_n, c_n

    def backward(self, d_out: Any, d_hn: Any, d_cn: Any) -> tuple[Any, ...]:
        batch_sizes, reverse, order, has_bias = self.meta
        gates, cs, tanh_c = self.gates, self.cs, self.tanh_c
        xp = get_array_module(gates)
        length, four_h, batch = gates.shape
        hidden = four_h // 4
        h1, h2, h3 = hidden, 2 * hidden, 3 * hidden
        dtype = gates.dtype
        dy = self.layout.steps_in(xp, d_out)
        carry_h = self._state_grad_in(xp, d_hn, order)
        carry_c = self._state_grad_in(xp, d_cn, order)
        w_hh_t = xp.ascontiguousarray(self._permute(xp, self.w_hh, hidden).T)
        # Gate gradients are stored gate-major, (4H, T, B), so that one product over all steps
        # gives the weight gradients.
        d_gates = (xp.zeros if batch_sizes is not None else xp.empty)((four_h, length, batch), dtype)
        dh_buf = xp.empty((hidden, batch), dtype)
        slope = xp.empty((four_h, batch), dtype)
        d_step = xp.empty((four_h, batch), dtype)
        through = xp.empty((hidden, batch), dtype)
        step_in = 1 if reverse else 0
        sizes = _active(batch_sizes, batch, length)
        kernels = _compiled.kernels_for("rnn", gates)
        for t in _steps(length, not reverse):
            n = sizes[t]
            a = gates[t, :, :n]
            tc = tanh_c[t, :, :n]
            if kernels is not None:
                d = d_gates[:, t, :n]
                kernels.lstm_cell_backward(
                    a, tc, cs[t + step_in, :, :n], dy[t, :, :n], carry_h[:, :n], carry_c[:, :n], d, dtype.type(1)
                )
                xp.matmul(w_hh_t, d, out=carry_h[:, :n])
                continue
            dh = dh_buf[:, :n]
            xp.add(dy[t, :, :n], carry_h[:, :n], out=dh)
            # The activations' slopes: s(1 - s) for the sigmoid gates, 1 - g^2 for g.
            s = slope[:, :n]
            xp.multiply(a, a, out=s)
            xp.subtract(a[:h3], s[:h3], out=s[:h3])
            xp.subtract(1, s[h3:], out=s[h3:])
            dc = carry_c[:, :n]
            k = through[:, :n]
            xp.multiply(tc, tc, out=k)
            xp.subtract(1, k, out=k)
            k *= a[h2:h3]
            k *= dh
            dc += k
            d = d_step[:, :n]
            xp.multiply(dc, a[h3:], out=d[:h1])
            xp.multiply(dc, cs[t + step_in, :, :n], out=d[h1:h2])
            xp.multiply(dh, tc, out=d[h2:h3])
            xp.multiply(dc, a[:h1], out=d[h3:])
            d *= s
            dc *= a[h1:h2]
            xp.matmul(w_hh_t, d, out=carry_h[:, :n])
            d_gates[:, t, :n] = d
        dx, dw_ih, dw_hh, db = self._grads_from(xp, d_gates, self.w_ih, hidden, reverse)
        grads = [dx, self._state_out(xp, carry_h, order), self._state_out(xp, carry_c, order), dw_ih, dw_hh]
        if has_bias:
            grads += [db, db.copy()]
        return tuple(grads)


# ---------------------------------------------------------------------------- GRU
class GRULayer(_Recurrence):
    """One direction of a GRU layer over a whole sequence.

    Inputs: ``x, h0, w_ih, w_hh[, b_ih, b_hh]``. Outputs: ``output, h_n``.
    """

    saves_inputs = (0, 2, 3)
    gate_order = (0, 1, 2)

    def _bias(self, b_ih: Any, b_hh: Any) -> Any:
        # b_hn sits inside r * (W_hn h + b_hn), so only the r and z parts of b_hh fold into the input.
        bias = b_ih.copy()
        bias[: 2 * (b_ih.shape[0] // 3)] += b_hh[: 2 * (b_ih.shape[0] // 3)]
        return bias

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
        xp, z, h0, projected, w_hh_s = self._begin(
            x, h0, w_ih, w_hh, b_ih, b_hh, (0.5, 0.5, 1.0), batch_sizes, reverse, batch_first, order
        )
        hidden = w_hh.shape[1]
        h2 = 2 * hidden
        length, batch = z.shape[1] - 1, z.shape[2]
        packed = batch_sizes is not None
        dtype = z.dtype
        b_hn = None if b_hh is None else b_hh[h2:, None]
        # gates[t] holds the activations r, z, n; h_part[t] the hidden part W_hn h + b_hn of n.
        gates = (xp.zeros if packed else xp.empty)((length, 3 * hidden, batch), dtype)
        h_part = (xp.zeros if packed else xp.empty)((length, hidden, batch), dtype)
        recurrent = xp.empty((3 * hidden, batch), dtype)
        hs = z[:hidden]
        step_in, step_out = (1, 0) if reverse else (0, 1)
        sizes = _active(batch_sizes, batch, length)
        inserted = []
        n_old = batch
        for t in _steps(length, reverse):
            n = sizes[t]
            p, q = t + step_in, t + step_out
            if n > n_old:
                _insert_initial((hs[:, p],), (h0,), n_old, n)
                inserted.append((p, n_old, n))
            n_old = n
            hp = hs[:, p, :n]
            gh = recurrent[:, :n]
            xp.matmul(w_hh_s, hp, out=gh)
            g = gates[t, :, :n]
            rz = g[:h2]
            xp.add(gh[:h2], projected[:h2, t, :n], out=rz)
            xp.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            hn = h_part[t, :, :n]
            if b_hn is None:
                hn[...] = gh[h2:]
            else:
                xp.add(gh[h2:], b_hn, out=hn)
            cand = g[h2:]
            xp.multiply(rz[:hidden], hn, out=cand)
            cand += projected[h2:, t, :n]
            xp.tanh(cand, out=cand)
            h = hs[:, q, :n]
            xp.subtract(hp, cand, out=h)
            h *= rz[hidden:]
            h += cand
        self.gates, self.h_part = gates, h_part
        self.w_ih, self.w_hh = w_ih, w_hh
        self.meta = (batch_sizes, reverse, order, b_ih is not None)
        h_n = self._state_out(xp, self._final(xp, hs, batch_sizes, reverse, 1), order)
        return self._outputs(hidden, reverse, inserted), h_n

    def backward(self, d_out: Any, d_hn: Any) -> tuple[Any, ...]:
        batch_sizes, reverse, order, has_bias = self.meta
        gates, h_part = self.gates, self.h_part
        xp = get_array_module(gates)
        length, three_h, batch = gates.shape
        hidden = three_h // 3
        h1, h2, h3 = hidden, 2 * hidden, 3 * hidden
        dtype = gates.dtype
        dy = self.layout.steps_in(xp, d_out)
        carry = self._state_grad_in(xp, d_hn, order)
        hs = self.z[:hidden]
        w_hh_t = xp.ascontiguousarray(self.w_hh.T)
        # Rows: n (input part), r, z, n (hidden part): the first three are the gradient of the input
        # projection (gate order n, r, z), the last three that of the recurrent product (W_hh's r, z, n).
        d_all = (xp.zeros if batch_sizes is not None else xp.empty)((4 * hidden, length, batch), dtype)
        dh_buf = xp.empty((hidden, batch), dtype)
        slope = xp.empty((h2, batch), dtype)
        work = xp.empty((hidden, batch), dtype)
        back = xp.empty((hidden, batch), dtype)
        step_in = 1 if reverse else 0
        sizes = _active(batch_sizes, batch, length)
        for t in _steps(length, not reverse):
            n = sizes[t]
            a = gates[t, :, :n]
            r, zg, cand = a[:h1], a[h1:h2], a[h2:]
            dh = dh_buf[:, :n]
            xp.add(dy[t, :, :n], carry[:, :n], out=dh)
            s = slope[:, :n]
            xp.multiply(a[:h2], a[:h2], out=s)
            xp.subtract(a[:h2], s, out=s)
            d = d_all[:, t, :n]
            w = work[:, :n]
            # n: dh (1 - z) (1 - n^2); r: that times (W_hn h + b_hn) r (1 - r); z: dh (h_prev - n) z (1 - z)
            xp.multiply(cand, cand, out=w)
            xp.subtract(1, w, out=w)
            d_n = d[:h1]
            xp.multiply(dh, w, out=d_n)
            xp.multiply(d_n, zg, out=w)
            d_n -= w
            xp.multiply(d_n, h_part[t, :, :n], out=d[h1:h2])
            xp.subtract(hs[:, t + step_in, :n], cand, out=d[h2:h3])
            d[h2:h3] *= dh
            d[h1:h3] *= s
            xp.multiply(d_n, r, out=d[h3:])
            xp.matmul(w_hh_t, d[h1:], out=back[:, :n])
            carry_n = carry[:, :n]
            xp.multiply(dh, zg, out=carry_n)
            carry_n += back[:, :n]
        z = self.z
        flat = d_all.reshape(4 * hidden, length * batch)
        dx = None
        if self.needs_input_grad(0):
            w_in = xp.concatenate([self.w_ih[h2:], self.w_ih[:h2]])
            dx = self.layout.sequence_out((w_in.T @ flat[:h3]).reshape(w_in.shape[1], length, batch))
        off = 1 if reverse else 0
        rows = z[:, off : off + length].reshape(z.shape[0], length * batch)
        both = flat @ rows.T
        input_rows = xp.concatenate([both[h1:h3], both[:h1]])
        grads = [dx, self._state_out(xp, carry, order), input_rows[:, hidden:-1].copy(), both[h1:, :hidden].copy()]
        if has_bias:
            grads += [input_rows[:, -1].copy(), both[h1:, -1].copy()]
        return tuple(grads)


# ---------------------------------------------------------------------------- Elman RNN
class RNNLayer(_Recurrence):
    """One direction of an Elman RNN layer (tanh or ReLU) over a whole sequence.

    Inputs: ``x, h0, w_ih, w_hh[, b_ih, b_hh]``. Outputs: ``output, h_n``.
    """

    saves_inputs = (0, 2, 3)
    gate_order = (0,)

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
        xp, z, h0, projected, w_hh_s = self._begin(
            x, h0, w_ih, w_hh, b_ih, b_hh, (1.0,), batch_sizes, reverse, batch_first, order
        )
        hidden = w_hh.shape[1]
        length, batch = z.shape[1] - 1, z.shape[2]
        relu = nonlinearity == "relu"
        recurrent = xp.empty((hidden, batch), z.dtype)
        hs = z[:hidden]
        step_in, step_out = (1, 0) if reverse else (0, 1)
        sizes = _active(batch_sizes, batch, length)
        inserted = []
        n_old = batch
        for t in _steps(length, reverse):
            n = sizes[t]
            p, q = t + step_in, t + step_out
            if n > n_old:
                _insert_initial((hs[:, p],), (h0,), n_old, n)
                inserted.append((p, n_old, n))
            n_old = n
            pre = recurrent[:, :n]
            xp.matmul(w_hh_s, hs[:, p, :n], out=pre)
            pre += projected[:, t, :n]
            if relu:
                xp.maximum(pre, 0, out=hs[:, q, :n])
            else:
                xp.tanh(pre, out=hs[:, q, :n])
        self.w_ih, self.w_hh = w_ih, w_hh
        self.meta = (batch_sizes, reverse, order, b_ih is not None, relu)
        h_n = self._state_out(xp, self._final(xp, hs, batch_sizes, reverse, 1), order)
        return self._outputs(hidden, reverse, inserted), h_n

    def backward(self, d_out: Any, d_hn: Any) -> tuple[Any, ...]:
        batch_sizes, reverse, order, has_bias, relu = self.meta
        z = self.z
        xp = get_array_module(z)
        hidden = self.w_hh.shape[1]
        length, batch = z.shape[1] - 1, z.shape[2]
        dy = self.layout.steps_in(xp, d_out)
        carry = self._state_grad_in(xp, d_hn, order)
        hs = z[:hidden]
        w_hh_t = xp.ascontiguousarray(self.w_hh.T)
        d_pre = (xp.zeros if batch_sizes is not None else xp.empty)((hidden, length, batch), z.dtype)
        slope = xp.empty((hidden, batch), z.dtype)
        step_out = 0 if reverse else 1
        sizes = _active(batch_sizes, batch, length)
        for t in _steps(length, not reverse):
            n = sizes[t]
            h = hs[:, t + step_out, :n]
            s = slope[:, :n]
            if relu:
                xp.greater(h, 0, out=s)
            else:
                xp.multiply(h, h, out=s)
                xp.subtract(1, s, out=s)
            d = d_pre[:, t, :n]
            xp.add(dy[t, :, :n], carry[:, :n], out=d)
            d *= s
            xp.matmul(w_hh_t, d, out=carry[:, :n])
        dx, dw_ih, dw_hh, db = self._grads_from(xp, d_pre, self.w_ih, hidden, reverse)
        grads = [dx, self._state_out(xp, carry, order), dw_ih, dw_hh]
        if has_bias:
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
        check_tensor(op, t, name=name)
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
        if t.dtype != dtype or t._array.dtype.kind != "f":
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
    check_tensor(op, state, name=name)
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
            f"{op}: expected a 3-D input {'(N, L, H_in)' if batch_first else '(L, N, H_in)'} or a 2-D "
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
        data = sorted_indices._array if isinstance(sorted_indices, Tensor) else sorted_indices
        xp = get_array_module(input._array)
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
# The ops behind nn.utils.rnn (internal, so not in __all__): moving rows between a padded
# (L, N, *) batch and PyTorch's packed layout. Indices are unique, so each backward is a plain
# gather or scatter.
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
