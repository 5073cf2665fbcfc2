"""Argument patterns for ``nn.functional``'s ops (convolution, pooling, normalization, losses...) and the
process-wide settings."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tests.fuzz.harness import (
    FLOATS,
    Call,
    Draw,
    T,
    layer_kwargs,
)
from tests.fuzz.tensor_patterns import broadcastable, other_operand

# nn.functional -------------------------------------------------------------------------------------


def f_dtypes(d: Draw) -> tuple[str, ...]:
    return d.choice((("float32",), ("float64",), FLOATS, ("int64",)))


def conv_setup(d: Draw, spatial: int, transpose: bool = False) -> Call:
    dt = f_dtypes(d)
    groups = d.choice((1, 1, 2, 0, -1))
    g = groups if groups > 0 else 1
    cin = g * d.int(1, 2)
    cout = g * d.int(1, 2)
    k = tuple(d.int(1, 3) for _ in range(spatial))
    n = d.int(0, 2)
    size = tuple(d.int(0, 5) for _ in range(spatial))
    rank = spatial + 2 if d.maybe(0.8) else d.choice((spatial + 1, spatial + 3, 1))
    shape = (n, cin, *size) if rank == spatial + 2 else (cin, *size) if rank == spatial + 1 else d.shape(rank, rank)
    if d.maybe(0.1):
        shape = (n, cin + 1, *size)
    x = d.tensor(shape=shape, dtype=dt)
    w_shape = (cin, cout // g, *k) if transpose else (cout, cin // g, *k)
    w = d.tensor(shape=w_shape, dtype=dt) if d.maybe(0.9) else d.tensor(dtype=dt)
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["bias"] = d.tensor(shape=(cout if d.maybe(0.85) else cout + 1,), dtype=dt)
    for name, pool in (("stride", (1, 2, 0, -1)), ("padding", (0, 1, 2, -1)), ("dilation", (1, 2, 0))):
        if d.maybe(0.4):
            kwargs[name] = d.choice(pool)
    if not transpose and d.maybe(0.15):
        kwargs["padding"] = d.choice(("same", "valid", "bad"))
    if transpose and d.maybe(0.3):
        kwargs["output_padding"] = d.choice((0, 1, 2, -1))
    if groups != 1 or d.maybe(0.2):
        kwargs["groups"] = groups
    return Call((x, w), kwargs)


def pool_setup(d: Draw, spatial: int, kind: str) -> Call:
    dt = f_dtypes(d)
    rank = spatial + 2 if d.maybe(0.7) else d.choice((spatial + 1, spatial + 2, spatial + 3, 1))
    x = d.tensor(shape=d.shape(rank, rank, 0, 5), dtype=dt)
    kwargs: dict[str, Any] = {"kernel_size": d.choice((1, 2, 3, 0, -1, (2,) * spatial, (1,) * (spatial + 1)))}
    if d.bool():
        kwargs["stride"] = d.choice((None, 1, 2, 0, -1))
    if d.bool():
        kwargs["padding"] = d.choice((0, 1, 2, -1))
    if d.bool():
        kwargs["ceil_mode"] = d.bool()
    if kind == "max":
        if d.bool():
            kwargs["dilation"] = d.choice((1, 2, 0))
        if d.bool():
            kwargs["return_indices"] = d.bool()
    else:
        if d.bool():
            kwargs["count_include_pad"] = d.bool()
        if spatial == 2 and d.maybe(0.3):
            kwargs["divisor_override"] = d.choice((None, 1, 3, 0, -1))
    return Call((x,), kwargs)


def p_adaptive(d: Draw, indices: bool = False) -> Call:
    dt = f_dtypes(d)
    x = d.tensor(shape=d.shape(2, 5, 0, 5), dtype=dt)
    size = d.choice((1, 2, 3, 0, -1, (2, None), (None, None), (1, 2, 3), (2, 2), 2.5))
    kwargs = {"return_indices": d.bool()} if indices and d.bool() else {}
    return Call((x, size), kwargs)


def p_adaptive_1d(d: Draw) -> Call:
    x = d.tensor(shape=d.shape(1, 4, 0, 5), dtype=f_dtypes(d))
    return Call((x, d.choice((1, 2, 3, 0, -1, (2,), (2, 2), 2.5))))


def p_interpolate(d: Draw) -> Call:
    dt = d.choice((("float32",), ("float64",), ("int64",)))
    rank = d.int(2, 5)
    x = d.tensor(shape=d.shape(rank, rank, 0, 4), dtype=dt)
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["size"] = d.choice((2, 0, -1, (2, 3), (2,), (1, 2, 3), 2.5))
    if d.bool() or not kwargs:
        kwargs["scale_factor"] = d.choice((2, 0.5, 1.5, 0, -1, (2, 2), math.nan, math.inf))
    if d.bool():
        kwargs["mode"] = d.choice(("nearest", "linear", "bilinear", "bicubic", "area", "nearest-exact", "bad"))
    if d.maybe(0.3):
        kwargs["align_corners"] = d.bool()
    return Call((x,), kwargs)


def norm_stats(d: Draw, c: int, dt: str) -> T:
    return d.tensor(shape=(c,) if d.maybe(0.85) else (c + 1,), dtype=dt)


def p_batch_norm(d: Draw) -> Call:
    dt = d.choice(("float32", "float64", "float16"))
    rank = d.int(1, 5)
    x = d.tensor(shape=d.shape(rank, rank, 0, 3), dtype=dt)
    c = x.array.shape[1] if rank > 1 else 1
    args: tuple[Any, ...] = (
        x,
        norm_stats(d, c, dt) if d.maybe(0.8) else None,
        norm_stats(d, c, dt) if d.maybe(0.8) else None,
    )
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["weight"] = norm_stats(d, c, dt)
    if d.bool():
        kwargs["bias"] = norm_stats(d, c, dt)
    if d.bool():
        kwargs["training"] = d.bool()
    if d.maybe(0.3):
        kwargs["momentum"] = d.choice((0.1, 0.0, 1.0, -1.0, math.nan))
    if d.maybe(0.3):
        kwargs["eps"] = d.choice((1e-5, 0.0, -1.0, math.nan))
    return Call(args, kwargs)


def p_instance_norm(d: Draw) -> Call:
    dt = d.choice(("float32", "float64"))
    rank = d.int(1, 5)
    x = d.tensor(shape=d.shape(rank, rank, 0, 3), dtype=dt)
    c = x.array.shape[1] if rank > 1 else 1
    kwargs: dict[str, Any] = {}
    if d.maybe(0.3):
        kwargs["running_mean"] = norm_stats(d, c, dt)
        kwargs["running_var"] = norm_stats(d, c, dt)
    if d.bool():
        kwargs["weight"] = norm_stats(d, c, dt)
    if d.bool():
        kwargs["bias"] = norm_stats(d, c, dt)
    if d.maybe(0.3):
        kwargs["use_input_stats"] = d.bool()
    if d.maybe(0.3):
        kwargs["eps"] = d.choice((1e-5, 0.0, -1.0))
    return Call((x,), kwargs)


def p_group_norm(d: Draw) -> Call:
    dt = d.choice(("float32", "float64"))
    rank = d.int(1, 4)
    x = d.tensor(shape=d.shape(rank, rank, 0, 4), dtype=dt)
    c = x.array.shape[1] if rank > 1 else 1
    groups = d.choice((1, 2, c, 0, -1, 3))
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["weight"] = norm_stats(d, c, dt)
    if d.bool():
        kwargs["bias"] = norm_stats(d, c, dt)
    if d.maybe(0.3):
        kwargs["eps"] = d.choice((1e-5, 0.0, -1.0))
    return Call((x, groups), kwargs)


def p_layer_norm(d: Draw) -> Call:
    dt = d.choice(("float32", "float64", "float16", "int64"))
    x = d.tensor(dtype=dt)
    tail = x.array.shape[len(x.array.shape) - d.int(0, len(x.array.shape)) :]
    shape = d.choice((tail, tail, (3,), (), (0,), (-1,), [*tail]))
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["weight"] = d.tensor(shape=tuple(shape) if d.maybe(0.85) and -1 not in shape else (7,), dtype=dt)
    if d.bool() and -1 not in shape:
        kwargs["bias"] = d.tensor(shape=tuple(shape), dtype=dt)
    if d.maybe(0.3):
        kwargs["eps"] = d.choice((1e-5, 0.0, -1.0))
    return Call((x, shape), kwargs)


def p_normalize(d: Draw) -> Call:
    x = d.tensor(dtype=d.choice((FLOATS, ("int64",))))
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["p"] = d.choice((2.0, 1.0, 0.0, -1.0, math.inf, math.nan))
    if d.bool():
        kwargs["dim"] = d.dim(x.array.ndim)
    if d.maybe(0.3):
        kwargs["eps"] = d.choice((1e-12, 0.0, -1.0))
    return Call((x,), kwargs)


def p_prelu(d: Draw) -> Call:
    dt = d.choice(("float32", "float64"))
    x = d.tensor(dtype=dt)
    c = x.array.shape[1] if x.array.ndim > 1 else 1
    w = d.tensor(shape=d.choice(((1,), (c,), (c + 1,), (), (1, 1))), dtype=dt)
    return Call((x, w))


def p_dropout(d: Draw) -> Call:
    x = d.tensor(dtype=d.choice((FLOATS, ("int64",))))
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["p"] = d.choice((0.0, 0.5, 1.0, -0.1, 1.5, math.nan))
    if d.bool():
        kwargs["training"] = d.bool()
    if d.maybe(0.2):
        kwargs["inplace"] = True
    return Call((x,), kwargs)


REDUCTIONS = ("mean", "sum", "none", "bad")


def loss_pair(d: Draw) -> tuple[T, T]:
    """Input and target; torch's losses disagree among themselves on mixed float dtypes, so those share one."""
    x = d.tensor(dtype=FLOATS)
    kind = d.choice(("same", "same", "same", "broadcast", "random"))
    shape = x.array.shape if kind == "same" else broadcastable(d, x.array.shape) if kind == "broadcast" else d.shape()
    return x, d.tensor(shape=shape, dtype="int64" if d.maybe(0.1) else x.array.dtype.name)


