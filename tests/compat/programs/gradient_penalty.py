"""A WGAN-GP critic's gradient penalty: torch.autograd.grad with create_graph=True, grad_outputs and
retain_graph, then a Hessian-vector product; NumPy weights, so the values agree closely."""

import numpy as np
import torch
import torch.nn as nn
from torch import autograd

rng = np.random.default_rng(4)
critic = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Softplus(), nn.Linear(32, 1))
with torch.no_grad():
    for p in critic.parameters():
        p.copy_(torch.tensor(rng.normal(0, 0.5, size=tuple(p.shape)), dtype=p.dtype))

real = torch.from_numpy(rng.normal(1.0, 0.2, size=(64, 2)).astype(np.float32))
fake = torch.from_numpy(rng.normal(-1.0, 0.5, size=(64, 2)).astype(np.float32))
alpha_all = torch.from_numpy(rng.uniform(size=(40, 64, 1)).astype(np.float32))


def gradient_penalty(critic, real, fake, alpha):
    interpolates = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    scores = critic(interpolates)
    gradients = autograd.grad(
        outputs=scores,
        inputs=interpolates,
        grad_outputs=torch.ones_like(scores),
        create_graph=True,
        retain_graph=True,
        only_inputs=True,
    )[0]
    gradients = gradients.view(gradients.size(0), -1)
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean()


optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
for step in range(40):
    optimizer.zero_grad()
    gp = gradient_penalty(critic, real, fake, alpha_all[step])
    loss = critic(fake).mean() - critic(real).mean() + 10 * gp
    loss.backward()
    optimizer.step()
    if step % 10 == 0:
        print(f"step {step:2d}: loss {loss.item():+.4f}, penalty {gp.item():.4f}")

# Hessian-vector product of the critic's mean score with respect to its input.
point = real[:8].clone().requires_grad_()
(grad,) = torch.autograd.grad(critic(point).sum(), point, create_graph=True)
vector = torch.ones_like(point)
(hvp,) = torch.autograd.grad((grad * vector).sum(), point)
assert hvp.shape == point.shape and not hvp.requires_grad
print(f"METRIC loss {loss.item():.6f}")
print(f"METRIC penalty {gp.item():.6f}")
print(f"METRIC hvp_sum {hvp.sum().item():.6f}")
