"""``shendu.multiprocessing``: Python's ``multiprocessing`` with tensors that can live in shared memory.

As in PyTorch, every name of the standard module is here (``Process``, ``Queue``, ``set_start_method``,
...), plus ``spawn``. Tensors moved into shared memory (``tensor.share_memory_()``,
``module.share_memory()``) are shared with forked processes and are sent to other processes by file
descriptor, not copied, so Hogwild-style training works: each process steps its own optimizer on the
same parameters.

Example:
    >>> import shendu.multiprocessing as mp
    >>> model = nn.Linear(2, 1).share_memory()
    >>> all(p.is_shared() for p in model.parameters())
    True
"""

from __future__ import annotations

import multiprocessing as _multiprocessing
from multiprocessing import *  # noqa: F403 - PyTorch's module re-exports the whole standard module too

from .sharing import init_reductions
from .spawn import ProcessContext, ProcessExitedException, ProcessRaisedException, spawn, start_processes

__all__ = [
    *_multiprocessing.__all__,
    "ProcessContext",
    "ProcessExitedException",
    "ProcessRaisedException",
    "get_all_sharing_strategies",
    "get_sharing_strategy",
    "init_reductions",
    "set_sharing_strategy",
    "spawn",
    "start_processes",
]

# PyTorch programs switch to "file_system" to avoid running out of file descriptors; shendu keeps one
# descriptor per shared tensor whichever is chosen, and sends tensors by descriptor.
_STRATEGIES = ("file_descriptor", "file_system")


def get_all_sharing_strategies() -> set[str]:
    """The strategy names PyTorch accepts; shendu shares by file descriptor under either."""
    return set(_STRATEGIES)


def get_sharing_strategy() -> str:
    """How shendu sends shared tensors to other processes: ``"file_descriptor"``."""
    return "file_descriptor"


def set_sharing_strategy(new_strategy: str) -> None:
    """Accept PyTorch's strategy names; shendu keeps sharing by file descriptor (see ``get_sharing_strategy``)."""
    if new_strategy not in _STRATEGIES:
        raise ValueError(f"set_sharing_strategy: expected one of {list(_STRATEGIES)}, got {new_strategy!r}")
