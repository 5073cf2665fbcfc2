"""Argument patterns for the sorting and search ops (sort, topk, nonzero, unique, bincount, meshgrid, trace)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.fuzz.harness import FLOATS, Call, Draw
from tests.fuzz.tensor_patterns import unary


def p_sort(d: Draw) -> Call:
    x = d.tensor()
    kwargs: dict[str, Any] = {"stable": True}  # without it, tied values may come in any order in torch
    if d.bool():
        kwargs["descending"] = d.bool()
    if d.bool():
        kwargs["dim"] = d.dim(x.array.ndim)
    return Call((x,), kwargs)


def p_topk(d: Draw) -> Call:
    x = d.tensor()
    dim = d.dim(x.array.ndim) if d.bool() else -1
    size = x.array.shape[dim] if x.array.ndim and -x.array.ndim <= dim < x.array.ndim else 1
    kwargs: dict[str, Any] = {"dim": dim, "largest": d.bool()} if d.bool() else {}
    return Call((x, d.int(-1, size + 1)), kwargs)


def p_nonzero(d: Draw) -> Call:
    return Call((d.tensor(),), {"as_tuple": d.bool()} if d.bool() else {})


def p_unique(d: Draw) -> Call:
    x = d.tensor()
    kwargs: dict[str, Any] = {name: d.bool() for name in ("return_inverse", "return_counts") if d.bool()}
    if d.maybe(0.3):
        kwargs["dim"] = d.dim(x.array.ndim)
    return Call((x,), kwargs)


def p_bincount(d: Draw) -> Call:
    n = d.int(0, 5)
    x = d.index((n,), 5) if d.maybe(0.8) else d.tensor()
    kwargs: dict[str, Any] = {}
    if n and d.maybe(0.4):  # torch 2.13 gives int64 for an empty input with weights, shendu the weights' dtype
        kwargs["weights"] = d.tensor(shape=(n,) if d.maybe(0.85) else (n + 1,), dtype=FLOATS[:2])
    if d.maybe(0.3):
        kwargs["minlength"] = d.int(0, 7)
    return Call((x,), kwargs)


def p_meshgrid(d: Draw) -> Call:
    dt = d.choice(("float32", "int64"))
    tensors = [d.tensor(max_rank=1 if d.maybe(0.9) else 2, dtype=dt) for _ in range(d.int(1, 3))]
    return Call(tuple(tensors), {"indexing": d.choice(("ij", "xy"))})


SEARCH_PATTERNS: dict[str, Callable[[Draw], Call]] = {
    "sort": p_sort,
    "argsort": p_sort,
    "topk": p_topk,
    "nonzero": p_nonzero,
    "argwhere": unary,
    "unique": p_unique,
    "bincount": p_bincount,
    "meshgrid": p_meshgrid,
    "trace": lambda d: Call((d.tensor(min_rank=2 if d.maybe(0.85) else 0),)),
}
