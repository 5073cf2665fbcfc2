"""shendu.onnx.export: every covered layer and model family runs in onnxruntime as in shendu, at two batch sizes."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from shendu import nn
from shendu.models import MLP, FashionCNN, LeNet5, RowLSTM
from shendu.nn import functional as F
from shendu.onnx import OnnxExportError
from tests.nn.test_conv import conv2d_configs, conv_transpose2d_configs
from tests.onnx.helpers import Lambda, check_in_onnxruntime, session


def _with_stats(module: nn.Module) -> nn.Module:
    """Random running statistics, as after training, so that evaluation really uses them."""
    rng = np.random.default_rng(1)
    for m in module.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.InstanceNorm2d)) and m.running_mean is not None:
            m.running_mean._array[...] = rng.uniform(-1, 1, m.running_mean.shape)
            m.running_var._array[...] = rng.uniform(0.5, 2, m.running_var.shape)
    return module


class Head(nn.Module):
    """A recurrent classifier: the layer's last output step through a linear head."""

    def __init__(self, rnn: nn.Module, width: int) -> None:
        super().__init__()
        self.rnn = rnn
        self.head = nn.Linear(width, 3)

    def forward(self, x: Any) -> Any:
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


# (name, module factory, per-sample input shapes, batch axis)
LAYERS: list[tuple[str, Any, list[tuple[int, ...]], int]] = [
    ("linear", lambda: nn.Linear(6, 4), [(6,)], 0),
    ("linear 3-d input", lambda: nn.Linear(6, 4), [(3, 6)], 0),
    ("linear without bias", lambda: nn.Linear(6, 4, bias=False), [(6,)], 0),
    ("bilinear", lambda: nn.Bilinear(3, 4, 2), [(3,), (4,)], 0),
    ("conv1d", lambda: nn.Conv1d(3, 5, 3, padding=1), [(3, 10)], 0),
    ("conv2d", lambda: nn.Conv2d(3, 4, 3), [(3, 8, 8)], 0),
    ("conv2d strided dilated", lambda: nn.Conv2d(4, 6, 3, stride=2, padding=2, dilation=2), [(4, 9, 9)], 0),
    ("conv2d groups", lambda: nn.Conv2d(4, 8, 3, padding=1, groups=2, bias=False), [(4, 6, 6)], 0),
    ("conv2d same", lambda: nn.Conv2d(2, 3, 4, padding="same"), [(2, 7, 7)], 0),
    ("conv_transpose2d", lambda: nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1), [(4, 5, 5)], 0),
    ("max_pool2d", lambda: nn.MaxPool2d(2), [(3, 8, 8)], 0),
    ("max_pool2d ceil padded", lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), [(2, 8, 8)], 0),
    ("max_pool1d", lambda: nn.MaxPool1d(2), [(3, 9)], 0),
    ("avg_pool2d", lambda: nn.AvgPool2d(2), [(3, 8, 8)], 0),
    ("avg_pool2d padded", lambda: nn.AvgPool2d(3, 2, 1), [(2, 7, 7)], 0),
    ("avg_pool2d excluding pad", lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False), [(2, 7, 7)], 0),
    ("avg_pool1d", lambda: nn.AvgPool1d(3), [(2, 9)], 0),
    ("adaptive_avg_pool2d 1", lambda: nn.AdaptiveAvgPool2d(1), [(3, 5, 5)], 0),
    ("adaptive_avg_pool2d 2", lambda: nn.AdaptiveAvgPool2d((2, 2)), [(3, 6, 4)], 0),
    ("adaptive_max_pool2d", lambda: nn.AdaptiveMaxPool2d(1), [(3, 5, 5)], 0),
    ("upsample nearest", lambda: nn.Upsample(scale_factor=2), [(2, 3, 4)], 0),
    ("batch_norm1d", lambda: _with_stats(nn.BatchNorm1d(5)), [(5,)], 0),
    ("batch_norm1d 3-d", lambda: _with_stats(nn.BatchNorm1d(5)), [(5, 4)], 0),
    ("batch_norm2d", lambda: _with_stats(nn.BatchNorm2d(3)), [(3, 4, 4)], 0),
    ("batch_norm2d no affine", lambda: _with_stats(nn.BatchNorm2d(3, affine=False)), [(3, 4, 4)], 0),
    ("batch_norm2d batch statistics", lambda: nn.BatchNorm2d(3, track_running_stats=False), [(3, 4, 4)], 0),
    ("layer_norm", lambda: nn.LayerNorm(6), [(4, 6)], 0),
    ("layer_norm 3 dims", lambda: nn.LayerNorm((3, 4, 4)), [(3, 4, 4)], 0),
    ("layer_norm no affine", lambda: nn.LayerNorm(6, elementwise_affine=False), [(6,)], 0),
    ("group_norm", lambda: nn.GroupNorm(2, 4), [(4, 3, 3)], 0),
    ("instance_norm2d", lambda: nn.InstanceNorm2d(3, affine=True), [(3, 5, 5)], 0),
    ("instance_norm1d", lambda: nn.InstanceNorm1d(3), [(3, 6)], 0),
    ("instance_norm2d running", lambda: _with_stats(nn.InstanceNorm2d(3, track_running_stats=True)), [(3, 4, 4)], 0),
    ("dropout", lambda: nn.Dropout(0.5), [(6,)], 0),
    ("dropout2d", lambda: nn.Dropout2d(0.5), [(3, 4, 4)], 0),
    ("relu", nn.ReLU, [(6,)], 0),
    ("relu inplace", lambda: nn.Sequential(nn.Linear(6, 6), nn.ReLU(inplace=True)), [(6,)], 0),
    ("in-place arithmetic", lambda: Lambda(_add_in_place), [(6,)], 0),
    ("relu6", nn.ReLU6, [(6,)], 0),
    ("leaky_relu", lambda: nn.LeakyReLU(0.2), [(6,)], 0),
    ("elu", nn.ELU, [(6,)], 0),
    ("selu", nn.SELU, [(6,)], 0),
    ("celu", lambda: nn.CELU(0.5), [(6,)], 0),
    ("gelu", nn.GELU, [(6,)], 0),
    ("gelu tanh", lambda: nn.GELU(approximate="tanh"), [(6,)], 0),
    ("silu", nn.SiLU, [(6,)], 0),
    ("mish", nn.Mish, [(6,)], 0),
    ("softplus", nn.Softplus, [(6,)], 0),
    ("softplus beta", lambda: nn.Softplus(beta=2.0, threshold=5.0), [(6,)], 0),
    ("sigmoid", nn.Sigmoid, [(6,)], 0),
    ("tanh", nn.Tanh, [(6,)], 0),
    ("hardtanh", lambda: nn.Hardtanh(-0.5, 0.5), [(6,)], 0),
    ("logsigmoid", nn.LogSigmoid, [(6,)], 0),
    ("softsign", nn.Softsign, [(6,)], 0),
    ("prelu", lambda: nn.PReLU(3), [(3, 4)], 0),
    ("softmax", lambda: nn.Softmax(dim=1), [(6,)], 0),
    ("log_softmax", lambda: nn.LogSoftmax(dim=-1), [(6,)], 0),
    ("softmin", lambda: nn.Softmin(dim=1), [(6,)], 0),
    ("identity", nn.Identity, [(6,)], 0),
    ("flatten", nn.Flatten, [(3, 4, 5)], 0),
    ("unflatten", lambda: nn.Unflatten(1, (3, 4)), [(12,)], 0),
    ("lstm", lambda: nn.LSTM(4, 5), [(6, 4)], 1),
    ("lstm batch_first", lambda: nn.LSTM(4, 5, batch_first=True), [(6, 4)], 0),
    ("lstm 2 layers bidirectional", lambda: nn.LSTM(4, 5, num_layers=2, bidirectional=True), [(6, 4)], 1),
    ("lstm no bias", lambda: nn.LSTM(4, 5, bias=False, batch_first=True), [(6, 4)], 0),
    ("gru", lambda: nn.GRU(4, 5, batch_first=True), [(6, 4)], 0),
    ("gru bidirectional", lambda: nn.GRU(4, 5, bidirectional=True), [(6, 4)], 1),
    ("rnn tanh", lambda: nn.RNN(4, 5, batch_first=True), [(6, 4)], 0),
    ("rnn relu 2 layers", lambda: nn.RNN(4, 5, num_layers=2, nonlinearity="relu"), [(6, 4)], 1),
    ("lstm with states", lambda: Lambda(_lstm_with_states), [(6, 4), (5,), (5,)], 0),
    ("lstm_cell", lambda: nn.LSTMCell(4, 5), [(4,)], 0),
    ("gru_cell", lambda: nn.GRUCell(4, 5), [(4,)], 0),
    ("rnn_cell", lambda: nn.RNNCell(4, 5), [(4,)], 0),
    ("multihead attention", lambda: Lambda(_self_attention, _attention), [(5, 8)], 0),
    ("multihead attention with masks", lambda: Lambda(_masked_attention, _attention), [(5, 8)], 0),
    ("scaled_dot_product_attention", lambda: Lambda(lambda q: F.scaled_dot_product_attention(q, q, q)), [(2, 5, 4)], 0),
    ("sdpa causal", lambda: Lambda(lambda q: F.scaled_dot_product_attention(q, q, q, is_causal=True)), [(5, 4)], 0),
    ("transformer encoder layer", lambda: nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), [(5, 8)], 0),
    (
        "transformer encoder layer norm first gelu",
        lambda: _encoder_layer(norm_first=True, activation="gelu"),
        [(5, 8)],
        1,
    ),
    ("transformer decoder layer", lambda: Lambda(_decoder_step, _decoder), [(4, 8), (5, 8)], 0),
    ("reflection_pad2d", lambda: nn.ReflectionPad2d((1, 2, 2, 1)), [(2, 4, 5)], 0),
    ("replication_pad1d", lambda: nn.ReplicationPad1d(2), [(2, 5)], 0),
    ("circular_pad2d", lambda: nn.CircularPad2d(1), [(2, 4, 4)], 0),
    ("pixel_shuffle", lambda: nn.PixelShuffle(2), [(8, 3, 3)], 0),
    ("pixel_unshuffle", lambda: nn.PixelUnshuffle(2), [(2, 4, 6)], 0),
    ("upsample bilinear", lambda: nn.Upsample(scale_factor=2, mode="bilinear"), [(2, 3, 4)], 0),
    (
        "upsample bilinear aligned",
        lambda: nn.Upsample(size=(5, 7), mode="bilinear", align_corners=True),
        [(2, 3, 4)],
        0,
    ),
    ("upsample bicubic", lambda: nn.Upsample(scale_factor=2, mode="bicubic"), [(1, 3, 3)], 0),
    ("upsample linear", lambda: nn.Upsample(scale_factor=3, mode="linear"), [(2, 4)], 0),
    ("transpose", lambda: Lambda(lambda x: x.transpose(1, 2)), [(3, 4)], 0),
    ("permute", lambda: Lambda(lambda x: x.permute(0, 2, 3, 1)), [(2, 3, 4)], 0),
    ("reshape", lambda: Lambda(lambda x: x.reshape(x.shape[0], 2, -1)), [(3, 4)], 0),
    ("view and squeeze", lambda: Lambda(lambda x: x.view(x.shape[0], 1, 12).squeeze(1)), [(3, 4)], 0),
    ("unsqueeze", lambda: Lambda(lambda x: x.unsqueeze(-1) + x.unsqueeze(1).mean()), [(3,)], 0),
    ("cat", lambda: Lambda(lambda x: shendu.cat([x, x * 2.0], dim=1)), [(3,)], 0),
    ("stack", lambda: Lambda(lambda x: shendu.stack([x, -x], dim=1)), [(3,)], 0),
    ("slicing", lambda: Lambda(lambda x: x[:, 1:3, ::2] + x[:, -1:, 1::2]), [(4, 6)], 0),
    ("int index", lambda: Lambda(lambda x: x[:, -1] * x[:, 0, None]), [(4, 3)], 0),
    ("index array", lambda: Lambda(lambda x: x[:, shendu.tensor([2, 0, 2])]), [(4, 3)], 0),
    (
        "split and chunk",
        lambda: Lambda(lambda x: [p * (i + 1) for i, p in enumerate(x.split([1, 3], dim=1))]),
        [(4,)],
        0,
    ),
    ("chunk", lambda: Lambda(lambda x: x.chunk(2, dim=-1)[1]), [(2, 6)], 0),
    ("unbind", lambda: Lambda(lambda x: x.unbind(1)[2]), [(3, 2)], 0),
    ("narrow", lambda: Lambda(lambda x: x.narrow(1, 1, 2)), [(4,)], 0),
    ("expand", lambda: Lambda(lambda x: x.unsqueeze(1).expand(-1, 3, -1)), [(4,)], 0),
    ("repeat", lambda: Lambda(lambda x: x.repeat(1, 2)), [(3,)], 0),
    ("flip", lambda: Lambda(lambda x: x.flip(1)), [(4,)], 0),
    ("pad", lambda: Lambda(lambda x: F.pad(x, (1, 2, 0, 1), value=0.5)), [(3, 4)], 0),
    ("sum mean", lambda: Lambda(lambda x: x.sum(dim=1) + x.mean(dim=(1, 2), keepdim=True).squeeze(-1)), [(3, 4)], 0),
    ("max amax argmax", lambda: Lambda(lambda x: (x.max(dim=1).values, x.amax(dim=-1), x.argmax(dim=1))), [(3, 4)], 0),
    ("var std", lambda: Lambda(lambda x: x.var(dim=1) + x.std(dim=1, keepdim=True).squeeze(1)), [(5,)], 0),
    ("logsumexp norm", lambda: Lambda(lambda x: x.logsumexp(dim=1) + x.norm(dim=1)), [(5,)], 0),
    ("arithmetic", lambda: Lambda(lambda x: (x * 3.0 - 1.0) / 2.0 + 1.0 / (x * x + 1.0) - x**2 + (2.0 - x)), [(5,)], 0),
    (
        "elementwise",
        lambda: Lambda(lambda x: x.abs().sqrt() + x.exp() - x.sin() * x.cos() + x.abs().log1p()),
        [(5,)],
        0,
    ),
    ("where clamp", lambda: Lambda(lambda x: shendu.where(x > 0, x, x * 0.1).clamp(-0.5, 2.0)), [(5,)], 0),
    ("maximum masked_fill", lambda: Lambda(lambda x: shendu.maximum(x, -x * 2).masked_fill(x < -1, 0.0)), [(5,)], 0),
    ("matmul", lambda: Lambda(lambda x: x @ x.transpose(1, 2)), [(3, 4)], 0),
    ("einsum", lambda: Lambda(lambda x: shendu.einsum("bij,bkj->bik", x, x)), [(3, 4)], 0),
]


