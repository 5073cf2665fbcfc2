"""Argument patterns for the tensor ops: creation, randomness, arithmetic, activations, reductions, linear algebra."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tests.fuzz.harness import (
    BAD_DEVICES,
    FLOATS,
    HUGE_SIZES,
    Call,
    D,
    Draw,
    T,
)


def small_floats(d: Draw, pool: tuple[Any, ...] = (0.0, 0.5, 1.0, 2.0, -1.0, math.nan, math.inf, 1e38)) -> Any:
    return d.choice(pool)


def dtype_arg(d: Draw, names: tuple[str, ...] = ("float32", "float64", "float16", "int64", "int32", "bool")) -> D:
    return D(d.choice(names))


def sizes(d: Draw) -> tuple[Any, ...]:
    """A size for a creation function: mostly small, sometimes negative, float, bool or absurdly large."""
    base = list(d.shape(0, 3, 0, 3))
    kind = d.choice(("ok", "ok", "ok", "negative", "float", "huge", "bool", "none"))
    if kind == "negative":
        base.insert(d.int(0, len(base)), -d.int(1, 3))
    elif kind == "float":
        base.append(2.5)
    elif kind == "huge":
        base = [d.choice(HUGE_SIZES), d.choice(HUGE_SIZES)]
    elif kind == "bool":
        base.append(True)
    elif kind == "none":
        base.append(None)
    return tuple(base)


def creation_kwargs(d: Draw, dtypes: tuple[str, ...] = ("float32", "float64", "float16", "int64", "bool")) -> dict:
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["dtype"] = dtype_arg(d, dtypes)
    if d.maybe(0.4):
        kwargs["device"] = d.choice(("cpu", *BAD_DEVICES))
    if d.maybe(0.2):
        kwargs["requires_grad"] = True
    return kwargs


def p_shape(d: Draw) -> Call:
    shape = sizes(d)
    form = d.choice(("varargs", "tuple", "size"))
    kwargs = creation_kwargs(d)
    if form == "varargs":
        return Call(shape, kwargs)
    if form == "tuple":
        return Call((shape,), kwargs)
    return Call((), {"size": shape, **kwargs})


def p_full(d: Draw) -> Call:
    return Call((sizes(d), d.scalar()), creation_kwargs(d))


def p_like(d: Draw) -> Call:
    return Call((d.tensor(),), creation_kwargs(d))


def p_full_like(d: Draw) -> Call:
    return Call((d.tensor(), d.scalar()), creation_kwargs(d))


def p_arange(d: Draw) -> Call:
    pool = (0, 1, 5, -3, 2.5, 0.5, -0.5, 0.0, math.nan, math.inf, 1e38, 2**62)
    args = tuple(d.choice(pool) for _ in range(d.int(1, 3)))
    return Call(args, creation_kwargs(d, ("float32", "float64", "int64", "int32", "uint8")))


def p_linspace(d: Draw, base: bool = False) -> Call:
    pool = (0, 1, -2.5, 10, math.nan, math.inf, 1e38)
    steps = d.choice((0, 1, 2, 5, -1, 2.5, 2**40))
    args: tuple[Any, ...] = (d.choice(pool), d.choice(pool), steps)
    if base and d.maybe(0.3):
        args += (d.choice((2.0, 10, 0.0, -2.0, math.nan)),)
    return Call(args, creation_kwargs(d, ("float32", "float64", "int64", "float16")))


def p_eye(d: Draw) -> Call:
    pool = (0, 1, 3, -1, 2.5, 2**40)
    args = (d.choice(pool),) if d.bool() else (d.choice(pool), d.choice(pool))
    return Call(args, creation_kwargs(d))


def p_randint(d: Draw) -> Call:
    low, high = d.choice((0, 3, -2, 10, 2**62)), d.choice((0, 3, 10, -1, 2**63 - 1))
    size = sizes(d)
    form = d.choice(("high", "low_high", "kw"))
    kwargs = creation_kwargs(d, ("int64", "int32", "uint8", "float32", "bool"))
    if form == "high":
        return Call((high, size), kwargs)
    if form == "low_high":
        return Call((low, high, size), kwargs)
    return Call((low, high), {"size": size, **kwargs})


def p_randint_like(d: Draw) -> Call:
    x = d.tensor(dtype=("int64", "float32", "int32", "uint8"))
    args = (x, d.choice((3, 0, -1, 10))) if d.bool() else (x, d.choice((0, -2, 5)), d.choice((3, 0, 10)))
    return Call(args, creation_kwargs(d, ("int64", "float32")))


def p_randperm(d: Draw) -> Call:
    return Call((d.choice((0, 1, 5, -1, 2.5, 2**40)),), creation_kwargs(d, ("int64", "int32", "float32", "uint8")))


def p_normal(d: Draw) -> Call:
    form = d.choice(("scalars", "tensor_mean", "tensor_std", "both"))
    scalars = (0.0, 1.0, -1.0, 0.0, math.nan, math.inf, 1e38)
    if form == "scalars":
        return Call((d.choice(scalars), d.choice((*scalars, -1.0, 0.0)), sizes(d)), creation_kwargs(d, FLOATS))
    if form == "tensor_mean":
        return Call((d.tensor(dtype=FLOATS), d.choice((1.0, 0.0, -1.0, math.nan))))
    if form == "tensor_std":
        return Call((d.choice(scalars), d.tensor(dtype=FLOATS)))
    return Call((d.tensor(dtype=FLOATS), d.tensor(dtype=FLOATS)))


def p_bernoulli(d: Draw) -> Call:
    x = d.tensor(dtype=(*FLOATS, "int64"))
    if d.maybe(0.3):
        return Call((x,), {"p": d.choice((0.5, 0.0, 1.0, -0.5, 1.5, math.nan))})
    return Call((x,))


def p_multinomial(d: Draw) -> Call:
    x = d.tensor(min_rank=0, max_rank=3, dtype=(*FLOATS, "int64"))
    return Call((x, d.choice((1, 2, 0, -1, 5, 2.5))), {"replacement": d.bool()})


def nested(d: Draw) -> Any:
    kind = d.choice(("floats", "ints", "ragged", "mixed", "strings", "deep", "empty", "scalar", "none", "huge_int"))
    if kind == "floats":
        return [[small_floats(d) for _ in range(2)] for _ in range(d.int(0, 2))]
    if kind == "ints":
        return [d.int(-5, 5) for _ in range(d.int(0, 3))]
    if kind == "ragged":
        return [[1, 2], [3]]
    if kind == "mixed":
        return [1, 2.5, True, math.nan]
    if kind == "strings":
        return ["a", "b"]
    if kind == "deep":
        return [[[[[math.inf]]]]]
    if kind == "empty":
        return [[], []]
    if kind == "scalar":
        return d.scalar()
    if kind == "none":
        return None
    return [2**64, 1]


def p_tensor(d: Draw) -> Call:
    return Call((nested(d),), creation_kwargs(d))


def p_as_tensor(d: Draw) -> Call:
    kwargs = creation_kwargs(d)
    kwargs.pop("requires_grad", None)
    return Call((nested(d),), kwargs)


def p_from_numpy(d: Draw) -> Call:
    kind = d.choice(("float", "int", "complex", "object", "list", "uint16", "0d", "noncontiguous"))
    if kind == "float":
        return Call((d.tensor().array,))
    if kind == "int":
        return Call((np.arange(6, dtype=np.int16).reshape(2, 3),))
    if kind == "complex":
        return Call((np.ones(3, dtype=np.complex64),))
    if kind == "object":
        return Call((np.array([1, "a"], dtype=object),))
    if kind == "uint16":
        return Call((np.ones(2, dtype=np.uint16),))
    if kind == "0d":
        return Call((np.array(math.nan),))
    if kind == "noncontiguous":
        return Call((np.arange(12.0).reshape(3, 4)[:, ::2],))
    return Call(([1.0, 2.0],))


def p_cast(d: Draw) -> Call:
    return Call((d.tensor(), dtype_arg(d, ("float32", "float64", "float16", "int64", "int32", "uint8", "bool"))))


def p_move(d: Draw) -> Call:
    return Call((d.tensor(), d.choice(("cpu", *BAD_DEVICES))))


def p_manual_seed(d: Draw) -> Call:
    return Call((d.choice((0, 1, 2**63, -1, 2**64, 2**70, 1.5, "7", None, True, -(2**63))),))


def p_set_rng_state(d: Draw) -> Call:
    kind = d.choice(("own", "bytes", "float", "empty", "list"))
    if kind == "own":
        return Call((T(np.zeros(5000, dtype=np.uint8)),))
    if kind == "bytes":
        return Call((d.tensor(shape=(d.int(0, 40),), dtype="uint8"),))
    if kind == "float":
        return Call((d.tensor(dtype="float32"),))
    if kind == "empty":
        return Call((T(np.zeros(0, dtype=np.uint8)),))
    return Call(([1, 2, 3],))


def p_set_default_dtype(d: Draw) -> Call:
    return Call((dtype_arg(d, ("int64", "bool", "uint8", "int32")) if d.bool() else d.choice(("float32", 3, None)),))


def p_promote_types(d: Draw) -> Call:
    names = ("float32", "float64", "float16", "int64", "int32", "int8", "uint8", "bool")
    return Call((dtype_arg(d, names), dtype_arg(d, names) if d.maybe(0.9) else "float32"))


def unary(d: Draw) -> Call:
    return Call((d.tensor(),))


def unary_float(d: Draw) -> Call:
    """Ops torch defines on every dtype but whose interesting behaviour is on floats."""
    return Call((d.tensor(dtype=d.choice((FLOATS, ("int64", "bool", "uint8", "float32")))),))


def activation(d: Draw, **params: tuple[Any, ...]) -> Call:
    x = d.tensor(dtype=d.choice((FLOATS, FLOATS, ("int64", "bool"))))
    kwargs = {name: d.choice(pool) for name, pool in params.items() if d.bool()}
    return Call((x,), kwargs)


def act(**params: tuple[Any, ...]) -> Callable[[Draw], Call]:
    return lambda d: activation(d, **params)


INPLACE = (False, False, True)
SLOPES = (0.01, 1.0, 0.0, -1.0, 2.0, math.nan, math.inf, 1e38)


def broadcastable(d: Draw, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts with ``shape``: a suffix of it with some sizes set to 1, maybe with leading 1s."""
    keep = d.int(0, len(shape))
    out = [1 if d.maybe(0.3) else s for s in shape[len(shape) - keep :]]
    return (1,) * d.int(0, 1) + tuple(out)


