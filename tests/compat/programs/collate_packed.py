"""A Dataset subclass of variable-length sequences, a custom collate_fn that pads and sorts, an LSTM over
pack_padded_sequence, pad_packed_sequence and a mean over the real time steps."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)


class SumSign(Dataset):
    """Sequences of numbers; the label says whether their sum is positive."""

    def __init__(self, count, seed):
        rng = np.random.default_rng(seed)
        self.items = []
        for _ in range(count):
            length = int(rng.integers(3, 12))
            values = rng.normal(size=(length, 1)).astype(np.float32)
            self.items.append((values, int(values.sum() > 0)))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, idx):
        values, label = self.items[idx]
        return {"seq": torch.from_numpy(values), "label": label}


def collate(batch):
    batch = sorted(batch, key=lambda item: item["seq"].shape[0], reverse=True)
    seqs = [item["seq"] for item in batch]
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.int64)
    labels = torch.LongTensor([item["label"] for item in batch])
    return pad_sequence(seqs, batch_first=True), lengths, labels


class Reader(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=1, batch_first=True)
        self.out = nn.Linear(hidden, 2)

    def forward(self, padded, lengths):
        packed = pack_padded_sequence(padded, lengths, batch_first=True)
        output, (h_n, _) = self.lstm(packed)
        unpacked, out_lengths = pad_packed_sequence(output, batch_first=True)
        assert torch.equal(out_lengths, lengths) and unpacked.shape[1] == int(lengths.max())
        mask = (torch.arange(unpacked.size(1))[None, :] < lengths[:, None]).unsqueeze(-1)
        mean = (unpacked * mask).sum(1) / lengths.unsqueeze(1).float()
        return self.out(mean + h_n[-1])


train_set, test_set = SumSign(600, 0), SumSign(200, 1)
loader = DataLoader(train_set, batch_size=32, shuffle=True, collate_fn=collate, drop_last=True)
assert len(loader) == 600 // 32
model = Reader()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(6):
    total = 0.0
    for padded, lengths, labels in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(padded, lengths), labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * labels.size(0)
    print(f"epoch {epoch}: loss {total / (len(loader) * 32):.4f}")

model.eval()
correct = 0
with torch.no_grad():
    for padded, lengths, labels in DataLoader(test_set, batch_size=50, collate_fn=collate):
        correct += (model(padded, lengths).argmax(1) == labels).sum().item()
print(f"METRIC accuracy {correct / len(test_set):.4f}")
