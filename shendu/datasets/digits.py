"""The 8x8 handwritten digits bundled with scikit-learn (1,797 images, UCI ML repository)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..tensor import Tensor
from ..utils.data import Dataset
from ._split import split_indices

__all__ = ["Digits"]


def _load() -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(
            "Digits: the data ships with scikit-learn; install it with `pip install 'shendu[datasets]'`"
        ) from None
    bunch = load_digits()
    return bunch.images.astype(np.float32) / np.float32(16.0), bunch.target.astype(np.int64)


class Digits(Dataset[tuple[Tensor, int]]):
    """8x8 grayscale digits 0-9, scaled to [0, 1], as (1, 8, 8) float32 images.

    Args:
        train: the training part of a fixed, seeded split (else the test part). Default: True.
        test_fraction: the share of samples in the test part. Default: 0.2.
        seed: the split's seed; the same seed always gives the same split. Default: 0.
        transform: applied to images (single or batched). Default: None.
    """

    classes = [str(d) for d in range(10)]

    def __init__(
        self,
        train: bool = True,
        test_fraction: float = 0.2,
        seed: int = 0,
        transform: Callable[[Tensor], Tensor] | None = None,
    ) -> None:
        images, labels = _load()
        train_idx, test_idx = split_indices(len(labels), test_fraction, seed)
        keep = train_idx if train else test_idx
        self.data = Tensor._make(images[keep][:, None])
        self.targets = Tensor._make(labels[keep])
        self.transform = transform

    def __len__(self) -> int:
        return int(self.targets.shape[0])

    def __getitem__(self, index: int) -> tuple[Tensor, int]:
        image = Tensor._make(self.data._array[index])
        return (self.transform(image) if self.transform else image), int(self.targets._array[index])

    def get_batch(self, indices: np.ndarray) -> tuple[Tensor, Tensor]:
        """Images (N, 1, 8, 8) and labels (N,) in one indexing step."""
        images = Tensor._make(self.data._array[indices])
        return (self.transform(images) if self.transform else images), Tensor._make(self.targets._array[indices])
