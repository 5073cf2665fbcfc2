"""``shendu.onnx.export``: record one forward pass in eval mode and write it as an ONNX model."""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping, Sequence
from typing import Any, BinaryIO

import numpy as np

from ..autograd.grad_mode import no_grad
from ..nn.module import Module
from ..tensor import Tensor
from . import _export_nn, _export_ops  # noqa: F401 - importing them registers the converters
from ._errors import OnnxExportError, require_onnx
from ._graph import Graph, converter_for, onnx_dtype
from ._trace import Trace, Val, input_tensors, map_tensors, record

__all__ = ["DEFAULT_OPSET", "EXPORT_OPSETS", "export"]

DEFAULT_OPSET = 17
# 17 brought LayerNormalization; the converters write the forms of 17 to 21.
EXPORT_OPSETS = range(17, 22)
# A protobuf message cannot exceed 2 GiB.
_PROTOBUF_LIMIT = 2**31 - 1


# What to do instead, for the ops without an ONNX form that models commonly run.
_NO_FORM_HINTS = {
    "PackRows": (
        " (pack_padded_sequence: the exporter writes recurrent layers over padded batches only; "
        "export a forward that runs them on the padded batch)"
    ),
}


def _write_atomically(path: str | os.PathLike[str], payload: bytes, *, replace: bool = True) -> None:
    """Write the model file: a temporary file renamed over the target, never written through a symlink.

    With ``replace=False`` an existing file, even one that appeared meanwhile, raises FileExistsError.
    """
    from ..io import WriteError, atomic_write_bytes

    if os.path.islink(path):
        raise OnnxExportError(f"export: {os.fspath(path)!r} is a symbolic link; refusing to write through it")
    try:
        atomic_write_bytes(path, payload, replace=replace)
    except FileExistsError:
        raise
    except WriteError as exc:  # its message already names the path
        raise OnnxExportError(f"export: {exc}") from None
    except OSError as exc:
        raise OnnxExportError(f"export: cannot write {os.fspath(path)!r}: {exc.strerror or exc}") from None


def _names(given: Sequence[str] | None, count: int, stem: str, what: str) -> list[str]:
    if given is not None and (isinstance(given, str) or not all(isinstance(n, str) for n in given)):
        raise OnnxExportError(f"export: {what} must be a list of strings, got {given!r}")
    given = list(given or [])
    if "" in given:
        raise OnnxExportError(f"export: {what} must not be empty strings, got {given}")
    if len(given) > count:
        raise OnnxExportError(f"export: {len(given)} {what} given for a model with {count} {stem}s: {given}")
    defaults = [stem] if count == 1 else [f"{stem}_{i}" for i in range(count)]
    names = given + defaults[len(given) :]
    if len(set(names)) != len(names):
        raise OnnxExportError(f"export: {what} must be unique, got {names}")
    return names


def _dynamic_axes(
    dynamic_axes: Mapping[str, Any] | None, shapes: dict[str, tuple[int, ...]]
) -> dict[str, dict[int, str]]:
    """``dynamic_axes`` as ``{name: {axis: symbol}}``, checked against the graph's inputs and outputs."""
    out: dict[str, dict[int, str]] = {}
    for name, axes in (dynamic_axes or {}).items():
        if name not in shapes:
            raise OnnxExportError(
                f"export: dynamic_axes names {name!r}, which is neither an input nor an output; "
                f"the names are {sorted(shapes)}"
            )
        listed = axes.keys() if isinstance(axes, Mapping) else axes if isinstance(axes, (list, tuple)) else []
        for axis in listed:
            if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
                raise OnnxExportError(
                    f"export: dynamic_axes[{name!r}] names axis {axis!r}; axes are integers, e.g. {{0: 'batch'}}"
                )
        if isinstance(axes, Mapping):
            pairs = {int(axis): str(symbol) for axis, symbol in axes.items()}
        elif isinstance(axes, (list, tuple)):
            pairs = {int(axis): f"{name}_dynamic_axes_{k + 1}" for k, axis in enumerate(axes)}
        else:
            raise OnnxExportError(
                f"export: dynamic_axes[{name!r}] must be a dict {{axis: name}} or a list of axes, got {axes!r}"
            )
        ndim = len(shapes[name])
        for axis in pairs:
            if not -ndim <= axis < ndim:
                raise OnnxExportError(
                    f"export: dynamic axis {axis} of {name!r} is out of range for its shape {shapes[name]}"
                )
        out[name] = {axis % ndim: symbol for axis, symbol in pairs.items()}
    return out


