"""``shendu.save`` and ``shendu.load``: safetensors for arrays, JSON for structure, atomic writes.

A file is a standard safetensors file. Its arrays are the tensors of the saved
object; its metadata holds the object's structure as JSON, with each tensor
replaced by a reference to its array. Loading never unpickles, so an untrusted
file cannot run code, and every write goes through ``shendu.io.atomic``: a
temporary file that replaces the target only once it is complete and flushed
to disk, never through a symlink.
"""

from __future__ import annotations

import json
import os
import stat
from typing import Any

import numpy as np

from .. import backend as _backend
from ..errors import ShenduError
from ..tensor import Tensor
from .atomic import WriteError, atomic_write_bytes
from .structure import StructureError, decode, encode

__all__ = ["MAX_HEADER_BYTES", "MAX_TENSORS", "CheckpointError", "load", "save"]

_FORMAT = "shendu-checkpoint-1"


class CheckpointError(ShenduError, ValueError):
    """A checkpoint file that is missing, unreadable, corrupt, or not a shendu checkpoint."""


MAX_HEADER_BYTES = 16 * 2**20
MAX_TENSORS = 100_000
# The dtypes NumPy can hold; safetensors also knows BF16 and the float8 formats, which it cannot.
_DTYPES = {"BOOL", "U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64", "F16", "F32", "F64"}


def save(obj: Any, f: str | os.PathLike[str]) -> None:
    """Save tensors, state dicts, and nested dicts/lists/tuples of tensors and plain values to ``f``.

    Args:
        obj: what to save (e.g. ``model.state_dict()`` or a dict holding several state dicts).
        f: the file path. The write is atomic: readers see the old file or the complete new one, and
            a symlink at ``f`` is refused rather than followed.

    Raises:
        TypeError: ``obj`` holds something a checkpoint cannot (the message says where).
        CheckpointError: the file cannot be written, or ``obj`` is too large for ``load`` to accept
            (more than ``MAX_TENSORS`` arrays, or a structure over ``MAX_HEADER_BYTES``).

    Example:
        >>> import tempfile
        >>> model = nn.Linear(2, 1)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     shendu.save({"model": model.state_dict(), "epoch": 3}, f"{folder}/ckpt.safetensors")
        ...     shendu.load(f"{folder}/ckpt.safetensors")["epoch"]
        3
    """
    from safetensors.numpy import save as st_save

    where = os.fspath(f)
    arrays: dict[str, np.ndarray] = {}
    structure = encode(obj, arrays, "obj")
    if len(arrays) > MAX_TENSORS:
        raise CheckpointError(f"save: {where!r}: {len(arrays)} tensors, more than the {MAX_TENSORS} a file may hold")
    metadata = {"format": _FORMAT, "structure": json.dumps(structure, allow_nan=True)}
    payload = st_save(arrays, metadata=metadata)
    header_bytes = int.from_bytes(payload[:8], "little")
    if header_bytes > MAX_HEADER_BYTES:
        raise CheckpointError(
            f"save: {where!r}: the header would take {header_bytes} bytes, more than the {MAX_HEADER_BYTES} "
            "that load accepts; keep large data in tensors, not in lists of numbers"
        )
    try:
        atomic_write_bytes(f, payload)
    except WriteError as exc:
        raise CheckpointError(f"save: {exc}") from None


