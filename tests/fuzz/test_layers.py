"""Every ``Module`` subclass in ``shendu.nn``, fuzzed against torch."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import shendu
from tests.fuzz.functional_patterns import (
    p_bce,
    p_bce_logits,
    p_classification,
    p_cosine_similarity,
    p_interpolate,
    p_kl_div,
    p_pairwise_distance,
    p_regression_loss,
    probabilities,
)
from tests.fuzz.harness import (
    BAD_DEVICES,
    CALL_SECONDS,
    FLOATS,
    FUZZ,
    Call,
    Case,
    Draw,
    T,
    error_problem,
    judge,
    layer_kwargs,
    run,
    tally,
    to_lib,
    verdict,
)
from tests.fuzz.op_rules import LENIENT_OPS, MAX_POOLS, STRICT_OPS, non_finite_parameter, torch_max_pool_is_safe
from tests.fuzz.shape_patterns import p_pixel_shuffle, p_pixel_unshuffle
from tests.fuzz.tensor_patterns import SLOPES, dtype_arg

COUNTS_PLAIN = (0, 1, 3, -1, 2.5, None, True)


def count(d: Draw, good: tuple[int, ...] = (1, 2, 3)) -> Any:
    """A size hyperparameter: usually a valid int, sometimes 0, negative, a float, None or a bool."""
    return d.choice(good) if d.maybe(0.8) else d.choice(COUNTS_PLAIN)


def size_or(value: Any, default: int, minimum: int = 1) -> int:
    """``value`` when it is a usable size for an input tensor, else ``default`` (the layer may refuse it)."""
    return value if type(value) is int and value >= minimum else default


def factory(d: Draw) -> dict[str, Any]:
    """device= and dtype= for layers that create parameters."""
    kwargs: dict[str, Any] = {}
    if d.maybe(0.2):
        kwargs["device"] = d.choice(("cpu", *BAD_DEVICES))
    if d.maybe(0.3):
        kwargs["dtype"] = dtype_arg(d, ("float32", "float64", "int64"))
    return kwargs


def layer_input(d: Draw, shape: tuple[int, ...], dtype: str | None = None) -> T:
    """An input of ``shape`` most of the time; else of a random (wrong) rank or size."""
    dt = dtype or d.choice(("float32", "float32", "float64", "float16", "int64"))
    return d.tensor(shape=shape if d.maybe(0.75) else d.shape(), dtype=dt)


def activation_layer(**pools: tuple[Any, ...]) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        return Call((), layer_kwargs(d, **pools)), Call((d.tensor(dtype=d.choice((FLOATS, ("int64",)))),))

    return pattern


def l_linear(d: Draw) -> tuple[Call, Call]:
    i, o = count(d, (0, 1, 3)), count(d)
    ctor = Call((i, o), {**layer_kwargs(d, bias=(True, False)), **factory(d)})
    n = size_or(i, 2, minimum=0)
    return ctor, Call((layer_input(d, (*d.shape(0, 2), n)),))


def l_bilinear(d: Draw) -> tuple[Call, Call]:
    i1, i2, o = count(d), count(d), count(d)
    ctor = Call((i1, i2, o), {**layer_kwargs(d, bias=(True, False)), **factory(d)})
    n = d.int(0, 2)
    a = size_or(i1, 2)
    b = size_or(i2, 2)
    dt = d.choice(("float32", "float64"))
    return ctor, Call((layer_input(d, (n, a), dt), layer_input(d, (n, b), dt)))


def l_conv(spatial: int, transpose: bool = False) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        groups = d.choice((1, 1, 1, 2, 0, -1))
        g = size_or(groups, 1)
        cin, cout = g * d.int(1, 2), g * d.int(1, 2)
        if d.maybe(0.15):
            cin, cout = count(d), count(d)
        kernel = d.choice((1, 2, 3, 0, -1, (2,) * spatial, (1,) * (spatial + 1)))
        pools: dict[str, tuple[Any, ...]] = {
            "stride": (1, 2, 0, -1, (1,) * spatial),
            "padding": (0, 1, -1) if transpose else (0, 1, -1, "same", "valid", "bad"),
            "dilation": (1, 2, 0),
            "bias": (True, False),
            "padding_mode": ("zeros", "reflect", "replicate", "circular", "bad"),
        }
        if transpose:
            pools["output_padding"] = (0, 1, 2)
        kwargs = {**layer_kwargs(d, **pools), **factory(d)}
        if groups != 1:
            kwargs["groups"] = groups
        channels = size_or(cin, 1)
        shape = (d.int(0, 2), channels, *(d.int(0, 5) for _ in range(spatial)))
        if d.maybe(0.15):
            shape = shape[1:]
        return Call((cin, cout, kernel), kwargs), Call((layer_input(d, shape),))

    return pattern


def l_pool(spatial: int, kind: str) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        pools: dict[str, tuple[Any, ...]] = {
            "stride": (None, 1, 2, 0, -1),
            "padding": (0, 1, 2, -1),
            "ceil_mode": (True, False),
        }
        if kind == "max":
            pools.update(dilation=(1, 2, 0), return_indices=(True, False))
        else:
            pools.update(count_include_pad=(True, False))
            if spatial == 2:
                pools.update(divisor_override=(None, 1, 3, 0, -1))
        kernel = d.choice((1, 2, 3, 0, -1, (2,) * spatial, (1,) * (spatial + 1)))
        shape = d.shape(spatial + 1, spatial + 2, 0, 5)
        return Call((kernel,), layer_kwargs(d, **pools)), Call((layer_input(d, shape),))

    return pattern


def l_adaptive(indices: bool) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        size = d.choice((1, 2, 3, 0, -1, (2, None), (None, None), (1, 2, 3), (2, 2), 2.5))
        kwargs = layer_kwargs(d, return_indices=(True, False)) if indices else {}
        return Call((size,), kwargs), Call((layer_input(d, d.shape(3, 4, 0, 5)),))

    return pattern


def l_adaptive_1d(d: Draw) -> tuple[Call, Call]:
    size = d.choice((1, 2, 3, 0, -1, (2,), (2, 2), 2.5))
    return Call((size,)), Call((layer_input(d, d.shape(2, 3, 0, 5)),))


def l_norm(kind: str) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        c = count(d)
        pools: dict[str, tuple[Any, ...]] = {
            "eps": (1e-5, 0.0, -1.0, math.nan),
            "momentum": (0.1, None, 0.0, 1.0, -0.5, 2.0),
            "affine": (True, False),
            "track_running_stats": (True, False),
        }
        kwargs = {**layer_kwargs(d, **pools), **factory(d)}
        channels = size_or(c, 2)
        rank = {"BatchNorm1d": d.choice((2, 3)), "BatchNorm2d": 4, "InstanceNorm1d": 3, "InstanceNorm2d": 4}[kind]
        shape = (d.int(0, 3), channels, *(d.int(0, 3) for _ in range(rank - 2)))
        return Call((c,), kwargs), Call((layer_input(d, shape, d.choice(FLOATS)),))

    return pattern


def l_group_norm(d: Draw) -> tuple[Call, Call]:
    g, c = count(d, (1, 2)), count(d, (2, 4))
    kwargs = {**layer_kwargs(d, eps=(1e-5, 0.0, -1.0), affine=(True, False)), **factory(d)}
    channels = size_or(c, 2)
    return Call((g, c), kwargs), Call((layer_input(d, (d.int(0, 2), channels, d.int(0, 3)), d.choice(FLOATS)),))


def l_layer_norm(d: Draw) -> tuple[Call, Call]:
    shape = d.choice((3, (2, 3), (), 0, -1, (3,), 2.5, [2, 3]))
    kwargs = {**layer_kwargs(d, eps=(1e-5, 0.0, -1.0), elementwise_affine=(True, False), bias=(True, False))}
    kwargs.update(factory(d))
    tail = (shape,) if isinstance(shape, int) else tuple(shape) if isinstance(shape, (tuple, list)) else (3,)
    tail = tuple(size_or(s, 1, minimum=0) for s in tail)
    return Call((shape,), kwargs), Call((layer_input(d, (*d.shape(0, 2), *tail), d.choice(FLOATS)),))


def l_pad(dims: int, value: bool = False) -> Callable[[Draw], tuple[Call, Call]]:
    """The padding layers: ``dims`` padded dims, with a fill value for the constant ones."""

    def pattern(d: Draw) -> tuple[Call, Call]:
        amounts = tuple(d.choice((0, 1, 2, -1)) for _ in range(2 * dims))
        padding = d.choice((1, 2, 0, -1, amounts, amounts, amounts[:-1], 1.5, None))
        args = (padding, d.choice((0.0, 1.5, -2.0, math.nan))) if value else (padding,)
        shape = d.shape(dims, dims + 2, 1, 4) if d.maybe(0.85) else d.shape()
        return Call(args), Call((d.tensor(shape=shape, dtype=d.choice((FLOATS, ("int64",)))),))

    return pattern


def l_pixel_shuffle(unshuffle: bool) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        call = p_pixel_unshuffle(d) if unshuffle else p_pixel_shuffle(d)
        return Call((call.args[1],)), Call((call.args[0],))

    return pattern


def l_upsampling_2d(d: Draw) -> tuple[Call, Call]:
    kwargs = {"size": d.choice((3, (2, 5), 0, (2,)))} if d.bool() else {"scale_factor": d.choice((2, 0.5, 1.5, 0))}
    shape = (d.int(0, 2), d.int(0, 2), d.int(1, 4), d.int(1, 4)) if d.maybe(0.85) else d.shape()
    return Call((), kwargs), Call((layer_input(d, shape, d.choice(("float32", "float64", "int64"))),))


def l_multihead_attention(d: Draw) -> tuple[Call, Call]:
    embed, heads = d.choice((4, 4, 6, 0)), d.choice((2, 2, 1, 3, 0))
    pools = {
        "bias": (True, False),
        "add_bias_kv": (True, False),
        "add_zero_attn": (True, False),
        "kdim": (None, 3, 0),
        "vdim": (None, 2),
        "batch_first": (True, False),
        "dropout": (0.0, -0.1, 1.5),
    }
    kwargs = {**layer_kwargs(d, **pools), **factory(d)}
    e, batch, length, source = size_or(embed, 4), d.int(1, 2), d.int(1, 3), d.int(1, 3)
    kdim, vdim = size_or(kwargs.get("kdim"), e), size_or(kwargs.get("vdim"), e)
    first = kwargs.get("batch_first", False)
    dt = d.choice(("float32", "float32", "float64", "int64"))

    def seq(n: int, features: int) -> T:
        return layer_input(d, (batch, n, features) if first else (n, batch, features), dt)

    query = seq(length, e)
    if d.maybe(0.3) and kdim == vdim == e:
        return Call((embed, heads), kwargs), Call((query, query, query))
    return Call((embed, heads), kwargs), Call((query, seq(source, kdim), seq(source, vdim)))


TRANSFORMER_POOLS: dict[str, tuple[Any, ...]] = {
    "activation": ("relu", "gelu", "tanh"),
    "layer_norm_eps": (1e-5, 1e-3),
    "batch_first": (True, False),
    "norm_first": (True, False),
    "bias": (True, False),
}


def _sequences(d: Draw, kwargs: dict[str, Any], *lengths: int) -> tuple[T, ...]:
    batch = d.int(1, 2)
    dt = d.choice(("float32", "float32", "float64", "int64"))
    first = kwargs.get("batch_first", False)
    return tuple(layer_input(d, (batch, n, 4) if first else (n, batch, 4), dt) for n in lengths)


def l_transformer_layer(decoder: bool) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        kwargs = {**layer_kwargs(d, **TRANSFORMER_POOLS), **factory(d)}
        args = (d.choice((4, 4, 3, 0)), d.choice((2, 2, 1, 3)), 8, 0.0)
        return Call(args, kwargs), Call(_sequences(d, kwargs, d.int(1, 3), *((d.int(1, 3),) if decoder else ())))

    return pattern


def l_transformer_stack(decoder: bool) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        first = d.bool()
        layer = ("TransformerDecoderLayer" if decoder else "TransformerEncoderLayer", 4, 2, 8, 0.0, "relu", 1e-5, first)
        args: tuple[Any, ...] = (layer, d.choice((1, 2, 0)))
        if d.bool():
            args += (("LayerNorm", 4),)
        inputs = _sequences(d, {"batch_first": first}, d.int(1, 3), *((d.int(1, 3),) if decoder else ()))
        return Call(args, {"kind": "modules"}), Call(inputs)

    return pattern


def l_transformer(d: Draw) -> tuple[Call, Call]:
    kwargs = {**layer_kwargs(d, **TRANSFORMER_POOLS), **factory(d)}
    args = (d.choice((4, 4, 3)), d.choice((2, 2, 3)), d.choice((1, 2)), d.choice((1, 2)), 8, 0.0)
    return Call(args, kwargs), Call(_sequences(d, kwargs, d.int(1, 3), d.int(1, 3)))


def l_prelu(d: Draw) -> tuple[Call, Call]:
    n = count(d, (1, 1, 3))
    kwargs = {**layer_kwargs(d, init=(0.25, 0.0, -1.0, math.nan)), **factory(d)}
    channels = size_or(n, 1)
    return Call((n,), kwargs), Call((layer_input(d, (d.int(0, 2), channels, d.int(0, 3)), d.choice(FLOATS)),))


def l_dropout(d: Draw) -> tuple[Call, Call]:
    p = d.choice((0.0, 0.5, 1.0, -0.1, 1.5, math.nan, "0.5", None))
    kwargs = layer_kwargs(d, inplace=(True, False))
    return Call((p,), kwargs), Call((d.tensor(dtype=d.choice((FLOATS, ("int64",)))),))


def l_flatten(d: Draw) -> tuple[Call, Call]:
    kwargs = layer_kwargs(d, start_dim=(0, 1, -1, 5, -5), end_dim=(-1, 0, 2, 5))
    return Call((), kwargs), Call((d.tensor(),))


def l_unflatten(d: Draw) -> tuple[Call, Call]:
    x = d.tensor(min_rank=1)
    dim = d.dim(x.array.ndim)
    size = x.array.shape[dim] if -x.array.ndim <= dim < x.array.ndim else 1
    sizes_ = d.choice(((size,), (1, size), (-1, 1), (size, -1), (-1, -1), (size + 1,), (), [size], 3))
    return Call((dim, sizes_)), Call((x,))


def l_upsample(d: Draw) -> tuple[Call, Call]:
    call = p_interpolate(d)
    kwargs = dict(call.kwargs)
    return Call((), kwargs), Call(call.args)


def l_softmax(d: Draw) -> tuple[Call, Call]:
    x = d.tensor(dtype=FLOATS)
    return Call((), {"dim": d.dim(x.array.ndim)} if d.maybe(0.8) else {}), Call((x,))


def l_identity(d: Draw) -> tuple[Call, Call]:
    return Call(tuple(d.scalar() for _ in range(d.int(0, 2))), layer_kwargs(d, foo=(1, None))), Call((d.tensor(),))


def loss_layer(input_pattern: Callable[[Draw], Call], **pools: tuple[Any, ...]) -> Callable[[Draw], tuple[Call, Call]]:
    """A loss module: the functional pattern's tensors go to forward, its keyword arguments to the constructor."""

    def pattern(d: Draw) -> tuple[Call, Call]:
        call = input_pattern(d)
        kwargs = dict(call.kwargs)
        kwargs.update(layer_kwargs(d, **pools))
        return Call((), kwargs), Call(call.args)

    return pattern


