"""Your own images for ``shendu train --data DIR``: decoded once, resized to one square size, split.

Every image is read through ``ImageFolder``'s checks, converted to one mode (grayscale when
every file is grayscale, RGB otherwise) and resized to ``size x size`` without keeping the
aspect ratio (as Keras' ``image_dataset_from_directory`` does by default). ``shendu predict``
prepares an image with the same function, so training and prediction see the same pixels.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._text import count
from ..datasets.folder import ImageFileError, ImageFolder, eight_bit, open_image
from ..errors import ShenduError
from ..random import Generator
from ..tensor import Tensor
from ..utils.data import Dataset, random_split

__all__ = ["FolderDataError", "ImageArrays", "decode_folder", "folder_mode", "folder_splits", "load_pixels"]

# Pillow modes whose pixels carry no colour.
_GRAY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
# Decoded images are kept in memory as uint8; beyond this a smaller --image-size is the fix.
_MAX_BYTES = 4 << 30


class FolderDataError(ShenduError, ValueError):
    """A folder of images that cannot be trained on as asked (too few images to split, too many to hold)."""


def folder_mode(paths: Sequence[str]) -> str:
    """``"L"`` when every image is grayscale, else ``"RGB"``; reads only the headers, checking each."""
    for path in paths:
        with open_image(path) as image:
            if image.mode not in _GRAY_MODES:
                return "RGB"
    return "L"


def load_pixels(path: str | os.PathLike[str], size: int, mode: str) -> np.ndarray:
    """One image as uint8 (C, size, size): checked, scaled to 8 bits, converted to ``mode``, resized (bilinear)."""
    from PIL import Image

    image = open_image(path)
    try:
        with image:
            # A JPEG decodes directly at a reduced scale when that still leaves at least size x size.
            image.draft(mode, (size, size))
            pixels = np.asarray(eight_bit(image).convert(mode).resize((size, size), Image.Resampling.BILINEAR))
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageFileError(f"load_pixels: cannot decode {os.fspath(path)!r}: {exc}") from None
    return pixels[None] if pixels.ndim == 2 else np.ascontiguousarray(pixels.transpose(2, 0, 1))


class ImageArrays(Dataset[tuple[Tensor, int]]):
    """Decoded images (N, C, H, W) uint8 with their labels; samples are float32 in [0, 1].

    Args:
        images: the uint8 pixels.
        targets: the class index of each image.
        transform: applied to one image (C, H, W) or, through a DataLoader, a whole batch. Default: None.
    """

    def __init__(
        self, images: np.ndarray, targets: np.ndarray, transform: Callable[[Tensor], Tensor] | None = None
    ) -> None:
        self.images, self.targets, self.transform = images, targets, transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[Tensor, int]:
        image = Tensor._make(self.images[index].astype(np.float32) * np.float32(1 / 255))
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.targets[index])

    def get_batch(self, indices: np.ndarray) -> tuple[Tensor, Tensor]:
        """Images (N, C, H, W) float32 in [0, 1] and labels (N,), in one indexing step."""
        images = Tensor._make(self.images[indices].astype(np.float32) * np.float32(1 / 255))
        if self.transform is not None:
            images = self.transform(images)
        return images, Tensor._make(self.targets[indices])


def decode_folder(
    root: str | os.PathLike[str], size: int, mode: str | None = None, progress: bool = False
) -> tuple[ImageArrays, list[str], str]:
    """Every image under ``root`` decoded at ``size``, its class names, and the mode used."""
    folder = ImageFolder(root)
    paths = [path for path, _ in folder.samples]
    mode = mode or folder_mode(paths)
    channels = 1 if mode == "L" else 3
    needed = len(paths) * channels * size * size
    if needed > _MAX_BYTES:
        raise FolderDataError(
            f"the {count(len(paths), 'image')} of {os.fspath(root)!r} take {needed / 2**30:.1f} GiB at "
            f"{size}x{size}x{channels}; pass a smaller --image-size"
        )
    from tqdm.auto import tqdm

    images = np.empty((len(paths), channels, size, size), dtype=np.uint8)
    for i, path in enumerate(tqdm(paths, desc="decoding images", unit="image", disable=not progress, leave=False)):
        images[i] = load_pixels(path, size, mode)
    return ImageArrays(images, np.asarray(folder.targets, dtype=np.int64)), folder.classes, mode


def folder_splits(
    root: str | os.PathLike[str],
    size: int,
    val_split: float,
    augment: Callable[[Tensor], Tensor] | None = None,
    progress: bool = False,
) -> tuple[Any, Any, list[str], str]:
    """Training and validation subsets of the images under ``root`` (a fixed random split).

    Returns:
        ``(train, val, classes, mode)``; ``augment`` applies to the training subset only.
    """
    # Listing the classes is cheap; decoding every image of a one-class folder first is not.
    classes = ImageFolder(root).classes
    if len(classes) < 2:
        raise FolderDataError(
            f"{os.fspath(root)!r} holds one class folder ({classes[0]!r}); a classifier needs at least two, "
            "one folder per class (root/cat/1.png, root/dog/2.png)"
        )
    data, classes, mode = decode_folder(root, size, progress=progress)
    n_val = round(len(data) * val_split)
    if n_val < 1 or n_val >= len(data):
        raise FolderDataError(
            f"a validation share of {val_split} of the {count(len(data), 'image')} in {os.fspath(root)!r} leaves "
            f"{n_val} for validation and {len(data) - n_val} for training; both need at least one"
        )
    train, val = random_split(data, [len(data) - n_val, n_val], generator=Generator().manual_seed(1234))
    if augment is not None:
        train = type(train)(ImageArrays(data.images, data.targets, augment), train.indices)
    return train, val, classes, mode