def _add_in_place(x: Any) -> Any:
    y = x * 2.0
    y += 1.0
    y.mul_(x)
    return y.clamp_(-1.0, 3.0)


def _encoder_layer(**options: Any) -> nn.Module:
    return nn.TransformerEncoderLayer(8, 2, 16, **options)


_attention = nn.MultiheadAttention(8, 2, batch_first=True)
_decoder = nn.TransformerDecoderLayer(8, 2, 16, batch_first=True)


def _self_attention(x: Any) -> Any:
    out, weights = _attention(x, x, x)
    return out, weights


def _masked_attention(x: Any) -> Any:
    causal = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
    return _attention(x, x, x, attn_mask=causal, need_weights=False)[0]


def _decoder_step(target: Any, memory: Any) -> Any:
    return _decoder(target, memory, tgt_mask=nn.Transformer.generate_square_subsequent_mask(target.shape[1]))


def _lstm_with_states(x: Any, h: Any, c: Any) -> Any:
    lstm = _lstm_with_states.lstm
    out, (h_n, c_n) = lstm(x, (h.unsqueeze(0), c.unsqueeze(0)))
    return out, h_n, c_n


_lstm_with_states.lstm = nn.LSTM(4, 5, batch_first=True)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "factory", "shapes", "batch_axis"), LAYERS, ids=[c[0] for c in LAYERS])
def test_layer_runs_in_onnxruntime_as_in_shendu(name: str, factory: Any, shapes: Any, batch_axis: int) -> None:
    check_in_onnxruntime(factory(), shapes, batch_axis)