def l_data_parallel(d: Draw) -> tuple[Call, Call]:
    wrapped = ("Linear", 3, 2) if d.maybe(0.85) else d.scalar()
    kwargs: dict[str, Any] = {"kind": "modules"}
    if d.maybe(0.2):
        kwargs["dim"] = d.choice((0, 1))
    return Call((wrapped,), kwargs), Call((layer_input(d, (d.int(0, 3), 3), d.choice(FLOATS[:2])),))


def l_sequential(d: Draw) -> tuple[Call, Call]:
    kind = d.choice(("layers", "layers", "empty", "not_module", "dict"))
    if kind == "layers":
        spec = ("Linear", 3, 2), ("ReLU",), ("Linear", 2, 1)
        return Call(spec, {"kind": "modules"}), Call((layer_input(d, (d.int(0, 2), 3), "float32"),))
    if kind == "empty":
        return Call((), {"kind": "modules"}), Call((d.tensor(),))
    if kind == "not_module":
        return Call((("ReLU",), 3), {"kind": "modules"}), Call((d.tensor(),))
    return Call((("ReLU",),), {"kind": "dict"}), Call((d.tensor(dtype=FLOATS),))


def l_module_list(d: Draw) -> tuple[Call, Call]:
    kind = d.choice(("layers", "none", "not_module", "int"))
    if kind == "layers":
        return Call(((("ReLU",), ("Tanh",)),), {"kind": "modules"}), Call()
    if kind == "none":
        return Call((None,), {}), Call()
    if kind == "not_module":
        return Call(((("ReLU",), "relu"),), {"kind": "modules"}), Call()
    return Call((3,), {}), Call()


