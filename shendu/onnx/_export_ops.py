"""ONNX forms of the tensor ops: arithmetic, elementwise functions, activations, shapes, indexing, reductions.

Each converter reads one recorded call (``g.record``) and adds the nodes that compute the same
values, naming the call's outputs with ``g.out``. Layers (convolution, pooling, normalization,
recurrent layers, embedding) are in ``_export_nn``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ops import activation as A
from ..ops import arithmetic as M
from ..ops import creation as C
from ..ops import cumulative as CU
from ..ops import elementwise as E
from ..ops import indexing as I
from ..ops import linalg as L
from ..ops import padding as PD
from ..ops import rearrange as RA
from ..ops import reduction as R
from ..ops import selection as SE
from ..ops import shape as S
from ._graph import INT64_MAX, INT64_MIN, Graph, converts, onnx_dtype
from ._trace import ArgExtreme, Compare, Logical, Val

__all__: list[str] = []


def _val(g: Graph, i: int) -> Val:
    return g.val(i)


def _outval(g: Graph, i: int = 0) -> Val:
    assert g.record is not None
    return g.record.outputs[i]


def _input_as_out_dtype(g: Graph, i: int) -> str:
    """Input ``i`` cast to the output's dtype (ops promote int inputs to a float result, as in PyTorch)."""
    return g.cast(g.input(i), _val(g, i).dtype, _outval(g).dtype)


# ----------------------------------------------------------------------------- arithmetic
_BINARY = {M.Add: "Add", M.Sub: "Sub", M.Mul: "Mul", M.Div: "Div", M.Pow: "Pow", SE.Maximum: "Max", SE.Minimum: "Min"}


@converts(*_BINARY)
def _binary(g: Graph, rec: Any) -> None:
    op = _BINARY[rec.op]
    if op == "Pow":
        g.out(g.one("Pow", [_input_as_out_dtype(g, 0), g.input(1)]))
        return
    g.out(g.one(op, [_input_as_out_dtype(g, 0), _input_as_out_dtype(g, 1)]))


_SCALAR = {M.AddScalar: ("Add", False), M.MulScalar: ("Mul", False), M.DivScalar: ("Div", False)}
_SCALAR.update({M.RSubScalar: ("Sub", True), M.RDivScalar: ("Div", True), M.PowScalar: ("Pow", False)})
_SCALAR[M.RPowScalar] = ("Pow", True)


@converts(*_SCALAR)
def _scalar(g: Graph, rec: Any) -> None:
    op, reverse = _SCALAR[rec.op]
    dtype = _outval(g).dtype
    x = _input_as_out_dtype(g, 0)
    s = g.scalar(rec.params["scalar"], dtype)
    g.out(g.one(op, [s, x] if reverse else [x, s]))


@converts(M.Neg)
def _neg(g: Graph, rec: Any) -> None:
    g.out(g.one("Neg", [g.input(0)]))


# ----------------------------------------------------------------------------- elementwise functions
_UNARY = {
    E.Abs: "Abs",
    E.Exp: "Exp",
    E.Log: "Log",
    E.Sqrt: "Sqrt",
    E.Sin: "Sin",
    E.Cos: "Cos",
    E.Tanh: "Tanh",
    E.Sigmoid: "Sigmoid",
    E.Erf: "Erf",
    E.Reciprocal: "Reciprocal",
    E.Sign: "Sign",
    E.Floor: "Floor",
    E.Ceil: "Ceil",
    A.Relu: "Relu",
    A.Softsign: "Softsign",
}


@converts(*_UNARY)
def _unary(g: Graph, rec: Any) -> None:
    g.out(g.one(_UNARY[rec.op], [_input_as_out_dtype(g, 0)]))


@converts(E.Rsqrt)
def _rsqrt(g: Graph, rec: Any) -> None:
    g.out(g.one("Reciprocal", [g.one("Sqrt", [_input_as_out_dtype(g, 0)])]))


@converts(E.Square)
def _square(g: Graph, rec: Any) -> None:
    x = g.input(0)
    g.out(g.one("Mul", [x, x]))


