"""Your own images: ``ImageFolder`` reads the folder-per-class layout that PyTorch uses.

::

    root/cat/001.png
    root/cat/002.jpg
    root/dog/kitchen.jpeg

Every file is checked before it is decoded: the header must be an image Pillow can read and
its pixel count must stay under Pillow's decompression-bomb limit, so that a hostile or broken
file fails with its path instead of exhausting memory.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ShenduError
from ..utils.data import Dataset

__all__ = [
    "IMG_EXTENSIONS",
    "DatasetFolder",
    "ImageFileError",
    "ImageFolder",
    "ImageFolderError",
    "default_loader",
    "eight_bit",
    "open_image",
    "pil_loader",
]

IMG_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".pgm", ".png", ".ppm", ".tif", ".tiff", ".webp")


class ImageFolderError(ShenduError, FileNotFoundError):
    """A dataset folder that is missing, has no class folders, or has a class folder without files."""


class ImageFileError(ShenduError, OSError):
    """An image file that cannot be opened, is not an image, is truncated, or has too many pixels."""


def _pillow() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("reading images needs Pillow: pip install 'shendu[images]'") from None
    return Image


def open_image(path: str | os.PathLike[str]) -> Any:
    """Open an image file and check its header, without decoding the pixels yet.

    The header must name a format Pillow reads, and the image must have at most
    ``PIL.Image.MAX_IMAGE_PIXELS`` pixels (Pillow's decompression-bomb limit; here an error,
    not a warning).

    Args:
        path: the image file.

    Returns:
        A lazily loaded ``PIL.Image.Image``: the pixels are read by ``load()`` or ``convert()``.

    Raises:
        ImageFileError: the file cannot be opened, is not an image, or is too large; the message
            names the path.
    """
    image_module = _pillow()
    name = os.fspath(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", image_module.DecompressionBombWarning)
            image = image_module.open(name)
    except (image_module.DecompressionBombWarning, image_module.DecompressionBombError) as exc:
        raise ImageFileError(f"open_image: {name!r} has too many pixels to decode safely ({exc})") from None
    except image_module.UnidentifiedImageError:
        raise ImageFileError(f"open_image: {name!r} is not an image file Pillow can read") from None
    except OSError as exc:
        raise ImageFileError(f"open_image: cannot open {name!r}: {exc.strerror or exc}") from None
    width, height = image.size
    if width < 1 or height < 1:
        image.close()
        raise ImageFileError(f"open_image: {name!r} has an empty size {width}x{height}")
    return image


# Pillow's modes of more than 8 bits per pixel, and the factor that maps each to 0..255: 16-bit
# values (PNG, TIFF) by 1/257, 32-bit integers as 16-bit ones (older Pillow opens 16-bit PNGs so),
# floating-point values as [0, 1]. Pillow's own convert() clips them at 255 instead.
_HIGH_DEPTH_SCALE = {"I;16": 1 / 257, "I;16B": 1 / 257, "I;16L": 1 / 257, "I;16N": 1 / 257, "I": 1 / 257, "F": 255.0}


def eight_bit(image: Any) -> Any:
    """A 16-bit, 32-bit or floating-point grayscale image scaled to 8-bit ``"L"``; other images as they are.

    Pillow's ``convert("L")`` or ``convert("RGB")`` clips such values at 255, which turns a 16-bit
    image white; here 16-bit values are divided by 257 (65535 becomes 255) and floating-point
    values in [0, 1] are multiplied by 255.

    Example:
        >>> from PIL import Image
        >>> deep = Image.fromarray(np.array([[0, 32896, 65535]], dtype=np.uint16))
        >>> np.asarray(eight_bit(deep)).tolist()
        [[0, 128, 255]]
    """
    scale = _HIGH_DEPTH_SCALE.get(image.mode)
    if scale is None:
        return image
    values = np.rint(np.asarray(image, dtype=np.float64) * scale)
    return _pillow().fromarray(np.clip(np.nan_to_num(values), 0, 255).astype(np.uint8), "L")


def pil_loader(path: str | os.PathLike[str], mode: str = "RGB") -> Any:
    """Read an image file into a decoded ``PIL.Image.Image`` of the given mode.

    16-bit and floating-point grayscale images are scaled to 8 bits first (see ``eight_bit``).

    Args:
        path: the image file.
        mode: Pillow's mode to convert to, e.g. ``"RGB"`` or ``"L"`` (grayscale). Default: ``"RGB"``.

    Raises:
        ImageFileError: the file cannot be read or decoded (truncated, corrupt, too large).
    """
    image = open_image(path)
    try:
        with image:
            return eight_bit(image).convert(mode)
    except (OSError, ValueError, SyntaxError) as exc:
        # Pillow reports a truncated or corrupt stream as OSError, and some plugins as ValueError/SyntaxError.
        raise ImageFileError(f"pil_loader: cannot decode {os.fspath(path)!r}: {exc}") from None


def default_loader(path: str | os.PathLike[str]) -> Any:
    """The loader ``ImageFolder`` uses by default: ``pil_loader`` to RGB."""
    return pil_loader(path)


def _has_extension(name: str, extensions: Sequence[str]) -> bool:
    return name.lower().endswith(tuple(e.lower() for e in extensions))


def _walk_files(top: str) -> list[str]:
    """Every file under ``top``, following links to folders but entering each real folder once."""
    seen: set[str] = set()
    paths: list[tuple[str, str]] = []
    for folder, subfolders, files in os.walk(top, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            # A link back up the tree would otherwise make the walk endless.
            subfolders.clear()
            continue
        seen.add(real)
        paths += [(folder, file) for file in files]
    # Sorted by folder, then by file name, as torchvision orders its samples.
    return [os.path.join(folder, file) for folder, file in sorted(paths)]


class DatasetFolder(Dataset[tuple[Any, Any]]):
    """Samples stored as ``root/<class>/<file>``: one subfolder per class, in sorted order.

    Args:
        root: the folder that holds one subfolder per class.
        loader: reads one file into a sample.
        extensions: the file endings to take (case-insensitive); excludes ``is_valid_file``.
        transform: applied to each loaded sample. Default: None.
        target_transform: applied to each class index. Default: None.
        is_valid_file: decides which files to take; excludes ``extensions``. Default: None.
        allow_empty: accept class folders without any file. Default: False.

    Attributes:
        classes: the class names (subfolder names), sorted.
        class_to_idx: each class name's index.
        samples: ``(path, class_index)`` pairs, sorted by class and then by file name.
        targets: the class index of each sample.

    Raises:
        ImageFolderError: ``root`` is not a folder, holds no class folders, or a class folder
            holds no file with an accepted ending (unless ``allow_empty``).
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        loader: Callable[[str], Any],
        extensions: Sequence[str] | None = None,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ) -> None:
        name = type(self).__name__
        if (extensions is None) == (is_valid_file is None):
            raise ValueError(f"{name}: pass exactly one of extensions and is_valid_file")
        self.root = os.fspath(root)
        self.loader = loader
        self.extensions = tuple(extensions) if extensions is not None else None
        self.transform, self.target_transform = transform, target_transform
        classes, class_to_idx = self.find_classes(self.root)
        self.samples = self.make_dataset(self.root, class_to_idx, self.extensions, is_valid_file, allow_empty)
        self.classes, self.class_to_idx = classes, class_to_idx
        self.targets = [target for _, target in self.samples]

    def find_classes(self, directory: str | os.PathLike[str]) -> tuple[list[str], dict[str, int]]:
        """The class names (the subfolders of ``directory``, sorted) and their indices."""
        name = type(self).__name__
        folder = Path(directory)
        if not folder.is_dir():
            what = "does not exist" if not folder.exists() else "is not a folder"
            raise ImageFolderError(f"{name}: the dataset folder {str(folder)!r} {what}")
        with os.scandir(folder) as entries:
            classes = sorted(e.name for e in entries if e.is_dir() and not e.name.startswith("."))
        if not classes:
            raise ImageFolderError(
                f"{name}: found no class folders in {str(folder)!r}; put each class's files in their own "
                f"subfolder (root/cat/1.png, root/dog/2.png)"
            )
        return classes, {c: i for i, c in enumerate(classes)}

    @classmethod
    def make_dataset(
        cls,
        directory: str | os.PathLike[str],
        class_to_idx: dict[str, int],
        extensions: Sequence[str] | None = None,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ) -> list[tuple[str, int]]:
        """The ``(path, class_index)`` pairs under ``directory``, walking each class folder recursively."""
        if (extensions is None) == (is_valid_file is None):
            raise ValueError(f"{cls.__name__}.make_dataset: pass exactly one of extensions and is_valid_file")

        def accept(path: str) -> bool:
            return _has_extension(path, extensions) if extensions is not None else bool(is_valid_file(path))  # type: ignore[misc]

        samples: list[tuple[str, int]] = []
        empty = []
        for class_name in sorted(class_to_idx, key=class_to_idx.__getitem__):
            class_dir = os.path.join(os.fspath(directory), class_name)
            found = [path for path in _walk_files(class_dir) if accept(path)]
            if not found:
                empty.append(class_name)
            samples += [(path, class_to_idx[class_name]) for path in found]
        if empty and not allow_empty:
            endings = f" (accepted endings: {', '.join(extensions)})" if extensions is not None else ""
            raise ImageFolderError(
                f"{cls.__name__}: no files in the class folder{'s' if len(empty) > 1 else ''} "
                f"{', '.join(repr(os.path.join(os.fspath(directory), c)) for c in empty)}{endings}; "
                f"remove the folder or add its images"
            )
        return samples

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def __repr__(self) -> str:
        lines = [f"Number of datapoints: {len(self)}", f"Root location: {self.root}"]
        if self.transform is not None:
            lines.append(f"Transform: {self.transform!r}")
        if self.target_transform is not None:
            lines.append(f"Target transform: {self.target_transform!r}")
        return f"Dataset {type(self).__name__}\n" + "\n".join("    " + line for line in lines)