def _probe_args(args: Any, names: list[str], axes: dict[str, dict[int, str]]) -> Any:
    """The inputs with their values moved one place (and each dynamic axis one longer, its values repeated).

    Rolling keeps every value valid (indices stay in range) while changing what each position
    holds; floating-point values are also scaled by 1 + 2**-10, which changes their sums. A
    constant or an argument computed from the input then shows up as different.
    """
    names_left = iter(names)

    def shifted(arg: Tensor) -> Tensor:
        name = next(names_left)
        array = arg._array
        xp = np if isinstance(array, np.ndarray) else __import__("cupy")
        for axis in axes.get(name, {}):
            size = array.shape[axis]
            if size == 0:
                raise OnnxExportError(f"export: dynamic axis {axis} of input {name!r} has size 0; give an example")
            array = xp.take(array, xp.arange(size + 1) % size, axis=axis)
        moved = xp.roll(array.reshape(-1), 1).reshape(array.shape)
        if moved.dtype.kind == "f":
            moved = moved * moved.dtype.type(1 + 2**-10)
        return Tensor._make(moved)

    return map_tensors(args, shifted)


def _bind(model: Module, args: Any, kwargs: Mapping[str, Any] | None) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """``args`` and ``kwargs`` as ``forward`` takes them; as in PyTorch, a dict at the end of ``args`` is kwargs."""
    args = tuple(args) if isinstance(args, (tuple, list)) else (args,)
    named = dict(kwargs or {})
    if args and isinstance(args[-1], dict):
        named = {**args[-1], **named}
        args = args[:-1]
    try:
        signature = inspect.signature(model.forward)
    except (TypeError, ValueError):  # a forward without a signature Python can read: call it as given
        return args, named
    try:
        bound = signature.bind(*args, **named)
    except TypeError as exc:
        plain = signature.replace(
            parameters=[p.replace(annotation=p.empty) for p in signature.parameters.values()],
            return_annotation=signature.empty,
        )
        raise OnnxExportError(
            f"export: args and kwargs do not fit {type(model).__name__}.forward{plain}: {exc}; "
            "a dict at the end of args is taken as keyword arguments, so end args with an empty dict {} "
            "to pass a dict positionally"
        ) from None
    return bound.args, bound.kwargs


def _first_difference(trace: Trace, probe: Trace) -> str:
    """Where the two runs part: the first call that differs in its op or module, or that only one run makes."""
    for index, (first, second) in enumerate(zip(trace.records, probe.records)):
        if first.op is not second.op or first.module != second.module:
            return f"first differing at call {index}: {first.where()} on the example but {second.where()} on the other"
    index = min(len(trace.records), len(probe.records))
    if index < len(trace.records):
        return f"the example goes on with call {index}: {trace.records[index].where()}"
    if index < len(probe.records):
        return f"the other goes on with call {index}: {probe.records[index].where()}"
    return f"with {len(trace.outputs)} and {len(probe.outputs)} outputs"


def _value_info(name: str, shape: tuple[int, ...], dtype: Any, symbols: dict[int, str]) -> Any:
    from onnx import helper

    dims = [symbols.get(axis, size) for axis, size in enumerate(shape)]
    return helper.make_tensor_value_info(name, onnx_dtype(dtype), dims)


