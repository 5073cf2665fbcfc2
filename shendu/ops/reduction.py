"""Reductions: sum, mean, prod, max/min, amax/amin, var/std, norm, logsumexp, argmax, all/any.

Every reduction takes ``dim`` as an int (negative counts from the end), a tuple
or list of ints, or None for every dimension, plus ``keepdim``. Backward
broadcasts the output gradient back over the reduced dimensions, so each
Function keeps only the input shape and the reduced axes, and the arrays its
gradient formula really reads.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any, ClassVar, NamedTuple

import numpy as np

from .. import _dtype
from .._checks import check_dim, check_floating, check_tensor, is_number, normalize_dims
from ..autograd.function import Function
from ..backend import get_array_module
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from . import _dual
from ._common import float_operand
from .creation import cast, ones_like, zeros

__all__ = [
    "all",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "logsumexp",
    "max",
    "mean",
    "min",
    "norm",
    "prod",
    "std",
    "std_mean",
    "sum",
    "var",
    "var_mean",
]

Dims = int | Sequence[int] | None


class ValuesIndices(NamedTuple):
    """What ``max``/``min`` with a ``dim`` return, like ``torch.return_types.max``.

    Attributes:
        values: the reduced values (differentiable).
        indices: the int64 positions of the values along ``dim`` (first occurrence among ties).
    """

    values: Tensor
    indices: Tensor


# ----------------------------------------------------------------- helpers
def _axes(op: str, input: Tensor, dim: Dims, empty_means_all: bool = True) -> tuple[int, ...]:
    """The sorted non-negative axes that ``dim`` names.

    PyTorch reads an empty ``dim`` (``()`` or ``[]``) as "every dimension" for most reductions,
    but as "no dimension" for ``all``/``any``; ``empty_means_all`` picks which.
    """
    ndim = input._array.ndim
    if dim is None:
        return tuple(range(ndim))
    if not isinstance(dim, (int, tuple, list)):
        raise TypeError(f"{op}: dim must be an int, a tuple of ints or None, got {type(dim).__name__} {dim!r}")
    axes = normalize_dims(op, dim, ndim, input._array.shape)
    if not axes and empty_means_all and isinstance(dim, (tuple, list)):
        return tuple(range(ndim))
    return axes


def _one_axis(op: str, input: Tensor, dim: Any) -> int:
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}: dim must be a single int, got {type(dim).__name__} {tuple(dim)!r}")
    return check_dim(op, dim, input._array.ndim, input._array.shape)


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _kept(array: Any, shape: tuple[int, ...], axes: tuple[int, ...]) -> Any:
    """A reduced array (keepdim or not) reshaped so that it broadcasts against the input."""
    return array.reshape(_kept_shape(shape, axes))


def _spread(grad: Any, shape: tuple[int, ...], axes: tuple[int, ...]) -> Any:
    """The gradient of a reduction, copied (as a broadcast view) to every reduced element."""
    if isinstance(grad, Tensor):
        return _kept(grad, shape, axes).expand(*shape)
    return get_array_module(grad).broadcast_to(_kept(grad, shape, axes), shape)


def _check_nonempty(op: str, input: Tensor, axes: tuple[int, ...], whole: bool) -> None:
    """Max-like reductions have no identity, so an empty reduced dimension is an error."""
    shape = input._array.shape
    if whole and input._array.size == 0:
        raise ShapeError(
            f"{op}: cannot reduce an empty tensor (shape {tuple(shape)}) without a dim, because the "
            "operation has no identity; pass dim= to reduce a dimension that is not empty"
        )
    for a in axes:
        if shape[a] == 0:
            raise ShapeError(
                f"{op}: cannot reduce dim {a}, which has size 0 (input shape {tuple(shape)}), "
                "because the operation has no identity"
            )


def _accumulating_dtype(op: str, input: Tensor, dtype: Any) -> Tensor:
    """``input`` cast to ``dtype``, or to int64 when it is an integer or bool tensor (as PyTorch sums)."""
    if dtype is not None:
        return cast(input, _dtype.to_dtype(dtype, op))
    if input._array.dtype.kind in "biu":
        return cast(input, _dtype.int64)
    return input


# ----------------------------------------------------------------- sum, mean, prod
class Sum(Function):
    def forward(self, x: Any, axes: tuple[int, ...], keepdim: bool) -> Any:
        self.meta = (x.shape, axes)
        return x.sum(axis=axes, keepdims=keepdim, dtype=x.dtype)

    def backward(self, grad: Any) -> tuple[Any]:
        shape, axes = self.meta
        return (_spread(grad, shape, axes),)

    backward_graph = backward


class Mean(Function):
    def forward(self, x: Any, axes: tuple[int, ...], keepdim: bool) -> Any:
        n = _count(x.shape, axes)
        self.meta = (x.shape, axes, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            return x.sum(axis=axes, keepdims=keepdim) / n

    def backward(self, grad: Any) -> tuple[Any]:
        shape, axes, n = self.meta
        with np.errstate(divide="ignore", invalid="ignore"):
            return (_spread(grad / n, shape, axes),)

    backward_graph = backward


class Prod(Function):
    def forward(self, x: Any, axes: tuple[int, ...], keepdim: bool) -> Any:
        self.save_for_backward(x)
        self.meta = axes
        return x.prod(axis=axes, keepdims=keepdim, dtype=x.dtype)

    def backward(self, grad: Any) -> tuple[Any]:
        (x,), axes = self.saved, self.meta
        xp = get_array_module(x)
        # Dividing the product by each element breaks on zeros. The product of the non-zero
        # elements instead gives every case: with no zero in a slice, d/dx_i = prod / x_i; with
        # exactly one zero, only that zero's gradient is non-zero (the product of the others);
        # with two or more, the whole slice's gradient is zero.
        zero = x == 0
        zeros_in_slice = zero.sum(axis=axes, keepdims=True)
        safe = xp.where(zero, 1, x)
        scaled = _kept(grad, x.shape, axes) * safe.prod(axis=axes, keepdims=True)
        at_zero = xp.where(zeros_in_slice == 1, scaled, 0)
        elsewhere = xp.where(zeros_in_slice == 0, scaled / safe, 0)
        return (xp.where(zero, at_zero, elsewhere),)

    @staticmethod
    def composite(x: Tensor, axes: tuple[int, ...], keepdim: bool) -> Tensor:
        # A running product of slices: exact with zeros, where dividing the product is not.
        rest = tuple(i for i in range(x.ndim) if i not in axes)
        moved = x.permute(*axes, *rest).reshape(-1, *(x.shape[i] for i in rest))
        out = moved[0] if moved.shape[0] else ones_like(moved.sum(0))
        for i in range(1, moved.shape[0]):
            out = out * moved[i]
        return out.reshape(_kept_shape(x.shape, axes)) if keepdim else out


def sum(input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The sum of the elements over ``dim``.

    Integer and bool tensors sum to int64, as in PyTorch. The sum over an empty dimension is 0.

    Args:
        input: the tensor to reduce.
        dim: a dim or a tuple of dims to reduce; None (or ``()``) reduces every dim. Default: None.
        keepdim: keep the reduced dims with size 1. Default: False.
        dtype: cast the input to this dtype before summing. Default: None.

    Shape:
        The input's shape without the reduced dims (with them as 1 when ``keepdim``).

    Example:
        >>> shendu.sum(shendu.ones(2, 3), dim=1)
        tensor([3., 3.])
    """
    check_tensor("sum", input, "as input")
    axes = _axes("sum", input, dim)
    return Sum.apply(_accumulating_dtype("sum", input, dtype), axes=axes, keepdim=keepdim)