def _read_header(where: str) -> bytes:
    """The file's safetensors header, after checking the file is a regular one of a plausible size."""
    try:
        info = os.stat(where)
    except FileNotFoundError:
        raise CheckpointError(f"load: no checkpoint at {where!r}") from None
    except OSError as exc:
        raise CheckpointError(f"load: cannot read {where!r}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise CheckpointError(f"load: {where!r} is a folder, not a checkpoint file")
    if not stat.S_ISREG(info.st_mode):
        raise CheckpointError(f"load: {where!r} is not a regular file (a FIFO, socket or device), not a checkpoint")
    broken = f"load: {where!r} is not a readable checkpoint (corrupt, truncated or another format)"
    try:
        with open(where, "rb") as handle:
            size = handle.read(8)
            if len(size) < 8:
                raise CheckpointError(f"{broken}: {info.st_size} bytes, too short for a header")
            length = int.from_bytes(size, "little")
            if length > MAX_HEADER_BYTES:
                raise CheckpointError(
                    f"{broken}: its header claims {length} bytes; shendu reads headers of up to {MAX_HEADER_BYTES}"
                )
            if length > info.st_size - 8:
                raise CheckpointError(f"{broken}: its header claims {length} bytes but the file has {info.st_size}")
            return handle.read(length)
    except OSError as exc:
        raise CheckpointError(f"load: cannot read {where!r}: {exc.strerror or exc}") from None


def load(f: str | os.PathLike[str], map_location: Any = None, weights_only: bool = True) -> Any:
    """Load what ``save`` wrote. Never executes code from the file.

    Everything is checked before it is built: the header's size (at most ``MAX_HEADER_BYTES``) and
    tensor count (at most ``MAX_TENSORS``), each array's dtype, and the structure's grammar and
    depth. Only the arrays that the structure refers to are read, one at a time.

    Args:
        f: the file path.
        map_location: a device to move every tensor to (e.g. ``"cpu"``). Default: None (CPU).
        weights_only: accepted for compatibility; shendu files only ever hold data. Default: True.

    Raises:
        CheckpointError: the file is missing, not a regular file, truncated, corrupt, too large in
            its header, or not a shendu checkpoint; the message names the path and what was wrong.
    """
    from safetensors import SafetensorError, safe_open

    where = os.fspath(f)
    header = _read_header(where)
    broken = f"load: {where!r} is not a readable checkpoint (corrupt, truncated or another format)"
    # Every tensor entry has a data_offsets field: counting them bounds the tensor count before
    # anything parses the header.
    if header.count(b'"data_offsets"') > MAX_TENSORS:
        raise CheckpointError(f"{broken}: it declares more than the {MAX_TENSORS} tensors a checkpoint may hold")
    del header
    try:
        with safe_open(where, framework="numpy") as handle:
            metadata = handle.metadata() or {}
            if metadata.get("format") != _FORMAT or "structure" not in metadata:
                raise CheckpointError(
                    f"load: {where!r} is a safetensors file but not a shendu checkpoint (no structure)"
                )
            try:
                structure = json.loads(metadata["structure"])
            except (ValueError, RecursionError) as exc:
                reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
                raise CheckpointError(f"load: {where!r} has a corrupt structure record: {reason}") from None
            names = set(handle.keys())

            def fetch(name: str, path: str) -> np.ndarray:
                if name not in names:
                    raise StructureError(f"{path}: refers to a tensor {name!r} that the file lacks")
                dtype = handle.get_slice(name).get_dtype()
                if dtype not in _DTYPES:
                    raise StructureError(f"{path}: tensor {name!r} has dtype {dtype}, which shendu cannot hold")
                return handle.get_tensor(name)

            obj = decode(structure, fetch)
    except StructureError as exc:
        raise CheckpointError(f"load: {where!r}: bad structure at {exc}") from None
    except (SafetensorError, OSError, ValueError, TypeError, OverflowError, MemoryError, AttributeError) as exc:
        if isinstance(exc, CheckpointError):
            raise
        raise CheckpointError(f"{broken}: {exc}") from None
    if map_location is not None:
        obj = _move(obj, _backend.as_device(map_location, "load"))
    return obj


def _move(obj: Any, device: Any) -> Any:
    if isinstance(obj, Tensor):
        moved = Tensor._make(_backend.to_device(obj._array, device, "load"))
        moved._requires_grad = obj.requires_grad
        return moved
    if isinstance(obj, dict):
        return {k: _move(v, device) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_move(v, device) for v in obj)
    return obj
