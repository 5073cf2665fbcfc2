from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from shendu.ops import conv as conv_ops
from tests.helpers import check, grad_check

# PyTorch warns that it copies the input for an asymmetric 'same' padding; shendu always pads a copy.
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")

LOWERINGS = [False, True]
LOWERING_IDS = ["batch-major", "batch-last"]


def F(m: Any) -> Any:
    """The functional namespace: torch.nn.functional for torch, shendu.ops.conv for shendu."""
    return torch.nn.functional if m is torch else conv_ops


@contextmanager
def lowering(batch_last: bool) -> Iterator[None]:
    """Force one of the two conv lowerings, so that both are compared with PyTorch on every case."""
    chosen = conv_ops._batch_last
    conv_ops._batch_last = lambda xp, n, geom: batch_last
    try:
        yield
    finally:
        conv_ops._batch_last = chosen


def check_conv(fn: Callable[..., Any], *inputs: Any, **kwargs: Any) -> None:
    check(fn, *inputs, dtypes=("float64",), **kwargs)
    # float32: each output sums C·kh·kw products and each weight gradient N·Ho·Wo, in another order
    # than PyTorch's kernels, so the rounding differs by up to ~1e-5 relative.
    check(fn, *inputs, dtypes=("float32",), rtol=1e-4, atol=1e-5, **kwargs)


CONV2D_CASES = [
    ({"stride": 2, "padding": 1}, (2, 3, 9, 9), (4, 3, 3, 3), True),
    ({"stride": (2, 1), "padding": (1, 2)}, (2, 3, 7, 6), (5, 3, 3, 2), True),
    ({"padding": "same"}, (2, 3, 6, 7), (4, 3, 3, 3), True),
    ({"padding": "same"}, (2, 2, 6, 7), (3, 2, 4, 2), True),
    ({"padding": "same", "dilation": (2, 3)}, (1, 2, 8, 9), (3, 2, 2, 3), False),
    ({"padding": "valid"}, (2, 3, 6, 5), (2, 3, 3, 2), True),
    ({"dilation": 2}, (2, 2, 9, 9), (3, 2, 3, 3), True),
    ({"dilation": (1, 3), "padding": 2, "stride": (1, 2)}, (2, 2, 8, 11), (3, 2, 3, 3), True),
    ({"groups": 2}, (2, 4, 6, 6), (6, 2, 3, 3), True),
    ({"groups": 3, "stride": 2, "padding": 1}, (2, 6, 7, 7), (9, 2, 3, 3), True),
    ({"groups": 4}, (2, 4, 6, 6), (4, 1, 3, 3), True),  # depthwise
    ({"groups": 4, "padding": 1}, (2, 4, 6, 6), (8, 1, 3, 3), False),  # depthwise, multiplier 2
    ({}, (2, 3, 5, 5), (4, 3, 3, 3), False),
    ({}, (3, 5, 6), (4, 3, 2, 2), True),  # unbatched
    ({"padding": 1, "stride": 2}, (3, 5, 6), (4, 3, 3, 3), False),  # unbatched
    ({}, (2, 5, 4, 4), (3, 5, 1, 1), True),  # 1x1
    ({"stride": 2}, (2, 5, 5, 4), (3, 5, 1, 1), False),
    ({"padding": (1, 0)}, (2, 3, 6, 7), (4, 3, 3, 1), True),
    ({"padding": (0, 2)}, (2, 3, 4, 9), (4, 3, 1, 5), True),
    ({}, (2, 3, 4, 5), (2, 3, 4, 5), True),  # the kernel covers the whole input
    ({"stride": 3}, (2, 3, 8, 8), (2, 3, 2, 2), True),  # stride past the kernel
    ({"stride": 2}, (1, 2, 5, 5), (3, 2, 3, 3), True),  # batch of one
    ({"padding": 1}, (0, 3, 5, 5), (4, 3, 3, 3), True),  # empty batch
]


@pytest.mark.parametrize("batch_last", LOWERINGS, ids=LOWERING_IDS)
@pytest.mark.parametrize(("kwargs", "x", "w", "bias"), CONV2D_CASES)
def test_conv2d(batch_last: bool, kwargs: dict, x: tuple, w: tuple, bias: bool) -> None:
    with lowering(batch_last):
        if bias:
            check_conv(lambda m, x, w, b: F(m).conv2d(x, w, b, **kwargs), x, w, (w[0],))
        else:
            check_conv(lambda m, x, w: F(m).conv2d(x, w, **kwargs), x, w)


