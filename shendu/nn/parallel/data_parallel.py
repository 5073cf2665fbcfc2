"""``DataParallel`` and ``data_parallel``: PyTorch's single-process wrapper, on the devices shendu has.

PyTorch's ``DataParallel`` splits each batch across the GPUs of one process. On a machine without a
GPU it simply calls the wrapped module, and that is what shendu's does too: programs written for it
run unchanged, and their state dicts carry the ``module.`` prefix, as PyTorch's do. With a GPU (CuPy),
the inputs move to ``device_ids[0]`` and the module runs there. shendu does not split a batch across
several GPUs in one process; ``DistributedDataParallel`` (one process per GPU) is the way to use several,
as PyTorch itself recommends.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from ... import backend as _backend
from ...errors import DeviceError
from ...tensor import Tensor
from ..module import Module

__all__ = ["DataParallel", "data_parallel"]


def _gpu_ids(op: str, device_ids: Sequence[int | str | _backend.device] | None) -> list[int]:
    """The GPU indices to use: all of them by default; none on a machine without a GPU."""
    if not _backend.is_available():
        return []
    if device_ids is None:
        return list(range(_backend.device_count()))
    ids = []
    for d in device_ids:
        index = d if isinstance(d, int) else _backend.as_device(d, op).index or 0
        if not 0 <= index < _backend.device_count():
            raise DeviceError(f"{op}: cuda:{index} was requested but {_backend.device_count()} GPU(s) are visible")
        ids.append(index)
    return ids


def _move(value: Any, device: _backend.device) -> Any:
    """Tensors inside ``value`` (nested tuples, lists and dicts) moved to ``device``."""
    if isinstance(value, Tensor):
        return value.to(device)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_move(v, device) for v in value))
    if isinstance(value, (tuple, list)):
        return type(value)(_move(v, device) for v in value)
    if isinstance(value, dict):
        return {k: _move(v, device) for k, v in value.items()}
    return value


def _check_on(op: str, module: Module, device: _backend.device) -> None:
    for t in (*module.parameters(), *module.buffers()):
        if t.device != device:
            raise DeviceError(
                f"{op}: the module must have its parameters and buffers on {device} (device_ids[0]), but found "
                f"one on {t.device}; call module.to('{device}') first"
            )


def _warn_single_gpu(op: str, ids: list[int]) -> None:
    if len(ids) > 1:
        warnings.warn(
            f"{op}: shendu runs the module on cuda:{ids[0]} only, not split across the {len(ids)} GPUs given; "
            "use DistributedDataParallel (one process per GPU) to train on several",
            UserWarning,
            stacklevel=3,
        )


class DataParallel(Module):
    """Wraps a module as PyTorch's ``DataParallel`` does; the wrapped module is ``self.module``.

    Without a GPU, calling the wrapper calls the module. With one, the inputs move to ``device_ids[0]``
    (where the module's parameters must be) and the outputs to ``output_device``. A batch is never split
    across several GPUs (a warning says so when several are given).

    Args:
        module: the module to wrap.
        device_ids: the GPUs to use. Default: None (every visible GPU; none on a CPU-only machine).
        output_device: where the outputs go. Default: ``device_ids[0]``.
        dim: the batch dim PyTorch would split. Default: 0.

    Example:
        >>> model = nn.DataParallel(nn.Linear(4, 2))
        >>> model(shendu.zeros(3, 4)).shape
        shendu.Size([3, 2])
        >>> list(model.state_dict())
        ['module.weight', 'module.bias']
    """

    def __init__(
        self,
        module: Module,
        device_ids: Sequence[int | str | _backend.device] | None = None,
        output_device: int | str | _backend.device | None = None,
        dim: int = 0,
    ) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: expected a Module to wrap, got {type(module).__name__}")
        self.module = module
        self.device_ids = _gpu_ids("DataParallel", device_ids)
        if not self.device_ids:
            return
        self.dim = dim
        if output_device is None:
            output_device = self.device_ids[0]
        self.output_device = output_device
        self.src_device_obj = _backend.device("cuda", self.device_ids[0])
        _warn_single_gpu("DataParallel", self.device_ids)

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        _check_on("DataParallel", self.module, self.src_device_obj)
        out = self.module(*_move(inputs, self.src_device_obj), **_move(kwargs, self.src_device_obj))
        return _move(out, _output_device(self.output_device))


def _output_device(value: int | str | _backend.device) -> _backend.device:
    if isinstance(value, int):
        return _backend.CPU if value == -1 else _backend.device("cuda", value)
    return _backend.as_device(value, "DataParallel")


def data_parallel(
    module: Module,
    inputs: Any,
    device_ids: Sequence[int | str | _backend.device] | None = None,
    output_device: int | str | _backend.device | None = None,
    dim: int = 0,
    module_kwargs: dict[str, Any] | None = None,
) -> Any:
    """``module(*inputs, **module_kwargs)`` as ``DataParallel`` runs it (the functional form).

    Without a GPU the module runs on the CPU (PyTorch raises there instead); with one, on ``device_ids[0]``.

    Args:
        module: the module to run.
        inputs: one input, or a tuple of positional inputs.
        device_ids: the GPUs to use. Default: None (every visible GPU).
        output_device: where the outputs go; -1 is the CPU. Default: ``device_ids[0]``.
        dim: the batch dim PyTorch would split. Default: 0.
        module_kwargs: keyword arguments for the module. Default: None.

    Example:
        >>> nn.parallel.data_parallel(nn.Linear(4, 2), shendu.zeros(3, 4)).shape
        shendu.Size([3, 2])
    """
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    kwargs = module_kwargs or {}
    ids = _gpu_ids("data_parallel", device_ids)
    if not ids:
        return module(*inputs, **kwargs)
    _warn_single_gpu("data_parallel", ids)
    source = _backend.device("cuda", ids[0])
    _check_on("data_parallel", module, source)
    out = module(*_move(inputs, source), **_move(kwargs, source))
    return _move(out, _output_device(ids[0] if output_device is None else output_device))