def other_operand(d: Draw, x: T, dtypes: tuple[str, ...] | None = None) -> Any:
    kind = d.choice(("scalar", "same", "broadcast", "broadcast", "random"))
    if kind == "scalar":
        return d.scalar()
    if kind == "same":
        return d.tensor(shape=x.array.shape, dtype=dtypes)
    if kind == "broadcast":
        return d.tensor(shape=broadcastable(d, x.array.shape), dtype=dtypes)
    return d.tensor(dtype=dtypes)


def binary(d: Draw, dtypes: tuple[str, ...] | None = None, scalar_first: bool = True, **params: Any) -> Call:
    x = d.tensor(dtype=dtypes)
    y = other_operand(d, x, dtypes)
    args: tuple[Any, ...] = (x, y)
    if scalar_first and d.maybe(0.1):
        args = (d.scalar(), x)
    kwargs = {name: d.choice(pool) for name, pool in params.items() if d.bool()}
    return Call(args, kwargs)


def bin_(dtypes: tuple[str, ...] | None = None, scalar_first: bool = True, **params: Any) -> Callable[[Draw], Call]:
    return lambda d: binary(d, dtypes, scalar_first, **params)


def tensor_pair(d: Draw, dtypes: tuple[str, ...] | None = None, **params: Any) -> Call:
    x = d.tensor(dtype=dtypes)
    kind = d.choice(("same", "broadcast", "random"))
    if kind == "same":
        y = d.tensor(shape=x.array.shape, dtype=dtypes)
    elif kind == "broadcast":
        y = d.tensor(shape=broadcastable(d, x.array.shape), dtype=dtypes)
    else:
        y = d.tensor(dtype=dtypes)
    return Call((x, y), {name: d.choice(pool) for name, pool in params.items() if d.bool()})


