"""ONNX ops run with shendu's ops: arithmetic, elementwise functions, activations, shapes, reductions.

Each importer takes the node (its attributes parsed) and its input tensors, and returns the
output tensors. Floating-point values go through shendu's differentiable ops, so an imported
model trains; integer values (shapes, indices) are computed directly on their small arrays.
Layers (convolution, pooling, normalization, recurrent ops) are in ``_import_nn``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _ops_namespace as ops
from .._dtype import from_numpy_dtype
from ..nn import functional as F
from ..tensor import Tensor
from ._errors import OnnxLoadError

__all__ = ["IMPORTERS", "Node", "imports"]

# The most elements a tensor that a graph builds from numbers (ConstantOfShape, Expand, Tile, Range) may have:
# a few bytes in a file must not make a process allocate gigabytes.
MAX_ELEMENTS = 2**28


@dataclass
class Node:
    """One ONNX node, attributes parsed to Python values; ``module`` is the ``OnnxModule`` running it."""

    op_type: str
    name: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any]
    label: str
    opset: int
    module: Any = field(default=None, repr=False)

    def error(self, message: str) -> OnnxLoadError:
        return OnnxLoadError(f"onnx {self.label}: {message}")


Importer = Callable[[Node, list[Any]], list[Tensor]]
IMPORTERS: dict[str, Importer] = {}


def imports(*op_types: str) -> Callable[[Importer], Importer]:
    def register(fn: Importer) -> Importer:
        for op_type in op_types:
            IMPORTERS[op_type] = fn
        return fn

    return register


def host(t: Tensor) -> np.ndarray:
    array = t._array
    return np.asarray(array.get() if hasattr(array, "get") else array)


def ints(t: Tensor) -> list[int]:
    return [int(v) for v in host(t).reshape(-1)]


def wrap(array: Any) -> Tensor:
    # Not ascontiguousarray, which turns a 0-d array into a 1-d one.
    return Tensor._make(np.array(array, order="C", copy=None))


def is_float(t: Tensor) -> bool:
    return t._array.dtype.kind == "f"


def check_size(node: Node, shape: Any) -> tuple[int, ...]:
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape) or math.prod(shape) > MAX_ELEMENTS:
        raise node.error(f"refuses to build a tensor of shape {shape} (more than 2**28 elements, or negative)")
    return shape


def axes_of(node: Node, inputs: list[Any], index: int, ndim: int) -> list[int] | None:
    """The ``axes`` of a node: its attribute in older opsets, its input ``index`` in newer ones; None when absent."""
    if "axes" in node.attrs:
        raw = node.attrs["axes"]
    elif len(inputs) > index and inputs[index] is not None:
        raw = ints(inputs[index])
    else:
        return None
    return [a % max(ndim, 1) if -max(ndim, 1) <= a < max(ndim, 1) else _axis_error(node, a, ndim) for a in raw]


def _axis_error(node: Node, axis: int, ndim: int) -> int:
    raise node.error(f"axis {axis} is out of range for a {ndim}-d input")


# ----------------------------------------------------------------------------- arithmetic
def _int_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Integer division truncating toward zero, as ONNX runtimes do."""
    quotient = np.abs(a) // np.maximum(np.abs(b), 1)
    return np.where((a < 0) != (b < 0), -quotient, quotient).astype(np.result_type(a, b))


@imports("Add", "Sub", "Mul", "Div")
def _arithmetic(node: Node, x: list[Any]) -> list[Tensor]:
    a, b = x
    if node.op_type == "Div" and not is_float(a):
        return [wrap(_int_divide(host(a), host(b)))]
    fn = {"Add": ops.add, "Sub": ops.sub, "Mul": ops.mul, "Div": ops.div}[node.op_type]
    return [fn(a, b)]


