"""Reverse-mode automatic differentiation: ``backward``, ``grad``, grad mode and ``gradcheck``."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from ..backend import get_array_module
from ..errors import GraphError, ShapeError
from ..tensor import Tensor
from . import functional, retain_grad
from .anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import own_graph_grad, run_backward
from .function import Function
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
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
    "inference_mode",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "is_inference_mode_enabled",
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
    if not inputs:
        hint = "; leave it out to accumulate into every leaf" if op == "backward" else ""
        raise ValueError(f"{op}: inputs must name at least one tensor, got an empty sequence{hint}")
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
        if value is None or retain_grad.retains_grad(t):
            # A tensor that retains its gradient got it from its hook already.
            continue
        if create_graph:
            t.grad = own_graph_grad(value, {id(g) for g in grads}) if t.grad is None else t.grad + value
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
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned rather than accumulated.

    Args:
        outputs: the tensors to differentiate.
        inputs: the tensors to differentiate with respect to (leaves or intermediate results).
        grad_outputs: the gradient with respect to each output. Default: None (ones for scalars).
        retain_graph: keep the saved values for another backward. Default: the value of ``create_graph``.
        create_graph: record the computation of the gradients, so that they can be differentiated
            again (gradient penalties, Hessian-vector products, meta-learning). Default: False.
        only_inputs: accepted for older code and ignored, as in PyTorch: only ``inputs`` get gradients.
            Default: True.
        allow_unused: return None for an input the outputs do not depend on, instead of raising.
            Default: None (False, or True with ``materialize_grads``).
        is_grads_batched: the first dim of every ``grad_outputs`` tensor indexes a batch of them, and
            each result gets the same first dim (rows of a Jacobian, say): one backward pass per row.
            Default: False.
        materialize_grads: return zeros instead of None for unused inputs. Default: False.

    Example:
        >>> x = shendu.tensor(3.0, requires_grad=True)
        >>> shendu.autograd.grad(x ** 2, x)
        (tensor(6.),)
        >>> (dx,) = shendu.autograd.grad(x ** 3, x, create_graph=True)
        >>> shendu.autograd.grad(dx, x)
        (tensor(18.),)
    """
    if not only_inputs:
        warnings.warn(
            "grad: only_inputs=False is ignored (only the inputs get gradients); call backward() to accumulate "
            "gradients into the leaves' .grad",
            FutureWarning,
            stacklevel=2,
        )
    if materialize_grads:
        if allow_unused is False:
            raise ValueError(
                "grad: materialize_grads=True returns zeros for unused inputs, so allow_unused must be True "
                "or left out, got allow_unused=False"
            )
        allow_unused = True
    if retain_graph is None:
        retain_graph = create_graph
    if is_grads_batched:
        return _batched_grad(
            outputs, inputs, grad_outputs, retain_graph, create_graph, bool(allow_unused), materialize_grads
        )
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    leaves, nodes = _targets("grad", ins)
    grads = _root_grads("grad", outs, _as_list(grad_outputs) if grad_outputs is not None else [], create_graph)
    run_backward(outs, grads, bool(retain_graph), leaves, nodes, create_graph)
    result: list[Tensor | None] = []
    for i, t in enumerate(ins):
        value = _captured(t, leaves, nodes)
        if value is None:
            if not allow_unused:
                raise GraphError(
                    f"grad: input {i} (shape {tuple(t.shape)}) was not used to compute the outputs; pass "
                    "allow_unused=True to get None for it, or materialize_grads=True to get zeros"
                )
            result.append(_zeros_like(t) if materialize_grads else None)
        elif create_graph:
            result.append(value)
        else:
            result.append(Tensor._make(value.copy() if value.base is not None else value))
    return tuple(result)


def _zeros_like(t: Tensor) -> Tensor:
    from ..ops.creation import zeros_like

    return zeros_like(t)


def _batched_grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any,
    retain_graph: bool,
    create_graph: bool,
    allow_unused: bool,
    materialize_grads: bool,
) -> tuple[Tensor | None, ...]:
    """``grad`` once per row of the batched ``grad_outputs``, the results stacked along a new first dim."""
    from ..ops.shape import stack

    outs = _as_list(outputs)
    given = _as_list(grad_outputs)
    if len(given) != len(outs) or not all(isinstance(g, Tensor) and g.ndim == o.ndim + 1 for g, o in zip(given, outs)):
        raise ShapeError(
            "grad: is_grads_batched=True needs, for every output, a gradient tensor with one more (batch) dim "
            f"in front; got outputs of shapes {[tuple(o.shape) for o in outs]} and gradients "
            f"{[tuple(g.shape) if isinstance(g, Tensor) else g for g in given]}"
        )
    sizes = {g.shape[0] for g in given}
    if len(sizes) != 1 or 0 in sizes:
        raise ShapeError(f"grad: the batched gradients must share a nonzero first dim, got sizes {sorted(sizes)}")
    batch = sizes.pop()
    rows = [
        grad(
            outs,
            inputs,
            [g[i] for g in given],
            retain_graph=retain_graph or i < batch - 1,
            create_graph=create_graph,
            allow_unused=allow_unused,
            materialize_grads=materialize_grads,
        )
        for i in range(batch)
    ]
    return tuple(None if row[0] is None else stack(list(row), 0) for row in zip(*rows))