@pytest.mark.parametrize("batch_last", LOWERINGS, ids=LOWERING_IDS)
def test_conv2d_positional_arguments_and_layouts(batch_last: bool) -> None:
    with lowering(batch_last):
        check_conv(lambda m, x, w, b: F(m).conv2d(x, w, b, 2, 1, 1, 1), (2, 3, 9, 9), (4, 3, 3, 3), (4,))
        check_conv(
            lambda m, x, w, b: F(m).conv2d(x, w, b, padding=1), (2, 3, 5, 6), (4, 3, 3, 3), (4,), noncontiguous=True
        )


@pytest.mark.parametrize("batch_last", LOWERINGS, ids=LOWERING_IDS)
def test_large_batches_run_in_parts(batch_last: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # Parts of two samples here (and a last part of one), as a batch of ~200 LeNet images would be.
    monkeypatch.setattr(conv_ops, "_WHOLE_ELEMENTS", 2000)
    monkeypatch.setattr(conv_ops, "_PART_ELEMENTS", 2000)
    with lowering(batch_last):
        check_conv(lambda m, x, w, b: F(m).conv2d(x, w, b, padding=1), (5, 3, 6, 6), (4, 3, 3, 3), (4,))
        check_conv(lambda m, x, w: F(m).conv1d(x, w, stride=2, groups=2), (5, 4, 200), (6, 2, 3))
        check_conv(
            lambda m, x, w, b: F(m).conv_transpose2d(x, w, b, stride=2, padding=1), (5, 4, 6, 6), (4, 3, 3, 3), (3,)
        )
    with shendu.no_grad():
        x, w = shendu.ones(5, 3, 6, 6), shendu.ones(4, 3, 3, 3)
        np.testing.assert_array_equal(conv_ops.conv2d(x, w, padding=1).numpy()[:, :, 1:-1, 1:-1], 27.0)


def test_conv2d_lenet_shapes() -> None:
    # LeNet-5's two convolutions at batch 16, in whatever lowering the heuristic picks. Outputs reach
    # ~30 and the weight gradients ~300, so float32 rounding reaches 1e-4 in absolute terms.
    check(lambda m, x, w, b: F(m).conv2d(x, w, b, padding=2), (16, 1, 28, 28), (6, 1, 5, 5), (6,), dtypes=("float64",))
    check(lambda m, x, w, b: F(m).conv2d(x, w, b), (16, 6, 14, 14), (16, 6, 5, 5), (16,), dtypes=("float64",))
    loose = {"dtypes": ("float32",), "rtol": 1e-4, "atol": 1e-3}
    check(lambda m, x, w, b: F(m).conv2d(x, w, b, padding=2), (16, 1, 28, 28), (6, 1, 5, 5), (6,), **loose)
    check(lambda m, x, w, b: F(m).conv2d(x, w, b), (16, 6, 14, 14), (16, 6, 5, 5), (16,), **loose)


def test_conv2d_heuristic_picks_each_lowering() -> None:
    def geom(h: int, out: int) -> conv_ops._Geometry:
        return conv_ops._Geometry((5, 5), (1, 1), ((0, 0), (0, 0)), (1, 1), 1, (h, h), (out, out))

    assert not conv_ops._batch_last(np, 128, geom(32, 28))
    assert conv_ops._batch_last(np, 128, geom(14, 10))
    assert not conv_ops._batch_last(np, 1, geom(14, 10))


def test_conv2d_integer_inputs() -> None:
    x = np.arange(2 * 3 * 5 * 5).reshape(2, 3, 5, 5) % 7 - 3
    w = np.arange(4 * 3 * 3 * 3).reshape(4, 3, 3, 3) % 5 - 2
    check(lambda m, x, w: F(m).conv2d(x, w, stride=2, padding=1), x, w)
    check(lambda m, x, w, b: F(m).conv2d(x, w, b), x, w, np.arange(4) - 1)


def test_conv2d_gradient_for_the_weight_only() -> None:
    x = np.random.default_rng(0).standard_normal((4, 3, 6, 6))
    w = np.random.default_rng(1).standard_normal((5, 3, 3, 3))
    tw = torch.from_numpy(w).requires_grad_()
    sw = shendu.from_numpy(w.copy()).requires_grad_()
    g = np.random.default_rng(2).standard_normal((4, 5, 6, 6))
    torch.nn.functional.conv2d(torch.from_numpy(x), tw, padding=1).backward(torch.from_numpy(g))
    sx = shendu.from_numpy(x.copy())
    conv_ops.conv2d(sx, sw, padding=1).backward(shendu.from_numpy(g.copy()))
    assert sx.grad is None
    np.testing.assert_allclose(sw.grad.numpy(), tw.grad.numpy(), rtol=1e-10)


def test_conv2d_without_grad_records_nothing() -> None:
    x = shendu.ones(2, 3, 5, 5)
    w = shendu.ones(4, 3, 3, 3, requires_grad=True)
    with shendu.no_grad():
        y = conv_ops.conv2d(x, w)
    assert y.grad_fn is None and not y.requires_grad
    assert conv_ops.conv2d(x, w).grad_fn is not None


CONV1D_CASES = [
    ({"stride": 2, "padding": 2}, (2, 3, 11), (5, 3, 4), True),
    ({"padding": "same", "dilation": 2}, (2, 3, 10), (4, 3, 3), True),
    ({"padding": "same"}, (2, 3, 10), (4, 3, 4), False),
    ({"padding": "valid", "dilation": 3}, (2, 2, 12), (3, 2, 3), True),
    ({"groups": 3}, (2, 6, 9), (3, 2, 2), True),
    ({"groups": 4, "padding": 1}, (2, 4, 9), (4, 1, 3), False),
    ({}, (3, 11), (5, 3, 4), True),  # unbatched
    ({}, (2, 3, 7), (2, 3, 1), False),
    ({"stride": (3,), "padding": (1,)}, (2, 3, 10), (2, 3, 3), True),
]


@pytest.mark.parametrize("batch_last", LOWERINGS, ids=LOWERING_IDS)
@pytest.mark.parametrize(("kwargs", "x", "w", "bias"), CONV1D_CASES)
def test_conv1d(batch_last: bool, kwargs: dict, x: tuple, w: tuple, bias: bool) -> None:
    with lowering(batch_last):
        if bias:
            check_conv(lambda m, x, w, b: F(m).conv1d(x, w, b, **kwargs), x, w, (w[0],))
        else:
            check_conv(lambda m, x, w: F(m).conv1d(x, w, **kwargs), x, w)


CONV_TRANSPOSE_CASES = [
    ({"stride": 2, "padding": 1, "output_padding": 1}, (2, 3, 5, 4), (3, 4, 3, 3), True),
    ({}, (2, 3, 4, 4), (3, 2, 3, 3), True),
    ({"stride": 2}, (2, 4, 3, 3), (4, 3, 4, 4), False),
    ({"stride": (2, 3), "padding": (0, 1), "groups": 3, "dilation": 2}, (2, 6, 5, 4), (6, 2, 3, 2), True),
    ({"output_padding": 1, "dilation": 2}, (2, 3, 4, 4), (3, 2, 3, 3), True),  # output_padding < dilation
    ({"groups": 2, "stride": 2, "padding": 1, "output_padding": (1, 0)}, (2, 4, 4, 5), (4, 3, 4, 3), True),
    ({"stride": 2, "padding": 1}, (3, 4, 4), (3, 2, 4, 4), True),  # unbatched
    ({}, (2, 5, 3, 3), (5, 2, 1, 1), False),
]


@pytest.mark.parametrize("batch_last", LOWERINGS, ids=LOWERING_IDS)
@pytest.mark.parametrize(("kwargs", "x", "w", "bias"), CONV_TRANSPOSE_CASES)
def test_conv_transpose2d(batch_last: bool, kwargs: dict, x: tuple, w: tuple, bias: bool) -> None:
    groups = kwargs.get("groups", 1)
    with lowering(batch_last):
        if bias:
            check_conv(lambda m, x, w, b: F(m).conv_transpose2d(x, w, b, **kwargs), x, w, (w[1] * groups,))
        else:
            check_conv(lambda m, x, w: F(m).conv_transpose2d(x, w, **kwargs), x, w)


def test_conv_transpose2d_positional_arguments() -> None:
    # PyTorch's order: ..., output_padding, groups, dilation.
    check_conv(lambda m, x, w, b: F(m).conv_transpose2d(x, w, b, 2, 1, 1, 2, 1), (2, 4, 3, 3), (4, 3, 3, 3), (6,))


@pytest.mark.parametrize("batch_last", LOWERINGS, ids=LOWERING_IDS)
def test_gradcheck(batch_last: bool) -> None:
    with lowering(batch_last):
        grad_check(lambda m, x, w, b: conv_ops.conv2d(x, w, b, stride=2, padding=1), (2, 3, 6, 5), (4, 3, 3, 3), (4,))
        grad_check(
            lambda m, x, w: conv_ops.conv2d(x, w, padding="same", dilation=2, groups=2), (2, 4, 5, 5), (2, 2, 2, 3)
        )
        grad_check(lambda m, x, w, b: conv_ops.conv1d(x, w, b, stride=2, padding=1), (2, 3, 7), (4, 3, 3), (4,))
        grad_check(
            lambda m, x, w, b: conv_ops.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2),
            (2, 4, 3, 3),
            (4, 3, 3, 3),
            (6,),
        )


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 3),
    groups=st.integers(1, 3),
    c=st.integers(1, 2),
    o=st.integers(1, 2),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    extra=st.tuples(st.integers(0, 4), st.integers(0, 4)),
    bias=st.booleans(),
    batch_last=st.booleans(),
)
def test_conv2d_hypothesis(
    n: int,
    groups: int,
    c: int,
    o: int,
    kernel: tuple,
    stride: tuple,
    dilation: tuple,
    padding: tuple,
    extra: tuple,
    bias: bool,
    batch_last: bool,
) -> None:
    size = tuple(max(1, d * (k - 1) + 1 - 2 * p + e) for k, d, p, e in zip(kernel, dilation, padding, extra))
    x, w = (n, c * groups, *size), (o * groups, c, *kernel)
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    with lowering(batch_last):
        if bias:
            check_conv(lambda m, x, w, b: F(m).conv2d(x, w, b, **kwargs), x, w, (o * groups,))
        else:
            check_conv(lambda m, x, w: F(m).conv2d(x, w, **kwargs), x, w)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 3),
    groups=st.integers(1, 2),
    c=st.integers(1, 2),
    o=st.integers(1, 2),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    size=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    extra=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    batch_last=st.booleans(),
)
def test_conv_transpose2d_hypothesis(
    n: int,
    groups: int,
    c: int,
    o: int,
    kernel: tuple,
    stride: tuple,
    dilation: tuple,
    padding: tuple,
    size: tuple,
    extra: tuple,
    batch_last: bool,
) -> None:
    output_padding = tuple(min(e, max(s, d) - 1) for e, s, d in zip(extra, stride, dilation))
    out = [
        (i - 1) * s - 2 * p + d * (k - 1) + e + 1
        for i, s, p, d, k, e in zip(size, stride, padding, dilation, kernel, output_padding)
    ]
    if min(out) <= 0:
        return
    kwargs = {
        "stride": stride,
        "padding": padding,
        "output_padding": output_padding,
        "groups": groups,
        "dilation": dilation,
    }
    with lowering(batch_last):
        check_conv(
            lambda m, x, w, b: F(m).conv_transpose2d(x, w, b, **kwargs),
            (n, c * groups, *size),
            (c * groups, o, *kernel),
            (o * groups,),
        )