@imports("Mod")
def _mod(node: Node, x: list[Any]) -> list[Tensor]:
    a, b = x
    fmod = node.attrs.get("fmod", 0)
    if not is_float(a):
        return [wrap((np.fmod if fmod else np.mod)(host(a), host(b)))]
    if not fmod:
        raise node.error("Mod of floating-point values needs fmod=1")
    return [a - ops.trunc(a / b) * b]


@imports("Pow")
def _pow(node: Node, x: list[Any]) -> list[Tensor]:
    base, exponent = x
    if exponent.numel() == 1 and not exponent.requires_grad:
        value = host(exponent).reshape(-1)[0]
        return [base ** (float(value) if is_float(base) or value.dtype.kind == "f" else int(value))]
    return [ops.pow(base, exponent.to(base.dtype))]


@imports("Neg", "Abs", "Exp", "Log", "Sqrt", "Reciprocal", "Sin", "Cos", "Tanh", "Sigmoid", "Erf", "Relu")
@imports("Softsign", "Sign", "Floor", "Ceil", "Round", "Not")
def _unary(node: Node, x: list[Any]) -> list[Tensor]:
    fn = {
        "Neg": ops.neg,
        "Abs": ops.abs,
        "Exp": ops.exp,
        "Log": ops.log,
        "Sqrt": ops.sqrt,
        "Reciprocal": ops.reciprocal,
        "Sin": ops.sin,
        "Cos": ops.cos,
        "Tanh": ops.tanh,
        "Sigmoid": ops.sigmoid,
        "Erf": ops.erf,
        "Relu": ops.relu,
        "Softsign": ops.softsign,
        "Sign": ops.sign,
        "Floor": ops.floor,
        "Ceil": ops.ceil,
        "Round": ops.round,
        "Not": ops.logical_not,
    }[node.op_type]
    return [fn(x[0])]


@imports("Max", "Min", "Sum", "Mean")
def _variadic(node: Node, x: list[Any]) -> list[Tensor]:
    out = x[0]
    for t in x[1:]:
        if node.op_type == "Max":
            out = ops.maximum(out, t)
        elif node.op_type == "Min":
            out = ops.minimum(out, t)
        else:
            out = out + t
    return [out / len(x) if node.op_type == "Mean" else out]


@imports("Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual", "And", "Or", "Xor")
def _compare(node: Node, x: list[Any]) -> list[Tensor]:
    fn = {
        "Equal": ops.eq,
        "Greater": ops.gt,
        "Less": ops.lt,
        "GreaterOrEqual": ops.ge,
        "LessOrEqual": ops.le,
        "And": ops.logical_and,
        "Or": ops.logical_or,
        "Xor": ops.logical_xor,
    }[node.op_type]
    return [fn(x[0], x[1])]


@imports("Where")
def _where(node: Node, x: list[Any]) -> list[Tensor]:
    return [ops.where(x[0], x[1], x[2])]


@imports("Clip")
def _clip(node: Node, x: list[Any]) -> list[Tensor]:
    lo = x[1] if len(x) > 1 and x[1] is not None else None
    hi = x[2] if len(x) > 2 and x[2] is not None else None
    return [ops.clamp(x[0], None if lo is None else lo.item(), None if hi is None else hi.item())]


@imports("Identity")
def _identity(node: Node, x: list[Any]) -> list[Tensor]:
    return [x[0]]


@imports("Dropout")
def _dropout(node: Node, x: list[Any]) -> list[Tensor]:
    if len(node.outputs) > 1 and node.outputs[1]:
        raise node.error("a Dropout whose mask output is used is not supported")
    training = len(x) > 2 and x[2] is not None and bool(host(x[2]).reshape(-1)[0])
    if not training:
        return [x[0]]
    ratio = float(host(x[1]).reshape(-1)[0]) if len(x) > 1 and x[1] is not None else node.attrs.get("ratio", 0.5)
    return [F.dropout(x[0], ratio, True)]


