"""A whole module in a checkpoint: its class, its constructor's arguments and its submodules, without pickle.

``shendu.save(model, f)`` stores the model's ``state_dict()`` as any checkpoint does, and next to it a
*record*: for the model and each submodule, the importable path of its class (``"mypkg.nets:Classifier"``),
the arguments its constructor was called with (``Module`` remembers them), whether it was training, and
its submodules. ``shendu.load(f, weights_only=False)`` imports each class, calls the constructor with the
same arguments, replaces any submodule that was swapped after construction (``model.fc = nn.Linear(...)``),
and loads the state dict. Importing a class and running its constructor runs code named by the file,
which is why ``weights_only=True`` (the default) refuses records whose classes were not allowed with
``shendu.serialization.add_safe_globals``.

What can be saved whole: a module whose class, and the class of every submodule, is importable (defined
at a module's top level, ``__main__`` included), built from constructor arguments that are numbers,
strings, None, dtypes, devices, tensors, importable classes or functions, other modules, and lists,
tuples and dicts of those. What is not restored: attributes set after construction other than
submodules, parameters and buffers (hooks, plain attributes), and parameters or buffers registered after
construction (loading then fails with the keys that do not fit).
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _dtype
from .. import backend as _backend
from ..tensor import Tensor

__all__ = ["RecordError", "global_path", "paths_in", "rebuild", "record"]

_SCALARS = (bool, int, float, str)


class RecordError(Exception):
    """A module record that cannot be rebuilt; the message says where and why."""


def global_path(obj: Any) -> str | None:
    """``"module:qualname"`` for a class or function importable by that name, else None."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
        return None
    try:
        found = _resolve(f"{module}:{qualname}", imports=False)
    except RecordError:
        return None
    return f"{module}:{qualname}" if found is obj else None


def _resolve(path: str, imports: bool = True) -> Any:
    module_name, _, qualname = path.partition(":")
    module = sys.modules.get(module_name)
    if module is None:
        if not imports:
            raise RecordError(f"module {module_name!r} is not imported")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise RecordError(f"cannot import {module_name!r} for {path!r}: {exc}") from None
    found: Any = module
    for part in qualname.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise RecordError(f"{module_name!r} has no {qualname!r} (the file names {path!r})") from None
    return found


# ----------------------------------------------------------------------------- saving


def record(module: Any, encode_tensor: Callable[[Tensor | np.ndarray, str], Any], where: str = "model") -> dict:
    """The JSON record of ``module`` and its submodules; tensors among the arguments go through ``encode_tensor``."""
    from ..nn.module import Module

    path = global_path(type(module))
    if path is None:
        raise TypeError(
            f"save: cannot save {where} ({type(module).__name__}) whole: its class is not importable by name "
            "(defined inside a function?); save its state_dict() instead"
        )
    args, kwargs = module.__dict__.get("_constructor_args", ((), {}))
    encoder = _ArgEncoder(encode_tensor, f"{where} ({type(module).__name__})")
    children = {}
    for name, child in module._modules.items():
        if isinstance(child, Module):
            children[name] = record(child, encode_tensor, f"{where}.{name}")
    return {
        "class": path,
        "args": encoder.encode(list(args), "args"),
        "kwargs": encoder.encode(dict(kwargs), "kwargs"),
        "signature": signature(args, kwargs),
        "training": bool(module.training),
        "children": children,
    }


def signature(args: Any, kwargs: Any) -> str:
    """The constructor arguments as text, tensors by shape and dtype: what tells two constructions apart."""
    from ..nn.module import Module

    def sketch(value: Any) -> Any:
        if isinstance(value, (Tensor, np.ndarray)):
            return f"tensor{tuple(value.shape)}:{value.dtype}"
        if isinstance(value, (list, tuple)):
            return [sketch(v) for v in value]
        if isinstance(value, dict):
            return {str(k): sketch(v) for k, v in value.items()}
        if isinstance(value, np.generic):
            return value.item()
        if value is None or isinstance(value, _SCALARS):
            return value
        if isinstance(value, Module):
            return f"module {global_path(type(value))}"
        if isinstance(value, type) or callable(value):
            return f"global {global_path(value)}"
        return str(value)

    return json.dumps([sketch(list(args)), sketch(dict(kwargs))], sort_keys=True)