# ---------------------------------------------------------------------------------------- errors
def _t(*shape: int, dtype: Any = None) -> shendu.Tensor:
    return shendu.zeros(*shape, dtype=dtype)


def test_error_input_rank() -> None:
    with pytest.raises(
        shendu.ShapeError,
        match=r"conv2d: expected a 3-D \(unbatched\) or 4-D \(batched\) input, got a 2-D input of shape \(3, 32\)",
    ):
        conv_ops.conv2d(_t(3, 32), _t(6, 3, 5, 5))
    with pytest.raises(
        shendu.ShapeError, match=r"conv1d: expected a 2-D \(unbatched\) or 3-D \(batched\) input, got a 4-D"
    ):
        conv_ops.conv1d(_t(1, 2, 3, 4), _t(2, 2, 3))
    with pytest.raises(shendu.ShapeError, match=r"conv_transpose2d: expected a 3-D .* got a 5-D input of shape"):
        conv_ops.conv_transpose2d(_t(1, 1, 2, 3, 4), _t(2, 2, 3, 3))


def test_error_weight_rank() -> None:
    with pytest.raises(
        shendu.ShapeError,
        match=r"conv2d: expected a 4-D weight \(out_channels, in_channels/groups, kH, kW\), "
        r"got a weight of shape \(6, 3, 5\)",
    ):
        conv_ops.conv2d(_t(2, 3, 8, 8), _t(6, 3, 5))
    with pytest.raises(
        shendu.ShapeError, match=r"conv_transpose2d: expected a 4-D weight \(in_channels, out_channels/groups"
    ):
        conv_ops.conv_transpose2d(_t(2, 3, 8, 8), _t(3, 6))


