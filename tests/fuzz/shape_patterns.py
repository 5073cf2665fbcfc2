"""Argument patterns for the shape, indexing and attention ops (joins, views, gathers and scatters)."""

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
)
from tests.fuzz.tensor_patterns import broadcastable, tensor_pair, unary


def p_cat(d: Draw) -> Call:
    x = d.tensor(min_rank=0, max_rank=3)
    tensors = [x]
    for _ in range(d.int(0, 2)):
        shape = list(x.array.shape)
        if shape and d.bool():
            shape[d.int(0, len(shape) - 1)] = d.int(0, 3)
        tensors.append(d.tensor(shape=tuple(shape) if d.maybe(0.85) else d.shape()))
    if d.maybe(0.1):
        tensors = []
    dim = d.dim(x.array.ndim + 1)
    return Call((tuple(tensors) if d.bool() else tensors,), {"dim": dim} if d.bool() else {})


def shape_arg(d: Draw, numel: int) -> tuple[Any, ...]:
    kind = d.choice(("flat", "minus", "split", "bad", "two_minus", "negative", "empty"))
    if kind == "flat":
        return (numel,)
    if kind == "minus":
        return (-1,)
    if kind == "split":
        return (1, numel, 1)
    if kind == "two_minus":
        return (-1, -1)
    if kind == "negative":
        return (-2, max(numel, 1))
    if kind == "empty":
        return ()
    return (numel + 1,)


def p_reshape(d: Draw) -> Call:
    x = d.tensor()
    shape = shape_arg(d, x.array.size)
    if d.bool():
        return Call((x, shape))
    return Call((x, *shape))


def p_expand(d: Draw) -> Call:
    x = d.tensor(max_rank=3, high=3)
    target = list(x.array.shape)
    target = [d.choice((s, -1, s + 1, 3 if s == 1 else s)) for s in target]
    target = [d.int(0, 3) for _ in range(d.int(0, 2))] + target
    if d.maybe(0.1):
        target = target[1:]
    return Call((x, *target)) if d.bool() else Call((x, tuple(target)))


def perm(d: Draw, ndim: int) -> list[int]:
    order = list(range(ndim))
    order = [order[i] for i in np.random.default_rng(d.int(0, 99)).permutation(ndim)]
    if d.maybe(0.2) and ndim:
        order[0] = order[-1]
    if d.maybe(0.1):
        order.append(ndim)
    if d.maybe(0.2) and ndim:
        order[-1] -= ndim
    return order


def p_permute(d: Draw) -> Call:
    x = d.tensor()
    order = perm(d, x.array.ndim)
    return Call((x, *order)) if d.bool() else Call((x, tuple(order)))


def p_two_dims(d: Draw) -> Call:
    x = d.tensor()
    return Call((x, d.dim(x.array.ndim), d.dim(x.array.ndim)))


def p_dim(d: Draw) -> Call:
    x = d.tensor()
    return Call((x, d.dim(x.array.ndim)))


def p_unsqueeze(d: Draw) -> Call:
    x = d.tensor()
    return Call((x, d.dim(x.array.ndim + 1)))


def p_squeeze(d: Draw) -> Call:
    x = d.tensor(low=1, high=2)
    kind = d.choice(("none", "int", "tuple"))
    if kind == "none":
        return Call((x,))
    if kind == "int":
        return Call((x, d.dim(x.array.ndim)))
    return Call((x, tuple(d.dim(x.array.ndim) for _ in range(d.int(0, 2)))))


def p_flatten(d: Draw) -> Call:
    x = d.tensor()
    n = x.array.ndim
    return Call((x,), {"start_dim": d.dim(n), "end_dim": d.dim(n)} if d.bool() else {})


