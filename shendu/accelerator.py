"""``shendu.accelerator``: which accelerator this process can use, in PyTorch's device-neutral names.

shendu's one accelerator is an NVIDIA GPU through CuPy, so these answer for CUDA: on a machine
without CuPy or a GPU, ``is_available()`` is False, ``current_accelerator()`` is None and
``device_count()`` is 0, as in PyTorch on a CPU-only machine.

Example:
    >>> device = shendu.accelerator.current_accelerator() or shendu.device("cpu")
    >>> shendu.zeros(2, device=device).shape
    shendu.Size([2])
"""

from __future__ import annotations

from typing import Any

from . import backend as _backend
from .errors import DeviceError

__all__ = [
    "current_accelerator",
    "current_device_idx",
    "current_device_index",
    "device_count",
    "is_available",
    "set_device_idx",
    "set_device_index",
    "synchronize",
]


def is_available() -> bool:
    """Whether an accelerator (a CUDA GPU that CuPy can use) is available."""
    return _backend.is_available()


def device_count() -> int:
    """The number of accelerator devices (CUDA GPUs that CuPy sees); 0 without one."""
    return _backend.device_count()


def current_accelerator(check_available: bool = False) -> _backend.device | None:
    """The accelerator's device type, ``device(type='cuda')``, or None when there is none.

    Args:
        check_available: accepted for PyTorch's signature; shendu's only accelerator is reported only
            when it is usable, so the answer is the same either way. Default: False.
    """
    return _backend.device("cuda") if _backend.is_available() else None


def _require(op: str) -> Any:
    """CuPy, or a DeviceError naming the call when there is no accelerator."""
    if not _backend.is_available():
        raise DeviceError(
            f"accelerator.{op}: no accelerator is available ({_backend.unavailable_reason()}); "
            "check shendu.accelerator.is_available() first"
        )
    return _backend.require_cuda(f"accelerator.{op}")


def current_device_index() -> int:
    """The index of the current GPU; raises DeviceError without an accelerator, as PyTorch does."""
    return int(_require("current_device_index").cuda.runtime.getDevice())


def set_device_index(device: int | str | _backend.device) -> None:
    """Make GPU ``device`` the current one (an index, ``"cuda:N"`` or a ``shendu.device``)."""
    cp = _require("set_device_index")
    if not isinstance(device, int):
        device = _backend.as_device(device, "accelerator.set_device_index").index or 0
    count = cp.cuda.runtime.getDeviceCount()
    if not 0 <= device < count:
        raise DeviceError(f"accelerator.set_device_index: cuda:{device} was requested but {count} GPU(s) are visible")
    cp.cuda.runtime.setDevice(device)


def synchronize(device: int | str | _backend.device | None = None) -> None:
    """Wait until every kernel queued on the GPU (the current one, or ``device``) has finished."""
    cp = _require("synchronize")
    index = device if isinstance(device, int) or device is None else _backend.as_device(device, "synchronize").index
    with cp.cuda.Device(index if index is not None else cp.cuda.runtime.getDevice()):
        cp.cuda.get_current_stream().synchronize()


current_device_idx = current_device_index
set_device_idx = set_device_index
