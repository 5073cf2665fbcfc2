from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import shendu
from shendu import nn
from tests.nn.helpers import check_module

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")

# float32: conv outputs are sums of up to C*kH*kW products, accumulated in a different order
# than PyTorch's kernels, so they carry a few more ulps of rounding.
F32 = {"rtol": 1e-4, "atol": 1e-5}


def conv_case(cls: str, args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]) -> None:
    torch.manual_seed(0)
    check_module(
        getattr(torch.nn, cls)(*args, **kwargs),
        lambda: getattr(nn, cls)(*args, **kwargs),
        shape,
        dtypes=("float64",),
    )
    check_module(
        getattr(torch.nn, cls)(*args, **kwargs),
        lambda: getattr(nn, cls)(*args, **kwargs),
        shape,
        dtypes=("float32",),
        **F32,
    )


@pytest.mark.parametrize(
    ("args", "kwargs", "shape"),
    [
        ((2, 3, 3), {}, (4, 2, 9)),
        ((2, 3, 3), {}, (2, 9)),
        ((2, 4, 3), {"stride": 2, "padding": 1}, (2, 2, 10)),
        ((4, 4, 3), {"dilation": 2, "groups": 2, "bias": False}, (2, 4, 11)),
        ((2, 3, 4), {"padding": "same"}, (2, 2, 7)),
        ((2, 3, 5), {"padding": "same", "dilation": 2}, (2, 2, 9)),
        ((2, 3, 3), {"padding": "valid"}, (2, 2, 5)),
        ((2, 3, 3), {"padding": 2, "padding_mode": "reflect"}, (2, 2, 6)),
        ((2, 3, 3), {"padding": 1, "padding_mode": "replicate"}, (2, 2, 6)),
        ((2, 3, 3), {"padding": 1, "padding_mode": "circular"}, (2, 2, 6)),
        ((2, 3, 4), {"padding": "same", "padding_mode": "reflect"}, (2, 2, 7)),
    ],
)
def test_conv1d_matches_torch(args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]) -> None:
    conv_case("Conv1d", args, kwargs, shape)


@pytest.mark.parametrize(
    ("args", "kwargs", "shape"),
    [
        ((3, 4, 3), {}, (2, 3, 7, 6)),
        ((3, 4, 3), {}, (3, 5, 5)),
        ((3, 4, (3, 2)), {"stride": (2, 1), "padding": (1, 0)}, (2, 3, 8, 7)),
        ((4, 6, 3), {"groups": 2, "dilation": 2, "padding": 2}, (2, 4, 7, 7)),
        ((4, 4, 3), {"groups": 4, "bias": False}, (1, 4, 6, 6)),
        ((2, 3, (4, 3)), {"padding": "same"}, (2, 2, 6, 5)),
        ((2, 3, 3), {"padding": "valid", "stride": 3}, (2, 2, 9, 8)),
        ((2, 3, 3), {"padding": 1, "padding_mode": "reflect", "stride": 2}, (2, 2, 6, 6)),
        ((2, 3, 3), {"padding": (1, 2), "padding_mode": "circular"}, (1, 2, 5, 5)),
        ((2, 3, 1), {}, (2, 2, 4, 4)),
        ((3, 2, 5), {"padding": 2}, (1, 3, 5, 5)),
    ],
)
def test_conv2d_matches_torch(args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]) -> None:
    conv_case("Conv2d", args, kwargs, shape)


@pytest.mark.parametrize(
    ("args", "kwargs", "shape"),
    [
        ((3, 2, 3), {}, (2, 3, 4, 5)),
        ((3, 2, 3), {}, (3, 4, 4)),
        ((4, 2, 4), {"stride": 2, "padding": 1}, (2, 4, 5, 5)),
        ((4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}, (2, 4, 3, 4)),
        ((2, 2, (3, 2)), {"stride": (2, 3), "dilation": 2, "output_padding": (1, 0), "bias": False}, (1, 2, 3, 3)),
    ],
)
def test_conv_transpose2d_matches_torch(args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]) -> None:
    conv_case("ConvTranspose2d", args, kwargs, shape)


def test_conv_transpose2d_output_size() -> None:
    torch.manual_seed(0)
    t = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1).double()
    s = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1).double()
    s.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4))
    want = t(torch.from_numpy(x), output_size=[8, 8]).detach().numpy()
    got = s(shendu.from_numpy(x), output_size=(1, 3, 8, 8)).detach().numpy()
    assert got.shape == want.shape == (1, 3, 8, 8)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    with pytest.raises(shendu.ShapeError, match=r"ConvTranspose2d: output_size \(9, 9\) is not reachable"):
        s(shendu.from_numpy(x), output_size=(9, 9))
    with pytest.raises(shendu.ShapeError, match=r"output_size must give the 2 spatial sizes, got \(8,\)"):
        s(shendu.from_numpy(x), output_size=(8,))


