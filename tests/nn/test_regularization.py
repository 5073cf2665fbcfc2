from __future__ import annotations

import numpy as np
import pytest

import shendu
from shendu import nn


def test_penalties_and_their_gradients() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    params = [p.detach().numpy().copy() for p in model.parameters()]
    l1 = nn.utils.l1_penalty(model, 0.1)
    assert l1.ndim == 0
    assert l1.item() == pytest.approx(0.1 * sum(np.abs(p).sum() for p in params), rel=1e-5)
    l1.backward()
    for p, values in zip(model.parameters(), params):
        np.testing.assert_allclose(p.grad.numpy(), 0.1 * np.sign(values), rtol=1e-6)
    model.zero_grad()
    l2 = nn.utils.l2_penalty(model, weight_decay=5e-4)
    assert l2.item() == pytest.approx(5e-4 / 2 * sum((p**2).sum() for p in params), rel=1e-5)
    l2.backward()
    # the gradient is weight_decay * p: exactly what SGD's weight_decay adds
    for p, values in zip(model.parameters(), params):
        np.testing.assert_allclose(p.grad.numpy(), 5e-4 * values, rtol=1e-5)


def test_parameter_selection() -> None:
    model = nn.Linear(2, 2)
    only_weights = nn.utils.l2_penalty([model.weight])
    assert only_weights.item() == pytest.approx(0.5 * float((model.weight.detach().numpy() ** 2).sum()), rel=1e-5)
    assert nn.utils.l1_penalty(model.bias).item() == pytest.approx(float(np.abs(model.bias.detach().numpy()).sum()))
    with pytest.raises(ValueError, match="l2_penalty: there are no parameters to penalize"):
        nn.utils.l2_penalty([])
    with pytest.raises(TypeError, match="l1_penalty: expected a Module or tensors, got a float"):
        nn.utils.l1_penalty([1.0])


def test_docstring_states_the_weight_decay_equivalence() -> None:
    doc = nn.utils.l2_penalty.__doc__
    assert "optim.SGD(..., weight_decay=weight_decay)" in doc and "AdamW" in doc and "Adam" in doc
    assert shendu.nn.utils.regularization.__name__ == "shendu.nn.utils.regularization"
