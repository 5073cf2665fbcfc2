from __future__ import annotations

import numpy as np
import pytest
import torch

import shendu
from shendu import nn
from tests.nn.helpers import check_module


def test_eval_mode_is_the_identity() -> None:
    check_module(torch.nn.Dropout(0.5), nn.Dropout(0.5), (4, 5), train=False)
    check_module(torch.nn.Dropout2d(0.5), nn.Dropout2d(0.5), (2, 3, 4, 4), train=False)
    check_module(torch.nn.Dropout(0.0), nn.Dropout(0.0), (4, 5), train=True)


def test_inverted_dropout_statistics() -> None:
    x = shendu.ones(200, 500, requires_grad=True)
    out = nn.Dropout(0.3)(x)
    values = out.detach().numpy()
    kept = values != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(values[kept], 1 / 0.7, rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), values, rtol=1e-6)
    assert not np.any(nn.Dropout(1.0)(x).detach().numpy())


def test_dropout2d_drops_whole_channels() -> None:
    out = nn.Dropout2d(0.5)(shendu.ones(50, 40, 3, 3)).numpy()
    per_channel = out.reshape(50, 40, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2.0).all(-1))
    assert abs((per_channel[..., 0] == 0).mean() - 0.5) < 0.05


def test_reproducible_with_manual_seed() -> None:
    layer = nn.Dropout(0.5)
    shendu.manual_seed(7)
    a = layer(shendu.ones(10, 10)).numpy()
    shendu.manual_seed(7)
    b = layer(shendu.ones(10, 10)).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, layer(shendu.ones(10, 10)).numpy())


def test_eval_mode_passes_input_through() -> None:
    layer = nn.Dropout(0.9).eval()
    x = shendu.randn(3, 4)
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())


@pytest.mark.parametrize("p", [1.5, -0.1, "0.5", None, True])
def test_invalid_p_fails_in_the_constructor(p: object) -> None:
    with pytest.raises(ValueError, match=f"Dropout: p must be a probability between 0 and 1, got {p!r}"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match="Dropout2d: p must be a probability"):
        nn.Dropout2d(p)
