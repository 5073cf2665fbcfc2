"""Device-agnostic code: torch.device chosen at run time, .to(device) for models, batches and new tensors,
dtype moves, factories with device=, and results brought back with .cpu().numpy()."""

import numpy as np
import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
torch.manual_seed(0)
if torch.cuda.is_available():
    torch.cuda.manual_seed_all(0)
rng = np.random.default_rng(9)
x_np = rng.normal(size=(256, 3)).astype(np.float32)
y_np = (x_np**2).sum(1).astype(np.float32)

model = nn.Sequential(nn.Linear(3, 32), nn.Softplus(), nn.Linear(32, 1)).to(device)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.as_tensor(rng.normal(0, 0.4, size=tuple(p.shape)), dtype=torch.float32, device=device))
assert next(model.parameters()).device.type == device.type
x = torch.from_numpy(x_np).to(device)
y = torch.tensor(y_np, device=device).unsqueeze(1)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(150):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()

scale = torch.ones(1, device=x.device) * 2
noise = torch.zeros_like(x).to(device=device, dtype=torch.float64)
assert noise.dtype == torch.float64 and noise.device == x.device and scale.is_cuda == (device.type == "cuda")
model64 = model.double()
out = model64(x.double() + noise).cpu()
assert out.dtype == torch.float64 and out.device == torch.device("cpu") and not out.is_cuda
pred = out.detach().numpy()
counts = torch.arange(5, device=device).float().to("cpu", non_blocking=True)
model_cpu = model.to("cpu").float()
assert str(next(model_cpu.parameters()).device) == "cpu"
assert model_cpu(torch.from_numpy(x_np)).dtype == torch.float32
print(f"loss {loss.item():.5f}; pred mean {pred.mean():.4f}; counts {counts.tolist()}")
print(f"METRIC loss {loss.item():.6f}")
print(f"METRIC pred_mean {float(pred.mean()):.5f}")
