"""``shendu.cuda``: whether a CUDA GPU is usable through CuPy."""

from __future__ import annotations

from .backend import device_count, is_available

__all__ = ["device_count", "is_available"]
