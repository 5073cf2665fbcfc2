"""The Function base class: one differentiable op, computed on raw arrays.

A subclass implements ``forward(*arrays, **params)`` and ``backward(*grads)``
on NumPy or CuPy arrays, so the first-order backward builds no graph and
each call stays short. Arrays that backward needs are kept with
``save_for_backward`` (which also registers them for the in-place check) and
freed after backward; small metadata such as shapes goes in ``self.meta``,
which survives, so an op that saved no arrays can run backward again as in
PyTorch.

For higher-order gradients (``create_graph=True``) the engine calls
``backward_graph(*grads)`` instead, with tensors: it computes the same
gradients with differentiable ops, so they can be differentiated again.
Elementary ops write it with other ops; an op whose forward can be written as
a composition of differentiable ops defines ``composite(*inputs, **params)``
and gets ``backward_graph`` from it.

``Function.apply`` runs forward and, when grad mode is on and an input requires
grad, links the output into the graph. An in-place change to a value that
backward reads is caught at backward time instead of silently giving a wrong
gradient.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, ClassVar

from ..backend import get_array_module
from ..errors import GraphError
from ..tensor import Tensor
from . import grad_mode
from .retain_grad import RetainGrad

__all__ = ["Function"]


class Function:
    """Base class of differentiable ops.

    Class attributes:
        saves_inputs: indices of inputs to guard against in-place changes although backward reads
            them only through copies or buffers of its own (the recurrent layers, ``linear`` of a
            strided input, batch norm), as PyTorch, which saves them, does. An op that keeps an
            input or output array itself calls ``save_for_backward``, which stores it and guards it
            in one call.
        saves_output: the same for the outputs.
        differentiable_outputs: for multi-output ops, the outputs that carry gradient
            (others, such as argmax indices, come back as plain tensors).

    Example:
        >>> class Square(Function):
        ...     def forward(self, x):
        ...         self.save_for_backward(x)
        ...         return x * x
        ...     def backward(self, grad):
        ...         (x,) = self.saved
        ...         return (2 * x * grad,)
        ...     def backward_graph(self, grad):
        ...         (x,) = self.saved_tensors()
        ...         return (2 * x * grad,)
        >>> x = shendu.tensor([3.0], requires_grad=True)
        >>> (g,) = shendu.autograd.grad(Square.apply(x), x, create_graph=True)
        >>> g, shendu.autograd.grad(g, x)
        (tensor([6.], grad_fn=<MulBackward>), (tensor([2.]),))
    """

    __slots__ = (
        "__dict__",
        "__weakref__",
        "freed_edges",
        "hooks",
        "meta",
        "next_edges",
        "out_meta",
        "recording",
        "released",
        "versions",
    )

    saves_inputs: ClassVar[tuple[int, ...]] = ()
    # The forward written with differentiable ops, ``composite(*input_tensors, **params)``, for ops
    # whose double backward differentiates it (see ``backward_graph``).
    composite: ClassVar[Callable[..., Any] | None] = None
    # A single-input op linear in its input (reshapes, slices, sums...): its backward is its own
    # transpose, so its double backward is the op itself, to any order.
    linear: ClassVar[bool] = False
    saves_output: ClassVar[bool] = False
    differentiable_outputs: ClassVar[tuple[int, ...] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if isinstance(cls.__dict__.get("forward"), staticmethod):
            # PyTorch's style, forward(ctx, ...) on tensors: refuse it at apply() with a message that
            # says what differs, rather than with a TypeError about a missing argument.
            cls.apply = classmethod(_refuse_ctx_style)  # type: ignore[method-assign,assignment]

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
            result: Any = outs
        else:
            result = make(out, fn, 0)
            outs = (result,)
            fn.out_meta = None
            if cls.saves_output:
                saved.append((result._vc, 0))
        if "saved" in fn.__dict__:
            _register_saved(fn, inputs, outs, out if type(out) is tuple else (out,), saved)
        if cls.linear:
            fn.linear_params = params
        if cls.composite is not None:
            # What backward_graph needs to run the forward again as a composition.
            fn.composite_inputs = [(t._array, t._vc, t._vc[0]) for t in inputs]
            fn.composite_params = params
        fn.versions = saved
        return result

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays for backward (read back as ``self.saved``).

        Inputs and outputs of forward among them are recognized: an in-place change to one of them
        after the call is an error at backward time, and ``saved_tensors()`` gives them back with
        their place in the graph. Other arrays (masks, intermediate results) are kept as they are.
        """
        self.saved = arrays

    def saved_tensors(self) -> tuple[Tensor, ...]:
        """The saved arrays as tensors, for ``backward_graph``: a saved input or output keeps its
        place in the graph, so gradients computed from it can be differentiated again."""
        make = Tensor._make
        tensors = []
        for array, kind in zip(self.saved, self.saved_kinds):
            if kind is None:
                tensors.append(make(array))
            elif kind < 0:
                tensors.append(make(array, self, -kind - 1))
            else:
                edge = self.next_edges[kind]
                if edge is None:
                    tensors.append(make(array))
                elif type(edge) is tuple:
                    tensors.append(make(array, edge[0], edge[1]))
                else:
                    tensors.append(edge)
        return tuple(tensors)

    def backward_graph(self, *grads: Tensor) -> tuple[Tensor | None, ...]:
        """``backward`` with differentiable ops on tensors, for ``create_graph=True``.

        The default differentiates ``composite`` (the forward written with differentiable ops) when
        the op defines it; otherwise the op cannot be differentiated twice.
        """
        if type(self).linear:
            return (_Transposed.apply(grads[0], op=self),)
        composite = type(self).composite
        if composite is None:
            raise GraphError(
                f"backward: {self.name()} does not support double backward (create_graph=True); "
                "compute this part of the model under shendu.no_grad() or without create_graph"
            )
        from . import grad as autograd_grad

        inputs = self.graph_inputs()
        wanted = [i for i, t in enumerate(inputs) if t._requires_grad]
        outputs = composite(*inputs, **self.composite_params)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads) if g is not None and o._requires_grad]
        found = autograd_grad(
            [o for o, _ in pairs],
            [inputs[i] for i in wanted],
            [g for _, g in pairs],
            create_graph=True,
            allow_unused=True,
        )
        result: list[Tensor | None] = [None] * len(inputs)
        for i, g in zip(wanted, found):
            result[i] = g
        return tuple(result)

    def graph_inputs(self) -> list[Tensor]:
        """The inputs of forward as tensors in their place in the graph (ops with ``composite``)."""
        make = Tensor._make
        tensors = []
        for (array, counter, version), edge in zip(self.composite_inputs, self.next_edges):
            if counter[0] != version:
                raise GraphError(
                    f"backward: an input of {self.name()} was modified in place after it was used (its version "
                    f"is now {counter[0]}, it was {version}); the double backward needs its old value"
                )
            if edge is None:
                tensors.append(make(array))
            elif type(edge) is tuple:
                tensors.append(make(array, edge[0], edge[1]))
            else:
                tensors.append(edge)
        return tensors

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
            # Weak references remember where they led while that still exists, so that ``autograd.grad``
            # can tell a path through this node to one of its inputs (an error) from a path elsewhere.
            self.freed_edges = tuple(_weak_edge(edge) for edge in self.next_edges)
            self.next_edges = ()

    def register_output_hook(self, output_nr: int, hook: Callable[[Any], Any]) -> None:
        if self.hooks is None:
            self.hooks = {}
        hooks = self.hooks.setdefault(output_nr, [])
        # As in PyTorch, a retained gradient is what the tensor's other hooks leave, whenever they came.
        if type(hook) is not RetainGrad:
            for i, other in enumerate(hooks):
                if type(other) is RetainGrad:
                    hooks.insert(i, hook)
                    return
        hooks.append(hook)

    def name(self) -> str:
        """The node's name as shown in ``grad_fn=<...>``."""
        return f"{type(self).__name__}Backward"

    def __repr__(self) -> str:
        return f"<{self.name()} object>"


