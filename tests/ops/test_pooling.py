from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from shendu.ops import pooling as pool_ops
from tests.helpers import check, grad_check

# Max pooling has a compiled path and a NumPy path: every case runs on both.
pytestmark = pytest.mark.usefixtures("kernel_path")


def F(m: Any) -> Any:
    """The functional namespace: torch.nn.functional for torch, shendu.ops.pooling for shendu."""
    return torch.nn.functional if m is torch else pool_ops


def ties(values: np.ndarray) -> np.ndarray:
    """Values rounded to a few levels, so that most windows hold several equal maxima."""
    return np.round(values / 2)


MAX_POOL2D_CASES = [
    (2, {}),
    (3, {"stride": 2, "padding": 1}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True}),
    (2, {"stride": 2, "ceil_mode": True}),
    ((3, 2), {"stride": (1, 2), "padding": (1, 0)}),
    ((2, 3), {"stride": (2, 1), "dilation": (2, 1)}),
    (3, {"stride": 1, "padding": 1}),  # overlapping windows
    (2, {"stride": 3}),  # gaps between windows
    (3, {"dilation": 2, "padding": 1, "ceil_mode": True}),
    (2, {"stride": []}),  # PyTorch reads an empty stride as kernel_size
]


@pytest.mark.parametrize(("kernel", "kwargs"), MAX_POOL2D_CASES)
def test_max_pool2d(kernel: Any, kwargs: dict) -> None:
    check(lambda m, x: F(m).max_pool2d(x, kernel, **kwargs), (2, 3, 9, 8))
    check(lambda m, x: F(m).max_pool2d(x, kernel, **kwargs, return_indices=True), (2, 3, 10, 7))
    check(lambda m, x: F(m).max_pool2d(x, kernel, **kwargs, return_indices=True), (3, 8, 9))  # unbatched


@pytest.mark.parametrize(("kernel", "kwargs"), MAX_POOL2D_CASES)
def test_max_pool2d_ties_go_to_the_first_maximum(kernel: Any, kwargs: dict) -> None:
    check(lambda m, x: F(m).max_pool2d(x, kernel, **kwargs, return_indices=True), (2, 3, 9, 8), transform=ties)
    check(lambda m, x: F(m).max_pool2d(x, kernel, **kwargs, return_indices=True), np.zeros((2, 2, 8, 8)))


def test_max_pool2d_lenet_shapes() -> None:
    relu = lambda values: np.maximum(values, 0)  # noqa: E731 - zeros tie as on an image background
    check(lambda m, x: F(m).max_pool2d(x, 2), (16, 6, 28, 28), transform=relu)
    check(lambda m, x: F(m).max_pool2d(x, 2), (16, 16, 10, 10), transform=relu)


def test_max_pool2d_layouts_and_special_values() -> None:
    check(lambda m, x: F(m).max_pool2d(x, 2, return_indices=True), (2, 3, 6, 8), noncontiguous=True)
    nan = np.array([[[[np.nan, 1, 2, np.nan], [0, np.nan, 5, -np.inf], [np.nan, 3, 4, 4], [2, np.nan, 4, 4]]]])
    check(lambda m, x: F(m).max_pool2d(x, 2, return_indices=True), nan, grad=False)
    check(lambda m, x: F(m).max_pool2d(x, 3, 1, 1, return_indices=True), nan, grad=False)
    # Without gradients or indices, only the maxima are computed: the same values, NaN included.
    check(lambda m, x: F(m).max_pool2d(x, 3, 1, 1), nan, grad=False)
    check(lambda m, x: F(m).max_pool2d(x, 2, ceil_mode=True), (2, 3, 7, 5), grad=False)
    infs = np.full((1, 2, 5, 5), -np.inf)
    check(lambda m, x: F(m).max_pool2d(x, 3, 2, 1, return_indices=True), infs, grad=False)
    check(lambda m, x: F(m).max_pool2d(x, 2, 2, 1, ceil_mode=True, return_indices=True), infs, grad=False)
    # A dilated window that straddles a one-row input without touching it: -inf, at PyTorch's index.
    straddle = {"stride": 1, "padding": (1, 0), "dilation": (2, 1), "return_indices": True}
    check(lambda m, x: F(m).max_pool2d(x, (2, 1), **straddle), (1, 1, 1, 1), grad=False)