HYPOTHESIS = "onnx hypothesis cases run in onnxruntime"


@settings(max_examples=20, deadline=None)
@given(conv2d_configs())
def test_random_conv2d_runs_in_onnxruntime(config: tuple[dict[str, Any], tuple[int, ...]]) -> None:
    kwargs, shape = config
    check_in_onnxruntime(nn.Conv2d(**kwargs), [shape[1:]], sizes=(shape[0], shape[0] + 2), counter=HYPOTHESIS)


@settings(max_examples=20, deadline=None)
@given(conv_transpose2d_configs())
def test_random_conv_transpose2d_runs_in_onnxruntime(config: tuple[dict[str, Any], tuple[int, ...]]) -> None:
    kwargs, shape = config
    check_in_onnxruntime(nn.ConvTranspose2d(**kwargs), [shape[1:]], sizes=(shape[0], shape[0] + 2), counter=HYPOTHESIS)


@st.composite
def pool_configs(draw: st.DrawFn) -> tuple[nn.Module, tuple[int, ...]]:
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    ceil_mode = draw(st.booleans())
    if draw(st.booleans()):
        dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
        module: nn.Module = nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode=ceil_mode)
    else:
        dilation = (1, 1)
        include = draw(st.booleans())
        module = nn.AvgPool2d(kernel, stride, padding, ceil_mode=ceil_mode, count_include_pad=include)
    # At least the dilated kernel's extent: a window of padding alone is -inf in shendu and PyTorch, but the
    # lowest float in onnxruntime.
    size = tuple(draw(st.integers(d * (k - 1) + 1, 7)) for k, d in zip(kernel, dilation))
    return module, (2, *size)


