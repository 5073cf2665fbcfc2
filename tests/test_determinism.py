"""Same seed, same platform: bitwise-identical training on the CPU, DataLoader shuffling and dropout included."""

from __future__ import annotations

import numpy as np

import shendu
from shendu import nn, optim
from shendu.utils.data import DataLoader, TensorDataset


def train_once(seed: int) -> dict[str, np.ndarray]:
    shendu.manual_seed(seed)
    x = shendu.randn(256, 1, 12, 12)
    y = shendu.randint(0, 4, (256,))
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.3),
        nn.Linear(4 * 36, 4),
    )
    opt = optim.Adam(model.parameters(), lr=1e-2)
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    for _ in range(2):
        for inputs, targets in loader:
            opt.zero_grad()
            nn.functional.cross_entropy(model(inputs), targets).backward()
            opt.step()
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def test_same_seed_gives_bitwise_identical_weights() -> None:
    first, second = train_once(7), train_once(7)
    assert first.keys() == second.keys()
    for key in first:
        assert first[key].tobytes() == second[key].tobytes(), key


def test_different_seeds_differ() -> None:
    first, other = train_once(7), train_once(8)
    assert any(first[k].tobytes() != other[k].tobytes() for k in first)
