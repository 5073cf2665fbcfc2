"""What the recurrent ops share: the feature-major layout, the ``Recurrence`` base of the layer
Functions, and the argument checks and setup behind the public wrappers."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import pairwise
from typing import Any, ClassVar

import numpy as np

from ..._checks import check_tensor
from ...autograd.function import Function
from ...backend import get_array_module
from ...errors import DtypeError, ShapeError
from ...tensor import Tensor
from .._common import check_same_device


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


# Inference projects the inputs a chunk of steps at a time, at most this many values per chunk (16 MB
# of float32; one step when a step alone is more). The projection of all steps at once is G * T * B
# values: 573 MB for an LSTM of 128 units over 28 steps of 10,000 sequences. Below the limit it is
# one product, as in training; above it, a chunk's product may round differently in the last bits
# from the same columns inside one large product (BLAS picks its kernels by the matrix sizes).
_CHUNK_VALUES = 1 << 22


class _InputColumns:
    """The columns ``[x_t; 1]`` of a chunk of steps, copied from the caller's sequence into one buffer.

    Args:
        xs: the ``(I, T, B)`` view of the sequence.
        steps: the most steps one chunk spans.
    """

    def __init__(self, xp: Any, xs: Any, steps: int) -> None:
        features, length, batch = xs.shape
        self.xs = xs
        self.buffer = xp.empty((features + 1, min(steps, length), batch), xs.dtype)
        self.buffer[-1] = 1

    def __call__(self, start: int, stop: int) -> Any:
        """The ``(I + 1, stop - start, B)`` columns of steps ``start`` to ``stop - 1``."""
        block = self.buffer[:, : stop - start]
        block[:-1] = self.xs[:, start:stop]
        return block


class _Projection:
    """The input projection ``W_in [x_t; 1]`` of each step, computed a chunk of steps at a time.

    A chunk is computed when the walk over the steps reaches it, into one buffer that the next chunk
    overwrites; walking in reverse, a chunk ends at the step that asks for it. With ``steps`` left at
    None, all steps are one product.

    Args:
        w_in: the ``(G, I + 1)`` input weights with the bias as last column.
        columns: ``columns(start, stop)`` gives the ``(I + 1, stop - start, B)`` columns ``[x_t; 1]`` of
            steps ``start`` to ``stop - 1`` (its last two axes mergeable into one without a copy).
        steps: the most steps one chunk spans. Default: None (all of them).
    """

    def __init__(
        self,
        xp: Any,
        w_in: Any,
        columns: Callable[[int, int], Any],
        length: int,
        batch: int,
        reverse: bool,
        steps: int | None = None,
    ) -> None:
        self.xp, self.w_in, self.columns = xp, w_in, columns
        self.length, self.batch, self.reverse = length, batch, reverse
        self.steps = length if steps is None else min(steps, length)
        self.buffer = xp.empty(w_in.shape[0] * self.steps * batch, w_in.dtype)
        self.start = self.stop = 0  # the steps in ``block``, none yet
        self.block: Any = None

    def at(self, t: int) -> Any:
        """Step ``t``'s projected input, ``(G, B)``."""
        if not self.start <= t < self.stop:
            self.start = max(0, t - self.steps + 1) if self.reverse else t
            self.stop = t + 1 if self.reverse else min(self.length, t + self.steps)
            gates, count = self.w_in.shape[0], self.stop - self.start
            out = self.buffer[: gates * count * self.batch].reshape(gates, count * self.batch)
            inputs = self.columns(self.start, self.stop)
            self.xp.matmul(self.w_in, inputs.reshape(inputs.shape[0], count * self.batch), out=out)
            self.block = out.reshape(gates, count, self.batch)
        return self.block[:, t - self.start]