@converts(E.Expm1, E.Log1p, E.Log2, E.Log10)
def _log_exp(g: Graph, rec: Any) -> None:
    dtype = _outval(g).dtype
    x = _input_as_out_dtype(g, 0)
    one = g.scalar(1, dtype)
    if rec.op is E.Expm1:
        g.out(g.one("Sub", [g.one("Exp", [x]), one]))
    elif rec.op is E.Log1p:
        g.out(g.one("Log", [g.one("Add", [x, one])]))
    else:
        base = math.log(2.0) if rec.op is E.Log2 else math.log(10.0)
        g.out(g.one("Div", [g.one("Log", [x]), g.scalar(base, dtype)]))


@converts(E.Round)
def _round(g: Graph, rec: Any) -> None:
    if rec.params["decimals"]:
        raise g.error("rounding to decimals has no ONNX form; round(x) alone has")
    g.out(g.one("Round", [g.input(0)]))


@converts(E.ClampScalar, A.Hardtanh)
def _clamp(g: Graph, rec: Any) -> None:
    dtype = _outval(g).dtype
    lo, hi = rec.params["lo"], rec.params["hi"]
    bounds = ["" if v is None else g.scalar(v, dtype) for v in (lo, hi)]
    g.out(g.one("Clip", [g.input(0), *bounds]))


@converts(E.ClampTensor)
def _clamp_tensor(g: Graph, rec: Any) -> None:
    dtype = _outval(g).dtype
    x, lo, hi = (g.cast(g.input(i), _val(g, i).dtype, dtype) for i in range(3))
    g.out(g.one("Min", [g.one("Max", [x, lo]), hi]))


@converts(SE.Where)
def _where(g: Graph, rec: Any) -> None:
    dtype = _outval(g).dtype
    a, b = (g.cast(g.input(i), _val(g, i).dtype, dtype) for i in (1, 2))
    g.out(g.one("Where", [g.input(0), a, b]))


@converts(SE.MaskedFill)
def _masked_fill(g: Graph, rec: Any) -> None:
    dtype = _outval(g).dtype
    value = g.cast(g.input(2), _val(g, 2).dtype, dtype)
    g.out(g.one("Where", [g.input(0), value, g.input(1)]))


def _operands(g: Graph, rec: Any) -> tuple[list[str], list[Any]]:
    """The names of a comparison's operands (numbers made constants) and their dtypes."""
    names, dtypes, k = [], [], 0
    for value in rec.params["operands"]:
        if value is None:
            names.append(g.input(k))
            dtypes.append(_val(g, k).dtype)
            k += 1
        else:
            names.append("")
            dtypes.append(None)
    return names, dtypes


def _common(dtypes: list[Any], numbers: list[Any]) -> Any:
    tensors = [d for d in dtypes if d is not None]
    dtype = np.result_type(*tensors)
    if any(isinstance(n, float) for n in numbers if n is not None) and dtype.kind in "biu":
        return np.dtype(np.float32)
    return dtype


_COMPARE = {"equal": "Equal", "greater": "Greater", "less": "Less", "greater_equal": "GreaterOrEqual"}
_COMPARE["less_equal"] = "LessOrEqual"


@converts(Compare, Logical)
def _compare(g: Graph, rec: Any) -> None:
    names, dtypes = _operands(g, rec)
    numbers = list(rec.params["operands"])
    dtype = _common(dtypes, numbers)
    args = [
        g.cast(name, d, dtype) if d is not None else g.scalar(n, dtype) for name, d, n in zip(names, dtypes, numbers)
    ]
    ufunc = rec.params["ufunc"]
    if ufunc == "not_equal":
        g.out(g.one("Not", [g.one("Equal", args)]))
    elif rec.op is Logical:
        kind = ufunc.split("_")[1]
        if ufunc.startswith("bitwise") and dtype.kind != "b":
            if g.opset < 18:
                raise g.error(f"bitwise {kind} of integers needs opset_version 18 or later")
            g.out(g.one({"and": "BitwiseAnd", "or": "BitwiseOr", "xor": "BitwiseXor"}[kind], args))
            return
        bools = [g.cast(a, dtype, np.bool_) for a in args]
        g.out(g.one({"and": "And", "or": "Or", "xor": "Xor"}[kind], bools))
    else:
        g.out(g.one(_COMPARE[ufunc], args))