@settings(max_examples=30, deadline=None)
@given(pool_configs())
def test_random_pooling_runs_in_onnxruntime(config: tuple[nn.Module, tuple[int, ...]]) -> None:
    module, shape = config
    check_in_onnxruntime(module, [shape], counter=HYPOTHESIS)


def test_embedding_runs_in_onnxruntime() -> None:
    model = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 2))
    check_in_onnxruntime(model, [(3,)], dtype="int64", high=10)


class BiLSTMClassifier(nn.Module):
    """A 2-layer bidirectional LSTM over token embeddings, classifying from the last step."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(20, 8)
        self.lstm = nn.LSTM(8, 6, num_layers=2, bidirectional=True, batch_first=True)
        self.head = nn.Linear(12, 3)

    def forward(self, tokens: Any) -> Any:
        out, _ = self.lstm(self.embed(tokens))
        return self.head(out[:, -1])


class TransformerClassifier(nn.Module):
    """Token and position embeddings, a 2-layer Transformer encoder, mean pooling, a linear head."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(20, 16)
        self.position = nn.Parameter(shendu.randn(1, 7, 16) * 0.1)
        layer = nn.TransformerEncoderLayer(16, 4, 32, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2)
        self.head = nn.Linear(16, 3)

    def forward(self, tokens: Any) -> Any:
        return self.head(self.encoder(self.embed(tokens) + self.position).mean(dim=1))


FAMILIES: list[tuple[str, Any, tuple[int, ...], str]] = [
    ("mlp", lambda: MLP(), (1, 28, 28), "float32"),
    ("lenet", lambda: LeNet5(), (1, 28, 28), "float32"),
    ("fashion cnn", lambda: _with_stats(FashionCNN()), (1, 28, 28), "float32"),
    ("row lstm", lambda: RowLSTM(), (1, 28, 28), "float32"),
    ("bidirectional lstm classifier", BiLSTMClassifier, (7,), "int64"),
    ("gru classifier", lambda: Head(nn.GRU(28, 16, batch_first=True), 16), (28, 28), "float32"),
    ("transformer encoder classifier", TransformerClassifier, (7,), "int64"),
]


