from __future__ import annotations

from typing import Any

import pytest
import torch

import shendu
from shendu import nn


def make_net(lib: Any) -> Any:
    base = torch.nn.Module if lib is torch.nn else nn.Module

    class Net(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.features = lib.Sequential(
                lib.Conv2d(1, 4, 3, padding=1), lib.BatchNorm2d(4), lib.ReLU(), lib.MaxPool2d(2)
            )
            self.head = lib.Sequential(lib.Flatten(), lib.Linear(64, 10))

        def forward(self, x: Any) -> Any:
            return self.head(self.features(x))

    return Net()


EXPECTED = """\
------------------------------------------------------
Layer (path)  Type          Output Shape       Param #
======================================================
features      Sequential    [2, 4, 4, 4]             0
features.0    Conv2d        [2, 4, 8, 8]            40
features.1    BatchNorm2d   [2, 4, 8, 8]             8
features.2    ReLU          [2, 4, 8, 8]             0
features.3    MaxPool2d     [2, 4, 4, 4]             0
head          Sequential    [2, 10]                  0
head.0        Flatten       [2, 64]                  0
head.1        Linear        [2, 10]                650
======================================================
Total params: 698
Trainable params: 658
Non-trainable params: 40
------------------------------------------------------
Input size (MB): 0.00
Params size (MB): 0.00
Buffers size (MB): 0.00
Model size (MB): 0.00
------------------------------------------------------"""


def test_table_and_totals(capsys: pytest.CaptureFixture[str]) -> None:
    model = make_net(nn)
    model.features[0].requires_grad_(False)
    result = nn.summary(model, (1, 8, 8), batch_size=2)
    assert capsys.readouterr().out.rstrip("\n") == EXPECTED
    assert str(result) == EXPECTED
    assert [row.path for row in result.layers][:2] == ["features", "features.0"]
    assert result.layers[-1].output_shape == [2, 10] and result.layers[-1].params == 650
    assert result.total_params == sum(p.numel() for p in make_net(torch.nn).parameters()) == 698
    assert (result.trainable_params, result.non_trainable_params) == (658, 40)
    assert result.params_size_mb == pytest.approx(698 * 4 / 2**20)
    assert result.buffers_size_mb == pytest.approx((8 * 4 + 8) / 2**20)
    assert result.model_size_mb == pytest.approx(result.params_size_mb + result.buffers_size_mb)
    assert result.input_size_mb == pytest.approx(2 * 64 * 4 / 2**20)


def test_summary_leaves_the_model_unchanged() -> None:
    model = make_net(nn)
    model.head.eval()
    nn.summary(model, (1, 8, 8), verbose=False)
    assert model.training and model.features[1].training and not model.head.training
    assert model.features[1].num_batches_tracked.item() == 0
    assert model.features[1].running_mean.tolist() == [0.0] * 4
    assert not model.features[0]._forward_hooks and not model.features[0]._forward_pre_hooks


def test_multiple_inputs_tuple_outputs_and_shared_layers() -> None:
    class Two(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, a: shendu.Tensor, b: shendu.Tensor) -> tuple[shendu.Tensor, shendu.Tensor]:
            return self.fc(a), self.fc(self.fc(b)).sum(1)

    result = nn.summary(Two().double(), [(3,), (4, 3)], dtype=[shendu.float64, shendu.float64], verbose=False)
    assert [(r.path, r.output_shape, r.params) for r in result.layers] == [
        ("fc", [1, 3], 12),
        ("fc", [1, 4, 3], 0),
        ("fc", [1, 4, 3], 0),
    ]
    assert result.total_params == 12
    assert "[1, 3], [1, 4]" not in str(result)


def test_errors() -> None:
    with pytest.raises(ValueError, match=r"summary: input_size must be a shape such as \(3, 32, 32\)"):
        nn.summary(make_net(nn), "3x8x8")
    with pytest.raises(ValueError, match="summary: batch_size must be a positive int, got 0"):
        nn.summary(make_net(nn), (1, 8, 8), batch_size=0)
    with pytest.raises(ValueError, match="summary: got 1 input sizes but 2 dtypes"):
        nn.summary(make_net(nn), (1, 8, 8), dtype=[shendu.float32, shendu.float32])
    with pytest.raises(TypeError, match=r"summary: expected an nn.Module, got str"):
        nn.summary("model", (1, 8, 8))
    model = make_net(nn)
    with pytest.raises(shendu.ShapeError, match=r"features.0 \(Conv2d\): expected input with 1 channels, got 3"):
        nn.summary(model, (3, 8, 8), verbose=False)
    assert model.training and not model.features[0]._forward_hooks
