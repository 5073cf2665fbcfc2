"""Printing tensors the way PyTorch prints them: ``tensor([1.5000, 2.0000], requires_grad=True)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import _dtype

if TYPE_CHECKING:
    from .tensor import Tensor

_THRESHOLD = 1000
_EDGEITEMS = 3
_LINEWIDTH = 80


def _float_formatter(values: np.ndarray) -> object:
    finite = values[np.isfinite(values)].astype(np.float64)
    nonzero = np.abs(finite[finite != 0])
    if nonzero.size == 0:
        lo = hi = 0.0
    else:
        lo, hi = float(nonzero.min()), float(nonzero.max())
    integral = finite.size == 0 or bool(np.all(np.ceil(finite) == finite))
    if integral:
        fmt = "{:.4e}" if hi > 1e8 else "{:.0f}."
    elif hi > 1e8 or lo < 1e-4 or (lo > 0 and hi / lo > 1000):
        fmt = "{:.4e}"
    else:
        fmt = "{:.4f}"

    def format_one(x: float) -> str:
        if np.isnan(x):
            return "nan"
        if np.isinf(x):
            return "inf" if x > 0 else "-inf"
        return fmt.format(x)

    width = max((len(format_one(float(v))) for v in _sample(values)), default=1)
    return lambda x: format_one(float(x)).rjust(width)


def _sample(values: np.ndarray) -> np.ndarray:
    flat = values.reshape(-1)
    if flat.size > _THRESHOLD:
        return np.concatenate([flat[: _EDGEITEMS * 50], flat[-_EDGEITEMS * 50 :]])
    return flat


def format_tensor(t: Tensor) -> str:
    array = t.data
    if not isinstance(array, np.ndarray):
        array = array.get()
    prefix = "tensor("
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    dtype = t.dtype
    if array.size == 0 and array.ndim != 1:
        body = "[]"
        suffixes.append(f"size={tuple(array.shape)}")
    else:
        if dtype.is_floating_point:
            formatter = {"float_kind": _float_formatter(array)}
        elif dtype is _dtype.bool:
            formatter = {"bool": lambda x: str(bool(x)).rjust(5 if np.any(~array) else 4)}
        else:
            formatter = None
        body = np.array2string(
            array,
            separator=", ",
            prefix=prefix,
            max_line_width=_LINEWIDTH,
            threshold=_THRESHOLD,
            edgeitems=_EDGEITEMS,
            formatter=formatter,
        )
    if dtype not in (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool) or (
        array.size == 0 and dtype is not _dtype.get_default_dtype()
    ):
        suffixes.append(f"dtype={dtype}")
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{t._grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return prefix + body + "".join(", " + s for s in suffixes) + ")"
