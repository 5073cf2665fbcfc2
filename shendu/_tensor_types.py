"""PyTorch's legacy constructors: ``Tensor(*sizes)``, ``Tensor(data)`` and the typed ``FloatTensor`` family.

``shendu.Tensor(2, 3)`` is an uninitialised float32 tensor of shape (2, 3) (shendu fills it with zeros,
as ``shendu.empty`` does), ``shendu.Tensor([1, 2])`` a float32 tensor holding the values, and
``shendu.Tensor(t)`` a tensor sharing ``t``'s memory. ``FloatTensor``, ``DoubleTensor``, ``LongTensor``,
``IntTensor`` and ``BoolTensor`` follow the same rules with their own dtype; as in PyTorch they are not
subclasses of ``Tensor``: calling one returns a ``Tensor``, and ``isinstance(t, shendu.LongTensor)`` asks
whether ``t`` is an int64 tensor on the CPU.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _dtype
from .errors import ShapeError
from .tensor import Size, Tensor

__all__ = ["BoolTensor", "DoubleTensor", "FloatTensor", "IntTensor", "LongTensor", "construct"]


def _is_size_arg(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        # A 0-d integer array is a size, as NumPy integers are (PyTorch reads it through __index__).
        return value.ndim == 0 and value.dtype.kind in "iu"
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def construct(op: str, args: tuple[Any, ...], dtype: _dtype.dtype | None, device: Any) -> Tensor:
    """What ``Tensor(*args, device=device)`` (``dtype`` None) or a typed constructor (``dtype`` given) makes.

    The result shares memory with a tensor argument; with sizes or data it is new.
    """
    from .ops.creation import empty, tensor

    wanted = dtype or _dtype.get_default_dtype()
    if not args:
        return empty(0, dtype=wanted, device=device)
    if len(args) == 1 and isinstance(args[0], Tensor):
        return _alias(op, args[0], dtype, device)
    if len(args) == 1 and isinstance(args[0], Size):
        args = tuple(args[0])
    if all(_is_size_arg(a) for a in args):
        negative = [int(a) for a in args if a < 0]
        if negative:
            raise ShapeError(
                f"{op}: negative dimension {negative[0]} in size {tuple(int(a) for a in args)}; sizes must be >= 0"
            )
        return empty(*(int(a) for a in args), dtype=wanted, device=device)
    if len(args) == 1:
        data = args[0]
        if isinstance(data, (list, tuple, np.ndarray)):
            return tensor(data, dtype=wanted, device=device)
        if isinstance(data, (bool, int, float, np.generic)):
            raise TypeError(
                f"{op}: data must be a sequence, got {type(data).__name__} {data!r}; "
                f"use shendu.tensor({data!r}) for a 0-d tensor, or pass integer sizes"
            )
        raise TypeError(
            f"{op}: cannot make a tensor from {type(data).__name__}; expected sizes, a sequence or a tensor"
        )
    bad = next(a for a in args if not _is_size_arg(a))
    raise TypeError(
        f"{op}: with several arguments, each must be an integer size; got {type(bad).__name__} {bad!r} in {args!r}"
    )


def _alias(op: str, source: Tensor, dtype: _dtype.dtype | None, device: Any) -> Tensor:
    from . import backend as _backend

    if dtype is not None and source.dtype != dtype:
        raise TypeError(
            f"{op}: expected a tensor of dtype {dtype}, got {source.dtype}; convert it with tensor.to({dtype}) instead"
        )
    if device is not None and _backend.as_device(device, op) != source.device:
        raise TypeError(
            f"{op}: the tensor is on {source.device} but device={device!r} was given; move it with tensor.to(device)"
        )
    # A view of the whole tensor: it shares the memory and the version counter, and keeps the graph.
    return source[...]


class _TensorType(type):
    """The metaclass of the typed constructors: ``isinstance`` checks the dtype and the device."""

    dtype: _dtype.dtype

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor) and instance.dtype is cls.dtype and instance.device.type == "cpu"

    def __repr__(cls) -> str:
        return f"<class 'shendu.{cls.__name__}'>"


class _TypedTensor(metaclass=_TensorType):
    """Calling the class builds a ``Tensor`` of its dtype: ``LongTensor(3)``, ``LongTensor([1, 2])``."""

    def __new__(cls, *args: Any, device: Any = None) -> Tensor:  # type: ignore[misc]
        if device is not None and str(device) != "cpu":
            raise TypeError(
                f"{cls.__name__}: the legacy typed constructors make CPU tensors, got device={device!r}; "
                f"use shendu.tensor(data, dtype=shendu.{cls.dtype.name}, device=...)"
            )
        return construct(cls.__name__, args, cls.dtype, device)


class FloatTensor(_TypedTensor):
    """``FloatTensor(*sizes)`` or ``FloatTensor(data)``: a float32 CPU tensor (see ``shendu.Tensor``).

    Example:
        >>> shendu.FloatTensor([1, 2])
        tensor([1., 2.])
        >>> isinstance(shendu.zeros(2), shendu.FloatTensor)
        True
    """

    dtype = _dtype.float32


class DoubleTensor(_TypedTensor):
    """``DoubleTensor(*sizes)`` or ``DoubleTensor(data)``: a float64 CPU tensor.

    Example:
        >>> shendu.DoubleTensor(2, 3).dtype
        shendu.float64
    """

    dtype = _dtype.float64


class LongTensor(_TypedTensor):
    """``LongTensor(*sizes)`` or ``LongTensor(data)``: an int64 CPU tensor; floats are truncated.

    Example:
        >>> shendu.LongTensor([1.7, -2.5])
        tensor([ 1, -2])
    """

    dtype = _dtype.int64


class IntTensor(_TypedTensor):
    """``IntTensor(*sizes)`` or ``IntTensor(data)``: an int32 CPU tensor.

    Example:
        >>> shendu.IntTensor([3]).dtype
        shendu.int32
    """

    dtype = _dtype.int32


class BoolTensor(_TypedTensor):
    """``BoolTensor(*sizes)`` or ``BoolTensor(data)``: a bool CPU tensor.

    Example:
        >>> shendu.BoolTensor([1, 0])
        tensor([ True, False])
    """

    dtype = _dtype.bool
