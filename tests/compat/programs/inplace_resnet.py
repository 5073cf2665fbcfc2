"""A residual MLP written with in-place activations: x += residual, F.relu(x, inplace=True),
nn.ReLU(inplace=True) after BatchNorm1d, and the batch-norm buffers that training updates."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
rng = np.random.default_rng(8)
centers = rng.normal(0, 2.5, size=(4, 12))
labels = rng.integers(0, 4, size=600)
x_all = torch.from_numpy((centers[labels] + rng.normal(size=(600, 12))).astype(np.float32))
y_all = torch.from_numpy(labels)


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc1 = nn.Linear(width, width, bias=False)
        self.bn1 = nn.BatchNorm1d(width)
        self.act = nn.ReLU(inplace=True)
        self.fc2 = nn.Linear(width, width, bias=False)
        self.bn2 = nn.BatchNorm1d(width, momentum=None)

    def forward(self, x):
        residual = x
        out = self.act(self.bn1(self.fc1(x)))
        out = self.bn2(self.fc2(out))
        out += residual
        return F.relu(out, inplace=True)


class ResMLP(nn.Module):
    def __init__(self, width=32, blocks=2):
        super().__init__()
        self.stem = nn.Linear(12, width)
        self.blocks = nn.Sequential(*[Block(width) for _ in range(blocks)])
        self.head = nn.Linear(width, 4)

    def forward(self, x):
        x = F.leaky_relu(self.stem(x), 0.1, inplace=True)
        x = self.blocks(x)
        x = F.dropout(x, p=0.1, training=self.training)
        return self.head(x)


model = ResMLP()
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9)
for _epoch in range(4):
    model.train()
    perm = torch.randperm(500)
    for start in range(0, 500, 50):
        idx = perm[start : start + 50]
        loss = F.cross_entropy(model(x_all[idx]), y_all[idx], label_smoothing=0.05)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

bn = model.blocks[0].bn1
tracked = model.blocks[1].bn2.num_batches_tracked
assert tracked.dtype == torch.long and tracked.item() == 40
assert "blocks.0.bn1.running_var" in model.state_dict() and bn.running_mean.requires_grad is False
model.eval()
with torch.no_grad():
    accuracy = (model(x_all[500:]).argmax(1) == y_all[500:]).float().mean().item()
    before = bn.running_mean.clone()
    model(x_all[:10])
    assert torch.equal(before, bn.running_mean)
print(f"accuracy {accuracy:.3f}; running_var mean {bn.running_var.mean():.4f}")
print(f"METRIC accuracy {accuracy:.4f}")
print(f"METRIC batches_tracked {tracked.item()}")
