"""Reverse-mode backward over the recorded graph.

The walk is iterative: first a depth-first pass counts, for every node, how
many consumers will send it a gradient; then nodes run once all their
gradients have arrived. Neither pass recurses, so a chain of 100,000 ops or a
long unrolled RNN backpropagates without touching Python's recursion limit.

Gradients are raw arrays, and each node's ``backward`` works on arrays, unless
``create_graph`` is set: then they are tensors, grad mode stays on, and each
node's ``backward_graph`` records the gradient computation as a graph of its
own, which can be differentiated again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import get_array_module
from ..errors import GraphError
from ..tensor import Tensor
from . import accumulate_hooks, anomaly, grad_mode
from .function import Function
from .inplace import refresh_view

__all__ = ["run_backward"]


def _count_dependencies(roots: list[Function], executable: set[Function] | None) -> dict[Function, int]:
    """For each node, how many gradients it will receive; only the ``executable`` nodes send any."""
    deps: dict[Function, int] = {}
    seen = set(roots)
    stack = [fn for fn in roots if executable is None or fn in executable]
    while stack:
        fn = stack.pop()
        for edge in fn.next_edges:
            if type(edge) is tuple:
                child = edge[0]
                deps[child] = deps.get(child, 0) + 1
                if child not in seen:
                    seen.add(child)
                    if executable is None or child in executable:
                        stack.append(child)
    return deps


def _known_edges(fn: Function) -> tuple[Any, bool]:
    """The node's edges, and whether some are unknown: an earlier backward freed the node and cut its
    edges, keeping weak references that tell where they led while the nodes there still exist."""
    if not fn.released:
        return fn.next_edges, False
    edges: list[Any] = []
    lost = False
    for weak in fn.freed_edges:
        if type(weak) is tuple:
            child = weak[0]()
            if child is None:
                lost = True
            else:
                edges.append((child, weak[1]))
        elif weak is not None:
            # A leaf that no longer exists cannot be among the inputs asked for.
            leaf = weak()
            if leaf is not None:
                edges.append(leaf)
    return edges, lost


def _reaching(roots: list[Function], leaves: dict[int, Any], nodes: dict[tuple[Function, int], Any]) -> set[Function]:
    """The nodes from which one of the requested gradients (leaves by id, graph outputs) can be reached:
    ``autograd.grad`` runs only those, so it never works (or frees values) beyond its inputs.

    A node freed by an earlier backward counts as reaching when it leads to a requested gradient, or
    may (where it led is lost): it then runs and raises, instead of silently dropping its share of the
    gradient, as PyTorch does. At a requested output the walk may stop, so there it counts only when
    known to lead further.
    """
    reach: dict[Function, bool] = {}
    visiting: set[Function] = set()
    targets = {fn for fn, _ in nodes}
    stack = [(fn, False) for fn in roots]
    while stack:
        fn, expanded = stack.pop()
        edges, lost = _known_edges(fn)
        if not expanded:
            if fn in reach or fn in visiting:
                continue
            visiting.add(fn)
            stack.append((fn, True))
            stack.extend((edge[0], False) for edge in edges if type(edge) is tuple and edge[0] not in reach)
            continue
        found = lost and fn not in targets
        for edge in edges:
            if type(edge) is tuple:
                if edge in nodes or reach.get(edge[0], False):
                    found = True
                    break
            elif edge is not None and id(edge) in leaves:
                found = True
                break
        reach[fn] = found
    return {fn for fn, found in reach.items() if found}


def _apply_hooks(hooks: list[Any], grad: Any, as_tensor: bool) -> Any:
    for hook in hooks:
        result = hook(grad if as_tensor else Tensor._make(grad))
        if result is not None:
            if not isinstance(result, Tensor):
                raise TypeError(f"register_hook: a hook must return a Tensor or None, got {type(result).__name__}")
            if result.shape != grad.shape:
                raise GraphError(
                    f"register_hook: a hook returned a gradient of shape {tuple(result.shape)} "
                    f"for a tensor of shape {tuple(grad.shape)}"
                )
            grad = result if as_tensor else result._array
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
        grad = _apply_hooks(leaf._hooks, grad, as_tensor=False)
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
        # Shape, dtype and device fit by construction: skip the checks of the ``grad`` setter.
        leaf._grad = leaf._make_grad(grad)
    else:
        leaf.grad._array += grad


def own_graph_grad(grad: Tensor, owned: set[int]) -> Tensor:
    """``grad`` itself, or a copy (recorded, so still differentiable) when a leaf may not keep it: the
    engine hands one tensor to several consumers and passes the caller's gradient through, and a
    broadcast view is read-only. An in-place change to one ``.grad`` (an optimizer's, clipping's)
    must not reach another tensor."""
    array = grad._array
    if id(grad) in owned or array.base is not None or not array.flags.writeable:
        grad = grad.clone()
    owned.add(id(grad))
    return grad


def _accumulate_leaf_graph(leaf: Tensor, grad: Tensor, owned: set[int], capture: dict[int, Any] | None) -> None:
    """Like ``_accumulate_leaf`` for gradients that are tensors in a graph: sums are recorded, never in place."""
    if leaf._hooks:
        grad = _apply_hooks(leaf._hooks, grad, as_tensor=True)
    if grad.dtype != leaf.dtype:
        grad = grad.to(leaf.dtype)
    if capture is not None:
        key = id(leaf)
        if key in capture:
            prev = capture[key]
            capture[key] = grad if prev is None else prev + grad
        return
    leaf.grad = own_graph_grad(grad, owned) if leaf.grad is None else leaf.grad + grad


def _zeros_like_meta(fn: Function, out_grads: list[Any], graph: bool) -> list[Any]:
    present = next(g for g in out_grads if g is not None)
    xp = get_array_module(present._array if graph else present)
    filled = []
    for g, (shape, dtype) in zip(out_grads, fn.out_meta):
        if g is None:
            g = xp.zeros(shape, dtype)
            if graph:
                g = Tensor._make(g)
        filled.append(g)
    return filled


def run_backward(
    roots: list[Tensor],
    grads: list[Any],
    retain_graph: bool = False,
    capture: dict[int, Any] | None = None,
    capture_nodes: dict[tuple[Function, int], Any] | None = None,
    create_graph: bool = False,
) -> None:
    """Backpropagate ``grads`` (arrays, or tensors with ``create_graph``) from ``roots``.

    Without ``capture``, gradients accumulate into the ``.grad`` of leaves. With it, gradients for
    the leaves whose ``id`` is a key of ``capture``, and for the graph outputs named in
    ``capture_nodes``, are stored there instead, no ``.grad`` changes, and only the nodes on a path
    to them run (``autograd.grad``).
    """
    # Gradients that belong to someone else: a leaf's .grad must not be one of them (the caller's own
    # tensors when building a graph; the arrays are copied before they get here).
    owned: set[int] = {id(g) for g in grads} if create_graph else set()
    buffers: dict[Function, list[Any]] = {}
    root_fns: list[Function] = []
    root_leaves: list[Tensor] = []
    for tensor, grad in zip(roots, grads):
        if tensor._view is not None:
            refresh_view(tensor)
        fn = tensor._grad_fn
        if fn is None:
            if tensor.requires_grad:
                if create_graph:
                    _accumulate_leaf_graph(tensor, grad, owned, capture)
                else:
                    _accumulate_leaf(tensor, grad, owned, capture)
                root_leaves.append(tensor)
            continue
        buf = buffers.get(fn)
        if buf is None:
            buf = buffers[fn] = [None] * (1 if fn.out_meta is None else len(fn.out_meta))
            root_fns.append(fn)
        nr = tensor._output_nr
        buf[nr] = grad if buf[nr] is None else buf[nr] + grad
    executable = None if capture is None else _reaching(root_fns, capture, capture_nodes or {})
    deps = _count_dependencies(root_fns, executable)
    hooked = None if capture is not None else accumulate_hooks.pending_counts(root_fns, root_leaves)
    for leaf in root_leaves:
        accumulate_hooks.arrived(hooked, leaf)
    ready = [fn for fn in root_fns if deps.get(fn, 0) == 0]
    previous_mode = grad_mode._State.enabled
    grad_mode._State.enabled = create_graph
    # Like PyTorch, let NaN and Inf flow through gradients silently; anomaly mode is the tool to trace them.
    errors = np.seterr(all="ignore")
    try:
        while ready:
            fn = ready.pop()
            out_grads = buffers.pop(fn)
            if fn.hooks:
                for nr, hooks in fn.hooks.items():
                    if out_grads[nr] is not None:
                        out_grads[nr] = _apply_hooks(hooks, out_grads[nr], create_graph)
            if capture_nodes is not None:
                for nr, g in enumerate(out_grads):
                    if (fn, nr) in capture_nodes:
                        capture_nodes[(fn, nr)] = np.asarray(g) if isinstance(g, np.generic) else g
            if executable is not None and fn not in executable:
                continue
            edges = fn.next_edges
            if all(g is None for g in out_grads):
                in_grads: Any = (None,) * len(edges)
            else:
                if fn.released:
                    raise GraphError(
                        f"backward: {fn.name()} was already used by an earlier backward, which freed the values "
                        "it saved; pass retain_graph=True to the first backward() (or autograd.grad()) to run "
                        "backward through the graph again"
                    )
                if fn.versions:
                    _check_versions(fn)
                if fn.out_meta is not None:
                    out_grads = _zeros_like_meta(fn, out_grads, create_graph)
                in_grads = fn.backward_graph(*out_grads) if create_graph else fn.backward(*out_grads)
                if anomaly._State.enabled:
                    anomaly.check_backward(fn, [g._array if create_graph and g is not None else g for g in in_grads])
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
                else:
                    if g is not None:
                        if create_graph:
                            _accumulate_leaf_graph(edge, g, owned, capture)
                        else:
                            _accumulate_leaf(edge, g, owned, capture)
                    accumulate_hooks.arrived(hooked, edge)
    finally:
        grad_mode._State.enabled = previous_mode
        np.seterr(**errors)