def test_max_pool2d_integer_inputs() -> None:
    x = np.arange(2 * 3 * 7 * 6).reshape(2, 3, 7, 6) % 5 - 2
    check(lambda m, x: F(m).max_pool2d(x, 3, 2, 1, return_indices=True), x)
    check(lambda m, x: F(m).max_pool2d(x, 2, ceil_mode=True), x.astype(np.int32))
    check(lambda m, x: F(m).max_pool2d(x, 2, padding=1), x.astype(np.uint8))


def test_max_pool2d_infinite_gradient_stays_in_its_window() -> None:
    x = shendu.from_numpy(np.arange(16.0).reshape(1, 1, 4, 4)).requires_grad_()
    out = pool_ops.max_pool2d(x, 2)
    out.backward(shendu.from_numpy(np.array([[[[np.inf, 1.0], [2.0, 3.0]]]])))
    expected = np.zeros((4, 4))
    expected[1, 1], expected[1, 3], expected[3, 1], expected[3, 3] = np.inf, 1, 2, 3
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], expected)


MAX_POOL1D_CASES = [
    (2, {}),
    (3, {"stride": 2, "padding": 1}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True}),
    (2, {"dilation": 3, "stride": 1}),
    (4, {"stride": 1, "padding": 2}),
]


@pytest.mark.parametrize(("kernel", "kwargs"), MAX_POOL1D_CASES)
def test_max_pool1d(kernel: Any, kwargs: dict) -> None:
    check(lambda m, x: F(m).max_pool1d(x, kernel, **kwargs, return_indices=True), (2, 3, 11))
    check(lambda m, x: F(m).max_pool1d(x, kernel, **kwargs, return_indices=True), (2, 3, 11), transform=ties)
    check(lambda m, x: F(m).max_pool1d(x, kernel, **kwargs), (3, 10))  # unbatched


AVG_POOL2D_CASES = [
    (2, {}),
    (3, {"stride": 2, "padding": 1}),
    (3, {"stride": 2, "padding": 1, "count_include_pad": False}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}),
    (2, {"stride": 2, "ceil_mode": True}),
    ((3, 2), {"stride": (1, 2), "padding": (1, 0)}),
    (3, {"stride": 1}),  # overlapping windows
    ((2, 3), {"divisor_override": 5}),
    (3, {"padding": 1, "divisor_override": 2, "ceil_mode": True}),
]


@pytest.mark.parametrize(("kernel", "kwargs"), AVG_POOL2D_CASES)
def test_avg_pool2d(kernel: Any, kwargs: dict) -> None:
    check(lambda m, x: F(m).avg_pool2d(x, kernel, **kwargs), (2, 3, 9, 8))
    check(lambda m, x: F(m).avg_pool2d(x, kernel, **kwargs), (3, 10, 7))  # unbatched


def test_avg_pool2d_positional_arguments_and_layouts() -> None:
    check(lambda m, x: F(m).avg_pool2d(x, 3, 2, 1, True, False, None), (2, 3, 8, 8))
    check(lambda m, x: F(m).avg_pool2d(x, 2, padding=1), (2, 3, 6, 8), noncontiguous=True)


def test_avg_pool2d_integer_inputs() -> None:
    # Integer averages truncate toward zero.
    x = np.arange(2 * 3 * 7 * 6).reshape(2, 3, 7, 6) % 11 - 5
    check(lambda m, x: F(m).avg_pool2d(x, 2), x)
    check(lambda m, x: F(m).avg_pool2d(x, 3, 2, 1, count_include_pad=False), x)


AVG_POOL1D_CASES = [
    (2, {}),
    (3, {"stride": 2, "padding": 1}),
    (4, {"stride": 3, "padding": 2, "ceil_mode": True, "count_include_pad": False}),
    (3, {"stride": 1, "padding": 1, "count_include_pad": False}),
]


@pytest.mark.parametrize(("kernel", "kwargs"), AVG_POOL1D_CASES)
def test_avg_pool1d(kernel: Any, kwargs: dict) -> None:
    check(lambda m, x: F(m).avg_pool1d(x, kernel, **kwargs), (2, 3, 11))
    check(lambda m, x: F(m).avg_pool1d(x, kernel, **kwargs), (3, 10))  # unbatched


