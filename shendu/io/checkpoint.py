"""``shendu.save`` and ``shendu.load``: safetensors for arrays, JSON for structure, atomic writes.

A file is a standard safetensors file. Its arrays are the tensors of the saved
object; its metadata holds the object's structure as JSON, with each tensor
replaced by a reference to its array. Loading never unpickles, so an untrusted
file cannot run code, and every write to a path goes through ``shendu.io.atomic``:
a temporary file that replaces the target only once it is complete and flushed
to disk, never through a symlink. Open binary file objects (``io.BytesIO``, a
socket's file) work too, as in PyTorch.

A whole module (``save(model, f)``) is stored as its state dict plus a record of
its class and constructor arguments (``shendu.io.module_record``). Rebuilding it
imports and runs that class's code, so ``load`` does it only with
``weights_only=False``, or for classes allowed with
``shendu.serialization.add_safe_globals``, as PyTorch 2.6+ does for pickled modules.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from typing import IO, Any

import numpy as np

from .. import backend as _backend
from ..errors import ShenduError
from ..tensor import Tensor
from .atomic import WriteError, atomic_write_bytes
from .module_record import RecordError, paths_in, rebuild, record
from .structure import StructureError, decode, encode

__all__ = ["MAX_HEADER_BYTES", "MAX_TENSORS", "CheckpointError", "load", "save"]

_FORMAT = "shendu-checkpoint-1"


class CheckpointError(ShenduError, ValueError):
    """A checkpoint file that is missing, unreadable, corrupt, or not a shendu checkpoint."""


MAX_HEADER_BYTES = 16 * 2**20
MAX_TENSORS = 100_000
# The dtypes NumPy can hold; safetensors also knows BF16 and the float8 formats, which it cannot.
_DTYPES = {"BOOL", "U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64", "F16", "F32", "F64"}


def save(obj: Any, f: str | os.PathLike[str] | IO[bytes]) -> None:
    """Save tensors, state dicts, nested dicts/lists/tuples of tensors and plain values, or a whole module, to ``f``.

    Args:
        obj: what to save: ``model.state_dict()``, a dict holding several state dicts, or a module
            (its state dict and how to build it again; see ``shendu.io.module_record`` for what a
            module saved whole may hold).
        f: a file path, or a file object opened for writing bytes. A write to a path is atomic:
            readers see the old file or the complete new one, and a symlink at ``f`` is refused
            rather than followed.

    Raises:
        TypeError: ``obj`` holds something a checkpoint cannot (the message says where).
        CheckpointError: the file cannot be written, or ``obj`` is too large for ``load`` to accept
            (more than ``MAX_TENSORS`` arrays, or a structure over ``MAX_HEADER_BYTES``).

    Example:
        >>> import io
        >>> model = nn.Linear(4, 2)
        >>> buffer = io.BytesIO()
        >>> shendu.save({"model": model.state_dict(), "epoch": 3}, buffer)
        >>> _ = buffer.seek(0)
        >>> shendu.load(buffer)["epoch"]
        3
    """
    from safetensors.numpy import save as st_save

    from ..nn.module import Module

    where = _name_of(f)
    arrays: dict[str, np.ndarray] = {}
    metadata = {"format": _FORMAT}
    if isinstance(obj, Module):
        tree = record(obj, lambda value, path: encode(value, arrays, path))
        metadata["module"] = json.dumps(tree, allow_nan=True)
        obj = obj.state_dict()
    structure = encode(obj, arrays, "obj")
    if len(arrays) > MAX_TENSORS:
        raise CheckpointError(f"save: {where!r}: {len(arrays)} tensors, more than the {MAX_TENSORS} a file may hold")
    metadata["structure"] = json.dumps(structure, allow_nan=True)
    payload = st_save(arrays, metadata=metadata)
    header_bytes = int.from_bytes(payload[:8], "little")
    if header_bytes > MAX_HEADER_BYTES:
        raise CheckpointError(
            f"save: {where!r}: the header would take {header_bytes} bytes, more than the {MAX_HEADER_BYTES} "
            "that load accepts; keep large data in tensors, not in lists of numbers"
        )
    if hasattr(f, "write"):
        _write_to(f, payload, where)
        return
    try:
        atomic_write_bytes(f, payload)
    except WriteError as exc:
        raise CheckpointError(f"save: {exc}") from None


def _name_of(f: Any) -> str:
    """How messages name ``f``: its path, or a file object's name."""
    if hasattr(f, "write") or hasattr(f, "read"):
        name = getattr(f, "name", None)
        return name if isinstance(name, str) else f"<{type(f).__name__}>"
    return os.fspath(f)


