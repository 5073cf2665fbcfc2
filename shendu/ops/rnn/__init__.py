"""Recurrent layers as fused ops: a whole sequence per Function, and single steps for the cells.

Each layer op runs one direction of one layer over a whole sequence on raw arrays:

- the input projection of every time step (bias included) is one matrix product over all
  ``T * B`` columns at once; in inference (nothing recorded for backward) it is one product per
  chunk of steps instead, and only the buffers of one step are kept besides the output, so that
  memory does not grow with ``T * B`` beyond the output itself;
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

One module per variant: ``lstm``, ``gru`` and ``elman`` (tanh and ReLU), each with its layer and
cell ops; what they share is in ``_recurrence``, and the packing ops behind ``nn.utils.rnn`` in
``packing``.
"""

from .elman import rnn_layer, rnn_relu_cell, rnn_tanh_cell
from .gru import gru_cell, gru_layer
from .lstm import lstm_cell, lstm_layer

__all__ = [
    "gru_cell",
    "gru_layer",
    "lstm_cell",
    "lstm_layer",
    "rnn_layer",
    "rnn_relu_cell",
    "rnn_tanh_cell",
]