def p_clamp(d: Draw) -> Call:
    x = d.tensor()
    bound = (None, 0, -1.0, 1.0, math.nan, math.inf, -math.inf, 1e38)

    def one() -> Any:
        return (
            d.tensor(shape=broadcastable(d, x.array.shape), dtype=x.array.dtype.name)
            if d.maybe(0.3)
            else d.choice(bound)
        )

    return Call((x,), {"min": one(), "max": one()})


def p_masked_fill(d: Draw) -> Call:
    x = d.tensor()
    mask_shape = broadcastable(d, x.array.shape) if d.bool() else d.shape()
    mask = d.tensor(shape=mask_shape, dtype=d.choice(("bool", "bool", "uint8", "float32")))
    value = d.scalar() if d.bool() else d.tensor(shape=(), dtype=d.choice(("float32", "int64", "float64")))
    if d.maybe(0.1):
        value = d.tensor(shape=(2,))
    return Call((x, mask, value))


def p_where(d: Draw) -> Call:
    x = d.tensor()
    cond = d.tensor(shape=broadcastable(d, x.array.shape), dtype=d.choice(("bool", "bool", "uint8", "float32")))
    if d.maybe(0.2):
        return Call((cond,))
    y = other_operand(d, x)
    if d.maybe(0.15):
        return Call((cond, d.scalar(), d.scalar()))
    return Call((cond, x, y))


