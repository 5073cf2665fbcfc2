"""shendu.onnx.load: PyTorch's exports evaluate and fine-tune in shendu as in PyTorch; bad files fail clearly."""

from __future__ import annotations

import io
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
import torch

import shendu
from shendu import nn
from shendu.onnx import OnnxLoadError
from tests.helpers import COUNTS


# ----------------------------------------------------------------------------- the model families, in PyTorch
class TorchLeNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(1, 6, 5, padding=2),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(6, 16, 5),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
        )
        self.classifier = torch.nn.Sequential(
            torch.nn.Flatten(), torch.nn.Linear(400, 120), torch.nn.ReLU(), torch.nn.Linear(120, 10)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class TorchFashionCNN(torch.nn.Module):
    """``shendu train``'s CNN, written in PyTorch."""

    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(1, width, 3, padding=1, bias=False),
            torch.nn.BatchNorm2d(width),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(width, 2 * width, 3, padding=1, bias=False),
            torch.nn.BatchNorm2d(2 * width),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
        )
        self.classifier = torch.nn.Sequential(
            torch.nn.Flatten(),
            torch.nn.Dropout(0.25),
            torch.nn.Linear(2 * width * 49, 32),
            torch.nn.ReLU(),
            torch.nn.Dropout(0.25),
            torch.nn.Linear(32, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class TorchBiLSTM(torch.nn.Module):
    """Token embeddings, a 2-layer bidirectional LSTM, a linear head on the last step."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(20, 8)
        self.lstm = torch.nn.LSTM(8, 6, num_layers=2, bidirectional=True, batch_first=True)
        self.head = torch.nn.Linear(12, 3)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(self.embed(tokens))
        return self.head(out[:, -1])


class TorchGRU(torch.nn.Module):
    """Rows of an image through a GRU, classified from the final hidden state."""

    def __init__(self) -> None:
        super().__init__()
        self.gru = torch.nn.GRU(28, 16)
        self.head = torch.nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, h = self.gru(x.transpose(0, 1))
        return torch.log_softmax(self.head(h[-1]), dim=-1)


class TorchTransformer(torch.nn.Module):
    """Token and position embeddings, a 2-layer Transformer encoder, mean pooling, a linear head."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(20, 16)
        self.position = torch.nn.Parameter(torch.randn(1, 7, 16) * 0.1)
        layer = torch.nn.TransformerEncoderLayer(16, 4, 32, batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = torch.nn.Linear(16, 3)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(self.embed(tokens) + self.position).mean(dim=1))


def _mlp() -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(784, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 10),
    )  # fmt: skip


def _trained_like(model: torch.nn.Module) -> torch.nn.Module:
    """Random normalization statistics, and every parameter moved a little, as after training.

    Fresh norm weights are all ones and biases all zeros, the layers of a TransformerEncoder start
    as copies of one another, and PyTorch's exporter stores equal initializers once: the layers
    would then share one weight in the file, and a fine-tuning step would differ from PyTorch's.
    """
    gen = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(torch.rand(m.num_features, generator=gen) - 0.5)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
        for p in model.parameters():
            p.copy_(p + torch.rand(p.shape, generator=gen) * 0.2 - 0.1)
    return model


# (name, model factory, per-sample input shape, input dtype)
FAMILIES: list[tuple[str, Callable[[], torch.nn.Module], tuple[int, ...], str]] = [
    ("mlp", _mlp, (1, 28, 28), "float32"),
    ("lenet", TorchLeNet, (1, 28, 28), "float32"),
    ("fashion cnn", lambda: _trained_like(TorchFashionCNN()), (1, 28, 28), "float32"),
    ("bidirectional lstm classifier", TorchBiLSTM, (7,), "int64"),
    ("gru", TorchGRU, (28, 28), "float32"),
    ("transformer encoder", lambda: _trained_like(TorchTransformer()), (7,), "int64"),
]


def _input(shape: tuple[int, ...], dtype: str, batch: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == "int64":
        return rng.integers(0, 20, size=(batch, *shape)).astype(np.int64)
    return rng.standard_normal((batch, *shape)).astype(np.float32)


def _torch_export(model: torch.nn.Module, example: np.ndarray, **options: Any) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript exporter is deprecated in PyTorch 2.9+; it needs no onnxscript, the new one does.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model.eval(),
            (torch.from_numpy(example),),
            buffer,
            dynamo=False,
            input_names=["x"],
            output_names=["y"],
            dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
            **options,
        )
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "factory", "shape", "dtype"), FAMILIES, ids=[f[0] for f in FAMILIES])
def test_pytorch_export_evaluates_in_shendu_as_in_pytorch(name: str, factory: Any, shape: Any, dtype: str) -> None:
    torch.manual_seed(0)
    model = factory().eval()
    loaded = shendu.onnx.load(_torch_export(model, _input(shape, dtype, 2, 0)))
    for batch in (2, 5):
        x = _input(shape, dtype, batch, batch)
        with torch.no_grad():
            want = model(torch.from_numpy(x)).numpy()
        with shendu.no_grad():
            got = loaded(shendu.tensor(x)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    COUNTS["onnx models from torch.onnx.export compared with torch"] += 1


@pytest.mark.parametrize("opset", [13, 15, 17])
def test_older_opsets_from_pytorch(opset: int) -> None:
    torch.manual_seed(0)
    model = _trained_like(TorchBiLSTM()).eval()
    tokens = _input((7,), "int64", 3, 0)
    payload = _torch_export(model, tokens, opset_version=opset)
    assert onnx.load_from_string(payload).opset_import[0].version == opset
    with torch.no_grad():
        want = model(torch.from_numpy(tokens)).numpy()
    with shendu.no_grad():
        got = shendu.onnx.load(payload)(shendu.tensor(tokens)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def _loss(lib: Any, logits: Any, target: Any) -> Any:
    return lib.nn.functional.cross_entropy(logits, target)


@pytest.mark.parametrize(("name", "factory", "shape", "dtype"), FAMILIES, ids=[f[0] for f in FAMILIES])
def test_a_fine_tuning_step_after_import_changes_the_loss_as_in_pytorch(
    name: str, factory: Any, shape: Any, dtype: str
) -> None:
    torch.manual_seed(0)
    model = factory().eval()
    # Without constant folding the file keeps PyTorch's parameters as they are (folding merges batch norm
    # into the convolution, a different parametrization whose gradient step differs).
    loaded = shendu.onnx.load(_torch_export(model, _input(shape, dtype, 2, 0), do_constant_folding=False))
    x = _input(shape, dtype, 6, 1)
    target = np.random.default_rng(2).integers(0, 3, size=6).astype(np.int64)
    t_opt = torch.optim.SGD(model.parameters(), lr=0.5)
    s_opt = shendu.optim.SGD(loaded.parameters(), lr=0.5)
    losses = []
    for lib, net, opt, wrap in ((torch, model, t_opt, torch.from_numpy), (shendu, loaded, s_opt, shendu.tensor)):
        before = _loss(lib, net(wrap(x)), wrap(target))
        opt.zero_grad()
        before.backward()
        opt.step()
        with lib.no_grad():
            after = _loss(lib, net(wrap(x)), wrap(target))
        losses.append((before.item(), after.item()))
    (t_before, t_after), (s_before, s_after) = losses
    assert abs(t_after - t_before) > 1e-3, "the step should change the loss"
    np.testing.assert_allclose([s_before, s_after], [t_before, t_after], rtol=1e-5, atol=1e-6)
    COUNTS["onnx fine-tuning steps compared with torch"] += 1


def test_parameters_keep_pytorchs_names() -> None:
    model = _trained_like(TorchFashionCNN())
    loaded = shendu.onnx.load(_torch_export(model, _input((1, 28, 28), "float32", 2, 0), do_constant_folding=False))
    assert [n for n, _ in loaded.named_parameters()] == [n for n, _ in model.named_parameters()]
    buffers = {n for n, _ in loaded.named_buffers()}
    assert {"features.1.running_mean", "features.1.running_var", "features.5.running_mean"} <= buffers
    assert set(loaded.state_dict()) >= set(model.state_dict()) - {n for n in model.state_dict() if "num_batches" in n}


def test_batch_norm_trains_with_batch_statistics_as_in_pytorch() -> None:
    torch.manual_seed(0)
    model = _trained_like(
        torch.nn.Sequential(
            torch.nn.Conv2d(1, 4, 3, bias=False), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.Flatten(),
            torch.nn.Linear(4 * 36, 3),
        )
    )  # fmt: skip
    x = _input((1, 8, 8), "float32", 5, 0)
    loaded = shendu.onnx.load(_torch_export(model, x, do_constant_folding=False))
    target = np.array([0, 1, 2, 1, 0])
    model.train()
    loaded.train()
    for lib, net, wrap in ((torch, model, torch.from_numpy), (shendu, loaded, shendu.tensor)):
        opt = (torch.optim.SGD if lib is torch else shendu.optim.SGD)(net.parameters(), lr=0.1)
        loss = _loss(lib, net(wrap(x)), wrap(target))
        opt.zero_grad()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(loaded.get_buffer("1.running_mean").numpy(), model[1].running_mean.numpy(), atol=1e-6)
    np.testing.assert_allclose(loaded.get_buffer("1.running_var").numpy(), model[1].running_var.numpy(), atol=1e-6)
    np.testing.assert_allclose(
        loaded.get_parameter("0.weight").detach().numpy(), model[0].weight.detach().numpy(), atol=1e-6
    )


def test_shendu_round_trip_keeps_names_and_values(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 16, 4), nn.LogSoftmax(dim=1))
    path = tmp_path / "model.onnx"
    shendu.onnx.export(model, shendu.randn(2, 1, 6, 6), path, dynamic_axes={"input": {0: "batch"}})
    for source in (path, str(path), path.read_bytes(), io.BytesIO(path.read_bytes())):
        loaded = shendu.onnx.load(source)
        assert sorted(loaded.state_dict()) == sorted(model.state_dict())
        x = shendu.randn(3, 1, 6, 6)
        with shendu.no_grad():
            np.testing.assert_array_equal(loaded(x).numpy(), model.eval()(x).numpy())
    assert "inputs=['input'], outputs=['output']" in repr(loaded)


# ----------------------------------------------------------------------------- damaged and hostile files
def _small_model() -> onnx.ModelProto:
    buffer = io.BytesIO()
    shendu.onnx.export(nn.Sequential(nn.Linear(3, 4), nn.ReLU()), shendu.randn(2, 3), buffer)
    return onnx.load_from_string(buffer.getvalue())


def _write(tmp_path: Path, payload: bytes | onnx.ModelProto, name: str = "bad.onnx") -> Path:
    path = tmp_path / name
    path.write_bytes(payload if isinstance(payload, bytes) else payload.SerializeToString())
    return path


def _mutated(change: Callable[[onnx.ModelProto], None]) -> onnx.ModelProto:
    model = _small_model()
    change(model)
    return model


def _external(model: onnx.ModelProto) -> None:
    tensor = model.graph.initializer[0]
    tensor.data_location = onnx.TensorProto.EXTERNAL
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", "../../etc/passwd"


def _huge(model: onnx.ModelProto) -> None:
    del model.graph.initializer[0].dims[:]
    model.graph.initializer[0].dims.extend([1_000_000, 1_000_000])


def _rename_input(model: onnx.ModelProto) -> None:
    model.graph.node[0].input[0] = "ghost"


HOSTILE: list[tuple[str, Callable[[], bytes | onnx.ModelProto], str]] = [
    (
        "garbage",
        lambda: b"this is not an ONNX model at all\x00\xff" * 8,
        r"is not a readable ONNX model|holds no graph",
    ),
    ("empty", lambda: b"", r"is empty; expected an ONNX model"),
    ("wrong opset", lambda: _mutated(lambda m: setattr(m.opset_import[0], "version", 7)), r"uses ONNX opset 7; "),
    ("future opset", lambda: _mutated(lambda m: setattr(m.opset_import[0], "version", 99)), r"opset 99; shendu runs"),
    (
        "unknown op",
        lambda: _mutated(lambda m: setattr(m.graph.node[0], "op_type", "FancyOp")),
        r"unsupported ONNX op\(s\): FancyOp \(first at node 0",
    ),
    (
        "huge declared tensor",
        lambda: _mutated(_huge),
        r"initializer '0.weight': tensor '0.weight' declares shape \[1000000, 1000000\] \(4000000000000 bytes\) "
        r"but carries 48 bytes",
    ),
    ("external data", lambda: _mutated(_external), r"keeps its data in an external file"),
    ("dangling input", lambda: _mutated(_rename_input), r"reads 'ghost', which no input, initializer or earlier node"),
    (
        "foreign domain",
        lambda: _mutated(lambda m: setattr(m.graph.node[0], "domain", "com.example")),
        r"unsupported ONNX op\(s\): com.example",
    ),
]


@pytest.mark.parametrize(("name", "make", "message"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_file_fails_clearly_naming_the_path(tmp_path: Path, name: str, make: Any, message: str) -> None:
    path = _write(tmp_path, make())
    tracemalloc.start()
    try:
        with pytest.raises(OnnxLoadError, match=rf"^load: '{tmp_path}/bad\.onnx'.*({message})"):
            shendu.onnx.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"loading a {len(path.read_bytes())}-byte file allocated {peak} bytes"
    COUNTS["hostile onnx files refused"] += 1


@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.5, 0.7, 0.95])
def test_a_truncated_file_fails_clearly(tmp_path: Path, fraction: float) -> None:
    payload = _small_model().SerializeToString()
    path = _write(tmp_path, payload[: int(len(payload) * fraction)])
    with pytest.raises(OnnxLoadError, match=rf"^load: '{tmp_path}/bad\.onnx' "):
        shendu.onnx.load(path)
    COUNTS["hostile onnx files refused"] += 1


def test_paths_that_are_not_files(tmp_path: Path) -> None:
    with pytest.raises(OnnxLoadError, match=r"load: cannot read '.*missing\.onnx': No such file or directory"):
        shendu.onnx.load(tmp_path / "missing.onnx")
    with pytest.raises(OnnxLoadError, match=r"load: '.*' is not a regular file"):
        shendu.onnx.load(tmp_path)


def test_unsupported_op_forms_name_the_node(tmp_path: Path) -> None:
    model = _small_model()
    node = model.graph.node[-1]
    model.graph.node.remove(node)
    model.graph.node.append(
        onnx.helper.make_node("Pad", [node.input[0], "pads"], [node.output[0]], name="reflect", mode="reflect")
    )
    model.graph.initializer.append(onnx.numpy_helper.from_array(np.array([0, 1, 0, 1], np.int64), "pads"))
    loaded = shendu.onnx.load(_write(tmp_path, model))
    with pytest.raises(OnnxLoadError, match=r"onnx node \d+ \(Pad 'reflect'\): Pad mode 'reflect' is not supported"):
        loaded(shendu.randn(2, 3))


def test_a_graph_asking_for_a_huge_tensor_at_run_time_is_refused(tmp_path: Path) -> None:
    shape = onnx.numpy_helper.from_array(np.array([100_000, 100_000, 100], np.int64), "shape")
    node = onnx.helper.make_node("ConstantOfShape", ["shape"], ["out"], name="bomb")
    out = onnx.helper.make_tensor_value_info("out", onnx.TensorProto.FLOAT, [None, None, None])
    graph = onnx.helper.make_graph([node], "bomb", [], [out], [shape])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 17)])
    loaded = shendu.onnx.load(_write(tmp_path, model))
    with pytest.raises(
        OnnxLoadError, match=r"onnx node 0 \(ConstantOfShape 'bomb'\): refuses to build a tensor of shape"
    ):
        loaded()


