"""ONNX layer ops run with shendu's layers: convolution, pooling, normalization, LSTM, GRU and RNN.

Recurrent weights arrive in ONNX's gate order (i, o, f, c for the LSTM; z, r, h for the GRU) and
are reordered on each call with differentiable slicing, so that fine-tuning updates the file's own
initializers. Batch normalization follows the module's mode: in eval mode it uses the running
statistics, in training mode the batch's, updating the running buffers as PyTorch does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _ops_namespace as ops
from ..nn import functional as F
from ..ops import rnn as RN
from ..tensor import Tensor
from ._import_ops import Node, host, imports

__all__: list[str] = []


def _spatial_pads(node: Node, x: Tensor, kernel: list[int], strides: list[int], dilations: list[int]) -> list[int]:
    """Explicit pads ``[begin..., end...]``, resolving ``auto_pad``."""
    spatial = len(kernel)
    auto = node.attrs.get("auto_pad", "NOTSET")
    if isinstance(auto, bytes):
        auto = auto.decode()
    if auto in ("NOTSET", ""):
        return list(node.attrs.get("pads", [0] * (2 * spatial)))
    if auto == "VALID":
        return [0] * (2 * spatial)
    if auto not in ("SAME_UPPER", "SAME_LOWER"):
        raise node.error(f"unknown auto_pad {auto!r}")
    begins, ends = [], []
    for size, k, s, d in zip(x.shape[2:], kernel, strides, dilations):
        total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
        small, large = total // 2, total - total // 2
        begins.append(small if auto == "SAME_UPPER" else large)
        ends.append(large if auto == "SAME_UPPER" else small)
    return begins + ends


def _pre_pad(x: Tensor, pads: list[int], value: float) -> Tensor:
    """``x`` padded explicitly on its spatial axes by ``[begin..., end...]``."""
    spatial = len(pads) // 2
    amounts: list[int] = []
    for k in reversed(range(spatial)):
        amounts += [pads[k], pads[spatial + k]]
    return F.pad(x, amounts, value=value)


def _geometry(node: Node, x: Tensor, kernel: list[int]) -> tuple[list[int], list[int], list[int]]:
    spatial = len(kernel)
    strides = list(node.attrs.get("strides", [1] * spatial))
    dilations = list(node.attrs.get("dilations", [1] * spatial))
    return strides, dilations, _spatial_pads(node, x, kernel, strides, dilations)


# ----------------------------------------------------------------------------- convolution
@imports("Conv")
def _conv(node: Node, x: list[Any]) -> list[Tensor]:
    data, weight = x[0], x[1]
    bias = x[2] if len(x) > 2 else None
    kernel = list(node.attrs.get("kernel_shape", weight.shape[2:]))
    spatial = len(kernel)
    if spatial not in (1, 2):
        raise node.error(f"a {spatial}-d convolution is not supported (1-d and 2-d are)")
    strides, dilations, pads = _geometry(node, data, kernel)
    padding: Any = tuple(pads[:spatial])
    if pads[:spatial] != pads[spatial:]:
        data, padding = _pre_pad(data, pads, 0.0), 0
    conv = F.conv1d if spatial == 1 else F.conv2d
    return [
        conv(data, weight, bias, stride=strides, padding=padding, dilation=dilations, groups=node.attrs.get("group", 1))
    ]


@imports("ConvTranspose")
def _conv_transpose(node: Node, x: list[Any]) -> list[Tensor]:
    data, weight = x[0], x[1]
    bias = x[2] if len(x) > 2 else None
    kernel = list(node.attrs.get("kernel_shape", weight.shape[2:]))
    spatial = len(kernel)
    if spatial not in (1, 2):
        raise node.error(f"a {spatial}-d transposed convolution is not supported (1-d and 2-d are)")
    if "output_shape" in node.attrs or node.attrs.get("auto_pad", "NOTSET") not in (
        "NOTSET",
        b"NOTSET",
        "VALID",
        b"VALID",
    ):
        raise node.error("ConvTranspose with output_shape or SAME auto_pad is not supported; give pads")
    strides = list(node.attrs.get("strides", [1] * spatial))
    dilations = list(node.attrs.get("dilations", [1] * spatial))
    pads = list(node.attrs.get("pads", [0] * (2 * spatial)))
    extra = list(node.attrs.get("output_padding", [0] * spatial))
    if pads[:spatial] != pads[spatial:]:
        raise node.error(f"ConvTranspose with unequal begin and end pads {pads} is not supported")
    if spatial == 1:
        data, weight = data.unsqueeze(2), weight.unsqueeze(2)
        strides, dilations, pads, extra = [1, *strides], [1, *dilations], [0, pads[0]], [0, *extra]
    y = F.conv_transpose2d(
        data,
        weight,
        bias,
        stride=tuple(strides),
        padding=tuple(pads[: len(strides)]),
        output_padding=tuple(extra),
        groups=node.attrs.get("group", 1),
        dilation=tuple(dilations),
    )
    return [y.squeeze(2) if spatial == 1 else y]


# ----------------------------------------------------------------------------- pooling
def _check_pool_outputs(node: Node) -> None:
    if len(node.outputs) > 1 and node.outputs[1]:
        raise node.error("a pooling whose Indices output is used is not supported")


@imports("MaxPool", "AveragePool")
def _pool(node: Node, x: list[Any]) -> list[Tensor]:
    _check_pool_outputs(node)
    data = x[0]
    kernel = list(node.attrs["kernel_shape"])
    spatial = len(kernel)
    if spatial not in (1, 2):
        raise node.error(f"{spatial}-d pooling is not supported (1-d and 2-d are)")
    strides, dilations, pads = _geometry(node, data, kernel)
    ceil_mode = bool(node.attrs.get("ceil_mode", 0))
    average = node.op_type == "AveragePool"
    include = bool(node.attrs.get("count_include_pad", 0))
    padding: Any = tuple(pads[:spatial])
    pre_padded = pads[:spatial] != pads[spatial:] or any(p > k // 2 for p, k in zip(pads, kernel * 2))
    if pre_padded:
        data, padding = _pre_pad(data, pads, 0.0 if average else -math.inf), 0
    if average:
        if any(d != 1 for d in dilations):
            raise node.error("dilated average pooling is not supported")
        pool = F.avg_pool1d if spatial == 1 else F.avg_pool2d
        y = pool(data, kernel, strides, padding, ceil_mode=ceil_mode, count_include_pad=include or pre_padded)
        if pre_padded and not include:
            # Padding added here counts as input: divide by the share of each window that is real.
            real = _pre_pad(ops.ones(1, 1, *x[0].shape[2:], dtype=data.dtype), pads, 0.0)
            y = y / pool(real, kernel, strides, 0, ceil_mode=ceil_mode, count_include_pad=True)
        return [y]
    pool = F.max_pool1d if spatial == 1 else F.max_pool2d
    return [pool(data, kernel, strides, padding, dilation=dilations, ceil_mode=ceil_mode)]


@imports("GlobalAveragePool", "GlobalMaxPool")
def _global_pool(node: Node, x: list[Any]) -> list[Tensor]:
    data = x[0]
    dims = tuple(range(2, data.ndim))
    if node.op_type == "GlobalAveragePool":
        return [data.mean(dim=dims, keepdim=True)]
    return [ops.amax(data, dim=dims, keepdim=True)]


# ----------------------------------------------------------------------------- normalization
@imports("BatchNormalization")
def _batch_norm(node: Node, x: list[Any]) -> list[Tensor]:
    if any(node.outputs[1:]):
        raise node.error("a BatchNormalization whose running-statistics outputs are used is not supported")
    data, scale, bias, mean, var = x[:5]
    training = bool(node.module is not None and node.module.training)
    # ONNX's momentum weighs the old statistics; PyTorch's (and shendu's) weighs the new batch.
    momentum = 1.0 - float(node.attrs.get("momentum", 0.9))
    eps = float(node.attrs.get("epsilon", 1e-5))
    return [F.batch_norm(data, mean, var, scale, bias, training=training, momentum=momentum, eps=eps)]


@imports("InstanceNormalization")
def _instance_norm(node: Node, x: list[Any]) -> list[Tensor]:
    return [F.instance_norm(x[0], weight=x[1], bias=x[2], eps=float(node.attrs.get("epsilon", 1e-5)))]


@imports("LayerNormalization")
def _layer_norm(node: Node, x: list[Any]) -> list[Tensor]:
    if any(node.outputs[1:]):
        raise node.error("a LayerNormalization whose Mean or InvStdDev output is used is not supported")
    data, scale = x[0], x[1]
    bias = x[2] if len(x) > 2 else None
    axis = node.attrs.get("axis", -1) % data.ndim
    shape = tuple(data.shape[axis:])
    eps = float(node.attrs.get("epsilon", 1e-5))
    if tuple(scale.shape) == shape and (bias is None or tuple(bias.shape) == shape):
        return [F.layer_norm(data, shape, scale, bias, eps)]
    y = F.layer_norm(data, shape, None, None, eps) * scale
    return [y + bias if bias is not None else y]


@imports("GroupNormalization")
def _group_norm(node: Node, x: list[Any]) -> list[Tensor]:
    data, scale, bias = x
    groups = int(node.attrs["num_groups"])
    channels = data.shape[1]
    if scale.numel() == groups and groups != channels:
        # Opset 18's form: one scale and bias per group.
        scale, bias = (ops.repeat_interleave(t, channels // groups) for t in (scale, bias))
    return [F.group_norm(data, groups, scale, bias, float(node.attrs.get("epsilon", 1e-5)))]


# ----------------------------------------------------------------------------- recurrent layers
# Per ONNX gate block, its place in PyTorch's order (LSTM: i, f, g, o; GRU: r, z, n).
_TO_TORCH = {"LSTM": (4, (0, 2, 3, 1)), "GRU": (3, (1, 0, 2)), "RNN": (1, (0,))}


def _gates(t: Tensor, gates: int, order: tuple[int, ...]) -> Tensor:
    """``t``'s rows, in blocks of ONNX's gate order, rearranged into PyTorch's."""
    if gates == 1:
        return t
    size = t.shape[0] // gates
    blocks = [t[k * size : (k + 1) * size] for k in range(gates)]
    return ops.cat([blocks[k] for k in order], dim=0)


