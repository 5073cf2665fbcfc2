"""Dropout is tested by its properties: torch and shendu draw masks from different generators."""

from __future__ import annotations

import types
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from shendu.ops import dropout as dropout_ops
from tests.helpers import check, grad_check

SF = types.SimpleNamespace(**{name: getattr(dropout_ops, name) for name in dropout_ops.__all__})
N = 100_000
SELU_SATURATION = -1.7580993408473766


def F(m: Any) -> Any:
    return TF if m is torch else SF


def ones(*shape: int, dtype: Any = np.float32) -> shendu.Tensor:
    return shendu.from_numpy(np.ones(shape, dtype=dtype))


def randn(*shape: int, seed: int = 0) -> shendu.Tensor:
    return shendu.from_numpy(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def test_identity_when_not_training_or_p_zero() -> None:
    x = randn(3, 4)
    image = randn(2, 3, 4, 4)
    for fn in (SF.dropout, SF.dropout2d, SF.dropout3d, SF.alpha_dropout, SF.feature_alpha_dropout):
        assert fn(image, 0.5, training=False) is image
    assert SF.dropout(x, 0.5, training=False) is x
    assert SF.dropout(x, 0.0) is x
    assert SF.dropout2d(randn(2, 3, 4, 4).requires_grad_(), 0.3, False).grad_fn is None
    assert SF.alpha_dropout(x, 0.5) is x
    check(lambda m, x: F(m).dropout(x, 0.5, training=False), (3, 4))
    check(lambda m, x: F(m).dropout(x, 0.0), (3, 4))
    check(lambda m, x: F(m).dropout2d(x, 0.4, training=False), (2, 3, 4, 4))
    check(lambda m, x: F(m).alpha_dropout(x, 0.4), (2, 3))
    check(lambda m, x: F(m).dropout1d(x, 0.0), (2, 3, 4))


def test_p_one_zeroes_everything() -> None:
    check(lambda m, x: F(m).dropout(x, 1.0), (3, 4))
    check(lambda m, x: F(m).dropout2d(x, 1.0), (2, 3, 4, 4))
    check(lambda m, x: F(m).alpha_dropout(x, 1.0, training=True), (3, 4))


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fraction_zeroed_and_scaling(p: float, dtype: Any) -> None:
    x = ones(N, dtype=dtype)
    y = SF.dropout(x, p).numpy()
    assert y.dtype == dtype
    assert abs(np.mean(y == 0) - p) < 0.01
    np.testing.assert_allclose(y[y != 0], 1 / (1 - p), rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.05


def test_same_seed_same_mask_across_dtypes() -> None:
    shendu.manual_seed(123)
    a = SF.dropout(ones(1000), 0.3).numpy()
    shendu.manual_seed(123)
    b = SF.dropout(ones(1000), 0.3).numpy()
    shendu.manual_seed(123)
    c = SF.dropout(ones(1000, dtype=np.float64), 0.3).numpy()
    assert np.array_equal(a, b)
    assert np.array_equal(a == 0, c == 0)
    d = SF.dropout(ones(1000), 0.3).numpy()
    assert not np.array_equal(a, d)
    shendu.manual_seed(124)
    assert not np.array_equal(a, SF.dropout(ones(1000), 0.3).numpy())


def test_gradient_is_mask_times_scale() -> None:
    x = randn(50, 40).requires_grad_()
    y = SF.dropout(x, 0.3)
    g = randn(50, 40, seed=1)
    y.backward(g)
    mask = (y.detach().numpy() != 0) / 0.7
    np.testing.assert_allclose(x.grad.numpy(), g.numpy() * mask, rtol=1e-6)
    np.testing.assert_allclose(y.detach().numpy(), x.detach().numpy() * mask, rtol=1e-6)
    assert y.grad_fn.name() == "DropoutBackward"


def test_gradcheck_with_a_fixed_mask() -> None:
    def fn(m: Any, x: Any) -> Any:
        shendu.manual_seed(7)
        return F(m).dropout(x, 0.4)

    grad_check(fn, (6, 5))
    grad_check(lambda m, x: (shendu.manual_seed(7), F(m).dropout2d(x, 0.4))[1], (3, 4, 2, 2))
    grad_check(lambda m, x: (shendu.manual_seed(7), F(m).alpha_dropout(x, 0.4, True))[1], (6, 5))


@pytest.mark.parametrize(
    ("fn", "shape", "mask_dims"),
    [
        ("dropout2d", (200, 50, 3, 3), 2),
        ("dropout1d", (200, 50, 4), 2),
        ("dropout1d", (500, 4), 1),
        ("dropout3d", (100, 50, 2, 2, 2), 2),
        ("dropout3d", (500, 2, 2, 2), 1),
        ("feature_alpha_dropout", (200, 50, 3), 2),
    ],
)
def test_channel_dropout(fn: str, shape: tuple, mask_dims: int) -> None:
    p = 0.3
    kwargs = {"training": True} if "alpha" in fn else {}
    y = getattr(SF, fn)(ones(*shape), p, **kwargs).numpy()
    per_channel = y.reshape(*shape[:mask_dims], -1)
    # Each channel is dropped or kept as a whole.
    assert np.all(per_channel == per_channel[..., :1])
    dropped = per_channel[..., 0] < 1
    assert abs(dropped.mean() - p) < 0.03


def test_dropout2d_reads_3d_input_as_batched_1d_like_torch() -> None:
    with pytest.warns(UserWarning, match=r"dropout2d: got a 3-D input, which is read as \(N, C, L\)"):
        y = SF.dropout2d(ones(300, 40, 5), 0.5).numpy()
    assert np.all(y == y[..., :1])
    assert abs(np.mean(y[..., 0] == 0) - 0.5) < 0.02
    with pytest.warns(UserWarning, match=r"dropout2d: got a 2-D input"):
        SF.dropout2d(ones(3, 4), 0.5)
    with pytest.warns(UserWarning, match=r"dropout3d: got a 3-D input"):
        SF.dropout3d(ones(3, 4, 2), 0.5)


def test_alpha_dropout_keeps_mean_and_variance() -> None:
    p = 0.2
    x = randn(N)
    y = SF.alpha_dropout(x, p, training=True).numpy()
    assert abs(y.mean()) < 0.02
    assert abs(y.std() - 1.0) < 0.02
    a = 1 / np.sqrt((1 - p) * (1 + p * SELU_SATURATION**2))
    b = -a * SELU_SATURATION * p
    dropped = np.isclose(y, a * SELU_SATURATION + b)
    assert abs(dropped.mean() - p) < 0.01
    np.testing.assert_allclose(y[~dropped], a * x.numpy()[~dropped] + b, rtol=1e-5, atol=1e-6)


def test_alpha_dropout_gradient() -> None:
    x = randn(200, 10).requires_grad_()
    shendu.manual_seed(3)
    y = SF.alpha_dropout(x, 0.25, training=True)
    y.backward(ones(200, 10))
    a = 1 / np.sqrt((1 - 0.25) * (1 + 0.25 * SELU_SATURATION**2))
    grads = x.grad.numpy()
    dropped = grads == 0
    np.testing.assert_allclose(grads[~dropped], a, rtol=1e-6)
    assert abs(dropped.mean() - 0.25) < 0.05


def test_inplace() -> None:
    x = ones(1000)
    version = x._version
    y = SF.dropout(x, 0.5, inplace=True)
    assert y is x and x._version == version + 1
    assert set(np.unique(x.numpy())) == {0.0, 2.0}
    z = ones(4, 8, 3, 3)
    SF.dropout2d(z, 0.5, inplace=True)
    assert np.all(z.numpy() == z.numpy()[..., :1, :1])
    leaf = ones(10).requires_grad_()
    with pytest.raises(
        shendu.GraphError, match=r"dropout: a leaf tensor that requires grad cannot be changed in place"
    ):
        SF.dropout(leaf, 0.5, inplace=True)


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=0, max_size=4).map(tuple), p=st.floats(0.05, 0.95))
def test_dropout_property(shape: tuple, p: float) -> None:
    x = randn(*shape)
    y = SF.dropout(x, p).numpy()
    assert y.shape == shape and y.dtype == np.float32
    kept = y != 0
    np.testing.assert_allclose(y[kept], x.numpy()[kept] / (1 - p), rtol=1e-5)