ADAPTIVE_CASES = [
    ((2, 3, 8, 6), (4, 3)),  # sizes that divide
    ((2, 3, 10, 7), (3, 4)),  # sizes that do not divide: windows of different sizes overlap
    ((2, 3, 5, 4), (7, 9)),  # larger than the input
    ((2, 3, 7, 7), 1),  # global pooling
    ((3, 4, 6), (1, 1)),  # global pooling, unbatched
    ((2, 3, 1, 1), 1),
    ((2, 3, 6, 5), (None, 2)),
    ((2, 3, 6, 5), (4, None)),
    ((3, 9, 5), (2, 3)),  # unbatched
    ((2, 1, 1, 1), 3),
]


@pytest.mark.parametrize(("shape", "size"), ADAPTIVE_CASES)
def test_adaptive_avg_pool2d(shape: tuple, size: Any) -> None:
    check(lambda m, x: F(m).adaptive_avg_pool2d(x, size), shape)


def test_global_average_pooling_keeps_infinities() -> None:
    def with_inf(x: np.ndarray) -> np.ndarray:
        x = x.copy()
        x[0, 1, 2, 3], x[1, 0, 0, 0] = np.inf, -np.inf
        return x

    check(lambda m, x: F(m).adaptive_avg_pool2d(x, 1), (2, 3, 5, 6), transform=with_inf, grad=False)


def test_global_average_pooling_of_float16_sums_wider() -> None:
    # A 256 x 256 plane of ones sums to 65536, past float16's largest value, and so does h·w.
    x = shendu.ones(1, 1, 256, 256, dtype=shendu.float16, requires_grad=True)
    y = pool_ops.adaptive_avg_pool2d(x, 1)
    y.sum().backward()
    assert y.dtype == shendu.float16 and y.item() == 1.0
    assert x.grad.dtype == shendu.float16
    np.testing.assert_array_equal(x.grad.numpy(), np.float16(1 / 65536))


@pytest.mark.parametrize(("shape", "size"), ADAPTIVE_CASES)
def test_adaptive_max_pool2d(shape: tuple, size: Any) -> None:
    check(lambda m, x: F(m).adaptive_max_pool2d(x, size), shape)
    check(lambda m, x: F(m).adaptive_max_pool2d(x, size, return_indices=True), shape, transform=ties)
    check(lambda m, x: F(m).adaptive_max_pool2d(x, size, True), np.zeros(shape))


@pytest.mark.parametrize(("shape", "size"), [((2, 3, 7), 3), ((2, 3, 6), (4,)), ((3, 5), 1), ((2, 1, 2), 5)])
def test_adaptive_avg_pool1d(shape: tuple, size: Any) -> None:
    check(lambda m, x: F(m).adaptive_avg_pool1d(x, size), shape)


def test_adaptive_avg_pool1d_errors() -> None:
    with pytest.raises(
        shendu.ShapeError, match=r"adaptive_avg_pool1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) input, got"
    ):
        pool_ops.adaptive_avg_pool1d(shendu.ones(2, 3, 4, 5), 2)
    with pytest.raises(ValueError, match=r"adaptive_avg_pool1d: output_size must be a non-negative int.*\(2, 2\)"):
        pool_ops.adaptive_avg_pool1d(shendu.ones(2, 3, 4), (2, 2))


def test_adaptive_pools_to_an_empty_output() -> None:
    # PyTorch computes the empty result but refuses to backpropagate through it.
    check(lambda m, x: F(m).adaptive_avg_pool2d(x, (0, 3)), (2, 3, 6, 5), grad=False)
    check(lambda m, x: F(m).adaptive_max_pool2d(x, (0, 3), return_indices=True), (2, 3, 6, 5), grad=False)


def test_adaptive_pools_on_special_layouts_and_values() -> None:
    check(lambda m, x: F(m).adaptive_avg_pool2d(x, (3, 2)), (2, 3, 7, 5), noncontiguous=True)
    check(lambda m, x: F(m).adaptive_max_pool2d(x, (3, 2), return_indices=True), (2, 3, 7, 5), noncontiguous=True)
    nan = np.array([[[[np.nan, 1, 2, np.nan], [0, np.nan, 5, -np.inf], [np.nan, 3, 4, 4]]]])
    check(lambda m, x: F(m).adaptive_max_pool2d(x, (2, 3), return_indices=True), nan, grad=False)


