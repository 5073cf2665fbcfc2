"""Printing tensors exactly as PyTorch prints them: ``tensor([1.5000, 2.0000], requires_grad=True)``.

One notation and one width serve every element of a tensor, chosen from its nonzero
finite values: integral floats print as ``1.``, others with four decimals, and
scientific notation takes over when the values span more than three orders of
magnitude, exceed 1e8, or (for non-integral values) fall below 1e-4. Tensors with
more than 1000 elements show their first and last three entries along each dim.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import _dtype
from . import backend as _backend

if TYPE_CHECKING:
    from .tensor import Tensor

_PRECISION = 4
_THRESHOLD = 1000
_EDGEITEMS = 3
_LINEWIDTH = 80


class _Formatter:
    """The notation and the width shared by every element of one tensor."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        if not self.floating:
            self.width = max((len(str(v)) for v in values.tolist()), default=1)
            return
        shown = values[np.isfinite(values) & (values != 0)].astype(np.float64)
        if shown.size == 0:
            return
        magnitudes = np.abs(shown)
        lo, hi = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(np.ceil(shown) == shown))
        wide = hi / lo > 1000.0 or hi > 1.0e8
        self.sci_mode = wide if self.int_mode else wide or lo < 1.0e-4
        if self.sci_mode:
            strings = (f"{v:.{_PRECISION}e}" for v in shown.tolist())
        elif self.int_mode:
            strings = (f"{v:.0f}." for v in shown.tolist())
        else:
            strings = (f"{v:.{_PRECISION}f}" for v in shown.tolist())
        self.width = max(len(s) for s in strings)

    def format(self, value: Any) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{_PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if np.isnan(value) or np.isinf(value) else ".")
        else:
            text = f"{value:.{_PRECISION}f}"
        return text.rjust(self.width)


def _summarized(array: np.ndarray) -> np.ndarray:
    """The entries a summarized print shows: the first and last few along every dim."""
    if array.ndim == 0:
        return array
    n = array.shape[0]
    if array.ndim == 1:
        return np.concatenate([array[:_EDGEITEMS], array[-_EDGEITEMS:]]) if n > 2 * _EDGEITEMS else array
    rows = list(range(_EDGEITEMS)) + list(range(n - _EDGEITEMS, n)) if n > 2 * _EDGEITEMS else range(n)
    return np.stack([_summarized(array[i]) for i in rows])


def _vector(array: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, (_LINEWIDTH - indent) // (fmt.width + 2))
    values = array.tolist()
    if summarize and len(values) > 2 * _EDGEITEMS:
        items = [fmt.format(v) for v in values[:_EDGEITEMS]] + [" ..."]
        items += [fmt.format(v) for v in values[-_EDGEITEMS:]]
    else:
        items = [fmt.format(v) for v in values]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _body(array: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if array.ndim == 0:
        return fmt.format(array.item())
    if array.ndim == 1:
        return _vector(array, indent, summarize, fmt)
    n = array.shape[0]
    if summarize and n > 2 * _EDGEITEMS:
        parts = [_body(array[i], indent + 1, summarize, fmt) for i in range(_EDGEITEMS)] + ["..."]
        parts += [_body(array[i], indent + 1, summarize, fmt) for i in range(n - _EDGEITEMS, n)]
    else:
        parts = [_body(array[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _with_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ``, suffix`` items, moving one to a new line where it would pass the line width."""
    pieces = [text]
    line_length = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_length + len(suffix) + 2 > _LINEWIDTH:
            pieces.append(",\n" + " " * indent + suffix)
            line_length = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            line_length += len(suffix) + 2
    return "".join(pieces) + ")"


def format_tensor(t: Tensor) -> str:
    array = _backend.to_device(t._array, _backend.CPU)
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    dtype = t.dtype
    default = _dtype.get_default_dtype()
    if array.size == 0:
        body = "[]"
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if dtype is not default:
            suffixes.append(f"dtype={dtype}")
    else:
        summarize = array.size > _THRESHOLD
        fmt = _Formatter((_summarized(array) if summarize else array).reshape(-1))
        body = _body(array, indent, summarize, fmt)
        if dtype not in (default, _dtype.int64, _dtype.bool):
            suffixes.append(f"dtype={dtype}")
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{t._grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent)


def format_spec(t: Tensor, spec: str) -> str:
    """``format(t, spec)``: a 0-d tensor formats as its number (``f"{loss:.4f}"``), as in PyTorch."""
    if t._array.ndim == 0:
        return format(t.item(), spec)
    if not spec:
        return str(t)
    raise TypeError(
        f"format: the format spec {spec!r} applies only to 0-d tensors (one number), got a tensor of shape "
        f"{tuple(t.shape)}; format tensor.item() for a one-element tensor, or format each element"
    )