def l_module_dict(d: Draw) -> tuple[Call, Call]:
    kind = d.choice(("layers", "none", "bad_key", "dotted", "not_module", "list"))
    if kind == "layers":
        return Call(({"a": ("ReLU",)},), {"kind": "modules"}), Call()
    if kind == "none":
        return Call((None,), {}), Call()
    if kind == "bad_key":
        return Call(({1: ("ReLU",)},), {"kind": "modules"}), Call()
    if kind == "dotted":
        return Call(({"a.b": ("ReLU",)},), {"kind": "modules"}), Call()
    if kind == "not_module":
        return Call(({"a": 3},), {"kind": "modules"}), Call()
    return Call(([("a", ("ReLU",)), ("b",)],), {"kind": "modules"}), Call()


def l_embedding(d: Draw) -> tuple[Call, Call]:
    n, dim = count(d, (1, 3, 4)), count(d, (2, 3))
    kwargs = layer_kwargs(
        d, padding_idx=(None, 0, -1, 5, -5), max_norm=(None, 1.0, 0.0, math.nan), scale_grad_by_freq=(False, True)
    )
    kwargs.update(factory(d))
    index = d.index(d.shape(0, 3), size_or(n, 3), d.choice(("int64", "int64", "int32", "float32")))
    return Call((n, dim), kwargs), Call((index,))


