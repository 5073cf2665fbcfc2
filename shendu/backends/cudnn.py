"""``shendu.backends.cudnn``: PyTorch's cuDNN settings, accepted and kept; shendu does not use cuDNN.

shendu's GPU convolutions are unfolded into cuBLAS matrix products, so no cuDNN algorithm is ever
chosen. The settings stay assignable, as in PyTorch, so that ``cudnn.benchmark = True`` runs:

- ``benchmark`` (default False): would let cuDNN time its algorithms; there are none to time.
- ``deterministic`` (default False): would restrict cuDNN to deterministic algorithms. shendu's CPU
  results are bitwise identical for the same seed whatever this says; on a GPU, gradients that are
  scatter-added (indexing, embeddings) use atomic additions whose order can vary between runs, and
  this flag does not change that.
- ``enabled`` (default True) and ``allow_tf32`` (default True): nothing to enable.

Example:
    >>> shendu.backends.cudnn.benchmark = True
    >>> shendu.backends.cudnn.is_available()
    False
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = ["allow_tf32", "benchmark", "deterministic", "enabled", "flags", "is_available", "version"]

benchmark = False
deterministic = False
enabled = True
allow_tf32 = True


def is_available() -> bool:
    """Whether shendu can run cuDNN kernels: never, it computes without cuDNN."""
    return False


def version() -> None:
    """The cuDNN version in use: None, since shendu does not use cuDNN (as PyTorch without it)."""
    return None


@contextlib.contextmanager
def flags(
    enabled: bool = False, benchmark: bool = False, deterministic: bool = False, allow_tf32: bool = True
) -> Iterator[None]:
    """Set the four settings inside a ``with`` block and restore them after it (PyTorch's defaults)."""
    names = ("enabled", "benchmark", "deterministic", "allow_tf32")
    module = globals()
    saved = {name: module[name] for name in names}
    module.update(zip(names, (enabled, benchmark, deterministic, allow_tf32)))
    try:
        yield
    finally:
        module.update(saved)