@imports("Cast", "CastLike")
def _cast(node: Node, x: list[Any]) -> list[Tensor]:
    if node.op_type == "CastLike":
        target = x[1]._array.dtype
    else:
        from onnx import helper

        target = helper.tensor_dtype_to_np_dtype(node.attrs["to"])
    return [x[0].to(from_numpy_dtype(np.dtype(target)))]


# ----------------------------------------------------------------------------- activations
@imports("LeakyRelu")
def _leaky_relu(node: Node, x: list[Any]) -> list[Tensor]:
    return [F.leaky_relu(x[0], node.attrs.get("alpha", 0.01))]


_SELU_ALPHA, _SELU_GAMMA = 1.6732632423543772, 1.0507009873554805


@imports("Elu", "Celu", "Selu")
def _elu(node: Node, x: list[Any]) -> list[Tensor]:
    if node.op_type == "Elu":
        return [F.elu(x[0], node.attrs.get("alpha", 1.0))]
    if node.op_type == "Celu":
        return [F.celu(x[0], node.attrs.get("alpha", 1.0))]
    alpha, gamma = node.attrs.get("alpha", _SELU_ALPHA), node.attrs.get("gamma", _SELU_GAMMA)
    if not (math.isclose(alpha, _SELU_ALPHA, rel_tol=1e-6) and math.isclose(gamma, _SELU_GAMMA, rel_tol=1e-6)):
        raise node.error(f"Selu with alpha={alpha}, gamma={gamma} (other than SELU's constants) is not supported")
    return [F.selu(x[0])]


@imports("HardSigmoid")
def _hardsigmoid(node: Node, x: list[Any]) -> list[Tensor]:
    alpha, beta = node.attrs.get("alpha", 0.2), node.attrs.get("beta", 0.5)
    return [ops.clamp(x[0] * alpha + beta, 0.0, 1.0)]


@imports("HardSwish")
def _hardswish(node: Node, x: list[Any]) -> list[Tensor]:
    return [F.hardswish(x[0])]


@imports("Softplus")
def _softplus(node: Node, x: list[Any]) -> list[Tensor]:
    # ONNX's Softplus has no threshold: log(1 + exp(x)) everywhere, which PyTorch's threshold 20 matches in float32.
    return [F.softplus(x[0])]


@imports("Gelu")
def _gelu(node: Node, x: list[Any]) -> list[Tensor]:
    return [F.gelu(x[0], approximate=node.attrs.get("approximate", "none"))]


@imports("Mish")
def _mish(node: Node, x: list[Any]) -> list[Tensor]:
    return [F.mish(x[0])]


@imports("PRelu")
def _prelu(node: Node, x: list[Any]) -> list[Tensor]:
    data, slope = x
    return [ops.where(data >= 0, data, data * slope)]


@imports("Softmax", "LogSoftmax")
def _softmax(node: Node, x: list[Any]) -> list[Tensor]:
    axis = node.attrs.get("axis", -1)
    return [(F.softmax if node.op_type == "Softmax" else F.log_softmax)(x[0], dim=axis)]


# ----------------------------------------------------------------------------- constants and shapes
@imports("Constant")
def _constant(node: Node, x: list[Any]) -> list[Tensor]:
    attrs = node.attrs
    for key, dtype in (("value_float", np.float32), ("value_floats", np.float32)):
        if key in attrs:
            return [wrap(np.asarray(attrs[key], dtype=dtype))]
    for key in ("value_int", "value_ints"):
        if key in attrs:
            return [wrap(np.asarray(attrs[key], dtype=np.int64))]
    if "value" in attrs:
        return [wrap(attrs["value"])]
    raise node.error(f"a Constant with {sorted(attrs)} is not supported")


@imports("ConstantOfShape")
def _constant_of_shape(node: Node, x: list[Any]) -> list[Tensor]:
    shape = check_size(node, ints(x[0]))
    value = node.attrs.get("value", np.zeros(1, np.float32))
    return [wrap(np.full(shape, value.reshape(-1)[0], dtype=value.dtype))]


