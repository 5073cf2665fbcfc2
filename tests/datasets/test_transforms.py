from __future__ import annotations

import numpy as np
import pytest

import shendu
from shendu.datasets import transforms as T


def batch(n: int = 64) -> shendu.Tensor:
    return shendu.from_numpy(np.random.default_rng(0).random((n, 1, 6, 6)).astype(np.float32))


def test_to_tensor_and_normalize() -> None:
    image = T.ToTensor()(np.full((4, 5), 255, dtype=np.uint8))
    assert image.shape == (1, 4, 5) and image.dtype == shendu.float32 and image.numpy().max() == 1.0
    rgb = T.ToTensor()(np.zeros((4, 5, 3), dtype=np.uint8))
    assert rgb.shape == (3, 4, 5)
    out = T.Normalize(0.5, 0.25)(image)
    np.testing.assert_allclose(out.numpy(), 2.0)
    with pytest.raises(shendu.ShapeError, match="got 2 means and 2 stds for an image with 1 channels"):
        T.Normalize([0.5, 0.5], [1.0, 1.0])(image)


def test_flip_is_a_mirror_for_about_half_the_batch() -> None:
    x = batch(400)
    y = T.RandomHorizontalFlip(generator=shendu.Generator().manual_seed(0))(x)
    flipped = [np.array_equal(a, b[..., ::-1]) for a, b in zip(y.numpy(), x.numpy())]
    unchanged = [np.array_equal(a, b) for a, b in zip(y.numpy(), x.numpy())]
    assert all(f or u for f, u in zip(flipped, unchanged))
    assert 150 < sum(flipped) < 250


def test_random_crop_keeps_shape_and_values_come_from_padded_image() -> None:
    x = batch()
    y = T.RandomCrop(6, padding=2)(x)
    assert y.shape == x.shape
    assert set(np.unique(y.numpy())) <= set(np.unique(x.numpy())) | {0.0}
    single = T.RandomCrop(4)(shendu.from_numpy(x.numpy()[0]))
    assert single.shape == (1, 4, 4)


def test_random_erasing_zeroes_some_images() -> None:
    x = batch(200) + 1.0
    y = T.RandomErasing(p=0.5)(x).numpy()
    erased = [(img == 0).any() for img in y]
    assert 60 < sum(erased) < 140


def test_compose_and_errors() -> None:
    pipeline = T.Compose([T.RandomCrop(6, padding=1), T.RandomHorizontalFlip(), T.Normalize(0.5, 0.5)])
    assert pipeline(batch()).shape == (64, 1, 6, 6)
    assert "RandomCrop" in repr(pipeline)
    with pytest.raises(shendu.ShapeError, match=r"expected an image \(C, H, W\) .* got shape \(6, 6\); add a channel"):
        T.RandomHorizontalFlip()(shendu.zeros(6, 6))
    with pytest.raises(ValueError, match="p must be in"):
        T.RandomHorizontalFlip(p=2)
