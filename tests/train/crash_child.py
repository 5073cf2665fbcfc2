"""A short training run used by the crash-safety test: python -m tests.train.crash_child OUT."""

from __future__ import annotations

import os
import sys

import numpy as np

import shendu
from shendu import nn, optim
from shendu.train import Trainer
from shendu.utils.data import DataLoader, TensorDataset


def main() -> None:
    out = sys.argv[1]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((600, 20)).astype(np.float32)
    y = (x[:, :3].sum(axis=1) > 0).astype(np.int64)
    shendu.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(20, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 2)
    )
    loader = DataLoader(
        TensorDataset(shendu.from_numpy(x), shendu.from_numpy(y)),
        batch_size=50,
        shuffle=True,
        generator=shendu.Generator().manual_seed(1),
    )
    trainer = Trainer(
        model,
        optim.Adam(model.parameters(), lr=1e-3),
        nn.CrossEntropyLoss(),
        loader,
        epochs=4,
        out_dir=out,
        checkpoint_every=1,
        verbose=0,
    )
    trainer.fit(resume=True)
    shendu.save(model.state_dict(), os.path.join(out, "final.safetensors"))


if __name__ == "__main__":
    main()