@imports("Shape")
def _shape(node: Node, x: list[Any]) -> list[Tensor]:
    shape = list(x[0].shape)
    start, end = node.attrs.get("start", 0), node.attrs.get("end", len(shape))
    return [wrap(np.asarray(shape[start:end], dtype=np.int64))]


@imports("Size")
def _size(node: Node, x: list[Any]) -> list[Tensor]:
    return [wrap(np.asarray(x[0].numel(), dtype=np.int64))]


@imports("Range")
def _range(node: Node, x: list[Any]) -> list[Tensor]:
    start, limit, delta = (host(t).reshape(-1)[0] for t in x)
    if delta == 0:
        raise node.error("Range with delta 0")
    check_size(node, (max(math.ceil((limit - start) / delta), 0),))
    return [wrap(np.arange(start, limit, delta, dtype=host(x[0]).dtype))]


@imports("Reshape")
def _reshape(node: Node, x: list[Any]) -> list[Tensor]:
    data = x[0]
    target = ints(x[1])
    if not node.attrs.get("allowzero", 0):
        target = [data.shape[i] if s == 0 else s for i, s in enumerate(target)]
    return [data.reshape(*target)]


@imports("Flatten")
def _flatten(node: Node, x: list[Any]) -> list[Tensor]:
    shape = tuple(x[0].shape)
    axis = node.attrs.get("axis", 1) % (len(shape) + 1) if shape else 0
    return [x[0].reshape(math.prod(shape[:axis]), math.prod(shape[axis:]))]


@imports("Transpose")
def _transpose(node: Node, x: list[Any]) -> list[Tensor]:
    perm = node.attrs.get("perm", list(range(x[0].ndim))[::-1])
    return [x[0].permute(*perm)]


@imports("Squeeze")
def _squeeze(node: Node, x: list[Any]) -> list[Tensor]:
    data = x[0]
    axes = axes_of(node, x, 1, data.ndim)
    if axes is None:
        axes = [i for i, s in enumerate(data.shape) if s == 1]
    shape = [s for i, s in enumerate(data.shape) if i not in axes]
    return [data.reshape(*shape)]


@imports("Unsqueeze")
def _unsqueeze(node: Node, x: list[Any]) -> list[Tensor]:
    data = x[0]
    raw = node.attrs["axes"] if "axes" in node.attrs else ints(x[1])
    rank = data.ndim + len(raw)
    shape = list(data.shape)
    for a in sorted(a % rank if -rank <= a < rank else _axis_error(node, a, rank) for a in raw):
        shape.insert(a, 1)
    return [data.reshape(*shape)]


@imports("Concat")
def _concat(node: Node, x: list[Any]) -> list[Tensor]:
    parts = [t for t in x if t is not None]
    if all(not is_float(t) for t in parts):
        return [wrap(np.concatenate([host(t) for t in parts], axis=node.attrs["axis"]))]
    return [ops.cat(parts, dim=node.attrs["axis"])]


