"""The LSTM ops: a whole layer direction (``lstm_layer``) and one step (``lstm_cell``)."""

from __future__ import annotations

from typing import Any

from ... import _compiled
from ...backend import get_array_module
from ...tensor import Tensor
from ._graph import lstm_cell_graph, lstm_graph
from ._recurrence import _active, _cell_backward, _Recurrence, _steps, _walk, apply_cell, apply_layer

__all__ = ["lstm_cell", "lstm_layer"]


class LSTMLayer(_Recurrence):
    """One direction of an LSTM layer over a whole sequence.

    Inputs: ``x, h0, c0, w_ih, w_hh[, b_ih, b_hh]``. Outputs: ``output, h_n, c_n``. Gates are kept
    in the order i, f, o, g inside, so that the three sigmoid gates form one block.
    """

    saves_inputs = (0, 3, 4)
    gate_order = (0, 1, 3, 2)
    composite = staticmethod(lstm_graph)

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
        xp, z, h0, projection, w_hh_s = self._begin(
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
        # Backward needs every step's gates, cell states and tanh(c). Without it one step's gates
        # suffice (batch-1000 inference over 28 steps: 71 MB less), one cell state updated in place,
        # and tanh(c) is formed in the output slot it scales. A packed batch keeps all cell states:
        # each sequence's final one is in the slot after its own last step.
        stored = length if self.recording else 1
        kept = length + 1 if self.recording or packed else 1
        gates = (xp.zeros if packed else xp.empty)((stored, 4 * hidden, batch), dtype)
        cs = (xp.zeros if packed else xp.empty)((kept, hidden, batch), dtype)
        tanh_c = (xp.zeros if packed else xp.empty)((length, hidden, batch), dtype) if self.recording else None
        kernels = _compiled.kernels_for("rnn", z)
        half = dtype.type(0.5)
        cs[(length if reverse else 0) % kept] = c0
        hs = z[:hidden]
        inserted: list[tuple[int, int, int]] = []
        for t, n, p, q in _walk(length, batch, batch_sizes, reverse, lambda p: (hs[:, p], cs[p]), (h0, c0), inserted):
            slot = t if self.recording else 0
            g = gates[slot, :, :n]
            xp.matmul(w_hh_s, hs[:, p, :n], out=g)
            g += projection.at(t)[:, :n]
            xp.tanh(g, out=g)
            c, c_before = cs[q % kept, :, :n], cs[p % kept, :, :n]
            # Holds i * g on the NumPy path, then tanh(c).
            scratch = tanh_c[t, :, :n] if self.recording else hs[:, q, :n]
            if kernels is not None:
                kernels.lstm_cell_forward(g, c_before, c, half)
            else:
                sig = g[:h3]
                sig *= 0.5
                sig += 0.5
                xp.multiply(g[hidden : 2 * hidden], c_before, out=c)
                xp.multiply(g[:hidden], g[h3:], out=scratch)
                c += scratch
            tc = xp.tanh(c, out=scratch)
            xp.multiply(g[2 * hidden : h3], tc, out=hs[:, q, :n])
        if self.recording:
            self.gates, self.cs, self.tanh_c = gates, cs, tanh_c
        # Inference frees the step buffers before the final states are copied out.
        del gates, projection
        self.w_ih, self.w_hh = w_ih, w_hh
        self.meta = (batch_sizes, reverse, order, b_ih is not None)
        h_n = self._state_out(xp, self._final(xp, hs, batch_sizes, reverse, 1), order)
        c_last = (
            self._final(xp, cs, batch_sizes, reverse, 0) if packed else cs[(0 if reverse else length) % kept].copy()
        )
        c_n = self._state_out(xp, c_last, order)
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


class LSTMCellStep(LSTMLayer):
    """One LSTM step: inputs ``x, h, c, w_ih, w_hh[, b_ih, b_hh]``, outputs ``h', c'``."""

    composite = staticmethod(lstm_cell_graph)

    def forward(self, x: Any, h: Any, c: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None) -> Any:
        self.x_shape = x.shape
        _, h_n, c_n = super().forward(x[None], h, c, w_ih, w_hh, b_ih, b_hh)
        return h_n, c_n

    def backward(self, d_h: Any, d_c: Any) -> tuple[Any, ...]:
        return _cell_backward(super().backward, self.x_shape, d_h, d_c)


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
    h0, c0 = (None, None) if hx is None else hx
    options = (batch_sizes, reverse, batch_first, sorted_indices)
    return apply_layer("lstm_layer", LSTMLayer, 4, input, (("h0", h0), ("c0", c0)), (w_ih, w_hh, b_ih, b_hh), options)


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
    h, c = (None, None) if hx is None else hx
    return apply_cell("lstm_cell", LSTMCellStep, 4, input, (("h", h), ("c", c)), (w_ih, w_hh, b_ih, b_hh))