def test_error_channel_mismatch() -> None:
    message = (
        r"conv2d: input has 3 channels but weight expects 16 "
        r"\(input shape \(8, 3, 32, 32\), weight shape \(6, 16, 5, 5\)\)$"
    )
    with pytest.raises(shendu.ShapeError, match=message):
        conv_ops.conv2d(_t(8, 3, 32, 32), _t(6, 16, 5, 5))
    with pytest.raises(
        shendu.ShapeError, match=r"input has 5 channels but weight expects 6 \(2 per group × 3 groups\)"
    ):
        conv_ops.conv2d(_t(2, 5, 8, 8), _t(6, 2, 3, 3), groups=3)
    with pytest.raises(shendu.ShapeError, match=r"conv_transpose2d: input has 4 channels but weight expects 3"):
        conv_ops.conv_transpose2d(_t(2, 4, 8, 8), _t(3, 2, 3, 3))


def test_error_channels_last_hint() -> None:
    with pytest.raises(
        shendu.ShapeError,
        match=r"input has 32 channels but weight expects 3 .*channels-last.*input\.permute\(0, 3, 1, 2\)",
    ):
        conv_ops.conv2d(_t(8, 32, 32, 3), _t(6, 3, 5, 5))
    with pytest.raises(shendu.ShapeError, match=r"channels-last.*input\.permute\(2, 0, 1\)"):
        conv_ops.conv2d(_t(32, 32, 3), _t(6, 3, 5, 5))
    with pytest.raises(shendu.ShapeError, match=r"channels-last.*input\.permute\(0, 2, 1\)"):
        conv_ops.conv1d(_t(8, 50, 4), _t(6, 4, 3))