def p_regression_loss(d: Draw, param: str | None = None) -> Call:
    x, y = loss_pair(d)
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["reduction"] = d.choice(REDUCTIONS)
    if param and d.bool():
        kwargs[param] = d.choice((1.0, 0.5, 0.0, -1.0, math.nan, math.inf))
    return Call((x, y), kwargs)


def probabilities(d: Draw, shape: tuple[int, ...], dt: str) -> T:
    seed = d.int(0, 2**16)
    values = np.random.default_rng(seed).random(shape)
    if d.maybe(0.25):
        values = values * 3 - 1
    if d.maybe(0.1):
        values = np.full(shape, np.nan)
    return T(np.asarray(values, dtype=dt), grad=d.maybe(0.4) and dt in ("float32", "float64"))


def p_bce(d: Draw) -> Call:
    dt = d.choice(("float32", "float64", "float16"))
    shape = d.shape()
    x = probabilities(d, shape, dt)
    y = probabilities(d, shape if d.maybe(0.85) else d.shape(), dt)
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["reduction"] = d.choice(REDUCTIONS)
    if d.maybe(0.3):
        kwargs["weight"] = d.tensor(shape=broadcastable(d, shape), dtype=dt)
    return Call((x, y), kwargs)


def p_bce_logits(d: Draw) -> Call:
    x, y = loss_pair(d)
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["reduction"] = d.choice(REDUCTIONS)
    if d.maybe(0.3):
        kwargs["weight"] = d.tensor(shape=broadcastable(d, x.array.shape), dtype=x.array.dtype.name)
    if d.maybe(0.3):
        kwargs["pos_weight"] = d.tensor(shape=broadcastable(d, x.array.shape), dtype=x.array.dtype.name)
    return Call((x, y), kwargs)