def mean(input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The mean of the elements over ``dim``; the mean over an empty dimension is nan.

    Args:
        input: a floating-point tensor (or any tensor with a floating-point ``dtype``).
        dim: a dim or a tuple of dims to reduce; None reduces every dim. Default: None.
        keepdim: keep the reduced dims with size 1. Default: False.
        dtype: cast the input to this floating-point dtype first. Default: None.

    Example:
        >>> shendu.mean(shendu.tensor([[1.0, 2.0], [3.0, 5.0]]), dim=0)
        tensor([2.0000, 3.5000])
    """
    check_tensor("mean", input, "as input")
    if dtype is not None:
        target = _dtype.to_dtype(dtype, "mean")
        if not target.is_floating_point:
            raise DtypeError(
                f"mean: could not infer the output dtype: dtype must be a floating-point dtype, got {target}"
            )
        input = cast(input, target)
    elif input._array.dtype.kind != "f":
        raise DtypeError(
            f"mean: could not infer the output dtype: the input must be a floating-point tensor, got dtype "
            f"{input.dtype}; cast it first (x.float()) or pass dtype=shendu.float32"
        )
    return Mean.apply(input, axes=_axes("mean", input, dim), keepdim=keepdim)


def prod(input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The product of the elements over ``dim``; the gradient is exact where elements are zero.

    Integer and bool tensors multiply to int64. The product over an empty dimension is 1.

    Args:
        input: the tensor to reduce.
        dim: a dim or a tuple of dims to reduce; None reduces every dim. Default: None.
        keepdim: keep the reduced dims with size 1. Default: False.
        dtype: cast the input to this dtype first. Default: None.

    Example:
        >>> shendu.prod(shendu.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=1)
        tensor([ 2., 12.])
    """
    check_tensor("prod", input, "as input")
    axes = _axes("prod", input, dim)
    return Prod.apply(_accumulating_dtype("prod", input, dtype), axes=axes, keepdim=keepdim)


# ----------------------------------------------------------------- max, min, amax, amin
class _Extreme(Function):
    """amax/amin: the gradient is split evenly among the elements equal to the extreme."""

    largest: ClassVar[bool]

    def forward(self, x: Any, axes: tuple[int, ...], keepdim: bool) -> Any:
        self.meta = axes
        out = x.max(axis=axes, keepdims=keepdim) if self.largest else x.min(axis=axes, keepdims=keepdim)
        self.save_for_backward(x, out)
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        (x, out), axes = self.saved, self.meta
        hit = x == _kept(out, x.shape, axes)
        ties = hit.sum(axis=axes, keepdims=True).astype(x.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = _kept(grad, x.shape, axes) / ties
        return (_dual.where(hit, share, 0),)

    # Which elements hold the extreme does not change with x (almost everywhere), so the same
    # formula on a tensor gradient is the gradient's own derivative.
    backward_graph = backward


class Amax(_Extreme):
    largest = True


class Amin(_Extreme):
    largest = False


class _ExtremeDim(Function):
    """max/min along one dim: values and indices; the gradient goes to the index returned."""

    differentiable_outputs = (0,)
    largest: ClassVar[bool]

    def forward(self, x: Any, axis: int, keepdim: bool) -> tuple[Any, Any]:
        xp = get_array_module(x)
        # A 0-d tensor reduces over its one implicit element, as in PyTorch.
        work = x.reshape(1) if x.ndim == 0 else x
        index = (xp.argmax if self.largest else xp.argmin)(work, axis=axis, keepdims=True).astype(np.int64)
        values = xp.take_along_axis(work, index, axis)
        self.index = index
        self.meta = (x.shape, work.shape, axis)
        if x.ndim == 0:
            return values.reshape(()), index.reshape(())
        if not keepdim:
            return values.squeeze(axis), index.squeeze(axis)
        return values, index

    def backward(self, grad: Any, _: Any) -> tuple[Any]:
        shape, work_shape, axis = self.meta
        xp = get_array_module(self.index)
        positions = xp.arange(work_shape[axis]).reshape([-1 if i == axis else 1 for i in range(len(work_shape))])
        picked = positions == self.index
        return (_dual.where(picked, grad.reshape(self.index.shape), 0).reshape(shape),)

    backward_graph = backward


class Max(_ExtremeDim):
    largest = True


class Min(_ExtremeDim):
    largest = False


def _extreme(op: str, input: Tensor, dim: Any, keepdim: bool, largest: bool) -> Any:
    check_tensor(op, input, "as input")
    if isinstance(dim, Tensor):
        from . import selection

        return selection.maximum(input, dim) if largest else selection.minimum(input, dim)
    if dim is None:
        if keepdim:
            raise TypeError(f"{op}: keepdim=True needs a dim; use a{op}(input, keepdim=True) to keep every dim")
        axes = tuple(range(input._array.ndim))
        _check_nonempty(op, input, axes, whole=True)
        return (Amax if largest else Amin).apply(input, axes=axes, keepdim=False)
    if isinstance(dim, (tuple, list)):
        raise TypeError(
            f"{op}: dim must be a single int, got {type(dim).__name__} {tuple(dim)!r}; "
            f"use a{op}(input, dim) to reduce several dims"
        )
    axis = check_dim(op, dim, input._array.ndim, input._array.shape)
    if input._array.ndim:
        _check_nonempty(op, input, (axis,), whole=False)
    return ValuesIndices(*(Max if largest else Min).apply(input, axis=axis, keepdim=keepdim))


def max(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False) -> Any:
    """The largest element; along ``dim``, the largest values and their indices; or the elementwise maximum.

    Three forms, as in PyTorch:

    - ``max(input)``: a 0-d tensor; the gradient is split evenly among tied maxima.
    - ``max(input, dim, keepdim=False)``: a named tuple ``(values, indices)``; the gradient goes to the
      index returned, which is the first occurrence among ties.
    - ``max(input, other)`` with a tensor ``other``: the elementwise ``maximum``.

    Args:
        input: the tensor to reduce.
        dim: the one dim to reduce, or a tensor for the elementwise form. Default: None.
        keepdim: keep the reduced dim with size 1. Default: False.

    Example:
        >>> values, indices = shendu.max(shendu.tensor([[1.0, 5.0], [4.0, 2.0]]), dim=1)
        >>> indices
        tensor([1, 0])
    """
    return _extreme("max", input, dim, keepdim, largest=True)


def min(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False) -> Any:
    """The smallest element; along ``dim``, the smallest values and their indices; or the elementwise minimum.

    The forms and the gradient rules mirror ``max``.

    Example:
        >>> shendu.min(shendu.tensor([[1.0, 5.0], [4.0, 2.0]]), dim=0).values
        tensor([1., 2.])
    """
    return _extreme("min", input, dim, keepdim, largest=False)


def _amax_amin(op: str, input: Tensor, dim: Dims, keepdim: bool, largest: bool) -> Tensor:
    check_tensor(op, input, "as input")
    axes = _axes(op, input, dim)
    _check_nonempty(op, input, axes, whole=dim is None or (isinstance(dim, (tuple, list)) and not dim))
    return (Amax if largest else Amin).apply(input, axes=axes, keepdim=keepdim)


def amax(input: Tensor, dim: Dims = (), keepdim: bool = False) -> Tensor:
    """The largest element over ``dim`` (one dim or several); the gradient is split evenly among ties.

    Args:
        input: the tensor to reduce.
        dim: a dim or a tuple of dims; ``()`` or None reduces every dim. Default: ``()``.
        keepdim: keep the reduced dims with size 1. Default: False.

    Example:
        >>> shendu.amax(shendu.tensor([[1.0, 5.0], [4.0, 2.0]]), dim=(0, 1))
        tensor(5.)
    """
    return _amax_amin("amax", input, dim, keepdim, largest=True)


def amin(input: Tensor, dim: Dims = (), keepdim: bool = False) -> Tensor:
    """The smallest element over ``dim`` (one dim or several); arguments and gradient as in ``amax``."""
    return _amax_amin("amin", input, dim, keepdim, largest=False)


# ----------------------------------------------------------------- var, std
def _centered_and_variance(x: Any, axes: tuple[int, ...], keepdim: bool, correction: float) -> tuple[Any, Any]:
    n = _count(x.shape, axes)
    with np.errstate(divide="ignore", invalid="ignore"):
        centered = x - x.sum(axis=axes, keepdims=True) / n
        # Over no elements the mean is undefined, so the variance is NaN whatever the correction (as in PyTorch).
        divisor = builtins.max(0, n - correction) if n else 0
        return centered, (centered * centered).sum(axis=axes, keepdims=keepdim) / divisor


def _variance_grad(grad: Any, centered: Any, axes: tuple[int, ...], correction: float, whole: bool) -> Any:
    """The gradient of the variance, given ``grad`` already shaped to broadcast against the input."""
    xp = get_array_module(centered)
    dof = _count(centered.shape, axes) - correction
    with np.errstate(invalid="ignore"):
        if whole and dof <= 0:
            # PyTorch's rule when no degrees of freedom are left for a whole-tensor variance:
            # the infinite slope times the deviation, taken as nan where the deviation is 0.
            return grad * xp.where(centered == 0, math.nan, xp.full_like(centered, math.inf))
        # Along dims PyTorch divides by N - correction without the forward's clamp at 0.
        return grad * centered * (math.inf if dof == 0 else 2.0 / dof)


def _variance_composite(x: Tensor, axes: tuple[int, ...], keepdim: bool, correction: float) -> Tensor:
    n = _count(tuple(x.shape), axes)
    centered = x - x.sum(dim=axes, keepdim=True) / n
    return (centered * centered).sum(dim=axes, keepdim=keepdim) / builtins.max(0, n - correction)


class Var(Function):
    def forward(self, x: Any, axes: tuple[int, ...], keepdim: bool, correction: float, whole: bool) -> Any:
        self.centered, out = _centered_and_variance(x, axes, keepdim, correction)
        self.meta = (axes, correction, whole)
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        axes, correction, whole = self.meta
        d = self.centered
        return (_variance_grad(_kept(grad, d.shape, axes), d, axes, correction, whole),)

    @staticmethod
    def composite(x: Tensor, axes: tuple[int, ...], keepdim: bool, correction: float, whole: bool) -> Tensor:
        return _variance_composite(x, axes, keepdim, correction)


class Std(Function):
    def forward(self, x: Any, axes: tuple[int, ...], keepdim: bool, correction: float, whole: bool) -> Any:
        centered, variance = _centered_and_variance(x, axes, keepdim, correction)
        out = get_array_module(x).sqrt(variance)
        self.save_for_backward(centered, out)
        self.meta = (axes, correction, whole)
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        axes, correction, whole = self.meta
        d, out = self.saved
        xp = get_array_module(d)
        out = _kept(out, d.shape, axes)
        with np.errstate(divide="ignore", invalid="ignore"):
            # Where every element equals the mean the std is 0 and has no derivative; PyTorch
            # returns a zero gradient there, and so does this.
            per_variance = xp.where(out == 0, 0, _kept(grad, d.shape, axes) / (2 * out))
        return (_variance_grad(per_variance, d, axes, correction, whole),)

    def backward_graph(self, grad: Tensor) -> tuple[Tensor | None]:
        axes, correction, whole = self.meta
        (x,) = self.graph_inputs()
        shape = tuple(x.shape)
        dof = _count(shape, axes) - correction
        if whole and dof <= 0:
            return super().backward_graph(grad)
        # backward's formula on tensors: the composite's sqrt would give 0 * inf = nan where the std is 0.
        out = _kept(self.saved_tensors()[1], shape, axes)
        per_variance = _safe_ratio(_kept(grad, shape, axes), out, 2)
        centered = x - x.sum(dim=axes, keepdim=True) / _count(shape, axes)
        return (per_variance * centered * (math.inf if dof == 0 else 2.0 / dof),)

    @staticmethod
    def composite(x: Tensor, axes: tuple[int, ...], keepdim: bool, correction: float, whole: bool) -> Tensor:
        return _variance_composite(x, axes, keepdim, correction).sqrt()


def _safe_ratio(grad: Tensor, value: Tensor, scale: float) -> Tensor:
    """``grad / (scale * value)``, and 0 where ``value`` is 0 (a norm or std at a point with no derivative)."""
    zero = value.detach() == 0
    return _dual.where(zero, 0.0, grad / (scale * _dual.where(zero, 1.0, value)))


def _var_args(op: str, input: Tensor, dim: Any, unbiased: Any, keepdim: bool, correction: Any) -> dict[str, Any]:
    check_tensor(op, input, "as input")
    if isinstance(dim, bool):
        # The legacy form ``var(input, unbiased)``.
        if unbiased is not None:
            raise TypeError(f"{op}: got unbiased twice (as dim={dim} and unbiased={unbiased})")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: pass either unbiased or correction, not both (got {unbiased=}, {correction=})")
    if unbiased is not None:
        if not isinstance(unbiased, bool):
            raise TypeError(f"{op}: unbiased must be a bool, got {type(unbiased).__name__} {unbiased!r}")
        correction = 1 if unbiased else 0
    elif correction is None:
        correction = 1
    elif not is_number(correction, numpy=False):
        raise TypeError(f"{op}: correction must be a number, got {type(correction).__name__} {correction!r}")
    check_floating(op, input, hint="; cast it first (x.float())")
    # ``dim=()`` reduces every dim too; PyTorch's gradient for it divides by 1 - correction, a
    # quirk not copied here.
    whole = dim is None or input._array.ndim == 0 or (isinstance(dim, (tuple, list)) and not dim)
    return {"axes": _axes(op, input, dim), "keepdim": keepdim, "correction": correction, "whole": whole}


def var(
    input: Tensor,
    dim: Dims | bool = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> Tensor:
    """The variance over ``dim``: the sum of squared deviations from the mean over ``N - correction``.

    Accepts PyTorch 2's form ``var(input, dim=None, *, correction=1, keepdim=False)`` and the legacy
    forms ``var(input, dim, unbiased, keepdim=False)`` and ``var(input, unbiased)``. With no degrees
    of freedom left (``N <= correction``) the result is nan or inf, as in PyTorch.

    Args:
        input: a floating-point tensor.
        dim: a dim or a tuple of dims; None reduces every dim. Default: None.
        unbiased: legacy switch: True is ``correction=1``, False is ``correction=0``. Default: None.
        keepdim: keep the reduced dims with size 1. Default: False.
        correction: subtracted from the number of elements in the divisor (1 is Bessel's
            correction). Default: 1.

    Example:
        >>> shendu.var(shendu.tensor([1.0, 2.0, 3.0, 4.0]))
        tensor(1.6667)
        >>> shendu.var(shendu.tensor([[1.0, 2.0], [3.0, 5.0]]), 1, False)
        tensor([0.2500, 1.0000])
    """
    args = _var_args("var", input, dim, unbiased, keepdim, correction)
    return Var.apply(input, **args)


def std(
    input: Tensor,
    dim: Dims | bool = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> Tensor:
    """The standard deviation over ``dim``: the square root of ``var``; arguments as in ``var``.

    Where the std is 0 its gradient is 0, as in PyTorch.

    Example:
        >>> shendu.std(shendu.tensor([1.0, 2.0, 3.0, 4.0]), correction=0)
        tensor(1.1180)
    """
    args = _var_args("std", input, dim, unbiased, keepdim, correction)
    return Std.apply(input, **args)


def var_mean(
    input: Tensor,
    dim: Dims | bool = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> tuple[Tensor, Tensor]:
    """``(var(input, ...), mean(input, ...))`` over the same dims; arguments as in ``var``."""
    args = _var_args("var_mean", input, dim, unbiased, keepdim, correction)
    return (
        Var.apply(input, **args),
        Mean.apply(input, axes=args["axes"], keepdim=keepdim),
    )


def std_mean(
    input: Tensor,
    dim: Dims | bool = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> tuple[Tensor, Tensor]:
    """``(std(input, ...), mean(input, ...))`` over the same dims; arguments as in ``var``."""
    args = _var_args("std_mean", input, dim, unbiased, keepdim, correction)
    return (
        Std.apply(input, **args),
        Mean.apply(input, axes=args["axes"], keepdim=keepdim),
    )


# ----------------------------------------------------------------- norm, logsumexp
class Norm(Function):
    def forward(self, x: Any, p: float, axes: tuple[int, ...], keepdim: bool) -> Any:
        xp = get_array_module(x)
        self.meta = (p, axes)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 2:
                out = xp.sqrt((x * x).sum(axis=axes, keepdims=keepdim))
            elif p == 1:
                out = xp.abs(x).sum(axis=axes, keepdims=keepdim)
            elif p == 0:
                out = (x != 0).sum(axis=axes, keepdims=keepdim).astype(x.dtype)
            elif p == math.inf:
                out = xp.abs(x).max(axis=axes, keepdims=keepdim)
            elif p == -math.inf:
                out = xp.abs(x).min(axis=axes, keepdims=keepdim)
            else:
                out = (xp.abs(x) ** p).sum(axis=axes, keepdims=keepdim) ** (1.0 / p)
        self.save_for_backward(x, out)
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        x, out = self.saved
        p, axes = self.meta
        xp = get_array_module(x)
        g = _kept(grad, x.shape, axes)
        n = _kept(out, x.shape, axes)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 0:
                return (xp.zeros_like(x),)
            if p == 1:
                return (xp.sign(x) * g,)
            if p == 2:
                # The norm is not differentiable at the zero vector; PyTorch uses 0 there.
                return (xp.where(n == 0, 0, g / n) * x,)
            if math.isinf(p):
                a = xp.abs(x)
                hit = (a == n) | xp.isnan(x)
                ties = hit.sum(axis=axes, keepdims=True).astype(x.dtype)
                return (xp.sign(x) * xp.where(hit, g / ties, 0),)
            a = xp.abs(x)
            if p < 1:
                # |x|**(p-1) is infinite at 0; those elements get a zero gradient, as in PyTorch.
                return (xp.sign(x) * xp.where(x == 0, 0, a ** (p - 1)) * g * n ** (1 - p),)
            return (xp.sign(x) * a ** (p - 1) * xp.where(n == 0, 0, g / n ** (p - 1)),)

    def backward_graph(self, grad: Tensor) -> tuple[Tensor | None]:
        p, axes = self.meta
        if p != 2:
            return super().backward_graph(grad)
        # backward's formula on tensors: the composite's sqrt would give 0 * inf = nan at the zero vector.
        (x,) = self.graph_inputs()
        shape = tuple(x.shape)
        return (_safe_ratio(_kept(grad, shape, axes), _kept(self.saved_tensors()[1], shape, axes), 1) * x,)

    @staticmethod
    def composite(x: Tensor, p: float, axes: tuple[int, ...], keepdim: bool) -> Tensor:
        if p == 2:
            return (x * x).sum(dim=axes, keepdim=keepdim).sqrt()
        if p == 1:
            return x.abs().sum(dim=axes, keepdim=keepdim)
        if p == 0:
            return (x != 0).sum(dim=axes, keepdim=keepdim).to(x.dtype)
        if p == math.inf:
            return x.abs().amax(dim=axes, keepdim=keepdim)
        if p == -math.inf:
            return x.abs().amin(dim=axes, keepdim=keepdim)
        return (x.abs() ** p).sum(dim=axes, keepdim=keepdim) ** (1.0 / p)


def norm(input: Tensor, p: float | str = "fro", dim: Dims = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """The vector p-norm of ``input`` over ``dim`` (every element when ``dim`` is None).

    ``(sum |x| ** p) ** (1 / p)``; ``p=inf`` is the largest absolute value, ``p=-inf`` the smallest,
    ``p=0`` the number of non-zero elements, and ``"fro"`` (Frobenius) is ``p=2``. At the zero vector
    the gradient of the 2-norm is 0, as in PyTorch.

    Args:
        input: a floating-point tensor.
        p: the order: a number, ``inf``, ``-inf`` or ``"fro"``. Default: ``"fro"``.
        dim: a dim or a tuple of dims; None reduces every dim. Default: None.
        keepdim: keep the reduced dims with size 1. Default: False.
        dtype: cast the input to this floating-point dtype first. Default: None.

    Example:
        >>> shendu.norm(shendu.tensor([3.0, 4.0]))
        tensor(5.)
        >>> shendu.norm(shendu.tensor([[3.0, -4.0], [1.0, 0.0]]), p=1, dim=1)
        tensor([7., 1.])
    """
    check_tensor("norm", input, "as input")
    if isinstance(p, str):
        if p == "nuc":
            raise ValueError("norm: the nuclear norm (p='nuc') is not supported; use a number, inf or 'fro'")
        if p != "fro":
            raise ValueError(f"norm: p must be a number, inf, -inf or 'fro', got {p!r}")
        p = 2
    elif not is_number(p, numpy=False):
        raise TypeError(f"norm: p must be a number or 'fro', got {type(p).__name__} {p!r}")
    if dtype is not None:
        input = cast(input, _dtype.to_dtype(dtype, "norm"))
    check_floating("norm", input, hint="; cast it first (x.float())")
    axes = _axes("norm", input, dim)
    if (p < 0 or math.isinf(p)) and _count(input._array.shape, axes) == 0:
        raise ShapeError(
            f"norm: cannot compute the {p} norm over no elements (input shape {tuple(input.shape)}, "
            f"dims {axes}), because the operation has no identity"
        )
    return Norm.apply(input, p=p, axes=axes, keepdim=keepdim)


class LogSumExp(Function):
    def forward(self, x: Any, axes: tuple[int, ...], keepdim: bool) -> Any:
        xp = get_array_module(x)
        self.meta = axes
        if x.size:
            top = x.max(axis=axes, keepdims=True)
            # Shifting by an infinite max would give inf - inf = nan; an all -inf slice must
            # come out as -inf and a slice holding +inf as +inf, so those shift by 0 instead.
            top = xp.where(xp.isfinite(top), top, 0)
        else:
            top = xp.zeros(_kept_shape(x.shape, axes), x.dtype)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            out = xp.log(xp.exp(x - top).sum(axis=axes, keepdims=True)) + top
        if not keepdim:
            out = out.reshape(tuple(s for i, s in enumerate(out.shape) if i not in axes))
        self.save_for_backward(x, out)
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        (x, out), axes = self.saved, self.meta
        xp = get_array_module(x)
        with np.errstate(over="ignore", invalid="ignore"):
            return (_kept(grad, x.shape, axes) * xp.exp(x - _kept(out, x.shape, axes)),)

    @staticmethod
    def composite(x: Tensor, axes: tuple[int, ...], keepdim: bool) -> Tensor:
        if x.numel():
            top = x.detach().amax(dim=axes, keepdim=True)
        else:
            top = zeros(_kept_shape(x.shape, axes), dtype=x.dtype, device=x.device)
        top = top.nan_to_num(0.0, 0.0, 0.0)
        out = (x - top).exp().sum(dim=axes, keepdim=True).log() + top
        return out if keepdim else out.reshape(tuple(s for i, s in enumerate(out.shape) if i not in axes))


def logsumexp(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, computed without overflow by shifting by the maximum.

    A slice of all ``-inf`` gives ``-inf``, as does an empty slice. Integer tensors give float32.

    Args:
        input: the tensor to reduce.
        dim: a dim or a tuple of dims; None reduces every dim. Default: None.
        keepdim: keep the reduced dims with size 1. Default: False.

    Example:
        >>> shendu.logsumexp(shendu.tensor([1000.0, 1000.0]), dim=0)
        tensor(1000.6932)
    """
    check_tensor("logsumexp", input, "as input")
    input = float_operand(input)
    return LogSumExp.apply(input, axes=_axes("logsumexp", input, dim), keepdim=keepdim)


# ----------------------------------------------------------------- argmax, argmin, all, any
def _arg_extreme(op: str, input: Tensor, dim: int | None, keepdim: bool, largest: bool) -> Tensor:
    check_tensor(op, input, "as input")
    data = input._array
    if data.dtype.kind == "b":
        raise DtypeError(f"{op}: bool tensors are not supported; cast the input first (x.int())")
    xp = get_array_module(data)
    find = xp.argmax if largest else xp.argmin
    if dim is None:
        _check_nonempty(op, input, (), whole=True)
        index = find(data.reshape(-1))
        shape = (1,) * data.ndim if keepdim else ()
        return Tensor._make(xp.asarray(index, dtype=np.int64).reshape(shape))
    axis = _one_axis(op, input, dim)
    if data.ndim == 0:
        return Tensor._make(xp.zeros((), np.int64))
    _check_nonempty(op, input, (axis,), whole=False)
    return Tensor._make(find(data, axis=axis, keepdims=keepdim).astype(np.int64))


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The int64 index of the largest element: of the flattened tensor, or along ``dim``.

    Among ties the first occurrence wins.

    Args:
        input: the tensor.
        dim: the dim to search along; None searches the flattened tensor. Default: None.
        keepdim: keep the searched dim(s) with size 1. Default: False.

    Example:
        >>> shendu.argmax(shendu.tensor([[1.0, 5.0], [4.0, 2.0]]), dim=1)
        tensor([1, 0])
    """
    return _arg_extreme("argmax", input, dim, keepdim, largest=True)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The int64 index of the smallest element; arguments as in ``argmax``."""
    return _arg_extreme("argmin", input, dim, keepdim, largest=False)


def _truth(op: str, input: Tensor, dim: Dims, keepdim: bool, every: bool) -> Tensor:
    check_tensor(op, input, "as input")
    data = input._array
    xp = get_array_module(data)
    axes = None if dim is None else _axes(op, input, dim, empty_means_all=False)
    out = (xp.all if every else xp.any)(data, axis=axes, keepdims=keepdim)
    # PyTorch keeps uint8 for uint8 inputs (a legacy of masks stored as bytes).
    return Tensor._make(out.astype(np.uint8) if data.dtype == np.uint8 else out)


def all(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Whether every element (over ``dim``) is non-zero; a bool tensor (uint8 for uint8 inputs).

    An empty reduction gives True.

    Args:
        input: the tensor.
        dim: a dim or a tuple of dims; None reduces every dim, ``()`` none. Default: None.
        keepdim: keep the reduced dims with size 1. Default: False.

    Example:
        >>> shendu.all(shendu.tensor([[True, False], [True, True]]), dim=1)
        tensor([False,  True])
    """
    return _truth("all", input, dim, keepdim, every=True)


def any(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Whether any element (over ``dim``) is non-zero; arguments as in ``all``; an empty reduction gives False."""
    return _truth("any", input, dim, keepdim, every=False)