def l_recurrent(kind: str) -> Callable[[Draw], tuple[Call, Call]]:
    """RNN, LSTM and GRU (and RNNBase with a mode): sequences (L, N, H_in), unbatched or batch-first."""

    def pattern(d: Draw) -> tuple[Call, Call]:
        size, hidden = count(d, (1, 2, 3)), count(d, (1, 2))
        pools: dict[str, tuple[Any, ...]] = {
            "num_layers": (1, 2, 0, -1),
            "bias": (True, False),
            "batch_first": (False, True),
            "dropout": (0.0, 0.5, 1.0, -0.1, math.nan),
            "bidirectional": (False, True),
        }
        if kind == "RNN":
            pools["nonlinearity"] = ("tanh", "relu", "bad")
        if kind == "LSTM":
            pools["proj_size"] = (0, 1, -1, 5)
        kwargs = {**layer_kwargs(d, **pools), **factory(d)}
        args: tuple[Any, ...] = (size, hidden)
        if kind == "RNNBase":
            args = (d.choice(("LSTM", "GRU", "RNN_TANH", "RNN_RELU", "bad")), *args)
            kwargs.pop("nonlinearity", None)
        length, batch = d.int(0, 3), d.int(1, 2)
        shape = d.choice(((length, batch, size_or(size, 2)), (length, size_or(size, 2))))
        return Call(args, kwargs), Call((layer_input(d, shape, d.choice(FLOATS[:2])),))

    return pattern


