"""A custom module with a buffer, parameter groups with their own learning rates and weight decay, and a
scheduler stepped every batch; the weights start from NumPy so both frameworks agree closely."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(1)
x_all = rng.normal(size=(256, 6)).astype(np.float32)
y_all = (x_all @ rng.normal(size=(6, 1)) + 0.1 * np.sin(3 * x_all[:, :1])).astype(np.float32)


class Standardized(nn.Module):
    """Standardizes its input with statistics kept in buffers, then a two-layer network."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean))
        self.register_buffer("std", torch.as_tensor(std))
        self.register_buffer("calls", torch.zeros((), dtype=torch.long), persistent=False)
        self.backbone = nn.Linear(6, 16)
        self.head = nn.Linear(16, 1)
        with torch.no_grad():
            for layer in (self.backbone, self.head):
                layer.weight.copy_(torch.from_numpy(rng.normal(0, 0.3, tuple(layer.weight.shape)).astype(np.float32)))
                layer.bias.zero_()

    def forward(self, x):
        self.calls += 1
        return self.head(torch.tanh(self.backbone((x - self.mean) / self.std)))


model = Standardized(x_all.mean(0), x_all.std(0))
assert sorted(model.state_dict()) == ["backbone.bias", "backbone.weight", "head.bias", "head.weight", "mean", "std"]
assert [name for name, _ in model.named_buffers()] == ["mean", "std", "calls"]

decay = [p for n, p in model.named_parameters() if n.endswith("weight")]
no_decay = [p for n, p in model.named_parameters() if n.endswith("bias")]
optimizer = torch.optim.AdamW(
    [
        {"params": decay, "weight_decay": 0.01},
        {"params": no_decay, "weight_decay": 0.0, "lr": 3e-3},
    ],
    lr=1e-2,
    betas=(0.9, 0.99),
)
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=[lambda s: 1.0 / (1 + 0.01 * s), lambda s: 1.0])
x_train, y_train = torch.from_numpy(x_all), torch.from_numpy(y_all)
for epoch in range(20):
    for start in range(0, 256, 32):
        optimizer.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(x_train[start : start + 32]), y_train[start : start + 32])
        loss.backward()
        optimizer.step()
        scheduler.step()
    if epoch % 5 == 4:
        lrs = [f"{g['lr']:.5f}" for g in optimizer.param_groups]
        print(f"epoch {epoch + 1} loss {loss:.4f} lrs {lrs} last {scheduler.get_last_lr()[0]:.5f}")

assert model.calls.item() == 160 and model.calls.dtype == torch.long
assert len(optimizer.param_groups) == 2 and optimizer.param_groups[1]["weight_decay"] == 0.0
with torch.no_grad():
    final = F.mse_loss(model(x_train), y_train).item()
print(f"METRIC train_loss {final:.6f}")
print(f"METRIC lr0 {optimizer.param_groups[0]['lr']:.8f}")
print(f"METRIC lr1 {scheduler.get_last_lr()[1]:.8f}")