class ImageFolder(DatasetFolder):
    """Images stored as ``root/<class>/<image>``, as in ``torchvision.datasets.ImageFolder``.

    Each sample is ``(image, class_index)``; the image is a ``PIL.Image.Image`` in RGB unless a
    ``transform`` turns it into something else (``transforms.ToTensor()`` gives a float32
    (C, H, W) tensor in [0, 1]). Files are opened only when a sample is read, and each header
    is checked before its pixels are decoded (see ``open_image``).

    Args:
        root: the folder that holds one subfolder per class.
        transform: applied to each image, e.g. ``Compose([Resize(64), ToTensor()])``. Default: None.
        target_transform: applied to each class index. Default: None.
        loader: reads one file. Default: ``default_loader`` (RGB through Pillow).
        is_valid_file: decides which files to take instead of ``IMG_EXTENSIONS``. Default: None.
        allow_empty: accept class folders without images. Default: False.

    Attributes:
        classes: the class names (subfolder names), sorted.
        class_to_idx: each class name's index.
        samples: ``(path, class_index)`` pairs (also as ``imgs``).
        targets: the class index of each sample.

    Raises:
        ImageFolderError: ``root`` is missing, has no class folders, or a class folder has no images.
        ImageFileError: when a sample is read, if its file cannot be read or decoded (names the path).

    Example:
        >>> from shendu.datasets import ImageFolder, transforms as T
        >>> data = ImageFolder("photos", transform=T.Compose([T.Resize((64, 64)), T.ToTensor()]))  # doctest: +SKIP
        >>> image, label = data[0]  # doctest: +SKIP
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
        loader: Callable[[str], Any] = default_loader,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ) -> None:
        super().__init__(
            root,
            loader,
            IMG_EXTENSIONS if is_valid_file is None else None,
            transform=transform,
            target_transform=target_transform,
            is_valid_file=is_valid_file,
            allow_empty=allow_empty,
        )

    @property
    def imgs(self) -> list[tuple[str, int]]:
        """The ``(path, class_index)`` pairs, as ``samples``."""
        return self.samples
