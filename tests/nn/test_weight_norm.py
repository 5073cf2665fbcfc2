from __future__ import annotations

import numpy as np
import pytest
import torch

import shendu
from shendu import nn
from tests.nn.helpers import check_module


@pytest.mark.filterwarnings("ignore:.*is deprecated in favor of")
@pytest.mark.parametrize(
    ("build", "dim", "shape"),
    [
        (lambda lib: lib.Linear(4, 3), 0, (5, 4)),
        (lambda lib: lib.Linear(4, 3), 1, (5, 4)),
        (lambda lib: lib.Linear(4, 3), None, (5, 4)),
        (lambda lib: lib.Conv2d(2, 3, 3), 0, (2, 2, 5, 5)),
        (lambda lib: lib.ConvTranspose2d(2, 3, 3), 1, (2, 2, 4, 4)),
        (lambda lib: lib.Conv1d(2, 3, 3), -1, (2, 2, 6)),
    ],
)
def test_weight_norm_matches_torch(build: object, dim: int | None, shape: tuple[int, ...]) -> None:
    torch.manual_seed(0)
    t_mod = torch.nn.utils.weight_norm(build(torch.nn), dim=dim)
    s_mod = nn.utils.weight_norm(build(nn), dim=dim)
    assert list(s_mod.state_dict()) == list(t_mod.state_dict())
    assert [n for n, _ in s_mod.named_parameters()] == [n for n, _ in t_mod.named_parameters()]
    assert tuple(s_mod.weight_g.shape) == tuple(t_mod.weight_g.shape)
    # torch cannot deep-copy a weight-normed module, so check_module gets a factory.
    check_module(
        lambda: torch.nn.utils.weight_norm(build(torch.nn), dim=dim),
        lambda: nn.utils.weight_norm(build(nn), dim=dim),
        shape,
    )


def test_weight_is_recomputed_and_removal() -> None:
    layer = nn.utils.weight_norm(nn.Linear(3, 2))
    assert not isinstance(layer.weight, nn.Parameter) and "weight" not in dict(layer.named_parameters())
    w0 = layer.weight.detach().numpy().copy()
    np.testing.assert_allclose(np.linalg.norm(w0, axis=1, keepdims=True), layer.weight_g.detach().numpy(), rtol=1e-6)
    with shendu.no_grad():
        layer.weight_g.mul_(2.0)
    out = layer(shendu.ones(1, 3))
    np.testing.assert_allclose(layer.weight.detach().numpy(), 2 * w0, rtol=1e-6)
    np.testing.assert_allclose(
        out.detach().numpy(), (2 * w0).sum(1)[None] + layer.bias.detach().numpy(), rtol=1e-5, atol=1e-6
    )
    assert nn.utils.remove_weight_norm(layer) is layer
    assert isinstance(layer.weight, nn.Parameter) and list(layer.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(layer.weight.detach().numpy(), 2 * w0, rtol=1e-6)
    assert not layer._forward_pre_hooks


def test_errors() -> None:
    layer = nn.utils.weight_norm(nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match=r"weight_norm: Linear.weight already has weight normalization"):
        nn.utils.weight_norm(layer)
    with pytest.raises(TypeError, match="weight_norm: Linear has no parameter named 'gamma'"):
        nn.utils.weight_norm(nn.Linear(3, 2), name="gamma")
    with pytest.raises(ValueError, match=r"weight_norm: dim 2 is out of range for a weight of shape \(2, 3\)"):
        nn.utils.weight_norm(nn.Linear(3, 2), dim=2)
    with pytest.raises(ValueError, match="remove_weight_norm: weight_norm of 'weight' not found in Linear"):
        nn.utils.remove_weight_norm(nn.Linear(3, 2))
