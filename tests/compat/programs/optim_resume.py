"""Save and resume training mid-schedule: model, optimizer and scheduler state dicts to an in-memory buffer,
ReduceLROnPlateau on a validation loss, and a check that the resumed run continues exactly."""

import copy
import io

import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(7)
x_all = torch.from_numpy(rng.normal(size=(300, 5)).astype(np.float32))
y_all = torch.from_numpy((np.sin(x_all.numpy()).sum(1, keepdims=True)).astype(np.float32))
x_train, y_train, x_val, y_val = x_all[:240], y_all[:240], x_all[240:], y_all[240:]


def build():
    model = nn.Sequential(nn.Linear(5, 24), nn.SiLU(), nn.Linear(24, 1))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(np.random.default_rng(p.numel()).normal(0, 0.3, p.shape).astype(np.float32)))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02, weight_decay=1e-4, amsgrad=True)
    step_sched = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[8, 14], gamma=0.5)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=1)
    return model, optimizer, step_sched, plateau


criterion = nn.MSELoss()


def run_epochs(model, optimizer, step_sched, plateau, epochs):
    for _ in range(epochs):
        model.train()
        for start in range(0, 240, 30):
            optimizer.zero_grad()
            loss = criterion(model(x_train[start : start + 30]), y_train[start : start + 30])
            loss.backward()
            optimizer.step()
        step_sched.step()
        model.eval()
        with torch.no_grad():
            val = criterion(model(x_val), y_val).item()
        plateau.step(val)
    return val


model, optimizer, step_sched, plateau = build()
run_epochs(model, optimizer, step_sched, plateau, 10)
buffer = io.BytesIO()
torch.save(
    {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "step_sched": step_sched.state_dict(),
        "plateau": plateau.state_dict(),
        "epoch": 10,
    },
    buffer,
)
snapshot = copy.deepcopy(optimizer.state_dict())
assert set(snapshot) == {"state", "param_groups"} and snapshot["param_groups"][0]["amsgrad"] is True
assert sorted(snapshot["state"][0]) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]
val_continued = run_epochs(model, optimizer, step_sched, plateau, 8)

buffer.seek(0)
checkpoint = torch.load(buffer, weights_only=True)
resumed, r_optimizer, r_step, r_plateau = build()
resumed.load_state_dict(checkpoint["model"])
r_optimizer.load_state_dict(checkpoint["optimizer"])
r_step.load_state_dict(checkpoint["step_sched"])
r_plateau.load_state_dict(checkpoint["plateau"])
assert checkpoint["epoch"] == 10 and r_step.last_epoch == 10
val_resumed = run_epochs(resumed, r_optimizer, r_step, r_plateau, 8)
gap = max((a - b).abs().max().item() for a, b in zip(model.parameters(), resumed.parameters()))
lr = optimizer.param_groups[0]["lr"]
print(f"val {val_continued:.5f} / resumed {val_resumed:.5f}, gap {gap}, lr {lr}, plateau best {plateau.best:.5f}")
print(f"METRIC val_loss {val_continued:.6f}")
print(f"METRIC resume_gap {gap:.6f}")
print(f"METRIC lr {lr:.6f}")
