"""``shendu.serialization``: ``save``/``load`` and the classes a weights-only ``load`` may rebuild.

A checkpoint that holds a whole module (``shendu.save(model, f)``) names the classes to import and
construct when it is loaded. ``load(f)`` (``weights_only=True``, the default) refuses such a file
unless every class it names was allowed here, as PyTorch's ``add_safe_globals`` allows globals for
its weights-only unpickler; ``load(f, weights_only=False)`` trusts the file. Plain state dicts never
need either.

Example:
    >>> shendu.serialization.add_safe_globals([nn.Linear])
    >>> nn.Linear in shendu.serialization.get_safe_globals()
    True
    >>> shendu.serialization.clear_safe_globals()
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from .io import load, save
from .io.module_record import global_path

__all__ = ["add_safe_globals", "clear_safe_globals", "get_safe_globals", "load", "safe_globals", "save"]

_allowed: dict[str, Any] = {}


def _path_of(entry: Any) -> tuple[str, Any]:
    obj, name = entry if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], str) else (entry, None)
    if name is not None:
        module, _, qualname = name.rpartition(".")
        return f"{module}:{qualname}", obj
    path = global_path(obj)
    if path is None:
        raise TypeError(
            f"add_safe_globals: {obj!r} is not a class or function importable by its name; pass a class or "
            "function defined at a module's top level, or (obj, 'module.Name')"
        )
    return path, obj


def add_safe_globals(safe_globals: Iterable[Any]) -> None:
    """Allow a weights-only ``load`` to import and construct these classes (or call these functions).

    Args:
        safe_globals: classes or functions, or ``(obj, "module.Name")`` pairs naming where a file finds them.
    """
    for entry in safe_globals:
        path, obj = _path_of(entry)
        _allowed[path] = obj


def get_safe_globals() -> list[Any]:
    """The classes and functions allowed so far."""
    return list(_allowed.values())


def clear_safe_globals() -> None:
    """Forget every allowed class and function."""
    _allowed.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: Iterable[Any]) -> Iterator[None]:
    """Allow these classes and functions inside a ``with`` block only."""
    saved = dict(_allowed)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _allowed.clear()
        _allowed.update(saved)


def disallowed(paths: Iterable[str]) -> list[str]:
    """The paths among ``paths`` that were not allowed (sorted)."""
    return sorted(p for p in paths if p not in _allowed)
