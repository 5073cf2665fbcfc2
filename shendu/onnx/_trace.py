"""Record one forward pass: every Function call, what it read, what it made, and the module it ran in.

Comparisons and ``argmax``, which make their tensors without a Function, are recorded too.
While recording, ``Function.apply`` is swapped for a version that notes each call (as anomaly mode
swaps it), forward hooks keep the path of the running module, and in-place changes are followed:
``x.relu_()`` makes ``x`` name the result of its ReLU, while an in-place change the exporter cannot
express (``x[0] = 1``, or a write that other views of the same memory would see) makes any later
read of the changed tensors an error instead of a silently wrong graph.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import anomaly as _anomaly
from ..autograd import inplace as _inplace
from ..autograd.function import Function
from ..nn.module import Module
from ..ops import comparison as _comparison
from ..ops import reduction as _reduction
from ..tensor import Tensor
from ._errors import OnnxExportError

__all__ = [
    "ArgExtreme",
    "Compare",
    "Const",
    "Logical",
    "Param",
    "Record",
    "Trace",
    "Val",
    "input_tensors",
    "map_tensors",
    "record",
]


class Compare:
    """A comparison (``x > 0``): made without a Function, recorded under this name (params: ufunc, operands)."""


class Logical:
    """A logical and, or, xor of bool tensors (params: ufunc, operands)."""


class ArgExtreme:
    """``argmax`` or ``argmin`` (params: dim, keepdim, largest)."""


@dataclass(frozen=True)
class Val:
    """A value computed in the graph (a graph input or an op's output); ``index`` counts them in order."""

    index: int
    shape: tuple[int, ...]
    dtype: np.dtype


@dataclass(frozen=True)
class Param:
    """A parameter or buffer of the model, by its ``state_dict`` name."""

    name: str
    array: Any = field(compare=False, repr=False)


@dataclass(frozen=True)
class Const:
    """A tensor made outside the graph (e.g. zeros created in forward): its value at the time of the call."""

    array: Any = field(compare=False, repr=False)


Ref = Val | Param | Const


@dataclass
class Record:
    """One op call: the Function, its inputs and outputs as references, its keyword parameters."""

    op: type
    inputs: list[Ref]
    params: dict[str, Any]
    outputs: list[Val]
    module: str
    # References for the arrays passed as keyword parameters (e.g. embedding indices), by id.
    arrays: dict[int, Ref]

    def where(self) -> str:
        return f"op {self.op.__name__} in module {self.module}"


@dataclass
class Trace:
    """What one forward pass did: the graph inputs, the op calls in order, and the outputs."""

    inputs: list[Val]
    records: list[Record]
    outputs: list[Ref]


def _flatten(value: Any, what: str) -> list[Any]:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _flatten(item, what)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _flatten(item, what)]
    raise OnnxExportError(
        f"export: the model's {what} must be tensors, or tuples, lists or dicts of tensors; got {type(value).__name__}"
    )


def input_tensors(value: Any) -> list[Tensor]:
    """The tensors among the arguments of ``forward``, in order, inside tuples, lists and dicts too.

    Each becomes a graph input, as ``torch.onnx.export`` makes one of every tensor it finds: a
    tensor left out (an LSTM's ``(h0, c0)``) would otherwise be written as a constant.
    """
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in input_tensors(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in input_tensors(item)]
    return []


