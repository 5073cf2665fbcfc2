"""Each ONNX op that shendu.onnx.load runs, as a one-node graph: shendu's result against onnxruntime's."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

import shendu
from tests.helpers import COUNTS
from tests.onnx.helpers import session

rng = np.random.default_rng(0)


def f32(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


def i64(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


class Fixed:
    """An input stored in the file as an initializer (shapes, axes, indices), not fed at run time."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array


def one_node(
    op_type: str, inputs: list[Any], outputs: int = 1, opset: int = 17, **attrs: Any
) -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """A model of one node, and the values to feed its graph inputs."""
    names, feeds, graph_inputs, initializers = [], {}, [], []
    for k, value in enumerate(inputs):
        name = f"in{k}"
        if value is None:
            names.append("")
            continue
        names.append(name)
        if isinstance(value, Fixed):
            initializers.append(numpy_helper.from_array(value.array, name))
        else:
            feeds[name] = value
            elem = helper.np_dtype_to_tensor_dtype(value.dtype)
            graph_inputs.append(helper.make_tensor_value_info(name, elem, list(value.shape)))
    outs = [f"out{k}" for k in range(outputs)]
    node = helper.make_node(op_type, names, outs, name="the_node", **attrs)
    graph = helper.make_graph(
        [node],
        "one",
        graph_inputs,
        [helper.make_empty_tensor_value_info(o) for o in outs],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    # The outputs' types, which onnxruntime requires, as ONNX's shape inference finds them (else the first input's).
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    for out in model.graph.output:
        if not out.type.tensor_type.elem_type:
            first = next(iter(feeds.values()))
            out.CopyFrom(
                helper.make_tensor_value_info(out.name, helper.np_dtype_to_tensor_dtype(first.dtype), first.shape)
            )
    return model, feeds


CASES: list[tuple[str, str, list[Any], dict[str, Any]]] = [
    ("add broadcast", "Add", [f32(2, 3), f32(3)], {}),
    ("sub", "Sub", [f32(2, 3), f32(2, 3)], {}),
    ("mul", "Mul", [f32(2, 3), f32(1, 3)], {}),
    ("div", "Div", [f32(2, 3), np.abs(f32(2, 3)) + 1], {}),
    ("integer div", "Div", [i64(7, -7, 9), i64(2, 2, -4)], {}),
    ("pow", "Pow", [np.abs(f32(4)) + 0.5, Fixed(np.array(2.0, np.float32))], {}),
    ("mod", "Mod", [i64(7, -7, 9), i64(3, 3, -4)], {}),
    ("fmod", "Mod", [f32(5), np.abs(f32(5)) + 1], {"fmod": 1}),
    ("neg", "Neg", [f32(4)], {}),
    ("abs", "Abs", [f32(4)], {}),
    ("exp", "Exp", [f32(4)], {}),
    ("log", "Log", [np.abs(f32(4)) + 0.1], {}),
    ("sqrt", "Sqrt", [np.abs(f32(4))], {}),
    ("reciprocal", "Reciprocal", [np.abs(f32(4)) + 0.5], {}),
    ("sin cos", "Sin", [f32(4)], {}),
    ("cos", "Cos", [f32(4)], {}),
    ("tanh", "Tanh", [f32(4)], {}),
    ("sigmoid", "Sigmoid", [f32(4)], {}),
    ("erf", "Erf", [f32(4)], {}),
    ("relu", "Relu", [f32(4)], {}),
    ("softsign", "Softsign", [f32(4)], {}),
    ("sign", "Sign", [f32(4)], {}),
    ("floor", "Floor", [f32(4) * 3], {}),
    ("ceil", "Ceil", [f32(4) * 3], {}),
    ("round", "Round", [np.array([0.5, 1.5, -2.5, 2.4], np.float32)], {}),
    ("not", "Not", [np.array([True, False])], {}),
    ("max", "Max", [f32(3), f32(3), f32(1)], {}),
    ("min", "Min", [f32(3), f32(3)], {}),
    ("sum", "Sum", [f32(3), f32(3), f32(3)], {}),
    ("mean", "Mean", [f32(3), f32(3)], {}),
    ("equal", "Equal", [i64(1, 2, 3), i64(1, 0, 3)], {}),
    ("greater", "Greater", [f32(4), f32(4)], {}),
    ("less", "Less", [f32(4), f32(4)], {}),
    ("greater or equal", "GreaterOrEqual", [i64(1, 2), i64(2, 2)], {}),
    ("less or equal", "LessOrEqual", [i64(1, 2), i64(2, 1)], {}),
    ("and", "And", [np.array([True, False, True]), np.array([True, True, False])], {}),
    ("or", "Or", [np.array([True, False, False]), np.array([False, False, True])], {}),
    ("xor", "Xor", [np.array([True, False, True]), np.array([True, True, False])], {}),
    ("where", "Where", [np.array([True, False, True]), f32(3), f32(3)], {}),
    ("clip", "Clip", [f32(6), Fixed(np.array(-0.5, np.float32)), Fixed(np.array(0.5, np.float32))], {}),
    ("clip min only", "Clip", [f32(6), Fixed(np.array(0.0, np.float32))], {}),
    ("identity", "Identity", [f32(3)], {}),
    ("dropout in inference", "Dropout", [f32(3)], {}),
    ("cast", "Cast", [f32(4) * 4], {"to": onnx.TensorProto.INT64}),
    ("cast like", "CastLike", [i64(1, 2), f32(1)], {}),
    ("leaky relu", "LeakyRelu", [f32(5)], {"alpha": 0.2}),
    ("elu", "Elu", [f32(5)], {"alpha": 0.7}),
    ("celu", "Celu", [f32(5)], {"alpha": 0.5}),
    ("selu", "Selu", [f32(5)], {}),
    ("hard sigmoid", "HardSigmoid", [f32(5) * 3], {"alpha": 0.25, "beta": 0.4}),
    ("hard swish", "HardSwish", [f32(5) * 3], {}),
    ("softplus", "Softplus", [f32(5)], {}),
    ("prelu", "PRelu", [f32(2, 3, 4), f32(3, 1)], {}),
    ("softmax", "Softmax", [f32(2, 5)], {"axis": 0}),
    ("log softmax", "LogSoftmax", [f32(2, 5)], {}),
    (
        "constant of shape",
        "ConstantOfShape",
        [Fixed(i64(2, 3))],
        {"value": numpy_helper.from_array(np.array([1.5], np.float32))},
    ),
    ("shape", "Shape", [f32(2, 3, 4)], {"start": 1}),
    ("size", "Size", [f32(2, 3)], {}),
    ("range", "Range", [Fixed(np.array(1, np.int64)), Fixed(np.array(9, np.int64)), Fixed(np.array(3, np.int64))], {}),
    ("reshape", "Reshape", [f32(2, 3, 4), Fixed(i64(0, -1))], {}),
    ("flatten", "Flatten", [f32(2, 3, 4)], {"axis": 2}),
    ("transpose", "Transpose", [f32(2, 3, 4)], {"perm": [2, 0, 1]}),
    ("transpose default", "Transpose", [f32(2, 3)], {}),
    ("squeeze", "Squeeze", [f32(2, 1, 3, 1), Fixed(i64(-1))], {}),
    ("squeeze all", "Squeeze", [f32(1, 3, 1)], {}),
    ("unsqueeze", "Unsqueeze", [f32(2, 3), Fixed(i64(0, -1))], {}),
    ("concat", "Concat", [f32(2, 3), f32(2, 1)], {"axis": 1}),
    ("concat ints", "Concat", [i64(1, 2), i64(3)], {"axis": 0}),
    ("split", "Split", [f32(2, 6), Fixed(i64(2, 4))], {"axis": 1, "outputs": 2}),
    ("gather", "Gather", [f32(5, 3), Fixed(i64(4, -1, 0))], {"axis": 0}),
    ("gather scalar", "Gather", [f32(5, 3), Fixed(np.array(2, np.int64))], {"axis": 1}),
    (
        "gather elements",
        "GatherElements",
        [f32(3, 4), Fixed(np.array([[0, 3], [1, 1], [2, -1]], np.int64))],
        {"axis": 1},
    ),
    ("slice", "Slice", [f32(5, 6), Fixed(i64(1, -4)), Fixed(i64(4, 100)), Fixed(i64(0, 1)), Fixed(i64(2, 1))], {}),
    ("slice reversed", "Slice", [f32(5, 6), Fixed(i64(-1)), Fixed(i64(-1000)), Fixed(i64(1)), Fixed(i64(-2))], {}),
    ("expand", "Expand", [f32(3, 1), Fixed(i64(2, 3, 4))], {}),
    ("tile", "Tile", [f32(2, 3), Fixed(i64(2, 1))], {}),
    ("pad", "Pad", [f32(2, 3), Fixed(i64(1, 0, 0, 2)), Fixed(np.array(0.5, np.float32))], {}),
    ("trilu", "Trilu", [f32(4, 4), Fixed(np.array(1, np.int64))], {"upper": 0}),
    ("reduce sum", "ReduceSum", [f32(2, 3, 4), Fixed(i64(1))], {"keepdims": 0}),
    ("reduce mean attribute", "ReduceMean", [f32(2, 3, 4)], {"axes": [0, 2]}),
    ("reduce max all", "ReduceMax", [f32(2, 3)], {}),
    ("reduce min", "ReduceMin", [f32(2, 3)], {"axes": [1], "keepdims": 0}),
    ("reduce prod", "ReduceProd", [f32(2, 3, 2)], {"axes": [0, 2]}),
    ("reduce log sum exp", "ReduceLogSumExp", [f32(2, 3)], {"axes": [1]}),
    ("reduce l1", "ReduceL1", [f32(2, 3)], {"axes": [1]}),
    ("reduce l2", "ReduceL2", [f32(2, 3)], {"axes": [0]}),
    ("reduce sum square", "ReduceSumSquare", [f32(2, 3)], {"axes": [1]}),
    ("argmax", "ArgMax", [f32(3, 4)], {"axis": 1}),
    ("argmin", "ArgMin", [f32(3, 4)], {"axis": 0, "keepdims": 0}),
    ("cumsum", "CumSum", [f32(3, 4), Fixed(np.array(1, np.int64))], {}),
    ("matmul", "MatMul", [f32(2, 3, 4), f32(4, 5)], {}),
    ("gemm", "Gemm", [f32(3, 4), f32(5, 4), f32(5)], {"transB": 1}),
    ("gemm scaled", "Gemm", [f32(4, 3), f32(4, 5), f32(1, 5)], {"transA": 1, "alpha": 0.5, "beta": 2.0}),
    ("einsum", "Einsum", [f32(2, 3), f32(3, 4)], {"equation": "ij,jk->ik"}),
    ("conv same", "Conv", [f32(1, 2, 5, 5), f32(3, 2, 2, 2)], {"auto_pad": "SAME_UPPER"}),
    ("conv asymmetric pads", "Conv", [f32(1, 2, 5, 5), f32(3, 2, 3, 3)], {"pads": [0, 1, 2, 1], "strides": [2, 1]}),
    ("conv1d", "Conv", [f32(2, 3, 7), f32(4, 3, 3), f32(4)], {"pads": [1, 1], "dilations": [2]}),
    ("conv transpose", "ConvTranspose", [f32(1, 2, 3, 3), f32(2, 3, 3, 3)], {"strides": [2, 2], "pads": [1, 1, 1, 1]}),
    ("conv transpose 1d", "ConvTranspose", [f32(2, 2, 4), f32(2, 3, 3)], {"strides": [2], "output_padding": [1]}),
    ("max pool", "MaxPool", [f32(1, 2, 6, 6)], {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}),
    ("max pool asymmetric", "MaxPool", [f32(1, 2, 5, 5)], {"kernel_shape": [2, 2], "pads": [0, 0, 1, 1]}),
    ("max pool 1d ceil", "MaxPool", [f32(1, 2, 7)], {"kernel_shape": [2], "strides": [2], "ceil_mode": 1}),
    ("average pool", "AveragePool", [f32(1, 2, 6, 6)], {"kernel_shape": [2, 2], "strides": [2, 2]}),
    (
        "average pool excluding pads",
        "AveragePool",
        [f32(1, 2, 5, 5)],
        {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 0, 0, 1], "count_include_pad": 0},
    ),
    ("global average pool", "GlobalAveragePool", [f32(2, 3, 4, 4)], {}),
    ("global max pool", "GlobalMaxPool", [f32(2, 3, 4)], {}),
    ("batch normalization", "BatchNormalization", [f32(2, 3, 4), f32(3), f32(3), f32(3), np.abs(f32(3)) + 0.5], {}),
    ("instance normalization", "InstanceNormalization", [f32(2, 3, 4, 4), f32(3), f32(3)], {}),
    ("layer normalization", "LayerNormalization", [f32(2, 3, 4), f32(3, 4), f32(3, 4)], {"axis": -2}),
    ("layer normalization broadcast scale", "LayerNormalization", [f32(2, 3, 4), f32(4)], {"axis": -2}),
    ("group normalization", "GroupNormalization", [f32(2, 4, 3), f32(4), f32(4)], {"num_groups": 2, "opset": 21}),
    ("gelu", "Gelu", [f32(5)], {"opset": 20}),
    ("gelu tanh", "Gelu", [f32(5)], {"approximate": "tanh", "opset": 20}),
    ("mish", "Mish", [f32(5)], {"opset": 18}),
    ("split into equal parts", "Split", [f32(2, 6)], {"axis": 1, "num_outputs": 3, "opset": 18, "outputs": 3}),
    ("lstm", "LSTM", [f32(4, 2, 3), f32(1, 20, 3), f32(1, 20, 5), f32(1, 40)], {"hidden_size": 5, "outputs": 3}),
    (
        "lstm bidirectional with states",
        "LSTM",
        [f32(4, 2, 3), f32(2, 20, 3), f32(2, 20, 5), f32(2, 40), None, f32(2, 2, 5), f32(2, 2, 5)],
        {"hidden_size": 5, "direction": "bidirectional", "outputs": 3},
    ),
    (
        "gru",
        "GRU",
        [f32(4, 2, 3), f32(1, 15, 3), f32(1, 15, 5), f32(1, 30)],
        {"hidden_size": 5, "linear_before_reset": 1, "outputs": 2},
    ),
    (
        "gru reverse with state",
        "GRU",
        [f32(4, 2, 3), f32(1, 15, 3), f32(1, 15, 5), None, None, f32(1, 2, 5)],
        {"hidden_size": 5, "linear_before_reset": 1, "direction": "reverse", "outputs": 2},
    ),
    (
        "rnn relu",
        "RNN",
        [f32(4, 2, 3), f32(1, 5, 3), f32(1, 5, 5), f32(1, 10)],
        {"hidden_size": 5, "activations": ["Relu"], "outputs": 2},
    ),
    (
        "rnn bidirectional",
        "RNN",
        [f32(4, 2, 3), f32(2, 5, 3), f32(2, 5, 5)],
        {"hidden_size": 5, "direction": "bidirectional", "outputs": 2},
    ),
]