def l_cell(kind: str) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        size, hidden = count(d, (1, 2, 3)), count(d, (1, 2))
        pools: dict[str, tuple[Any, ...]] = {"bias": (True, False)}
        if kind == "RNNCell":
            pools["nonlinearity"] = ("tanh", "relu", "bad")
        kwargs = {**layer_kwargs(d, **pools), **factory(d)}
        if kind == "RNNCellBase":
            kwargs.pop("bias", None)
            return Call((size, hidden, d.choice((True, False)), d.choice((1, 3, 4, 0, -1))), kwargs), Call()
        shape = d.choice(((d.int(0, 2), size_or(size, 2)), (size_or(size, 2),)))
        return Call((size, hidden), kwargs), Call((layer_input(d, shape, d.choice(FLOATS[:2])),))

    return pattern


def l_rbm(d: Draw) -> tuple[Call, Call]:
    visible, hidden = count(d, (2, 3)), count(d, (1, 2))
    v = probabilities(d, (d.int(0, 2), size_or(visible, 2)), d.choice(("float32", "float64")))
    return Call((visible, hidden), factory(d)), Call((v,))


ACT_SLOPE = {"negative_slope": SLOPES, "inplace": (True, False)}
LAYER_PATTERNS: dict[str, Callable[[Draw], tuple[Call, Call]]] = {
    "CELU": activation_layer(alpha=(1.0, 0.0, -1.0, math.nan), inplace=(True, False)),
    "ELU": activation_layer(alpha=(1.0, 0.0, -1.0, math.nan), inplace=(True, False)),
    "GELU": activation_layer(approximate=("none", "tanh", "bad")),
    "SELU": activation_layer(inplace=(True, False)),
    "Hardtanh": activation_layer(min_val=(-1.0, 1.0, 2.0, math.nan), max_val=(1.0, -2.0, math.inf)),
    "LeakyReLU": activation_layer(**ACT_SLOPE),
    "LogSigmoid": activation_layer(),
    "Mish": activation_layer(inplace=(True, False)),
    "ReLU": activation_layer(inplace=(True, False)),
    "ReLU6": activation_layer(inplace=(True, False)),
    "Hardsigmoid": activation_layer(inplace=(True, False)),
    "Hardswish": activation_layer(inplace=(True, False)),
    "SiLU": activation_layer(inplace=(True, False)),
    "Sigmoid": activation_layer(),
    "Softplus": activation_layer(beta=(1.0, 2.0, 0.0, -1.0, math.nan), threshold=(20.0, 0.0, -1.0)),
    "Softsign": activation_layer(),
    "Tanh": activation_layer(),
    "LogSoftmax": l_softmax,
    "Softmax": l_softmax,
    "Softmin": l_softmax,
    "PReLU": l_prelu,
    "Identity": l_identity,
    "Linear": l_linear,
    "Bilinear": l_bilinear,
    "Conv1d": l_conv(1),
    "Conv2d": l_conv(2),
    "ConvTranspose2d": l_conv(2, transpose=True),
    "AvgPool1d": l_pool(1, "avg"),
    "AvgPool2d": l_pool(2, "avg"),
    "MaxPool1d": l_pool(1, "max"),
    "MaxPool2d": l_pool(2, "max"),
    "AdaptiveAvgPool1d": l_adaptive_1d,
    "AdaptiveAvgPool2d": l_adaptive(False),
    "AdaptiveMaxPool2d": l_adaptive(True),
    "BatchNorm1d": l_norm("BatchNorm1d"),
    "BatchNorm2d": l_norm("BatchNorm2d"),
    "InstanceNorm1d": l_norm("InstanceNorm1d"),
    "InstanceNorm2d": l_norm("InstanceNorm2d"),
    "GroupNorm": l_group_norm,
    "LayerNorm": l_layer_norm,
    "Dropout": l_dropout,
    "Dropout2d": l_dropout,
    "Flatten": l_flatten,
    "Unflatten": l_unflatten,
    "Upsample": l_upsample,
    "UpsamplingNearest2d": l_upsampling_2d,
    "UpsamplingBilinear2d": l_upsampling_2d,
    "PixelShuffle": l_pixel_shuffle(False),
    "PixelUnshuffle": l_pixel_shuffle(True),
    "ReflectionPad1d": l_pad(1),
    "ReflectionPad2d": l_pad(2),
    "ReflectionPad3d": l_pad(3),
    "ReplicationPad1d": l_pad(1),
    "ReplicationPad2d": l_pad(2),
    "ReplicationPad3d": l_pad(3),
    "CircularPad1d": l_pad(1),
    "CircularPad2d": l_pad(2),
    "CircularPad3d": l_pad(3),
    "ZeroPad1d": l_pad(1),
    "ZeroPad2d": l_pad(2),
    "ZeroPad3d": l_pad(3),
    "ConstantPad1d": l_pad(1, value=True),
    "ConstantPad2d": l_pad(2, value=True),
    "ConstantPad3d": l_pad(3, value=True),
    "MultiheadAttention": l_multihead_attention,
    "TransformerEncoderLayer": l_transformer_layer(False),
    "TransformerDecoderLayer": l_transformer_layer(True),
    "TransformerEncoder": l_transformer_stack(False),
    "TransformerDecoder": l_transformer_stack(True),
    "Transformer": l_transformer,
    "BCELoss": loss_layer(p_bce),
    "BCEWithLogitsLoss": loss_layer(p_bce_logits),
    "CrossEntropyLoss": loss_layer(lambda d: p_classification(d, True)),
    "NLLLoss": loss_layer(lambda d: p_classification(d, False)),
    "HuberLoss": loss_layer(p_regression_loss, delta=(1.0, 0.5, 0.0, -1.0, math.nan)),
    "SmoothL1Loss": loss_layer(p_regression_loss, beta=(1.0, 0.5, 0.0, -1.0, math.nan)),
    "KLDivLoss": loss_layer(p_kl_div),
    "L1Loss": loss_layer(p_regression_loss),
    "MSELoss": loss_layer(p_regression_loss),
    "Embedding": l_embedding,
    "RNN": l_recurrent("RNN"),
    "LSTM": l_recurrent("LSTM"),
    "GRU": l_recurrent("GRU"),
    "RNNBase": l_recurrent("RNNBase"),
    "RNNCell": l_cell("RNNCell"),
    "LSTMCell": l_cell("LSTMCell"),
    "GRUCell": l_cell("GRUCell"),
    "RNNCellBase": l_cell("RNNCellBase"),
    "RBM": l_rbm,
    "Sequential": l_sequential,
    "DataParallel": l_data_parallel,
    "PairwiseDistance": loss_layer(p_pairwise_distance),
    "CosineSimilarity": loss_layer(p_cosine_similarity),
    "ModuleList": l_module_list,
    "ModuleDict": l_module_dict,
}
LAYER_FUNCTIONS = {
    "AvgPool1d": ("avg_pool1d",),
    "AvgPool2d": ("avg_pool2d",),
    "MaxPool1d": ("max_pool1d",),
    "MaxPool2d": ("max_pool2d",),
    "AdaptiveAvgPool1d": ("adaptive_avg_pool1d",),
    "AdaptiveAvgPool2d": ("adaptive_avg_pool2d",),
    "AdaptiveMaxPool2d": ("adaptive_max_pool2d",),
    "Conv1d": ("conv1d",),
    "Conv2d": ("conv2d",),
    "ConvTranspose2d": ("conv_transpose2d",),
    "Linear": ("linear",),
    "Bilinear": ("bilinear",),
    "Upsample": ("interpolate",),
    "UpsamplingNearest2d": ("interpolate",),
    "UpsamplingBilinear2d": ("interpolate",),
    "PixelShuffle": ("pixel_shuffle",),
    "PixelUnshuffle": ("pixel_unshuffle",),
    **{
        f"{kind}Pad{n}d": ("pad",)
        for kind in ("Reflection", "Replication", "Circular", "Zero", "Constant")
        for n in (1, 2, 3)
    },
    "MultiheadAttention": ("multi_head_attention_forward",),
    # The Transformer family names the inner layer that refused the input.
    **{
        name: ("MultiheadAttention", "LayerNorm", "Linear", "TransformerEncoderLayer", "TransformerDecoderLayer")
        for name in (
            "TransformerEncoderLayer",
            "TransformerDecoderLayer",
            "TransformerEncoder",
            "TransformerDecoder",
            "Transformer",
        )
    },
    "Flatten": ("flatten",),
    "Unflatten": ("unflatten",),
    "LayerNorm": ("layer_norm",),
    "GroupNorm": ("group_norm",),
    "PReLU": ("prelu",),
    "BatchNorm1d": ("batch_norm",),
    "BatchNorm2d": ("batch_norm",),
    "InstanceNorm1d": ("instance_norm",),
    "InstanceNorm2d": ("instance_norm",),
    "Dropout": ("dropout",),
    "Dropout2d": ("dropout2d",),
    "BCELoss": ("binary_cross_entropy",),
    "BCEWithLogitsLoss": ("binary_cross_entropy_with_logits",),
    "CrossEntropyLoss": ("cross_entropy",),
    "NLLLoss": ("nll_loss",),
    "HuberLoss": ("huber_loss",),
    "SmoothL1Loss": ("smooth_l1_loss",),
    "KLDivLoss": ("kl_div",),
    "L1Loss": ("l1_loss",),
    "MSELoss": ("mse_loss",),
    "Softmin": ("softmin", "softmax"),
    "Softmax": ("softmax",),
    "LogSoftmax": ("log_softmax",),
    "Embedding": ("embedding",),
    "PairwiseDistance": ("pairwise_distance", "norm"),
    "CosineSimilarity": ("cosine_similarity", "norm"),
    "DataParallel": ("Linear", "linear"),  # errors come from the wrapped module, under its path
}


