"""Flatten parameters into one vector and back, e.g. for second-order methods or weight averaging."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ... import backend as _backend
from ..._checks import check_tensor
from ...autograd.function import Function
from ...errors import DeviceError, ShapeError
from ...tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


class ParametersToVector(Function):
    """Concatenate flattened arrays; the gradient is split back into the inputs' shapes."""

    def forward(self, *arrays: Any) -> Any:
        self.meta = tuple(a.shape for a in arrays)
        xp = _backend.get_array_module(arrays[0])
        return xp.concatenate([a.reshape(-1) for a in arrays])

    def backward(self, grad: Any) -> tuple[Any, ...]:
        grads = []
        start = 0
        for i, shape in enumerate(self.meta):
            size = 1
            for s in shape:
                size *= s
            grads.append(grad[start : start + size].reshape(shape) if self.needs_input_grad(i) else None)
            start += size
        return tuple(grads)

    # Slices and reshapes of a tensor are differentiable ops, so the same code records the double backward.
    backward_graph = backward


def _check_devices(op: str, params: list[Tensor]) -> None:
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{op}: parameter {i} is a {type(p).__name__}, not a Tensor")
        if p.device != params[0].device:
            raise DeviceError(
                f"{op}: parameter {i} is on {p.device} but parameter 0 is on {params[0].device}; "
                "all parameters must be on one device"
            )


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Flatten and concatenate ``parameters`` into one 1-d tensor (differentiable).

    Args:
        parameters: the tensors to flatten, all on one device and of one dtype.

    Returns:
        A new 1-d tensor holding every element of every parameter, in order.

    Example:
        >>> model = nn.Linear(3, 2)
        >>> vec = parameters_to_vector(model.parameters())
        >>> vec.shape  # 2 * 3 weights and 2 biases
        shendu.Size([8])
    """
    op = "parameters_to_vector"
    params = list(parameters)
    if not params:
        raise ValueError(f"{op}: expected at least one parameter, got none")
    _check_devices(op, params)
    dtypes = {p.dtype for p in params}
    if len(dtypes) > 1:
        raise TypeError(f"{op}: all parameters must have one dtype, got {sorted(str(d) for d in dtypes)}")
    return ParametersToVector.apply(*params)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-d tensor ``vec`` into ``parameters`` (the inverse of ``parameters_to_vector``).

    As in PyTorch, each parameter's ``data`` becomes a view of ``vec``'s memory rather than a copy.

    Args:
        vec: a 1-d tensor with as many elements as all the parameters together.
        parameters: the tensors to fill, in the order used by ``parameters_to_vector``.

    Example:
        >>> model = nn.Linear(3, 2)
        >>> vector_to_parameters(shendu.zeros(8), model.parameters())
        >>> model.bias
        Parameter containing:
        tensor([0., 0.], requires_grad=True)
    """
    op = "vector_to_parameters"
    check_tensor(op, vec, name="vec")
    if vec.ndim != 1:
        raise ShapeError(f"{op}: expected a 1-d vector, got shape {tuple(vec.shape)}")
    params = list(parameters)
    _check_devices(op, params)
    total = sum(p.numel() for p in params)
    if total != vec.numel():
        raise ShapeError(f"{op}: the parameters have {total} elements in all but the vector has {vec.numel()}")
    if params and vec.device != params[0].device:
        raise DeviceError(f"{op}: the vector is on {vec.device} but the parameters are on {params[0].device}")
    start = 0
    for p in params:
        n = p.numel()
        p._array = vec._array[start : start + n].reshape(p._array.shape)
        start += n
