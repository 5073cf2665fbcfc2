"""Image transforms that work on one image (C, H, W) or a whole batch (N, C, H, W) at once.

Batches from shendu's datasets arrive already stacked, so each transform draws
its random choices for the whole batch in one go (one flip decision per image,
one crop offset per image) instead of running once per sample. The flips and crops
also take a PIL image, as torchvision's do, so that a pipeline written for
``ImageFolder`` (``Resize``, ``RandomCrop``, ``RandomHorizontalFlip``, then ``ToTensor``)
runs in torchvision's order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._checks import is_int
from ..backend import get_array_module
from ..errors import ShapeError
from ..random import Generator, numpy_generator
from ..tensor import Tensor

__all__ = [
    "CenterCrop",
    "Compose",
    "Grayscale",
    "Normalize",
    "RandomCrop",
    "RandomErasing",
    "RandomHorizontalFlip",
    "Resize",
    "ToTensor",
]


def _batched(op: str, image: Tensor) -> tuple[Any, bool]:
    if not isinstance(image, Tensor):
        raise TypeError(
            f"{op}: expected a tensor image (C, H, W) or batch (N, C, H, W), got {type(image).__name__}; "
            f"put {op} after ToTensor() in Compose"
        )
    array = image._array
    if array.ndim == 3:
        return array[None], True
    if array.ndim == 4:
        return array, False
    raise ShapeError(
        f"{op}: expected an image (C, H, W) or a batch (N, C, H, W), got shape {tuple(image.shape)}"
        + ("; add a channel dimension with .unsqueeze(0)" if array.ndim == 2 else "")
    )


def _result(array: Any, single: bool) -> Tensor:
    return Tensor._make(array[0] if single else array)


class Compose:
    """Apply transforms one after another."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, image: Any) -> Any:
        for t in self.transforms:
            image = t(image)
        return image

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"Compose({inner}\n)"


class ToTensor:
    """Turn a PIL image or an (H, W) or (H, W, C) array into a float32 (C, H, W) tensor.

    As in torchvision: uint8 values (and PIL's 8-bit modes) are divided by 255 into [0, 1], a
    1-bit image gives 0 and 1, other dtypes keep their values. A tensor is only cast to float32.
    """

    def __call__(self, image: Any) -> Tensor:
        if isinstance(image, Tensor):
            return Tensor._make(image._array.astype(np.float32, copy=False))
        array = np.asarray(image)
        if array.ndim not in (2, 3):
            raise ShapeError(f"ToTensor: expected an image (H, W) or (H, W, C), got shape {array.shape}")
        array = array[None] if array.ndim == 2 else np.moveaxis(array, -1, 0)
        if array.dtype == np.uint8:
            return Tensor._make(array.astype(np.float32) / np.float32(255))
        return Tensor._make(np.ascontiguousarray(array, dtype=np.float32))

    def __repr__(self) -> str:
        return "ToTensor()"


def _is_pil(image: Any) -> bool:
    return not isinstance(image, Tensor) and hasattr(image, "resize") and hasattr(image, "convert")


def _pil_image(op: str, image: Any) -> Any:
    if not _is_pil(image):
        raise TypeError(
            f"{op}: expected a PIL image, got {type(image).__name__}; put {op} before ToTensor() in Compose"
        )
    return image


class Resize:
    """Resize a PIL image, as ``ImageFolder`` loads it (before ``ToTensor``).

    Args:
        size: ``(height, width)`` to resize to exactly, or one int: the shorter side becomes
            ``size`` and the longer keeps the aspect ratio.
        interpolation: Pillow's resampling filter. Default: ``PIL.Image.Resampling.BILINEAR``
            (antialiased when shrinking).

    Example:
        >>> from PIL import Image
        >>> from shendu.datasets import transforms as T
        >>> T.Resize((32, 48))(Image.new("RGB", (100, 50))).size  # Pillow gives (width, height)
        (48, 32)
        >>> T.Resize(25)(Image.new("RGB", (100, 50))).size
        (50, 25)
    """

    def __init__(self, size: int | Sequence[int], interpolation: Any = None) -> None:
        sizes = (size,) if isinstance(size, int) else tuple(size)
        if len(sizes) not in (1, 2) or not all(is_int(s, numpy=False) and s > 0 for s in sizes):
            raise ValueError(f"Resize: size must be a positive int or (height, width) of positive ints, got {size!r}")
        self.size = size if isinstance(size, int) else sizes
        self.interpolation = interpolation

    def __call__(self, image: Any) -> Any:
        image = _pil_image("Resize", image)
        if isinstance(self.size, int):
            width, height = image.size
            short, long = sorted((width, height))
            other = max(1, round(long * self.size / short))
            target = (self.size, other) if width <= height else (other, self.size)
        else:
            target = (self.size[1], self.size[0])
        if self.interpolation is None:
            from PIL import Image

            return image.resize(target, Image.Resampling.BILINEAR)
        return image.resize(target, self.interpolation)

    def __repr__(self) -> str:
        return f"Resize(size={self.size})"


