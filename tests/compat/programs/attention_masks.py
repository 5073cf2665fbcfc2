"""Self-attention with padding masks: nn.MultiheadAttention and a TransformerEncoder with batch_first,
src_key_padding_mask, attention written by hand with masked_fill, and a masked mean pooling."""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
rng = np.random.default_rng(0)
VOCAB, PAD, MAXLEN = 12, 0, 10


def make(count):
    """Label: does token 3 appear more often than token 4?"""
    tokens = np.zeros((count, MAXLEN), dtype=np.int64)
    labels = np.zeros(count, dtype=np.int64)
    for i in range(count):
        n = int(rng.integers(4, MAXLEN + 1))
        tokens[i, :n] = rng.integers(1, VOCAB, size=n)
        labels[i] = int((tokens[i] == 3).sum() > (tokens[i] == 4).sum())
    return torch.from_numpy(tokens), torch.from_numpy(labels)


def scaled_dot_product(q, k, v, pad_mask):
    scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(q.size(-1))
    scores = scores.masked_fill(pad_mask[:, None, :], float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


class Encoder(nn.Module):
    def __init__(self, d_model=32, nhead=4):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, d_model, padding_idx=PAD)
        self.pos = nn.Parameter(torch.zeros(1, MAXLEN, d_model))
        self.mha = nn.MultiheadAttention(d_model, nhead, batch_first=True, dropout=0.0)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=64, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.q = nn.Linear(d_model, d_model)
        self.cls = nn.Linear(d_model, 2)

    def forward(self, tokens):
        pad_mask = tokens == PAD
        x = self.embed(tokens) + self.pos
        attended, weights = self.mha(x, x, x, key_padding_mask=pad_mask, need_weights=True)
        assert weights.shape == (tokens.size(0), MAXLEN, MAXLEN)
        x = x + attended
        x = self.encoder(x, src_key_padding_mask=pad_mask)
        x = x + scaled_dot_product(self.q(x), x, x, pad_mask)
        keep = (~pad_mask).unsqueeze(-1).type_as(x)
        pooled = (x * keep).sum(dim=1) / keep.sum(dim=1).clamp(min=1)
        return self.cls(pooled)


x_train, y_train = make(512)
x_test, y_test = make(256)
model = Encoder()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
for _epoch in range(8):
    model.train()
    perm = torch.randperm(len(x_train))
    for start in range(0, len(x_train), 64):
        idx = perm[start : start + 64]
        loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

model.eval()
with torch.inference_mode():
    accuracy = (model(x_test).argmax(-1) == y_test).float().mean().item()
    _, weights = model.mha(
        model.embed(x_test[:2]), model.embed(x_test[:2]), model.embed(x_test[:2]), key_padding_mask=x_test[:2] == PAD
    )
masked_weight = weights[x_test[:2].eq(PAD).unsqueeze(1).expand_as(weights)].abs().max().item()
print(f"accuracy {accuracy:.3f}; attention on padding {masked_weight}")
print(f"METRIC accuracy {accuracy:.4f}")
print(f"METRIC masked_weight {masked_weight:.6f}")
