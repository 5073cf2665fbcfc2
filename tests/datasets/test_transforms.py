from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import shendu
from shendu.datasets import transforms as T
from shendu.errors import ShapeError


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


def pil_image(height: int = 6, width: int = 8) -> Image.Image:
    pixels = np.random.default_rng(1).integers(1, 256, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def test_flips_and_crops_take_pil_images_in_torchvision_order() -> None:
    image = pil_image()
    pixels = np.asarray(image)
    assert np.array_equal(np.asarray(T.RandomHorizontalFlip(p=1.0)(image)), pixels[:, ::-1])
    assert T.RandomHorizontalFlip(p=0.0)(image) is image
    crop = np.asarray(T.RandomCrop((6, 8), padding=2, generator=shendu.Generator().manual_seed(0))(image))
    assert crop.shape == (6, 8, 3)
    # Every crop pixel is an image pixel or the zero padding, and the image's rows stay whole.
    assert set(np.unique(crop)) <= set(np.unique(pixels)) | {0}
    assert np.array_equal(np.asarray(T.CenterCrop((2, 4))(image)), pixels[2:4, 2:6])
    # torchvision's ImageNet pipeline: PIL transforms first, then ToTensor and Normalize.
    pipeline = T.Compose(
        [T.Resize(10), T.RandomCrop(9, padding=1), T.RandomHorizontalFlip(), T.CenterCrop(8), T.ToTensor(),
         T.Normalize([0.5, 0.5, 0.5], [0.25, 0.25, 0.25])]
    )  # fmt: skip
    out = pipeline(image)
    assert out.shape == (3, 8, 8) and out.dtype == shendu.float32
    with pytest.raises(
        TypeError, match=r"Normalize: expected a tensor image .* got Image; put Normalize after ToTensor"
    ):
        T.Normalize(0.5, 0.5)(image)
    with pytest.raises(ShapeError, match=r"RandomCrop: crop size \(9, 9\) is larger than the padded image \(6, 8\)"):
        T.RandomCrop(9)(image)


def test_center_crop_on_tensors_matches_pil_and_pads_when_larger() -> None:
    image = pil_image(7, 9)
    as_tensor = T.ToTensor()(image)
    np.testing.assert_array_equal(
        T.CenterCrop((3, 4))(as_tensor).numpy(), T.ToTensor()(T.CenterCrop((3, 4))(image)).numpy()
    )
    stacked = shendu.stack([as_tensor, as_tensor])
    assert T.CenterCrop(5)(stacked).shape == (2, 3, 5, 5)
    padded = T.CenterCrop((9, 9))(as_tensor).numpy()
    assert padded.shape == (3, 9, 9) and (padded[:, 0] == 0).all() and (padded[:, 8] == 0).all()
    np.testing.assert_array_equal(padded[:, 1:8], as_tensor.numpy())
    assert repr(T.CenterCrop(4)) == "CenterCrop(size=(4, 4))"
    with pytest.raises(ValueError, match="CenterCrop: size must be a positive int"):
        T.CenterCrop(0)


def test_to_tensor_adds_the_channel_axis_as_torchvision() -> None:
    assert T.ToTensor()(Image.new("1", (4, 3), 1)).numpy().tolist() == [[[1.0] * 4] * 3]
    assert T.ToTensor()(Image.new("F", (4, 3))).shape == (1, 3, 4)
    assert T.ToTensor()(np.zeros((3, 4, 2), dtype=np.float64)).shape == (2, 3, 4)
    with pytest.raises(ShapeError, match=r"ToTensor: expected an image \(H, W\) or \(H, W, C\), got shape \(5,\)"):
        T.ToTensor()(np.zeros(5))