class Grayscale:
    """Convert a PIL image to grayscale (luma), with 1 channel or the gray copied into 3.

    Args:
        num_output_channels: 1 or 3. Default: 1.
    """

    def __init__(self, num_output_channels: int = 1) -> None:
        if num_output_channels not in (1, 3):
            raise ValueError(f"Grayscale: num_output_channels must be 1 or 3, got {num_output_channels!r}")
        self.num_output_channels = num_output_channels

    def __call__(self, image: Any) -> Any:
        gray = _pil_image("Grayscale", image).convert("L")
        return gray if self.num_output_channels == 1 else gray.convert("RGB")

    def __repr__(self) -> str:
        return f"Grayscale(num_output_channels={self.num_output_channels})"


class Normalize:
    """Subtract a per-channel mean and divide by a per-channel standard deviation.

    Args:
        mean: one value per channel (or one for all).
        std: one value per channel (or one for all).
    """

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float) -> None:
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float32))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float32))
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std must be nonzero, got {self.std.tolist()}")

    def __call__(self, image: Tensor) -> Tensor:
        array, single = _batched("Normalize", image)
        channels = array.shape[1]
        if len(self.mean) not in (1, channels) or len(self.std) not in (1, channels):
            raise ShapeError(
                f"Normalize: got {len(self.mean)} means and {len(self.std)} stds for an image with {channels} channels"
            )
        xp = get_array_module(array)
        mean = xp.asarray(self.mean).reshape(1, -1, 1, 1)
        std = xp.asarray(self.std).reshape(1, -1, 1, 1)
        return _result(((array - mean) / std).astype(array.dtype, copy=False), single)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class RandomHorizontalFlip:
    """Mirror each image left-right with probability ``p`` (a tensor image or batch, or a PIL image).

    Args:
        p: the probability of flipping. Default: 0.5.
        generator: the source of randomness. Default: shendu's global generator.
    """

    def __init__(self, p: float = 0.5, generator: Generator | None = None) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}")
        self.p, self.generator = p, generator

    def __call__(self, image: Tensor) -> Tensor:
        if _is_pil(image):
            if numpy_generator(self.generator, "RandomHorizontalFlip").random() < self.p:
                from PIL import Image

                return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            return image
        array, single = _batched("RandomHorizontalFlip", image)
        flip = numpy_generator(self.generator, "RandomHorizontalFlip").random(array.shape[0]) < self.p
        xp = get_array_module(array)
        out = array.copy()
        chosen = xp.asarray(np.flatnonzero(flip))
        out[chosen] = array[chosen][..., ::-1]
        return _result(out, single)

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class RandomCrop:
    """Pad each image with zeros, then cut a ``size`` crop at a random place (tensors or a PIL image).

    Args:
        size: the crop's (height, width), or one int for a square.
        padding: zeros added on every side first. Default: 0.
        generator: the source of randomness. Default: shendu's global generator.
    """

    def __init__(self, size: int | Sequence[int], padding: int = 0, generator: Generator | None = None) -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        if padding < 0:
            raise ValueError(f"RandomCrop: padding must be >= 0, got {padding}")
        self.padding, self.generator = padding, generator

    def __call__(self, image: Tensor) -> Tensor:
        if _is_pil(image):
            return self._crop_pil(image)
        array, single = _batched("RandomCrop", image)
        xp = get_array_module(array)
        p = self.padding
        padded = xp.pad(array, ((0, 0), (0, 0), (p, p), (p, p))) if p else array
        n, c, h, w = padded.shape
        ch, cw = self._check_fits(h, w)
        rng = numpy_generator(self.generator, "RandomCrop")
        top = xp.asarray(rng.integers(0, h - ch + 1, size=n))
        left = xp.asarray(rng.integers(0, w - cw + 1, size=n))
        rows = (top[:, None] + xp.arange(ch))[:, None, :, None]
        cols = (left[:, None] + xp.arange(cw))[:, None, None, :]
        out = padded[xp.arange(n)[:, None, None, None], xp.arange(c)[None, :, None, None], rows, cols]
        return _result(out, single)

    def _check_fits(self, h: int, w: int) -> tuple[int, int]:
        ch, cw = self.size
        if ch > h or cw > w:
            raise ShapeError(f"RandomCrop: crop size {self.size} is larger than the padded image ({h}, {w})")
        return ch, cw

    def _crop_pil(self, image: Any) -> Any:
        width, height = image.size
        p = self.padding
        ch, cw = self._check_fits(height + 2 * p, width + 2 * p)
        rng = numpy_generator(self.generator, "RandomCrop")
        top = int(rng.integers(0, height + 2 * p - ch + 1))
        left = int(rng.integers(0, width + 2 * p - cw + 1))
        # Pillow fills the part of a crop box outside the image with zeros: the padding.
        return image.crop((left - p, top - p, left - p + cw, top - p + ch))

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class CenterCrop:
    """Cut the central ``size`` crop of each image (a tensor image or batch, or a PIL image).

    As in torchvision, a crop larger than the image is padded with zeros around it.

    Args:
        size: the crop's (height, width), or one int for a square.

    Example:
        >>> from shendu.datasets import transforms as T
        >>> T.CenterCrop(2)(shendu.arange(16.0).reshape(1, 4, 4))
        tensor([[[ 5.,  6.],
                 [ 9., 10.]]])
    """

    def __init__(self, size: int | Sequence[int]) -> None:
        sizes = (size, size) if isinstance(size, int) else tuple(size)
        if len(sizes) != 2 or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in sizes):
            raise ValueError(
                f"CenterCrop: size must be a positive int or (height, width) of positive ints, got {size!r}"
            )
        self.size = sizes

    def _box(self, height: int, width: int) -> tuple[int, int]:
        ch, cw = self.size
        return round((height - ch) / 2.0), round((width - cw) / 2.0)

    def __call__(self, image: Any) -> Any:
        ch, cw = self.size
        if _is_pil(image):
            width, height = image.size
            top, left = self._box(height, width)
            return image.crop((left, top, left + cw, top + ch))
        array, single = _batched("CenterCrop", image)
        xp = get_array_module(array)
        h, w = array.shape[-2:]
        pad_h, pad_w = max(ch - h, 0), max(cw - w, 0)
        if pad_h or pad_w:
            array = xp.pad(array, ((0, 0), (0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2)))
            h, w = array.shape[-2:]
        top, left = self._box(h, w)
        return _result(array[..., top : top + ch, left : left + cw].copy(), single)

    def __repr__(self) -> str:
        return f"CenterCrop(size={self.size})"