def p_unflatten(d: Draw) -> Call:
    x = d.tensor(min_rank=1)
    dim = d.dim(x.array.ndim)
    size = x.array.shape[dim] if -x.array.ndim <= dim < x.array.ndim else 1
    sizes_ = d.choice(((size,), (1, size), (-1, 1), (size, -1), (2, -1), (-1, -1), (size + 1,), ()))
    return Call((x, dim, sizes_))


def p_narrow(d: Draw) -> Call:
    x = d.tensor(min_rank=1 if d.maybe(0.9) else 0)
    dim = d.dim(x.array.ndim)
    return Call((x, dim, d.int(-4, 4), d.int(-1, 4)))


def p_select(d: Draw) -> Call:
    x = d.tensor(min_rank=1 if d.maybe(0.9) else 0)
    return Call((x, d.dim(x.array.ndim), d.int(-5, 4)))


def p_chunk(d: Draw) -> Call:
    x = d.tensor(min_rank=1 if d.maybe(0.9) else 0)
    return Call((x, d.choice((1, 2, 3, 0, -1, 2.5))), {"dim": d.dim(x.array.ndim)} if d.bool() else {})


def p_split(d: Draw) -> Call:
    x = d.tensor(min_rank=1 if d.maybe(0.9) else 0)
    dim = d.dim(x.array.ndim)
    size = d.choice((1, 2, 0, -1, [1, 1], [0, 5], [-1, 2], [], 2.5))
    return Call((x, size), {"dim": dim} if d.bool() else {})


def p_flip(d: Draw) -> Call:
    x = d.tensor()
    dims = [d.dim(x.array.ndim) for _ in range(d.int(0, 2))]
    return Call((x, dims)) if d.bool() else Call((x, *dims))


def p_roll(d: Draw) -> Call:
    x = d.tensor()
    kind = d.choice(("flat", "int", "tuple", "mismatch"))
    if kind == "flat":
        return Call((x, d.int(-5, 5)))
    if kind == "int":
        return Call((x, d.int(-5, 5), d.dim(x.array.ndim)))
    if kind == "tuple":
        return Call((x, (d.int(-5, 5), 1), (d.dim(x.array.ndim), d.dim(x.array.ndim))))
    return Call((x, (1, 2), (0,)))


def p_repeat(d: Draw) -> Call:
    x = d.tensor(max_rank=3, high=3)
    reps = [d.int(0, 2) for _ in range(x.array.ndim + d.int(-1, 1))]
    if d.maybe(0.15) and reps:
        reps[0] = -1
    return Call((x, *reps)) if d.bool() else Call((x, tuple(reps)))


def p_repeat_interleave(d: Draw) -> Call:
    x = d.tensor(max_rank=3, high=3)
    kind = d.choice(("int", "tensor", "dim", "neg", "self"))
    if kind == "int":
        return Call((x, d.int(0, 3)))
    if kind == "neg":
        return Call((x, -1))
    if kind == "self":
        return Call((d.tensor(shape=(d.int(0, 4),), dtype=("int64", "int32", "float32")),))
    dim = d.dim(x.array.ndim)
    size = x.array.shape[dim] if x.array.ndim and -x.array.ndim <= dim < x.array.ndim else 1
    reps = d.index((size if d.maybe(0.8) else size + 1,), 3)
    if kind == "tensor":
        return Call((x, reps, dim))
    return Call((x, d.int(0, 3)), {"dim": dim})


def p_movedim(d: Draw) -> Call:
    x = d.tensor()
    n = x.array.ndim
    if d.bool():
        return Call((x, d.dim(n), d.dim(n)))
    return Call((x, (d.dim(n), d.dim(n)), (d.dim(n),)))


def p_pad(d: Draw) -> Call:
    x = d.tensor(min_rank=1)
    n = d.choice((2, 2, 4, 1, 6, 8))
    pads = tuple(d.choice((0, 1, 2, -1, -5)) for _ in range(n))
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["mode"] = d.choice(("constant", "reflect", "replicate", "circular", "bad"))
    if d.bool():
        kwargs["value"] = d.choice((0.0, 1.5, math.nan, math.inf))
    return Call((x, pads), kwargs)