def test_call_errors_name_the_input() -> None:
    loaded = shendu.onnx.load(_small_model().SerializeToString())
    with pytest.raises(ValueError, match=r"OnnxModule: input 'input' must have shape \(2, 3\), got \(2, 4\)"):
        loaded(shendu.randn(2, 4))
    with pytest.raises(TypeError, match=r"OnnxModule: input 'input' must have dtype shendu.float32, got shendu.int64"):
        loaded(shendu.zeros(2, 3, dtype=shendu.int64))
    with pytest.raises(TypeError, match=r"OnnxModule: the graph takes 1 input\(s\) \['input'\], got 2"):
        loaded(shendu.randn(2, 3), shendu.randn(2, 3))
    assert loaded(np.ones((2, 3), np.float32)).shape == (2, 4)


def test_imported_graph_gradients_match_finite_differences() -> None:
    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Sequential(torch.nn.Conv1d(3, 4, 3, padding=1), torch.nn.Tanh())
            self.lstm = torch.nn.LSTM(4, 3, bidirectional=True)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.lstm(self.conv(x).permute(2, 0, 1))[0]

    torch.manual_seed(0)
    example = np.random.default_rng(0).standard_normal((2, 3, 5))
    loaded = shendu.onnx.load(_torch_export(Net().double(), example))
    x = shendu.tensor(example, requires_grad=True)
    assert shendu.autograd.gradcheck(loaded, (x,))


def test_sources_that_are_not_files_or_bytes(tmp_path: Path) -> None:
    with pytest.raises(OnnxLoadError, match=r"load: expected a file path, a binary file object or the bytes .*got int"):
        shendu.onnx.load(5)
    path = _write(tmp_path, _small_model().SerializeToString())
    with open(path) as handle, pytest.raises(OnnxLoadError, match=r"gives text, not bytes; open the file in binary"):
        shendu.onnx.load(handle)
