"""Tiny generated image folders (folder-per-class) for the ImageFolder and ``shendu train --data`` tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

COLORS = {"blue": (30, 30, 200), "green": (30, 200, 30), "red": (200, 30, 30)}


def write_color_folder(root: Path, per_class: int = 10, gray: bool = False, seed: int = 0) -> Path:
    """One class per colour, noisy images of varying sizes, PNG and JPEG alternating."""
    rng = np.random.default_rng(seed)
    for name, color in COLORS.items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            noise = rng.normal(0, 30, (14 + i % 5, 12 + i % 3, 3))
            pixels = np.clip(np.asarray(color)[None, None] + noise, 0, 255).astype(np.uint8)
            image = Image.fromarray(pixels)
            image = image.convert("L") if gray else image
            image.save(folder / f"{i:03d}.{'png' if i % 2 else 'jpg'}")
    return root
