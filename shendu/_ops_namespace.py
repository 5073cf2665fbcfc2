"""The ops as top-level functions: ``shendu.exp``, ``shendu.cat``, ``shendu.zeros`` and the rest."""

from __future__ import annotations

from .ops import (
    activation,
    arithmetic,
    comparison,
    creation,
    diagonal,
    elementwise,
    indexing,
    linalg,
    padding,
    queries,
    random,
    reduction,
    search,
    shape,
    sorting,
    stacking,
)

__all__: list[str] = []
for _module in (
    creation,
    random,
    arithmetic,
    elementwise,
    activation,
    reduction,
    linalg,
    shape,
    indexing,
    comparison,
    diagonal,
    padding,
    sorting,
    search,
    queries,
    stacking,
):
    for _name in getattr(_module, "__all__", ()):
        globals()[_name] = getattr(_module, _name)
        __all__.append(_name)
del _module, _name