def p_classification(d: Draw, cross_entropy: bool) -> Call:
    dt = d.choice(("float32", "float64", "float16"))
    n, c = d.int(0, 3), d.int(1, 4)
    form = d.choice(("nc", "nc", "c", "ncd", "bad"))
    if form == "nc":
        x_shape, t_shape = (n, c), (n,)
    elif form == "c":
        x_shape, t_shape = (c,), ()
    elif form == "ncd":
        x_shape, t_shape = (n, c, 2), (n, 2)
    else:
        x_shape, t_shape = d.shape(), d.shape()
    x = d.tensor(shape=x_shape, dtype=dt)
    if cross_entropy and d.maybe(0.25):
        target = probabilities(d, x_shape, dt)
    else:
        target = d.index(t_shape if d.maybe(0.9) else (n + 1,), c, d.choice(("int64", "int64", "int32", "uint8")))
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["reduction"] = d.choice(REDUCTIONS)
    if d.maybe(0.3):
        kwargs["weight"] = d.tensor(shape=(c,) if d.maybe(0.8) else (c + 1,), dtype=dt)
    if d.maybe(0.3):
        kwargs["ignore_index"] = d.choice((-100, 0, 1, -1))
    if cross_entropy and d.maybe(0.3):
        kwargs["label_smoothing"] = d.choice((0.0, 0.1, 1.0, -0.1, 1.5, math.nan))
    return Call((x, target), kwargs)


def p_kl_div(d: Draw) -> Call:
    x, y = loss_pair(d)
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["reduction"] = d.choice((*REDUCTIONS, "batchmean"))
    if d.bool():
        kwargs["log_target"] = d.bool()
    return Call((x, y), kwargs)


