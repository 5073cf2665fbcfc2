"""Shared test helpers: one line per op case.

``check(fn, *inputs)`` runs ``fn(lib, *tensors)`` with ``lib`` = torch and
``lib`` = shendu on the same data, then compares forward values, shapes,
dtypes and the gradient of every floating-point input, in float64 (to 1e-10)
and float32 (to rtol 1e-5). ``grad_check(fn, *inputs)`` compares shendu's
analytic gradients with float64 finite differences.

Inputs are shapes (filled with seeded normal values), NumPy arrays (used as
given; integer and bool arrays never require grad), or Python scalars.

``SHENDU_TEST_DEVICE=cuda`` runs shendu's side of every comparison on the GPU
(torch stays on the CPU as the reference), so the same cases check the CuPy paths.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import shendu

TEST_DEVICE = os.environ.get("SHENDU_TEST_DEVICE", "cpu")
COUNTS: Counter[str] = Counter()
# Measured figures the suite reports at the end (e.g. RSS growth), by name.
FIGURES: dict[str, str] = {}

TORCH_DTYPES = {
    torch.float16: "float16",
    torch.float32: "float32",
    torch.float64: "float64",
    torch.uint8: "uint8",
    torch.int8: "int8",
    torch.int16: "int16",
    torch.int32: "int32",
    torch.int64: "int64",
    torch.bool: "bool",
}


class Fixed:
    """An input array used exactly as given, never cast to the run's dtype (e.g. a float64 0-d operand)."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array


_TOLERANCE = {"float64": (1e-10, 1e-10), "float32": (1e-5, 1e-6), "float16": (1e-3, 1e-3)}


def _tolerance(
    run_dtype: str, value_dtype: str, rtol: float | dict[str, float] | None, atol: float | dict[str, float] | None
) -> tuple[float, float]:
    """The looser of the run's and the value's tolerances: float32 results of a float64 run get float32's.

    An override given as a dict applies to the runs of the dtypes it names only.
    """
    r1, a1 = _TOLERANCE.get(run_dtype, (0.0, 0.0))
    r2, a2 = _TOLERANCE.get(value_dtype, (0.0, 0.0))
    if isinstance(rtol, dict):
        rtol = rtol.get(run_dtype)
    if isinstance(atol, dict):
        atol = atol.get(run_dtype)
    return (rtol if rtol is not None else max(r1, r2)), (atol if atol is not None else max(a1, a2))


def _in_hypothesis() -> bool:
    from hypothesis import currently_in_test_context

    return currently_in_test_context()


def make_inputs(
    inputs: tuple[Any, ...],
    dtype: np.dtype,
    seed: int,
    low: float | None,
    high: float | None,
    transform: Callable[[np.ndarray], np.ndarray] | None,
) -> list[Any]:
    rng = np.random.default_rng(seed)
    arrays: list[Any] = []
    for spec in inputs:
        if isinstance(spec, tuple):
            if low is not None:
                values = rng.uniform(low, high, size=spec)
            else:
                values = rng.standard_normal(spec)
            if transform is not None:
                values = transform(values)
            arrays.append(np.asarray(values, dtype=dtype))
        elif isinstance(spec, Fixed):
            arrays.append(spec.array)
        elif isinstance(spec, np.ndarray) and spec.dtype.kind == "f":
            arrays.append(spec.astype(dtype))
        else:
            arrays.append(spec)
    return arrays


def _noncontiguous(array: np.ndarray) -> np.ndarray:
    """The same values, laid out so that the array is a non-contiguous (transposed) view."""
    if array.ndim < 2:
        return np.repeat(array, 2)[::2] if array.ndim == 1 else array
    return np.ascontiguousarray(array.swapaxes(-1, -2)).swapaxes(-1, -2)


def on_test_device(array: np.ndarray) -> shendu.Tensor:
    """A shendu tensor holding ``array`` on the device under test (``$SHENDU_TEST_DEVICE``, default cpu)."""
    t = shendu.from_numpy(array)
    return t if TEST_DEVICE == "cpu" else t.to(TEST_DEVICE)


def _to_lib(lib: Any, value: Any, requires_grad: bool) -> Any:
    if not isinstance(value, np.ndarray):
        return value
    if lib is torch:
        t = torch.from_numpy(value.copy())
    else:
        t = on_test_device(value.copy() if value.flags.c_contiguous else _copy_layout(value))
    if requires_grad and value.dtype.kind == "f":
        t.requires_grad_(True)
    return t