def map_tensors(value: Any, change: Any) -> Any:
    """``value`` with ``change(t)`` in place of each tensor found by ``input_tensors``, in the same order."""
    if isinstance(value, Tensor):
        return change(value)
    if isinstance(value, dict):
        return type(value)((key, map_tensors(item, change)) for key, item in value.items())
    if isinstance(value, (tuple, list)):
        items = [map_tensors(item, change) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    return value


class _Recorder:
    def __init__(self, model: Module) -> None:
        self.values: dict[int, Val] = {}
        self.tensors: list[Tensor] = []  # kept alive, so that no id is reused while recording
        self.arrays: dict[int, Val] = {}
        self.dirty: dict[int, str] = {}
        self.params: dict[int, str] = {}
        for name, t in [*model.named_parameters(), *model.named_buffers()]:
            self.params.setdefault(id(t), name)
            self.params.setdefault(id(t._array), name)
        self.records: list[Record] = []
        self.stack: list[str] = [type(model).__name__]
        self.count = 0

    def add(self, t: Tensor) -> Val:
        array = t._array
        val = Val(self.count, tuple(array.shape), array.dtype)
        self.count += 1
        self.values[id(t)] = val
        self.arrays[id(array)] = val
        self.tensors.append(t)
        self.dirty.pop(id(t), None)
        return val

    def ref(self, t: Tensor, op: str) -> Ref:
        key = id(t)
        if key in self.dirty:
            raise OnnxExportError(
                f"export: op {op} in module {self.stack[-1]} reads a tensor that {self.dirty[key]} changed in place "
                "in a way the exporter cannot follow (a write into part of a tensor, or through another view of "
                "its memory); use the out-of-place form (e.g. torch.where or torch.cat instead of x[...] = ...)"
            )
        if key in self.values:
            return self.values[key]
        name = self.params.get(key)
        if name is not None:
            return Param(name, t._array)
        return self.array_ref(t._array)

    def array_ref(self, array: Any) -> Ref:
        """The reference of a raw array: a graph value, a parameter (or a view of one), or a constant."""
        probe = array
        while probe is not None:
            if id(probe) in self.arrays:
                if probe is array:
                    return self.arrays[id(probe)]
                raise OnnxExportError(
                    f"export: an op in module {self.stack[-1]} reads a view of a computed value as a fixed array; "
                    "the exporter cannot follow it (pass the tensor itself)"
                )
            if id(probe) in self.params:
                if probe is array:
                    return Param(self.params[id(probe)], probe)
                if array.size == probe.size:
                    # A reshaped view of a parameter, such as batch norm's running statistics.
                    return Param(self.params[id(probe)], probe)
                break
            probe = getattr(probe, "base", None)
        return Const(np.array(array.get() if hasattr(array, "get") else array, copy=True))

    def changed_in_place(self, t: Tensor, op: str) -> None:
        shared = t._vc
        for other in self.tensors:
            if other._vc is shared:
                self.dirty[id(other)] = op

    def untracked(self, cls: type, operands: tuple[Any, ...], params: dict[str, Any], out: Tensor) -> None:
        """Record an op that makes its tensor without a Function; numbers among its operands go in the params."""
        tensors = tuple(a for a in operands if isinstance(a, Tensor))
        params["operands"] = tuple(None if isinstance(a, Tensor) else a for a in operands)
        self.call(cls, tensors, params, out)

    def call(self, cls: type, inputs: tuple[Tensor, ...], params: dict[str, Any], out: Any) -> None:
        refs = [self.ref(t, cls.__name__) for t in inputs]
        arrays: dict[int, Ref] = {}
        for value in params.values():
            for item in value if isinstance(value, tuple) else (value,):
                if isinstance(item, np.ndarray) or type(item).__module__.startswith("cupy"):
                    arrays[id(item)] = self.array_ref(item)
        outputs = [self.add(o) for o in (out if isinstance(out, tuple) else (out,))]
        self.records.append(Record(cls, refs, dict(params), outputs, self.stack[-1], arrays))


_active: list[_Recorder] = []


def _recording_apply(cls: type[Function], *inputs: Tensor, **params: Any) -> Any:
    out = _previous_apply[-1].__func__(cls, *inputs, **params)
    _active[-1].call(cls, inputs, params, out)
    return out


_previous_apply: list[Any] = []


@contextmanager
def _patched(recorder: _Recorder, model: Module) -> Iterator[None]:
    if _anomaly._plain_apply is None:
        # Anomaly mode keeps the unpatched apply from its first use; it must never keep the recording one.
        _anomaly._plain_apply = Function.__dict__["apply"]
    plain_store, plain_check = _inplace._store, Tensor._check_inplace

    def store(op: str, target: Tensor, result: Tensor) -> None:
        plain_store(op, target, result)
        # Whatever shared the old memory is stale now; the target itself holds the recorded result.
        recorder.changed_in_place(target, op)
        val = recorder.values.get(id(result))
        if val is not None:
            recorder.values[id(target)] = val
            recorder.tensors.append(target)
            recorder.dirty.pop(id(target), None)

    def check_inplace(self: Tensor, op: str) -> None:
        plain_check(self, op)
        recorder.changed_in_place(self, op)

    def enter(label: str) -> Any:
        def hook(module: Module, args: Any) -> None:
            recorder.stack.append(label)

        return hook

    def leave(module: Module, args: Any, output: Any) -> None:
        recorder.stack.pop()

    plain_compare, plain_logical, plain_arg = _comparison._compare, _comparison._logical, _reduction._arg_extreme
    plain_bitwise = _comparison._bitwise

    def bitwise(op: str, ufunc: str, input: Any, other: Any) -> Tensor:
        out = plain_bitwise(op, ufunc, input, other)
        operands = (input, other) if isinstance(input, Tensor) else (other, input)
        recorder.untracked(Logical, operands, {"ufunc": ufunc}, out)
        return out

    def compare(op: str, ufunc: str, input: Any, other: Any) -> Tensor:
        out = plain_compare(op, ufunc, input, other)
        recorder.untracked(Compare, (input, other), {"ufunc": ufunc}, out)
        return out

    def logical(op: str, ufunc: str, input: Any, other: Any) -> Tensor:
        out = plain_logical(op, ufunc, input, other)
        recorder.untracked(Logical, (input, other), {"ufunc": ufunc}, out)
        return out

    def arg_extreme(op: str, input: Tensor, dim: Any, keepdim: bool, largest: bool) -> Tensor:
        out = plain_arg(op, input, dim, keepdim, largest)
        recorder.untracked(ArgExtreme, (input,), {"dim": dim, "keepdim": keepdim, "largest": largest}, out)
        return out

    handles = []
    for path, module in model.named_modules():
        label = f"{path} ({type(module).__name__})" if path else type(module).__name__
        handles.append(module.register_forward_pre_hook(enter(label)))
        handles.append(module.register_forward_hook(leave))
    _previous_apply.append(Function.__dict__["apply"])
    _active.append(recorder)
    Function.apply = classmethod(_recording_apply)  # type: ignore[method-assign,assignment]
    _inplace._store, Tensor._check_inplace = store, check_inplace  # type: ignore[method-assign]
    _comparison._compare, _comparison._logical, _reduction._arg_extreme = compare, logical, arg_extreme
    _comparison._bitwise = bitwise
    try:
        yield
    finally:
        Function.apply = _previous_apply.pop()  # type: ignore[method-assign]
        _active.pop()
        _inplace._store, Tensor._check_inplace = plain_store, plain_check  # type: ignore[method-assign]
        _comparison._compare, _comparison._logical, _reduction._arg_extreme = plain_compare, plain_logical, plain_arg
        _comparison._bitwise = plain_bitwise
        for handle in handles:
            handle.remove()


def record(model: Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Trace:
    """Run ``model(*args, **kwargs)`` once (the caller sets eval mode and no_grad) and return what it did."""
    recorder = _Recorder(model)
    inputs = [recorder.add(t) for t in input_tensors((args, kwargs))]
    with _patched(recorder, model):
        result = model(*args, **kwargs)
    outputs = [recorder.ref(t, "the output") for t in _flatten(result, "outputs")]
    return Trace(inputs, recorder.records, outputs)
