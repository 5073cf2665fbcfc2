"""Sentiment of movie-review snippets with an LSTM (Pang and Lee's sentence polarity data).

Each snippet ("a gorgeous , witty , seductive movie .") is a padded row of token ids. An
embedding turns the ids into vectors, and the LSTM reads them as a packed sequence, so that
padding never enters the recurrence and the final hidden state is the one after each
snippet's last real word. A linear layer on that state gives the two class scores. The model
with the best validation accuracy is kept (its state dict copied in memory) and scored once
on the test split. The corpus ships with shendu, so nothing is downloaded.

Run:  python examples/sentiment_lstm.py               (6 epochs, a few minutes on 2 cores)
      python examples/sentiment_lstm.py --quick       (one epoch, under half a minute)
"""

from __future__ import annotations

import argparse
import copy
import time

import shendu
from shendu import nn, optim
from shendu.datasets import Polarity
from shendu.nn.utils.rnn import pack_padded_sequence
from shendu.utils.data import DataLoader


class SentimentLSTM(nn.Module):
    def __init__(self, vocab_size: int, embed: int = 100, hidden: int = 128) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed, padding_idx=0)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.dropout = nn.Dropout(0.5)
        self.head = nn.Linear(hidden, 2)

    def forward(self, ids: shendu.Tensor) -> shendu.Tensor:
        lengths = (ids != 0).sum(dim=1).clamp(min=1)
        packed = pack_padded_sequence(self.embed(ids), lengths, batch_first=True, enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)
        return self.head(self.dropout(h_n[-1]))


def accuracy(model: nn.Module, loader: DataLoader) -> float:
    model.eval()
    correct = seen = 0
    with shendu.no_grad():
        for ids, labels in loader:
            correct += (model(ids).argmax(dim=1) == labels).sum().item()
            seen += labels.shape[0]
    return correct / seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--quick", action="store_true", help="one epoch")
    parser.add_argument("--root", help="a folder with rt-polarity.pos/.neg (default: the copy shipped with shendu)")
    args = parser.parse_args()

    shendu.manual_seed(0)
    shendu.set_num_threads(1)
    where = {"root": args.root} if args.root else {}
    train = Polarity(split="train", **where)
    val = Polarity(split="val", vocab=train.vocab, **where)
    test = Polarity(split="test", vocab=train.vocab, **where)
    epochs = 1 if args.quick else args.epochs
    print(f"{len(train)} training, {len(val)} validation, {len(test)} test snippets; {len(val.vocab)} words")
    loader = DataLoader(train, batch_size=64, shuffle=True, generator=shendu.Generator().manual_seed(1))
    val_loader, test_loader = DataLoader(val, batch_size=500), DataLoader(test, batch_size=500)

    model = SentimentLSTM(len(val.vocab))
    optimizer = optim.Adam(model.parameters(), lr=2e-3)
    best, best_state = 0.0, None
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        for ids, labels in loader:
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(ids), labels)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
        val_accuracy = accuracy(model, val_loader)
        print(f"epoch {epoch}: validation accuracy {val_accuracy:.4f} ({time.perf_counter() - start:.0f} s)")
        if val_accuracy > best:
            best, best_state = val_accuracy, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    print(f"test accuracy {accuracy(model, test_loader):.4f} (best validation accuracy {best:.4f})")


if __name__ == "__main__":
    main()