def p_embedding(d: Draw) -> Call:
    n, dim = d.int(1, 4), d.int(0, 3)
    index = d.index(d.shape(0, 3), n, d.choice(("int64", "int64", "int32", "float32")))
    weight = d.tensor(shape=(n, dim) if d.maybe(0.9) else d.shape(), dtype=FLOATS[:2])
    kwargs = layer_kwargs(
        d,
        padding_idx=(None, 0, -1, n, -n - 1),
        max_norm=(None, 1.0, 0.0, -1.0, math.nan),
        norm_type=(2.0, 1.0, 0.0, -1.0, math.inf),
        scale_grad_by_freq=(False, True),
    )
    return Call((index, weight), kwargs)


def p_set_num_threads(d: Draw) -> Call:
    return Call((d.choice((1, 2, 0, -1, 2.5, True, None, "2")),))


def p_set_default_device(d: Draw) -> Call:
    return Call((d.choice(("cpu", None, "tpu", "cpu:1", 0, 2.5)),))


def p_pairwise_distance(d: Draw) -> Call:
    x1 = d.tensor(shape=d.shape(1, 2, 0, 4) if d.maybe(0.9) else (), dtype=FLOATS)
    x2 = d.tensor(shape=broadcastable(d, x1.array.shape), dtype=x1.array.dtype.name)
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["p"] = d.choice((2.0, 1.0, 3.0, math.inf))
    if d.maybe(0.3):
        kwargs["eps"] = d.choice((1e-6, 0.0))
    if d.bool():
        kwargs["keepdim"] = d.bool()
    return Call((x1, x2), kwargs)


def p_cosine_similarity(d: Draw) -> Call:
    x1 = d.tensor(shape=d.shape(1, 3, 0, 4), dtype=FLOATS)
    x2 = d.tensor(shape=broadcastable(d, x1.array.shape), dtype=x1.array.dtype.name)
    kwargs: dict[str, Any] = {"dim": d.dim(x1.array.ndim)} if d.bool() else {}
    if d.maybe(0.3):
        kwargs["eps"] = d.choice((1e-8, 1e-3))
    return Call((x1, x2), kwargs)


def p_fallback(d: Draw) -> Call:
    """For a public function without a table entry: a tensor, maybe with a second operand."""
    x = d.tensor()
    return Call((x,)) if d.bool() else Call((x, other_operand(d, x)))


NOARG = lambda d: Call()  # noqa: E731


FUNCTIONAL_PATTERNS: dict[str, Callable[[Draw], Call]] = {
    "pairwise_distance": p_pairwise_distance,
    "cosine_similarity": p_cosine_similarity,
    "get_num_threads": NOARG,
    "is_inference_mode_enabled": NOARG,
    "set_num_threads": p_set_num_threads,
    "get_default_device": NOARG,
    "set_default_device": p_set_default_device,
    "embedding": p_embedding,
    "get_rng_state": NOARG,
    "adaptive_avg_pool1d": p_adaptive_1d,
    "adaptive_avg_pool2d": p_adaptive,
    "adaptive_max_pool2d": lambda d: p_adaptive(d, indices=True),
    "avg_pool1d": lambda d: pool_setup(d, 1, "avg"),
    "avg_pool2d": lambda d: pool_setup(d, 2, "avg"),
    "max_pool1d": lambda d: pool_setup(d, 1, "max"),
    "max_pool2d": lambda d: pool_setup(d, 2, "max"),
    "conv1d": lambda d: conv_setup(d, 1),
    "conv2d": lambda d: conv_setup(d, 2),
    "conv_transpose2d": lambda d: conv_setup(d, 2, transpose=True),
    "interpolate": p_interpolate,
    "batch_norm": p_batch_norm,
    "instance_norm": p_instance_norm,
    "group_norm": p_group_norm,
    "layer_norm": p_layer_norm,
    "normalize": p_normalize,
    "prelu": p_prelu,
    "dropout": p_dropout,
    "dropout1d": p_dropout,
    "dropout2d": p_dropout,
    "dropout3d": p_dropout,
    "alpha_dropout": p_dropout,
    "feature_alpha_dropout": p_dropout,
    "mse_loss": p_regression_loss,
    "l1_loss": p_regression_loss,
    "smooth_l1_loss": lambda d: p_regression_loss(d, "beta"),
    "huber_loss": lambda d: p_regression_loss(d, "delta"),
    "binary_cross_entropy": p_bce,
    "binary_cross_entropy_with_logits": p_bce_logits,
    "cross_entropy": lambda d: p_classification(d, True),
    "nll_loss": lambda d: p_classification(d, False),
    "kl_div": p_kl_div,
    "get_float32_matmul_precision": NOARG,
    "set_float32_matmul_precision": lambda d: Call(("highest",)),  # other values would leak into later cases
    "use_deterministic_algorithms": lambda d: Call((False,)),
    "are_deterministic_algorithms_enabled": NOARG,
    "is_deterministic_algorithms_warn_only_enabled": NOARG,
}
