"""The ops as top-level functions: ``shendu.exp``, ``shendu.cat``, ``shendu.zeros`` and the rest."""

from __future__ import annotations

from .ops import (
    activation,
    arithmetic,
    comparison,
    creation,
    cumulative,
    diagonal,
    elementwise,
    indexing,
    linalg,
    padding,
    queries,
    random,
    rearrange,
    reduction,
    search,
    selection,
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
    selection,
    activation,
    reduction,
    cumulative,
    linalg,
    shape,
    rearrange,
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
