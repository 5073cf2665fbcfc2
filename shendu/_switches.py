"""Process-wide switches PyTorch programs set at the top: matmul precision and deterministic algorithms.

They are kept and read back. The precision changes nothing, because shendu's float32 products are always
full float32 (it sets ``backends.cuda.matmul.allow_tf32`` as PyTorch does, which changes nothing either);
the deterministic mode changes nothing, because shendu has no nondeterministic CPU kernels to refuse.
"""

from __future__ import annotations

from .backends import cuda as _cuda

__all__ = [
    "are_deterministic_algorithms_enabled",
    "get_float32_matmul_precision",
    "is_deterministic_algorithms_warn_only_enabled",
    "set_float32_matmul_precision",
    "use_deterministic_algorithms",
]

_PRECISIONS = ("highest", "high", "medium")
_state = {"precision": "highest", "deterministic": False, "warn_only": False}


def set_float32_matmul_precision(precision: str) -> None:
    """Record how precise float32 matrix products must be: ``"highest"``, ``"high"`` or ``"medium"``.

    Example:
        >>> shendu.set_float32_matmul_precision("high")
        >>> shendu.get_float32_matmul_precision()
        'high'
        >>> shendu.set_float32_matmul_precision("highest")
    """
    if precision not in _PRECISIONS:
        raise ValueError(f"set_float32_matmul_precision: expected 'highest', 'high' or 'medium', got {precision!r}")
    _state["precision"] = precision
    _cuda.matmul.allow_tf32 = precision != "highest"


def get_float32_matmul_precision() -> str:
    """The precision ``set_float32_matmul_precision`` recorded. Default: ``"highest"``."""
    return str(_state["precision"])


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record whether only deterministic algorithms may run (shendu's CPU kernels all are).

    Args:
        mode: the setting ``are_deterministic_algorithms_enabled`` reports.
        warn_only: the setting ``is_deterministic_algorithms_warn_only_enabled`` reports. Default: False.
    """
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms: mode must be True or False, got {type(mode).__name__}")
    _state["deterministic"], _state["warn_only"] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """What ``use_deterministic_algorithms`` recorded. Default: False."""
    return bool(_state["deterministic"])


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` that ``use_deterministic_algorithms`` recorded. Default: False."""
    return bool(_state["warn_only"])
