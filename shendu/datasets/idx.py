"""Reading IDX files, the format of MNIST and Fashion-MNIST (optionally gzip-compressed)."""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path
from typing import BinaryIO

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
# NumPy's limit on an array's dimensions.
_MAX_DIMS = 64


class IDXError(ShenduError, ValueError):
    """An IDX file that is truncated, corrupt, or not an IDX file."""


def _open(path: Path) -> BinaryIO:
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def _read_into(handle: BinaryIO, buffer: memoryview) -> int:
    """Fill ``buffer`` from ``handle``; the number of bytes read (fewer at the end of the file).

    In pieces of 1 MB: gzip decompresses a ``readinto`` request into a temporary of its size first.
    """
    filled = 0
    while filled < len(buffer):
        got = handle.readinto(buffer[filled : filled + (1 << 20)])
        if not got:
            break
        filled += got
    return filled


def _remaining(handle: BinaryIO) -> int:
    """The number of bytes left in ``handle``, read in chunks and dropped."""
    total = 0
    while chunk := handle.read(1 << 20):
        total += len(chunk)
    return total


def read_idx(path: str | os.PathLike[str], expected_ndim: int | None = None) -> np.ndarray:
    """Read an IDX file (``.gz`` or raw) into a NumPy array, checking its header against its size.

    The data is decompressed straight into the returned array, so reading takes no more memory
    than the array itself (Fashion-MNIST's training images: 47 MB).

    Args:
        path: the file.
        expected_ndim: the number of dimensions the caller needs (3 for images, 1 for labels).

    Raises:
        IDXError: the magic number, the dimension count or the byte count is wrong; the message
            names the path and what was found.
    """
    path = Path(path)
    try:
        with _open(path) as handle:
            return _parse(path, handle, expected_ndim)
    except (OSError, EOFError, zlib.error) as exc:
        raise IDXError(f"read_idx: cannot read {str(path)!r}: {exc} (the file is truncated or not gzip data)") from None


def _parse(path: Path, handle: BinaryIO, expected_ndim: int | None) -> np.ndarray:
    magic = handle.read(4)
    if len(magic) < 4:
        raise IDXError(f"read_idx: {str(path)!r} is {len(magic)} bytes long, too short to hold an IDX header")
    zero, dtype_code, ndim = int.from_bytes(magic[:2], "big"), magic[2], magic[3]
    if zero != 0 or dtype_code not in _TYPES or ndim == 0:
        raise IDXError(
            f"read_idx: {str(path)!r} has magic number 0x{magic.hex()}, which is not an IDX header "
            "(expected 0x0000TTNN with type TT and NN dimensions)"
        )
    if expected_ndim is not None and ndim != expected_ndim:
        raise IDXError(f"read_idx: {str(path)!r} holds {ndim}-d data, expected {expected_ndim}-d")
    if ndim > _MAX_DIMS:
        raise IDXError(f"read_idx: {str(path)!r} claims {ndim} dimensions, more than the {_MAX_DIMS} an array can have")
    header = 4 + 4 * ndim
    sizes = handle.read(4 * ndim)
    if len(sizes) < 4 * ndim:
        raise IDXError(f"read_idx: {str(path)!r} ends inside its header ({4 + len(sizes)} bytes)")
    shape = tuple(int.from_bytes(sizes[4 * i : 4 * i + 4], "big") for i in range(ndim))
    dtype = _TYPES[dtype_code]
    count = math.prod(shape)
    if count > _MAX_ELEMENTS:
        raise IDXError(f"read_idx: {str(path)!r} claims shape {shape}, which is implausibly large")
    expected = header + count * dtype.itemsize
    try:
        data = np.empty(shape, dtype)
    except MemoryError:
        raise IDXError(f"read_idx: {str(path)!r} claims shape {shape}, more than this machine can hold") from None
    filled = _read_into(handle, memoryview(data.reshape(-1).view(np.uint8)))
    length = header + filled + (_remaining(handle) if filled == data.nbytes else 0)
    if length != expected:
        raise IDXError(
            f"read_idx: {str(path)!r} has {length} bytes but its header (shape {shape}) needs {expected}; "
            "the file is truncated or corrupt"
        )
    return data if dtype.isnative else data.astype(dtype.newbyteorder("="))
