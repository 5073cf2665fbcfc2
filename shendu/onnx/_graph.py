"""The ONNX graph being built from a trace: value names, nodes, initializers, and what varies with the dynamic axes.

Converters (``_export_ops``, ``_export_nn``) turn one recorded op into nodes through this class.
The model ran twice: on the example, and on a probe with other values (and each dynamic axis one
longer). A dimension that differs between the two runs depends on the dynamic axes, so it must not
be written into the graph as a number; a constant that differs depends on the input, so the
graph would be wrong with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._errors import OnnxExportError
from ._trace import Const, Param, Record, Ref, Trace, Val

__all__ = ["CONVERTERS", "Graph", "converter_for", "converts", "onnx_dtype", "supported_ops"]

Converter = Callable[["Graph", Record], None]
CONVERTERS: dict[type, Converter] = {}

INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


# Classes whose converter also serves the subclasses made at run time (one Einsum class per operand count).
_FAMILIES: dict[type, Converter] = {}


def converts(*classes: type, family: bool = False) -> Callable[[Converter], Converter]:
    """Register a converter for these Function classes: exactly these, or with ``family`` their subclasses too."""

    def register(fn: Converter) -> Converter:
        for cls in classes:
            (_FAMILIES if family else CONVERTERS)[cls] = fn
        return fn

    return register


def supported_ops() -> tuple[str, ...]:
    """The names of the shendu ops that have a converter."""
    return tuple(sorted({cls.__name__ for cls in CONVERTERS} | {cls.__name__ for cls in _FAMILIES}))


def converter_for(cls: type) -> Converter | None:
    """The converter of a Function class, or None when the op has no ONNX form here."""
    found = CONVERTERS.get(cls)
    if found is None:
        found = next((fn for base, fn in _FAMILIES.items() if issubclass(cls, base)), None)
    return found


def onnx_dtype(dtype: Any) -> int:
    """The ONNX element type of a NumPy dtype."""
    from onnx import helper

    try:
        return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    except (KeyError, TypeError, ValueError):
        raise OnnxExportError(f"export: dtype {np.dtype(dtype)} has no ONNX element type") from None


def _host(array: Any) -> np.ndarray:
    return np.asarray(array.get() if hasattr(array, "get") else array)


def _same(a: Any, b: Any, dynamic: bool) -> bool:
    """Whether two values of an op argument agree; with dynamic axes, integers (sizes, indices) may differ."""
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y, dynamic) for x, y in zip(a, b))
    if (isinstance(a, np.ndarray) and a.ndim > 0) or type(a).__module__.startswith("cupy"):
        return True  # arrays are compared through their references
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return bool(a == b)
    if isinstance(a, (int, np.integer)) and isinstance(b, (int, np.integer)):
        return dynamic or int(a) == int(b)
    if isinstance(a, (float, np.floating, np.ndarray, np.generic)) and isinstance(b, (float, np.floating, np.generic)):
        return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))
    try:
        return bool(a == b)
    except Exception:
        return True


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Graph:
    """Nodes and initializers under construction, with helpers that make the common node patterns."""

    def __init__(self, trace: Trace, probe: Trace, opset: int, dynamic_axes: bool) -> None:
        self.trace = trace
        self.dynamic_axes = dynamic_axes
        self.probe = probe
        self.opset = opset
        self.nodes: list[Any] = []
        self.initializers: dict[str, np.ndarray] = {}
        self.names: dict[int, str] = {}
        self.record: Record | None = None
        # An argument that changed with the input: raised after the converter, whose own refusal reads better.
        self.pending: OnnxExportError | None = None
        self._probe_record: Record | None = None
        self._probe_vals = {val.index: val for val in probe.inputs}
        self._probe_vals.update((val.index, val) for rec in probe.records for val in rec.outputs)
        self._const_names: dict[int, str] = {}
        self._counter = 0
        # The dynamic axes of the graph's inputs, (input name, axis, symbol, sizes on the two runs), from
        # which a reshape can read a size its own input no longer shows (a batch axis merged with another).
        self.input_axes: list[tuple[str, int, str, tuple[int, int]]] = []

    # ---------------------------------------------------------------- records and dynamic axes
    def begin(self, index: int, rec: Record) -> None:
        self.record = rec
        other = self.probe.records[index] if index < len(self.probe.records) else None
        if other is None or other.op is not rec.op:
            got = "no op" if other is None else f"op {other.op.__name__}"
            raise OnnxExportError(
                f"export: the model runs different ops on the example and on a second input (its values "
                f"shifted, each dynamic axis one longer): call {index} is {rec.where()} on the example but "
                f"{got} on the other; its forward depends on the input's values or size, which a graph cannot follow"
            )
        self._probe_record = other
        self.pending = self._check_params(rec, other)

    def _check_params(self, rec: Record, other: Record) -> OnnxExportError | None:
        """The error for a call whose arguments changed with the input's values (a graph can hold only one)."""
        for key, value in rec.params.items():
            if not _same(value, other.params[key], self.dynamic_axes):
                return self.error(
                    f"its argument {key} changed when the input did ({_show(value)} on the example, "
                    f"{_show(other.params[key])} on a second input); it was computed from the input outside the ops "
                    "the exporter records (e.g. with .item() or .numpy()), so no fixed graph can reproduce it"
                )
        for (_, ref), (_, probe) in zip(rec.arrays.items(), other.arrays.items()):
            if isinstance(ref, Const) and not (
                isinstance(probe, Const) and np.array_equal(_host(ref.array), _host(probe.array))
            ):
                return self.error(
                    "an array argument changed when the input did; it was computed from the input outside the "
                    "ops the exporter records, so no fixed graph can reproduce it"
                )
        return None

    def error(self, message: str) -> OnnxExportError:
        assert self.record is not None
        return OnnxExportError(f"export: {self.record.where()}: {message}")

    def other(self, key: str) -> Any:
        """A keyword parameter of this call as it was on the second input."""
        assert self._probe_record is not None
        return self._probe_record.params[key]

    def val(self, i: int) -> Val:
        """Input ``i`` of the current call as a value with a shape (index -1 for a parameter or constant)."""
        assert self.record is not None
        ref = self.record.inputs[i]
        if isinstance(ref, Val):
            return ref
        return Val(-1, tuple(ref.array.shape), ref.array.dtype)

    def other_shape(self, val: Val) -> tuple[int, ...]:
        """``val``'s shape on the second input (a parameter's or constant's never changes)."""
        if val.index < 0:
            return val.shape
        return self._probe_vals[val.index].shape

    def dynamic(self, val: Val) -> tuple[bool, ...]:
        """Per axis of ``val``, whether its size follows the dynamic axes."""
        return tuple(a != b for a, b in zip(val.shape, self.other_shape(val)))

    def position(self, index: int, other: int, size: int, other_size: int, what: str) -> int:
        """An index into an axis, counted from the end when it moves with that axis's size."""
        if index == other:
            return index
        if index - size == other - other_size:
            return index - size
        raise self.error(f"the {what} {index} depends on the dynamic axes in a way ONNX cannot express")

    # ---------------------------------------------------------------- names
    def fresh(self, op_type: str) -> str:
        self._counter += 1
        module = self.record.module.split(" ")[0] if self.record is not None else ""
        return f"/{module}/{op_type}_{self._counter}" if module else f"/{op_type}_{self._counter}"

    def bind(self, val: Val, name: str) -> None:
        self.names[val.index] = name

    def name(self, ref: Ref) -> str:
        """The ONNX name of a value, adding an initializer for a parameter or constant on first use."""
        if isinstance(ref, Val):
            return self.names[ref.index]
        if isinstance(ref, Param):
            if ref.name not in self.initializers:
                self.initializers[ref.name] = _host(ref.array)
            return ref.name
        key = id(ref)
        if key not in self._const_names:
            name = self.fresh("Constant")
            self.initializers[name] = _host(ref.array)
            self._const_names[key] = name
        return self._const_names[key]

    def input(self, i: int) -> str:
        """The name of input ``i`` of the current call; a constant must not have changed with the input."""
        assert self.record is not None and self._probe_record is not None
        ref = self.record.inputs[i]
        if isinstance(ref, Const):
            other = self._probe_record.inputs[i]
            if not isinstance(other, Const) or not np.array_equal(_host(ref.array), _host(other.array)):
                raise self.error(
                    f"input {i} is a tensor made inside forward that depends on the input (it changed when the "
                    "input did), but was not computed by ops the exporter records (e.g. it came through .item(), "
                    ".numpy(), torch-style shape arithmetic on a dynamic axis, or an unrecorded op)"
                )
        return self.name(ref)

    def array(self, array: Any) -> str:
        """The name of an array passed as a keyword parameter of the current call (e.g. embedding indices)."""
        assert self.record is not None
        ref = self.record.arrays.get(id(array))
        if ref is None:
            return self.const(_host(array))
        return self.name(ref)

    def const(self, value: Any, dtype: Any = None) -> str:
        """An initializer holding ``value`` (e.g. a shape or axes list)."""
        array = np.array(value, dtype=dtype)
        name = self.fresh("Constant")
        self.initializers[name] = array
        return name

    def ints(self, values: Sequence[int]) -> str:
        return self.const(list(values), np.int64)

    def scalar(self, value: Any, dtype: Any) -> str:
        return self.const(value, np.dtype(dtype))

    # ---------------------------------------------------------------- nodes
    def node(self, op_type: str, inputs: Sequence[str], outputs: int = 1, **attrs: Any) -> list[str]:
        """Add a node; returns its output names."""
        from onnx import helper

        names = [self.fresh(f"{op_type}_output") for _ in range(outputs)]
        self.nodes.append(
            helper.make_node(op_type, list(inputs), names, name=self.fresh(op_type), **attrs)  # type: ignore[arg-type]
        )
        return names

    def one(self, op_type: str, inputs: Sequence[str], **attrs: Any) -> str:
        return self.node(op_type, inputs, 1, **attrs)[0]

    def out(self, name: str, index: int = 0) -> None:
        """Name output ``index`` of the current call."""
        assert self.record is not None
        self.bind(self.record.outputs[index], name)

    def cast(self, name: str, src: Any, dst: Any) -> str:
        if np.dtype(src) == np.dtype(dst):
            return name
        return self.one("Cast", [name], to=onnx_dtype(dst))

    def axes_op(self, op_type: str, x: str, axes: Sequence[int], **attrs: Any) -> str:
        """A node taking ``axes``: as an input from the opset where the op moved it there, else an attribute."""
        moved = {"Squeeze": 13, "Unsqueeze": 13, "ReduceSum": 13}.get(op_type, 18)
        if self.opset >= moved:
            return self.one(op_type, [x, self.ints(axes)], **attrs)
        return self.one(op_type, [x], axes=list(axes), **attrs)

    def reshape(
        self, x: str, in_shape: Sequence[int], in_other: Sequence[int], shape: Sequence[int], other: Sequence[int]
    ) -> str:
        """Reshape ``x`` (of ``in_shape``, ``in_other`` at the other size) to ``shape`` (``other``).

        A size that moves with the dynamic axes is copied from the input (0) where it stays in place,
        read from the input's shape where exactly one input axis moves the same way (a batch and a
        sequence axis that trade places), else from the one dynamic axis of the graph's inputs that
        moves that way (a batch axis merged with another before), or inferred (-1) for at most one axis.
        """
        target: list[int | str] = []  # a size, or the name of a one-element tensor that holds it at run time
        inferred = copied = False
        for j, (a, b) in enumerate(zip(shape, other)):
            sources = [k for k, sizes in enumerate(zip(in_shape, in_other)) if sizes == (a, b)]
            if a == b:
                target.append(a)
            elif j < len(in_shape) and in_shape[j] == a and in_other[j] == b:
                copied = True
                target.append(0)
            elif len(sources) == 1:
                target.append(self.one("Shape", [x], start=sources[0], end=sources[0] + 1))
            elif len(given := {axis[2]: axis for axis in self.input_axes if axis[3] == (a, b)}) == 1:
                name, axis = next(iter(given.values()))[:2]
                target.append(self.one("Shape", [name], start=axis, end=axis + 1))
            elif not inferred:
                inferred = True
                target.append(-1)
            else:
                symbols = sorted({axis[2] for axis in self.input_axes if axis[3] in zip(shape, other)})
                hint = (
                    f"; the dynamic axes {symbols} have the same size in the example: give each a different size"
                    if len(symbols) > 1
                    else "; keep at most one merged or split dynamic axis per reshape"
                )
                raise self.error(
                    f"the reshape to {tuple(shape)} mixes several dynamic sizes (at the other size: {tuple(other)}), "
                    f"which ONNX's Reshape cannot express{hint}"
                )
        if all(isinstance(size, int) for size in target):
            sizes = self.ints(target)  # type: ignore[arg-type]
        else:
            pieces: list[str] = []
            run: list[int] = []
            for size in target:
                if isinstance(size, int):
                    run.append(size)
                    continue
                if run:
                    pieces.append(self.ints(run))
                    run = []
                pieces.append(size)
            if run:
                pieces.append(self.ints(run))
            sizes = self.one("Concat", pieces, axis=0)
        if 0 in shape:
            # An empty dimension must be written as 0 with allowzero, which then can no longer mean "copy".
            if copied:
                raise self.error(f"the reshape to {tuple(shape)} has an empty dimension next to a dynamic one")
            return self.one("Reshape", [x, sizes], allowzero=1)
        return self.one("Reshape", [x, sizes])

    def slice(
        self, x: str, starts: Sequence[int], ends: Sequence[int], axes: Sequence[int], steps: Sequence[int]
    ) -> str:
        return self.one("Slice", [x, self.ints(starts), self.ints(ends), self.ints(axes), self.ints(steps)])