def p_pixel_shuffle(d: Draw) -> Call:
    factor = d.choice((2, 2, 1, 3, 0, -1, 1.5, True))
    c = d.choice((4, 8, 9, 3, 0))
    shape = (*d.shape(0, 2, 0, 2), c, d.int(0, 3), d.int(0, 3)) if d.maybe(0.8) else d.shape()
    return Call((d.tensor(shape=shape, dtype=d.choice((FLOATS, ("int64",)))), factor))


def p_pixel_unshuffle(d: Draw) -> Call:
    # No empty inputs: torch 2.13 returns them unchanged, where shendu (and the definition) rearrange
    # their shape (tests/ops/test_pixel_shuffle.py shows both).
    factor = d.choice((2, 2, 1, 3, 0, -1, 1.5))
    lead = (*d.shape(0, 2, 1, 2), d.int(1, 3))
    shape = (*lead, d.choice((2, 4, 3)), d.choice((2, 4, 6, 5))) if d.maybe(0.8) else d.shape(low=1)
    return Call((d.tensor(shape=shape, dtype=d.choice((FLOATS, ("int64",)))), factor))


def p_attention(d: Draw) -> Call:
    """scaled_dot_product_attention: (..., L, E) queries against (..., S, E) keys and (..., S, Ev) values."""
    batch = d.shape(0, 2, 1, 3)
    length, source, embed = d.int(0, 3), d.int(0, 3), d.int(1, 3)
    dt = d.choice(("float32", "float32", "float64", "float16", "int64"))
    shapes = [(*batch, length, embed), (*batch, source, embed), (*batch, source, d.int(1, 3))]
    if d.maybe(0.2):
        shapes[d.int(0, 2)] = d.shape()
    q, k, v = (d.tensor(shape=shape, dtype=dt, mode="normal") for shape in shapes)
    kwargs: dict[str, Any] = {}
    if d.maybe(0.4):
        mask_shape = (length, source) if d.maybe(0.8) else d.shape(0, 3)
        kwargs["attn_mask"] = d.tensor(shape=mask_shape, dtype=d.choice(("bool", "bool", dt, "int64")), mode="normal")
    elif d.maybe(0.3):
        kwargs["is_causal"] = True
    if d.maybe(0.3):
        kwargs["scale"] = d.choice((0.5, 2.0, 0.0))
    if d.maybe(0.2):
        kwargs["dropout_p"] = d.choice((0.0, 1.0, 1.5))
    return Call((q, k, v), kwargs)


def p_multi_head_attention(d: Draw) -> Call:
    """multi_head_attention_forward with projection weights of the right sizes, most of the time."""
    embed, heads = d.choice((4, 4, 6, 3)), d.choice((2, 2, 1, 3, 4))
    length, source, batch = d.int(1, 3), d.int(1, 3), d.int(1, 2)
    dt = d.choice(("float32", "float32", "float64", "int64"))
    batched = d.maybe(0.8)

    def seq(n: int) -> T:
        shape = (n, batch, embed) if batched else (n, embed)
        return d.tensor(shape=shape if d.maybe(0.9) else d.shape(), dtype=dt, mode="normal")

    def weight(*shape: int) -> T:
        return d.tensor(shape=shape, dtype=dt, mode="normal")

    query, key = seq(length), seq(source)
    value = key if d.bool() else seq(source)
    args = (query, key, value, embed, heads, weight(3 * embed, embed), weight(3 * embed) if d.bool() else None)
    args += (None, None, d.bool(), 0.0, weight(embed, embed), weight(embed))
    kwargs: dict[str, Any] = {"training": d.bool(), "need_weights": d.bool()}
    if d.maybe(0.3):
        kwargs["key_padding_mask"] = d.tensor(shape=(batch, source) if batched else (source,), dtype="bool")
    if d.maybe(0.3):
        kwargs["attn_mask"] = d.tensor(shape=(length, source), dtype=d.choice(("bool", dt)), mode="normal")
    if d.maybe(0.2):
        kwargs["average_attn_weights"] = False
    return Call(args, kwargs)


