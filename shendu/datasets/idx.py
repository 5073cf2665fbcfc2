"""Reading IDX files, the format of MNIST and Fashion-MNIST (optionally gzip-compressed)."""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from ..errors import ShenduError

__all__ = ["IDXError", "read_idx"]

# The third byte of the magic number gives the element type; only the types these datasets use.
_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_MAX_ELEMENTS = 1 << 31


class IDXError(ShenduError, ValueError):
    """An IDX file that is truncated, corrupt, or not an IDX file."""


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                return handle.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        raise IDXError(f"read_idx: cannot read {str(path)!r}: {exc} (the file is truncated or not gzip data)") from None


def read_idx(path: str | os.PathLike[str], expected_ndim: int | None = None) -> np.ndarray:
    """Read an IDX file (``.gz`` or raw) into a NumPy array, checking its header against its size.

    Args:
        path: the file.
        expected_ndim: the number of dimensions the caller needs (3 for images, 1 for labels).

    Raises:
        IDXError: the magic number, the dimension count or the byte count is wrong; the message
            names the path and what was found.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise IDXError(f"read_idx: {str(path)!r} is {len(raw)} bytes long, too short to hold an IDX header")
    zero, dtype_code, ndim = int.from_bytes(raw[:2], "big"), raw[2], raw[3]
    if zero != 0 or dtype_code not in _TYPES or ndim == 0:
        raise IDXError(
            f"read_idx: {str(path)!r} has magic number 0x{raw[:4].hex()}, which is not an IDX header "
            "(expected 0x0000TTNN with type TT and NN dimensions)"
        )
    if expected_ndim is not None and ndim != expected_ndim:
        raise IDXError(f"read_idx: {str(path)!r} holds {ndim}-d data, expected {expected_ndim}-d")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(f"read_idx: {str(path)!r} ends inside its header ({len(raw)} bytes)")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = _TYPES[dtype_code]
    count = int(np.prod(shape, dtype=np.int64))
    if count > _MAX_ELEMENTS:
        raise IDXError(f"read_idx: {str(path)!r} claims shape {shape}, which is implausibly large")
    expected = header + count * dtype.itemsize
    if len(raw) != expected:
        raise IDXError(
            f"read_idx: {str(path)!r} has {len(raw)} bytes but its header (shape {shape}) needs {expected}; "
            "the file is truncated or corrupt"
        )
    return np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(shape).astype(dtype.newbyteorder("="))