def test_error_groups() -> None:
    with pytest.raises(
        shendu.ShapeError,
        match=r"conv2d: out_channels \(weight.shape\[0\] = 4\) must be divisible by groups \(3\) "
        r"\(weight shape \(4, 2, 3, 3\)\)",
    ):
        conv_ops.conv2d(_t(2, 6, 5, 5), _t(4, 2, 3, 3), groups=3)
    with pytest.raises(
        shendu.ShapeError, match=r"conv_transpose2d: in_channels \(weight.shape\[0\] = 5\) must be divisible"
    ):
        conv_ops.conv_transpose2d(_t(2, 5, 5, 5), _t(5, 2, 3, 3), groups=2)
    with pytest.raises(shendu.ShapeError, match=r"conv2d: groups must be a positive int, got 0"):
        conv_ops.conv2d(_t(2, 3, 5, 5), _t(4, 3, 3, 3), groups=0)


def test_error_kernel_larger_than_padded_input() -> None:
    with pytest.raises(
        shendu.ShapeError,
        match=r"conv2d: kernel size \(5, 5\) is larger than the padded input \(4, 4\) \(input shape \(1, 3, 4, 4\)\)",
    ):
        conv_ops.conv2d(_t(1, 3, 4, 4), _t(2, 3, 5, 5))
    with pytest.raises(
        shendu.ShapeError,
        match=r"kernel size \(3, 3\) \(dilated extent \(5, 5\)\) is larger than the padded input \(4, 4\)",
    ):
        conv_ops.conv2d(_t(1, 3, 4, 4), _t(2, 3, 3, 3), dilation=2)
    with pytest.raises(shendu.ShapeError, match=r"conv1d: kernel size 4 is larger than the padded input 3"):
        conv_ops.conv1d(_t(1, 3, 3), _t(2, 3, 4))