def p_as(d: Draw) -> Call:
    x = d.tensor(max_rank=3)
    shape = x.array.shape if d.bool() else broadcastable(d, x.array.shape) if d.bool() else d.shape()
    return Call((d.tensor(shape=shape), x))


def p_tri(d: Draw) -> Call:
    x = d.tensor(min_rank=2 if d.maybe(0.85) else 0)
    return Call((x,), {"diagonal": d.int(-5, 5)} if d.bool() else {})


def p_diag(d: Draw) -> Call:
    x = d.tensor(min_rank=1 if d.maybe(0.85) else 0, max_rank=2 if d.maybe(0.85) else 3)
    return Call((x,), {"diagonal": d.int(-5, 5)} if d.bool() else {})


def p_diagonal(d: Draw) -> Call:
    x = d.tensor(min_rank=2 if d.maybe(0.85) else 0)
    kwargs = {"offset": d.int(-5, 5)} if d.bool() else {}
    if d.bool():
        kwargs.update(dim1=d.dim(x.array.ndim), dim2=d.dim(x.array.ndim))
    return Call((x,), kwargs)


def coo_parts(d: Draw, rows: int, cols: int) -> tuple[T, T]:
    """The indices and values of a sparse (rows, cols) matrix, sometimes out of range or of the wrong shape."""
    nnz = d.int(0, 5)
    shape = (2, nnz) if d.maybe(0.85) else d.choice(((nnz,), (3, nnz), (2, nnz + 1)))
    indices = d.index(shape, max(min(rows, cols), 1), d.choice(("int64", "int64", "int32", "float32")))
    values = d.tensor(shape=(nnz,) if d.maybe(0.9) else (nnz, 2), dtype=d.choice((FLOATS, ("float32",))))
    return indices, values


def p_sparse_coo_tensor(d: Draw) -> Call:
    rows, cols = d.int(0, 4), d.int(0, 4)
    indices, values = coo_parts(d, rows, cols)
    return Call((indices, values, (rows, cols))) if d.maybe(0.8) else Call((indices, values))


def p_spmm(d: Draw) -> Call:
    rows, cols, out = d.int(1, 4), d.int(1, 4), d.int(0, 3)
    indices, values = coo_parts(d, rows, cols)
    dense = d.tensor(shape=(cols if d.maybe(0.85) else cols + 1, out), dtype=values.array.dtype.name)
    return Call((indices, values, (rows, cols), dense))


def p_gather(d: Draw) -> Call:
    x = d.tensor(min_rank=1 if d.maybe(0.9) else 0)
    dim = d.dim(x.array.ndim)
    shape = tuple(d.int(0, s) for s in x.array.shape) if d.maybe(0.8) else d.shape()
    index = d.index(shape, max(x.array.shape or (1,)), d.choice(("int64", "int64", "int32", "float32")))
    return Call((x, dim, index))


def p_index_select(d: Draw) -> Call:
    x = d.tensor(min_rank=1 if d.maybe(0.9) else 0)
    dim = d.dim(x.array.ndim)
    size = x.array.shape[dim] if x.array.ndim and -x.array.ndim <= dim < x.array.ndim else 1
    index = d.index(d.shape(1, 1) if d.maybe(0.9) else d.shape(2, 2), size, d.choice(("int64", "int32", "float32")))
    return Call((x, dim, index))


def p_masked_select(d: Draw) -> Call:
    x = d.tensor()
    shape = broadcastable(d, x.array.shape) if d.maybe(0.8) else d.shape()
    return Call((x, d.tensor(shape=shape, dtype=d.choice(("bool", "bool", "uint8", "float32")))))


