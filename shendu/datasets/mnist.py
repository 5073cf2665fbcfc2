"""MNIST and Fashion-MNIST, read from local IDX files first."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..errors import ShenduError
from ..tensor import Tensor
from ..utils.data import Dataset
from .idx import read_idx

__all__ = ["MNIST", "DatasetNotFoundError", "FashionMNIST"]


class DatasetNotFoundError(ShenduError, FileNotFoundError):
    """A dataset's files are not on this machine and could not be downloaded."""


class MNIST(Dataset[tuple[Tensor, int]]):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28 pixels.

    Files are looked for, in order, in ``root``, in ``$SHENDU_DATA``, in the system folder
    (for Fashion-MNIST, Debian's ``dataset-fashion-mnist`` package), and finally downloaded
    from the dataset's official address (with ``download=True``) with a checksum check.

    Samples are ``(image, label)``: the image is a float32 tensor of shape (1, 28, 28) in
    [0, 1], passed through ``transform`` if one is given. Batches through a DataLoader are
    assembled in one vectorized step, and ``transform`` then receives the whole batch
    (N, 1, 28, 28); shendu's transforms accept both.

    Args:
        root: a folder holding the four ``*-idx?-ubyte[.gz]`` files. Default: None.
        train: the training split (else the test split). Default: True.
        transform: applied to images. Default: None.
        target_transform: applied to labels (per sample). Default: None.
        download: download the files into ``root`` (or ``$SHENDU_DATA``) when not found.
            Default: False.

    Attributes:
        data: uint8 tensor (N, 28, 28).
        targets: int64 tensor (N,).
        classes: the class names.
    """

    name = "mnist"
    system_folder: ClassVar[str | None] = None
    apt_package: ClassVar[str | None] = None
    mirrors: ClassVar[tuple[str, ...]] = ("https://ossci-datasets.s3.amazonaws.com/mnist/",)
    checksums: ClassVar[dict[str, str]] = {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }
    classes: ClassVar[list[str]] = [str(d) for d in range(10)]

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        train: bool = True,
        transform: Callable[[Tensor], Tensor] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
        download: bool = False,
    ) -> None:
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        prefix = "train" if train else "t10k"
        folder = self._locate(root, download)
        images = read_idx(self._file(folder, f"{prefix}-images-idx3-ubyte"), expected_ndim=3)
        labels = read_idx(self._file(folder, f"{prefix}-labels-idx1-ubyte"), expected_ndim=1)
        if len(images) != len(labels):
            raise ShenduError(f"{type(self).__name__}: {len(images)} images but {len(labels)} labels in {folder}")
        self.root = folder
        self.data = Tensor._make(images)
        self.targets = Tensor._make(labels.astype(np.int64))

    @staticmethod
    def _file(folder: Path, stem: str) -> Path:
        for candidate in (folder / f"{stem}.gz", folder / stem):
            if candidate.exists():
                return candidate
        return folder / f"{stem}.gz"

    def _has_files(self, folder: Path) -> bool:
        prefix = "train" if self.train else "t10k"
        return all(
            self._file(folder, f"{prefix}-{kind}").exists() for kind in ("images-idx3-ubyte", "labels-idx1-ubyte")
        )

    def _locate(self, root: str | os.PathLike[str] | None, download: bool) -> Path:
        candidates = []
        if root is not None:
            candidates += [Path(root), Path(root) / self.name]
        if os.environ.get("SHENDU_DATA"):
            candidates += [Path(os.environ["SHENDU_DATA"]) / self.name, Path(os.environ["SHENDU_DATA"])]
        if self.system_folder:
            candidates.append(Path(self.system_folder))
        for folder in candidates:
            if self._has_files(folder):
                return folder
        base = Path(root) if root is not None else Path(os.environ.get("SHENDU_DATA", "")) or None
        if download and base is not None and str(base):
            target = base / self.name
            self._download(target)
            return target
        raise DatasetNotFoundError(self._missing_message(candidates))

    def _missing_message(self, searched: list[Path]) -> str:
        looked = ", ".join(str(p) for p in searched) or "(nowhere: no root, $SHENDU_DATA unset)"
        how = []
        if self.apt_package:
            how.append(
                f"install it with `apt-get install -y {self.apt_package}` (puts the files in {self.system_folder})"
            )
        how.append(
            f"put the four files ({', '.join(self.checksums)}) in a folder and pass root=FOLDER or set SHENDU_DATA"
        )
        how.append("or pass download=True with root=FOLDER to fetch them from the official address")
        return f"{type(self).__name__}: the dataset files were not found (looked in {looked}); " + "; ".join(how)

    def _download(self, target: Path) -> None:
        from tqdm.auto import tqdm

        target.mkdir(parents=True, exist_ok=True)
        for filename, md5 in self.checksums.items():
            if (target / filename).exists():
                continue
            errors = []
            for mirror in self.mirrors:
                try:
                    with urllib.request.urlopen(mirror + filename, timeout=30) as response:
                        total = int(response.headers.get("Content-Length") or 0) or None
                        digest = hashlib.md5()
                        fd, tmp = tempfile.mkstemp(dir=target, suffix=".part")
                        with (
                            os.fdopen(fd, "wb") as out,
                            tqdm(total=total, unit="B", unit_scale=True, desc=filename) as bar,
                        ):
                            while chunk := response.read(1 << 16):
                                out.write(chunk)
                                digest.update(chunk)
                                bar.update(len(chunk))
                    if digest.hexdigest() != md5:
                        Path(tmp).unlink(missing_ok=True)
                        errors.append(f"{mirror}: checksum {digest.hexdigest()} != {md5}")
                        continue
                    shutil.move(tmp, target / filename)
                    break
                except (urllib.error.URLError, OSError) as exc:
                    errors.append(f"{mirror}: {exc}")
            else:
                raise DatasetNotFoundError(
                    f"{type(self).__name__}: could not download {filename} ({'; '.join(errors)}); "
                    + self._missing_message([target])
                )

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def __getitem__(self, index: int) -> tuple[Tensor, Any]:
        image = Tensor._make(self.data._array[index][None].astype(np.float32) / 255.0)
        if self.transform is not None:
            image = self.transform(image)
        label: Any = int(self.targets._array[index])
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    @property
    def batchable(self) -> bool:
        """Whether whole batches can be fetched at once (not with a per-sample target_transform)."""
        return self.target_transform is None

    def get_batch(self, indices: np.ndarray) -> tuple[Tensor, Tensor]:
        """Images (N, 1, 28, 28) float32 in [0, 1] and labels (N,), fetched with one indexing step."""
        images = Tensor._make(self.data._array[indices][:, None].astype(np.float32) * np.float32(1 / 255))
        if self.transform is not None:
            images = self.transform(images)
        return images, Tensor._make(self.targets._array[indices])

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """All images as float32 (N, 1, 28, 28) in [0, 1], and the labels, as NumPy arrays."""
        images = self.data._array[:, None].astype(np.float32)
        # In place: a second float32 copy of the training set would double the peak memory (188 MB more).
        images /= np.float32(255)
        return images, self.targets._array


class FashionMNIST(MNIST):
    """Fashion-MNIST: 70,000 28x28 grayscale images of clothing in 10 classes (Zalando, 2017).

    A drop-in replacement for MNIST with the same format and splits; arguments as in ``MNIST``.
    On Debian, ``apt-get install -y dataset-fashion-mnist`` puts the files where this loader
    looks by default.
    """

    name = "fashion-mnist"
    system_folder = "/usr/share/datasets/fashion-mnist"
    apt_package = "dataset-fashion-mnist"
    mirrors = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
    checksums: ClassVar[dict[str, str]] = {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    classes: ClassVar[list[str]] = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]