def _recurrent_attrs(node: Node, op: str) -> tuple[str, int]:
    direction = node.attrs.get("direction", "forward")
    if isinstance(direction, bytes):
        direction = direction.decode()
    if direction not in ("forward", "reverse", "bidirectional"):
        raise node.error(f"unknown direction {direction!r}")
    if node.attrs.get("clip") is not None:
        raise node.error("recurrent ops with clip are not supported")
    activations = [a.decode() if isinstance(a, bytes) else a for a in node.attrs.get("activations", [])]
    defaults = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"], "RNN": ["Tanh"]}[op]
    per_direction = activations[: len(defaults)] if activations else defaults
    if activations and activations[len(defaults) :] not in ([], per_direction):
        raise node.error(f"different activations per direction {activations} are not supported")
    if op == "RNN":
        if per_direction not in (["Tanh"], ["Relu"]):
            raise node.error(f"an RNN with activation {per_direction} is not supported (Tanh and Relu are)")
    elif per_direction != defaults:
        raise node.error(f"an {op} with activations {per_direction} is not supported (only {defaults})")
    if op == "LSTM" and node.attrs.get("input_forget", 0):
        raise node.error("an LSTM with input_forget=1 is not supported")
    if op == "GRU" and not node.attrs.get("linear_before_reset", 0):
        raise node.error(
            "a GRU with linear_before_reset=0 is not supported; shendu's GRU, like PyTorch's (which exports "
            "linear_before_reset=1), applies the reset gate after the recurrent product"
        )
    return direction, 2 if direction == "bidirectional" else 1


