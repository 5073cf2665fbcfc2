"""The error function on NumPy and CuPy arrays, behind ``shendu.erf`` and the exact GELU.

NumPy has no erf, so shendu fits its own once, against Python's ``math.erf`` and ``math.erfc``:
near 0, ``erf(x) / x`` as a Chebyshev series in ``x**2`` (full relative precision for tiny x);
elsewhere ``erfc(|x|) * exp(x**2)``, which is smooth in ``t = 4 / (4 + |x|)`` all the way to
``|x| = inf``. Both are evaluated everywhere and picked with ``where``, so there is no
data-dependent indexing (cheap on GPUs).
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np

from ..backend import get_array_module
from ._common import quiet

__all__ = ["erf_array"]

_ERF_SMALL = 0.5
_ERF_TAIL_SCALE = 4.0
_ERF_DEGREES = {"f": (4, 12), "d": (8, 22)}


def _scaled_erfc(x: np.ndarray) -> np.ndarray:
    """``erfc(x) * exp(x**2)`` for x >= 0, with the asymptotic series where exp(x**2) would overflow."""
    out = np.zeros_like(x)
    near = x < 25
    erfc_vec = np.vectorize(math.erfc, otypes=[np.float64])
    out[near] = erfc_vec(x[near]) * np.exp(x[near] ** 2)
    far = ~near & np.isfinite(x)
    inv = 1 / (2 * x[far] ** 2)
    total = term = np.ones_like(inv)
    for n in range(1, 12):
        term = -term * (2 * n - 1) * inv
        total = total + term
    out[far] = total / (x[far] * math.sqrt(math.pi))
    return out


@cache
def _erf_coefficients(kind: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    from numpy.polynomial import chebyshev

    small_degree, tail_degree = _ERF_DEGREES[kind]
    nodes = np.cos(np.pi * (np.arange(2000) + 0.5) / 2000)
    root = np.sqrt((nodes + 1) / 2) * _ERF_SMALL
    erf_vec = np.vectorize(math.erf, otypes=[np.float64])
    small = chebyshev.chebfit(nodes, erf_vec(root) / root, small_degree)
    t = (nodes + 1) / 2
    with np.errstate(divide="ignore"):
        x = _ERF_TAIL_SCALE * (1 / t - 1)
    tail = chebyshev.chebfit(nodes, _scaled_erfc(x), tail_degree)
    return tuple(float(c) for c in small), tuple(float(c) for c in tail)


def _clenshaw(coef: tuple[float, ...], u: Any) -> Any:
    """The Chebyshev series ``sum(coef[k] * T_k(u))``, by Clenshaw's recurrence."""
    u2 = 2 * u
    b1 = u2 * coef[-1] + coef[-2]
    b2 = coef[-1]
    for c in coef[-3:0:-1]:
        b1, b2 = u2 * b1 - b2 + c, b1
    return u * b1 - b2 + coef[0]


def _erf_block(work: Any) -> Any:
    xp = get_array_module(work)
    small, tail = _erf_coefficients(work.dtype.char)
    with quiet():
        mag = xp.abs(work)
        square = work * work
        near = work * _clenshaw(small, square * (2 / _ERF_SMALL**2) - 1)
        t = _ERF_TAIL_SCALE / (mag + _ERF_TAIL_SCALE)
        far = xp.sign(work) * (1 - _clenshaw(tail, 2 * t - 1) * xp.exp(-square))
        return xp.where(mag <= _ERF_SMALL, near, far)


_ERF_CHUNK = 16384


def erf_array(x: Any) -> Any:
    """The error function of a float array, in its dtype (float16 is computed in float32)."""
    work = x if x.dtype.itemsize >= 4 else x.astype(np.float32)
    if type(work) is not np.ndarray or work.size <= _ERF_CHUNK:
        return _erf_block(work).astype(x.dtype, copy=False)
    # The series takes some 60 array passes; on the CPU, blocks that stay in cache halve the time.
    flat = work.reshape(-1)
    out = np.empty(flat.shape, dtype=x.dtype)
    for start in range(0, flat.size, _ERF_CHUNK):
        out[start : start + _ERF_CHUNK] = _erf_block(flat[start : start + _ERF_CHUNK])
    return out.reshape(x.shape)
