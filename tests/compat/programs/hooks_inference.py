"""Feature extraction and inference: forward hooks that capture activations (and are removed), a
forward pre-hook, @torch.no_grad() as a decorator, model.eval() with torch.inference_mode(), frozen
layers through requires_grad_(False) and an optimizer over the trainable parameters only."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
rng = np.random.default_rng(6)
x_all = torch.from_numpy(rng.normal(size=(400, 10)).astype(np.float32))
y_all = (x_all[:, :3].sum(1) > 0).long()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 16), nn.ReLU())
        self.classifier = nn.Linear(16, 2)

    def forward(self, x):
        return self.classifier(self.features(x))


model = Net()
activations = {}


def save_activation(name):
    def hook(module, inputs, output):
        activations[name] = output.detach()

    return hook


calls = []
handles = [
    model.features[1].register_forward_hook(save_activation("relu1")),
    model.features.register_forward_hook(save_activation("features")),
    model.classifier.register_forward_pre_hook(lambda module, inputs: calls.append(inputs[0].shape)),
]

optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for _epoch in range(15):
    model.train()
    for start in range(0, 400, 40):
        optimizer.zero_grad()
        F.cross_entropy(model(x_all[start : start + 40]), y_all[start : start + 40]).backward()
        optimizer.step()
assert activations["relu1"].shape == (40, 32) and activations["features"].shape == (40, 16)
assert not activations["features"].requires_grad and len(calls) == 150 and calls[0] == torch.Size([40, 16])
dead = (activations["relu1"] == 0).float().mean().item()
for handle in handles:
    handle.remove()
activations.clear()
model(x_all[:5])
assert not activations and len(calls) == 150

# Freeze the feature extractor and fine-tune a new head on a new task.
model.zero_grad(set_to_none=True)
for param in model.features.parameters():
    param.requires_grad_(False)
model.classifier = nn.Linear(16, 2)
trainable = [p for p in model.parameters() if p.requires_grad]
assert len(trainable) == 2 and sum(p.numel() for p in trainable) == 34
y_new = (x_all[:, 0] > 0.3).long()
frozen_before = model.features[0].weight.clone()
head_optimizer = torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()), lr=0.05)
for _epoch in range(30):
    head_optimizer.zero_grad()
    loss = F.cross_entropy(model(x_all), y_new)
    loss.backward()
    head_optimizer.step()
assert torch.equal(model.features[0].weight, frozen_before) and model.features[0].weight.grad is None


@torch.no_grad()
def evaluate(model, x, y):
    model.eval()
    logits = model(x)
    assert not logits.requires_grad
    return (logits.argmax(dim=1) == y).float().mean().item()


accuracy_new = evaluate(model, x_all, y_new)
model.eval()
with torch.inference_mode():
    probs = F.softmax(model(x_all[:8]), dim=-1)
    assert torch.is_inference_mode_enabled() and not probs.requires_grad
assert torch.is_grad_enabled() and not model.training
print(f"dead units {dead:.3f}, new-task accuracy {accuracy_new:.3f}, probs sum {probs.sum(1).mean():.4f}")
print(f"METRIC dead {dead:.4f}")
print(f"METRIC new_accuracy {accuracy_new:.4f}")
print(f"METRIC prob_sum {probs.sum(1).mean().item():.5f}")