@imports("LSTM", "GRU", "RNN")
def _recurrent(node: Node, x: list[Any]) -> list[Tensor]:
    op = node.op_type
    direction, count = _recurrent_attrs(node, op)
    gates, order = _TO_TORCH[op]
    data, w, r = x[0], x[1], x[2]
    b = x[3] if len(x) > 3 else None
    lengths = x[4] if len(x) > 4 else None
    states = [x[5] if len(x) > 5 else None]
    if op == "LSTM":
        states.append(x[6] if len(x) > 6 else None)
        if len(x) > 7 and x[7] is not None:
            raise node.error("an LSTM with peephole weights is not supported")
    batch_first = bool(node.attrs.get("layout", 0))
    if batch_first:
        data = data.transpose(0, 1)
        states = [None if s is None else s.transpose(0, 1) for s in states]
    if lengths is not None and not np.all(host(lengths) == data.shape[0]):
        raise node.error("sequences of different lengths (sequence_lens) are not supported")
    hidden = int(node.attrs.get("hidden_size", r.shape[-1]))
    outputs, finals = [], [[] for _ in states]
    for d in range(count):
        w_ih, w_hh = _gates(w[d], gates, order), _gates(r[d], gates, order)
        biases: tuple[Any, ...] = ()
        if b is not None:
            biases = (_gates(b[d, : gates * hidden], gates, order), _gates(b[d, gates * hidden :], gates, order))
        reverse = direction == "reverse" or d == 1
        initial = [None if s is None else s[d] for s in states]
        if op == "LSTM":
            hx = None if initial[0] is None and initial[1] is None else _lstm_state(initial, data, hidden)
            result = RN.lstm_layer(data, hx, w_ih, w_hh, *biases, reverse=reverse)
        elif op == "GRU":
            result = RN.gru_layer(data, initial[0], w_ih, w_hh, *biases, reverse=reverse)
        else:
            activation = node.attrs.get("activations", [b"Tanh"])[0]
            nonlinearity = "relu" if activation in ("Relu", b"Relu") else "tanh"
            result = RN.rnn_layer(data, initial[0], w_ih, w_hh, *biases, nonlinearity=nonlinearity, reverse=reverse)
        outputs.append(result[0])
        for store, final in zip(finals, result[1:]):
            store.append(final)
    y = ops.stack(outputs, dim=1)
    ends = [ops.stack(store, dim=0) for store in finals]
    if batch_first:
        y = y.permute(2, 0, 1, 3)
        ends = [e.transpose(0, 1) for e in ends]
    return [y, *ends]


def _lstm_state(initial: list[Any], data: Tensor, hidden: int) -> tuple[Tensor, Tensor]:
    zeros = ops.zeros(data.shape[1], hidden, dtype=data.dtype)
    return (initial[0] if initial[0] is not None else zeros, initial[1] if initial[1] is not None else zeros)