@converts(ArgExtreme)
def _argmax(g: Graph, rec: Any) -> None:
    dim, keepdim = rec.params["dim"], int(rec.params["keepdim"])
    op_type = "ArgMax" if rec.params["largest"] else "ArgMin"
    x = g.input(0)
    shape = _val(g, 0).shape
    if dim is None:
        flat = g.one(op_type, [g.reshape(x, shape, g.other_shape(_val(g, 0)), [-1], [-1])], axis=0, keepdims=0)
        out_val = _outval(g)
        g.out(g.reshape(flat, (), (), out_val.shape, out_val.shape) if keepdim else flat)
        return
    g.out(g.one(op_type, [x], axis=dim % max(len(shape), 1), keepdims=keepdim))


# ----------------------------------------------------------------------------- activations
@converts(A.LeakyRelu)
def _leaky_relu(g: Graph, rec: Any) -> None:
    g.out(g.one("LeakyRelu", [g.input(0)], alpha=float(rec.params["slope"])))


@converts(A.Elu)
def _elu(g: Graph, rec: Any) -> None:
    alpha, scale, input_scale = (float(rec.params[k]) for k in ("alpha", "scale", "input_scale"))
    x = g.input(0)
    if scale == 1.0 and input_scale == 1.0:
        g.out(g.one("Elu", [x], alpha=alpha))
    elif input_scale == 1.0 and math.isclose(alpha, A._SELU_ALPHA) and math.isclose(scale, A._SELU_SCALE):
        g.out(g.one("Selu", [x], alpha=alpha, gamma=scale))
    elif scale == 1.0 and math.isclose(input_scale * alpha, 1.0):
        g.out(g.one("Celu", [x], alpha=alpha))
    else:
        raise g.error(f"ELU with alpha={alpha}, scale={scale}, input_scale={input_scale} has no ONNX form")


@converts(A.Hardsigmoid)
def _hardsigmoid(g: Graph, rec: Any) -> None:
    g.out(g.one("HardSigmoid", [g.input(0)], alpha=1.0 / 6.0, beta=0.5))


@converts(A.Hardswish)
def _hardswish(g: Graph, rec: Any) -> None:
    g.out(g.one("HardSwish", [g.input(0)]))


@converts(A.Gelu)
def _gelu(g: Graph, rec: Any) -> None:
    dtype = _outval(g).dtype
    x = g.input(0)
    half = g.one("Mul", [x, g.scalar(0.5, dtype)])
    if rec.params["approximate"] == "tanh":
        cube = g.one("Mul", [g.one("Mul", [x, x]), x])
        inner = g.one("Add", [x, g.one("Mul", [cube, g.scalar(A._GELU_KAPPA, dtype)])])
        t = g.one("Tanh", [g.one("Mul", [inner, g.scalar(math.sqrt(2.0 / math.pi), dtype)])])
    else:
        t = g.one("Erf", [g.one("Div", [x, g.scalar(math.sqrt(2.0), dtype)])])
    g.out(g.one("Mul", [half, g.one("Add", [t, g.scalar(1.0, dtype)])]))


@converts(A.Silu)
def _silu(g: Graph, rec: Any) -> None:
    x = g.input(0)
    g.out(g.one("Mul", [x, g.one("Sigmoid", [x])]))


@converts(A.Softplus)
def _softplus(g: Graph, rec: Any) -> None:
    dtype = _outval(g).dtype
    beta, threshold = float(rec.params["beta"]), float(rec.params["threshold"])
    x = g.input(0)
    scaled = x if beta == 1.0 else g.one("Mul", [x, g.scalar(beta, dtype)])
    soft = g.one("Softplus", [scaled])
    if beta != 1.0:
        soft = g.one("Div", [soft, g.scalar(beta, dtype)])
    # Above the threshold PyTorch returns the input itself (softplus and x differ there by < exp(-threshold)).
    linear = g.one("Greater", [scaled, g.scalar(threshold, dtype)])
    g.out(g.one("Where", [linear, x, soft]))


