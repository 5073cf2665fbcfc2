"""Programs that differentiate a gradient, written once as PyTorch code and run under both frameworks
from the same weights: WGAN-GP's gradient penalty (MLP and convolutional critics), a Hessian-vector
product of an MLP's loss, one MAML outer step, and a physics-informed loss on d²u/dx²."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import shendu
from tests.helpers import COUNTS


def _same_weights(t_model: Any, s_model: Any) -> None:
    s_model.load_state_dict({k: shendu.from_numpy(v.detach().numpy().copy()) for k, v in t_model.state_dict().items()})


def _data(m: Any, *shape: int, seed: int) -> Any:
    array = np.random.default_rng(seed).standard_normal(shape)
    return torch.from_numpy(array) if m is torch else shendu.from_numpy(array)


def mlp_critic(m: Any) -> Any:
    nn = m.nn
    return nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))


def conv_critic(m: Any) -> Any:
    nn = m.nn
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(4, 8, 3, stride=2, padding=1),
        nn.Softplus(),
        nn.Flatten(),
        nn.Linear(8 * 2 * 2, 1),
    )


def wgan_gp_step(m: Any, critic: Any, shape: tuple[int, ...]) -> Any:
    real, fake = _data(m, *shape, seed=1), _data(m, *shape, seed=2)
    alpha = _data(m, shape[0], *(1,) * (len(shape) - 1), seed=3).abs() / 3
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    (slopes,) = m.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    penalty = ((slopes.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
    loss = critic(fake).mean() - critic(real).mean() + 10 * penalty
    loss.backward()
    return [loss] + [p.grad for p in critic.parameters()]


def hvp_of_mlp_loss(m: Any, model: Any, shape: tuple[int, ...]) -> Any:
    x = _data(m, 6, 4, seed=4)
    y = m.tensor([0, 2, 1, 2, 0, 1])
    params = tuple(model.parameters())

    def loss(*weights: Any) -> Any:
        h = m.nn.functional.linear(x, weights[0], weights[1]).tanh()
        return m.nn.functional.cross_entropy(m.nn.functional.linear(h, weights[2], weights[3]), y)

    vectors = tuple(_data(m, *p.shape, seed=10 + i) for i, p in enumerate(params))
    value, product = m.autograd.functional.hvp(loss, tuple(p.detach() for p in params), vectors)
    return [value, *product]


def maml_outer_step(m: Any, model: Any, shape: tuple[int, ...]) -> Any:
    F = m.nn.functional
    xs, xq = _data(m, 5, 1, seed=5), _data(m, 5, 1, seed=6)
    ys, yq = xs.sin() * 2, xq.sin() * 2

    def forward(x: Any, w: list[Any]) -> Any:
        return F.linear(F.relu(F.linear(x, w[0], w[1])), w[2], w[3])

    weights = list(model.parameters())
    inner = F.mse_loss(forward(xs, weights), ys)
    grads = m.autograd.grad(inner, weights, create_graph=True)
    fast = [w - 0.1 * g for w, g in zip(weights, grads)]
    outer = F.mse_loss(forward(xq, fast), yq)
    outer.backward()
    return [inner, outer] + [w.grad for w in weights]


def pinn_loss(m: Any, model: Any, shape: tuple[int, ...]) -> Any:
    x = _data(m, 8, 1, seed=7).requires_grad_(True)
    u = model(x)
    (du,) = m.autograd.grad(u.sum(), x, create_graph=True)
    (d2u,) = m.autograd.grad(du.sum(), x, create_graph=True)
    residual = d2u + m.sin(x)
    edge = model(m.tensor([[-1.0], [1.0]], dtype=x.dtype))
    loss = (residual**2).mean() + (edge**2).mean()
    loss.backward()
    return [loss, d2u] + [p.grad for p in model.parameters()]


def tanh_net(m: Any, inputs: int, outputs: int) -> Any:
    nn = m.nn
    return nn.Sequential(nn.Linear(inputs, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, outputs))


PROGRAMS = {
    "wgan_gp_mlp_critic": (wgan_gp_step, mlp_critic, (16, 2)),
    "wgan_gp_conv_critic": (wgan_gp_step, conv_critic, (4, 1, 8, 8)),
    "hvp_mlp_loss": (hvp_of_mlp_loss, lambda m: m.nn.Sequential(m.nn.Linear(4, 5), m.nn.Linear(5, 3)), ()),
    "maml_outer_step": (maml_outer_step, lambda m: m.nn.Sequential(m.nn.Linear(1, 16), m.nn.Linear(16, 1)), ()),
    "pinn_second_derivative": (pinn_loss, lambda m: tanh_net(m, 1, 1), ()),
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_program_matches_torch(name: str) -> None:
    program, make_model, shape = PROGRAMS[name]
    torch.manual_seed(0)
    t_model = make_model(torch).double()
    s_model = make_model(shendu).double()
    _same_weights(t_model, s_model)
    want = program(torch, t_model, shape)
    got = program(shendu, s_model, shape)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        np.testing.assert_allclose(g.detach().numpy(), w.detach().numpy(), rtol=1e-9, atol=1e-11, err_msg=f"value {i}")
    COUNTS["higher-order programs compared with torch"] += 1
