"""Optional compiled CPU kernels, built with numba when it is installed.

Each kernel has a NumPy path in its caller that computes the same values in the same
order, so shendu runs without numba and both paths agree to the bit. Kernels run on one
thread: compiled with NumPy's error model, their loops vectorize, and a thread pool of
their own would fight BLAS's threads for the cores. numba caches each compiled kernel
on disk, so only the first process to use a kernel pays for compiling it.

``SHENDU_NUMBA=0`` in the environment, or ``use_compiled(False)``, turns them off.
"""

from __future__ import annotations

import importlib
import os
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = ["kernels", "kernels_for", "use_compiled"]

_enabled = os.environ.get("SHENDU_NUMBA", "1") != "0"
_loaded: dict[str, types.ModuleType | None] = {}


def kernels(family: str) -> types.ModuleType | None:
    """The compiled kernel module of ``family`` (e.g. ``"adam"``), or None without numba."""
    if not _enabled:
        return None
    try:
        return _loaded[family]
    except KeyError:
        pass
    try:
        module = importlib.import_module(f"{__name__}._{family}")
    except (ImportError, RuntimeError, OSError):
        # No numba, or numba without a writable cache folder: the NumPy paths serve.
        module = None
    _loaded[family] = module
    return module


def kernels_for(family: str, *arrays: Any, contiguous: bool = False) -> types.ModuleType | None:
    """``kernels(family)`` when the kernels can take ``arrays``, else None (the NumPy path runs).

    They take NumPy arrays (not GPU arrays) of one dtype, float32 or float64 (numba has no CPU
    float16), C-contiguous when ``contiguous`` is set.
    """
    dtype = arrays[0].dtype
    if dtype.kind != "f" or dtype.itemsize < 4:
        return None
    for array in arrays:
        if type(array) is not np.ndarray or array.dtype != dtype or (contiguous and not array.flags.c_contiguous):
            return None
    return kernels(family)


@contextmanager
def use_compiled(enabled: bool) -> Iterator[None]:
    """Turn the compiled kernels on or off inside a ``with`` block (the tests compare both paths)."""
    global _enabled
    before = _enabled
    _enabled = enabled
    try:
        yield
    finally:
        _enabled = before
