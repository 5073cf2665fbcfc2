"""An MLP written the long way: legacy Tensor(...) parameters, hand-written SGD through .data, in-place residuals.

The weights start from the same NumPy draws under any framework, so the results agree closely.
"""

import math

import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(0)
x_all = rng.uniform(-2, 2, size=(512, 4)).astype(np.float32)
y_all = (np.sin(x_all[:, :1]) + 0.5 * x_all[:, 1:2] * x_all[:, 2:3] - 0.3 * x_all[:, 3:]).astype(np.float32)
x_train, y_train = torch.from_numpy(x_all[:400]), torch.from_numpy(y_all[:400])
x_test, y_test = torch.from_numpy(x_all[400:]), torch.from_numpy(y_all[400:])


class Dense(nn.Module):
    """A linear layer with its parameters made as PyTorch's older code makes them."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.Tensor(n_out, n_in))
        self.bias = nn.Parameter(torch.Tensor(n_out))
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.weight.size(1))
        self.weight.data.copy_(torch.from_numpy(rng.uniform(-stdv, stdv, self.weight.shape).astype(np.float32)))
        self.bias.data.zero_()

    def forward(self, x):
        return x.matmul(self.weight.t()) + self.bias


class ResidualMLP(nn.Module):
    def __init__(self, width=32):
        super().__init__()
        self.inp = Dense(4, width)
        self.hidden = nn.ModuleList([Dense(width, width) for _ in range(2)])
        self.out = Dense(width, 1)

    def forward(self, x):
        h = self.inp(x)
        for layer in self.hidden:
            h += layer(torch.tanh(h))  # an in-place residual on a tensor in the graph
        h *= 0.5
        return self.out(torch.tanh(h))


model = ResidualMLP()
lr, momentum = 0.05, 0.9
velocity = [p.new_zeros(p.shape) for p in model.parameters()]

for epoch in range(60):
    for start in range(0, 400, 50):
        xb, yb = x_train[start : start + 50], y_train[start : start + 50]
        loss = ((model(xb) - yb) ** 2).mean()
        model.zero_grad()
        loss.backward()
        for p, v in zip(model.parameters(), velocity):
            v.mul_(momentum).add_(p.grad.data)
            p.data.add_(v, alpha=-lr)
    if epoch % 20 == 19:
        with torch.no_grad():
            test_loss = ((model(x_test) - y_test) ** 2).mean()
        print(f"epoch {epoch + 1}: train loss {loss.item():.5f}, test loss {test_loss.item():.5f}")

steps = torch.Tensor(3).fill_(0.0)
steps += torch.tensor([1.0, 2.0, 3.0]).type_as(steps)
assert steps.dtype == torch.float32 and steps.tolist() == [1.0, 2.0, 3.0]
print(f"METRIC test_loss {test_loss.item():.6f}")
