"""``shendu.save`` and ``shendu.load``: safetensors for arrays, JSON for structure, atomic writes.

A file is a standard safetensors file. Its arrays are the tensors of the saved
object; its metadata holds the object's structure as JSON, with each tensor
replaced by a reference to its array. Loading never unpickles, so an untrusted
file cannot run code, and every write goes to a temporary file that replaces
the target only once it is complete and flushed to disk.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .. import backend as _backend
from ..errors import ShenduError
from ..tensor import Tensor

__all__ = ["CheckpointError", "atomic_write_bytes", "load", "remove_stale_temporaries", "save"]

_FORMAT = "shendu-checkpoint-1"


class CheckpointError(ShenduError, ValueError):
    """A checkpoint file that is missing, unreadable, corrupt, or not a shendu checkpoint."""


def _contiguous(array: np.ndarray) -> np.ndarray:
    # np.ascontiguousarray would turn a 0-d array into shape (1,).
    return array if array.flags.c_contiguous else array.copy(order="C")


def _encode(value: Any, arrays: dict[str, np.ndarray], path: str) -> Any:
    if isinstance(value, Tensor):
        name = f"t{len(arrays)}"
        arrays[name] = _contiguous(_backend.to_device(value._array, _backend.CPU))
        return {"__tensor__": name, "requires_grad": value.requires_grad}
    if isinstance(value, np.ndarray):
        name = f"t{len(arrays)}"
        arrays[name] = _contiguous(value)
        return {"__ndarray__": name}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        pairs = []
        for key, item in value.items():
            if not (key is None or isinstance(key, (bool, int, float, str))):
                raise TypeError(
                    f"save: dict keys must be str, int, float, bool or None; got {type(key).__name__} at {path}"
                )
            pairs.append([key, _encode(item, arrays, f"{path}[{key!r}]")])
        return {"__dict__": pairs}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, arrays, f"{path}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(v, arrays, f"{path}[{i}]") for i, v in enumerate(value)]
    raise TypeError(
        f"save: cannot store a {type(value).__name__} at {path}; checkpoints hold tensors, arrays, numbers, "
        "strings, None, and dicts, lists and tuples of them"
    )


def _decode(value: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    if isinstance(value, list):
        return [_decode(v, arrays, where) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tensor__" in value or "__ndarray__" in value:
        name = value.get("__tensor__", value.get("__ndarray__"))
        if name not in arrays:
            raise CheckpointError(f"load: {where}: the structure refers to a tensor {name!r} that the file lacks")
        array = arrays[name]
        if "__ndarray__" in value:
            return array
        t = Tensor._make(array)
        if value.get("requires_grad") and array.dtype.kind == "f":
            t.requires_grad_(True)
        return t
    if "__tuple__" in value:
        return tuple(_decode(v, arrays, where) for v in value["__tuple__"])
    if "__dict__" in value:
        return {key: _decode(item, arrays, where) for key, item in value["__dict__"]}
    raise CheckpointError(f"load: {where}: unexpected entry {sorted(value)[:3]} in the checkpoint's structure")


def atomic_write_bytes(path: str | os.PathLike[str], payload: bytes) -> None:
    """Write ``payload`` to ``path`` so that a crash leaves either the old file or the new one, never a mix."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def remove_stale_temporaries(path: str | os.PathLike[str]) -> int:
    """Delete temporary files that interrupted writes of ``path`` left behind; returns how many."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    removed = 0
    for leftover in folder.glob(f".{target.name}.*.tmp"):
        leftover.unlink(missing_ok=True)
        removed += 1
    return removed


def save(obj: Any, f: str | os.PathLike[str]) -> None:
    """Save tensors, state dicts, and nested dicts/lists/tuples of tensors and plain values to ``f``.

    Args:
        obj: what to save (e.g. ``model.state_dict()`` or a dict holding several state dicts).
        f: the file path. The write is atomic: readers see the old file or the complete new one.

    Example:
        >>> import tempfile
        >>> model = nn.Linear(2, 1)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     shendu.save({"model": model.state_dict(), "epoch": 3}, f"{folder}/ckpt.safetensors")
        ...     shendu.load(f"{folder}/ckpt.safetensors")["epoch"]
        3
    """
    from safetensors.numpy import save as st_save

    arrays: dict[str, np.ndarray] = {}
    structure = _encode(obj, arrays, "obj")
    metadata = {"format": _FORMAT, "structure": json.dumps(structure, allow_nan=True)}
    try:
        atomic_write_bytes(f, st_save(arrays, metadata=metadata))
    except OSError as exc:
        raise CheckpointError(f"save: cannot write {os.fspath(f)!r}: {exc.strerror or exc}") from None


def load(f: str | os.PathLike[str], map_location: Any = None, weights_only: bool = True) -> Any:
    """Load what ``save`` wrote. Never executes code from the file.

    Args:
        f: the file path.
        map_location: a device to move every tensor to (e.g. ``"cpu"``). Default: None (CPU).
        weights_only: accepted for compatibility; shendu files only ever hold data. Default: True.

    Raises:
        CheckpointError: the file is missing, truncated, corrupt, or not a shendu checkpoint;
            the message names the path.
    """
    from safetensors import SafetensorError, safe_open

    where = os.fspath(f)
    if not os.path.exists(where):
        raise CheckpointError(f"load: no checkpoint at {where!r}")
    if os.path.isdir(where):
        raise CheckpointError(f"load: {where!r} is a folder, not a checkpoint file")
    try:
        with safe_open(where, framework="numpy") as handle:
            metadata = handle.metadata() or {}
            arrays = {name: handle.get_tensor(name) for name in handle.keys()}
    except (SafetensorError, OSError, ValueError, TypeError, OverflowError, MemoryError) as exc:
        raise CheckpointError(
            f"load: {where!r} is not a readable checkpoint (corrupt, truncated or another format): {exc}"
        ) from None
    if metadata.get("format") != _FORMAT or "structure" not in metadata:
        raise CheckpointError(f"load: {where!r} is a safetensors file but not a shendu checkpoint (no structure)")
    try:
        structure = json.loads(metadata["structure"])
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"load: {where!r} has a corrupt structure record: {exc}") from None
    obj = _decode(structure, arrays, repr(where))
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
