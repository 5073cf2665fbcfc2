"""The Function base class: one differentiable op, computed on raw arrays.

A subclass implements ``forward(*arrays, **params)`` and ``backward(*grads)``
on NumPy or CuPy arrays. Arrays that backward needs go in attributes of
``self`` and are freed after backward; small metadata such as shapes goes in
``self.meta``, which survives, so an op that saved no arrays can run backward
again as in PyTorch. Because
backward works on arrays, it builds no graph: shendu's autograd is first-order,
which keeps every op call short.

``Function.apply`` runs forward and, when grad mode is on and an input requires
grad, links the output into the graph. A subclass declares which inputs it keeps
(``saves_inputs``) and whether it keeps its output (``saves_output``) so that an
in-place change to one of those values is caught at backward time instead of
silently giving a wrong gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from ..tensor import Tensor
from . import grad_mode

__all__ = ["Function"]


class Function:
    """Base class of differentiable ops.

    Class attributes:
        saves_inputs: indices of the inputs whose data backward reads.
        saves_output: whether backward reads the output's data.
        differentiable_outputs: for multi-output ops, the outputs that carry gradient
            (others, such as argmax indices, come back as plain tensors).

    Example:
        >>> class Square(Function):
        ...     saves_inputs = (0,)
        ...     def forward(self, x):
        ...         self.x = x
        ...         return x * x
        ...     def backward(self, grad):
        ...         return (2 * self.x * grad,)
        >>> y = Square.apply(shendu.tensor([3.0], requires_grad=True))
    """

    __slots__ = (
        "__dict__",
        "__weakref__",
        "hooks",
        "meta",
        "next_edges",
        "out_meta",
        "recording",
        "released",
        "versions",
    )

    saves_inputs: ClassVar[tuple[int, ...]] = ()
    saves_output: ClassVar[bool] = False
    differentiable_outputs: ClassVar[tuple[int, ...] | None] = None

    def forward(self, *arrays: Any, **params: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, *grads: Any) -> tuple[Any, ...]:
        """Return one gradient array (or None) per input of forward."""
        raise NotImplementedError(f"{type(self).__name__} does not support backward")

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Any:
        """Run the op on tensors; return a tensor, or a tuple of tensors for multi-output ops."""
        fn = cls.__new__(cls)
        record = False
        if grad_mode._State.enabled:
            for t in inputs:
                view = t._view
                if view is not None and view[2] != t._vc[0]:
                    # The view's memory changed in place since its history was recorded.
                    _refresh_view(t)
                if t._requires_grad:
                    record = True
        fn.released = False
        # Forward may skip what only backward needs (saved unfoldings, per-step gates) when not recording.
        fn.recording = record
        out = fn.forward(*[t._array for t in inputs], **params)
        make = Tensor._make
        if not record:
            if type(out) is tuple:
                return tuple(make(o) for o in out)
            return make(out)
        fn.hooks = None
        fn.next_edges = tuple(
            (t._grad_fn, t._output_nr) if t._grad_fn is not None else t if t._requires_grad else None for t in inputs
        )
        saved = [(inputs[i]._vc, inputs[i]._vc[0]) for i in cls.saves_inputs]
        if type(out) is tuple:
            diff = cls.differentiable_outputs
            outs = tuple(make(o, fn, i) if diff is None or i in diff else make(o) for i, o in enumerate(out))
            fn.out_meta = tuple((o.shape, o.dtype) for o in out)
            if cls.saves_output:
                saved.extend((t._vc, 0) for t in outs)
            fn.versions = saved
            return outs
        result = make(out, fn, 0)
        fn.out_meta = None
        if cls.saves_output:
            saved.append((result._vc, 0))
        fn.versions = saved
        return result

    def needs_input_grad(self, index: int) -> bool:
        """Whether input ``index`` of forward needs a gradient (skip computing it when not)."""
        return self.next_edges[index] is not None

    def release(self) -> None:
        """Drop the arrays kept for backward; a later backward through this node is an error."""
        if self.__dict__:
            self.__dict__.clear()
            self.released = True
            # A released node can never run backward again, so the graph behind it is dead too; cutting
            # the edges lets it be freed even while the user keeps the output (e.g. a list of losses).
            self.next_edges = ()

    def register_output_hook(self, output_nr: int, hook: Callable[[Any], Any]) -> None:
        if self.hooks is None:
            self.hooks = {}
        self.hooks.setdefault(output_nr, []).append(hook)

    def name(self) -> str:
        """The node's name as shown in ``grad_fn=<...>``."""
        return f"{type(self).__name__}Backward"

    def __repr__(self) -> str:
        return f"<{self.name()} object>"


def _refresh_view(t: Tensor) -> None:
    from .inplace import refresh_view

    refresh_view(t)