@converts(A.Mish)
def _mish(g: Graph, rec: Any) -> None:
    x = g.input(0)
    g.out(g.one("Mul", [x, g.one("Tanh", [g.one("Softplus", [x])])]))


@converts(A.Logsigmoid)
def _logsigmoid(g: Graph, rec: Any) -> None:
    g.out(g.one("Neg", [g.one("Softplus", [g.one("Neg", [g.input(0)])])]))


@converts(A.Tanhshrink)
def _tanhshrink(g: Graph, rec: Any) -> None:
    x = g.input(0)
    g.out(g.one("Sub", [x, g.one("Tanh", [x])]))


@converts(A.Softmax, A.LogSoftmax)
def _softmax(g: Graph, rec: Any) -> None:
    axis = rec.params["axis"]
    if axis is None:
        raise g.error("a softmax over all elements at once has no ONNX form; give dim")
    g.out(g.one("Softmax" if rec.op is A.Softmax else "LogSoftmax", [g.input(0)], axis=int(axis)))


# ----------------------------------------------------------------------------- copies and casts
@converts(S.Contiguous, C.Clone)
def _identity(g: Graph, rec: Any) -> None:
    g.out(g.input(0))


@converts(C.Cast)
def _cast(g: Graph, rec: Any) -> None:
    g.out(g.one("Cast", [g.input(0)], to=onnx_dtype(rec.params["dtype"])))


# ----------------------------------------------------------------------------- shapes
def _removed_axes(g: Graph, longer: Val, shorter: Val) -> list[int] | None:
    """The axes of ``longer`` that ``shorter`` lacks (all of size 1), matched at both sizes; None if none fit."""
    a_long, b_long = longer.shape, g.other_shape(longer)
    a_short, b_short = shorter.shape, g.other_shape(shorter)
    removed: list[int] = []
    j = 0
    for i in range(len(a_long)):
        if j < len(a_short) and a_long[i] == a_short[j] and b_long[i] == b_short[j]:
            j += 1
        elif a_long[i] == 1 and b_long[i] == 1:
            removed.append(i)
        else:
            return None
    return removed if j == len(a_short) else None


@converts(S.Reshape, S.View, S.Squeeze, S.Unsqueeze)
def _reshape(g: Graph, rec: Any) -> None:
    x_val, out_val = _val(g, 0), _outval(g)
    x = g.input(0)
    if rec.op is S.Squeeze and (axes := _removed_axes(g, x_val, out_val)) is not None:
        g.out(g.axes_op("Squeeze", x, axes))
    elif rec.op is S.Unsqueeze and (axes := _removed_axes(g, out_val, x_val)) is not None:
        g.out(g.axes_op("Unsqueeze", x, axes))
    else:
        g.out(g.reshape(x, x_val.shape, g.other_shape(x_val), out_val.shape, g.other_shape(out_val)))


@converts(S.Transpose)
def _transpose(g: Graph, rec: Any) -> None:
    perm = list(range(len(_val(g, 0).shape)))
    d0, d1 = rec.params["dim0"], rec.params["dim1"]
    perm[d0], perm[d1] = perm[d1], perm[d0]
    g.out(g.one("Transpose", [g.input(0)], perm=perm))


@converts(S.Permute)
def _permute(g: Graph, rec: Any) -> None:
    g.out(g.one("Transpose", [g.input(0)], perm=list(rec.params["dims"])))


@converts(S.Expand)
def _expand(g: Graph, rec: Any) -> None:
    x_val, out_val = _val(g, 0), _outval(g)
    shape, dynamic = list(out_val.shape), g.dynamic(out_val)
    lead = len(shape) - len(x_val.shape)
    for j, moves in enumerate(dynamic):
        if not moves:
            continue
        if j >= lead and g.dynamic(x_val)[j - lead]:
            shape[j] = 1  # Expand keeps the input's own size where the target says 1
        else:
            raise g.error(f"expanding to {tuple(out_val.shape)} sets a dynamic size the input does not have")
    g.out(g.one("Expand", [g.input(0), g.ints(shape)]))