@pytest.mark.parametrize(("name", "factory", "shape", "dtype"), FAMILIES, ids=[f[0] for f in FAMILIES])
def test_model_family_runs_in_onnxruntime_as_in_shendu(name: str, factory: Any, shape: Any, dtype: str) -> None:
    model = factory()
    payload = check_in_onnxruntime(
        model, [shape], sizes=(1, 4), dtype=dtype, high=20, counter="onnx model families run in onnxruntime"
    )
    graph = onnx.load_from_string(payload).graph
    assert {i.name for i in graph.initializer} >= {n for n, _ in model.named_parameters()} - {
        n for n, _ in model.named_parameters() if ".weight_" in n or ".bias_" in n
    }
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


def test_weights_keep_their_state_dict_names_and_outputs_their_given_names() -> None:
    model = MLP(in_features=12, hidden=(8,), num_classes=3)
    buffer = io.BytesIO()
    shendu.onnx.export(model, shendu.randn(2, 12), buffer, input_names=["images"], output_names=["logits"])
    graph = onnx.load_from_string(buffer.getvalue()).graph
    assert sorted(i.name for i in graph.initializer if "Constant" not in i.name) == sorted(model.state_dict())
    assert [i.name for i in graph.input] == ["images"] and [o.name for o in graph.output] == ["logits"]
    assert [d.dim_value for d in graph.output[0].type.tensor_type.shape.dim] == [2, 3]


def test_pytorch_style_keyword_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    model = nn.Sequential(nn.Linear(3, 2))
    buffer = io.BytesIO()
    shendu.onnx.export(
        model,
        (shendu.randn(1, 3),),
        buffer,
        export_params=True,
        do_constant_folding=True,
        opset_version=18,
        keep_initializers_as_inputs=True,
        verbose=True,
        dynamo=False,
    )
    graph = onnx.load_from_string(buffer.getvalue()).graph
    assert [i.name for i in graph.input] == ["input", "0.weight", "0.bias"]
    assert "Gemm" in capsys.readouterr().out
    assert [n for n, _ in shendu.onnx.load(buffer.getvalue()).named_parameters()] == ["0.weight", "0.bias"]
    with pytest.raises(OnnxExportError, match=r"export_params=False \(a graph without its weights\) is not supported"):
        shendu.onnx.export(model, shendu.randn(1, 3), io.BytesIO(), export_params=False)


def test_export_restores_training_mode_and_leaves_dropout_out() -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5), nn.BatchNorm1d(4))
    model[2].eval()
    buffer = io.BytesIO()
    shendu.onnx.export(model, shendu.randn(3, 4), buffer)
    assert [m.training for m in model.modules()] == [True, True, True, False]
    ops = {node.op_type for node in onnx.load_from_string(buffer.getvalue()).graph.node}
    assert "Dropout" not in ops and "Gemm" in ops


def test_opset_versions() -> None:
    model = nn.Sequential(nn.LayerNorm(4), nn.Linear(4, 2), nn.Softmax(dim=-1))
    x = shendu.randn(3, 4)
    for opset in shendu.onnx.EXPORT_OPSETS:
        buffer = io.BytesIO()
        shendu.onnx.export(model, x, buffer, opset_version=opset)
        assert onnx.load_from_string(buffer.getvalue()).opset_import[0].version == opset
        with shendu.no_grad():
            want = model.eval()(x).numpy()
        np.testing.assert_allclose(session(buffer.getvalue()).run(None, {"input": x.numpy()})[0], want, atol=1e-6)


def test_writes_a_file_atomically_and_refuses_a_symlink(tmp_path: Path) -> None:
    model = nn.Linear(3, 2)
    target = tmp_path / "model.onnx"
    shendu.onnx.export(model, shendu.randn(1, 3), target)
    assert onnx.load(str(target)).graph.node
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "link.onnx"
    os.symlink(victim, link)
    with pytest.raises(
        OnnxExportError, match=r"export: '.*link\.onnx' is a symbolic link; refusing to write through it"
    ):
        shendu.onnx.export(model, shendu.randn(1, 3), link)
    assert victim.read_text() == "keep me"
    with pytest.raises(
        OnnxExportError, match=r"export: cannot write '.*missing/model\.onnx': No such file or directory"
    ):
        shendu.onnx.export(model, shendu.randn(1, 3), tmp_path / "missing" / "model.onnx")


class Roller(nn.Module):
    def forward(self, x: Any) -> Any:
        return shendu.roll(x, 1, dims=1)


def test_an_op_without_onnx_form_names_the_op_and_the_module_path() -> None:
    model = nn.Sequential(nn.Linear(3, 3), nn.Sequential(nn.ReLU(), Roller()))
    with pytest.raises(OnnxExportError, match=r"export: op Roll in module 1\.1 \(Roller\) has no ONNX form"):
        shendu.onnx.export(model, shendu.randn(2, 3), io.BytesIO())