def _build(
    trace: Trace,
    probe: Trace,
    opset: int,
    input_names: list[str],
    output_names: list[str],
    axes: dict[str, dict[int, str]],
) -> Any:
    import onnx
    from onnx import helper, numpy_helper

    from .. import __version__

    g = Graph(trace, probe, opset, any(name in axes for name in input_names))
    for val, name in zip(trace.inputs, input_names):
        g.bind(val, name)
        for axis, symbol in axes.get(name, {}).items():
            g.input_axes.append((name, axis, symbol, (val.shape[axis], g.other_shape(val)[axis])))
    for index, rec in enumerate(trace.records):
        g.begin(index, rec)
        convert = converter_for(rec.op)
        if convert is None:
            raise OnnxExportError(
                f"export: op {rec.op.__name__} in module {rec.module} has no ONNX form in shendu's exporter"
                f"{_NO_FORM_HINTS.get(rec.op.__name__, '')}; the ops it covers are listed in shendu.onnx.SUPPORTED_OPS"
            )
        convert(g, rec)
        if g.pending is not None:
            raise g.pending
    g.record = None
    weights = {name for name in g.initializers if not name.startswith("/")}  # fresh names start with "/"
    for name in [*input_names, *output_names]:
        if name in weights:
            raise OnnxExportError(
                f"export: the input or output name {name!r} is also the state_dict name of a weight; "
                "ONNX needs every name once: choose another name"
            )
    # Symbols of the input axes, so that an output axis that moves with an input axis gets the same name.
    moving: dict[tuple[int, int], str] = {}
    for val, name in zip(trace.inputs, input_names):
        for axis, symbol in axes.get(name, {}).items():
            moving.setdefault((val.shape[axis], g.other_shape(val)[axis]), symbol)
    outputs = []
    for ref, name in zip(trace.outputs, output_names):
        # An Identity gives each output its own name, even where it is an input, a weight or another output.
        g.nodes.append(helper.make_node("Identity", [g.name(ref)], [name], name=f"/Identity_{name}"))
        if isinstance(ref, Val):
            shape, other = ref.shape, g.other_shape(ref)
        else:
            shape = other = tuple(ref.array.shape)
        symbols = {
            axis: moving.get((a, b), f"{name}_dim_{axis}") for axis, (a, b) in enumerate(zip(shape, other)) if a != b
        }
        symbols.update(axes.get(name, {}))
        dtype = ref.dtype if isinstance(ref, Val) else ref.array.dtype
        outputs.append(_value_info(name, shape, dtype, symbols))
    inputs = [
        _value_info(name, val.shape, val.dtype, axes.get(name, {})) for val, name in zip(trace.inputs, input_names)
    ]
    initializers = [
        numpy_helper.from_array(np.array(a, order="C", copy=None), name) for name, a in g.initializers.items()
    ]
    graph = helper.make_graph(g.nodes, "shendu", inputs, outputs, initializers)
    opsets = [helper.make_opsetid("", opset)]
    model = helper.make_model(
        graph,
        opset_imports=opsets,
        producer_name="shendu",
        producer_version=__version__,
        ir_version=helper.find_min_ir_version_for(opsets),
    )
    size = model.ByteSize()
    if size > _PROTOBUF_LIMIT:
        raise OnnxExportError(
            f"export: the model would take {size / 2**30:.1f} GiB, more than the 2 GiB an ONNX file holds "
            "without external data, which shendu does not write"
        )
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise OnnxExportError(
            f"export: the ONNX checker rejected the graph shendu built (a bug to report): {exc}"
        ) from None
    return model


