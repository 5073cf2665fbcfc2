from __future__ import annotations

from typing import Any

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shendu import nn
from tests.nn.helpers import check_module

# Max pooling has a compiled path and a NumPy path: every case runs on both.
pytestmark = pytest.mark.usefixtures("kernel_path")


def pool_case(cls: str, args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]) -> None:
    check_module(getattr(torch.nn, cls)(*args, **kwargs), lambda: getattr(nn, cls)(*args, **kwargs), shape)


@pytest.mark.parametrize(
    ("args", "kwargs", "shape"),
    [
        ((2,), {}, (2, 3, 8)),
        ((3,), {"stride": 2, "padding": 1}, (2, 3, 9)),
        ((3,), {"stride": 2, "ceil_mode": True}, (2, 3, 10)),
        ((2,), {"dilation": 2, "stride": 1}, (3, 7)),
        ((3,), {"return_indices": True}, (1, 2, 9)),
    ],
)
def test_max_pool1d(args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]) -> None:
    pool_case("MaxPool1d", args, kwargs, shape)


@pytest.mark.parametrize(
    ("args", "kwargs", "shape"),
    [
        ((2,), {}, (2, 3, 8, 8)),
        ((3,), {"stride": 2, "padding": 1}, (2, 2, 9, 7)),
        ((3,), {"stride": 2, "ceil_mode": True}, (1, 2, 10, 8)),
        (((2, 3),), {"stride": (1, 2), "dilation": (2, 1)}, (2, 2, 7, 9)),
        ((2,), {}, (3, 6, 6)),
        ((2,), {"return_indices": True, "ceil_mode": True}, (1, 2, 5, 5)),
    ],
)
def test_max_pool2d(args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]) -> None:
    pool_case("MaxPool2d", args, kwargs, shape)


@pytest.mark.parametrize(
    ("args", "kwargs", "shape"),
    [
        ((2,), {}, (2, 3, 8)),
        ((3,), {"stride": 2, "padding": 1}, (2, 3, 9)),
        ((3,), {"stride": 2, "padding": 1, "count_include_pad": False, "ceil_mode": True}, (2, 3, 10)),
        ((4,), {"stride": 1}, (3, 6)),
    ],
)
def test_avg_pool1d(args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]) -> None:
    pool_case("AvgPool1d", args, kwargs, shape)


@pytest.mark.parametrize(
    ("args", "kwargs", "shape"),
    [
        ((2,), {}, (2, 3, 8, 8)),
        ((3,), {"stride": 2, "padding": 1}, (2, 2, 9, 7)),
        ((3,), {"stride": 2, "padding": 1, "count_include_pad": False}, (2, 2, 9, 7)),
        ((3,), {"stride": 2, "ceil_mode": True}, (1, 2, 10, 8)),
        (((2, 3),), {"divisor_override": 4}, (2, 2, 6, 9)),
        ((2,), {}, (3, 6, 6)),
    ],
)
def test_avg_pool2d(args: tuple[Any, ...], kwargs: dict[str, Any], shape: tuple[int, ...]) -> None:
    pool_case("AvgPool2d", args, kwargs, shape)


@pytest.mark.parametrize(
    ("cls", "args", "shape"),
    [
        ("AdaptiveAvgPool1d", (3,), (2, 3, 7)),
        ("AdaptiveAvgPool1d", (1,), (3, 5)),
        ("AdaptiveAvgPool2d", (1,), (2, 3, 5, 7)),
        ("AdaptiveAvgPool2d", ((3, 2),), (2, 3, 7, 5)),
        ("AdaptiveAvgPool2d", ((None, 2),), (2, 3, 4, 6)),
        ("AdaptiveAvgPool2d", (4,), (3, 9, 9)),
        ("AdaptiveMaxPool2d", (2,), (2, 3, 5, 7)),
        ("AdaptiveMaxPool2d", ((3, 1),), (1, 2, 7, 4)),
        ("AdaptiveMaxPool2d", (2, True), (1, 2, 6, 6)),
    ],
)
def test_adaptive_pools(cls: str, args: tuple[Any, ...], shape: tuple[int, ...]) -> None:
    pool_case(cls, args, {}, shape)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: nn.MaxPool2d(3, padding=2), "MaxPool2d: padding should be at most half of the effective kernel"),
        (lambda: nn.AvgPool1d(2, padding=2), "AvgPool1d: padding should be at most half"),
        (lambda: nn.MaxPool2d(0), "MaxPool2d: kernel_size must be an int or a tuple of 2 positive ints, got 0"),
        (lambda: nn.AvgPool2d(2, stride=0), "AvgPool2d: stride must be an int or a tuple of 2 positive ints, got 0"),
        (lambda: nn.AvgPool2d(2, divisor_override=0), "AvgPool2d: divisor_override must be a nonzero int or None"),
        (lambda: nn.AdaptiveAvgPool2d(0), "AdaptiveAvgPool2d: output_size must be a positive int or a pair"),
        (lambda: nn.AdaptiveAvgPool1d(0), "AdaptiveAvgPool1d: output_size must be a positive int, got 0"),
        (lambda: nn.AdaptiveMaxPool2d((1, 2, 3)), r"output_size must be .* got \(1, 2, 3\)"),
    ],
)
def test_constructor_errors(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


@st.composite
def pool2d_configs(draw: st.DrawFn) -> tuple[str, dict[str, Any], tuple[int, ...]]:
    cls = draw(st.sampled_from(["MaxPool2d", "AvgPool2d"]))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    kwargs: dict[str, Any] = {
        "kernel_size": kernel,
        "stride": stride,
        "padding": padding,
        "ceil_mode": draw(st.booleans()),
    }
    span = kernel
    if cls == "MaxPool2d":
        dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
        kwargs["dilation"] = dilation
        span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    else:
        kwargs["count_include_pad"] = draw(st.booleans())
    size = tuple(draw(st.integers(max(1, s - 2 * p), 8)) for s, p in zip(span, padding))
    return cls, kwargs, (draw(st.integers(1, 2)), draw(st.integers(1, 3)), *size)


def _windows_see_input(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> bool:
    """Whether every pooling window along one dimension covers at least one real (non-padding) element."""
    span = dilation * (kernel - 1) + 1
    steps = (size + 2 * pad - span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (steps - 1) * stride >= size + pad:
        steps -= 1
    return all(any(0 <= o * stride - pad + j * dilation < size for j in range(kernel)) for o in range(steps))


@settings(max_examples=40, deadline=None)
@given(pool2d_configs())
def test_pool2d_random_configurations(config: tuple[str, dict[str, Any], tuple[int, ...]]) -> None:
    cls, kwargs, shape = config
    # A max-pool window made only of padding has no input to send its gradient to; PyTorch's choice
    # there is arbitrary, so such configurations are left out.
    dilation = kwargs.get("dilation", (1, 1))
    assume(
        all(
            _windows_see_input(
                shape[2 + i],
                kwargs["kernel_size"][i],
                kwargs["stride"][i],
                kwargs["padding"][i],
                dilation[i],
                kwargs["ceil_mode"],
            )
            for i in range(2)
        )
    )
    check_module(getattr(torch.nn, cls)(**kwargs), lambda: getattr(nn, cls)(**kwargs), shape, dtypes=("float64",))
