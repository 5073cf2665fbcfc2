"""Reverse-mode automatic differentiation: ``backward``, ``grad``, grad mode and ``gradcheck``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..backend import get_array_module
from ..errors import GraphError, ShapeError
from ..tensor import Tensor
from . import functional
from .anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import run_backward
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradgradcheck

__all__ = [
    "AnomalyError",
    "Function",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "functional",
    "grad",
    "gradcheck",
    "gradgradcheck",
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


def _root_grads(op: str, outputs: list[Tensor], grad_outputs: list[Any], create_graph: bool) -> list[Any]:
    """The gradient to start from at each output: arrays, or tensors when building a graph."""
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
            ones = get_array_module(out._array).ones_like(out._array)
            grads.append(Tensor._make(ones) if create_graph else ones)
            continue
        given_array = given._array if isinstance(given, Tensor) else given
        if tuple(given_array.shape) != tuple(out._array.shape):
            raise ShapeError(
                f"{op}: the gradient has shape {tuple(given_array.shape)} but the output has shape "
                f"{tuple(out._array.shape)}; they must match"
            )
        if create_graph:
            given_t = given if isinstance(given, Tensor) else Tensor._make(given_array)
            grads.append(given_t if given_t.dtype == out.dtype else given_t.to(out.dtype))
        else:
            grads.append(given_array.astype(out._array.dtype, copy=True))
    return grads


def _targets(op: str, inputs: list[Any]) -> tuple[dict[int, Any], dict[tuple[Function, int], Any]]:
    """Capture slots for the gradients of ``inputs``: leaves by id, other tensors by their graph output."""
    for t in inputs:
        if not isinstance(t, Tensor) or not t._requires_grad:
            raise GraphError(f"{op}: every input must be a tensor that requires grad")
    leaves = {id(t): None for t in inputs if t._grad_fn is None}
    nodes = {(t._grad_fn, t._output_nr): None for t in inputs if t._grad_fn is not None}
    return leaves, nodes


def _captured(t: Tensor, leaves: dict[int, Any], nodes: dict[tuple[Function, int], Any]) -> Any:
    return leaves[id(t)] if t._grad_fn is None else nodes[(t._grad_fn, t._output_nr)]


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
        retain_graph: keep the saved values for another backward. Default: the value of ``create_graph``.
        create_graph: record the backward pass itself, so that the gradients in ``.grad`` can be
            differentiated again (higher-order derivatives). Default: False.
        inputs: accumulate only into these tensors' ``.grad`` (leaves or not). Default: every leaf.

    Example:
        >>> x = shendu.tensor(2.0, requires_grad=True)
        >>> (x ** 3).backward(create_graph=True)
        >>> x.grad
        tensor(12., grad_fn=<MulBackward>)
    """
    if retain_graph is None:
        retain_graph = create_graph
    outputs = _as_list(tensors)
    grads = _root_grads("backward", outputs, _as_list(grad_tensors) if grad_tensors is not None else [], create_graph)
    if inputs is None:
        run_backward(outputs, grads, retain_graph=bool(retain_graph), create_graph=create_graph)
        return
    ins = _as_list(inputs)
    leaves, nodes = _targets("backward", ins)
    run_backward(outputs, grads, bool(retain_graph), leaves, nodes, create_graph)
    for t in ins:
        value = _captured(t, leaves, nodes)
        if value is None:
            continue
        if create_graph:
            t.grad = value if t.grad is None else t.grad + value
        elif t.grad is None:
            t.grad = Tensor._make(value.astype(t._array.dtype, copy=True))
        else:
            t.grad._array += value


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
        retain_graph: keep the saved values for another backward. Default: the value of ``create_graph``.
        create_graph: record the computation of the gradients, so that they can be differentiated
            again (gradient penalties, Hessian-vector products, meta-learning). Default: False.
        allow_unused: return None for an input the outputs do not depend on, instead of raising.
            Default: False.

    Example:
        >>> x = shendu.tensor(3.0, requires_grad=True)
        >>> shendu.autograd.grad(x ** 2, x)
        (tensor(6.),)
        >>> (dx,) = shendu.autograd.grad(x ** 3, x, create_graph=True)
        >>> shendu.autograd.grad(dx, x)
        (tensor(18.),)
    """
    if retain_graph is None:
        retain_graph = create_graph
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    leaves, nodes = _targets("grad", ins)
    grads = _root_grads("grad", outs, _as_list(grad_outputs) if grad_outputs is not None else [], create_graph)
    run_backward(outs, grads, bool(retain_graph), leaves, nodes, create_graph)
    result: list[Tensor | None] = []
    for t in ins:
        value = _captured(t, leaves, nodes)
        if value is None:
            if not allow_unused:
                raise GraphError(
                    "grad: one of the inputs was not used to compute the outputs; pass allow_unused=True "
                    "to get None for it"
                )
            result.append(None)
        elif create_graph:
            result.append(value)
        else:
            result.append(Tensor._make(value.copy() if value.base is not None else value))
    return tuple(result)
