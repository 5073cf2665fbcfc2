"""Layer errors name the module path and type, what was expected, what came, and a hint where one helps."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import shendu
from shendu import nn


def make_model() -> nn.Module:
    model = nn.Module()
    model.features = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.Conv2d(16, 32, 3), nn.AdaptiveAvgPool2d(1)
    )
    model.fc = nn.Linear(784, 10)
    return model


def raises(error: type[Exception], message: str, fn: Any, *args: Any) -> None:
    with pytest.raises(error, match="^" + re.escape(message) + "$"):
        fn(*args)


def test_channel_mismatch_names_path_type_expectation_and_shape() -> None:
    model = make_model()
    raises(
        shendu.ShapeError,
        "features.3 (Conv2d): expected input with 16 channels, got 3; input shape (8, 3, 32, 32)",
        model.features[3],
        shendu.zeros(8, 3, 32, 32),
    )
    raises(
        shendu.ShapeError,
        "features.0 (Conv2d): expected input with 3 channels, got 1; input shape (2, 1, 8, 8)",
        model.features,
        shendu.zeros(2, 1, 8, 8),
    )
    raises(
        shendu.ShapeError,
        "Conv2d: expected input with 3 channels, got 4; input shape (1, 4, 5, 5)",
        nn.Conv2d(3, 1, 3),
        shendu.zeros(1, 4, 5, 5),
    )


def test_channels_last_hint() -> None:
    raises(
        shendu.ShapeError,
        "features.3 (Conv2d): expected input with 16 channels, got 32; input shape (8, 32, 32, 16); hint: the input "
        "looks channels-last (N, H, W, C); this layer expects channels first, so convert it with x.permute(0, 3, 1, 2)",
        make_model().features[3],
        shendu.zeros(8, 32, 32, 16),
    )
    raises(
        shendu.ShapeError,
        "Conv2d: expected input with 3 channels, got 32; input shape (32, 32, 3); hint: the input looks channels-last "
        "(H, W, C); this layer expects channels first, so convert it with x.permute(2, 0, 1)",
        nn.Conv2d(3, 4, 3),
        shendu.zeros(32, 32, 3),
    )
    raises(
        shendu.ShapeError,
        "Conv1d: expected input with 4 channels, got 10; input shape (2, 10, 4); hint: the input looks channels-last "
        "(N, L, C); this layer expects channels first, so convert it with x.permute(0, 2, 1)",
        nn.Conv1d(4, 4, 3),
        shendu.zeros(2, 10, 4),
    )
    raises(
        shendu.ShapeError,
        "features.1 (BatchNorm2d): expected input with 16 channels, got 8; input shape (4, 8, 8, 16); hint: the input "
        "looks channels-last (N, H, W, C); this layer expects channels first, so convert it with x.permute(0, 3, 1, 2)",
        make_model().features[1],
        shendu.zeros(4, 8, 8, 16),
    )


def test_missing_batch_dimension_hints() -> None:
    raises(
        shendu.ShapeError,
        "features.1 (BatchNorm2d): expected a 4-D (N, C, H, W) input, got a 3-D input; input shape (16, 8, 8); hint: "
        "the input looks like a single sample without a batch dimension; add one with x.unsqueeze(0)",
        make_model().features[1],
        shendu.zeros(16, 8, 8),
    )
    raises(
        shendu.ShapeError,
        "BatchNorm1d: expected a 2-D (N, C) or 3-D (N, C, L) input, got a 1-D input; input shape (5,); hint: the "
        "input looks like a single sample without a batch dimension; add one with x.unsqueeze(0)",
        nn.BatchNorm1d(5),
        shendu.zeros(5),
    )
    raises(
        shendu.ShapeError,
        "fc (Linear): expected input with 784 features in the last dimension, got 28; input shape (28, 28); hint: "
        "this looks like a single sample without a batch dimension; flatten it and add one with x.reshape(1, -1)",
        make_model().fc,
        shendu.zeros(28, 28),
    )


def test_linear_feature_errors() -> None:
    fc = make_model().fc
    raises(
        shendu.ShapeError,
        "fc (Linear): expected input with 784 features in the last dimension, got 100; input shape (64, 100)",
        fc,
        shendu.zeros(64, 100),
    )
    raises(
        shendu.ShapeError,
        "fc (Linear): expected input with 784 features in the last dimension, got 28; input shape (64, 1, 28, 28); "
        "hint: flatten every dimension but the batch first, e.g. with nn.Flatten() or x.flatten(1)",
        fc,
        shendu.zeros(64, 1, 28, 28),
    )
    raises(
        shendu.ShapeError,
        "Linear: expected input with 3 features in the last dimension, got 5; input shape (2, 3, 5); hint: the "
        "features are in dimension -2; transpose with x.transpose(-1, -2)",
        nn.Linear(3, 2),
        shendu.zeros(2, 3, 5),
    )
    raises(
        shendu.ShapeError,
        "Linear: expected input with 3 features in the last dimension, got a 0-d tensor; input shape ()",
        nn.Linear(3, 2),
        shendu.zeros(()),
    )
    raises(TypeError, "Linear: expected a Tensor input, got list", nn.Linear(3, 2), [1.0, 2.0, 3.0])


def test_rank_and_size_errors() -> None:
    raises(
        shendu.ShapeError,
        "Conv2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got a 2-D input; input shape (28, 28); hint: add "
        "the channel and batch dimensions with x[None, None]",
        nn.Conv2d(1, 4, 3),
        shendu.zeros(28, 28),
    )
    raises(
        shendu.ShapeError,
        "Conv1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got a 4-D input; input shape (1, 2, 3, 4)",
        nn.Conv1d(2, 4, 3),
        shendu.zeros(1, 2, 3, 4),
    )
    raises(
        shendu.ShapeError,
        "Conv2d: the kernel spans 5 elements in dimension 2 (kernel_size=(5, 5), dilation=(1, 1)), more than the "
        "padded input size 4 (input size 2 + padding 2); input shape (1, 1, 2, 8)",
        nn.Conv2d(1, 1, 5, padding=1),
        shendu.zeros(1, 1, 2, 8),
    )
    raises(
        shendu.ShapeError,
        "Conv1d: the kernel spans 5 elements in dimension 2 (kernel_size=(3,), dilation=(2,)), more than the padded "
        "input size 4 (input size 4 + padding 0); input shape (1, 1, 4)",
        nn.Conv1d(1, 1, 3, dilation=2),
        shendu.zeros(1, 1, 4),
    )
    raises(
        shendu.ShapeError,
        "MaxPool2d: the pooling window spans 3 elements in dimension 3, more than the padded input size 2 (input "
        "size 2 + padding 0); input shape (1, 1, 4, 2)",
        nn.MaxPool2d(3, stride=1),
        shendu.zeros(1, 1, 4, 2),
    )
    raises(
        shendu.ShapeError,
        "ConvTranspose2d: conv_transpose2d: the output size would be (2, 0), which is not positive (input shape "
        "(1, 1, 2, 2), weight shape (1, 1, 1, 1), stride (1, 1), padding (0, 1), dilation (1, 1), "
        "output_padding (0, 0))",
        nn.ConvTranspose2d(1, 1, 1, padding=(0, 1), bias=False),
        shendu.zeros(1, 1, 2, 2),
    )
    raises(
        shendu.ShapeError,
        "AvgPool1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got a 1-D input; input shape (5,)",
        nn.AvgPool1d(2),
        shendu.zeros(5),
    )
    raises(
        shendu.ShapeError,
        "AdaptiveAvgPool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got a 2-D input; input shape (4, 4)",
        nn.AdaptiveAvgPool2d(1),
        shendu.zeros(4, 4),
    )
    raises(
        shendu.ShapeError,
        "Conv1d: padding_mode='reflect' needs padding of at most 2 in dimension 2, got 3; input shape (1, 1, 3)",
        nn.Conv1d(1, 1, 3, padding=3, padding_mode="reflect"),
        shendu.zeros(1, 1, 3),
    )
    raises(
        shendu.ShapeError,
        "LayerNorm: expected input whose last 2 dimension(s) are (3, 4), got input shape (2, 4, 3)",
        nn.LayerNorm((3, 4)),
        shendu.zeros(2, 4, 3),
    )
    raises(
        shendu.ShapeError,
        "GroupNorm: expected input with 6 channels, got 4; input shape (2, 4, 5)",
        nn.GroupNorm(2, 6),
        shendu.zeros(2, 4, 5),
    )
    raises(
        shendu.ShapeError,
        "GroupNorm: expected an (N, C, *) input, got a 1-D input; input shape (6,)",
        nn.GroupNorm(2, 6),
        shendu.zeros(6),
    )
    raises(
        shendu.ShapeError,
        "InstanceNorm2d: expected input with 3 channels, got 4; input shape (2, 4, 5, 5)",
        nn.InstanceNorm2d(3, affine=True),
        shendu.zeros(2, 4, 5, 5),
    )
    raises(
        shendu.ShapeError,
        "InstanceNorm1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got a 4-D input; input shape (1, 2, 3, 4)",
        nn.InstanceNorm1d(2),
        shendu.zeros(1, 2, 3, 4),
    )
    raises(
        shendu.ShapeError,
        "BatchNorm1d: expected a 2-D (N, C) or 3-D (N, C, L) input, got a 4-D input; input shape (2, 3, 4, 4); hint: "
        "use nn.BatchNorm2d for (N, C, H, W) images",
        nn.BatchNorm1d(3),
        shendu.zeros(2, 3, 4, 4),
    )
    raises(
        shendu.ShapeError,
        "BatchNorm2d: expected a 4-D (N, C, H, W) input, got a 2-D input; input shape (2, 3); hint: use "
        "nn.BatchNorm1d for (N, C) inputs",
        nn.BatchNorm2d(3),
        shendu.zeros(2, 3),
    )


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: shendu.Tensor) -> shendu.Tensor:
        return self.fc(x).view(3, 7)


def test_op_errors_get_the_innermost_module_path_once() -> None:
    model = nn.Module()
    model.body = nn.Sequential(Block())
    with pytest.raises(shendu.ShapeError) as info:
        model.body(shendu.zeros(2, 4))
    message = str(info.value)
    assert message.startswith("body.0 (Block): view: ") and message.count("(Block)") == 1
    assert "body (Sequential)" not in message
    with pytest.raises(shendu.DtypeError, match=r"^body.0.fc \(Linear\): linear: ") as dtype_info:
        model.body(shendu.zeros(2, 4, dtype=shendu.float64))
    assert "(Block)" not in str(dtype_info.value)
    assert isinstance(dtype_info.value, TypeError)
    with pytest.raises(shendu.ShapeError, match=r"^Block: view: "):
        Block()(shendu.zeros(2, 4))


def test_device_errors_are_wrapped_and_other_errors_are_not() -> None:
    class Raises(nn.Module):
        def __init__(self, error: Exception) -> None:
            super().__init__()
            self.error = error

        def forward(self, x: Any) -> Any:
            raise self.error

    holder = nn.Module()
    holder.layer = Raises(shendu.DeviceError("op: expected all tensors on the same device"))
    raises(shendu.DeviceError, "layer (Raises): op: expected all tensors on the same device", holder.layer, 1)
    holder.other = Raises(ValueError("plain error"))
    raises(ValueError, "plain error", holder.other, 1)


def test_paths_follow_reassignment() -> None:
    model = make_model()
    conv = model.features[3]
    wrapper = nn.Module()
    wrapper.backbone = model
    raises(
        shendu.ShapeError,
        "backbone.features.3 (Conv2d): expected input with 16 channels, got 3; input shape (1, 3, 8, 8)",
        conv,
        shendu.zeros(1, 3, 8, 8),
    )


def test_invalid_hyperparameters_fail_in_the_constructor() -> None:
    raises(ValueError, "Dropout: p must be a probability between 0 and 1, got 1.5", nn.Dropout, 1.5)
    raises(ValueError, "GroupNorm: num_channels=10 must be divisible by num_groups=4", nn.GroupNorm, 4, 10)
    raises(ValueError, "Conv2d: in_channels=6 must be divisible by groups=4", nn.Conv2d, 6, 8, 3, 1, 0, 1, 4)
    with pytest.raises(ValueError, match="MaxPool2d: padding should be at most half of the effective kernel size"):
        nn.MaxPool2d(2, padding=2)


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_anomaly_mode_names_the_module() -> None:
    model = nn.Module()
    model.body = nn.Sequential(nn.Linear(2, 2), nn.LogSigmoid())
    weights = np.array([[1e30, 1e30], [1.0, 1.0]], dtype=np.float32)
    model.body[0].load_state_dict({"weight": weights, "bias": np.zeros(2, np.float32)})
    with (
        shendu.autograd.detect_anomaly(),
        pytest.raises(shendu.autograd.AnomalyError, match=r"in module body\.0 \(Linear\)"),
    ):
        model.body(shendu.full((1, 2), 1e30))
    assert not shendu.autograd.anomaly._State.module_stack
