"""The elementwise part of one LSTM step, forward and backward (numba; see ``shendu/ops/rnn.py``).

Gates are stored in the order i, f, o, g, as ``(4H, B)`` blocks; each loop computes what the
NumPy path's sequence of ufuncs computes, in the same order, so both give the same bits.
"""

from __future__ import annotations

from typing import Any

from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def lstm_cell_forward(gates: Any, c_prev: Any, c: Any, half: Any) -> None:
    """Turn the tanh of the halved sigmoid rows into sigmoids, in place, and write the new cell state.

    ``gates`` (4H, B) holds ``tanh`` of the pre-activations (the sigmoid rows halved beforehand);
    ``half`` is 0.5 in their dtype, so that the arithmetic stays in it.
    """
    hidden, batch = c.shape
    for j in range(hidden):
        for b in range(batch):
            gate_i = gates[j, b] * half + half
            gate_f = gates[hidden + j, b] * half + half
            gates[j, b] = gate_i
            gates[hidden + j, b] = gate_f
            gates[2 * hidden + j, b] = gates[2 * hidden + j, b] * half + half
            c[j, b] = gate_f * c_prev[j, b] + gate_i * gates[3 * hidden + j, b]


@njit(cache=True, nogil=True, error_model="numpy")
def lstm_cell_backward(
    gates: Any, tanh_c: Any, c_prev: Any, d_output: Any, carry_h: Any, carry_c: Any, d_gates: Any, one: Any
) -> None:
    """One step back: the gate gradients into ``d_gates`` (4H, B), the cell-state gradient carried
    to the previous step into ``carry_c``; ``carry_h`` holds the hidden-state gradient from the
    next step and ``d_output`` this step's output gradient. ``one`` is 1 in the arrays' dtype."""
    hidden, batch = carry_c.shape
    for j in range(hidden):
        for b in range(batch):
            gate_i = gates[j, b]
            gate_f = gates[hidden + j, b]
            gate_o = gates[2 * hidden + j, b]
            gate_g = gates[3 * hidden + j, b]
            tc = tanh_c[j, b]
            dh = d_output[j, b] + carry_h[j, b]
            dc = carry_c[j, b] + (one - tc * tc) * gate_o * dh
            d_gates[j, b] = dc * gate_g * (gate_i - gate_i * gate_i)
            d_gates[hidden + j, b] = dc * c_prev[j, b] * (gate_f - gate_f * gate_f)
            d_gates[2 * hidden + j, b] = dh * tc * (gate_o - gate_o * gate_o)
            d_gates[3 * hidden + j, b] = dc * gate_i * (one - gate_g * gate_g)
            carry_c[j, b] = dc * gate_f
