"""Gradient accumulation over micro-batches with clip_grad_norm_, zero_grad(set_to_none=True) and a
OneCycleLR schedule; NumPy weights, so the runs agree closely."""

import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(2)
x_all = rng.uniform(-1, 1, size=(384, 8)).astype(np.float32)
y_all = (np.abs(x_all).sum(1) > 4).astype(np.int64)

model = nn.Sequential(nn.Linear(8, 32), nn.GELU(), nn.LayerNorm(32), nn.Linear(32, 2))
for m in model.modules():
    if isinstance(m, nn.Linear):
        m.weight.data = torch.from_numpy(rng.normal(0, 0.4, size=tuple(m.weight.shape)).astype(np.float32))
        m.bias.data.fill_(0.01)

criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
accum_steps, micro = 4, 16
steps_per_epoch = 384 // (accum_steps * micro)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.2, epochs=8, steps_per_epoch=steps_per_epoch)
norms = []
x, y = torch.from_numpy(x_all), torch.from_numpy(y_all)
for _epoch in range(8):
    model.train()
    optimizer.zero_grad(set_to_none=True)
    for i in range(384 // micro):
        xb, yb = x[i * micro : (i + 1) * micro], y[i * micro : (i + 1) * micro]
        loss = criterion(model(xb), yb) / accum_steps
        loss.backward()
        if (i + 1) % accum_steps == 0:
            total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            norms.append(float(total))
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
    assert all(p.grad is None for p in model.parameters())

model.eval()
with torch.no_grad():
    logits = model(x)
    accuracy = (logits.argmax(dim=-1) == y).float().mean()
    loss = criterion(logits, y)
print(f"gradient norms: first {norms[0]:.4f}, last {norms[-1]:.4f}; accuracy {accuracy.item():.3f}")
print(f"METRIC first_norm {norms[0]:.6f}")
print(f"METRIC loss {loss.item():.6f}")
print(f"METRIC accuracy {accuracy.item():.4f}")