def _layer_classes() -> dict[str, type]:
    found = {}
    for name in shendu.nn.__all__:
        obj = getattr(shendu.nn, name)
        if inspect.isclass(obj) and issubclass(obj, shendu.nn.Module) and obj is not shendu.nn.Module:
            found[name] = obj
    return found


LAYERS = _layer_classes()


def build_modules(lib: Any, spec: Any) -> Any:
    """Container arguments: ``("Linear", 3, 2)`` is a layer of ``lib``; lists, tuples and dicts recurse."""
    if isinstance(spec, tuple) and spec and isinstance(spec[0], str) and hasattr(torch.nn, spec[0]):
        return getattr(lib.nn, spec[0])(*spec[1:])
    if isinstance(spec, (list, tuple)):
        return type(spec)(build_modules(lib, s) for s in spec)
    if isinstance(spec, dict):
        return {k: build_modules(lib, v) for k, v in spec.items()}
    return spec


def make_layer(lib: Any, name: str, ctor: Call) -> Any:
    args, kwargs = to_lib(lib, ctor.args), to_lib(lib, dict(ctor.kwargs))
    kind = kwargs.pop("kind", None)
    if kind == "modules":
        args = build_modules(lib, args)
        if name == "Sequential":
            return getattr(lib.nn, name)(*args)
    elif kind == "dict":
        from collections import OrderedDict

        return getattr(lib.nn, name)(OrderedDict((f"m{i}", m) for i, m in enumerate(build_modules(lib, args))))
    return getattr(lib.nn, name)(*args, **kwargs)


