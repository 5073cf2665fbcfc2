"""Reverse-mode backward over the recorded graph.

The walk is iterative: first a depth-first pass counts, for every node, how
many consumers will send it a gradient; then nodes run once all their
gradients have arrived. Neither pass recurses, so a chain of 100,000 ops or a
long unrolled RNN backpropagates without touching Python's recursion limit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import get_array_module
from ..errors import GraphError
from ..tensor import Tensor
from . import anomaly, grad_mode
from .function import Function
from .inplace import refresh_view

__all__ = ["run_backward"]


def _count_dependencies(roots: list[Function]) -> dict[Function, int]:
    deps: dict[Function, int] = {}
    seen = set(roots)
    stack = list(roots)
    while stack:
        fn = stack.pop()
        for edge in fn.next_edges:
            if type(edge) is tuple:
                child = edge[0]
                deps[child] = deps.get(child, 0) + 1
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
    return deps


def _apply_hooks(hooks: list[Any], grad: Any) -> Any:
    for hook in hooks:
        result = hook(Tensor._make(grad))
        if result is not None:
            if not isinstance(result, Tensor):
                raise TypeError(f"register_hook: a hook must return a Tensor or None, got {type(result).__name__}")
            if result.shape != grad.shape:
                raise GraphError(
                    f"register_hook: a hook returned a gradient of shape {tuple(result.shape)} "
                    f"for a tensor of shape {tuple(grad.shape)}"
                )
            grad = result._array
    return grad


def _check_versions(fn: Function) -> None:
    for counter, version in fn.versions:
        if counter[0] != version:
            raise GraphError(
                f"backward: a value that {fn.name()} saved for the gradient was modified in place "
                f"after it was used (its version is now {counter[0]}, it was {version} when saved); "
                "make the change out of place (e.g. x = x + 1 instead of x.add_(1)), or clone() the tensor first"
            )


def _accumulate_leaf(leaf: Tensor, grad: Any, owned: set[int], capture: dict[int, Any] | None) -> None:
    if isinstance(grad, np.generic):
        grad = np.asarray(grad)
    if leaf._hooks:
        grad = _apply_hooks(leaf._hooks, grad)
    if capture is not None:
        key = id(leaf)
        if key in capture:
            prev = capture[key]
            capture[key] = grad if prev is None else prev + grad
        return
    if leaf.grad is None:
        # The engine may hand the same array to several consumers (an add passes its gradient
        # through unchanged), so a leaf keeps its own copy unless this array is fresh.
        if id(grad) in owned or grad.base is not None or grad.dtype != leaf._array.dtype:
            grad = grad.astype(leaf._array.dtype, copy=True)
        owned.add(id(grad))
        leaf.grad = leaf._make_grad(grad)
    else:
        leaf.grad._array += grad


def run_backward(
    roots: list[Tensor],
    grads: list[Any],
    retain_graph: bool = False,
    capture: dict[int, Any] | None = None,
    capture_nodes: dict[tuple[Function, int], Any] | None = None,
) -> None:
    """Backpropagate ``grads`` (arrays) from ``roots``.

    Without ``capture``, gradients accumulate into the ``.grad`` of leaves. With it, gradients for
    the leaves whose ``id`` is a key of ``capture``, and for the graph outputs named in
    ``capture_nodes``, are stored there instead and no ``.grad`` changes (``autograd.grad``).
    """
    owned: set[int] = set()
    buffers: dict[Function, list[Any]] = {}
    root_fns: list[Function] = []
    for tensor, grad in zip(roots, grads):
        if tensor._view is not None:
            refresh_view(tensor)
        fn = tensor._grad_fn
        if fn is None:
            if tensor.requires_grad:
                _accumulate_leaf(tensor, grad, owned, capture)
            continue
        buf = buffers.get(fn)
        if buf is None:
            buf = buffers[fn] = [None] * (1 if fn.out_meta is None else len(fn.out_meta))
            root_fns.append(fn)
        nr = tensor._output_nr
        buf[nr] = grad if buf[nr] is None else buf[nr] + grad
    deps = _count_dependencies(root_fns)
    ready = [fn for fn in root_fns if deps.get(fn, 0) == 0]
    previous_mode = grad_mode._State.enabled
    grad_mode._State.enabled = False
    # Like PyTorch, let NaN and Inf flow through gradients silently; anomaly mode is the tool to trace them.
    errors = np.seterr(all="ignore")
    try:
        while ready:
            fn = ready.pop()
            out_grads = buffers.pop(fn)
            if fn.hooks:
                for nr, hooks in fn.hooks.items():
                    if out_grads[nr] is not None:
                        out_grads[nr] = _apply_hooks(hooks, out_grads[nr])
            if capture_nodes is not None:
                for nr, g in enumerate(out_grads):
                    if (fn, nr) in capture_nodes:
                        capture_nodes[(fn, nr)] = np.asarray(g) if isinstance(g, np.generic) else g
            edges = fn.next_edges
            if all(g is None for g in out_grads):
                in_grads: Any = (None,) * len(edges)
            else:
                if fn.released:
                    raise GraphError(
                        f"backward: {fn.name()} was already used by an earlier backward, which freed the values "
                        "it saved; pass retain_graph=True to the first backward() to run backward through the "
                        "graph again"
                    )
                if fn.versions:
                    _check_versions(fn)
                if fn.out_meta is not None:
                    xp = _module_of(out_grads)
                    out_grads = [
                        xp.zeros(shape, dtype) if g is None else g for g, (shape, dtype) in zip(out_grads, fn.out_meta)
                    ]
                in_grads = fn.backward(*out_grads)
                if anomaly._State.enabled:
                    anomaly.check_backward(fn, in_grads)
                if not retain_graph:
                    fn.release()
            for edge, g in zip(edges, in_grads):
                if edge is None:
                    continue
                if type(edge) is tuple:
                    child, nr = edge
                    buf = buffers.get(child)
                    if buf is None:
                        buf = buffers[child] = [None] * (1 if child.out_meta is None else len(child.out_meta))
                    if g is not None:
                        buf[nr] = g if buf[nr] is None else buf[nr] + g
                    remaining = deps[child] - 1
                    deps[child] = remaining
                    if remaining == 0:
                        ready.append(child)
                elif g is not None:
                    _accumulate_leaf(edge, g, owned, capture)
    finally:
        grad_mode._State.enabled = previous_mode
        np.seterr(**errors)


def _module_of(arrays: list[Any]) -> Any:
    for a in arrays:
        if a is not None:
            return get_array_module(a)
    raise AssertionError("unreachable: at least one gradient is present")
