"""Reading an ONNX file defensively: every size and reference is checked before any array is made.

A damaged or hostile file fails here with its path and what is wrong: not a protobuf
(truncated, another format), an opset shendu does not implement, an op it does not know,
a tensor whose declared shape disagrees with the bytes it carries (so a few bytes cannot ask
for terabytes), data kept in external files, or a node that reads a value nothing defines.
"""

from __future__ import annotations

import math
import os
from typing import IO, Any

import numpy as np

from ._errors import OnnxLoadError, require_onnx

__all__ = ["IMPORT_OPSETS", "read_model", "tensor_array"]

# The opsets whose semantics the importers implement (13 moved Squeeze's axes to an input; 23 is the newest checked).
IMPORT_OPSETS = range(13, 24)
_PROTOBUF_LIMIT = 2**31 - 1

# ONNX element type -> (NumPy dtype, the TensorProto field that holds the values when raw_data is empty).
_ELEMENT_TYPES: dict[int, tuple[Any, str]] = {
    1: (np.float32, "float_data"),
    2: (np.uint8, "int32_data"),
    3: (np.int8, "int32_data"),
    5: (np.int16, "int32_data"),
    6: (np.int32, "int32_data"),
    7: (np.int64, "int64_data"),
    9: (np.bool_, "int32_data"),
    10: (np.float16, "int32_data"),
    11: (np.float64, "double_data"),
}


def _describe(source: Any) -> str:
    return repr(os.fspath(source)) if isinstance(source, (str, os.PathLike)) else "the ONNX data"


def _read_bytes(source: Any, where: str) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    if not isinstance(source, (str, os.PathLike)):
        if not callable(getattr(source, "read", None)):
            raise OnnxLoadError(
                f"load: expected a file path, a binary file object or the bytes of a model, got {type(source).__name__}"
            )
        try:
            data = source.read(_PROTOBUF_LIMIT + 1)
        except UnicodeDecodeError:  # a file opened in text mode, decoding the model's bytes
            data = ""
        if not isinstance(data, (bytes, bytearray)):
            raise OnnxLoadError("load: the file object gives text, not bytes; open the file in binary mode ('rb')")
        if len(data) > _PROTOBUF_LIMIT:
            raise OnnxLoadError(f"load: {where} holds more than 2 GiB, the most a protobuf ONNX model can be")
        return bytes(data)
    try:
        info = os.stat(source)
    except OSError as exc:
        raise OnnxLoadError(f"load: cannot read {where}: {exc.strerror or exc}") from None
    if not os.path.isfile(source):
        raise OnnxLoadError(f"load: {where} is not a regular file")
    if info.st_size == 0:
        raise OnnxLoadError(f"load: {where} is empty; expected an ONNX model")
    if info.st_size > _PROTOBUF_LIMIT:
        raise OnnxLoadError(
            f"load: {where} is {info.st_size / 2**30:.1f} GiB; an ONNX model file without external data holds at "
            "most 2 GiB (models with external data files are not supported)"
        )
    try:
        with open(source, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise OnnxLoadError(f"load: cannot read {where}: {exc.strerror or exc}") from None


def tensor_array(tensor: Any, where: str) -> np.ndarray:
    """A TensorProto as a NumPy array, after checking that its shape and its data agree."""
    from onnx import numpy_helper

    check_tensor(tensor, where)
    return np.array(numpy_helper.to_array(tensor))


def check_tensor(tensor: Any, where: str) -> None:
    """Raise OnnxLoadError unless the tensor's declared shape matches the data it carries."""
    name = f"tensor {tensor.name!r}" if tensor.name else "a tensor"
    if tensor.data_type not in _ELEMENT_TYPES:
        raise OnnxLoadError(f"load: {where}: {name} has ONNX element type {tensor.data_type}, which shendu cannot load")
    if tensor.data_location == 1 or tensor.external_data:
        raise OnnxLoadError(f"load: {where}: {name} keeps its data in an external file, which shendu does not load")
    dims = list(tensor.dims)
    if any(d < 0 for d in dims):
        raise OnnxLoadError(f"load: {where}: {name} declares a negative dimension in shape {dims}")
    count = math.prod(dims)
    dtype, field = _ELEMENT_TYPES[tensor.data_type]
    if tensor.raw_data:
        expected = count * np.dtype(dtype).itemsize
        if len(tensor.raw_data) != expected:
            raise OnnxLoadError(
                f"load: {where}: {name} declares shape {dims} ({expected} bytes) but carries {len(tensor.raw_data)} "
                "bytes of data; the file is damaged or was written wrongly"
            )
        return
    held = len(getattr(tensor, field))
    if held != count:
        raise OnnxLoadError(
            f"load: {where}: {name} declares shape {dims} ({count} values) but carries {held} values; "
            "the file is damaged or was written wrongly"
        )


def _check_graph(model: Any, where: str, known_ops: set[str]) -> None:
    graph = model.graph
    if graph.sparse_initializer:
        raise OnnxLoadError(f"load: {where}: sparse initializers are not supported")
    defined = {i.name for i in graph.initializer} | {i.name for i in graph.input}
    for init in graph.initializer:
        check_tensor(init, f"{where}, initializer {init.name!r}")
    unknown: dict[str, str] = {}
    for index, node in enumerate(graph.node):
        label = f"node {index} ({node.op_type}{' ' + repr(node.name) if node.name else ''})"
        if node.domain not in ("", "ai.onnx") or node.op_type not in known_ops:
            name = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}"
            unknown.setdefault(name, label)
            defined.update(n for n in node.output if n)
            continue
        for attr in node.attribute:
            if attr.type == 4:  # a tensor attribute, such as Constant's value
                check_tensor(attr.t, f"{where}, {label}")
            elif attr.type == 9:
                for tensor in attr.tensors:
                    check_tensor(tensor, f"{where}, {label}")
            elif attr.type in (5, 10):  # subgraphs (If, Loop, Scan)
                raise OnnxLoadError(f"load: {where}: {label} holds a subgraph; control flow is not supported")
            elif attr.type in (11, 12):
                raise OnnxLoadError(f"load: {where}: {label} holds a sparse tensor, which shendu does not load")
        for name in node.input:
            if name and name not in defined:
                raise OnnxLoadError(
                    f"load: {where}: {label} reads {name!r}, which no input, initializer or earlier node defines "
                    "(a truncated or reordered graph)"
                )
        defined.update(n for n in node.output if n)
    if unknown:
        listed = ", ".join(f"{op} (first at {label})" for op, label in unknown.items())
        raise OnnxLoadError(f"load: {where}: unsupported ONNX op(s): {listed}")
    for out in graph.output:
        if out.name not in defined:
            raise OnnxLoadError(f"load: {where}: the graph output {out.name!r} is never computed")
    if not graph.output:
        raise OnnxLoadError(f"load: {where}: the graph has no outputs")


