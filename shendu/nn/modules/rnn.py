"""Recurrent layers: RNN, LSTM and GRU over whole sequences, and their single-step cells.

Each layer direction runs as one fused op (``shendu.ops.rnn``): the input projection of all time
steps is one matrix product, each step one matrix product for all gates, and backward the same.
Parameter names, shapes, gate order (i, f, g, o for the LSTM; r, z, n for the GRU) and the
default initialization are PyTorch's, so a PyTorch ``state_dict`` loads as it is.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ..._checks import check_tensor
from ...errors import DtypeError, ShapeError
from ...ops import rnn as _ops
from ...ops.creation import empty
from ...ops.rnn.packing import pack_rows, pad_rows
from ...ops.shape import cat, stack
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, packed_positions
from ._utils import check_count, check_input, check_probability, factory_kwargs

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _check_dtype(module: Module, input: Tensor, weight: Tensor) -> None:
    if input.dtype != weight.dtype:
        raise DtypeError(
            f"{module._error_prefix()}input has dtype {input.dtype} but the parameters have dtype {weight.dtype}; "
            f"convert one of them (e.g. x.to({weight.dtype}) or module.to({input.dtype}))"
        )


def _check_nonlinearity(module: Module, nonlinearity: Any) -> str:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{type(module).__name__}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    return nonlinearity


class RNNBase(Module):
    """The shared machinery of RNN, LSTM and GRU: parameters, input checks and the layer loop.

    Args:
        mode: ``"LSTM"``, ``"GRU"``, ``"RNN_TANH"`` or ``"RNN_RELU"``.
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size, device, dtype:
            as in ``LSTM``.
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        device, dtype = factory_kwargs(self, device, dtype)
        if mode not in _GATES:
            raise ValueError(f"RNNBase: mode must be one of {sorted(_GATES)}, got {mode!r}")
        check_count(self, "input_size", input_size)
        check_count(self, "hidden_size", hidden_size)
        check_count(self, "num_layers", num_layers)
        check_probability(self, "dropout", dropout)
        if proj_size and mode != "LSTM":
            raise ValueError(f"{type(self).__name__}: proj_size={proj_size} is only supported for LSTM, not RNN or GRU")
        if proj_size:
            raise NotImplementedError(
                f"{type(self).__name__}: proj_size={proj_size} (LSTM with projections) is not supported by shendu"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"{type(self).__name__}: dropout={dropout} has no effect with num_layers=1; it applies between "
                "stacked layers (after every layer but the last)",
                stacklevel=2,
            )
        self.mode = mode
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.num_layers = int(num_layers)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        self.proj_size = 0
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                names = []
                for base, shape in shapes:
                    name = base + suffix
                    setattr(self, name, Parameter(empty(*shape, device=device, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch does."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self) -> None:
        """Accepted for compatibility: shendu's weights need no flattening."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each layer direction, ``[w_ih, w_hh, b_ih, b_hh]`` (biases only with ``bias``)."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    @property
    def _flat_weights(self) -> list[Parameter]:
        return [getattr(self, name) for name in self._flat_weights_names]

    # ------------------------------------------------------------------ checks
    def _layout(self) -> str:
        return "(N, L, H_in)" if self.batch_first else "(L, N, H_in)"

    def _check_input(self, input: Tensor) -> None:
        shape = tuple(input.shape)
        if input.ndim not in (2, 3):
            raise ShapeError(
                f"{self._error_prefix()}expected a 3-D input {self._layout()} (batch_first={self.batch_first}) "
                f"or a 2-D unbatched input (L, H_in), got a {input.ndim}-D input; input shape {shape}"
            )
        if shape[-1] != self.input_size:
            hint = ""
            if input.ndim == 2:
                batched = "(N, L, H_in)" if self.batch_first else "(L, N, H_in)"
                hint = (
                    f"; a 2-D input is one unbatched sequence (L, H_in); for a batch pass a 3-D input {batched} "
                    f"(batch_first={self.batch_first})"
                )
                if self.input_size == 1:
                    hint += ", e.g. x.unsqueeze(-1) for a batch of scalar sequences"
            raise ShapeError(
                f"{self._error_prefix()}expected input with {self.input_size} features (input_size), "
                f"got {shape[-1]}; input shape {shape}, weight_ih_l0 shape {tuple(self.weight_ih_l0.shape)}{hint}"
            )

    def _check_state(self, name: str, state: Any, expected: tuple[int, ...]) -> None:
        check_tensor(self._error_prefix()[:-2], state, name=name)
        if tuple(state.shape) != expected:
            what = "(num_layers * num_directions, hidden_size)"
            if len(expected) == 3:
                what = "(num_layers * num_directions, batch, hidden_size)"
            raise ShapeError(
                f"{self._error_prefix()}expected {name} of shape {expected} {what}, got {tuple(state.shape)}"
            )

    def _states(self, hx: Any, batch: int | None) -> list[list[Tensor | None]]:
        """The initial states split per layer direction: one list per state (h, and c for the LSTM)."""
        count = self.num_layers * (2 if self.bidirectional else 1)
        names = ("h0", "c0") if self.mode == "LSTM" else ("h0",)
        if hx is None:
            return [[None] * count for _ in names]
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(
                    f"{self._error_prefix()}hx must be a tuple (h0, c0) of Tensors, got {type(hx).__name__}"
                )
            states = list(hx)
        else:
            states = [hx]
        expected = (count, self.hidden_size) if batch is None else (count, batch, self.hidden_size)
        for name, state in zip(names, states):
            self._check_state(name, state, expected)
        return [list(state.unbind(0)) for state in states]

    # ------------------------------------------------------------------ forward
    def forward(self, input: Tensor | PackedSequence, hx: Any = None) -> tuple[Any, Any]:
        packed = isinstance(input, PackedSequence)
        if packed:
            data = input.data
            check_input(self, data)
            if data.ndim != 2 or data.shape[-1] != self.input_size:
                raise ShapeError(
                    f"{self._error_prefix()}expected packed data of shape (sum of lengths, {self.input_size}), "
                    f"got {tuple(data.shape)}"
                )
            _check_dtype(self, data, self.weight_ih_l0)
            sizes = [int(n) for n in input.batch_sizes.tolist()]
            batch: int | None = sizes[0]
            positions = packed_positions(sizes, None, False, len(sizes), data)
            x = pad_rows(data, positions, (len(sizes), sizes[0]))
            batch_first = False
            order = input.sorted_indices
        else:
            check_input(self, input)
            self._check_input(input)
            _check_dtype(self, input, self.weight_ih_l0)
            batch = None if input.ndim == 2 else input.shape[0 if self.batch_first else 1]
            x, sizes, batch_first, order = input, None, self.batch_first, None
        states = self._states(hx, batch)
        directions = 2 if self.bidirectional else 1
        finals: list[list[Tensor]] = [[] for _ in states]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                k = layer * directions + direction
                result = self._run(x, [s[k] for s in states], k, sizes, direction == 1, batch_first, order)
                outputs.append(result[0])
                for store, final in zip(finals, result[1:]):
                    store.append(final)
            x = outputs[0] if directions == 1 else cat(outputs, dim=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        final = tuple(stack(store, 0) for store in finals)
        hidden = final if self.mode == "LSTM" else final[0]
        if packed:
            out = pack_rows(x, positions)
            return PackedSequence(out, input.batch_sizes, input.sorted_indices, input.unsorted_indices), hidden
        return x, hidden

    def _run(
        self,
        x: Tensor,
        state: list[Any],
        k: int,
        sizes: list[int] | None,
        reverse: bool,
        batch_first: bool,
        order: Any,
    ) -> tuple[Tensor, ...]:
        weights = self.all_weights[k]
        options = {"batch_sizes": sizes, "reverse": reverse, "batch_first": batch_first, "sorted_indices": order}
        if self.mode == "LSTM":
            hx = None if state[0] is None and state[1] is None else (state[0], state[1])
            return _ops.lstm_layer(x, hx, *weights, **options)
        if self.mode == "GRU":
            return _ops.gru_layer(x, state[0], *weights, **options)
        nonlinearity = "relu" if self.mode == "RNN_RELU" else "tanh"
        return _ops.rnn_layer(x, state[0], *weights, nonlinearity=nonlinearity, **options)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class RNN(RNNBase):
    """A multi-layer Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    Args:
        input_size: the number of features of each input step.
        hidden_size: the number of features of the hidden state.
        num_layers: stacked layers; layer ``k > 0`` reads the output of layer ``k - 1``. Default: 1.
        nonlinearity: ``"tanh"`` or ``"relu"``. Default: ``"tanh"``.
        bias: learn ``b_ih`` and ``b_hh``. Default: True.
        batch_first: inputs and outputs are ``(N, L, H)`` instead of ``(L, N, H)`` (the states are not
            affected). Default: False.
        dropout: dropout probability on the outputs of every layer but the last, in training mode.
            Default: 0.0.
        bidirectional: add a layer direction that reads the sequence backwards; the outputs of the
            two directions are concatenated. Default: False.
        device, dtype: where and in which dtype to create the parameters. Default: None.

    Shape:
        - input: :math:`(L, N, H_{in})`, :math:`(N, L, H_{in})` with ``batch_first``, :math:`(L, H_{in})`
          unbatched, or a ``PackedSequence``.
        - h_0: :math:`(D \\cdot \\text{num\\_layers}, N, H)` (or without N unbatched); zeros when omitted.
        - output: :math:`(L, N, D \\cdot H)` (laid out as the input), or a ``PackedSequence``.
        - h_n: :math:`(D \\cdot \\text{num\\_layers}, N, H)`, the state after each sequence's last valid step.

        with :math:`D = 2` when bidirectional, else 1.

    Attributes:
        weight_ih_l[k]: ``(H, H_in)`` for layer 0, ``(H, D * H)`` after.
        weight_hh_l[k]: ``(H, H)``.
        bias_ih_l[k], bias_hh_l[k]: ``(H,)``. With ``_reverse`` appended for the reverse direction.
            All drawn from U(-1/sqrt(H), 1/sqrt(H)).

    Example:
        >>> rnn = nn.RNN(10, 20, 2)
        >>> output, hn = rnn(shendu.randn(5, 3, 10), shendu.randn(2, 3, 20))
        >>> output.shape, hn.shape
        (shendu.Size([5, 3, 20]), shendu.Size([2, 3, 20]))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        mode = "RNN_TANH" if _check_nonlinearity(self, nonlinearity) == "tanh" else "RNN_RELU"
        super().__init__(
            mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype
        )
        self.nonlinearity = nonlinearity

    def extra_repr(self) -> str:
        text = super().extra_repr()
        return text if self.nonlinearity == "tanh" else text + f", nonlinearity={self.nonlinearity}"


class LSTM(RNNBase):
    """A multi-layer long short-term memory (LSTM) network.

    For each step, with :math:`\\sigma` the sigmoid and gates in PyTorch's order i, f, g, o:

    .. math::
        i = \\sigma(W_{ii} x + b_{ii} + W_{hi} h + b_{hi}),\\;
        f = \\sigma(W_{if} x + b_{if} + W_{hf} h + b_{hf}),\\;
        g = \\tanh(W_{ig} x + b_{ig} + W_{hg} h + b_{hg}),\\;
        o = \\sigma(W_{io} x + b_{io} + W_{ho} h + b_{ho}),\\;
        c' = f \\odot c + i \\odot g,\\; h' = o \\odot \\tanh(c')

    The cell state ``c`` carries information across many steps through the forget gate alone, which
    is why LSTMs suffer far less from vanishing gradients than plain RNNs.

    Args:
        input_size: the number of features of each input step.
        hidden_size: the number of features of the hidden and cell states.
        num_layers: stacked layers. Default: 1.
        bias: learn ``b_ih`` and ``b_hh``. Default: True.
        batch_first: inputs and outputs are ``(N, L, H)``. Default: False.
        dropout: dropout on the outputs of every layer but the last, in training mode. Default: 0.0.
        bidirectional: add a reverse direction and concatenate both outputs. Default: False.
        proj_size: LSTM with projections is not supported; must be 0. Default: 0.
        device, dtype: where and in which dtype to create the parameters. Default: None.

    Shape:
        - input: as for ``RNN``. hx: a tuple ``(h_0, c_0)``, each :math:`(D \\cdot \\text{num\\_layers}, N, H)`;
          zeros when omitted.
        - output: :math:`(L, N, D \\cdot H)` (laid out as the input), or a ``PackedSequence``.
        - ``(h_n, c_n)``: each :math:`(D \\cdot \\text{num\\_layers}, N, H)`, after each sequence's last valid step.

    Attributes:
        weight_ih_l[k]: ``(4H, H_in)`` (``(4H, D * H)`` for k > 0), the rows of W_ii, W_if, W_ig, W_io.
        weight_hh_l[k]: ``(4H, H)``.
        bias_ih_l[k], bias_hh_l[k]: ``(4H,)``. ``_reverse`` for the reverse direction.
            All drawn from U(-1/sqrt(H), 1/sqrt(H)).

    Training on long series (truncated backpropagation through time): split the series into
    chunks, feed them in order, and carry the state from one chunk to the next with ``detach()``,
    so the state flows forward through the whole series while each backward pass stops at the
    chunk boundary. ``examples/truncated_bptt.py`` trains an LSTM on the sunspot series this way::

        state = None
        for x, y in chunks:                      # consecutive pieces of one long series
            out, state = lstm(x, state)
            loss = loss_fn(head(out), y)
            optimizer.zero_grad(); loss.backward(); optimizer.step()
            state = tuple(s.detach() for s in state)

    Example:
        >>> lstm = nn.LSTM(10, 20, num_layers=2, batch_first=True)
        >>> output, (hn, cn) = lstm(shendu.randn(3, 5, 10))
        >>> output.shape, hn.shape
        (shendu.Size([3, 5, 20]), shendu.Size([2, 3, 20]))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """A multi-layer gated recurrent unit (GRU) network.

    For each step, with gates in PyTorch's order r, z, n:

    .. math::
        r = \\sigma(W_{ir} x + b_{ir} + W_{hr} h + b_{hr}),\\;
        z = \\sigma(W_{iz} x + b_{iz} + W_{hz} h + b_{hz}),\\;
        n = \\tanh(W_{in} x + b_{in} + r \\odot (W_{hn} h + b_{hn})),\\;
        h' = (1 - z) \\odot n + z \\odot h

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, dtype:
            as in ``LSTM``.

    Shape:
        As for ``RNN``.

    Attributes:
        weight_ih_l[k]: ``(3H, H_in)`` (``(3H, D * H)`` for k > 0), the rows of W_ir, W_iz, W_in.
        weight_hh_l[k]: ``(3H, H)``.
        bias_ih_l[k], bias_hh_l[k]: ``(3H,)``. ``_reverse`` for the reverse direction.
            All drawn from U(-1/sqrt(H), 1/sqrt(H)).

    Example:
        >>> gru = nn.GRU(10, 20, bidirectional=True)
        >>> output, hn = gru(shendu.randn(5, 3, 10))
        >>> output.shape, hn.shape
        (shendu.Size([5, 3, 40]), shendu.Size([2, 3, 20]))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("GRU", *args, **kwargs)


# ---------------------------------------------------------------------------- cells
class RNNCellBase(Module):
    """Shared code of the cells: parameters ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh`` and checks."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        device, dtype = factory_kwargs(self, device, dtype)
        check_count(self, "input_size", input_size, minimum=0)
        check_count(self, "hidden_size", hidden_size)
        check_count(self, "num_chunks", num_chunks)
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.bias = bool(bias)
        gate_size = num_chunks * hidden_size
        self.weight_ih = Parameter(empty(gate_size, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(empty(gate_size, hidden_size, device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(gate_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(gate_size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch does."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _check(self, input: Tensor, states: dict[str, Any]) -> None:
        check_input(self, input)
        shape = tuple(input.shape)
        if input.ndim not in (1, 2):
            raise ShapeError(
                f"{self._error_prefix()}expected a 2-D input (N, H_in) or a 1-D unbatched input (H_in,), "
                f"got a {input.ndim}-D input; input shape {shape}"
                + (
                    "; a cell takes one step, use the layer (e.g. nn.LSTM) for whole sequences"
                    if input.ndim == 3
                    else ""
                )
            )
        if shape[-1] != self.input_size:
            raise ShapeError(
                f"{self._error_prefix()}expected input with {self.input_size} features (input_size), "
                f"got {shape[-1]}; input shape {shape}"
            )
        _check_dtype(self, input, self.weight_ih)
        expected = (self.hidden_size,) if input.ndim == 1 else (shape[0], self.hidden_size)
        for name, state in states.items():
            if state is None:
                continue
            check_tensor(self._error_prefix()[:-2], state, name=name)
            if tuple(state.shape) != expected:
                raise ShapeError(
                    f"{self._error_prefix()}expected {name} of shape {expected} for input shape {shape}, "
                    f"got {tuple(state.shape)}"
                )

    def _weights(self) -> tuple[Any, ...]:
        return (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        return text


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Args:
        input_size: the number of input features.
        hidden_size: the number of hidden features.
        bias: learn ``bias_ih`` and ``bias_hh``. Default: True.
        nonlinearity: ``"tanh"`` or ``"relu"``. Default: ``"tanh"``.
        device, dtype: where and in which dtype to create the parameters. Default: None.

    Shape:
        - input: :math:`(N, H_{in})` or :math:`(H_{in})`. hidden: :math:`(N, H)` or :math:`(H)`, zeros when
          omitted. Output: :math:`(N, H)` or :math:`(H)`.

    Example:
        >>> cell = nn.RNNCell(10, 20)
        >>> h = shendu.zeros(3, 20)
        >>> for x in shendu.randn(6, 3, 10):
        ...     h = cell(x, h)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _check_nonlinearity(self, nonlinearity)
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        self._check(input, {"hx": hx})
        step = _ops.rnn_relu_cell if self.nonlinearity == "relu" else _ops.rnn_tanh_cell
        return step(input, hx, *self._weights())

    def extra_repr(self) -> str:
        text = super().extra_repr()
        return text if self.nonlinearity == "tanh" else text + f", nonlinearity={self.nonlinearity}"


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o as in ``LSTM``), returning ``(h', c')``.

    Args:
        input_size: the number of input features.
        hidden_size: the number of hidden features.
        bias: learn ``bias_ih`` and ``bias_hh``. Default: True.
        device, dtype: where and in which dtype to create the parameters. Default: None.

    Shape:
        - input: :math:`(N, H_{in})` or :math:`(H_{in})`. hx: a tuple ``(h, c)`` of :math:`(N, H)` or
          :math:`(H)`, zeros when omitted. Output: ``(h', c')`` of the same shapes.

    Example:
        >>> cell = nn.LSTMCell(10, 20)
        >>> h, c = shendu.zeros(3, 20), shendu.zeros(3, 20)
        >>> for x in shendu.randn(6, 3, 10):
        ...     h, c = cell(x, (h, c))
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"{self._error_prefix()}hx must be a tuple (h, c) of Tensors, got {type(hx).__name__}")
        h, c = (None, None) if hx is None else hx
        self._check(input, {"h": h, "c": c})
        return _ops.lstm_cell(input, None if hx is None else (h, c), *self._weights())


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n as in ``GRU``).

    Args:
        input_size: the number of input features.
        hidden_size: the number of hidden features.
        bias: learn ``bias_ih`` and ``bias_hh``. Default: True.
        device, dtype: where and in which dtype to create the parameters. Default: None.

    Shape:
        - input: :math:`(N, H_{in})` or :math:`(H_{in})`. hx: :math:`(N, H)` or :math:`(H)`, zeros when
          omitted. Output: the same shape as hx.

    Example:
        >>> cell = nn.GRUCell(10, 20)
        >>> h = cell(shendu.randn(3, 10))
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        self._check(input, {"hx": hx})
        return _ops.gru_cell(input, hx, *self._weights())