def p_nan_to_num(d: Draw) -> Call:
    pool = (None, 0.0, 1.0, -1.0, math.nan, math.inf, 1e38, 5)
    return Call((d.tensor(),), {name: d.choice(pool) for name in ("nan", "posinf", "neginf") if d.bool()})


def p_round(d: Draw) -> Call:
    x = d.tensor()
    return Call((x,), {"decimals": d.choice((0, 1, 3, -1, 400, -400))}) if d.bool() else Call((x,))


def p_max_min(d: Draw) -> Call:
    x = d.tensor()
    form = d.choice(("all", "dim", "dim", "other"))
    if form == "all":
        return Call((x,))
    if form == "other":
        return Call((x, other_operand(d, x)))
    return Call((x, d.dim(x.array.ndim)), {"keepdim": d.bool()})


def dims_arg(d: Draw, ndim: int) -> Any:
    kind = d.choice(("none", "int", "int", "tuple", "list", "empty", "dup"))
    if kind == "none":
        return None
    if kind == "int":
        return d.dim(ndim)
    if kind == "tuple":
        return tuple(d.dim(ndim) for _ in range(d.int(1, 2)))
    if kind == "list":
        return [d.dim(ndim)]
    if kind == "empty":
        return ()
    dim = d.dim(ndim)
    return (dim, dim)


