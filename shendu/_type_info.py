"""``finfo`` and ``iinfo``: the limits of a dtype, as masking and numerically careful code reads them."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._dtype import dtype, get_default_dtype, to_dtype
from .errors import DtypeError

__all__ = ["finfo", "iinfo"]


def _dtype_of(op: str, type: Any, want_float: bool) -> dtype:
    d = get_default_dtype() if type is None else to_dtype(type, op)
    if d.is_floating_point != want_float:
        other = "iinfo" if want_float else "finfo"
        kind = "a floating-point" if want_float else "an integer"
        raise DtypeError(f"{op}: expected {kind} dtype, got {d}; use shendu.{other} for it")
    return d


class finfo:  # noqa: N801 - lowercase, like torch.finfo
    """The limits of a floating-point dtype.

    Args:
        type: a floating-point dtype. Default: None (the default dtype, float32 unless changed).

    Attributes:
        bits: the width in bits.
        eps: the gap between 1.0 and the next larger number.
        max, min: the largest and the most negative finite numbers.
        tiny, smallest_normal: the smallest positive normal number.
        resolution: the approximate decimal resolution, ``10 ** -precision``.
        dtype: the dtype's name (``"float32"``).

    Example:
        >>> shendu.finfo(shendu.float16).max
        65504.0
        >>> scores = shendu.zeros(2).masked_fill(shendu.tensor([True, False]), shendu.finfo(shendu.float32).min)
    """

    def __init__(self, type: Any = None) -> None:
        d = _dtype_of("finfo", type, want_float=True)
        info = np.finfo(d.np)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)
        self.dtype = d.name

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
            f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:  # noqa: N801 - lowercase, like torch.iinfo
    """The limits of an integer (or bool) dtype.

    Args:
        type: an integer dtype.

    Attributes:
        bits: the width in bits.
        max, min: the largest and smallest values.
        dtype: the dtype's name (``"int64"``).

    Example:
        >>> shendu.iinfo(shendu.uint8).max
        255
    """

    def __init__(self, type: Any) -> None:
        d = _dtype_of("iinfo", type, want_float=False)
        if d.np.kind == "b":
            raise DtypeError("iinfo: expected an integer dtype, got shendu.bool")
        info = np.iinfo(d.np)
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = d.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