def _refuse_ctx_style(cls: type[Function], *inputs: Any, **params: Any) -> Any:
    raise TypeError(
        f"{cls.__name__}.apply: this Function is written in PyTorch's style, with static forward(ctx, ...) "
        "and backward(ctx, ...) on tensors, which shendu does not support; write forward(self, *arrays) "
        "and backward(self, *grads) as methods on NumPy arrays, keeping arrays with "
        "self.save_for_backward(...) (see help(shendu.autograd.Function)), or build the op from tensor "
        "operations"
    )


def _register_saved(
    fn: Function, inputs: tuple[Tensor, ...], outputs: tuple[Tensor, ...], raw: tuple[Any, ...], versions: list[Any]
) -> None:
    """Tell apart saved inputs, outputs and other arrays, and register the first two for the in-place check.

    ``raw`` holds what forward returned: a NumPy scalar there became a 0-d array in the output tensor.
    """
    kinds: list[int | None] = []
    saved = list(fn.saved)
    for k, array in enumerate(saved):
        kind = None
        for i, t in enumerate(inputs):
            if array is t._array:
                kind = i
                versions.append((t._vc, t._vc[0]))
                break
        else:
            for j, (t, r) in enumerate(zip(outputs, raw)):
                if array is t._array or array is r:
                    kind = -j - 1
                    saved[k] = t._array
                    versions.append((t._vc, 0))
                    break
            else:
                if array is not None and getattr(array, "base", None) is not None:
                    # A view of an input (a reshaped x, say) changes when the input does.
                    for t in inputs:
                        if _shares_memory(array, t._array):
                            versions.append((t._vc, t._vc[0]))
        kinds.append(kind)
    fn.saved = tuple(saved)
    fn.saved_kinds = kinds


def _weak_edge(edge: Any) -> Any:
    if edge is None:
        return None
    if type(edge) is tuple:
        return (weakref.ref(edge[0]), edge[1])
    return weakref.ref(edge)


def _shares_memory(a: Any, b: Any) -> bool:
    return type(a) is type(b) and bool(get_array_module(a).may_share_memory(a, b))


def _refresh_view(t: Tensor) -> None:
    from .inplace import refresh_view

    refresh_view(t)


class _Transposed(Function):
    """The backward of a linear op as an op of its own: its backward runs the linear op forward again."""

    def forward(self, grad: Any, op: Function) -> Any:
        # A copy: a later backward with retain_graph=False may free the op's own state first.
        twin = type(op).__new__(type(op))
        twin.__dict__.update(op.__dict__)
        twin.meta, twin.out_meta, twin.next_edges = getattr(op, "meta", None), op.out_meta, op.next_edges
        twin.recording, twin.released, twin.hooks, twin.versions = False, False, None, []
        self.meta = twin
        return twin.backward(grad)[0]

    def backward(self, grad: Any) -> tuple[Any]:
        op = self.meta
        again = type(op).__new__(type(op))
        again.recording = False
        return (again.forward(grad, **op.linear_params),)

    def backward_graph(self, grad: Tensor) -> tuple[Tensor]:
        op = self.meta
        return (type(op).apply(grad, **op.linear_params),)

    def name(self) -> str:
        return f"{type(self.meta).__name__}BackwardBackward"