class _ArgEncoder:
    def __init__(self, encode_tensor: Callable[[Any, str], Any], owner: str) -> None:
        self.encode_tensor, self.owner = encode_tensor, owner

    def refuse(self, value: Any, where: str) -> TypeError:
        return TypeError(
            f"save: cannot save {self.owner} whole: its constructor's {where} is a {type(value).__name__}, which a "
            "checkpoint cannot rebuild without pickle; save its state_dict() instead and build the model in code"
        )

    def encode(self, value: Any, where: str) -> Any:
        from ..nn.module import Module
        from ..nn.parameter import Parameter

        if value is None or isinstance(value, _SCALARS):
            return value
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, Parameter):
            return {"__parameter__": self.encode_tensor(value.detach(), where)}
        if isinstance(value, (Tensor, np.ndarray)):
            return self.encode_tensor(value, where)
        if isinstance(value, _dtype.dtype):
            return {"__dtype__": value.name}
        if isinstance(value, _backend.device):
            return {"__device__": str(value)}
        if isinstance(value, Module):
            return {"__module__": record(value, self.encode_tensor, f"{self.owner} {where}")}
        if isinstance(value, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
        if isinstance(value, dict):
            pairs = []
            for key, item in value.items():
                if not (key is None or isinstance(key, _SCALARS)):
                    raise self.refuse(key, f"{where} key")
                pairs.append([key, self.encode(item, f"{where}[{key!r}]")])
            return {"__dict__": pairs}
        if isinstance(value, type) or callable(value):
            path = global_path(value)
            if path is not None:
                return {"__global__": path}
        raise self.refuse(value, where)


# ----------------------------------------------------------------------------- loading


def paths_in(tree: Any) -> set[str]:
    """Every class and function path a record names (what loading it would import)."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in ("class", "__global__"):
                if isinstance(node.get(key), str):
                    found.add(node[key])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def rebuild(tree: Any, decode_tensor: Callable[[Any, str], Tensor | np.ndarray], where: str = "model") -> Any:
    """The module a record describes, built by its constructor and fitted to the record's submodules."""
    module = _construct(tree, decode_tensor, where)
    _fit(module, tree, decode_tensor, where)
    return module


def _node(tree: Any, where: str) -> dict:
    keys = {"class", "args", "kwargs", "signature", "training", "children"}
    if not isinstance(tree, dict) or set(tree) != keys:
        raise RecordError(f"{where}: a module record needs exactly the fields {sorted(keys)}")
    if not isinstance(tree["class"], str) or ":" not in tree["class"]:
        raise RecordError(f"{where}: the class must be a 'module:qualname' path, got {tree['class']!r}")
    if not isinstance(tree["children"], dict) or not isinstance(tree["training"], bool):
        raise RecordError(f"{where}: children must be a mapping and training true or false")
    return tree


def _construct(tree: Any, decode_tensor: Callable[[Any, str], Any], where: str) -> Any:
    from ..nn.module import Module

    node = _node(tree, where)
    cls = _resolve(node["class"])
    if not (isinstance(cls, type) and issubclass(cls, Module)):
        raise RecordError(f"{where}: {node['class']!r} is not a Module class")
    decoder = _ArgDecoder(decode_tensor, where)
    args, kwargs = decoder.decode(node["args"], "args"), decoder.decode(node["kwargs"], "kwargs")
    if not isinstance(args, list) or not isinstance(kwargs, dict) or not all(isinstance(k, str) for k in kwargs):
        raise RecordError(f"{where}: the arguments must be a list and a mapping of names")
    try:
        return cls(*args, **kwargs)
    except Exception as exc:
        raise RecordError(f"{where}: {node['class']} could not be built again: {type(exc).__name__}: {exc}") from None


def _fit(module: Any, tree: dict, decode_tensor: Callable[[Any, str], Any], where: str) -> None:
    """Make ``module``'s submodules those of the record, in the record's order (parameters keep their order)."""
    fitted = {}
    for name, child_tree in tree["children"].items():
        child_where = f"{where}.{name}"
        child = module._modules.get(name)
        node = _node(child_tree, child_where)
        same = (
            child is not None
            and global_path(type(child)) == node["class"]
            and signature(*child.__dict__.get("_constructor_args", ((), {}))) == node["signature"]
        )
        if not same:
            child = _construct(node, decode_tensor, child_where)
        _fit(child, node, decode_tensor, child_where)
        fitted[name] = child
    module._modules.clear()
    for name, child in fitted.items():
        module._register_child(name, child)
    object.__setattr__(module, "training", tree["training"])


class _ArgDecoder:
    def __init__(self, decode_tensor: Callable[[Any, str], Any], where: str) -> None:
        self.decode_tensor, self.where = decode_tensor, where

    def decode(self, value: Any, where: str) -> Any:
        from ..nn.parameter import Parameter

        if value is None or isinstance(value, _SCALARS):
            return value
        if isinstance(value, list):
            return [self.decode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if not isinstance(value, dict) or len(value) == 0:
            raise RecordError(f"{self.where}: {where}: unexpected {type(value).__name__} in the arguments")
        if "__tensor__" in value or "__ndarray__" in value:
            return self.decode_tensor(value, f"{self.where} {where}")
        if len(value) != 1:
            raise RecordError(f"{self.where}: {where}: unexpected fields {sorted(value)}")
        ((tag, body),) = value.items()
        if tag == "__parameter__":
            return Parameter(self.decode_tensor(body, f"{self.where} {where}"))
        if tag == "__tuple__" and isinstance(body, list):
            return tuple(self.decode(v, f"{where}[{i}]") for i, v in enumerate(body))
        if tag == "__dict__" and isinstance(body, list):
            pairs = {}
            for pair in body:
                if not (
                    isinstance(pair, list) and len(pair) == 2 and (pair[0] is None or isinstance(pair[0], _SCALARS))
                ):
                    raise RecordError(f"{self.where}: {where}: a dict entry must be a [key, value] pair")
                pairs[pair[0]] = self.decode(pair[1], f"{where}[{pair[0]!r}]")
            return pairs
        if tag == "__dtype__" and isinstance(body, str):
            try:
                return _dtype.to_dtype(body, "load")
            except TypeError as exc:
                raise RecordError(f"{self.where}: {where}: {exc}") from None
        if tag == "__device__" and isinstance(body, str):
            try:
                return _backend.device(body)
            except (TypeError, ValueError, RuntimeError) as exc:
                raise RecordError(f"{self.where}: {where}: {exc}") from None
        if tag == "__global__" and isinstance(body, str) and ":" in body:
            return _resolve(body)
        if tag == "__module__":
            return rebuild(body, self.decode_tensor, f"{self.where} {where}")
        raise RecordError(f"{self.where}: {where}: unexpected entry {tag!r} in the arguments")
