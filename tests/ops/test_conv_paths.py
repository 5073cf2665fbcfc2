"""The depthwise and pointwise convolution paths (shendu/ops/_depthwise.py, _pointwise.py) against PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from shendu import _compiled
from shendu.ops import conv as conv_ops
from tests.helpers import grad_check
from tests.ops.test_conv import F, check_conv

# PyTorch warns that it copies the input for an asymmetric 'same' padding; shendu always pads a copy.
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")


COMPILED = [True, False]
COMPILED_IDS = ["compiled", "numpy"]

DEPTHWISE_CASES = [
    ({"padding": 1}, (2, 4, 7, 9), (4, 1, 3, 3), True),
    ({"stride": 2, "padding": 1}, (3, 5, 8, 8), (5, 1, 3, 3), False),
    ({"stride": (2, 3), "padding": (2, 0), "dilation": (2, 1)}, (2, 3, 9, 10), (3, 1, 3, 2), True),
    ({"padding": 2}, (1, 2, 5, 5), (2, 1, 5, 5), False),
    ({"dilation": 2, "stride": 3}, (2, 3, 10, 10), (3, 1, 3, 3), True),
    ({"padding": "same"}, (2, 3, 6, 7), (3, 1, 4, 2), True),
    ({}, (3, 6, 6), (3, 1, 2, 2), True),  # unbatched
    ({"padding": 1}, (0, 3, 5, 5), (3, 1, 3, 3), True),  # empty batch
]


@pytest.mark.parametrize("compiled", COMPILED, ids=COMPILED_IDS)
@pytest.mark.parametrize(("kwargs", "x", "w", "bias"), DEPTHWISE_CASES)
def test_depthwise_conv2d(compiled: bool, kwargs: dict, x: tuple, w: tuple, bias: bool) -> None:
    kwargs = {**kwargs, "groups": w[0]}
    with _compiled.use_compiled(compiled):
        if bias:
            check_conv(lambda m, x, w, b: F(m).conv2d(x, w, b, **kwargs), x, w, (w[0],))
        else:
            check_conv(lambda m, x, w: F(m).conv2d(x, w, **kwargs), x, w)


@pytest.mark.parametrize("compiled", COMPILED, ids=COMPILED_IDS)
def test_depthwise_conv1d(compiled: bool) -> None:
    with _compiled.use_compiled(compiled):
        check_conv(lambda m, x, w, b: F(m).conv1d(x, w, b, stride=2, padding=1, groups=4), (2, 4, 11), (4, 1, 3), (4,))


@pytest.mark.parametrize("compiled", COMPILED, ids=COMPILED_IDS)
def test_depthwise_gradcheck(compiled: bool) -> None:
    with _compiled.use_compiled(compiled):
        grad_check(lambda m, x, w: F(m).conv2d(x, w, stride=2, padding=1, groups=3), (2, 3, 6, 5), (3, 1, 3, 3))
        grad_check(lambda m, x, w: F(m).conv2d(x, w, padding=1, dilation=2, groups=2), (1, 2, 5, 6), (2, 1, 2, 3))


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 3),
    c=st.integers(2, 4),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    extra=st.tuples(st.integers(0, 5), st.integers(0, 5)),
    compiled=st.booleans(),
)
def test_depthwise_hypothesis(
    n: int, c: int, kernel: tuple, stride: tuple, dilation: tuple, padding: tuple, extra: tuple, compiled: bool
) -> None:
    size = tuple(max(1, d * (k - 1) + 1 - 2 * p + e) for k, d, p, e in zip(kernel, dilation, padding, extra))
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation, "groups": c}
    with _compiled.use_compiled(compiled):
        check_conv(lambda m, x, w: F(m).conv2d(x, w, **kwargs), (n, c, *size), (c, 1, *kernel))


def _depthwise_run(compiled: bool, x: np.ndarray, w: np.ndarray, **kwargs: Any) -> list[np.ndarray]:
    with _compiled.use_compiled(compiled):
        xt, wt = shendu.tensor(x, requires_grad=True), shendu.tensor(w, requires_grad=True)
        y = conv_ops.conv2d(xt, wt, groups=w.shape[0], **kwargs)
        y.backward(shendu.from_numpy(np.random.default_rng(1).standard_normal(y.shape).astype(x.dtype)))
    return [y.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()]


@pytest.mark.parametrize("kwargs", [{"padding": 1}, {"stride": 2, "padding": 1}, {"stride": (1, 2), "dilation": 2}])
def test_depthwise_compiled_kernels_give_the_numpy_paths_bits(kwargs: dict) -> None:
    pytest.importorskip("numba")
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((3, 4, 9, 8)).astype(np.float32), rng.standard_normal((4, 1, 3, 3)).astype(np.float32)
    (y1, gx1, gw1), (y0, gx0, gw0) = _depthwise_run(True, x, w, **kwargs), _depthwise_run(False, x, w, **kwargs)
    np.testing.assert_array_equal(y1, y0)
    np.testing.assert_array_equal(gx1, gx0)
    # The weight gradient's sums run in another order (float32 lanes, then float64).
    np.testing.assert_allclose(gw1, gw0, rtol=1e-5, atol=1e-5)


def test_depthwise_non_finite_weights_match_the_numpy_path() -> None:
    pytest.importorskip("numba")
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 7, 7)).astype(np.float32), rng.standard_normal((3, 1, 3, 3)).astype(np.float32)
    w[1, 0, 2, 2], w[2, 0, 0, 1] = np.inf, np.nan
    got, want = _depthwise_run(True, x, w, stride=2), _depthwise_run(False, x, w, stride=2)
    np.testing.assert_array_equal(got[1], want[1])


@pytest.mark.parametrize("compiled", COMPILED, ids=COMPILED_IDS)
@pytest.mark.parametrize("stride", [1, 2])
def test_depthwise_non_finite_weights_give_pytorchs_gradients(compiled: bool, stride: int) -> None:
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 3, 5, 6)), rng.standard_normal((3, 1, 3, 3))
    w[0, 0, 0, 0], w[2, 0, 1, 2] = np.inf, np.nan
    upstream = None
    results = []
    for lib in (torch, shendu):
        xt, wt = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        with _compiled.use_compiled(compiled), np.errstate(invalid="ignore"):
            y = F(lib).conv2d(xt, wt, stride=stride, padding=1, groups=3)
            if upstream is None:
                upstream = rng.standard_normal(tuple(y.shape))
            y.backward(lib.tensor(upstream))
        results.append([np.asarray(t.detach().numpy() if lib is torch else t.numpy()) for t in (xt.grad, wt.grad)])
    for got, want in zip(results[1], results[0]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, equal_nan=True)


POINTWISE_CASES = [
    ((2, 5, 4, 6), (3, 5, 1, 1), True),
    ((3, 4, 7, 7), (8, 4, 1, 1), False),
    ((4, 3, 3), (2, 4, 1, 1), True),  # unbatched
    ((0, 3, 2, 2), (2, 3, 1, 1), True),  # empty batch
]


@pytest.mark.parametrize(("x", "w", "bias"), POINTWISE_CASES)
def test_pointwise_conv2d(x: tuple, w: tuple, bias: bool) -> None:
    if bias:
        check_conv(lambda m, x, w, b: F(m).conv2d(x, w, b), x, w, (w[0],))
    else:
        check_conv(lambda m, x, w: F(m).conv2d(x, w), x, w)


def test_pointwise_weight_gradient_in_bounded_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    from shendu.ops import _pointwise

    # Parts of 3 samples (and a last part of 1) for a 4-sample batch of 4 x 5 products.
    monkeypatch.setattr(_pointwise, "_PARTIAL_ELEMENTS", 60)
    check_conv(lambda m, x, w: F(m).conv2d(x, w), (7, 5, 3, 3), (4, 5, 1, 1))


def test_pointwise_conv1d_and_gradcheck() -> None:
    check_conv(lambda m, x, w, b: F(m).conv1d(x, w, b), (2, 3, 9), (4, 3, 1), (4,))
    grad_check(lambda m, x, w, b: F(m).conv2d(x, w, b), (2, 3, 4, 5), (2, 3, 1, 1), (2,))


def test_paths_are_chosen_by_shape() -> None:
    def path(x: tuple, w: tuple, **kwargs: Any) -> str:
        y = conv_ops.conv2d(shendu.randn(*x, requires_grad=True), shendu.randn(*w), **kwargs)
        return y.grad_fn.path

    assert path((1, 4, 5, 5), (4, 1, 3, 3), groups=4) == "depthwise"
    assert path((1, 4, 5, 5), (8, 1, 3, 3), groups=4) == "im2col"  # a channel multiplier of 2
    assert path((1, 4, 5, 5), (6, 4, 1, 1)) == "pointwise"
    assert path((1, 4, 5, 5), (6, 4, 1, 1), stride=2) == "im2col"
    assert path((1, 4, 5, 5), (6, 4, 1, 1), padding=1) == "im2col"
    assert path((1, 4, 5, 5), (6, 2, 1, 1), groups=2) == "im2col"