def read_model(source: str | os.PathLike[str] | IO[bytes] | bytes, known_ops: set[str]) -> tuple[Any, str]:
    """Parse and check an ONNX model; returns it with a description of where it came from."""
    onnx = require_onnx("shendu.onnx.load")
    from google.protobuf.message import DecodeError

    where = _describe(source)
    data = _read_bytes(source, where)
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as exc:
        raise OnnxLoadError(
            f"load: {where} is not a readable ONNX model (the protobuf does not parse: {exc}); "
            "the file may be truncated or of another format"
        ) from None
    if not model.HasField("graph") or not model.graph.node:
        raise OnnxLoadError(f"load: {where} holds no graph (not an ONNX model, or truncated)")
    if not 3 <= model.ir_version <= onnx.IR_VERSION:
        raise OnnxLoadError(
            f"load: {where} has ONNX IR version {model.ir_version}; this onnx package reads 3 to {onnx.IR_VERSION}"
        )
    opsets = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    version = opsets.get("ai.onnx")
    if version is None or version not in IMPORT_OPSETS:
        raise OnnxLoadError(
            f"load: {where} uses ONNX opset {version}; shendu runs opsets {IMPORT_OPSETS.start} to "
            f"{IMPORT_OPSETS.stop - 1} (re-export the model with a supported opset_version)"
        )
    if model.functions:
        raise OnnxLoadError(f"load: {where} defines ONNX functions, which are not supported")
    _check_graph(model, where, known_ops)
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise OnnxLoadError(f"load: {where} is not a valid ONNX model: {first}") from None
    return model, where
