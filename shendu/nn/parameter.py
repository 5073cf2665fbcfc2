"""Parameter: a tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend as _backend
from ..tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A tensor that is a module's learnable weight: assigning one to a Module attribute registers it.

    The Parameter wraps the data of ``data`` without copying it and is a leaf that requires grad.
    Results of ops on a Parameter are plain tensors.

    Args:
        data: a tensor (or array-like) holding the initial values. Default: an empty float tensor.
        requires_grad: whether the parameter takes gradients. Default: True.

    Example:
        >>> w = nn.Parameter(shendu.zeros(2))
        >>> w
        Parameter containing:
        tensor([0., 0.], requires_grad=True)
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            from ..ops.creation import empty

            data = empty(0)
        elif not isinstance(data, Tensor):
            from ..ops.creation import as_tensor

            data = as_tensor(data)
        self._array = data._array
        self._grad = None
        self._grad_fn = None
        self._output_nr = 0
        # Sharing the version counter keeps in-place checks on ``data`` and the parameter in step.
        self._vc = data._vc
        self._view = None
        self._hooks = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        copy = Parameter(Tensor._make(self._array.copy()), requires_grad=self._requires_grad)
        if self.grad is not None:
            copy.grad = Tensor._make(self.grad._array.copy())
        memo[id(self)] = copy
        return copy

    def __reduce__(self) -> Any:
        return (
            _rebuild_parameter,
            (_backend.to_device(self._array, _backend.CPU), str(self.device), self._requires_grad),
        )


def _rebuild_parameter(array: np.ndarray, device: str, requires_grad: bool) -> Parameter:
    data = Tensor._make(array)
    if device != "cpu":
        data = data.to(device)
    return Parameter(data, requires_grad=requires_grad)
