"""ONNX forms of the layer ops: convolution, pooling, normalization, recurrent layers and cells, embedding.

Recurrent layers become ONNX's LSTM, GRU and RNN ops, one per direction and layer as shendu runs
them. Their weights stay the model's own initializers under their ``state_dict`` names; the gate
reordering ONNX needs (i, o, f, c for the LSTM, z, r, h for the GRU) is a few Split and Concat
nodes in the graph, which runtimes fold once at load time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import attention as AT
from ..ops import conv as CV
from ..ops import dropout as D
from ..ops import embedding as EM
from ..ops import interpolate as IP
from ..ops import normalization as N
from ..ops import padding as PD
from ..ops import pooling as P
from ..ops.rnn import elman, gru, lstm
from ._graph import Graph, converts
from ._trace import Const

__all__: list[str] = []


def _shape(g: Graph, i: int) -> tuple[int, ...]:
    return g.val(i).shape


def _batched(g: Graph, x: str, ndim: int, spatial: int) -> tuple[str, bool]:
    """``x`` with a batch axis added when the call got one unbatched sample; and whether it was added."""
    if ndim == spatial + 1:
        return g.axes_op("Unsqueeze", x, [0]), True
    return x, False


def _unbatched(g: Graph, y: str, added: bool) -> str:
    return g.axes_op("Squeeze", y, [0]) if added else y


def _pads(geom: Any, spatial: int) -> list[int]:
    pairs = geom.padding[2 - spatial :]
    return [lo for lo, _ in pairs] + [hi for _, hi in pairs]


def _last(values: tuple[int, ...], spatial: int) -> list[int]:
    return list(values[2 - spatial :])


# ----------------------------------------------------------------------------- convolution
@converts(CV.ConvNd)
def _conv(g: Graph, rec: Any) -> None:
    geom, spatial = rec.params["geom"], rec.params["spatial"]
    x, added = _batched(g, g.input(0), len(_shape(g, 0)), spatial)
    inputs = [x, g.input(1)] + ([g.input(2)] if len(rec.inputs) > 2 else [])
    y = g.one(
        "Conv",
        inputs,
        kernel_shape=_last(geom.kernel, spatial),
        strides=_last(geom.stride, spatial),
        pads=_pads(geom, spatial),
        dilations=_last(geom.dilation, spatial),
        group=geom.groups,
    )
    g.out(_unbatched(g, y, added))


@converts(CV.ConvTranspose2d)
def _conv_transpose(g: Graph, rec: Any) -> None:
    geom, image = rec.params["geom"], rec.params["out_shape"]
    x, added = _batched(g, g.input(0), len(_shape(g, 0)), 2)
    inputs = [x, g.input(1)] + ([g.input(2)] if len(rec.inputs) > 2 else [])
    extra = [
        size - ((n - 1) * s - 2 * p + d * (k - 1) + 1)
        for size, n, s, (p, _), d, k in zip(image, geom.out, geom.stride, geom.padding, geom.dilation, geom.kernel)
    ]
    y = g.one(
        "ConvTranspose",
        inputs,
        kernel_shape=list(geom.kernel),
        strides=list(geom.stride),
        pads=_pads(geom, 2),
        dilations=list(geom.dilation),
        group=geom.groups,
        output_padding=extra,
    )
    g.out(_unbatched(g, y, added))


# ----------------------------------------------------------------------------- pooling
@converts(P.MaxPool2d)
def _max_pool(g: Graph, rec: Any) -> None:
    if rec.params["return_indices"]:
        raise g.error("max pooling with return_indices has no ONNX form here (ONNX counts indices differently)")
    geom, spatial = rec.params["geom"], rec.params["spatial"]
    x, added = _batched(g, g.input(0), len(_shape(g, 0)), spatial)
    y = g.one(
        "MaxPool",
        [x],
        kernel_shape=_last(geom.kernel, spatial),
        strides=_last(geom.stride, spatial),
        pads=_pads(geom, spatial),
        dilations=_last(geom.dilation, spatial),
    )
    g.out(_unbatched(g, y, added))


@converts(P.AvgPool2d)
def _avg_pool(g: Graph, rec: Any) -> None:
    geom, spatial, divisor = rec.params["geom"], rec.params["spatial"], rec.params["divisor"]
    (pt, _), (pl, _) = geom.padding
    rows = P._window_counts(geom.image[0], geom.kernel[0], geom.stride[0], pt, geom.out[0], False)
    cols = P._window_counts(geom.image[1], geom.kernel[1], geom.stride[1], pl, geom.out[1], False)
    inside = rows[:, None] * cols[None, :]
    if np.array_equal(np.broadcast_to(np.asarray(divisor), inside.shape), np.full(inside.shape, np.prod(geom.kernel))):
        include = 1
    elif np.array_equal(np.broadcast_to(np.asarray(divisor), inside.shape), inside):
        include = 0
    else:
        raise g.error(f"average pooling with divisor {divisor!r} has no ONNX form")
    x, added = _batched(g, g.input(0), len(_shape(g, 0)), spatial)
    y = g.one(
        "AveragePool",
        [x],
        kernel_shape=_last(geom.kernel, spatial),
        strides=_last(geom.stride, spatial),
        pads=_pads(geom, spatial),
        count_include_pad=include,
    )
    g.out(_unbatched(g, y, added))


@converts(P.AdaptiveAvgPool2d, P.AdaptiveMaxPool2d)
def _adaptive_pool(g: Graph, rec: Any) -> None:
    if rec.params.get("return_indices"):
        raise g.error("adaptive max pooling with return_indices has no ONNX form here")
    average = rec.op is P.AdaptiveAvgPool2d
    out = rec.params["out"]
    shape = _shape(g, 0)
    x, added = _batched(g, g.input(0), len(shape), 2)
    if tuple(out) == (1, 1):
        y = g.one("GlobalAveragePool" if average else "GlobalMaxPool", [x])
    elif all(size % o == 0 for size, o in zip(shape[-2:], out)):
        kernel = [size // o for size, o in zip(shape[-2:], out)]
        y = g.one("AveragePool" if average else "MaxPool", [x], kernel_shape=kernel, strides=kernel)
    else:
        raise g.error(
            f"adaptive pooling from {tuple(shape[-2:])} to {tuple(out)} has windows of different sizes, "
            "which ONNX's pooling ops cannot express"
        )
    g.out(_unbatched(g, y, added))


@converts(IP.NearestInterpolate)
def _nearest(g: Graph, rec: Any) -> None:
    y = g.input(0)
    for k, source in enumerate(rec.params["sources"]):
        y = g.one("Gather", [y, g.const(np.asarray(source, dtype=np.int64))], axis=2 + k)
    g.out(y)


@converts(IP.SeparableInterpolate)
def _separable(g: Graph, rec: Any) -> None:
    """Linear and cubic interpolation as shendu computes it: per spatial dim, from the last, a weighted sum
    of gathers (the same terms in the same order, so float32 results agree)."""
    taps, real = rec.params["taps"], np.dtype(rec.params["real"])
    x_val = g.val(0)
    y = g.cast(g.input(0), x_val.dtype, real)
    ndim = len(x_val.shape)
    for axis in range(ndim - 1, 1, -1):
        ones = (1,) * (ndim - 1 - axis)
        total = None
        for index, weight in taps[axis - 2]:
            picked = g.one("Gather", [y, g.const(np.asarray(index, dtype=np.int64))], axis=axis)
            term = g.one("Mul", [picked, g.const(np.asarray(weight, dtype=real).reshape(-1, *ones))])
            total = term if total is None else g.one("Add", [total, term])
        y = total
    g.out(g.cast(y, real, x_val.dtype))


@converts(PD.GatherPad)
def _gather_pad(g: Graph, rec: Any) -> None:
    """Reflect, replicate and circular padding: one Gather of fixed positions per padded dim."""
    y = g.input(0)
    x_val = g.val(0)
    for axis, index, _ in rec.params["sources"]:
        if g.dynamic(x_val)[axis]:
            raise g.error(f"padding along the dynamic axis {axis} copies positions that depend on its size")
        y = g.one("Gather", [y, g.const(np.asarray(index, dtype=np.int64))], axis=axis)
    g.out(y if rec.params["sources"] else g.one("Identity", [y]))


@converts(AT.SafeSoftmax)
def _safe_softmax(g: Graph, rec: Any) -> None:
    """Softmax over the last dim, with rows of only -inf giving zeros (ONNX's Softmax gives NaN there)."""
    x = g.input(0)
    dtype = rec.outputs[0].dtype
    soft = g.one("Softmax", [x], axis=-1)
    top = g.axes_op("ReduceMax", x, [-1], keepdims=1)
    empty = g.one("Equal", [top, g.scalar(-np.inf, dtype)])
    g.out(g.one("Where", [empty, g.scalar(0, dtype), soft]))


# ----------------------------------------------------------------------------- normalization
def _affine(g: Graph, rec: Any, channels: int, dtype: Any) -> tuple[str, str]:
    """Scale and bias inputs: the call's own, or ones and zeros where it had none."""
    has_weight = rec.params["has_weight"]
    count = len(rec.inputs) - 1
    scale = g.input(1) if has_weight else g.const(np.ones(channels, dtype))
    has_bias = count > int(has_weight)
    bias = g.input(count) if has_bias else g.const(np.zeros(channels, dtype))
    return scale, bias


def _general_norm(g: Graph, rec: Any, dtype: Any) -> str:
    """Normalization written out in elementary ops: the view, mean and variance over its axes, scale and shift."""
    view, axes, wshape = rec.params["view"], list(rec.params["axes"]), rec.params["wshape"]
    x_val = g.val(0)
    in_shape, in_other = x_val.shape, g.other_shape(x_val)
    xv = g.reshape(g.input(0), in_shape, in_other, view, g.other("view"))
    centered = g.one("Sub", [xv, g.axes_op("ReduceMean", xv, axes, keepdims=1)])
    var = g.axes_op("ReduceMean", g.one("Mul", [centered, centered]), axes, keepdims=1)
    eps = g.scalar(rec.params["eps"], dtype)
    y = g.one("Div", [centered, g.one("Sqrt", [g.one("Add", [var, eps])])])
    count = len(rec.inputs) - 1
    if rec.params["has_weight"]:
        y = g.one("Mul", [y, g.one("Reshape", [g.input(1), g.ints(wshape)])])
    if count > int(rec.params["has_weight"]):
        y = g.one("Add", [y, g.one("Reshape", [g.input(count), g.ints(wshape)])])
    return g.reshape(y, view, g.other("view"), in_shape, in_other)


@converts(N.BatchNorm, N.InstanceNorm)
def _batch_norm(g: Graph, rec: Any) -> None:
    stats = rec.params.get("stats")
    dtype = rec.outputs[0].dtype
    channels = rec.params["view"][1]
    if stats is None:
        if rec.op is N.BatchNorm:
            # Batch statistics in eval mode (track_running_stats=False): the mean over batch and positions.
            g.out(_general_norm(g, rec, dtype))
            return
        scale, bias = _affine(g, rec, channels, dtype)
        g.out(g.one("InstanceNormalization", [g.input(0), scale, bias], epsilon=float(rec.params["eps"])))
        return
    scale, bias = _affine(g, rec, channels, dtype)
    mean, var = (g.array(s) for s in stats)
    if len(_shape(g, 0)) < 2:
        raise g.error("batch norm of an input without a channel axis has no ONNX form")
    y = g.one("BatchNormalization", [g.input(0), scale, bias, mean, var], epsilon=float(rec.params["eps"]))
    g.out(y)


@converts(N.LayerNorm)
def _layer_norm(g: Graph, rec: Any) -> None:
    inner = rec.params["view"][1]
    shape = _shape(g, 0)
    k = next(k for k in range(len(shape) + 1) if int(np.prod(shape[len(shape) - k :])) == inner)
    dtype = rec.outputs[0].dtype
    norm_shape = list(shape[len(shape) - k :])
    has_weight = rec.params["has_weight"]
    count = len(rec.inputs) - 1
    scale = g.input(1) if has_weight else g.const(np.ones(norm_shape, dtype))
    inputs = [g.input(0), scale] + ([g.input(count)] if count > int(has_weight) else [])
    g.out(g.one("LayerNormalization", inputs, axis=-k if k else len(shape), epsilon=float(rec.params["eps"])))


@converts(N.GroupNorm)
def _group_norm(g: Graph, rec: Any) -> None:
    g.out(_general_norm(g, rec, rec.outputs[0].dtype))


# ----------------------------------------------------------------------------- recurrent layers
_GATES = {lstm.LSTMLayer: (4, (0, 3, 1, 2)), gru.GRULayer: (3, (1, 0, 2)), elman.RNNLayer: (1, (0,))}


def _split(g: Graph, name: str, parts: int) -> list[str]:
    """``parts`` equal blocks along axis 0 (opset 18 made the count an attribute)."""
    count = {"num_outputs": parts} if g.opset >= 18 else {}
    return g.node("Split", [name], parts, axis=0, **count)


def _reordered(g: Graph, name: str, gates: int, order: tuple[int, ...]) -> str:
    """A weight or bias with its gate blocks in ONNX's order, and a leading direction axis of 1."""
    if gates > 1 and order != tuple(range(gates)):
        parts = _split(g, name, gates)
        name = g.one("Concat", [parts[i] for i in order], axis=0)
    return g.axes_op("Unsqueeze", name, [0])


def _state(g: Graph, i: int) -> str:
    """An initial state as ONNX wants it, ``(1, B, H)``; empty (ONNX's zeros) for a zero constant."""
    assert g.record is not None
    ref = g.record.inputs[i]
    if isinstance(ref, Const) and not np.any(ref.array):
        return ""
    return g.axes_op("Unsqueeze", g.input(i), [0])


def _recurrence(g: Graph, rec: Any, family: type, x: str, reverse: bool) -> list[str]:
    """One direction of a recurrent layer over ``x`` ``(T, B, I)``; returns Y ``(T, 1, B, H)`` and the final states."""
    gates, order = _GATES[family]
    states = 2 if family is lstm.LSTMLayer else 1
    first_weight = 1 + states
    w = _reordered(g, g.input(first_weight), gates, order)
    r = _reordered(g, g.input(first_weight + 1), gates, order)
    inputs = [x, w, r]
    if len(rec.inputs) > first_weight + 2:
        b_ih = g.input(first_weight + 2)
        b_hh = g.input(first_weight + 3)
        both = g.one("Concat", [b_ih, b_hh], axis=0)
        if gates > 1:
            parts = _split(g, both, 2 * gates)
            both = g.one("Concat", [parts[i] for i in order] + [parts[gates + i] for i in order], axis=0)
        inputs.append(g.axes_op("Unsqueeze", both, [0]))
    else:
        inputs.append("")
    inputs.append("")  # sequence_lens: every sequence runs the full length
    inputs += [_state(g, 1 + k) for k in range(states)]
    while inputs and inputs[-1] == "":
        inputs.pop()
    hidden = _shape(g, first_weight + 1)[1]
    attrs: dict[str, Any] = {"hidden_size": hidden, "direction": "reverse" if reverse else "forward"}
    if family is gru.GRULayer:
        attrs["linear_before_reset"] = 1
    if family is elman.RNNLayer:
        attrs["activations"] = ["Relu" if rec.params.get("nonlinearity") == "relu" else "Tanh"]
    op_type = {lstm.LSTMLayer: "LSTM", gru.GRULayer: "GRU", elman.RNNLayer: "RNN"}[family]
    return g.node(op_type, inputs, 1 + states, **attrs)


@converts(lstm.LSTMLayer, gru.GRULayer, elman.RNNLayer)
def _recurrent_layer(g: Graph, rec: Any) -> None:
    if rec.params.get("batch_sizes") is not None:
        raise g.error("packed sequences cannot be exported; pad them and pass a tensor")
    batch_first, reverse = rec.params["batch_first"], rec.params["reverse"]
    unbatched = len(_shape(g, 0)) == 2
    x = g.input(0)
    if unbatched:
        x = g.axes_op("Unsqueeze", x, [1])
    elif batch_first:
        x = g.one("Transpose", [x], perm=[1, 0, 2])
    outputs = _recurrence(g, rec, rec.op, x, reverse)
    y = g.axes_op("Squeeze", outputs[0], [1])
    if unbatched:
        y = g.axes_op("Squeeze", y, [1])
    elif batch_first:
        y = g.one("Transpose", [y], perm=[1, 0, 2])
    g.out(y, 0)
    for k, state in enumerate(outputs[1:], start=1):
        g.out(g.axes_op("Squeeze", state, [0, 1] if unbatched else [0]), k)


@converts(lstm.LSTMCellStep, gru.GRUCellStep, elman.RNNCellStep)
def _recurrent_cell(g: Graph, rec: Any) -> None:
    family = next(base for base in _GATES if issubclass(rec.op, base))
    unbatched = len(_shape(g, 0)) == 1
    x = g.axes_op("Unsqueeze", g.input(0), [0, 1] if unbatched else [0])
    outputs = _recurrence(g, rec, family, x, False)
    for k, state in enumerate(outputs[1:]):
        g.out(g.axes_op("Squeeze", state, [0, 1] if unbatched else [0]), k)


# ----------------------------------------------------------------------------- embedding and dropout
@converts(EM.Embedding)
def _embedding(g: Graph, rec: Any) -> None:
    g.out(g.one("Gather", [g.input(0), g.array(rec.params["indices"])], axis=0))


@converts(D.Dropout)
def _dropout(g: Graph, rec: Any) -> None:
    raise g.error("dropout in training mode cannot be exported; call model.eval() (dropout is then not run)")
