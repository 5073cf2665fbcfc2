from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import shendu
from shendu.datasets import ImageFileError, ImageFolder, ImageFolderError
from shendu.datasets import transforms as T
from shendu.datasets.folder import DatasetFolder, open_image, pil_loader
from shendu.utils.data import DataLoader


def write_image(path: Path, size: tuple[int, int] = (12, 10), mode: str = "RGB", value: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.full((size[1], size[0], 3), value, dtype=np.uint8)
    Image.fromarray(pixels).convert(mode).save(path)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "pets"
    write_image(root / "dog" / "b.png", value=200)
    write_image(root / "dog" / "a.jpg", value=180)
    write_image(root / "cat" / "2.png", value=10)
    write_image(root / "cat" / "1.jpeg", value=20, mode="L")
    write_image(root / "cat" / "inner" / "0.png", value=30)
    (root / "cat" / "notes.txt").write_text("not an image")
    (root / ".hidden").mkdir()
    return root


def test_layout_attributes_follow_torchvision(folder: Path) -> None:
    data = ImageFolder(folder)
    assert data.classes == ["cat", "dog"] and data.class_to_idx == {"cat": 0, "dog": 1}
    names = [os.path.relpath(path, folder) for path, _ in data.samples]
    # Sorted by folder, then file name; files of a class's subfolders come after its own.
    assert names == ["cat/1.jpeg", "cat/2.png", "cat/inner/0.png", "dog/a.jpg", "dog/b.png"]
    assert data.targets == [0, 0, 0, 1, 1] and data.imgs == data.samples and len(data) == 5
    image, label = data[3]
    assert isinstance(image, Image.Image) and image.mode == "RGB" and image.size == (12, 10) and label == 1
    assert "Number of datapoints: 5" in repr(data)


def test_transforms_and_loader_give_batches(folder: Path) -> None:
    data = ImageFolder(folder, transform=T.Compose([T.Resize((8, 6)), T.ToTensor()]), target_transform=lambda y: y * 10)
    image, label = data[0]
    assert image.shape == (3, 8, 6) and image.dtype == shendu.float32 and label == 0
    assert abs(float(image.numpy().mean()) - 20 / 255) < 0.01
    images, labels = next(iter(DataLoader(data, batch_size=5)))
    assert images.shape == (5, 3, 8, 6) and labels.numpy().tolist() == [0, 0, 0, 10, 10]
    gray = ImageFolder(folder, transform=T.Compose([T.Grayscale(), T.ToTensor()]))
    assert gray[0][0].shape == (1, 10, 12)


def test_is_valid_file_and_allow_empty(folder: Path) -> None:
    only_png = ImageFolder(folder, is_valid_file=lambda p: p.endswith(".png"))
    assert [os.path.basename(p) for p, _ in only_png.samples] == ["2.png", "0.png", "b.png"]
    (folder / "empty").mkdir()
    with pytest.raises(ImageFolderError, match=r"ImageFolder: no files in the class folder '.*empty' \(accepted"):
        ImageFolder(folder)
    assert ImageFolder(folder, allow_empty=True).classes == ["cat", "dog", "empty"]
    with pytest.raises(ValueError, match="pass exactly one of extensions and is_valid_file"):
        DatasetFolder(folder, pil_loader, extensions=(".png",), is_valid_file=bool)


def test_folder_errors_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(ImageFolderError, match=r"the dataset folder '.*missing' does not exist"):
        ImageFolder(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ImageFolderError, match="is not a folder"):
        ImageFolder(tmp_path / "file")
    write_image(tmp_path / "flat" / "a.png")
    with pytest.raises(ImageFolderError, match=r"found no class folders in '.*flat'; put each class's files"):
        ImageFolder(tmp_path / "flat")
    (tmp_path / "two" / "a").mkdir(parents=True)
    (tmp_path / "two" / "b").mkdir()
    with pytest.raises(ImageFolderError, match=r"no files in the class folders '.*a', '.*b'"):
        ImageFolder(tmp_path / "two")
    assert issubclass(ImageFolderError, FileNotFoundError)


def test_unreadable_files_name_the_path(folder: Path) -> None:
    (folder / "cat" / "2.png").write_bytes(b"garbage, not a PNG")
    data = ImageFolder(folder)
    with pytest.raises(ImageFileError, match=r"open_image: '.*cat/2.png' is not an image file Pillow can read"):
        data[1]
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(folder / "dog" / "b.png")
    good = (folder / "dog" / "b.png").read_bytes()
    (folder / "dog" / "b.png").write_bytes(good[: len(good) * 2 // 3])
    with pytest.raises(ImageFileError, match=r"pil_loader: cannot decode '.*dog/b.png'"):
        data[4]
    (folder / "dog" / "a.jpg").write_bytes(b"")
    with pytest.raises(ImageFileError, match=r"'.*dog/a.jpg' is not an image file"):
        data[3]
    assert issubclass(ImageFileError, OSError)


def test_unopenable_path(tmp_path: Path) -> None:
    (tmp_path / "folder.png").mkdir()
    with pytest.raises(ImageFileError, match=r"open_image: cannot open '.*folder.png': Is a directory"):
        open_image(tmp_path / "folder.png")
    with pytest.raises(ImageFileError, match=r"open_image: cannot open '.*gone.png': No such file or directory"):
        pil_loader(tmp_path / "gone.png")


def test_decompression_bomb_is_an_error_before_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_image(tmp_path / "big.png", size=(64, 64))
    # Over Pillow's limit (a warning in Pillow) and over twice the limit (an error in Pillow): both are errors here.
    for limit in (3000, 1000):
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", limit)
        with pytest.raises(ImageFileError, match=r"open_image: '.*big.png' has too many pixels to decode safely"):
            open_image(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 5000)
    assert open_image(path).size == (64, 64)


def test_resize_and_grayscale() -> None:
    wide = Image.new("RGB", (100, 50))
    assert T.Resize((32, 48))(wide).size == (48, 32)
    assert T.Resize(25)(wide).size == (50, 25)
    assert T.Resize(25)(Image.new("RGB", (50, 100))).size == (25, 50)
    assert T.Resize(10, interpolation=Image.Resampling.NEAREST)(wide).size == (20, 10)
    assert T.Grayscale()(wide).mode == "L" and T.Grayscale(3)(wide).mode == "RGB"
    assert repr(T.Resize((2, 3))) == "Resize(size=(2, 3))" and repr(T.Grayscale()) == "Grayscale(num_output_channels=1)"
    with pytest.raises(TypeError, match=r"Resize: expected a PIL image, got Tensor; put Resize before ToTensor\(\)"):
        T.Resize(4)(shendu.zeros(3, 8, 8))
    with pytest.raises(ValueError, match="Resize: size must be a positive int or"):
        T.Resize((0, 3))
    with pytest.raises(ValueError, match="Grayscale: num_output_channels must be 1 or 3, got 2"):
        T.Grayscale(2)
