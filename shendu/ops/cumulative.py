"""Cumulative sums and products (scans): ``out[i]`` combines ``input[0]`` to ``input[i]`` along one dim.

Unlike the reductions they keep the input's shape. Integer and bool tensors accumulate in int64, as
in PyTorch.
"""

from __future__ import annotations

from typing import Any

from .._checks import check_tensor
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .reduction import _accumulating_dtype, _one_axis
from .shape import stack

__all__ = ["cumprod", "cumsum"]


def _reverse_cumsum(array: Any, axis: int) -> Any:
    if isinstance(array, Tensor):
        return array.flip(axis).cumsum(axis).flip(axis)
    xp = get_array_module(array)
    return xp.flip(xp.cumsum(xp.flip(array, axis), axis=axis), axis)


class CumSum(Function):
    def forward(self, x: Any, axis: int) -> Any:
        xp = get_array_module(x)
        self.meta = axis
        if x.ndim == 0:
            return x.copy()
        return xp.cumsum(x, axis=axis, dtype=x.dtype)

    def backward(self, grad: Any) -> tuple[Any]:
        if grad.ndim == 0:
            return (grad,)
        return (_reverse_cumsum(grad, self.meta),)

    backward_graph = backward


class CumProd(Function):
    def forward(self, x: Any, axis: int) -> Any:
        xp = get_array_module(x)
        self.meta = axis
        out = x.copy() if x.ndim == 0 else xp.cumprod(x, axis=axis, dtype=x.dtype)
        self.save_for_backward(x, out)
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        (x, out), axis = self.saved, self.meta
        if x.ndim == 0:
            return (grad,)
        xp = get_array_module(x)
        # d out_j / d x_k = prod_{i <= j, i != k} x_i for j >= k. Before the first zero of a slice
        # that is out_j / x_k, and out_j is already 0 from the first zero on; at the first zero it
        # is the cumulative product with that zero replaced by 1; after it, every term holds the
        # zero, so the gradient is 0.
        zero = x == 0
        zeros_so_far = xp.cumsum(zero, axis=axis)
        before = zeros_so_far == 0
        first_zero = zero & (zeros_so_far == 1)
        safe = xp.where(before, x, 1)
        from_before = _reverse_cumsum(grad * out, axis) / safe
        if not first_zero.any():
            return (from_before,)
        skipping_zero = xp.cumprod(xp.where(first_zero, 1, x), axis=axis)
        at_zero = _reverse_cumsum(grad * skipping_zero, axis)
        return (xp.where(before, from_before, xp.where(first_zero, at_zero, 0)),)

    @staticmethod
    def composite(x: Tensor, axis: int) -> Tensor:
        if x.ndim == 0:
            return x * 1
        steps = x.unbind(axis)
        running = [steps[0]]
        for step in steps[1:]:
            running.append(running[-1] * step)
        return stack(running, axis)


def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """The cumulative sum along ``dim``: ``out[i] = input[0] + ... + input[i]``.

    Integer and bool tensors accumulate in int64, as in PyTorch.

    Args:
        input: the tensor.
        dim: the dim to accumulate along.
        dtype: cast the input to this dtype first. Default: None.

    Example:
        >>> shendu.cumsum(shendu.tensor([1.0, 2.0, 3.0]), dim=0)
        tensor([1., 3., 6.])
    """
    check_tensor("cumsum", input, "as input")
    axis = _one_axis("cumsum", input, dim)
    return CumSum.apply(_accumulating_dtype("cumsum", input, dtype), axis=axis)


def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """The cumulative product along ``dim``; the gradient is exact where elements are zero.

    Integer and bool tensors accumulate in int64, as in PyTorch.

    Args:
        input: the tensor.
        dim: the dim to accumulate along.
        dtype: cast the input to this dtype first. Default: None.

    Example:
        >>> shendu.cumprod(shendu.tensor([1.0, 2.0, 3.0]), dim=0)
        tensor([1., 2., 6.])
    """
    check_tensor("cumprod", input, "as input")
    axis = _one_axis("cumprod", input, dim)
    return CumProd.apply(_accumulating_dtype("cumprod", input, dtype), axis=axis)