def reduce(
    d: Draw,
    dims: str = "multi",
    dtype: bool = False,
    correction: bool = False,
    p: bool = False,
    dtypes: tuple[str, ...] | None = None,
) -> Call:
    x = d.tensor(dtype=dtypes)
    kwargs: dict[str, Any] = {}
    if dims == "multi":
        dim = dims_arg(d, x.array.ndim)
    elif dims == "int_or_none":
        dim = d.dim(x.array.ndim) if d.maybe(0.7) else None
    else:
        dim = d.dim(x.array.ndim)
    if dim is not None or dims == "int":
        kwargs["dim"] = dim
    if d.bool() and "dim" in kwargs and dims != "int":
        kwargs["keepdim"] = d.bool()
    if dtype and d.maybe(0.3):
        kwargs["dtype"] = dtype_arg(d, ("float64", "float32", "float16", "int64", "int32", "bool"))
    if correction and d.maybe(0.5):
        if d.bool():
            kwargs["correction"] = d.choice((0, 1, 2, -1, 1.5, 100))
        else:
            kwargs["unbiased"] = d.bool()
    if p and d.maybe(0.6):
        kwargs["p"] = d.choice((2, 1, "fro", "nuc", math.inf, -math.inf, 0, 3, 0.5, -1, "bad"))
    return Call((x,), kwargs)


def red(**options: Any) -> Callable[[Draw], Call]:
    return lambda d: reduce(d, **options)


def p_softmax(d: Draw) -> Call:
    x = d.tensor(dtype=d.choice((FLOATS, FLOATS, ("int64",))))
    kwargs: dict[str, Any] = {"dim": d.dim(x.array.ndim)}
    if d.maybe(0.3):
        kwargs["dtype"] = dtype_arg(d, ("float64", "float32", "float16", "int64"))
    return Call((x,), kwargs)


def matrix(d: Draw, rows: int, cols: int, dtypes: tuple[str, ...] | None = None) -> T:
    return d.tensor(shape=(rows, cols), dtype=dtypes)


def linalg_dtypes(d: Draw) -> tuple[str, ...]:
    return d.choice((("float32",), ("float64",), FLOATS, ("int64", "float32"), ("int64",), ("bool",)))


def p_mm(d: Draw) -> Call:
    dt = linalg_dtypes(d)
    n, k, m = d.int(0, 3), d.int(0, 3), d.int(0, 3)
    if d.maybe(0.25):
        return Call((d.tensor(dtype=dt), d.tensor(dtype=dt)))
    return Call((matrix(d, n, k, dt), matrix(d, k if d.maybe(0.85) else k + 1, m, dt)))


def p_bmm(d: Draw) -> Call:
    dt = linalg_dtypes(d)
    b, n, k, m = d.int(0, 2), d.int(0, 3), d.int(0, 3), d.int(0, 3)
    if d.maybe(0.25):
        return Call((d.tensor(dtype=dt), d.tensor(dtype=dt)))
    b2 = b if d.maybe(0.85) else b + 1
    return Call((d.tensor(shape=(b, n, k), dtype=dt), d.tensor(shape=(b2, k, m), dtype=dt)))


def p_matmul(d: Draw) -> Call:
    dt = linalg_dtypes(d)
    k = d.int(0, 3)
    a = (*d.shape(0, 3, 1, 3), k)
    b = (*d.shape(0, 2, 1, 3), k if d.maybe(0.85) else k + 1, d.int(0, 3))
    if d.maybe(0.2):
        a = a[-1:]
    if d.maybe(0.2):
        b = b[-2:-1]
    if d.maybe(0.1):
        a = ()
    return Call((d.tensor(shape=a, dtype=dt), d.tensor(shape=b, dtype=dt)))


def p_vectors(d: Draw) -> Call:
    dt = linalg_dtypes(d)
    n = d.int(0, 4)
    m = n if d.maybe(0.7) else d.int(0, 4)
    a = d.tensor(shape=(n,), dtype=dt) if d.maybe(0.85) else d.tensor(dtype=dt)
    return Call((a, d.tensor(shape=(m,), dtype=dt)))


def p_linear(d: Draw) -> Call:
    dt = linalg_dtypes(d)
    i, o = d.int(0, 3), d.int(0, 3)
    x = d.tensor(shape=(*d.shape(0, 2, 0, 3), i), dtype=dt) if d.maybe(0.85) else d.tensor(dtype=dt)
    w = d.tensor(shape=(o, i if d.maybe(0.85) else i + 1), dtype=dt) if d.maybe(0.9) else d.tensor(dtype=dt)
    args: tuple[Any, ...] = (x, w)
    if d.bool():
        args += (d.tensor(shape=(o,) if d.maybe(0.8) else (o + 1,), dtype=dt),)
    return Call(args)


