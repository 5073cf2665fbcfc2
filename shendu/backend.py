"""Devices and array modules: the only place that imports CuPy.

A tensor's device is read off its array: a ``numpy.ndarray`` lives on the CPU,
a ``cupy.ndarray`` on the GPU it was allocated on. Ops ask ``get_array_module``
for the module to compute with, so one implementation serves both.
"""

from __future__ import annotations

import types

import numpy as np

from .errors import DeviceError

__all__ = ["device", "device_count", "device_of", "get_array_module", "is_available", "to_device"]

_cupy: types.ModuleType | None = None
_cupy_error: str | None = None

_INSTALL_HINT = (
    "install CuPy for your CUDA version, e.g. `pip install 'shendu[cuda]'` (CuPy for CUDA 12) "
    "or `pip install cupy-cuda11x`, on a machine with an NVIDIA GPU"
)


def _load_cupy() -> types.ModuleType | None:
    global _cupy, _cupy_error
    if _cupy is None and _cupy_error is None:
        try:
            import cupy

            if cupy.cuda.runtime.getDeviceCount() < 1:
                _cupy_error = "CuPy is installed but finds no CUDA GPU"
            else:
                _cupy = cupy
        except ImportError:
            _cupy_error = "CuPy is not installed"
        except Exception as exc:  # CuPy raises its own runtime errors when no driver is present
            _cupy_error = f"CuPy is installed but CUDA is unusable ({exc})"
    return _cupy


class device:  # noqa: N801 - lowercase, like torch.device
    """Where a tensor's data lives: ``device("cpu")``, ``device("cuda")`` or ``device("cuda:1")``.

    Args:
        type: ``"cpu"`` or ``"cuda"``, optionally with an index (``"cuda:0"``), or another device.
        index: the GPU index when ``type`` is ``"cuda"`` without one. Default: None (the current GPU, 0).

    As a context manager, ``with shendu.device("cuda"):`` makes it the default device of the
    factory functions (``tensor``, ``zeros``, ``randn``, ...) inside the block, as
    ``set_default_device`` does.

    Example:
        >>> shendu.device("cuda:1")
        device(type='cuda', index=1)
    """

    __slots__ = ("index", "type")

    def __init__(self, type: str | device, index: int | None = None) -> None:
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu' or 'cuda:0', got {type!r}")
        name, _, idx = type.partition(":")
        if name not in ("cpu", "cuda"):
            raise DeviceError(f"device: unknown device type {type!r}; expected 'cpu', 'cuda' or 'cuda:N'")
        if idx:
            if not idx.isdigit():
                raise DeviceError(f"device: bad device index in {type!r}; expected 'cuda:N' with N >= 0")
            if index is not None:
                raise DeviceError(f"device: {type!r} already has an index; do not pass index={index} as well")
            index = int(idx)
        if name == "cpu" and index not in (None, 0):
            raise DeviceError(f"device: the CPU has no index {index}")
        if index is not None and index < 0:
            raise DeviceError(f"device: device index must be >= 0, got {index}")
        self.type = name
        self.index = index if name == "cuda" else None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except DeviceError:
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self) -> int:
        return hash((self.type, self.index or 0))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __enter__(self) -> device:
        _outer_defaults.append(_default_device)
        set_default_device(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        set_default_device(_outer_defaults.pop())

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


CPU = device("cpu")
_default_device = CPU
# The defaults that enclosing ``with device(...)`` blocks restore on exit.
_outer_defaults: list[device] = []


def set_default_device(value: str | device | None) -> None:
    """Make ``value`` the device where factory functions create tensors when given no ``device``.

    Args:
        value: ``"cpu"``, ``"cuda[:N]"``, a ``device``, or None for the CPU.

    Example:
        >>> shendu.set_default_device("cuda")  # doctest: +REQUIRES_CUDA
        >>> shendu.zeros(2).device
        device(type='cuda', index=0)
    """
    global _default_device
    _default_device = CPU if value is None else as_device(value, "set_default_device")


def get_default_device() -> device:
    """The device factory functions use when given no ``device`` (the CPU unless changed)."""
    return _default_device


def is_available() -> bool:
    """Whether CuPy is installed and sees at least one CUDA GPU."""
    return _load_cupy() is not None


def unavailable_reason() -> str | None:
    """Why CUDA cannot be used (None when it can)."""
    return None if _load_cupy() is not None else _cupy_error


def device_count() -> int:
    """The number of CUDA GPUs CuPy sees (0 without CuPy)."""
    cp = _load_cupy()
    return 0 if cp is None else int(cp.cuda.runtime.getDeviceCount())


def require_cuda(op: str) -> types.ModuleType:
    """Return CuPy, or raise a DeviceError that says why CUDA is unusable and how to fix it."""
    cp = _load_cupy()
    if cp is None:
        raise DeviceError(f"{op}: CUDA was requested but {_cupy_error}; {_INSTALL_HINT}")
    return cp


def get_array_module(array: object) -> types.ModuleType:
    """Return ``numpy`` or ``cupy``, whichever owns ``array``."""
    if type(array) is np.ndarray or _cupy is None:
        return np
    return _cupy.get_array_module(array)


def device_of(array: object) -> device:
    """The device an array lives on."""
    if type(array) is np.ndarray or _cupy is None or not isinstance(array, _cupy.ndarray):
        return CPU
    return device("cuda", array.device.id)


def to_device(array: object, target: device, op: str = "to") -> object:
    """Copy ``array`` to ``target`` (returns the same array when it is already there)."""
    if target.type == "cpu":
        if type(array) is np.ndarray or _cupy is None or not isinstance(array, _cupy.ndarray):
            return array
        return _cupy.asnumpy(array)
    cp = require_cuda(op)
    index = target.index or 0
    count = cp.cuda.runtime.getDeviceCount()
    if index >= count:
        raise DeviceError(f"{op}: cuda:{index} was requested but only {count} GPU(s) are visible")
    if isinstance(array, cp.ndarray) and array.device.id == index:
        return array
    with cp.cuda.Device(index):
        return cp.asarray(array)


def as_device(value: str | device | None, op: str) -> device | None:
    """Parse a device argument, naming the op in any error."""
    if value is None or isinstance(value, device):
        return value
    try:
        return device(value)
    except (DeviceError, TypeError) as exc:
        raise type(exc)(f"{op}: {str(exc).removeprefix('device: ')}") from None