def test_layer_options_without_onnx_form_are_named() -> None:
    pool = Lambda(lambda x: F.max_pool2d(x, 2, return_indices=True)[0])
    with pytest.raises(OnnxExportError, match=r"op MaxPool2d in module Lambda: max pooling with return_indices"):
        shendu.onnx.export(pool, shendu.randn(1, 1, 4, 4), io.BytesIO())
    adaptive = nn.AdaptiveAvgPool2d(3)
    with pytest.raises(OnnxExportError, match=r"adaptive pooling from \(5, 5\) to \(3, 3\) has windows"):
        shendu.onnx.export(adaptive, shendu.randn(1, 1, 5, 5), io.BytesIO())
    dropout = Lambda(lambda x: F.dropout(x, 0.5, training=True))
    with pytest.raises(OnnxExportError, match=r"op Dropout in module Lambda: dropout in training mode"):
        shendu.onnx.export(dropout, shendu.randn(2, 3), io.BytesIO())


def test_an_in_place_change_the_exporter_cannot_follow_is_an_error() -> None:
    def poke(x: Any) -> Any:
        y = x * 2.0
        y[0, 0] = 1.0
        return y + 1.0

    with pytest.raises(
        OnnxExportError, match=r"op AddScalar in module Lambda reads a tensor that setitem changed in place"
    ):
        shendu.onnx.export(Lambda(poke), shendu.randn(2, 3), io.BytesIO())

    def through_a_view(x: Any) -> Any:
        y = x * 2.0
        first = y[:, :1]
        y.add_(1.0)
        return first * 3.0

    with pytest.raises(
        OnnxExportError, match=r"op MulScalar in module Lambda reads a tensor that add_ changed in place"
    ):
        shendu.onnx.export(Lambda(through_a_view), shendu.randn(2, 3), io.BytesIO())


def test_dynamic_axes_errors() -> None:
    model = nn.Linear(3, 2)
    x = shendu.randn(2, 3)
    with pytest.raises(OnnxExportError, match=r"dynamic_axes names 'images', which is neither an input nor an output"):
        shendu.onnx.export(model, x, io.BytesIO(), dynamic_axes={"images": {0: "batch"}})
    with pytest.raises(OnnxExportError, match=r"dynamic axis 2 of 'input' is out of range for its shape \(2, 3\)"):
        shendu.onnx.export(model, x, io.BytesIO(), dynamic_axes={"input": [2]})
    branchy = Lambda(lambda x: x * 2.0 if x.shape[0] == 2 else x)
    with pytest.raises(OnnxExportError, match=r"runs a different number of ops on a second input .*: 1 and 0"):
        shendu.onnx.export(branchy, x, io.BytesIO(), dynamic_axes={"input": {0: "batch"}})
    made = Lambda(lambda x: x + shendu.ones(x.shape[0], 1))
    with pytest.raises(OnnxExportError, match=r"input 1 is a tensor made inside forward that depends on the input"):
        shendu.onnx.export(made, x, io.BytesIO(), dynamic_axes={"input": {0: "batch"}})
    with shendu.no_grad():
        buffer = io.BytesIO()
        shendu.onnx.export(made, x, buffer)  # without dynamic axes the made tensor is a constant
        np.testing.assert_allclose(session(buffer.getvalue()).run(None, {"input": x.numpy()})[0], made(x).numpy())


def test_values_computed_from_the_input_outside_the_graph_are_refused() -> None:
    x = shendu.randn(2, 3)
    shifted = Lambda(lambda t: t - t.mean().item())
    with pytest.raises(
        OnnxExportError, match=r"op AddScalar in module Lambda: its argument scalar changed when the input"
    ):
        shendu.onnx.export(shifted, x, io.BytesIO())
    masked = Lambda(lambda t: t * shendu.tensor((t.numpy() > 0).astype("float32")))
    with pytest.raises(OnnxExportError, match=r"op Mul in module Lambda: input 1 is a tensor made inside forward"):
        shendu.onnx.export(masked, x, io.BytesIO())
    branchy = Lambda(lambda t: t * 2.0 if t[0, 0].item() > 0 else t.exp())
    with pytest.raises(OnnxExportError, match=r"call 1 is op Exp in module Lambda on the example but op MulScalar"):
        shendu.onnx.export(branchy, shendu.tensor([[-1.0, 2.0]]), io.BytesIO())


def test_comparisons_and_argmax_are_recorded() -> None:
    model = Lambda(lambda t: (shendu.where((t > 0) & (t < 1.0), t, -t), (t >= 0.5) | (t == 0), t.argmax(), t.argmin(1)))
    check_in_onnxruntime(model, [(5,)])
    with shendu.no_grad():
        buffer = io.BytesIO()
        x = shendu.randn(3, 5)
        shendu.onnx.export(model, x, buffer)
        got = session(buffer.getvalue()).run(None, {"input": x.numpy()})
        for g, w in zip(got, model(x)):
            np.testing.assert_array_equal(g, w.numpy())


