"""``shendu.onnx.load``: an ONNX file as a shendu ``Module`` that runs its graph with shendu's ops."""

from __future__ import annotations

import os
import re
from typing import IO, Any

import numpy as np

from .._dtype import from_numpy_dtype
from ..errors import ShenduError
from ..nn.module import Module
from ..nn.parameter import Parameter
from ..tensor import Tensor
from . import _import_nn  # noqa: F401 - importing it registers the layer importers
from ._errors import OnnxLoadError
from ._import_ops import IMPORTERS, Node
from ._validate import read_model, tensor_array

__all__ = ["OnnxModule", "load"]

# Input slots that take shapes, indices or bounds: an initializer used only there is a buffer outside state_dict().
_FIXED_SLOTS = {
    "Reshape": {1},
    "Slice": {1, 2, 3, 4},
    "Expand": {1},
    "Tile": {1},
    "Pad": {1, 2, 3},
    "Squeeze": {1},
    "Unsqueeze": {1},
    "Clip": {1, 2},
    "Gather": {1},
    "GatherElements": {1},
    "Split": {1},
    "Range": {0, 1, 2},
    "ConstantOfShape": {0},
    "Dropout": {1, 2},
    "Pow": {1},
    "CumSum": {1},
    "Trilu": {1},
}
_REDUCTIONS = {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceLogSumExp", "ReduceL1"}
_REDUCTIONS |= {"ReduceL2", "ReduceSumSquare"}


def _role(op_type: str, slot: int) -> str:
    """What an input slot holds: ``"statistic"`` (batch norm's running statistics), ``"fixed"``, or ``"weight"``."""
    if op_type == "BatchNormalization" and slot in (3, 4):
        return "statistic"
    if (slot == 1 and op_type in _REDUCTIONS) or slot in _FIXED_SLOTS.get(op_type, ()):
        return "fixed"
    return "weight"


def _attributes(node: Any, where: str) -> dict[str, Any]:
    from onnx import helper

    attrs: dict[str, Any] = {}
    for attr in node.attribute:
        if attr.type == 4:
            attrs[attr.name] = tensor_array(attr.t, where)
            continue
        value = helper.get_attribute_value(attr)
        if isinstance(value, bytes):
            value = value.decode()
        elif isinstance(value, list):
            value = [v.decode() if isinstance(v, bytes) else v for v in value]
        attrs[attr.name] = value
    return attrs


class _Scope(Module):
    """A namespace for initializers named ``a.b.c``, so that ``state_dict()`` keeps the file's names."""

    def forward(self, *args: Any) -> Any:
        raise TypeError("this module only groups parameters of an ONNX graph; call the OnnxModule that holds it")


class OnnxModule(Module):
    """An ONNX graph run with shendu's ops, as a module: evaluate it, or fine-tune its initializers.

    Floating-point initializers used as weights become parameters (named as in the file, so a
    model exported by PyTorch keeps its ``state_dict`` keys); running statistics become buffers;
    shapes and indices become buffers outside ``state_dict()``. Batch normalization follows
    ``train()`` and ``eval()``; dropout that the exporter removed stays removed. Build one with
    ``shendu.onnx.load``.

    Attributes:
        input_names: the graph's inputs, in the order ``forward`` takes them.
        output_names: the graph's outputs; ``forward`` returns one tensor, or a tuple for several.
        opset: the file's ONNX opset.
    """

    def __init__(self, model: Any, where: str) -> None:
        super().__init__()
        graph = model.graph
        opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
        roles: dict[str, set[str]] = {}
        for node in graph.node:
            for slot, name in enumerate(node.input):
                roles.setdefault(name, set()).add(_role(node.op_type, slot))
        self._paths: dict[str, str] = {}
        for init in graph.initializer:
            array = tensor_array(init, f"{where}, initializer {init.name!r}")
            role = roles.get(init.name, set())
            if array.dtype.kind == "f" and array.ndim > 0 and "weight" in role:
                kind = "parameter"
            else:
                kind = "state" if "statistic" in role else "constant"
            self._paths[init.name] = self._place(init.name, Tensor._make(array), kind)
        self._nodes: list[Node] = []
        for index, node in enumerate(graph.node):
            label = f"node {index} ({node.op_type}{' ' + repr(node.name) if node.name else ''})"
            item = Node(node.op_type, node.name, list(node.input), list(node.output), {}, label, opset)
            item.attrs = _attributes(node, f"{where}, {label}")
            item.module = self
            self._nodes.append(item)
        initialized = {i.name for i in graph.initializer}
        self._inputs = [i for i in graph.input if i.name not in initialized]
        self.input_names = [i.name for i in self._inputs]
        self.output_names = [o.name for o in graph.output]
        self.opset = opset
        self._where = where

    def _place(self, name: str, value: Tensor, kind: str) -> str:
        """Register ``value`` under the file's dotted name where possible, else under a cleaned-up flat name."""
        parts = name.split(".")
        owner: Module = self
        if all(p.isidentifier() or p.isdigit() for p in parts):
            for part in parts[:-1]:
                child = owner._modules.get(part)
                if child is None:
                    if hasattr(owner, part):
                        break
                    child = _Scope()
                    owner.add_module(part, child)
                owner = child
            else:
                if not hasattr(owner, parts[-1]):
                    self._register(owner, parts[-1], value, kind)
                    return name
        flat = re.sub(r"\W+", "_", name).strip("_") or "tensor"
        if not flat[0].isalpha():
            flat = "t_" + flat
        candidate, k = flat, 2
        while hasattr(self, candidate):
            candidate, k = f"{flat}_{k}", k + 1
        self._register(self, candidate, value, kind)
        return candidate

    @staticmethod
    def _register(owner: Module, name: str, value: Tensor, kind: str) -> None:
        """A weight becomes a parameter; running statistics a buffer; shapes and indices a buffer kept out of
        ``state_dict()`` (they are part of the graph, not of its learned state)."""
        if kind == "parameter":
            owner.register_parameter(name, Parameter(value))
        else:
            owner.register_buffer(name, value, persistent=kind == "state")

    def _tensor(self, path: str) -> Tensor:
        owner: Module = self
        *scopes, leaf = path.split(".")
        for part in scopes:
            owner = owner._modules[part]  # type: ignore[assignment]
        found = owner._parameters.get(leaf)
        return found if found is not None else owner._buffers[leaf]  # type: ignore[return-value]

    def _check_input(self, index: int, value: Any) -> Tensor:
        from onnx import helper

        spec = self._inputs[index]
        if isinstance(value, np.ndarray):
            value = Tensor._make(np.array(value, order="C"))
        if not isinstance(value, Tensor):
            raise TypeError(
                f"{self._error_prefix()}input {spec.name!r} must be a Tensor or a NumPy array, "
                f"got {type(value).__name__}"
            )
        kind = spec.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in kind.shape.dim]
        if kind.HasField("shape"):
            fits = len(dims) == value.ndim and all(not isinstance(d, int) or d == s for d, s in zip(dims, value.shape))
            if not fits:
                shown = "(" + ", ".join(str(d) for d in dims) + ")"
                raise ValueError(
                    f"{self._error_prefix()}input {spec.name!r} must have shape {shown}, got {tuple(value.shape)}"
                )
        if kind.elem_type:
            want = np.dtype(helper.tensor_dtype_to_np_dtype(kind.elem_type))
            if value._array.dtype != want:
                raise TypeError(
                    f"{self._error_prefix()}input {spec.name!r} must have dtype {from_numpy_dtype(want)}, "
                    f"got {value.dtype}"
                )
        return value

    def forward(self, *inputs: Any) -> Any:
        if len(inputs) != len(self._inputs):
            raise TypeError(
                f"{self._error_prefix()}the graph takes {len(self._inputs)} input(s) {self.input_names}, "
                f"got {len(inputs)}"
            )
        env: dict[str, Any] = {
            name: self._check_input(i, v) for i, (name, v) in enumerate(zip(self.input_names, inputs))
        }
        for name, path in self._paths.items():
            env[name] = self._tensor(path)
        for node in self._nodes:
            args = [env[name] if name else None for name in node.inputs]
            while args and args[-1] is None:
                args.pop()
            try:
                outputs = IMPORTERS[node.op_type](node, args)
            except OnnxLoadError:
                raise
            except ShenduError as exc:
                raise type(exc)(f"onnx {node.label}: {exc}") from None
            for name, value in zip(node.outputs, outputs):
                if name:
                    env[name] = value
        results = tuple(env[name] for name in self.output_names)
        return results[0] if len(results) == 1 else results

    def extra_repr(self) -> str:
        return f"inputs={self.input_names}, outputs={self.output_names}, nodes={len(self._nodes)}, opset={self.opset}"


def load(f: str | os.PathLike[str] | IO[bytes] | bytes) -> OnnxModule:
    """Read an ONNX model into a shendu module that runs its graph (in eval mode, as it was exported).

    The file is checked before anything is allocated: a truncated or foreign file, an opset
    outside 13 to 23, an op shendu does not implement, a tensor whose declared shape disagrees
    with its data, or external data each raise ``OnnxLoadError`` naming the file and the problem.

    Args:
        f: a file path, a binary file object, or the bytes of a model.

    Returns:
        An ``OnnxModule``: call it on tensors (or NumPy arrays) in the order of ``input_names``;
        call ``train()`` and give its ``parameters()`` to an optimizer to fine-tune it.

    Example:
        >>> import io
        >>> buffer = io.BytesIO()
        >>> shendu.onnx.export(nn.Linear(3, 2), shendu.randn(1, 3), buffer)
        >>> model = shendu.onnx.load(buffer.getvalue())
        >>> [name for name, _ in model.named_parameters()]
        ['weight', 'bias']
    """
    model, where = read_model(f, set(IMPORTERS))
    module = OnnxModule(model, where)
    module.eval()
    return module