def p_one_hot(d: Draw) -> Call:
    index = d.index(d.shape(0, 3), 4, d.choice(("int64", "int64", "int32", "float32")))
    return Call((index,), {"num_classes": d.choice((-1, 4, 2, 0, 10, -3))} if d.bool() else {})


def p_scatter(d: Draw, add: bool = False) -> Call:
    x = d.tensor(min_rank=1 if d.maybe(0.9) else 0)
    dim = d.dim(x.array.ndim)
    shape = tuple(d.int(0, s) for s in x.array.shape) if d.maybe(0.8) else d.shape()
    index = d.index(shape, max(x.array.shape or (1,)), d.choice(("int64", "int64", "int32")))
    src_shape = x.array.shape if d.maybe(0.8) else d.shape()
    src = d.tensor(shape=src_shape, dtype=x.array.dtype.name if d.maybe(0.8) else None)
    if add:
        return Call((x, dim, index, src))
    if d.maybe(0.3):
        return Call((x, dim, index), {"value": d.scalar()})
    if d.maybe(0.15):
        return Call((x, dim, index, src), {"value": 1.0})
    return Call((x, dim, index, src))


def p_isclose(d: Draw) -> Call:
    call = tensor_pair(d, None, rtol=(1e-5, 0.0, -1.0, math.nan), atol=(1e-8, 0.0, -1.0), equal_nan=(True, False))
    return call


def p_join(d: Draw) -> Call:
    return Call(p_cat(d).args[:1])


def p_broadcast_to(d: Draw) -> Call:
    call = p_expand(d)
    x, *target = call.args
    return Call((x, tuple(target[0]) if len(target) == 1 and isinstance(target[0], tuple) else tuple(target)))


SHAPE_PATTERNS: dict[str, Callable[[Draw], Call]] = {
    "cat": p_cat,
    "concat": p_cat,
    "concatenate": p_cat,
    "stack": p_cat,
    "chunk": p_chunk,
    "expand": p_expand,
    "expand_as": p_as,
    "reshape_as": p_as,
    "view_as": p_as,
    "flatten": p_flatten,
    "flip": p_flip,
    "moveaxis": p_movedim,
    "movedim": p_movedim,
    "narrow": p_narrow,
    "pad": p_pad,
    "pixel_shuffle": p_pixel_shuffle,
    "pixel_unshuffle": p_pixel_unshuffle,
    "scaled_dot_product_attention": p_attention,
    "multi_head_attention_forward": p_multi_head_attention,
    "permute": p_permute,
    "repeat": p_repeat,
    "tile": p_repeat,
    "repeat_interleave": p_repeat_interleave,
    "reshape": p_reshape,
    "view": p_reshape,
    "roll": p_roll,
    "select": p_select,
    "split": p_split,
    "squeeze": p_squeeze,
    "unsqueeze": p_unsqueeze,
    "swapaxes": p_two_dims,
    "swapdims": p_two_dims,
    "transpose": p_two_dims,
    "unbind": p_dim,
    "unflatten": p_unflatten,
    "gather": p_gather,
    "index_select": p_index_select,
    "masked_select": p_masked_select,
    "one_hot": p_one_hot,
    "scatter": p_scatter,
    "scatter_add": lambda d: p_scatter(d, add=True),
    "tril": p_tri,
    "triu": p_tri,
    "diag": p_diag,
    "diagonal": p_diagonal,
    "sparse_coo_tensor": p_sparse_coo_tensor,
    "spmm": p_spmm,
    "allclose": p_isclose,
    "isclose": p_isclose,
    "hstack": p_join,
    "vstack": p_join,
    "row_stack": p_join,
    "dstack": p_join,
    "column_stack": p_join,
    "atleast_1d": unary,
    "atleast_2d": unary,
    "atleast_3d": unary,
    "broadcast_to": p_broadcast_to,
}
