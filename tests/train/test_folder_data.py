from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from shendu.datasets import ImageFileError
from shendu.datasets.folder import pil_loader
from shendu.train.folder_data import FolderDataError, decode_folder, folder_mode, folder_splits, load_pixels
from shendu.utils.data import DataLoader
from tests.image_folders import write_color_folder


def test_decode_resizes_every_image_to_one_square(tmp_path: Path) -> None:
    root = write_color_folder(tmp_path / "colors", per_class=4)
    data, classes, mode = decode_folder(root, 8)
    assert classes == ["blue", "green", "red"] and mode == "RGB"
    assert data.images.shape == (12, 3, 8, 8) and data.images.dtype == np.uint8
    assert data.targets.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    # The class colour survives the resize: the red channel dominates the red images.
    means = data.images.reshape(3, 4, 3, -1).mean(axis=(1, 3))
    assert means.argmax(axis=1).tolist() == [2, 1, 0]
    images, labels = next(iter(DataLoader(data, batch_size=12)))
    assert images.shape == (12, 3, 8, 8) and float(images.numpy().max()) <= 1.0 and labels.shape == (12,)


def test_grayscale_folders_stay_one_channel(tmp_path: Path) -> None:
    root = write_color_folder(tmp_path / "gray", per_class=2, gray=True)
    paths = sorted(str(p) for p in root.rglob("*.*"))
    assert folder_mode(paths) == "L"
    assert decode_folder(root, 6)[0].images.shape == (6, 1, 6, 6)
    Image.new("RGB", (5, 5)).save(root / "red" / "colour.png")
    assert decode_folder(root, 6)[2] == "RGB"


def test_load_pixels_matches_predict_and_train(tmp_path: Path) -> None:
    root = write_color_folder(tmp_path / "c", per_class=1)
    path = root / "red" / "000.jpg"
    data, _, _ = decode_folder(root, 10)
    np.testing.assert_array_equal(load_pixels(path, 10, "RGB"), data.images[2])
    (root / "red" / "000.jpg").write_bytes(b"\xff\xd8\xff not really a jpeg")
    with pytest.raises(ImageFileError, match=r"'.*red/000.jpg'"):
        decode_folder(root, 10)


def test_split_is_fixed_and_disjoint(tmp_path: Path) -> None:
    root = write_color_folder(tmp_path / "c", per_class=5)
    train, val, _, _ = folder_splits(root, 8, 0.2)
    again = folder_splits(root, 8, 0.2)[1]
    assert len(train) == 12 and len(val) == 3 and val.indices == again.indices
    assert not set(train.indices) & set(val.indices)
    with pytest.raises(FolderDataError, match="leaves 0 for validation and 15 for training; both need at least one"):
        folder_splits(root, 8, 0.01)


def test_too_many_pixels_to_hold_asks_for_a_smaller_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shendu.train import folder_data

    root = write_color_folder(tmp_path / "c", per_class=2)
    monkeypatch.setattr(folder_data, "_MAX_BYTES", 1000)
    with pytest.raises(FolderDataError, match=r"the 6 images of '.*c' take 0.0 GiB at 32x32x3; pass a smaller"):
        decode_folder(root, 32)


def test_deep_grayscale_images_are_scaled_not_clipped(tmp_path: Path) -> None:
    # Pillow's convert() clips 16-bit values at 255: a 16-bit scan would train as a white square.
    ramp = np.linspace(0, 65535, 64).reshape(8, 8).astype(np.uint16)
    Image.fromarray(ramp).save(tmp_path / "deep.png")
    Image.fromarray((ramp / 65535).astype(np.float32), "F").save(tmp_path / "float.tif")
    expected = np.rint(ramp / 257).astype(np.uint8)
    assert Image.open(tmp_path / "deep.png").mode == "I;16"
    np.testing.assert_array_equal(load_pixels(tmp_path / "deep.png", 8, "L")[0], expected)
    np.testing.assert_array_equal(load_pixels(tmp_path / "float.tif", 8, "L")[0], expected)
    np.testing.assert_array_equal(np.asarray(pil_loader(tmp_path / "deep.png", "L")), expected)
    assert load_pixels(tmp_path / "deep.png", 8, "RGB").shape == (3, 8, 8)
    np.testing.assert_array_equal(load_pixels(tmp_path / "deep.png", 8, "RGB")[1], expected)