@converts(RA.Repeat)
def _repeat(g: Graph, rec: Any) -> None:
    repeats = list(rec.params["repeats"])
    x = g.input(0)
    extra = len(repeats) - len(_val(g, 0).shape)
    if extra:
        x = g.axes_op("Unsqueeze", x, list(range(extra)))
    g.out(g.one("Tile", [x, g.ints(repeats)]))


@converts(RA.Flip)
def _flip(g: Graph, rec: Any) -> None:
    dims = list(rec.params["dims"])
    n = len(dims)
    g.out(g.slice(g.input(0), [-1] * n, [INT64_MIN] * n, dims, [-1] * n))


@converts(S.Select)
def _select(g: Graph, rec: Any) -> None:
    dim = rec.params["dim"]
    x_val = _val(g, 0)
    index = g.position(
        rec.params["index"], g.other("index"), x_val.shape[dim], g.other_shape(x_val)[dim], "selected index"
    )
    g.out(g.one("Gather", [g.input(0), g.scalar(index, np.int64)], axis=dim))


def _bound(g: Graph, x_val: Val, dim: int, value: int, other: int, what: str) -> int:
    """A slice bound on ``dim``: the end of the axis as INT64_MAX, and counted from the end when it moves."""
    size, other_size = x_val.shape[dim], g.other_shape(x_val)[dim]
    if value == size and other == other_size:
        return INT64_MAX
    return g.position(value, other, size, other_size, what)


@converts(S.Narrow)
def _narrow(g: Graph, rec: Any) -> None:
    dim = rec.params["dim"]
    x_val = _val(g, 0)
    start = _bound(g, x_val, dim, rec.params["start"], g.other("start"), "narrow start")
    stop = _bound(g, x_val, dim, rec.params["stop"], g.other("stop"), "narrow end")
    g.out(g.slice(g.input(0), [start], [stop], [dim], [1]))


@converts(S.Split)
def _split(g: Graph, rec: Any) -> None:
    dim, bounds, other = rec.params["dim"], rec.params["bounds"], g.other("bounds")
    x_val, x = _val(g, 0), g.input(0)
    for k in range(len(bounds) - 1):
        start = _bound(g, x_val, dim, bounds[k], other[k], "split point")
        stop = _bound(g, x_val, dim, bounds[k + 1], other[k + 1], "split point")
        g.out(g.slice(x, [start], [stop], [dim], [1]), k)


@converts(S.Unbind)
def _unbind(g: Graph, rec: Any) -> None:
    dim = rec.params["dim"]
    if g.dynamic(_val(g, 0))[dim]:
        raise g.error("unbind along a dynamic axis gives a varying number of outputs, which ONNX cannot express")
    x = g.input(0)
    for k in range(len(rec.outputs)):
        g.out(g.one("Gather", [x, g.scalar(k, np.int64)], axis=dim), k)


@converts(S.Cat)
def _cat(g: Graph, rec: Any) -> None:
    dtype = _outval(g).dtype
    parts = [g.cast(g.input(i), _val(g, i).dtype, dtype) for i, keep in enumerate(rec.params["keep"]) if keep]
    g.out(g.one("Concat", parts, axis=rec.params["dim"]))


@converts(S.Stack)
def _stack(g: Graph, rec: Any) -> None:
    dim = rec.params["dim"]
    dtype = _outval(g).dtype
    parts = [g.axes_op("Unsqueeze", g.cast(g.input(i), _val(g, i).dtype, dtype), [dim]) for i in range(len(rec.inputs))]
    g.out(g.one("Concat", parts, axis=dim))


@converts(PD.ConstantPad)
def _pad(g: Graph, rec: Any) -> None:
    x_val, out_val = _val(g, 0), _outval(g)
    src, dst = rec.params["src"], rec.params["dst"]
    before, after = [], []
    for d, (s, t) in enumerate(zip(src, dst)):
        lo_s, hi_s, _ = s.indices(x_val.shape[d])
        lo_t, hi_t, _ = t.indices(out_val.shape[d])
        before.append(lo_t - lo_s)
        after.append((out_val.shape[d] - hi_t) - (x_val.shape[d] - hi_s))
    value = g.scalar(rec.params["value"], out_val.dtype)
    g.out(g.one("Pad", [g.input(0), g.ints(before + after), value], mode="constant"))