@pytest.mark.parametrize(("name", "op_type", "inputs", "attrs"), CASES, ids=[c[0] for c in CASES])
def test_op_runs_in_shendu_as_in_onnxruntime(name: str, op_type: str, inputs: list[Any], attrs: dict[str, Any]) -> None:
    attrs = dict(attrs)
    opset, outputs = attrs.pop("opset", 17), attrs.pop("outputs", 1)
    model, feeds = one_node(op_type, inputs, outputs, opset, **attrs)
    payload = model.SerializeToString()
    want = session(payload).run(None, feeds)
    loaded = shendu.onnx.load(payload)
    with shendu.no_grad():
        got = loaded(*[shendu.tensor(v) for v in feeds.values()])
    got = got if isinstance(got, tuple) else (got,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.numpy().dtype == w.dtype, f"{g.shape} {g.dtype} != {w.shape} {w.dtype}"
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-5, atol=1e-6)
    COUNTS["onnx ops run by shendu.onnx.load compared with onnxruntime"] += 1


def test_batch_first_lstm_equals_the_sequence_first_one() -> None:
    # onnxruntime's CPU LSTM refuses layout=1, so the batch-first form is checked against the other one.
    x, w, r, b = f32(2, 4, 3), f32(1, 8, 3), f32(1, 8, 2), f32(1, 16)
    batch_first, _ = one_node("LSTM", [f32(2, 4, 3), Fixed(w), Fixed(r), Fixed(b)], 3, 14, hidden_size=2, layout=1)
    sequence_first, _ = one_node("LSTM", [f32(4, 2, 3), Fixed(w), Fixed(r), Fixed(b)], 3, 14, hidden_size=2)
    with shendu.no_grad():
        y1, h1, c1 = shendu.onnx.load(batch_first.SerializeToString())(shendu.tensor(x))
        y0, h0, c0 = shendu.onnx.load(sequence_first.SerializeToString())(shendu.tensor(x.transpose(1, 0, 2).copy()))
    np.testing.assert_allclose(y1.numpy(), y0.numpy().transpose(2, 0, 1, 3), rtol=1e-6)
    np.testing.assert_allclose(h1.numpy(), h0.numpy().transpose(1, 0, 2), rtol=1e-6)
    np.testing.assert_allclose(c1.numpy(), c0.numpy().transpose(1, 0, 2), rtol=1e-6)
