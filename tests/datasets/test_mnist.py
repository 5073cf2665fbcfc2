from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from shendu.datasets import MNIST, DatasetNotFoundError, FashionMNIST
from shendu.utils.data import DataLoader
from tests.datasets.test_idx import write_idx

SYSTEM = Path(FashionMNIST.system_folder)


def fake_mnist(folder: Path, n: int = 10) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    images = np.arange(n * 28 * 28).reshape(n, 28, 28) % 256
    for prefix in ("train", "t10k"):
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", np.arange(n) % 10)
    return folder


def test_loads_from_root_and_batches(tmp_path: Path) -> None:
    ds = MNIST(root=fake_mnist(tmp_path / "m"))
    assert len(ds) == 10
    image, label = ds[3]
    assert image.shape == (1, 28, 28) and image.dtype.name == "float32" and label == 3
    x, y = next(iter(DataLoader(ds, batch_size=4)))
    assert x.shape == (4, 1, 28, 28) and y.tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(x.numpy()[3], image.numpy())


def test_shendu_data_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_mnist(tmp_path / "mnist")
    monkeypatch.setenv("SHENDU_DATA", str(tmp_path))
    assert len(MNIST(train=False)) == 10


def test_missing_data_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(FashionMNIST, "system_folder", str(tmp_path / "nowhere"))
    monkeypatch.delenv("SHENDU_DATA", raising=False)
    with pytest.raises(DatasetNotFoundError, match=r"apt-get install -y dataset-fashion-mnist.*root=FOLDER"):
        FashionMNIST(root=tmp_path / "empty")


@pytest.mark.skipif(not SYSTEM.exists(), reason="Debian's dataset-fashion-mnist package is not installed")
def test_real_fashion_mnist_files() -> None:
    train, test = FashionMNIST(), FashionMNIST(train=False)
    assert (len(train), len(test)) == (60000, 10000)
    assert np.bincount(train.targets.numpy()).tolist() == [6000] * 10
    assert train.data.dtype.name == "uint8" and train.data.shape == (60000, 28, 28)
    assert os.fspath(train.root) == str(SYSTEM)