def test_argument_errors() -> None:
    model = nn.Linear(3, 2)
    x = shendu.randn(2, 3)
    with pytest.raises(OnnxExportError, match=r"opset_version 12 is not supported; choose one of 17 to 21"):
        shendu.onnx.export(model, x, io.BytesIO(), opset_version=12)
    with pytest.raises(OnnxExportError, match=r"2 input_names given for a model with 1 inputs"):
        shendu.onnx.export(model, x, io.BytesIO(), input_names=["a", "b"])
    with pytest.raises(OnnxExportError, match=r"args holds no tensor"):
        shendu.onnx.export(model, (3,), io.BytesIO())
    with pytest.raises(OnnxExportError, match=r"model must be a shendu nn.Module, got function"):
        shendu.onnx.export(lambda t: t, x, io.BytesIO())
    with pytest.raises(OnnxExportError, match=r"the model's outputs must be tensors"):
        shendu.onnx.export(Lambda(lambda t: 3), x, io.BytesIO())


def test_the_deployment_page_example_runs(tmp_path: Path) -> None:
    from tests.test_docs import DOCS, python_blocks, run_program

    out = run_program(python_blocks(DOCS / "deployment.md")[0], tmp_path)
    assert out.splitlines() == ["True", "['0.weight', '0.bias']"]