def test_error_hyperparameters() -> None:
    x, w = _t(2, 3, 8, 8), _t(4, 3, 3, 3)
    with pytest.raises(shendu.ShapeError, match=r"conv2d: stride must be positive, got \(0, 0\)"):
        conv_ops.conv2d(x, w, stride=0)
    with pytest.raises(shendu.ShapeError, match=r"conv2d: dilation must be positive, got \(1, -1\)"):
        conv_ops.conv2d(x, w, dilation=(1, -1))
    with pytest.raises(shendu.ShapeError, match=r"conv2d: padding must be non-negative, got \(-1, -1\)"):
        conv_ops.conv2d(x, w, padding=-1)
    with pytest.raises(
        shendu.ShapeError, match=r"conv2d: padding='same' is not supported for strided convolutions \(stride \(2, 2\)\)"
    ):
        conv_ops.conv2d(x, w, padding="same", stride=2)
    with pytest.raises(
        shendu.ShapeError, match=r"conv2d: padding must be an int, a tuple of ints, 'same' or 'valid', got 'full'"
    ):
        conv_ops.conv2d(x, w, padding="full")
    with pytest.raises(TypeError, match=r"conv2d: stride must be an int or a tuple of 2 ints, got \(1, 2, 3\)"):
        conv_ops.conv2d(x, w, stride=(1, 2, 3))
    with pytest.raises(TypeError, match=r"conv1d: padding must be an int or a tuple of 1 ints, got 1.5"):
        conv_ops.conv1d(_t(2, 3, 8), _t(4, 3, 3), padding=1.5)


def test_error_conv_transpose_hyperparameters() -> None:
    x, w = _t(2, 3, 4, 4), _t(3, 2, 3, 3)
    with pytest.raises(
        shendu.ShapeError,
        match=r"conv_transpose2d: output_padding \(2, 2\) must be smaller than either the stride \(2, 2\) "
        r"or the dilation \(1, 1\)",
    ):
        conv_ops.conv_transpose2d(x, w, stride=2, output_padding=2)
    with pytest.raises(
        shendu.ShapeError, match=r"conv_transpose2d: the output size would be \(-2, -2\), which is not positive"
    ):
        conv_ops.conv_transpose2d(x, w, padding=4)
    with pytest.raises(TypeError, match=r"conv_transpose2d: padding must be an int or a tuple of 2 ints, got 'same'"):
        conv_ops.conv_transpose2d(x, w, padding="same")


def test_error_bias_and_dtypes() -> None:
    x, w = _t(2, 3, 8, 8), _t(4, 3, 3, 3)
    with pytest.raises(
        shendu.ShapeError,
        match=r"conv2d: bias must have shape \(4,\) to match the 4 output channels, got shape \(5,\) "
        r"\(weight shape \(4, 3, 3, 3\)\)",
    ):
        conv_ops.conv2d(x, w, _t(5))
    with pytest.raises(
        shendu.DtypeError,
        match=r"conv2d: input and weight must have the same dtype, got input shendu.float64 and weight shendu.float32",
    ):
        conv_ops.conv2d(_t(2, 3, 8, 8, dtype=shendu.float64), w)
    with pytest.raises(
        shendu.DtypeError,
        match=r"conv2d: input and bias must have the same dtype, got input shendu.float32 and bias shendu.float64",
    ):
        conv_ops.conv2d(x, w, _t(4, dtype=shendu.float64))
    with pytest.raises(
        shendu.DtypeError, match=r"conv2d: expected a floating-point or integer input, got dtype shendu.bool"
    ):
        conv_ops.conv2d(_t(2, 3, 8, 8, dtype=shendu.bool), _t(4, 3, 3, 3, dtype=shendu.bool))
    with pytest.raises(TypeError, match=r"conv2d: expected a Tensor as input, got ndarray"):
        conv_ops.conv2d(np.zeros((2, 3, 8, 8)), w)
    with pytest.raises(TypeError, match=r"conv2d: expected a Tensor as weight, got list"):
        conv_ops.conv2d(x, [1.0])
    with pytest.raises(
        shendu.ShapeError, match=r"conv2d: the kernel must not be empty, got weight shape \(4, 3, 0, 3\)"
    ):
        conv_ops.conv2d(x, _t(4, 3, 0, 3))
