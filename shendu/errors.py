"""shendu's exception types.

Every error derives from ValueError, TypeError or RuntimeError, so code that
catches the built-in families keeps working, and every message starts with the
name of the op that raised it. The checks that raise them live in ``shendu._checks``.
"""

from __future__ import annotations

__all__ = [
    "DeviceError",
    "DimError",
    "DtypeError",
    "GraphError",
    "IndexOutOfRange",
    "OutOfMemoryError",
    "ShapeError",
    "ShenduError",
    "missing_attribute",
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


def missing_attribute(owner: str, name: str) -> AttributeError:
    """The AttributeError for a public name shendu lacks, pointing a porting user at the list of what is missing.

    ``owner`` is Python's own wording (``"module 'shendu'"``, ``"'Tensor' object"``), so the message still
    starts as Python's does.
    """
    return AttributeError(
        f"{owner} has no attribute {name!r}; shendu has part of PyTorch's API, and the porting guide "
        "(docs/tutorials/porting.md) lists what differs and what is missing"
    )