class _Recurrence(Function):
    """Shared plumbing of the layer ops: storage, the input projection, weight gradients, packing.

    When autograd records, everything a step reads lives in one ``(H + I + 1, T + 1, B)`` array ``z``:
    rows ``0:H`` hold the hidden states in time order, rows ``H:H+I`` the inputs and the last row ones
    (for the biases). Going forward, the state before step ``t`` is slot ``t`` and the state after it
    slot ``t + 1``; in reverse, the state before step ``t`` is slot ``t + 1`` and the state after it
    slot ``t``. The input of step ``t`` sits in the slot of the state before it, so the columns
    ``[h_{t-1}; x_t; 1]`` of all steps form one ``(H + I + 1, T * B)`` matrix: the input projection of
    all steps is one product with its lower rows, and the gradients of ``W_hh``, ``W_ih`` and the
    biases come out of one product with the whole of it.

    When it does not (inference), nothing is kept for backward: ``z`` holds only the hidden states
    (they are the output), and the inputs are projected a chunk of steps at a time (``_Projection``),
    so that memory beyond the output does not grow with ``T * B``.

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
        """Fill ``z``; return the array module, ``z``, the initial state ``(H, B)``, the input
        projection (``_Projection``) and the recurrent weights ``(G, H)``, both in the internal gate
        order with the sigmoid rows halved."""
        xp = get_array_module(x)
        layout = _Layout(batch_first, x.ndim == 2)
        xs = layout.sequence_in(x)
        features, length, batch = xs.shape
        hidden = w_hh.shape[1]
        packed = batch_sizes is not None
        rows = hidden + features + 1 if self.recording else hidden
        # Packed batches read the columns that a step leaves alone as padding, so those start at zero.
        z = (xp.zeros if packed else xp.empty)((rows, length + 1, batch), x.dtype)
        off = 1 if reverse else 0
        if self.recording:
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
        if self.recording:
            inputs = z[hidden:, off : off + length]
            projection = _Projection(xp, w_in, lambda start, stop: inputs[:, start:stop], length, batch, reverse)
        else:
            steps = max(1, _CHUNK_VALUES // max(1, w_in.shape[0] * batch))
            projection = _Projection(xp, w_in, _InputColumns(xp, xs, steps), length, batch, reverse, steps)
        return xp, z, h0, projection, self._permute(xp, w_hh, hidden) * factors

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


def _walk(
    length: int,
    batch: int,
    batch_sizes: tuple[int, ...] | None,
    reverse: bool,
    slots: Callable[[int], Sequence[Any]],
    initials: Sequence[Any],
    inserted: list[tuple[int, int, int]],
) -> Iterator[tuple[int, int, int, int]]:
    """The steps of a layer's forward in running order, as ``(t, n, p, q)``: step ``t`` updates the first
    ``n`` sequences of the batch, reading the states in slot ``p`` and writing them to slot ``q``.

    Run in reverse over a packed batch, a sequence starts when its last step comes up: its initial states
    (``initials``) are copied into ``slots(p)``, the slot it reads first, and ``(p, first, end)`` goes into
    ``inserted`` so that ``_outputs`` can zero the outputs there.
    """
    step_in, step_out = (1, 0) if reverse else (0, 1)
    sizes = _active(batch_sizes, batch, length)
    n_old = batch
    for t in _steps(length, reverse):
        n = sizes[t]
        p = t + step_in
        if n > n_old:
            for slot, initial in zip(slots(p), initials):
                slot[:, n_old:n] = initial[:, n_old:n]
            inserted.append((p, n_old, n))
        n_old = n
        yield t, n, p, t + step_out


# ---------------------------------------------------------------------------- cells
# A cell is the layer op run for one step: the same kernels, with the step's input given a time axis.
def _cell_backward(layer_backward: Any, x_shape: tuple[int, ...], d_h: Any, *d_states: Any) -> tuple[Any, ...]:
    """A cell's gradients from its layer's ``backward``: the one step's output has no gradient of its own
    (only the new state does), and the input's gradient loses the time axis the forward added."""
    xp = get_array_module(d_h)
    grads = layer_backward(xp.zeros((1, *d_h.shape), d_h.dtype), d_h, *d_states)
    return (None if grads[0] is None else grads[0].reshape(x_shape), *grads[1:])


# ---------------------------------------------------------------------------- checks and setup of the public ops
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
        from ..creation import zeros

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


def _weights(w_ih: Tensor, w_hh: Tensor, b_ih: Any, b_hh: Any) -> tuple[Tensor, ...]:
    return (w_ih, w_hh) if b_ih is None else (w_ih, w_hh, b_ih, b_hh)


def apply_layer(
    op: str,
    cls: type[Function],
    gates: int,
    input: Tensor,
    states: Sequence[tuple[str, Any]],
    weights: tuple[Tensor, Tensor, Any, Any],
    options: tuple[Any, bool, bool, Any],
    **params: Any,
) -> Any:
    """Check a layer op's arguments and run ``cls`` over the whole sequence.

    Args:
        states: the initial states as ``(name, tensor or None)`` pairs; None becomes zeros.
        weights: ``(w_ih, w_hh, b_ih, b_hh)``, the biases both None or both given.
        options: ``(batch_sizes, reverse, batch_first, sorted_indices)`` as the public op takes them.
        params: further keyword arguments of ``cls.forward`` (the RNN's nonlinearity).
    """
    w_ih, w_hh, b_ih, b_hh = weights
    batch_sizes, reverse, batch_first, sorted_indices = options
    _, state_shape, sizes, order = _layer_setup(
        op, input, w_ih, w_hh, b_ih, b_hh, gates, batch_sizes, batch_first, sorted_indices
    )
    initial = [_check_state(op, name, state, state_shape, input) for name, state in states]
    return cls.apply(
        input,
        *initial,
        *_weights(w_ih, w_hh, b_ih, b_hh),
        **params,
        batch_sizes=sizes,
        reverse=bool(reverse),
        batch_first=bool(batch_first),
        order=order,
    )


def apply_cell(
    op: str,
    cls: type[Function],
    gates: int,
    input: Tensor,
    states: Sequence[tuple[str, Any]],
    weights: tuple[Tensor, Tensor, Any, Any],
    **params: Any,
) -> Any:
    """Check a cell op's arguments and run ``cls`` for one step (``states``, ``weights`` as in ``apply_layer``)."""
    w_ih, w_hh, b_ih, b_hh = weights
    state_shape = _cell_setup(op, input, w_ih, w_hh, b_ih, b_hh, gates)
    initial = [_check_state(op, name, state, state_shape, input) for name, state in states]
    return cls.apply(input, *initial, *_weights(w_ih, w_hh, b_ih, b_hh), **params)
