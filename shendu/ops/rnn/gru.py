"""The GRU ops: a whole layer direction (``gru_layer``) and one step (``gru_cell``)."""

from __future__ import annotations

from typing import Any

from ...backend import get_array_module
from ...tensor import Tensor
from ._graph import gru_cell_graph, gru_graph
from ._recurrence import _active, _cell_backward, _Recurrence, _steps, _walk, apply_cell, apply_layer

__all__ = ["gru_cell", "gru_layer"]


class GRULayer(_Recurrence):
    """One direction of a GRU layer over a whole sequence.

    Inputs: ``x, h0, w_ih, w_hh[, b_ih, b_hh]``. Outputs: ``output, h_n``.
    """

    saves_inputs = (0, 2, 3)
    gate_order = (0, 1, 2)
    composite = staticmethod(gru_graph)

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
        xp, z, h0, projection, w_hh_s = self._begin(
            x, h0, w_ih, w_hh, b_ih, b_hh, (0.5, 0.5, 1.0), batch_sizes, reverse, batch_first, order
        )
        hidden = w_hh.shape[1]
        h2 = 2 * hidden
        length, batch = z.shape[1] - 1, z.shape[2]
        packed = batch_sizes is not None
        dtype = z.dtype
        b_hn = None if b_hh is None else b_hh[h2:, None]
        # gates[t] holds the activations r, z, n; h_part[t] the hidden part W_hn h + b_hn of n. Only
        # backward reads them: without it one step's buffers suffice.
        stored = length if self.recording else 1
        gates = (xp.zeros if packed else xp.empty)((stored, 3 * hidden, batch), dtype)
        h_part = (xp.zeros if packed else xp.empty)((stored, hidden, batch), dtype)
        recurrent = xp.empty((3 * hidden, batch), dtype)
        hs = z[:hidden]
        inserted: list[tuple[int, int, int]] = []
        for t, n, p, q in _walk(length, batch, batch_sizes, reverse, lambda p: (hs[:, p],), (h0,), inserted):
            hp = hs[:, p, :n]
            gh = recurrent[:, :n]
            xp.matmul(w_hh_s, hp, out=gh)
            slot = t if self.recording else 0
            projected = projection.at(t)
            g = gates[slot, :, :n]
            rz = g[:h2]
            xp.add(gh[:h2], projected[:h2, :n], out=rz)
            xp.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            hn = h_part[slot, :, :n]
            if b_hn is None:
                hn[...] = gh[h2:]
            else:
                xp.add(gh[h2:], b_hn, out=hn)
            cand = g[h2:]
            xp.multiply(rz[:hidden], hn, out=cand)
            cand += projected[h2:, :n]
            xp.tanh(cand, out=cand)
            h = hs[:, q, :n]
            xp.subtract(hp, cand, out=h)
            h *= rz[hidden:]
            h += cand
        if self.recording:
            self.gates, self.h_part = gates, h_part
        # Inference frees the step buffers before the final state is copied out.
        del gates, h_part, projection
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


class GRUCellStep(GRULayer):
    """One GRU step: inputs ``x, h, w_ih, w_hh[, b_ih, b_hh]``, output ``h'``."""

    composite = staticmethod(gru_cell_graph)

    def forward(self, x: Any, h: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None) -> Any:
        self.x_shape = x.shape
        return super().forward(x[None], h, w_ih, w_hh, b_ih, b_hh)[1]

    def backward(self, d_h: Any) -> tuple[Any, ...]:
        return _cell_backward(super().backward, self.x_shape, d_h)


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
    options = (batch_sizes, reverse, batch_first, sorted_indices)
    return apply_layer("gru_layer", GRULayer, 3, input, (("h0", hx),), (w_ih, w_hh, b_ih, b_hh), options)


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
    return apply_cell("gru_cell", GRUCellStep, 3, input, (("h", hx),), (w_ih, w_hh, b_ih, b_hh))