@pytest.mark.parametrize(
    ("layer", "fan_in"),
    [
        (lambda: nn.Conv2d(8, 16, 3), 72),
        (lambda: nn.Conv1d(6, 4, 5, groups=2), 15),
        (lambda: nn.ConvTranspose2d(8, 6, 3), 54),
    ],
)
def test_default_init_follows_pytorch(layer: Any, fan_in: int) -> None:
    conv = layer()
    bound = 1 / math.sqrt(fan_in)
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound
    assert np.abs(b).max() <= bound


def test_weight_shapes() -> None:
    assert nn.Conv2d(4, 6, (3, 2), groups=2).weight.shape == (6, 2, 3, 2)
    assert nn.ConvTranspose2d(4, 6, 3, groups=2).weight.shape == (4, 3, 3, 3)
    assert nn.Conv1d(3, 5, 2, bias=False).bias is None
    assert nn.Conv2d(3, 5, 2, dtype=shendu.float64).weight.dtype == shendu.float64


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: nn.Conv2d(3, 4, 3, groups=2), "Conv2d: in_channels=3 must be divisible by groups=2"),
        (lambda: nn.Conv2d(4, 3, 3, groups=2), "Conv2d: out_channels=3 must be divisible by groups=2"),
        (lambda: nn.Conv2d(0, 3, 3), "Conv2d: in_channels must be a positive int, got 0"),
        (lambda: nn.Conv2d(3, 3, 0), r"Conv2d: kernel_size must be an int or a tuple of 2 positive ints, got 0"),
        (
            lambda: nn.Conv2d(3, 3, (3, 3, 3)),
            r"kernel_size must be an int or a tuple of 2 positive ints, got \(3, 3, 3\)",
        ),
        (lambda: nn.Conv1d(3, 3, 3, stride=0), "Conv1d: stride must be an int or a tuple of 1 positive ints, got 0"),
        (lambda: nn.Conv2d(3, 3, 3, padding=-1), "Conv2d: padding must be an int or a tuple of 2 ints >= 0, got -1"),
        (lambda: nn.Conv2d(3, 3, 3, padding="full"), "Conv2d: padding must be 'same', 'valid', an int or a tuple"),
        (lambda: nn.Conv2d(3, 3, 3, stride=2, padding="same"), "padding='same' is not supported for strided"),
        (lambda: nn.Conv2d(3, 3, 3, padding_mode="mirror"), "Conv2d: padding_mode must be one of"),
        (lambda: nn.ConvTranspose2d(3, 3, 3, padding="same"), "ConvTranspose2d: padding must be an int or a tuple"),
        (lambda: nn.ConvTranspose2d(3, 3, 3, padding_mode="reflect"), "only padding_mode='zeros' is supported"),
        (lambda: nn.ConvTranspose2d(3, 3, 3, stride=2, output_padding=2), r"output_padding=\(2, 2\) must be smaller"),
    ],
)
def test_constructor_errors(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


@st.composite
def conv2d_configs(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[int, ...]]:
    groups = draw(st.integers(1, 3))
    in_channels = groups * draw(st.integers(1, 2))
    out_channels = groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    size = tuple(draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 8)) for k, d, p in zip(kernel, dilation, padding))
    kwargs = {
        "in_channels": in_channels,
        "out_channels": out_channels,
        "kernel_size": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "groups": groups,
        "bias": draw(st.booleans()),
    }
    return kwargs, (draw(st.integers(1, 3)), in_channels, *size)


@settings(max_examples=30, deadline=None)
@given(conv2d_configs())
def test_conv2d_random_configurations(config: tuple[dict[str, Any], tuple[int, ...]]) -> None:
    kwargs, shape = config
    check_module(torch.nn.Conv2d(**kwargs), lambda: nn.Conv2d(**kwargs), shape, dtypes=("float64",))


@st.composite
def conv_transpose2d_configs(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[int, ...]]:
    groups = draw(st.integers(1, 2))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    kwargs = {
        "in_channels": groups * draw(st.integers(1, 2)),
        "out_channels": groups * draw(st.integers(1, 2)),
        "kernel_size": (draw(st.integers(1, 3)), draw(st.integers(1, 3))),
        "stride": stride,
        "padding": (draw(st.integers(0, 1)), draw(st.integers(0, 1))),
        "output_padding": tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation)),
        "dilation": dilation,
        "groups": groups,
        "bias": draw(st.booleans()),
    }
    shape = (draw(st.integers(1, 2)), kwargs["in_channels"], draw(st.integers(2, 5)), draw(st.integers(2, 5)))
    for i in range(2):
        size = (shape[2 + i] - 1) * stride[i] - 2 * kwargs["padding"][i] + dilation[i] * (kwargs["kernel_size"][i] - 1)
        assume(size + kwargs["output_padding"][i] + 1 > 0)
    return kwargs, shape


@settings(max_examples=30, deadline=None)
@given(conv_transpose2d_configs())
def test_conv_transpose2d_random_configurations(config: tuple[dict[str, Any], tuple[int, ...]]) -> None:
    kwargs, shape = config
    check_module(torch.nn.ConvTranspose2d(**kwargs), lambda: nn.ConvTranspose2d(**kwargs), shape, dtypes=("float64",))
