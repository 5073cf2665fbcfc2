"""Hooks that run after a leaf's ``.grad`` has received its whole gradient of one backward.

``Tensor.register_post_accumulate_grad_hook`` stores its hooks here, outside the tensor, so that a
tensor without such hooks carries nothing extra. The engine asks for the number of graph edges that
lead into each hooked leaf (a leaf used twice gets two gradients), counts them down as gradients
arrive, and runs the hooks once the last one is in: exactly once per backward, as PyTorch does,
which is what lets data-parallel training start reducing a gradient while backward goes on.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import GraphError

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["arrived", "pending_counts", "register"]

# id(tensor) -> (a weak reference that drops the entry when the tensor dies, its hooks). Keyed by id
# because a tensor's == is elementwise, which rules out WeakKeyDictionary.
_HOOKS: dict[int, tuple[weakref.ref[Any], list[Callable[[Tensor], None]]]] = {}


def _hooks_of(tensor: Tensor) -> list[Callable[[Tensor], None]] | None:
    entry = _HOOKS.get(id(tensor))
    return entry[1] if entry is not None and entry[0]() is tensor else None


class _Handle:
    """Returned by ``register_post_accumulate_grad_hook``: ``remove()`` takes the hook away."""

    def __init__(self, tensor: Tensor, hook: Callable[[Tensor], None]) -> None:
        self._tensor, self._hook = weakref.ref(tensor), hook

    def remove(self) -> None:
        tensor = self._tensor()
        hooks = _hooks_of(tensor) if tensor is not None else None
        if hooks and self._hook in hooks:
            hooks.remove(self._hook)

    def __enter__(self) -> _Handle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _forget(key: int, ref: weakref.ref[Any]) -> None:
    entry = _HOOKS.get(key)
    if entry is not None and entry[0] is ref:
        del _HOOKS[key]


def register(tensor: Tensor, hook: Callable[[Tensor], None]) -> _Handle:
    """Add ``hook``, called as ``hook(tensor)`` after ``tensor.grad`` is complete in each backward."""
    if tensor._grad_fn is not None:
        raise GraphError(
            "register_post_accumulate_grad_hook: hooks can only be registered on leaf tensors (this one was "
            "made by an op); use register_hook for the gradient of an intermediate result"
        )
    if not tensor._requires_grad:
        raise GraphError(
            "register_post_accumulate_grad_hook: cannot register a hook on a tensor that does not require grad"
        )
    if not callable(hook):
        raise TypeError(f"register_post_accumulate_grad_hook: expected a callable, got {type(hook).__name__}")
    hooks = _hooks_of(tensor)
    if hooks is None:
        key = id(tensor)
        hooks = []
        _HOOKS[key] = (weakref.ref(tensor, lambda ref, key=key: _forget(key, ref)), hooks)
    hooks.append(hook)
    return _Handle(tensor, hook)


def pending_counts(root_fns: list[Any], root_leaves: list[Tensor]) -> dict[int, list[Any]] | None:
    """For each hooked leaf in the graph: ``id -> [leaf, gradients still to come]``; None if there is none."""
    if not _HOOKS:
        return None
    counts: dict[int, list[Any]] = {}

    def note(leaf: Tensor) -> None:
        if _hooks_of(leaf):
            entry = counts.setdefault(id(leaf), [leaf, 0])
            entry[1] += 1

    for leaf in root_leaves:
        note(leaf)
    seen = set(root_fns)
    stack = list(root_fns)
    while stack:
        fn = stack.pop()
        for edge in fn.next_edges:
            if type(edge) is tuple:
                if edge[0] not in seen:
                    seen.add(edge[0])
                    stack.append(edge[0])
            elif edge is not None:
                note(edge)
    return counts or None


def arrived(pending: dict[int, list[Any]] | None, leaf: Tensor) -> None:
    """Count one gradient into ``leaf``; after its last one, run its hooks (a leaf given only None runs none)."""
    if pending is None:
        return
    entry = pending.get(id(leaf))
    if entry is None:
        return
    entry[1] -= 1
    if entry[1] or leaf.grad is None:
        return
    del pending[id(leaf)]
    for hook in list(_hooks_of(leaf) or ()):
        if hook(leaf) is not None:
            raise GraphError("register_post_accumulate_grad_hook: a post-accumulate-grad hook must return None")