def p_bilinear(d: Draw) -> Call:
    n, i1, i2, o = d.int(0, 2), d.int(1, 3), d.int(1, 3), d.int(1, 3)
    x1 = d.tensor(shape=(n, i1), dtype=FLOATS[:2])
    x2 = d.tensor(shape=(n if d.maybe(0.85) else n + 1, i2), dtype=x1.array.dtype.name)
    w = d.tensor(shape=(o, i1, i2 if d.maybe(0.85) else i2 + 1), dtype=x1.array.dtype.name)
    args: tuple[Any, ...] = (x1, x2, w)
    if d.bool():
        args += (d.tensor(shape=(o,), dtype=x1.array.dtype.name),)
    return Call(args)


EINSUM = (
    ("ij,jk->ik", 2),
    ("ii->i", 1),
    ("ij->", 1),
    ("bij,bjk->bik", 2),
    ("i,i->", 2),
    ("...ij->...ji", 1),
    ("ij,jk->il", 2),
    ("ij->ij->", 1),
    ("ab", 2),
    ("i j , j k -> i k", 2),
    ("ij,jk", 2),
    ("Ab,bc->Ac", 2),
    ("", 1),
)


def p_einsum(d: Draw) -> Call:
    eq, count = d.choice(EINSUM)
    dt = linalg_dtypes(d)
    n = d.int(0, 3)
    operands = tuple(d.tensor(shape=(n,) * d.int(1, 3), dtype=dt) for _ in range(count))
    if d.maybe(0.2):
        return Call((eq, list(operands)))
    return Call((eq, *operands))


def p_bound(d: Draw) -> Call:
    x = d.tensor()
    bound = d.tensor(shape=broadcastable(d, x.array.shape), dtype=x.array.dtype.name) if d.maybe(0.3) else None
    return Call((x, bound if bound is not None else d.choice((0, -1.0, 1.0, math.nan, math.inf, 1e38))))


def p_lerp(d: Draw) -> Call:
    x = d.tensor(dtype=d.choice((FLOATS, FLOATS, ("int64",))))
    end = d.tensor(shape=broadcastable(d, x.array.shape), dtype=x.array.dtype.name) if d.maybe(0.9) else d.tensor()
    # A weight tensor of another dtype meets torch's promotion quirks (a 0-d one promotes all three operands).
    weight = (
        d.choice((0.0, 0.5, 1.0, -1.0, 2.0))
        if d.bool()
        else d.tensor(shape=broadcastable(d, x.array.shape), dtype=x.array.dtype.name)
    )
    return Call((x, end, weight))


