"""Questions PyTorch code asks about a value: ``is_tensor``, ``numel``, ``is_floating_point``."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor

__all__ = ["is_floating_point", "is_tensor", "numel"]


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a shendu Tensor (a Parameter counts).

    Example:
        >>> shendu.is_tensor(shendu.zeros(2)), shendu.is_tensor([0.0, 0.0])
        (True, False)
    """
    return isinstance(obj, Tensor)


def _tensor(op: str, input: Any) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    return input


def numel(input: Tensor) -> int:
    """The number of elements: ``input.numel()``.

    Example:
        >>> shendu.numel(shendu.zeros(2, 3))
        6
    """
    return _tensor("numel", input).numel()


def is_floating_point(input: Tensor) -> bool:
    """Whether ``input`` has a floating-point dtype: ``input.is_floating_point()``.

    Example:
        >>> shendu.is_floating_point(shendu.tensor([1, 2]))
        False
    """
    return _tensor("is_floating_point", input).is_floating_point()
