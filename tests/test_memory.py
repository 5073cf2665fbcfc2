"""Training LeNet for 2,000 steps keeps the process's memory flat: no graph survives a step."""

from __future__ import annotations

import gc
import resource

import numpy as np

import shendu
from shendu.models import LeNet5
from tests.helpers import FIGURES


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def test_lenet_training_keeps_rss_flat() -> None:
    shendu.manual_seed(0)
    model = LeNet5()
    optimizer = shendu.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = shendu.randn(8, 1, 28, 28)
    y = shendu.randint(0, 10, (8,))
    seen_losses = []
    samples = []
    for step in range(2000):
        optimizer.zero_grad()
        loss = shendu.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        # Keeping the loss tensors (as careless user code does) must not keep their graphs alive.
        seen_losses.append(loss)
        if step in (200, 1999):
            gc.collect()
            samples.append(rss_mb())
    warm, final = samples
    growth = (final - warm) / warm
    FIGURES["LeNet RSS growth after warm-up (steps 200 to 2,000)"] = f"{growth:+.2%} ({warm:.0f} MB to {final:.0f} MB)"
    assert growth < 0.05, f"RSS grew from {warm:.1f} MB to {final:.1f} MB"
    assert np.isfinite(seen_losses[-1].item())
