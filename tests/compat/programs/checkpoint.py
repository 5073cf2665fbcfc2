"""Checkpoints as PyTorch programs write them: state dicts to files and to in-memory buffers, a resumable
training dict, and a whole model saved and loaded back with weights_only=False."""

import io
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits

torch.manual_seed(0)
digits = load_digits()
x = torch.tensor(digits.data / 16.0, dtype=torch.float32)
y = torch.tensor(digits.target)
x_train, y_train, x_test, y_test = x[:1400], y[:1400], x[1400:], y[1400:]


class Classifier(nn.Module):
    def __init__(self, hidden=48, dropout=0.1):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, 10))

    def forward(self, x):
        return self.net(x)


def train(model, optimizer, epochs):
    model.train()
    for _ in range(epochs):
        for start in range(0, len(x_train), 100):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x_train[start : start + 100]), y_train[start : start + 100])
            loss.backward()
            optimizer.step()
    return loss.item()


def accuracy(model):
    model.eval()
    with torch.no_grad():
        return (model(x_test).argmax(1) == y_test).float().mean().item()


model = Classifier()
optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
loss = train(model, optimizer, 3)

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "checkpoint.pt")
    torch.save(
        {
            "epoch": 3,
            "model_state_dict": model.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(),
            "loss": loss,
        },
        path,
    )
    weights = os.path.join(folder, "weights.pth")
    torch.save(model.state_dict(), weights)
    whole = os.path.join(folder, "model.pt")
    torch.save(model, whole)

    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    from_buffer = Classifier()
    from_buffer.load_state_dict(torch.load(buffer))

    restored = Classifier()
    restored.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))

    try:
        torch.load(whole)
        refused = False
    except Exception as error:  # PyTorch 2.6+ refuses a pickled module unless weights_only=False
        refused = "weights_only" in str(error)
    whole_model = torch.load(whole, weights_only=False)

    checkpoint = torch.load(path)
    resumed = Classifier()
    resumed_optimizer = torch.optim.Adam(resumed.parameters(), lr=5e-3)
    resumed.load_state_dict(checkpoint["model_state_dict"])
    resumed_optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    epoch = checkpoint["epoch"]

reference = accuracy(model)
same = all(accuracy(m) == reference for m in (from_buffer, restored, whole_model, resumed))
assert same and refused and epoch == 3 and isinstance(whole_model, Classifier)
print(f"accuracy after 3 epochs {reference:.3f}; every reloaded copy agrees: {same}")

# Both copies continue identically: the optimizer state came back too.
torch.manual_seed(5)
train(model, optimizer, 2)
torch.manual_seed(5)
train(resumed, resumed_optimizer, 2)
gap = max((a - b).abs().max().item() for a, b in zip(model.parameters(), resumed.parameters()))
print(f"largest difference after resuming: {gap}")
print(f"METRIC accuracy {accuracy(model):.4f}")
print(f"METRIC resume_gap {gap:.6f}")