def copy_state(t_mod: Any, s_mod: Any) -> None:
    """Give the shendu layer torch's weights, as a user porting a checkpoint would."""
    state = {k: v.detach().numpy().copy() for k, v in t_mod.state_dict().items()}
    s_mod.load_state_dict(state)


# Constructor checks stricter than torch's where torch's layer would still run on the drawn input.
LAYER_STRICT = (
    r"must be a positive int, got ",  # odd feature counts, which torch may never use (InstanceNorm)
    r"must be an int >= 0, got (True|False)",
    r"must be a positive int or a pair of positive ints",  # an adaptive pool's output size 0
    r"p must be a probability between 0 and 1, got nan",
    r"label_smoothing must be between 0 and 1",
    r"max_val must be greater than min_val, got min_val=nan",
    r"eps must be (a )?(non-negative|positive)",
    r"expected a string such as 'cpu' or 'cuda:0'",
    r"must be an int or a tuple of \d+ positive ints",  # torch checks these only in forward
    r"give exactly one of size and scale_factor",
    r"proj_size=\d+ \(LSTM with projections\) is not supported by shendu",  # scope
    r"output_padding=.* must be smaller than",
    r"dropout must be a probability between 0 and 1",  # torch's MultiheadAttention takes any dropout
    r"padding must be an int or a tuple of \d+ ints",  # torch's padding layers check it only in forward
    # torch parses device= only when it makes a tensor; a layer without parameters never does.
    r"unknown device type|bad device index|the CPU has no index",
)
LAYER_LENIENT = {
    "RNNBase": (r"is missing the required \"forward\" function",),  # shendu's base class runs its mode
    "PReLU": (r"Type promoting not supported",),  # shendu promotes a float32 weight for a float64 input
}


