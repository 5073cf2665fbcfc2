"""``shendu.backends.cuda``: whether CUDA support is installed, and PyTorch's matmul precision setting.

``matmul.allow_tf32`` (default False, as in PyTorch) is kept and read back; it changes nothing,
because shendu leaves CuPy's matrix products in full float32 precision.

Example:
    >>> shendu.backends.cuda.matmul.allow_tf32 = True
    >>> shendu.backends.cuda.matmul.allow_tf32
    True
"""

from __future__ import annotations

import importlib.util

__all__ = ["is_built", "matmul"]


class _MatmulSettings:
    """Where ``shendu.backends.cuda.matmul.allow_tf32`` is kept."""

    __slots__ = ("allow_tf32",)

    def __init__(self) -> None:
        self.allow_tf32 = False

    def __repr__(self) -> str:
        return f"matmul(allow_tf32={self.allow_tf32})"


matmul = _MatmulSettings()


def is_built() -> bool:
    """Whether CUDA support is installed: CuPy can be imported (a GPU may still be absent)."""
    return importlib.util.find_spec("cupy") is not None
