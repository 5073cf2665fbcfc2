"""The loss functions real code combines, on fixed values: cross-entropy with ignore_index, class weights
and label smoothing, BCEWithLogits with pos_weight, KL divergence with batchmean, Huber/smooth L1,
cosine similarity after normalize, one_hot targets and a masked token loss; each with its gradient."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(10)
logits = torch.tensor(rng.normal(size=(6, 5)), dtype=torch.float32, requires_grad=True)
targets = torch.LongTensor([0, 4, -100, 2, 2, 1])
weights = torch.tensor([1.0, 2.0, 0.5, 1.0, 3.0])
scores = torch.tensor(rng.normal(size=(6, 3)), dtype=torch.float32, requires_grad=True)
multi = torch.tensor(rng.integers(0, 2, size=(6, 3)), dtype=torch.float32)
pred = torch.tensor(rng.normal(size=(6, 4)), dtype=torch.float32, requires_grad=True)
goal = torch.tensor(rng.normal(size=(6, 4)) * 2, dtype=torch.float32)

results = {}
results["ce_ignore"] = nn.CrossEntropyLoss(ignore_index=-100)(logits, targets)
results["ce_weighted"] = F.cross_entropy(logits, targets.clamp(min=0), weight=weights, label_smoothing=0.1)
results["ce_sum"] = F.cross_entropy(logits, targets, reduction="sum")
results["nll"] = F.nll_loss(F.log_softmax(logits, dim=1), targets.clamp(min=0))
results["bce_pos"] = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([1.0, 2.0, 3.0]))(scores, multi)
results["bce_probs"] = F.binary_cross_entropy(torch.sigmoid(scores), multi)
results["kl"] = F.kl_div(F.log_softmax(logits, -1), F.softmax(logits.detach() * 0.5, -1), reduction="batchmean")
results["huber"] = F.huber_loss(pred, goal, delta=0.5)
results["smooth_l1"] = F.smooth_l1_loss(pred, goal, beta=1.0)
results["l1"] = nn.L1Loss()(pred, goal)
results["cosine"] = F.cosine_similarity(F.normalize(pred, dim=1), goal, dim=1).mean()
one_hot = F.one_hot(targets.clamp(min=0), num_classes=5).float()
results["soft_targets"] = -(one_hot * F.log_softmax(logits, 1)).sum(1).mean()
# A language-model loss over padded tokens: flatten, mask, average over real tokens only.
tokens = logits.view(2, 3, 5)
mask = torch.tensor([[1, 1, 0], [1, 1, 1]], dtype=torch.bool)
per_token = F.cross_entropy(tokens.reshape(-1, 5), targets.clamp(min=0), reduction="none").view(2, 3)
results["masked_lm"] = (per_token * mask).sum() / mask.sum()

total = sum(results.values())
total.backward()
for name, value in results.items():
    print(f"METRIC {name} {value.item():.6f}")
print(f"METRIC grad_logits {logits.grad.abs().sum().item():.6f}")
print(f"METRIC grad_scores {scores.grad.abs().sum().item():.6f}")
print(f"METRIC grad_pred {pred.grad.abs().sum().item():.6f}")