class _Recurrent(nn.Module):
    """An LSTM whose state comes in as PyTorch users pass it: ``model(x, (h0, c0))``."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(5, 7, batch_first=True)

    def forward(self, x: Any, state: Any) -> Any:
        return self.lstm(x, state)[0]


def test_tensors_inside_tuples_become_inputs_not_constants() -> None:
    model = _Recurrent()
    x, h0, c0 = shendu.randn(2, 4, 5), shendu.randn(1, 2, 7), shendu.randn(1, 2, 7)
    buffer = io.BytesIO()
    shendu.onnx.export(model, (x, (h0, c0)), buffer, input_names=["x", "h0", "c0"])
    runner = session(buffer.getvalue())
    assert [i.name for i in runner.get_inputs()] == ["x", "h0", "c0"]
    # Another state than the example's: a state written as a constant would give the example's output.
    h1, c1 = shendu.randn(1, 2, 7), shendu.randn(1, 2, 7)
    with shendu.no_grad():
        want = model(x, (h1, c1)).numpy()
    got = runner.run(None, {"x": x.numpy(), "h0": h1.numpy(), "c0": c1.numpy()})[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


class _Scaled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 2)

    def forward(self, x: Any, scale: Any = None, shift: Any = None) -> Any:
        y = self.linear(x)
        y = y if scale is None else y * scale
        return y if shift is None else y + shift["value"]


def test_keyword_arguments_as_in_pytorch() -> None:
    model = _Scaled()
    x, scale, shift = shendu.randn(3, 4), shendu.randn(3, 2), shendu.randn(3, 2)
    with shendu.no_grad():
        want = model(x, scale=scale, shift={"value": shift}).numpy()
    feeds = {"input_0": x.numpy(), "input_1": scale.numpy(), "input_2": shift.numpy()}
    # A dict at the end of args holds keyword arguments; kwargs= says the same. Inputs follow forward's order.
    for args, kwargs in [
        ((x, {"shift": {"value": shift}, "scale": scale}), None),
        ((x,), {"shift": {"value": shift}, "scale": scale}),
    ]:
        buffer = io.BytesIO()
        shendu.onnx.export(model, args, buffer, kwargs=kwargs)
        np.testing.assert_allclose(session(buffer.getvalue()).run(None, feeds)[0], want, rtol=1e-6)
    with pytest.raises(OnnxExportError, match=r"args and kwargs do not fit _Scaled.forward\(x, scale=None, shift="):
        shendu.onnx.export(model, (x, {"offset": scale}), io.BytesIO())


def test_a_forward_that_runs_more_ops_names_where_the_runs_part() -> None:
    repeated = Lambda(lambda x: [x := x * 2.0 for _ in range(x.shape[0])][-1])
    with pytest.raises(
        OnnxExportError, match=r"2 and 3, the other goes on with call 2: op MulScalar in module Lambda; its forward"
    ):
        shendu.onnx.export(repeated, shendu.randn(2, 3), io.BytesIO(), dynamic_axes={"input": {0: "batch"}})


def test_bad_destinations_and_axes_are_export_errors(tmp_path: Path) -> None:
    model, x = nn.Linear(3, 2), shendu.randn(2, 3)
    with pytest.raises(OnnxExportError, match=r"^export: cannot write '.*': it is a folder$"):
        shendu.onnx.export(model, x, tmp_path)
    with pytest.raises(OnnxExportError, match=r"^export: f must be a file path or a binary file object, got int$"):
        shendu.onnx.export(model, x, 3)
    with open(tmp_path / "text.onnx", "w") as handle, pytest.raises(OnnxExportError, match=r"binary mode \('wb'\)"):
        shendu.onnx.export(model, x, handle)
    with pytest.raises(OnnxExportError, match=r"dynamic_axes\['input'\] names axis 'batch'; axes are integers"):
        shendu.onnx.export(model, x, io.BytesIO(), dynamic_axes={"input": {"batch": 0}})


@pytest.mark.parametrize("batch_first", [True, False])
def test_a_transformer_with_dynamic_batch_and_sequence(batch_first: bool) -> None:
    shendu.manual_seed(0)
    layer = nn.TransformerEncoderLayer(16, 4, 32, batch_first=batch_first)
    encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=batch_first).eval()
    axes = {0: "batch", 1: "time"} if batch_first else {0: "time", 1: "batch"}

    def example(batch: int, time: int) -> Any:
        return shendu.randn(batch, time, 16) if batch_first else shendu.randn(time, batch, 16)

    buffer = io.BytesIO()
    # The attention reshapes (batch, time) to (batch * heads, time) and back: sizes read from the input's shape.
    shendu.onnx.export(encoder, example(2, 5), buffer, dynamic_axes={"input": axes, "output": axes})
    runner, loaded = session(buffer.getvalue()), shendu.onnx.load(buffer.getvalue())
    for batch, time in [(1, 1), (3, 7), (4, 2)]:
        x = example(batch, time)
        with shendu.no_grad():
            want = encoder(x).numpy()
            np.testing.assert_allclose(loaded(x).numpy(), want, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(runner.run(None, {"input": x.numpy()})[0], want, rtol=1e-5, atol=1e-5)
    with pytest.raises(
        OnnxExportError,
        match=r"op Reshape in module layers\.0\.self_attn \(MultiheadAttention\): the reshape to \(5, 5, 16\) mixes "
        r"several dynamic sizes .*the dynamic axes \['batch', 'time'\] have the same size in the example",
    ):
        shendu.onnx.export(encoder, example(5, 5), io.BytesIO(), dynamic_axes={"input": axes})


def test_names_that_onnx_would_see_twice_and_a_tensor_passed_twice_are_refused() -> None:
    model, x = nn.Linear(4, 2), shendu.randn(2, 4)
    with pytest.raises(OnnxExportError, match=r"export: \['x'\] named both an input and an output"):
        shendu.onnx.export(model, x, io.BytesIO(), input_names=["x"], output_names=["x"])
    with pytest.raises(OnnxExportError, match=r"the input or output name 'weight' is also the state_dict name"):
        shendu.onnx.export(model, x, io.BytesIO(), input_names=["weight"])
    with pytest.raises(OnnxExportError, match=r"the input or output name 'bias' is also the state_dict name"):
        shendu.onnx.export(model, x, io.BytesIO(), output_names=["bias"])
    with pytest.raises(OnnxExportError, match=r"input_names must not be empty strings, got \[''\]"):
        shendu.onnx.export(model, x, io.BytesIO(), input_names=[""])
    added = Lambda(lambda a, b: a + b)
    with pytest.raises(OnnxExportError, match=r"the same tensor is passed as inputs 0 and 1; .* pass a copy"):
        shendu.onnx.export(added, (x, x), io.BytesIO())
    check_in_onnxruntime(added, [(4,), (4,)])  # two tensors: two inputs, each read where it is used


def test_a_packed_sequence_is_refused_with_what_to_do() -> None:
    gru = nn.GRU(5, 6, batch_first=True)

    def packed(x: Any, lengths: Any) -> Any:
        return gru(nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))[1]

    with pytest.raises(
        OnnxExportError, match=r"op PackRows in module Lambda has no ONNX form .*\(pack_padded_sequence: .*padded batch"
    ):
        shendu.onnx.export(Lambda(packed, gru), (shendu.randn(3, 4, 5), shendu.tensor([4, 2, 3])), io.BytesIO())


@pytest.mark.parametrize("options", [{"enable_nested_tensor": False}, {"mask_check": False}])
def test_a_transformer_with_a_padding_mask_follows_dynamic_batch_and_sequence(options: dict[str, bool]) -> None:
    shendu.manual_seed(0)
    layer = nn.TransformerEncoderLayer(16, 4, 32, batch_first=True)
    encoder = nn.TransformerEncoder(layer, 1, **options).eval()
    model = Lambda(lambda x, padding: encoder(x, src_key_padding_mask=padding), encoder)
    axes = {0: "batch", 1: "time"}
    padding = shendu.tensor([[False] * 5, [False] * 3 + [True] * 2])
    buffer = io.BytesIO()
    # The bool mask becomes -inf and 0 through recorded ops, so its shape follows the input's.
    shendu.onnx.export(
        model, (shendu.randn(2, 5, 16), padding), buffer, input_names=["x", "padding"],
        dynamic_axes={"x": axes, "padding": axes},
    )  # fmt: skip
    x = shendu.randn(3, 7, 16)
    padding = shendu.tensor([[False] * 6 + [True], [False] * 2 + [True] * 5, [False] * 7])
    with shendu.no_grad():
        want = model(x, padding).numpy()
    got = session(buffer.getvalue()).run(None, {"x": x.numpy(), "padding": padding.numpy()})[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