def test_errors() -> None:
    x = randn(3, 4)
    with pytest.raises(ValueError, match=r"dropout: dropout probability p must be between 0 and 1, got p=1.5"):
        SF.dropout(x, 1.5)
    with pytest.raises(ValueError, match=r"dropout2d: dropout probability p must be between 0 and 1, got p=-0.1"):
        SF.dropout2d(x, -0.1)
    with pytest.raises(ValueError, match=r"alpha_dropout: dropout probability p must be between 0 and 1, got p=2"):
        SF.alpha_dropout(x, 2, training=True)
    with pytest.raises(TypeError, match=r"dropout: p must be a float, got str '0.5'"):
        SF.dropout(x, "0.5")
    with pytest.raises(TypeError, match=r"dropout: expected input to be a Tensor, got list"):
        SF.dropout([1.0], 0.5)
    with pytest.raises(shendu.DtypeError, match=r"dropout: expected a floating-point input, got dtype shendu.int64"):
        SF.dropout(shendu.tensor([1, 2, 3]), 0.5)
    with pytest.raises(
        shendu.ShapeError,
        match=r"dropout1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) input, got shape \(2, 3, 4, 5\)",
    ):
        SF.dropout1d(randn(2, 3, 4, 5), 0.5)
    with pytest.raises(shendu.ShapeError, match=r"feature_alpha_dropout: expected an input of shape \(N, C, \*\)"):
        SF.feature_alpha_dropout(randn(3), 0.5, training=True)
