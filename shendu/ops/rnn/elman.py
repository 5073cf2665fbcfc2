"""The Elman RNN ops (tanh or ReLU): a whole layer direction (``rnn_layer``) and one step
(``rnn_tanh_cell``, ``rnn_relu_cell``)."""

from __future__ import annotations

from typing import Any

from ...backend import get_array_module
from ...tensor import Tensor
from ._graph import elman_cell_graph, elman_graph
from ._recurrence import (
    _active,
    _cell_backward,
    _check_nonlinearity,
    _Recurrence,
    _steps,
    _walk,
    apply_cell,
    apply_layer,
)

__all__ = ["rnn_layer", "rnn_relu_cell", "rnn_tanh_cell"]


class RNNLayer(_Recurrence):
    """One direction of an Elman RNN layer (tanh or ReLU) over a whole sequence.

    Inputs: ``x, h0, w_ih, w_hh[, b_ih, b_hh]``. Outputs: ``output, h_n``.
    """

    saves_inputs = (0, 2, 3)
    gate_order = (0,)
    composite = staticmethod(elman_graph)

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
        xp, z, h0, projection, w_hh_s = self._begin(
            x, h0, w_ih, w_hh, b_ih, b_hh, (1.0,), batch_sizes, reverse, batch_first, order
        )
        hidden = w_hh.shape[1]
        length, batch = z.shape[1] - 1, z.shape[2]
        relu = nonlinearity == "relu"
        recurrent = xp.empty((hidden, batch), z.dtype)
        hs = z[:hidden]
        inserted: list[tuple[int, int, int]] = []
        for t, n, p, q in _walk(length, batch, batch_sizes, reverse, lambda p: (hs[:, p],), (h0,), inserted):
            pre = recurrent[:, :n]
            xp.matmul(w_hh_s, hs[:, p, :n], out=pre)
            pre += projection.at(t)[:, :n]
            if relu:
                xp.maximum(pre, 0, out=hs[:, q, :n])
            else:
                xp.tanh(pre, out=hs[:, q, :n])
        del projection  # freed before the final state is copied out
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


class RNNCellStep(RNNLayer):
    """One Elman RNN step: inputs ``x, h, w_ih, w_hh[, b_ih, b_hh]``, output ``h'``."""

    composite = staticmethod(elman_cell_graph)

    def forward(
        self, x: Any, h: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None, *, nonlinearity: str = "tanh"
    ) -> Any:
        self.x_shape = x.shape
        return super().forward(x[None], h, w_ih, w_hh, b_ih, b_hh, nonlinearity=nonlinearity)[1]

    def backward(self, d_h: Any) -> tuple[Any, ...]:
        return _cell_backward(super().backward, self.x_shape, d_h)


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
    _check_nonlinearity("rnn_layer", nonlinearity)
    options = (batch_sizes, reverse, batch_first, sorted_indices)
    return apply_layer(
        "rnn_layer", RNNLayer, 1, input, (("h0", hx),), (w_ih, w_hh, b_ih, b_hh), options, nonlinearity=nonlinearity
    )


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
    return apply_cell(
        "rnn_tanh_cell", RNNCellStep, 1, input, (("h", hx),), (w_ih, w_hh, b_ih, b_hh), nonlinearity="tanh"
    )


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
    return apply_cell(
        "rnn_relu_cell", RNNCellStep, 1, input, (("h", hx),), (w_ih, w_hh, b_ih, b_hh), nonlinearity="relu"
    )