def _write_to(f: IO[bytes], payload: bytes, where: str) -> None:
    try:
        f.write(payload)
    except TypeError:
        raise CheckpointError(f"save: {where!r} is open in text mode; open it for bytes ('wb')") from None
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"save: cannot write to {where!r}: {exc}") from None


_PORT_HINT = (
    "shendu.load reads only the files shendu.save writes; to bring PyTorch weights over, load them in PyTorch "
    "and pass {k: v.numpy() for k, v in state_dict.items()} to load_state_dict (see the porting guide)"
)


def _check_not_foreign(where: str, start: bytes) -> None:
    """Name the format of a file that is no shendu checkpoint, from its first bytes, when it is a known one.

    Called only once the header has proved implausible, so a real checkpoint is never taken for another format.
    """
    found = f"load: {where!r} is not a shendu checkpoint: it is "
    if start.startswith(b"PK\x03\x04"):
        raise CheckpointError(f"{found}a zip archive, PyTorch's torch.save format (.pt, .pth) of pickles. {_PORT_HINT}")
    if len(start) >= 2 and start[0] == 0x80 and 2 <= start[1] <= 5:
        raise CheckpointError(f"{found}a Python pickle, as PyTorch's older torch.save wrote. {_PORT_HINT}")
    if start.startswith(b"\x93NUMPY"):
        raise CheckpointError(f"{found}a NumPy .npy file; read it with numpy.load and wrap it with shendu.from_numpy")


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
            if len(size) < 8 or int.from_bytes(size, "little") > min(MAX_HEADER_BYTES, info.st_size - 8):
                _check_not_foreign(where, size)
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


def load(f: str | os.PathLike[str] | IO[bytes], map_location: Any = None, weights_only: bool = True) -> Any:
    """Load what ``save`` wrote. Never unpickles; runs code only to rebuild a module saved whole.

    Everything is checked before it is built: the header's size (at most ``MAX_HEADER_BYTES``) and
    tensor count (at most ``MAX_TENSORS``), each array's dtype, and the structure's grammar and
    depth. Only the arrays that the structure refers to are read, one at a time.

    Args:
        f: a file path, or a file object opened for reading bytes.
        map_location: a device to move every tensor (or the rebuilt module) to, e.g. ``"cpu"``.
            Default: None (CPU).
        weights_only: refuse a file that holds a whole module, unless every class it names was
            allowed with ``shendu.serialization.add_safe_globals``: rebuilding a module imports its
            class and runs its constructor. Pass False only for files you trust. Files of tensors,
            state dicts and plain values load either way. Default: True.

    Raises:
        CheckpointError: the file is missing, not a regular file, truncated, corrupt, too large in
            its header, or not a shendu checkpoint; or it holds a module that ``weights_only``
            refuses or that cannot be built again. The message names the path and what was wrong.

    Example:
        >>> import io
        >>> buffer = io.BytesIO()
        >>> shendu.save(nn.Linear(4, 2), buffer)
        >>> _ = buffer.seek(0)
        >>> shendu.load(buffer, weights_only=False)
        Linear(in_features=4, out_features=2, bias=True)
    """
    from safetensors import SafetensorError, safe_open

    where = _name_of(f)
    if hasattr(f, "read"):
        data = f.read()
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise CheckpointError(f"load: {where!r} is open in text mode; open it for bytes ('rb')")
        in_memory = _BytesHandle(where, bytes(data))
    else:
        _check_tensor_count(where, _read_header(where))
    broken = f"load: {where!r} is not a readable checkpoint (corrupt, truncated or another format)"
    try:
        with contextlib.nullcontext(in_memory) if hasattr(f, "read") else safe_open(where, "numpy") as handle:
            obj = _read(where, handle, weights_only)
    except StructureError as exc:
        raise CheckpointError(f"load: {where!r}: bad structure at {exc}") from None
    except RecordError as exc:
        raise CheckpointError(f"load: {where!r}: cannot build the saved module again: {exc}") from None
    except (SafetensorError, OSError, ValueError, TypeError, OverflowError, MemoryError, AttributeError) as exc:
        if isinstance(exc, CheckpointError):
            raise
        raise CheckpointError(f"{broken}: {exc}") from None
    if map_location is not None:
        from ..nn.module import Module

        device = _backend.as_device(map_location, "load")
        obj = obj.to(device) if isinstance(obj, Module) else _move(obj, device)
    return obj


