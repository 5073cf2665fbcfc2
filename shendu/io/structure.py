"""A checkpoint's structure: saved objects as JSON, and the strict decoder that reads it back.

Tensors and arrays are stored in the safetensors part of the file; the structure holds everything
else and refers to each array by name. The encoding is small and closed:

- ``None``, bools, ints, floats (NaN and infinities included) and strings stand for themselves;
- a list is a JSON list;
- ``{"__tuple__": [...]}`` is a tuple, ``{"__dict__": [[key, value], ...]}`` a dict (keys are
  ``None``, bools, numbers or strings, so a dict keeps int keys and its order);
- ``{"__tensor__": NAME, "requires_grad": BOOL}`` is a Tensor and ``{"__ndarray__": NAME}`` a NumPy
  array, where NAME is an array in the file; each array is referred to once.

The decoder checks every node against this grammar and the nesting depth against ``MAX_DEPTH``
before it builds anything from it, and reads an array only when the structure refers to it, so a
file's memory cost is bounded by what it holds, not by what it claims.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import backend as _backend
from ..tensor import Tensor

__all__ = ["MAX_DEPTH", "StructureError", "decode", "encode"]

# Far deeper than any state dict (a model's is 3-4 levels), far shallower than Python's recursion limit.
MAX_DEPTH = 64
_SCALARS = (bool, int, float, str)


class StructureError(Exception):
    """A structure that breaks the grammar; the message starts with where (``obj['model'][3]``)."""


def _contiguous(array: np.ndarray) -> np.ndarray:
    # np.ascontiguousarray would turn a 0-d array into shape (1,).
    return array if array.flags.c_contiguous else array.copy(order="C")


def encode(value: Any, arrays: dict[str, np.ndarray], path: str = "obj", depth: int = 0) -> Any:
    """The JSON structure of ``value``; its arrays are added to ``arrays`` under fresh names.

    Raises:
        TypeError: a value or dict key of a type that a checkpoint cannot hold, or nesting deeper
            than ``MAX_DEPTH`` (``load`` would refuse it).
    """
    if depth > MAX_DEPTH:
        raise TypeError(f"save: {path} is nested more than {MAX_DEPTH} levels deep, deeper than a checkpoint may be")
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
    if value is None or isinstance(value, _SCALARS):
        return value
    if isinstance(value, dict):
        pairs = []
        for key, item in value.items():
            if not (key is None or isinstance(key, _SCALARS)):
                raise TypeError(
                    f"save: dict keys must be str, int, float, bool or None; got {type(key).__name__} at {path}"
                )
            pairs.append([key, encode(item, arrays, f"{path}[{key!r}]", depth + 1)])
        return {"__dict__": pairs}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, arrays, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [encode(v, arrays, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    hint = ""
    if hasattr(value, "state_dict") and hasattr(value, "_modules"):
        hint = "; store its state_dict() there, or save the module itself: shendu.save(module, f)"
    raise TypeError(
        f"save: cannot store a {type(value).__name__} at {path}; checkpoints hold tensors, arrays, numbers, "
        f"strings, None, and dicts, lists and tuples of them{hint}"
    )


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


class _Decoder:
    def __init__(self, fetch: Callable[[str, str], np.ndarray]) -> None:
        self.fetch = fetch
        self.referenced: set[str] = set()

    def array(self, name: Any, path: str) -> np.ndarray:
        if not isinstance(name, str):
            raise StructureError(f"{path}: a tensor reference must be an array's name, got a {_kind(name)}")
        if name in self.referenced:
            raise StructureError(f"{path}: the array {name!r} is referred to twice (a saved file names each once)")
        self.referenced.add(name)
        return self.fetch(name, path)

    def decode(self, value: Any, path: str, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise StructureError(f"{path}: nested more than {MAX_DEPTH} levels deep")
        if value is None or isinstance(value, _SCALARS):
            return value
        if isinstance(value, list):
            # Decoded in place: the list is the parser's own, and a long list of numbers is not copied.
            for i, v in enumerate(value):
                if not (v is None or isinstance(v, _SCALARS)):
                    value[i] = self.decode(v, f"{path}[{i}]", depth + 1)
            return value
        if not isinstance(value, dict):
            raise StructureError(f"{path}: unexpected {_kind(value)}")
        keys = set(value)
        if keys in ({"__tensor__"}, {"__tensor__", "requires_grad"}):
            requires_grad = value.get("requires_grad", False)
            if not isinstance(requires_grad, bool):
                raise StructureError(f"{path}: requires_grad must be true or false, got {requires_grad!r}")
            array = self.array(value["__tensor__"], path)
            t = Tensor._make(array)
            if requires_grad and array.dtype.kind == "f":
                t.requires_grad_(True)
            return t
        if keys == {"__ndarray__"}:
            return self.array(value["__ndarray__"], path)
        if keys == {"__tuple__"}:
            items = value["__tuple__"]
            if not isinstance(items, list):
                raise StructureError(f"{path}: a tuple's items must be a list, got a {_kind(items)}")
            return tuple(self.decode(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(items))
        if keys == {"__dict__"}:
            return self.mapping(value["__dict__"], path, depth)
        shown = ", ".join(repr(k) for k in sorted(keys)[:3])
        raise StructureError(f"{path}: unexpected entry with keys {shown}")

    def mapping(self, pairs: Any, path: str, depth: int) -> dict[Any, Any]:
        if not isinstance(pairs, list):
            raise StructureError(f"{path}: a dict's items must be a list of [key, value] pairs, got a {_kind(pairs)}")
        result = {}
        for i, pair in enumerate(pairs):
            if not (isinstance(pair, list) and len(pair) == 2):
                raise StructureError(f"{path}: item {i} of a dict is not a [key, value] pair")
            key, item = pair
            if not (key is None or isinstance(key, _SCALARS)):
                raise StructureError(f"{path}: item {i} of a dict has a {_kind(key)} key")
            result[key] = self.decode(item, f"{path}[{key!r}]", depth + 1)
        return result


def decode(structure: Any, fetch: Callable[[str, str], np.ndarray]) -> Any:
    """Rebuild the saved object from its JSON ``structure``.

    Args:
        structure: the parsed JSON.
        fetch: called as ``fetch(name, path)`` for each array the structure refers to; it reads the
            array (or raises StructureError naming ``path``).

    Raises:
        StructureError: the structure breaks the grammar (the message says where and how).
    """
    return _Decoder(fetch).decode(structure, "obj", 0)
