"""Functions that the multiprocessing tests run in child processes (importable, so ``spawn`` can find them)."""

from __future__ import annotations

import numpy as np

import shendu
from shendu import nn

FEATURES = np.random.default_rng(0).standard_normal((16, 3)).astype(np.float32)
TARGETS = FEATURES @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)


def train_steps(model: nn.Module, steps: int, offset: int = 0) -> None:
    """``steps`` SGD steps on the fixed regression data, with this process's own optimizer."""
    optimizer = shendu.optim.SGD(model.parameters(), lr=0.05)
    for step in range(steps):
        rows = slice((offset + step) % 4 * 4, (offset + step) % 4 * 4 + 4)
        optimizer.zero_grad()
        loss = ((model(shendu.from_numpy(FEATURES[rows])) - shendu.from_numpy(TARGETS[rows])) ** 2).mean()
        loss.backward()
        optimizer.step()


def loss_of(model: nn.Module) -> float:
    with shendu.no_grad():
        return float(((model(shendu.from_numpy(FEATURES)) - shendu.from_numpy(TARGETS)) ** 2).mean())


def add_one(t: shendu.Tensor) -> None:
    with shendu.no_grad():
        t.add_(1.0)


def check_parameter_arrives_shared(p: nn.Parameter) -> None:
    if not (isinstance(p, nn.Parameter) and p.requires_grad and p.is_shared()):
        raise SystemExit(3)
    with shendu.no_grad():
        p.mul_(2.0)


def write_rank(rank: int, board: shendu.Tensor) -> None:
    board[rank] = rank + 10.0


def fail(rank: int) -> None:
    raise ValueError(f"rank {rank} failed on purpose")