def _check_tensor_count(where: str, header: bytes) -> None:
    # Every tensor entry has a data_offsets field: counting them bounds the tensor count before
    # anything parses the header.
    if header.count(b'"data_offsets"') > MAX_TENSORS:
        raise CheckpointError(
            f"load: {where!r} is not a readable checkpoint (corrupt, truncated or another format): it declares "
            f"more than the {MAX_TENSORS} tensors a checkpoint may hold"
        )


def _json(where: str, text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise CheckpointError(f"load: {where!r} has a corrupt {what} record: {reason}") from None


def _read(where: str, handle: Any, weights_only: bool) -> Any:
    """The saved object, from an open safetensors ``handle`` (a file's, or a ``_BytesHandle``)."""
    metadata = handle.metadata() or {}
    if metadata.get("format") != _FORMAT or "structure" not in metadata:
        raise CheckpointError(f"load: {where!r} is a safetensors file but not a shendu checkpoint (no structure)")
    structure = _json(where, metadata["structure"], "structure")
    tree = _json(where, metadata["module"], "module") if "module" in metadata else None
    if tree is not None and weights_only:
        _refuse_unless_allowed(where, tree)
    names = set(handle.keys())

    def fetch(name: str, path: str) -> np.ndarray:
        if name not in names:
            raise StructureError(f"{path}: refers to a tensor {name!r} that the file lacks")
        dtype = handle.get_slice(name).get_dtype()
        if dtype not in _DTYPES:
            raise StructureError(f"{path}: tensor {name!r} has dtype {dtype}, which shendu cannot hold")
        return handle.get_tensor(name)

    obj = decode(structure, fetch)
    if tree is None:
        return obj
    try:
        module = rebuild(tree, lambda node, path: decode(node, fetch))
    except RecursionError:
        raise RecordError("the module record is nested too deeply") from None
    from ..nn.module import StateDictError

    try:
        module.load_state_dict(obj)
    except (StateDictError, TypeError) as exc:
        raise RecordError(f"the saved state does not fit the rebuilt module: {exc}") from None
    return module


def _refuse_unless_allowed(where: str, tree: Any) -> None:
    from ..serialization import disallowed

    refused = disallowed(paths_in(tree))
    if refused:
        shown = ", ".join(refused[:4]) + (f" and {len(refused) - 4} more" if len(refused) > 4 else "")
        raise CheckpointError(
            f"load: {where!r} holds a whole module, and weights_only=True does not rebuild one: that would import "
            f"and run the code of {shown}. If you trust the file, load it with weights_only=False; or allow those "
            "classes with shendu.serialization.add_safe_globals([...]). Saving model.state_dict() instead avoids "
            "the question"
        )


class _Slice:
    """What ``_BytesHandle.get_slice`` returns: the array's dtype as the header names it."""

    __slots__ = ("dtype",)

    def __init__(self, dtype: Any) -> None:
        self.dtype = dtype

    def get_dtype(self) -> Any:
        return self.dtype


class _BytesHandle:
    """A checkpoint already in memory (read from a file object), with the ``safe_open`` handle's methods."""

    def __init__(self, where: str, data: bytes) -> None:
        broken = f"load: {where!r} is not a readable checkpoint (corrupt, truncated or another format)"
        if len(data) < 8 or int.from_bytes(data[:8], "little") > min(MAX_HEADER_BYTES, len(data) - 8):
            _check_not_foreign(where, data[:8])
        if len(data) < 8:
            raise CheckpointError(f"{broken}: {len(data)} bytes, too short for a header")
        length = int.from_bytes(data[:8], "little")
        if length > MAX_HEADER_BYTES:
            raise CheckpointError(
                f"{broken}: its header claims {length} bytes; shendu reads headers of up to {MAX_HEADER_BYTES}"
            )
        if length > len(data) - 8:
            raise CheckpointError(f"{broken}: its header claims {length} bytes but the data has {len(data)}")
        _check_tensor_count(where, data[8 : 8 + length])
        header = _json(where, data[8 : 8 + length].decode("utf-8", errors="replace"), "header")
        if not isinstance(header, dict):
            raise CheckpointError(f"{broken}: its header is not a JSON object")
        self._metadata = header.pop("__metadata__", None)
        self._header, self._data, self._arrays = header, data, None

    def metadata(self) -> Any:
        return self._metadata

    def keys(self) -> list[str]:
        return list(self._header)

    def get_slice(self, name: str) -> _Slice:
        entry = self._header.get(name)
        return _Slice(entry.get("dtype") if isinstance(entry, dict) else None)

    def get_tensor(self, name: str) -> np.ndarray:
        from safetensors.numpy import load as st_load

        if self._arrays is None:
            # safetensors checks the offsets, shapes and dtypes of every array against the data.
            self._arrays = st_load(self._data)
        return self._arrays[name]


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