def layer_case(name: str) -> Case:
    functions = LAYER_FUNCTIONS.get(name, (name.lower(),))
    names = (name, *functions)
    if name in ("ModuleList", "ModuleDict", "Sequential"):
        names += ("add_module", "Linear", "ReLU")  # containers name the inner layer that failed
    return Case(
        name,
        lambda *a, **k: None,
        None,
        names,
        values="Dropout" not in name and name not in ("GELU", "Bilinear"),
        lenient=(*LAYER_LENIENT.get(name, ()), *(p for f in functions for p in LENIENT_OPS.get(f, ()))),
        strict=(*LAYER_STRICT, *(p for f in functions for p in STRICT_OPS.get(f, ()))),
    )


@pytest.mark.parametrize("name", sorted(LAYERS))
@FUZZ
@given(data=st.data())
def test_fuzz_layer(name: str, data: Any) -> None:
    d = Draw(data)
    ctor, inputs = LAYER_PATTERNS.get(name, l_identity)(d)
    case = layer_case(name)
    where = f"nn.{name}{ctor!r}"
    oracle = hasattr(torch.nn, name)  # shendu's own layers (the RBM) run alone
    if name in MAX_POOLS and inputs.args:
        keys = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")
        pool_kwargs = {**dict(zip(keys, ctor.args)), **ctor.kwargs}
        oracle = torch_max_pool_is_safe(inputs.args[0].array.shape, MAX_POOLS[name], pool_kwargs)
    t_res = run(lambda: make_layer(torch, name, ctor)) if oracle else None
    s_res = run(lambda: make_layer(shendu, name, ctor), CALL_SECONDS)
    if t_res and t_res.ok and not s_res.ok and inputs.args and error_problem(s_res.error, case.names) is None:
        # torch checks most hyperparameters only when the layer runs; shendu may check them up front.
        if not run(lambda: t_res.value(*to_lib(torch, inputs.args))).ok:
            tally("both raised")
            return
    kind = verdict(case, where, t_res, s_res, values=False)
    if not (s_res.ok and inputs.args and (t_res is None or t_res.ok)):
        tally(kind)
        return
    if non_finite_parameter(ctor) or ctor.kwargs.get("dropout", 0) != 0:
        case.values = False  # NaN hyperparameters (see non_finite_parameter), or random dropout between layers
    training = d.bool()
    s_res.value.train(training)
    case.shendu_fn, case.torch_fn = s_res.value, None
    if t_res is not None:
        t_res.value.train(training)
        copy_state(t_res.value, s_res.value)
        case.torch_fn = t_res.value
    judge(case, inputs, label=f"{where}{inputs!r} ({'train' if training else 'eval'} mode)")


def test_every_layer_has_a_pattern() -> None:
    missing = sorted(set(LAYERS) - set(LAYER_PATTERNS))
    assert not missing, f"add argument patterns for {missing} to LAYER_PATTERNS"
