"""Truncated backpropagation through time: an LSTM forecasting yearly sunspot numbers.

A recurrent network trained on a long series cannot backpropagate through all of it at every
update: memory grows with the length and early steps would wait for the whole series. Truncated
BPTT cuts the series into consecutive chunks and feeds them in order:

- the hidden state flows forward from one chunk into the next, so the network still sees the
  whole history;
- before the next chunk, the state is ``detach()``-ed: it keeps its values but forgets the graph
  that made it, so each ``backward()`` stops at the chunk boundary and costs one chunk's work.

The series (1700-2008, 309 years) is standardized with the training period's statistics and cut
into a few parallel streams, as in PyTorch's word-language-model example, so that each update
sees several chunks at once. The model predicts next year's value from everything before; after
training, it reads the whole training period to warm up its state and then forecasts the test
period one year ahead at a time. The printed RMSE is compared with the naive forecast "same as
last year".

Run:  python examples/truncated_bptt.py
"""

from __future__ import annotations

import math
import time

import numpy as np

import shendu
from shendu import nn
from shendu.datasets import Sunspots
from shendu.nn import functional as F


class Forecaster(nn.Module):
    """An LSTM over the series and a linear read-out of next year's value at every step."""

    def __init__(self, hidden_size: int = 32, num_layers: int = 2) -> None:
        super().__init__()
        self.lstm = nn.LSTM(1, hidden_size, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x: shendu.Tensor, state: tuple[shendu.Tensor, shendu.Tensor] | None = None) -> tuple:
        out, state = self.lstm(x, state)
        return self.head(out).squeeze(-1), state


def streams(values: np.ndarray, count: int) -> np.ndarray:
    """Cut a series into ``count`` contiguous streams of equal length, one per row."""
    length = len(values) // count
    return values[: count * length].reshape(count, length)


def main(epochs: int = 150, chunk: int = 12, stream_count: int = 4, seed: int = 0) -> tuple[float, float]:
    """Train, forecast the test period, and return the model's RMSE and the naive forecast's."""
    shendu.manual_seed(seed)
    train, test = Sunspots(window=1, train=True), Sunspots(window=1, train=False)
    # window=1: each sample is (this year, next year); the inputs in order are the series itself.
    series = np.concatenate([train.inputs.numpy()[:, 0, 0], train.targets.numpy()[-1:, 0]])
    data = streams(series, stream_count)  # (streams, years)

    model = Forecaster()
    optimizer = shendu.optim.Adam(model.parameters(), lr=1e-2)
    start = time.perf_counter()
    for epoch in range(epochs):
        state = None  # each epoch starts the streams from a blank state
        total, count = 0.0, 0
        for begin in range(0, data.shape[1] - 1, chunk):
            end = min(begin + chunk, data.shape[1] - 1)
            x = shendu.from_numpy(data[:, begin:end, None].copy())
            y = shendu.from_numpy(data[:, begin + 1 : end + 1].copy())
            prediction, state = model(x, state)
            loss = F.mse_loss(prediction, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            # Keep the values, drop the graph: the next backward stops here.
            state = tuple(s.detach() for s in state)
            total, count = total + loss.item() * (end - begin), count + end - begin
        if epoch % 30 == 0 or epoch == epochs - 1:
            print(f"epoch {epoch:3d}  train MSE (standardized) {total / count:.4f}")
    print(f"trained in {time.perf_counter() - start:.1f} s")

    with shendu.no_grad():
        # Reading the training period warms the state up; its last output forecasts the first test year.
        warm, state = model(shendu.from_numpy(series[None, :, None].copy()))
        inputs = test.inputs.numpy()[:, 0, 0]
        # The first test input is the last training value, already read: continue from the next one.
        rest, _ = model(shendu.from_numpy(inputs[None, 1:, None].copy()), state)
    forecast = np.concatenate([warm.numpy()[0, -1:], rest.numpy()[0]])
    targets = test.targets.numpy()[:, 0]
    rmse = math.sqrt(float(np.mean((forecast - targets) ** 2))) * test.std
    naive = math.sqrt(float(np.mean((inputs - targets) ** 2))) * test.std
    print(f"test period ({len(targets)} years): RMSE {rmse:.1f} sunspots; 'same as last year' gives {naive:.1f}")
    return rmse, naive


if __name__ == "__main__":
    main()
