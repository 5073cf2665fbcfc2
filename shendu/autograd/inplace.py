"""In-place operations on tensors that autograd records, with PyTorch's semantics.

An in-place op (``y.add_(1)``, ``y *= w``, ``relu(y, inplace=True)``, ``y[i] = v``) on a tensor in
the graph computes its result out of place, writes it into ``y``'s memory (so every other tensor
sharing that memory sees it), bumps the memory's version counter, and rebases ``y``'s history:
``y.grad_fn`` becomes the op's node. A node that saved the old value notices the new version at
backward time and raises, as PyTorch does.

A view (``y[1:]``, ``y.t()``, ``y.view(...)``) remembers its base and how it was taken from it. An
in-place op on a view also rebases the base: the base's new node (``CopySlices``) sends the
gradient of the written region to the op and the rest to the base's old history, and other views
of the base pick up the new history the next time they are used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import _dtype
from ..backend import get_array_module
from ..errors import DtypeError, GraphError, ShapeError
from ..tensor import Tensor, _read_only
from . import grad_mode, retain_grad
from .function import Function

__all__ = ["CopySlices", "apply_inplace", "record_view", "refresh_view"]

# One step from a base to a view: the view Function, its parameters, and which output (for the
# multi-output views split/unbind/chunk) or None.
ViewStep = tuple[type[Function], dict[str, Any], int | None]


def record_view(
    out: Tensor, input: Tensor, cls: type[Function], params: dict[str, Any], index: int | None = None
) -> Tensor:
    """Mark ``out`` as a view of ``input`` taken by ``cls(**params)``: it shares the version counter
    and remembers the root base and the steps from it."""
    out._vc = input._vc
    step = ((cls, params, index),)
    if input._view is None:
        out._view = (input, step, out._vc[0])
    else:
        base, steps, _ = input._view
        out._view = (base, steps + step, out._vc[0])
    return out


def _replay(array: Any, steps: tuple[ViewStep, ...]) -> Any:
    """The same view of another array of the base's shape (a gradient, say)."""
    for cls, params, index in steps:
        fn = cls.__new__(cls)
        fn.recording = False
        array = fn.forward(array, **params)
        if index is not None:
            array = array[index]
    return array


def _replay_graph(t: Tensor, steps: tuple[ViewStep, ...]) -> Tensor:
    """The same view of a tensor of the base's shape, taken with the recorded (differentiable) view ops."""
    for cls, params, index in steps:
        out = cls.apply(t, **params)
        t = record_view(out[index] if index is not None else out, t, cls, params, index)
    return t


def refresh_view(t: Tensor) -> None:
    """Give a view whose memory changed in place since its history was recorded the base's new history."""
    base, steps, version = t._view
    if version == t._vc[0]:
        return
    with grad_mode.enable_grad():
        view = _replay_graph(base, steps)
    old = t._grad_fn, t._output_nr
    t._grad_fn, t._output_nr, t._requires_grad = view._grad_fn, view._output_nr, view._requires_grad
    t._view = (base, steps, t._vc[0])
    retain_grad.follow(t, *old)


class CopySlices(Function):
    """The node of a base after an in-place op on one of its views: the written region's gradient
    goes to the op's result, the rest to the base's history before the write."""

    def backward(self, grad: Any) -> tuple[Any, Any]:
        steps = self.meta
        rest = grad.copy()
        _replay(rest, steps)[...] = 0
        return rest, _replay(grad, steps).copy()

    def backward_graph(self, grad: Tensor) -> tuple[Tensor, Tensor]:
        steps = self.meta
        rest = grad.clone()
        _replay_graph(rest, steps)[...] = 0
        return rest, _replay_graph(grad, steps).clone()

    def name(self) -> str:
        return "CopySlices"


def _edge(t: Tensor) -> Any:
    if t._grad_fn is not None:
        return (t._grad_fn, t._output_nr)
    return t if t._requires_grad else None


def _alias(t: Tensor, copy: bool) -> Tensor:
    """A tensor with ``t``'s values and place in the graph, on ``t``'s memory or on a copy of it."""
    alias = type(t)._make(t._array.copy() if copy else t._array, t._grad_fn, t._output_nr)
    alias._requires_grad = t._requires_grad
    return alias