# ----------------------------------------------------------------------------- indexing
def _basic_index(g: Graph, rec: Any, x: str, x_val: Val, key: tuple[Any, ...], other_key: tuple[Any, ...]) -> str:
    """``x[key]`` for ints, slices with positive steps, None and Ellipsis: one Slice, then Squeeze and Unsqueeze."""
    ndim = len(x_val.shape)
    consumed = sum(1 for k in key if k is not None and k is not Ellipsis)
    starts, ends, axes, steps, squeeze, unsqueeze = [], [], [], [], [], []
    dim = out_dim = 0
    for item, other in zip(key, other_key):
        if item is Ellipsis:
            skipped = ndim - consumed
            dim += skipped
            out_dim += skipped
        elif item is None:
            unsqueeze.append(out_dim)
            out_dim += 1
        elif type(item) is int:
            size = x_val.shape[dim]
            index = item + size if item < 0 else item
            other_size = g.other_shape(x_val)[dim]
            index = g.position(index, other + other_size if other < 0 else other, size, other_size, "index")
            starts.append(index)
            ends.append(INT64_MAX if index == -1 else index + 1)
            axes.append(dim)
            steps.append(1)
            squeeze.append(dim)
            dim += 1
        else:
            size = x_val.shape[dim]
            start, stop, step = item.indices(size)
            if (start, stop, step) != (0, size, 1):
                o_start, o_stop, _ = other.indices(g.other_shape(x_val)[dim])
                starts.append(_bound(g, x_val, dim, start, o_start, "slice start"))
                ends.append(_bound(g, x_val, dim, max(stop, start), max(o_stop, o_start), "slice end"))
                axes.append(dim)
                steps.append(step)
            dim += 1
            out_dim += 1
    if axes:
        x = g.slice(x, starts, ends, axes, steps)
    if squeeze:
        x = g.axes_op("Squeeze", x, squeeze)
    if unsqueeze:
        x = g.axes_op("Unsqueeze", x, unsqueeze)
    return x


@converts(I.GetItem)
def _getitem(g: Graph, rec: Any) -> None:
    first, key, kind = rec.params["first"], rec.params["key"], rec.params["kind"]
    x_val, x = _val(g, 0), g.input(0)
    if first is not None or kind != I._BASIC:
        arrays = [k for k in key if hasattr(k, "dtype")]
        plain = [k for k in key if not hasattr(k, "dtype")]
        if (
            first is not None
            or len(arrays) != 1
            or arrays[0].dtype.kind not in "iu"
            or any(not (k == slice(None) or k is Ellipsis) for k in plain)
        ):
            raise g.error(
                "only basic indexing (ints, slices, None, ...) and one integer index array are exportable; "
                "boolean masks and several index arrays are not"
            )
        position = next(i for i, k in enumerate(key) if hasattr(k, "dtype"))
        if any(k is Ellipsis for k in key[:position]):
            position = len(x_val.shape) - (len(key) - position)
        g.out(g.one("Gather", [x, g.array(arrays[0])], axis=position))
        return
    g.out(_basic_index(g, rec, x, x_val, key, g.other("key")))


@converts(I.IndexSelect)
def _index_select(g: Graph, rec: Any) -> None:
    g.out(g.one("Gather", [g.input(0), g.array(rec.params["index"])], axis=rec.params["dim"]))


@converts(I.Gather)
def _gather(g: Graph, rec: Any) -> None:
    g.out(g.one("GatherElements", [g.input(0), g.array(rec.params["index"])], axis=rec.params["dim"]))


@converts(I.Tril, I.Triu)
def _triangle(g: Graph, rec: Any) -> None:
    upper = int(rec.op is I.Triu)
    g.out(g.one("Trilu", [g.input(0), g.scalar(rec.params["diagonal"], np.int64)], upper=upper))