TENSOR_PATTERNS: dict[str, Callable[[Draw], Call]] = {
    "manual_seed": p_manual_seed,
    "set_rng_state": p_set_rng_state,
    "set_default_dtype": p_set_default_dtype,
    "promote_types": p_promote_types,
    "zeros": p_shape,
    "ones": p_shape,
    "empty": p_shape,
    "rand": p_shape,
    "randn": p_shape,
    "full": p_full,
    "zeros_like": p_like,
    "ones_like": p_like,
    "empty_like": p_like,
    "rand_like": p_like,
    "randn_like": p_like,
    "full_like": p_full_like,
    "arange": p_arange,
    "linspace": p_linspace,
    "logspace": lambda d: p_linspace(d, base=True),
    "eye": p_eye,
    "randint": p_randint,
    "randint_like": p_randint_like,
    "randperm": p_randperm,
    "normal": p_normal,
    "bernoulli": p_bernoulli,
    "multinomial": p_multinomial,
    "tensor": p_tensor,
    "as_tensor": p_as_tensor,
    "from_numpy": p_from_numpy,
    "cast": p_cast,
    "move": p_move,
    "clone": unary,
    "contiguous": unary,
    "add": bin_(alpha=(1, 2, 0.5, -1, math.nan, True)),
    "sub": bin_(alpha=(1, 2, 0.5, -1, math.nan, True)),
    "rsub": bin_(scalar_first=False, alpha=(1, 2, 0.5)),
    "mul": bin_(),
    "div": bin_(rounding_mode=(None, "trunc", "floor", "bad")),
    "true_divide": bin_(),
    "floor_divide": bin_(),
    "remainder": bin_(),
    "pow": bin_(),
    "maximum": bin_(scalar_first=False),
    "minimum": bin_(scalar_first=False),
    "clamp": p_clamp,
    "clip": p_clamp,
    "masked_fill": p_masked_fill,
    "where": p_where,
    "nan_to_num": p_nan_to_num,
    "round": p_round,
    "celu": act(alpha=(1.0, 0.0, -1.0, 2.0, math.nan), inplace=INPLACE),
    "elu": act(alpha=(1.0, 0.0, -1.0, 2.0, math.nan), inplace=INPLACE),
    "gelu": act(approximate=("none", "tanh", "bad")),
    "hardsigmoid": act(inplace=INPLACE),
    "hardswish": act(inplace=INPLACE),
    "hardtanh": act(min_val=(-1.0, 1.0, 2.0, math.nan), max_val=(1.0, -2.0, math.inf), inplace=INPLACE),
    "leaky_relu": act(negative_slope=SLOPES, inplace=INPLACE),
    "mish": act(inplace=INPLACE),
    "relu": act(inplace=INPLACE),
    "relu6": act(inplace=INPLACE),
    "selu": act(inplace=INPLACE),
    "silu": act(inplace=INPLACE),
    "softplus": act(beta=(1.0, 2.0, 0.0, -1.0, math.nan), threshold=(20.0, 0.0, -1.0, math.inf)),
    "log_softmax": p_softmax,
    "softmax": p_softmax,
    "softmin": p_softmax,
    "all": red(),
    "any": red(),
    "amax": red(),
    "amin": red(),
    "argmax": red(dims="int_or_none"),
    "argmin": red(dims="int_or_none"),
    "cumprod": red(dims="int", dtype=True),
    "cumsum": red(dims="int", dtype=True),
    "logsumexp": red(),
    "max": p_max_min,
    "min": p_max_min,
    "mean": red(dtype=True),
    "sum": red(dtype=True),
    "prod": red(dims="int_or_none", dtype=True),
    "norm": red(dtype=True, p=True),
    "std": red(correction=True),
    "var": red(correction=True),
    "std_mean": red(correction=True),
    "var_mean": red(correction=True),
    "bmm": p_bmm,
    "mm": p_mm,
    "matmul": p_matmul,
    "dot": p_vectors,
    "outer": p_vectors,
    "linear": p_linear,
    "bilinear": p_bilinear,
    "einsum": p_einsum,
    "t": unary,
    "equal": lambda d: tensor_pair(d),
    "bitwise_and": bin_(scalar_first=False),
    "bitwise_or": bin_(scalar_first=False),
    "bitwise_xor": bin_(scalar_first=False),
    "clamp_min": p_bound,
    "clamp_max": p_bound,
    "is_tensor": unary,
    "numel": unary,
    "is_floating_point": unary,
    "lerp": p_lerp,
}
BINARY_NAMES = (
    "eq ne lt le gt ge greater greater_equal less less_equal not_equal logical_and logical_or logical_xor"
).split()
UNARY_NAMES = (
    "abs absolute ceil floor trunc sign neg negative square isfinite isinf isnan logical_not bitwise_not "
    "cos sin exp expm1 erf log log1p log2 log10 reciprocal rsqrt sqrt sigmoid tanh logsigmoid softsign "
    "tanhshrink"
).split()
for _name in BINARY_NAMES:
    TENSOR_PATTERNS[_name] = bin_(scalar_first=False)
for _name in UNARY_NAMES:
    TENSOR_PATTERNS[_name] = unary_float