def test_gradcheck() -> None:
    grad_check(lambda m, x: pool_ops.max_pool2d(x, 3, 2, 1), (2, 2, 7, 6))
    grad_check(lambda m, x: pool_ops.max_pool2d(x, 3, 1, 1, dilation=(1, 2), ceil_mode=True), (1, 2, 6, 7))
    grad_check(lambda m, x: pool_ops.max_pool1d(x, 3, 2, 1), (2, 2, 9))
    grad_check(lambda m, x: pool_ops.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), (2, 2, 7, 6))
    grad_check(lambda m, x: pool_ops.avg_pool2d(x, 3, 1, divisor_override=4), (2, 2, 5, 6))
    grad_check(lambda m, x: pool_ops.avg_pool1d(x, 4, 3, 2), (2, 2, 9))
    grad_check(lambda m, x: pool_ops.adaptive_avg_pool2d(x, (3, 4)), (2, 2, 7, 6))
    grad_check(lambda m, x: pool_ops.adaptive_avg_pool1d(x, 4), (2, 2, 7))
    grad_check(lambda m, x: pool_ops.adaptive_max_pool2d(x, (4, 3)), (2, 2, 6, 5))


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 2),
    c=st.integers(1, 3),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    pad_fraction=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    extra=st.tuples(st.integers(0, 5), st.integers(0, 5)),
    ceil_mode=st.booleans(),
    rounded=st.booleans(),
)
def test_max_pool2d_hypothesis(
    n: int,
    c: int,
    kernel: tuple,
    stride: tuple,
    dilation: tuple,
    pad_fraction: tuple,
    extra: tuple,
    ceil_mode: bool,
    rounded: bool,
) -> None:
    padding = tuple(int(f * (k // 2)) for f, k in zip(pad_fraction, kernel))
    size = tuple(max(1, d * (k - 1) + 1 - 2 * p + e) for k, d, p, e in zip(kernel, dilation, padding, extra))
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation, "ceil_mode": ceil_mode}
    check(
        lambda m, x: F(m).max_pool2d(x, kernel, **kwargs, return_indices=True),
        (n, c, *size),
        transform=ties if rounded else None,
    )


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 2),
    c=st.integers(1, 3),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    pad_fraction=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    extra=st.tuples(st.integers(0, 5), st.integers(0, 5)),
    ceil_mode=st.booleans(),
    count_include_pad=st.booleans(),
)
def test_avg_pool2d_hypothesis(
    n: int,
    c: int,
    kernel: tuple,
    stride: tuple,
    pad_fraction: tuple,
    extra: tuple,
    ceil_mode: bool,
    count_include_pad: bool,
) -> None:
    padding = tuple(int(f * (k // 2)) for f, k in zip(pad_fraction, kernel))
    size = tuple(max(1, k - 2 * p + e) for k, p, e in zip(kernel, padding, extra))
    kwargs = {"stride": stride, "padding": padding, "ceil_mode": ceil_mode, "count_include_pad": count_include_pad}
    check(lambda m, x: F(m).avg_pool2d(x, kernel, **kwargs), (n, c, *size))


@settings(max_examples=25, deadline=None)
@given(
    size=st.tuples(st.integers(1, 9), st.integers(1, 9)),
    out=st.tuples(st.integers(1, 9), st.integers(1, 9)),
    rounded=st.booleans(),
)
def test_adaptive_pools_hypothesis(size: tuple, out: tuple, rounded: bool) -> None:
    check(lambda m, x: F(m).adaptive_avg_pool2d(x, out), (2, 2, *size))
    check(
        lambda m, x: F(m).adaptive_max_pool2d(x, out, return_indices=True),
        (2, 2, *size),
        transform=ties if rounded else None,
    )


# ---------------------------------------------------------------------------------------- errors
def _t(*shape: int, dtype: Any = None) -> shendu.Tensor:
    return shendu.zeros(*shape, dtype=dtype)


def test_error_input_rank() -> None:
    with pytest.raises(
        shendu.ShapeError,
        match=r"max_pool2d: expected a 3-D \(unbatched\) or 4-D \(batched\) input, got a 2-D input of shape \(3, 32\)",
    ):
        pool_ops.max_pool2d(_t(3, 32), 2)
    with pytest.raises(shendu.ShapeError, match=r"avg_pool1d: expected a 2-D \(unbatched\) or 3-D \(batched\) input"):
        pool_ops.avg_pool1d(_t(1, 2, 3, 4), 2)
    with pytest.raises(shendu.ShapeError, match=r"adaptive_avg_pool2d: expected a 3-D .* got a 5-D input"):
        pool_ops.adaptive_avg_pool2d(_t(1, 1, 2, 3, 4), 2)
    with pytest.raises(TypeError, match=r"max_pool2d: expected a Tensor as input, got list"):
        pool_ops.max_pool2d([1.0], 2)


def test_error_kernel_larger_than_padded_input() -> None:
    with pytest.raises(
        shendu.ShapeError, match=r"max_pool2d: kernel size \(5, 5\) is larger than the padded input \(4, 4\)"
    ):
        pool_ops.max_pool2d(_t(1, 3, 4, 4), 5)
    with pytest.raises(
        shendu.ShapeError,
        match=r"max_pool2d: kernel size \(3, 3\) \(dilated extent \(5, 5\)\) is larger than the padded input \(4, 4\)",
    ):
        pool_ops.max_pool2d(_t(1, 3, 4, 4), 3, dilation=2)
    with pytest.raises(shendu.ShapeError, match=r"avg_pool1d: kernel size 4 is larger than the padded input 3"):
        pool_ops.avg_pool1d(_t(1, 3, 3), 4)


def test_error_padding_more_than_half_the_kernel() -> None:
    with pytest.raises(
        shendu.ShapeError, match=r"max_pool2d: padding \(3, 3\) must be at most half the kernel size \(5, 5\)"
    ):
        pool_ops.max_pool2d(_t(1, 3, 9, 9), 5, padding=3)
    with pytest.raises(
        shendu.ShapeError, match=r"avg_pool2d: padding \(2, 0\) must be at most half the kernel size \(3, 3\)"
    ):
        pool_ops.avg_pool2d(_t(1, 3, 9, 9), 3, padding=(2, 0))


def test_error_hyperparameters() -> None:
    x = _t(1, 3, 8, 8)
    with pytest.raises(shendu.ShapeError, match=r"max_pool2d: stride must be positive, got \(0, 0\)"):
        pool_ops.max_pool2d(x, 2, stride=0)
    with pytest.raises(shendu.ShapeError, match=r"avg_pool2d: kernel_size must be positive, got \(0, 0\)"):
        pool_ops.avg_pool2d(x, 0)
    with pytest.raises(shendu.ShapeError, match=r"max_pool1d: dilation must be positive, got 0"):
        pool_ops.max_pool1d(_t(1, 3, 8), 2, dilation=0)
    with pytest.raises(
        TypeError, match=r"max_pool2d: kernel_size must be an int or a tuple of 2 ints, got \(2, 2, 2\)"
    ):
        pool_ops.max_pool2d(x, (2, 2, 2))
    with pytest.raises(shendu.ShapeError, match=r"avg_pool2d: divisor_override must be a non-zero int, got 0"):
        pool_ops.avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(shendu.DtypeError, match=r"max_pool2d: expected a floating-point or integer input, got dtype"):
        pool_ops.max_pool2d(_t(1, 3, 8, 8, dtype=shendu.bool), 2)


def test_error_adaptive_output_size() -> None:
    with pytest.raises(
        shendu.ShapeError, match=r"adaptive_max_pool2d: output_size must hold non-negative ints or None"
    ):
        pool_ops.adaptive_max_pool2d(_t(1, 3, 8, 8), (-1, 2))
    with pytest.raises(TypeError, match=r"adaptive_avg_pool2d: output_size must be an int, None or a tuple of 2"):
        pool_ops.adaptive_avg_pool2d(_t(1, 3, 8, 8), (1, 2, 3))
    with pytest.raises(shendu.DtypeError, match=r"adaptive_avg_pool2d: expected a floating-point input, got dtype"):
        pool_ops.adaptive_avg_pool2d(_t(1, 3, 8, 8, dtype=shendu.int64), 2)
    with pytest.raises(
        shendu.ShapeError, match=r"adaptive_avg_pool2d: cannot pool an empty input of shape \(1, 3, 0, 8\)"
    ):
        pool_ops.adaptive_avg_pool2d(_t(1, 3, 0, 8), 2)
