"""Reverse-mode automatic differentiation: ``backward``, ``grad``, grad mode and ``gradcheck``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..backend import get_array_module
from ..errors import GraphError, ShapeError
from ..tensor import Tensor
from .anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import run_backward
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck

__all__ = [
    "AnomalyError",
    "Function",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "set_detect_anomaly",
    "set_grad_enabled",
]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, Tensor):
        return [value]
    return list(value)


def _root_grads(op: str, outputs: list[Tensor], grad_outputs: list[Any]) -> list[Any]:
    if grad_outputs and len(grad_outputs) != len(outputs):
        raise ValueError(f"{op}: got {len(outputs)} outputs but {len(grad_outputs)} gradients for them")
    grads = []
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"{op}: expected tensors to differentiate, got {type(out).__name__}")
        if not out._requires_grad:
            raise GraphError(
                f"{op}: the tensor does not require grad and has no grad_fn, so there is nothing to "
                "differentiate; did you create the inputs with requires_grad=True, or run under no_grad()?"
            )
        given = grad_outputs[i] if grad_outputs else None
        if given is None:
            if out._array.size != 1:
                raise GraphError(
                    f"{op}: grad can be created implicitly only for a tensor with one element, but the output "
                    f"has shape {tuple(out.shape)}; reduce it first (e.g. loss.sum()) or pass gradient=... "
                    "of the same shape"
                )
            grads.append(get_array_module(out._array).ones_like(out._array))
            continue
        given_array = given._array if isinstance(given, Tensor) else given
        if tuple(given_array.shape) != tuple(out._array.shape):
            raise ShapeError(
                f"{op}: the gradient has shape {tuple(given_array.shape)} but the output has shape "
                f"{tuple(out._array.shape)}; they must match"
            )
        grads.append(given_array.astype(out._array.dtype, copy=True))
    return grads


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Accumulate into the leaves' ``.grad`` the gradient of ``tensors`` (weighted by ``grad_tensors``).

    Args:
        tensors: the outputs to differentiate.
        grad_tensors: the gradient with respect to each output; may be None for one-element outputs.
        retain_graph: keep the saved values for another backward. Default: False.
        create_graph: not supported (shendu's autograd is first-order). Default: False.
    """
    if create_graph:
        raise NotImplementedError("backward: create_graph=True (higher-order gradients) is not supported by shendu")
    if inputs is not None:
        raise NotImplementedError("backward: the inputs= argument is not supported; use shendu.autograd.grad")
    outputs = _as_list(tensors)
    grads = _root_grads("backward", outputs, _as_list(grad_tensors) if grad_tensors is not None else [])
    run_backward(outputs, grads, retain_graph=bool(retain_graph))


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned rather than accumulated.

    Args:
        outputs: the tensors to differentiate.
        inputs: the tensors to differentiate with respect to (leaves or intermediate results).
        grad_outputs: the gradient with respect to each output. Default: None (ones for scalars).
        retain_graph: keep the saved values for another backward. Default: False.
        allow_unused: return None for an input the outputs do not depend on, instead of raising.
            Default: False.

    Example:
        >>> x = shendu.tensor(3.0, requires_grad=True)
        >>> shendu.autograd.grad(x ** 2, x)
        (tensor(6.),)
    """
    if create_graph:
        raise NotImplementedError("grad: create_graph=True (higher-order gradients) is not supported by shendu")
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    for t in ins:
        if not isinstance(t, Tensor) or not t._requires_grad:
            raise GraphError("grad: every input must be a tensor that requires grad")
    grads = _root_grads("grad", outs, _as_list(grad_outputs) if grad_outputs is not None else [])
    leaves = {id(t): None for t in ins if t._grad_fn is None}
    nodes = {(t._grad_fn, t._output_nr): None for t in ins if t._grad_fn is not None}
    run_backward(outs, grads, retain_graph=bool(retain_graph), capture=leaves, capture_nodes=nodes)
    result: list[Tensor | None] = []
    for t in ins:
        value = leaves[id(t)] if t._grad_fn is None else nodes[(t._grad_fn, t._output_nr)]
        if value is None:
            if not allow_unused:
                raise GraphError(
                    "grad: one of the inputs was not used to compute the outputs; pass allow_unused=True "
                    "to get None for it"
                )
            result.append(None)
        else:
            result.append(Tensor._make(value.copy() if value.base is not None else value))
    return tuple(result)