@imports("Split")
def _split(node: Node, x: list[Any]) -> list[Tensor]:
    data = x[0]
    axis = node.attrs.get("axis", 0) % data.ndim
    size = data.shape[axis]
    if len(x) > 1 and x[1] is not None:
        sizes = ints(x[1])
    elif "split" in node.attrs:
        sizes = list(node.attrs["split"])
    else:
        count = node.attrs.get("num_outputs", len(node.outputs))
        step = -(-size // count)
        sizes = [min(step, size - k * step) for k in range(count)]
    if sum(sizes) != size:
        raise node.error(f"split sizes {sizes} do not add up to the axis's size {size}")
    return list(data.split(sizes, dim=axis))


def _take(node: Node, data: Tensor, axis: int, index: np.ndarray) -> Tensor:
    """``data`` indexed along ``axis`` by an integer array (negative entries count from the end)."""
    size = data.shape[axis]
    if index.size and (index.min() < -size or index.max() >= size):
        raise node.error(f"index out of range for an axis of size {size}: {index.min()} to {index.max()}")
    index = np.where(index < 0, index + size, index)
    if not is_float(data):
        return wrap(np.take(host(data), index, axis=axis))
    key = (slice(None),) * axis + (Tensor._make(index.astype(np.int64)) if index.ndim else int(index),)
    return data[key]


@imports("Gather")
def _gather(node: Node, x: list[Any]) -> list[Tensor]:
    data = x[0]
    axis = node.attrs.get("axis", 0) % data.ndim
    return [_take(node, data, axis, host(x[1]).astype(np.int64))]


@imports("GatherElements")
def _gather_elements(node: Node, x: list[Any]) -> list[Tensor]:
    data = x[0]
    axis = node.attrs.get("axis", 0) % data.ndim
    index = host(x[1]).astype(np.int64)
    index = np.where(index < 0, index + data.shape[axis], index)
    return [ops.gather(data, axis, Tensor._make(index))]


@imports("Slice")
def _slice(node: Node, x: list[Any]) -> list[Tensor]:
    data = x[0]
    starts, ends = ints(x[1]), ints(x[2])
    axes = axes_of(node, x, 3, data.ndim) or list(range(len(starts)))
    steps = ints(x[4]) if len(x) > 4 and x[4] is not None else [1] * len(starts)
    key: list[Any] = [slice(None)] * data.ndim
    picks: list[tuple[int, np.ndarray]] = []
    for start, end, axis, step in zip(starts, ends, axes, steps):
        if step == 0:
            raise node.error("a Slice step of 0")
        size = data.shape[axis]
        # Python's slice clamps out-of-range bounds exactly as ONNX's Slice does.
        bounds = slice(max(min(start, 2**62), -(2**62)), max(min(end, 2**62), -(2**62)), step)
        if step > 0:
            key[axis] = bounds
        else:
            picks.append((axis, np.arange(*bounds.indices(size))))
    out = data[tuple(key)] if is_float(data) else wrap(host(data)[tuple(key)])
    for axis, index in picks:
        out = _take(node, out, axis, index)
    return [out]


@imports("Expand")
def _expand(node: Node, x: list[Any]) -> list[Tensor]:
    data = x[0]
    try:
        shape = np.broadcast_shapes(tuple(data.shape), tuple(ints(x[1])))
    except ValueError:
        raise node.error(f"cannot expand shape {tuple(data.shape)} to {ints(x[1])}") from None
    check_size(node, shape)
    if not is_float(data):
        return [wrap(np.broadcast_to(host(data), shape))]
    return [data.expand(*shape)]


@imports("Tile")
def _tile(node: Node, x: list[Any]) -> list[Tensor]:
    repeats = ints(x[1])
    check_size(node, [s * r for s, r in zip(x[0].shape, repeats)])
    return [x[0].repeat(*repeats)]


@imports("Pad")
def _pad(node: Node, x: list[Any]) -> list[Tensor]:
    mode = node.attrs.get("mode", "constant")
    if mode != "constant":
        raise node.error(f"Pad mode {mode!r} is not supported; only 'constant' is")
    data = x[0]
    pads = ints(x[1]) if len(x) > 1 else list(node.attrs["pads"])
    value = float(host(x[2]).reshape(-1)[0]) if len(x) > 2 and x[2] is not None else 0.0
    axes = axes_of(node, x, 3, data.ndim) or list(range(data.ndim))
    begin, end = pads[: len(axes)], pads[len(axes) :]
    amounts = [0] * (2 * data.ndim)
    for axis, lo, hi in zip(axes, begin, end):
        k = data.ndim - 1 - axis
        amounts[2 * k], amounts[2 * k + 1] = lo, hi
    return [F.pad(data, amounts, value=value)]


@imports("Trilu")
def _trilu(node: Node, x: list[Any]) -> list[Tensor]:
    k = int(host(x[1]).reshape(-1)[0]) if len(x) > 1 and x[1] is not None else 0
    return [(ops.triu if node.attrs.get("upper", 1) else ops.tril)(x[0], k)]


# ----------------------------------------------------------------------------- reductions
@imports("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceLogSumExp", "ReduceL1", "ReduceL2")
@imports("ReduceSumSquare")
def _reduce(node: Node, x: list[Any]) -> list[Tensor]:
    data = x[0]
    keep = bool(node.attrs.get("keepdims", 1))
    axes = axes_of(node, x, 1, data.ndim)
    if axes is None or not axes:
        if node.attrs.get("noop_with_empty_axes", 0):
            return [data]
        axes = list(range(data.ndim))
    dims = tuple(axes)
    op = node.op_type
    if op == "ReduceSum":
        return [data.sum(dim=dims, keepdim=keep)]
    if op == "ReduceMean":
        return [data.mean(dim=dims, keepdim=keep)]
    if op == "ReduceMax":
        return [ops.amax(data, dim=dims, keepdim=keep)]
    if op == "ReduceMin":
        return [ops.amin(data, dim=dims, keepdim=keep)]
    if op == "ReduceProd":
        out = data
        for d in sorted(dims, reverse=True):
            out = out.prod(dim=d, keepdim=keep)
        return [out]
    if op == "ReduceLogSumExp":
        return [ops.logsumexp(data, dim=dims, keepdim=keep)]
    if op == "ReduceL1":
        return [data.abs().sum(dim=dims, keepdim=keep)]
    if op == "ReduceSumSquare":
        return [(data * data).sum(dim=dims, keepdim=keep)]
    return [(data * data).sum(dim=dims, keepdim=keep).sqrt()]


@imports("ArgMax", "ArgMin")
def _arg(node: Node, x: list[Any]) -> list[Tensor]:
    if node.attrs.get("select_last_index", 0):
        raise node.error("select_last_index=1 is not supported")
    fn = ops.argmax if node.op_type == "ArgMax" else ops.argmin
    return [fn(x[0], dim=node.attrs.get("axis", 0), keepdim=bool(node.attrs.get("keepdims", 1)))]


@imports("CumSum")
def _cumsum(node: Node, x: list[Any]) -> list[Tensor]:
    if node.attrs.get("exclusive", 0) or node.attrs.get("reverse", 0):
        raise node.error("exclusive or reverse CumSum is not supported")
    return [ops.cumsum(x[0], int(host(x[1]).reshape(-1)[0]))]


# ----------------------------------------------------------------------------- linear algebra
@imports("MatMul")
def _matmul(node: Node, x: list[Any]) -> list[Tensor]:
    return [ops.matmul(x[0], x[1])]


@imports("Gemm")
def _gemm(node: Node, x: list[Any]) -> list[Tensor]:
    a, b = x[0], x[1]
    c = x[2] if len(x) > 2 else None
    alpha, beta = node.attrs.get("alpha", 1.0), node.attrs.get("beta", 1.0)
    trans_a, trans_b = node.attrs.get("transA", 0), node.attrs.get("transB", 0)
    if trans_a:
        a = a.t()
    if trans_b and alpha == 1.0 and beta == 1.0 and (c is None or c.ndim == 1):
        # The common Linear layer: one fused op.
        return [F.linear(a, b, c)]
    y = ops.matmul(a, b.t() if trans_b else b)
    if alpha != 1.0:
        y = y * alpha
    if c is not None:
        y = y + (c * beta if beta != 1.0 else c)
    return [y]


@imports("Einsum")
def _einsum(node: Node, x: list[Any]) -> list[Tensor]:
    return [ops.einsum(node.attrs["equation"], *x)]