class RandomErasing:
    """Blank out a random rectangle in each image with probability ``p`` (Zhong et al., 2017).

    Args:
        p: the probability of erasing. Default: 0.5.
        scale: the range of the rectangle's area as a share of the image. Default: (0.02, 0.33).
        ratio: the range of the rectangle's aspect ratio. Default: (0.3, 3.3).
        value: the fill value. Default: 0.
        generator: the source of randomness. Default: shendu's global generator.
    """

    def __init__(
        self,
        p: float = 0.5,
        scale: tuple[float, float] = (0.02, 0.33),
        ratio: tuple[float, float] = (0.3, 3.3),
        value: float = 0.0,
        generator: Generator | None = None,
    ) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomErasing: p must be in [0, 1], got {p}")
        if not (0 < scale[0] <= scale[1] <= 1) or not (0 < ratio[0] <= ratio[1]):
            raise ValueError(f"RandomErasing: expected 0 < scale <= 1 and 0 < ratio ranges, got {scale}, {ratio}")
        self.p, self.scale, self.ratio, self.value, self.generator = p, scale, ratio, value, generator

    def __call__(self, image: Tensor) -> Tensor:
        array, single = _batched("RandomErasing", image)
        n, _, h, w = array.shape
        rng = numpy_generator(self.generator, "RandomErasing")
        erase = rng.random(n) < self.p
        area = rng.uniform(*self.scale, size=n) * h * w
        log_ratio = rng.uniform(math.log(self.ratio[0]), math.log(self.ratio[1]), size=n)
        aspect = np.exp(log_ratio)
        eh = np.clip(np.round(np.sqrt(area * aspect)), 1, h).astype(np.int64)
        ew = np.clip(np.round(np.sqrt(area / aspect)), 1, w).astype(np.int64)
        top = (rng.random(n) * (h - eh + 1)).astype(np.int64)
        left = (rng.random(n) * (w - ew + 1)).astype(np.int64)
        rows, cols = np.arange(h), np.arange(w)
        mask = (
            erase[:, None, None]
            & (rows[None, :, None] >= top[:, None, None])
            & (rows[None, :, None] < (top + eh)[:, None, None])
            & (cols[None, None, :] >= left[:, None, None])
            & (cols[None, None, :] < (left + ew)[:, None, None])
        )
        xp = get_array_module(array)
        out = xp.where(xp.asarray(mask)[:, None], array.dtype.type(self.value), array)
        return _result(out, single)

    def __repr__(self) -> str:
        return f"RandomErasing(p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value})"