def _copy_layout(value: np.ndarray) -> np.ndarray:
    copy = np.empty_like(value.swapaxes(-1, -2) if value.ndim >= 2 else value)
    if value.ndim >= 2:
        copy = copy.swapaxes(-1, -2)
    copy[...] = value
    return copy


def backward_both(pairs: list[tuple[Any, Any]], rng: np.random.Generator, dtype: Any) -> None:
    """Backward through each (torch output, shendu output) pair with the same random output gradients."""
    weights = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t, _ in pairs]
    torch.autograd.backward([t for t, _ in pairs], [torch.from_numpy(w) for w in weights])
    shendu.autograd.backward([s for _, s in pairs], [on_test_device(w.copy()) for w in weights])


def _flatten(out: Any) -> list[Any]:
    if isinstance(out, (tuple, list)):
        flat: list[Any] = []
        for item in out:
            flat.extend(_flatten(item))
        return flat
    return [out]


def _as_numpy(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().numpy()
    if isinstance(value, shendu.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _dtype_name(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return TORCH_DTYPES[value.dtype]
    return value.dtype.name


def _assert_close(name: str, got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> None:
    assert got.shape == want.shape, f"{name}: shape {got.shape} != torch's {want.shape}"
    if want.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want, err_msg=name)
    else:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True, err_msg=name)


def check(
    fn: Callable[..., Any],
    *inputs: Any,
    dtypes: tuple[str, ...] = ("float64", "float32"),
    grad: bool = True,
    low: float | None = None,
    high: float | None = None,
    transform: Callable[[np.ndarray], np.ndarray] | None = None,
    noncontiguous: bool = False,
    rtol: float | dict[str, float] | None = None,
    atol: float | dict[str, float] | None = None,
    seed: int = 0,
    torch_fn: Callable[..., Any] | None = None,
) -> None:
    """Run ``fn(lib, *tensors)`` in torch and shendu and compare values, shapes, dtypes and gradients.

    Args:
        fn: called as ``fn(torch, *torch_tensors)`` and ``fn(shendu, *shendu_tensors)``.
        inputs: shapes (random normal data), NumPy arrays (float ones cast to the run's dtype),
            ``Fixed(array)`` (used exactly as given), or plain Python values.
        dtypes: the float dtypes to run in. Default: float64 then float32.
        grad: compare the gradients of every float input. Default: True.
        low, high: draw values uniformly from [low, high) instead of a normal distribution.
        transform: applied to generated values (e.g. ``np.abs`` for a positive domain).
        noncontiguous: make every array input a transposed, non-contiguous view.
        rtol, atol: override the tolerances (give a reason in a comment when loosening), for every
            dtype or as a dict by dtype name (``{"float32": 1e-5}``).
        torch_fn: a different function to call for torch, where the names differ.
    """
    for dtype_name in dtypes:
        dtype = np.dtype(dtype_name)
        arrays = make_inputs(inputs, dtype, seed, low, high, transform)
        if noncontiguous:
            arrays = [_noncontiguous(a) if isinstance(a, np.ndarray) else a for a in arrays]
        t_in = [_to_lib(torch, a, grad) for a in arrays]
        s_in = [_to_lib(shendu, a, grad) for a in arrays]
        t_out = (torch_fn or fn)(torch, *t_in)
        with shendu.device(TEST_DEVICE):
            s_out = fn(shendu, *s_in)
        t_flat, s_flat = _flatten(t_out), _flatten(s_out)
        assert len(t_flat) == len(s_flat), f"torch returned {len(t_flat)} outputs, shendu {len(s_flat)}"
        for i, (t, s) in enumerate(zip(t_flat, s_flat)):
            if isinstance(t, torch.Tensor):
                assert isinstance(s, shendu.Tensor), f"output {i}: expected a Tensor, got {type(s).__name__}"
                assert _dtype_name(s) == _dtype_name(t), f"output {i}: dtype {s.dtype} != torch's {t.dtype}"
                assert tuple(s.shape) == tuple(t.shape), f"output {i}: shape {tuple(s.shape)} != {tuple(t.shape)}"
                tol_r, tol_a = _tolerance(dtype_name, _dtype_name(t), rtol, atol)
                _assert_close(f"[{dtype_name}] output {i}", _as_numpy(s), _as_numpy(t), tol_r, tol_a)
            else:
                assert s == t, f"output {i}: {s!r} != torch's {t!r}"
        if grad:
            rng = np.random.default_rng(seed + 1)
            pairs = [
                (t, s)
                for t, s in zip(t_flat, s_flat)
                if isinstance(t, torch.Tensor) and t.requires_grad and t.dtype.is_floating_point
            ]
            if pairs:
                backward_both(pairs, rng, dtype)
                for i, (t, s) in enumerate(zip(t_in, s_in)):
                    if isinstance(t, torch.Tensor) and t.requires_grad:
                        if t.grad is None:
                            assert s.grad is None or not np.any(_as_numpy(s.grad)), f"input {i}: torch has no grad"
                            continue
                        assert s.grad is not None, f"input {i}: shendu computed no gradient"
                        assert s.grad.dtype == s.dtype, f"input {i}: grad dtype {s.grad.dtype} != {s.dtype}"
                        got = _as_numpy(s.grad)
                        _assert_close(f"[{dtype_name}] grad of input {i}", got, t.grad.numpy(), tol_r, tol_a)
    # One case, however many dtypes it ran in.
    COUNTS["hypothesis cases compared with torch" if _in_hypothesis() else "op cases compared with torch"] += 1


def grad_check(
    fn: Callable[..., Any],
    *inputs: Any,
    low: float | None = None,
    high: float | None = None,
    transform: Callable[[np.ndarray], np.ndarray] | None = None,
    seed: int = 0,
    atol: float = 1e-6,
    rtol: float = 1e-4,
) -> None:
    """Float64 finite-difference check of ``fn(shendu, *tensors)``'s gradients."""
    arrays = make_inputs(inputs, np.dtype("float64"), seed, low, high, transform)
    tensors = [_to_lib(shendu, a, True) for a in arrays]
    with shendu.device(TEST_DEVICE):
        assert shendu.autograd.gradcheck(lambda *xs: fn(shendu, *xs), tensors, atol=atol, rtol=rtol)
    COUNTS["float64 gradchecks"] += 1


def check_grad_grad(
    fn: Callable[..., Any],
    *inputs: Any,
    dtypes: tuple[str, ...] = ("float64",),
    low: float | None = None,
    high: float | None = None,
    transform: Callable[[np.ndarray], np.ndarray] | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    seed: int = 0,
) -> None:
    """Second derivatives against torch: the first gradients (taken with ``create_graph=True`` and random
    output weights that themselves require grad) are weighted again and differentiated, with respect to
    the inputs and to the output weights; values and every second-order gradient are compared."""
    for dtype_name in dtypes:
        dtype = np.dtype(dtype_name)
        arrays = make_inputs(inputs, dtype, seed, low, high, transform)
        results = {}
        for lib in (torch, shendu):
            ins = [_to_lib(lib, a, True) for a in arrays]
            with shendu.device(TEST_DEVICE) if lib is shendu else contextlib.nullcontext():
                outs = [o for o in _flatten(fn(lib, *ins)) if isinstance(o, lib.Tensor) and o.requires_grad]
                rng = np.random.default_rng(seed + 1)
                weights = [_to_lib(lib, rng.standard_normal(tuple(o.shape)).astype(dtype), True) for o in outs]
                diff = [t for t in ins if isinstance(t, lib.Tensor) and t.requires_grad]
                firsts = lib.autograd.grad(outs, diff, weights, create_graph=True, allow_unused=True)
                probes = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t in diff]
                terms = [
                    (g * _to_lib(lib, v, False)).sum()
                    for g, v in zip(firsts, probes)
                    if g is not None and g.requires_grad
                ]
                seconds: tuple[Any, ...] = ()
                if terms:
                    total = terms[0]
                    for term in terms[1:]:
                        total = total + term
                    seconds = lib.autograd.grad(total, diff + weights, allow_unused=True)
            results[lib] = ([g for g in firsts], list(seconds))
        (t_first, t_second), (s_first, s_second) = results[torch], results[shendu]
        tol_r, tol_a = _tolerance(dtype_name, dtype_name, rtol, atol)
        for kind, t_list, s_list in (("first", t_first, s_first), ("second", t_second, s_second)):
            assert len(t_list) == len(s_list), f"{kind}: torch gave {len(t_list)} gradients, shendu {len(s_list)}"
            for i, (t, s) in enumerate(zip(t_list, s_list)):
                if t is None or s is None:
                    present = t if t is not None else s
                    assert present is None or not np.any(_as_numpy(present)), f"[{dtype_name}] {kind} gradient {i}"
                    continue
                _assert_close(f"[{dtype_name}] {kind} gradient {i}", _as_numpy(s), _as_numpy(t), tol_r, tol_a)
        COUNTS["second-derivative cases compared with torch"] += 1
