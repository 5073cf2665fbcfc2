"""A bidirectional GRU classifies variable-length token sequences: pad_sequence, pack_padded_sequence,
an embedding with a padding index, BCEWithLogitsLoss and a learning-rate scheduler."""

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

torch.manual_seed(3)
rng = np.random.default_rng(3)
VOCAB, PAD = 20, 0


def make_sequences(count):
    """Label 1 when token 7 appears before token 9 somewhere in the sequence."""
    sequences, labels = [], []
    for _ in range(count):
        length = int(rng.integers(5, 16))
        seq = rng.integers(1, VOCAB, size=length)
        label = float(rng.random() < 0.5)
        seq[seq == 7] = 8
        seq[seq == 9] = 10
        i, j = sorted(rng.choice(length, size=2, replace=False))
        seq[i], seq[j] = (7, 9) if label else (9, 7)
        sequences.append(torch.tensor(seq))
        labels.append(label)
    return sequences, torch.tensor(labels)


class Classifier(nn.Module):
    def __init__(self, vocab_size, embed_dim=16, hidden=24):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD)
        self.rnn = nn.GRU(embed_dim, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, 1)

    def forward(self, text, lengths):
        embedded = self.embedding(text)
        packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
        _, hidden = self.rnn(packed)
        hidden = torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)
        return self.fc(hidden).squeeze(1)


def batches(sequences, labels, batch_size):
    for start in range(0, len(sequences), batch_size):
        chunk = sequences[start : start + batch_size]
        lengths = torch.tensor([len(s) for s in chunk])
        yield pad_sequence(chunk, batch_first=True, padding_value=PAD), lengths, labels[start : start + batch_size]


train_seqs, train_labels = make_sequences(1200)
test_seqs, test_labels = make_sequences(300)
model = Classifier(VOCAB)
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.8)

for epoch in range(5):
    model.train()
    epoch_loss = 0.0
    for text, lengths, label in batches(train_seqs, train_labels, 50):
        optimizer.zero_grad()
        loss = criterion(model(text, lengths), label)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
    scheduler.step()
    model.eval()
    correct = 0
    with torch.no_grad():
        for text, lengths, label in batches(test_seqs, test_labels, 100):
            correct += ((torch.sigmoid(model(text, lengths)) > 0.5).float() == label).sum().item()
    print(f"epoch {epoch}: loss {epoch_loss / 24:.4f}, test accuracy {correct / len(test_seqs):.3f}")

print(f"METRIC accuracy {correct / len(test_seqs):.4f}")
