"""shendu's exception types and the helpers that build clear messages.

Every error derives from ValueError, TypeError or RuntimeError, so code that
catches the built-in families keeps working, and every message starts with the
name of the op that raised it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "DeviceError",
    "DimError",
    "DtypeError",
    "GraphError",
    "IndexOutOfRange",
    "OutOfMemoryError",
    "ShapeError",
    "ShenduError",
    "check_dim",
    "missing_attribute",
    "normalize_dims",
]


class ShenduError(Exception):
    """Base class of every error raised by shendu itself."""


class ShapeError(ShenduError, ValueError):
    """Operands whose shapes do not fit the op."""


class DeviceError(ShenduError, RuntimeError):
    """Operands on different devices, or a device that is not available."""


class DtypeError(ShenduError, TypeError):
    """An operand whose dtype the op cannot take."""


class GraphError(ShenduError, RuntimeError):
    """A misuse of the autograd graph: a freed graph, an in-place change to a saved value."""


class OutOfMemoryError(ShenduError, RuntimeError):
    """A tensor too large to allocate: more bytes than the machine can address or has free."""


class DimError(ShapeError, IndexError):
    """A ``dim`` argument outside the tensor's dimensions; an IndexError too, as in PyTorch."""


class IndexOutOfRange(ShenduError, IndexError):  # noqa: N818 - the name the project settled on
    """An index that does not fit the tensor: out of range, too many indices, or a mask of the wrong shape.

    It is an IndexError, as PyTorch's indexing errors are, so ``except IndexError`` keeps working.
    """


def check_dim(op: str, dim: int, ndim: int, shape: Sequence[int] | None = None) -> int:
    """Return ``dim`` made non-negative, or raise an IndexError-free ShapeError naming the op."""
    if isinstance(dim, np.integer):
        dim = int(dim)
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__} {dim!r}")
    span = max(ndim, 1)
    if not -span <= dim < span:
        where = f" (input shape {tuple(shape)})" if shape is not None else ""
        raise DimError(
            f"{op}: dim {dim} is out of range for a {ndim}-d tensor{where}; expected a dim in [{-span}, {span - 1}]"
        )
    return dim % span


def normalize_dims(
    op: str, dim: int | Sequence[int] | None, ndim: int, shape: Sequence[int] | None = None
) -> tuple[int, ...]:
    """Turn ``dim`` (None, an int, or a sequence of ints) into a sorted tuple of non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        dims: tuple[int, ...] = (dim,)
    elif isinstance(dim, (tuple, list)):
        dims = tuple(dim)
    else:
        raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {type(dim).__name__} {dim!r}")
    out = tuple(sorted({check_dim(op, d, ndim, shape) for d in dims}))
    if len(out) != len(dims):
        raise ShapeError(f"{op}: dim {tuple(dims)} names the same dimension twice")
    if ndim == 0:
        return ()
    return out


def missing_attribute(owner: str, name: str) -> AttributeError:
    """The AttributeError for a public name shendu lacks, pointing a porting user at the list of what is missing.

    ``owner`` is Python's own wording (``"module 'shendu'"``, ``"'Tensor' object"``), so the message still
    starts as Python's does.
    """
    return AttributeError(
        f"{owner} has no attribute {name!r}; shendu has part of PyTorch's API, and the porting guide "
        "(docs/tutorials/porting.md) lists what differs and what is missing"
    )
