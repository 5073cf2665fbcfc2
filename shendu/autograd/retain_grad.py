"""``Tensor.retain_grad()``: a tensor made by an op keeps its gradient in ``.grad``, as in PyTorch.

The gradient is caught by a hook on the output of the tensor's node. That hook runs after the
tensor's other hooks, whenever they were registered (so ``.grad`` holds what they returned), and it
follows the tensor when an in-place op gives the tensor a new node (so ``.grad`` is the gradient of
the tensor's current value).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..tensor import Tensor
    from .function import Function

__all__ = ["RetainGrad", "follow", "retain", "retains_grad"]


class RetainGrad:
    """The hook that accumulates a gradient into its tensor's ``.grad`` (the tensor is held weakly)."""

    __slots__ = ("ref",)

    def __init__(self, tensor: Tensor) -> None:
        self.ref = weakref.ref(tensor)

    def __call__(self, grad: Tensor) -> None:
        target = self.ref()
        if target is not None:
            target.grad = grad.clone() if target.grad is None else target.grad + grad


def _hooks_of(tensor: Tensor, fn: Function | None, output_nr: int) -> list[Any] | None:
    """The hook list of ``fn``'s output that holds ``tensor``'s retain hook, or None."""
    if fn is None or not fn.hooks:
        return None
    hooks = fn.hooks.get(output_nr)
    if hooks and any(type(h) is RetainGrad and h.ref() is tensor for h in hooks):
        return hooks
    return None


def retains_grad(tensor: Tensor) -> bool:
    return _hooks_of(tensor, tensor._grad_fn, tensor._output_nr) is not None


def retain(tensor: Tensor) -> None:
    if not retains_grad(tensor):
        tensor._grad_fn.register_output_hook(tensor._output_nr, RetainGrad(tensor))


def follow(tensor: Tensor, old_fn: Function | None, old_nr: int) -> None:
    """Move ``tensor``'s retain hook from its previous node to its current one (after an in-place op)."""
    hooks = _hooks_of(tensor, old_fn, old_nr)
    if hooks is None or tensor._grad_fn is old_fn:
        return
    hook = next(h for h in hooks if type(h) is RetainGrad and h.ref() is tensor)
    hooks.remove(hook)
    tensor._grad_fn.register_output_hook(tensor._output_nr, hook)