def _check_target(op: str, target: Tensor) -> None:
    if target._grad_fn is None and target._requires_grad:
        raise GraphError(
            f"{op}: a leaf tensor that requires grad cannot be changed in place while grad mode is on; "
            "wrap the update in `with shendu.no_grad():` (as optimizers do)"
        )
    if target._view is not None:
        base = target._view[0]
        if base._grad_fn is None and base._requires_grad:
            raise GraphError(
                f"{op}: this tensor is a view of a leaf tensor that requires grad, which cannot be changed in "
                "place while grad mode is on; change it under `with shendu.no_grad():`, or clone() it first"
            )


def _store(op: str, target: Tensor, result: Tensor) -> None:
    value = result._array
    if value.dtype != target._array.dtype:
        if _dtype.from_numpy_dtype(value.dtype)._category > target.dtype._category:
            raise DtypeError(
                f"{op}: the result has dtype {result.dtype}, which cannot be stored in place "
                f"in a tensor of dtype {target.dtype}"
            )
    if value.shape != target._array.shape:
        raise ShapeError(
            f"{op}: the result has shape {tuple(value.shape)}, which does not match the in-place "
            f"target's shape {tuple(target.shape)}"
        )
    if _read_only(target._array):
        raise GraphError(
            f"{op}: this tensor is a read-only view (e.g. the result of expand(), whose elements share "
            "memory, or a read-only NumPy array); clone() it before changing it in place"
        )
    get_array_module(target._array).copyto(target._array, value, casting="unsafe")
    target._vc[0] += 1


def _saves(fn: Function | None, t: Tensor) -> bool:
    return fn is not None and any(counter is t._vc for counter, _ in fn.versions)


def apply_inplace(op: str, target: Tensor, compute: Callable[[Tensor], Tensor]) -> Tensor:
    """Store ``compute(target)`` in ``target``'s memory and give ``target`` the result's history.

    ``compute`` builds the result out of place from the tensor it is given (never from ``target``
    directly), so that the result's node can keep the old values when its backward needs them.
    """
    if not grad_mode._State.enabled:
        _store(op, target, compute(target))
        return target
    if target._view is not None:
        refresh_view(target)
    _check_target(op, target)
    alias = _alias(target, copy=False)
    result = compute(alias)
    if not result._requires_grad:
        _store(op, target, result)
        return target
    if _saves(result._grad_fn, alias):
        # The result's node keeps the old values for backward: give it a copy, since they are about
        # to be overwritten.
        result = compute(_alias(target, copy=True))
    _store(op, target, result)
    if target._view is None:
        old = target._grad_fn, target._output_nr
        target._grad_fn, target._output_nr, target._requires_grad = result._grad_fn, result._output_nr, True
        retain_grad.follow(target, *old)
        return target
    base, steps, _ = target._view
    node = CopySlices.__new__(CopySlices)
    node.released = False
    node.recording = True
    node.hooks = None
    node.meta = steps
    node.out_meta = None
    node.versions = []
    node.next_edges = (_edge(base), _edge(result))
    old = base._grad_fn, base._output_nr
    base._grad_fn, base._output_nr, base._requires_grad = node, 0, True
    retain_grad.follow(base, *old)
    target._view = (base, steps, -1)
    refresh_view(target)
    return target


class Overwrite(Function):
    """New values that do not depend on the old ones (``fill_``, ``zero_``, ``copy_``, random fills):
    the old values get a zero gradient, a source tensor the gradient summed to its shape."""

    def forward(self, x: Any, *source: Any, values: Any = None) -> Any:
        xp = get_array_module(x)
        self.meta = (x.shape, x.dtype, source[0].shape if source else None, source[0].dtype if source else None)
        out = xp.empty_like(x)
        out[...] = source[0] if source else values
        return out

    def backward(self, grad: Any) -> tuple[Any, ...]:
        from ..ops._common import sum_to

        shape, dtype, src_shape, src_dtype = self.meta
        xp = get_array_module(grad)
        zeros = xp.zeros(shape, dtype)
        if src_shape is None:
            return (zeros,)
        return zeros, sum_to(grad, src_shape).astype(src_dtype, copy=False)

    def backward_graph(self, grad: Tensor) -> tuple[Tensor, ...]:
        from ..ops._common import sum_to

        shape, dtype, src_shape, src_dtype = self.meta
        zeros = type(grad)._make(get_array_module(grad._array).zeros(shape, dtype))
        if src_shape is None:
            return (zeros,)
        to_source = sum_to(grad, src_shape)
        return zeros, to_source if to_source._array.dtype == src_dtype else to_source.to(src_dtype)