def export(
    model: Module,
    args: Any,
    f: str | os.PathLike[str] | BinaryIO,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_axes: Mapping[str, Any] | None = None,
    opset_version: int | None = None,
    *,
    kwargs: Mapping[str, Any] | None = None,
    export_params: bool = True,
    keep_initializers_as_inputs: bool = False,
    do_constant_folding: bool = True,
    verbose: bool = False,
    dynamo: bool = False,
) -> None:
    """Write ``model`` as an ONNX file, by recording the ops of one forward pass in eval mode.

    The signature and meaning are those of ``torch.onnx.export``: ``args`` are the example
    inputs, the weights become initializers named as in ``state_dict()``, and ``dynamic_axes``
    marks the axes (typically the batch) whose size may change at run time. The model runs a
    second time, on the example's values shifted by one place and with each dynamic axis one
    longer: a size or a constant that changes then depends on the input, so it is written as a
    computation, or the export fails with an explanation instead of writing a wrong graph. The
    model is put in eval mode for the export, and each module back in its mode afterwards.

    Args:
        model: the module to export.
        args: the example input: a tensor, or a tuple of the arguments of ``forward`` (tensors,
            and other values that are passed as they are); as in PyTorch, a dict at its end holds
            keyword arguments. Every tensor, also inside tuples, lists and dicts (an LSTM's
            ``(h0, c0)``), becomes a graph input, in the order of ``forward``'s parameters.
        f: a file path (written atomically) or a binary file object.
        input_names: names of the graph's inputs. Default: ``input`` (or ``input_0, input_1...``).
        output_names: names of the graph's outputs (a forward returning tuples, lists or dicts
            of tensors has one output per tensor). Default: ``output`` (or ``output_0...``).
        dynamic_axes: ``{name: {axis: symbol}}`` or ``{name: [axes]}`` for inputs and outputs.
            Default: None (every size fixed).
        opset_version: the ONNX opset, 17 to 21. Default: 17.
        kwargs: keyword arguments of ``forward``. Default: None.
        export_params: write the weights into the file; only True is supported. Default: True.
        keep_initializers_as_inputs: also list the weights among the graph's inputs, for
            runtimes older than ONNX IR version 4. Default: False.
        do_constant_folding: accepted for PyTorch compatibility; shendu writes the ops as
            recorded and leaves folding to the runtime (onnxruntime folds at load). Default: True.
        verbose: print the graph in ONNX's text form. Default: False.
        dynamo: accepted for PyTorch compatibility; shendu has one exporter. Default: False.

    Raises:
        OnnxExportError: an op without an ONNX form (naming the op and the module path), a
            forward that runs different ops at another size of a dynamic axis, or bad arguments.

    Example:
        >>> import io
        >>> model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
        >>> buffer = io.BytesIO()
        >>> shendu.onnx.export(model, shendu.randn(2, 4), buffer, input_names=["x"], output_names=["y"],
        ...                    dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
        >>> shendu.onnx.load(io.BytesIO(buffer.getvalue()))(shendu.randn(5, 4)).shape
        shendu.Size([5, 3])
    """
    require_onnx("shendu.onnx.export")
    del do_constant_folding, dynamo
    if not isinstance(f, (str, os.PathLike)) and not callable(getattr(f, "write", None)):
        raise OnnxExportError(f"export: f must be a file path or a binary file object, got {type(f).__name__}")
    if not export_params:
        raise OnnxExportError("export: export_params=False (a graph without its weights) is not supported")
    if not isinstance(model, Module):
        raise OnnxExportError(f"export: model must be a shendu nn.Module, got {type(model).__name__}")
    args, kwargs = _bind(model, args, kwargs)
    opset = DEFAULT_OPSET if opset_version is None else opset_version
    if opset not in EXPORT_OPSETS:
        raise OnnxExportError(
            f"export: opset_version {opset_version!r} is not supported; choose one of "
            f"{EXPORT_OPSETS.start} to {EXPORT_OPSETS.stop - 1}"
        )
    tensors = input_tensors((args, kwargs))
    positions = [i for i, t in enumerate(tensors) if any(t is u for u in tensors[:i])]
    if positions:
        first = next(j for j, t in enumerate(tensors) if t is tensors[positions[0]])
        raise OnnxExportError(
            f"export: the same tensor is passed as inputs {first} and {positions[0]}; the graph could not tell "
            "its two uses apart: pass a copy (x.clone()) as the second"
        )
    if not tensors:
        raise OnnxExportError("export: args holds no tensor; pass an example input such as shendu.randn(1, 784)")
    in_names = _names(input_names, len(tensors), "input", "input_names")
    # Each module's own mode, restored afterwards: a frozen submodule in eval mode stays in eval mode.
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with no_grad():
            trace = record(model, args, kwargs)
            out_names = _names(output_names, len(trace.outputs), "output", "output_names")
            if both := sorted(set(in_names) & set(out_names)):
                raise OnnxExportError(
                    f"export: {both} named both an input and an output; ONNX needs distinct names "
                    "(an output that returns an input unchanged still gets its own name)"
                )
            shapes = {name: tuple(t.shape) for name, t in zip(in_names, tensors)}
            for ref, name in zip(trace.outputs, out_names):
                shapes[name] = ref.shape if isinstance(ref, Val) else tuple(ref.array.shape)
            axes = _dynamic_axes(dynamic_axes, shapes)
            try:
                probe = record(model, *_probe_args((args, kwargs), in_names, axes))
            except OnnxExportError:
                raise
            except Exception as exc:
                raise OnnxExportError(
                    "export: the model failed on a second input (the example's values shifted by one place, each "
                    f"dynamic axis one longer), which the exporter runs to find what depends on the input: "
                    f"{type(exc).__name__}: {exc}"
                ) from None
            if len(probe.records) != len(trace.records) or len(probe.outputs) != len(trace.outputs):
                raise OnnxExportError(
                    "export: the model runs a different number of ops on a second input (the example's values "
                    f"shifted, each dynamic axis one longer): {len(trace.records)} and {len(probe.records)}, "
                    f"{_first_difference(trace, probe)}; its forward depends on the input's values or size, which "
                    "a graph cannot follow"
                )
    finally:
        for module, mode in modes:
            module.training = mode
    built = _build(trace, probe, opset, in_names, out_names, axes)
    if keep_initializers_as_inputs:
        from onnx import helper

        built.graph.input.extend(
            helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in built.graph.initializer
        )
    if verbose:
        from onnx import printer

        print(printer.to_text(built.graph))
    payload = built.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        _write_atomically(f, payload)
    else:
        try:
            f.write(payload)
        except TypeError:
            raise OnnxExportError(
                f"export: cannot write the model to {f!r}: it takes text; open the file in binary mode ('wb')"
            ) from None