# ----------------------------------------------------------------------------- reductions
def _reduce(g: Graph, op_type: str, x: str, axes: tuple[int, ...], keepdim: bool) -> str:
    return g.axes_op(op_type, x, list(axes), keepdims=int(keepdim))


_REDUCE = {R.Sum: "ReduceSum", R.Mean: "ReduceMean", R.Prod: "ReduceProd", R.Amax: "ReduceMax", R.Amin: "ReduceMin"}
_REDUCE[R.LogSumExp] = "ReduceLogSumExp"


@converts(*_REDUCE)
def _reduction(g: Graph, rec: Any) -> None:
    x = _input_as_out_dtype(g, 0)
    g.out(_reduce(g, _REDUCE[rec.op], x, rec.params["axes"], rec.params["keepdim"]))


@converts(R.Max, R.Min)
def _extreme_dim(g: Graph, rec: Any) -> None:
    axis, keepdim = rec.params["axis"], int(rec.params["keepdim"])
    x = g.input(0)
    g.out(_reduce(g, "ReduceMax" if rec.op is R.Max else "ReduceMin", x, (axis,), bool(keepdim)), 0)
    arg = "ArgMax" if rec.op is R.Max else "ArgMin"
    g.out(g.one(arg, [x], axis=axis, keepdims=keepdim), 1)


@converts(R.Var, R.Std)
def _variance(g: Graph, rec: Any) -> None:
    axes, keepdim, correction = rec.params["axes"], rec.params["keepdim"], rec.params["correction"]
    x_val = _val(g, 0)
    if any(g.dynamic(x_val)[a] for a in axes):
        raise g.error("a variance over a dynamic axis has no fixed divisor to write into the graph")
    count = math.prod(x_val.shape[a] for a in axes)
    dtype = _outval(g).dtype
    x = g.input(0)
    centered = g.one("Sub", [x, _reduce(g, "ReduceMean", x, axes, True)])
    total = _reduce(g, "ReduceSum", g.one("Mul", [centered, centered]), axes, keepdim)
    var = g.one("Div", [total, g.scalar(max(count - correction, 0), dtype)])
    g.out(var if rec.op is R.Var else g.one("Sqrt", [var]))


@converts(R.Norm)
def _norm(g: Graph, rec: Any) -> None:
    p = rec.params["p"]
    if p not in (1, 2):
        raise g.error(f"only the 1- and 2-norms have ONNX forms, got p={p}")
    op_type = "ReduceL2" if p == 2 else "ReduceL1"
    g.out(_reduce(g, op_type, g.input(0), rec.params["axes"], rec.params["keepdim"]))


@converts(CU.CumSum)
def _cumsum(g: Graph, rec: Any) -> None:
    g.out(g.one("CumSum", [_input_as_out_dtype(g, 0), g.scalar(rec.params["axis"], np.int64)]))


# ----------------------------------------------------------------------------- linear algebra
@converts(L.Matmul, L.Mm, L.Bmm, L.Dot)
def _matmul(g: Graph, rec: Any) -> None:
    g.out(g.one("MatMul", [g.input(0), g.input(1)]))


@converts(L.Outer)
def _outer(g: Graph, rec: Any) -> None:
    a = g.axes_op("Unsqueeze", g.input(0), [1])
    b = g.axes_op("Unsqueeze", g.input(1), [0])
    g.out(g.one("Mul", [a, b]))


@converts(L.Linear)
def _linear(g: Graph, rec: Any) -> None:
    x, w = g.input(0), g.input(1)
    b = g.input(2) if len(rec.inputs) > 2 else None
    if len(_val(g, 0).shape) == 2:
        g.out(g.one("Gemm", [x, w] + ([b] if b else []), transB=1))
        return
    y = g.one("MatMul", [x, g.one("Transpose", [w], perm=[1, 0]) if len(_val(g, 1).shape) == 2 else w])
    g.out(g.one("Add", [y, b]) if b else y)


@converts(L.Einsum, family=True)
def _einsum(g: Graph, rec: Any) -> None:
    equation = ",".join(rec.params["labels"]) + "->" + rec.params["out"]
    g.out(g.one("Einsum", [g.input(i) for i in range(len(rec.inputs))], equation=equation))
