"""Shape ops: views (reshape, transpose, permute, squeeze, expand, narrow, split) and joins (cat, stack);
padding is in ``padding.py`` and the copies that repeat or reorder elements in ``rearrange.py``.

A view's output shares memory with its input, so it also shares the input's version
counter: an in-place change through either one is then caught by the engine when a
value saved for backward was modified.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _dtype
from .._checks import check_dim, is_int, normalize_dims
from ..autograd.function import Function
from ..autograd.inplace import record_view
from ..backend import get_array_module
from ..errors import IndexOutOfRange, ShapeError
from ..tensor import Tensor
from ._common import as_index, check_same_device, sum_to
from .creation import cast, zeros

__all__ = [
    "cat",
    "chunk",
    "concat",
    "concatenate",
    "contiguous",
    "expand",
    "expand_as",
    "flatten",
    "moveaxis",
    "movedim",
    "narrow",
    "permute",
    "reshape",
    "reshape_as",
    "select",
    "split",
    "squeeze",
    "stack",
    "swapaxes",
    "swapdims",
    "t",
    "transpose",
    "unbind",
    "unflatten",
    "unsqueeze",
    "view",
    "view_as",
]


def _view(cls: type[Function], input: Tensor, **params: Any) -> Tensor:
    """Apply a view op: the result shares ``input``'s memory, and in-place changes to either reach the other."""
    return record_view(cls.apply(input, **params), input, cls, params)


def _views(cls: type[Function], input: Tensor, **params: Any) -> tuple[Tensor, ...]:
    """Apply a view op with several outputs (split, unbind)."""
    return tuple(record_view(out, input, cls, params, i) for i, out in enumerate(cls.apply(input, **params)))


def _sizes(op: str, args: Sequence[Any]) -> tuple[int, ...]:
    """Accept ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])`` as ints, which may be negative (callers check)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    if all(type(s) is int for s in args):
        return tuple(args)
    out = []
    for s in args:
        if not (is_int(s) or isinstance(s, Tensor)):
            raise TypeError(f"{op}: sizes must be ints, got {type(s).__name__} {s!r} in {tuple(args)}")
        out.append(operator.index(s))
    return tuple(out)


def _dims(op: str, args: Sequence[Any]) -> tuple[int, ...]:
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for d in args:
        if not is_int(d):
            raise TypeError(f"{op}: dims must be ints, got {type(d).__name__} {d!r} in {tuple(args)}")
    return tuple(int(d) for d in args)


def _need_dims(op: str, input: Tensor) -> None:
    if input._array.ndim == 0:
        raise ShapeError(f"{op}: expected a tensor with at least 1 dimension, got a 0-d tensor")


# ----------------------------------------------------------------------------- reshape and views


class Reshape(Function):
    linear = True

    def forward(self, x: Any, shape: tuple[int, ...]) -> Any:
        self.meta = x.shape
        return x.reshape(shape)

    def backward(self, grad: Any) -> tuple[Any]:
        return (grad.reshape(self.meta),)


class View(Reshape):
    pass


class Squeeze(Reshape):
    pass


class Unsqueeze(Reshape):
    pass


def _infer_shape(op: str, args: Sequence[Any], input: Tensor) -> tuple[int, ...]:
    shape = _sizes(op, args)
    numel = input._array.size
    known = 1
    for s in shape:
        known *= s
    if known == numel and min(shape, default=0) >= 0:
        return shape
    inferred = -1
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if inferred >= 0:
                raise ShapeError(f"{op}: only one dimension can be inferred (-1), got shape {shape}")
            inferred = i
        elif s < 0:
            raise ShapeError(
                f"{op}: invalid size {s} at index {i} of shape {shape}; sizes must be >= 0, or -1 to infer"
            )
        else:
            known *= s
    invalid = ShapeError(
        f"{op}: shape {shape} is invalid for input of size {numel} (input shape {tuple(input._array.shape)})"
    )
    if inferred < 0:
        raise invalid
    if known == 0:
        if numel == 0:
            raise ShapeError(
                f"{op}: cannot infer the -1 in shape {shape} for a tensor of 0 elements: any size would fit; "
                "give every size explicitly"
            )
        raise invalid
    if numel % known:
        raise invalid
    return (*shape[:inferred], numel // known, *shape[inferred + 1 :])


def _shares_memory(a: Any, b: Any) -> bool:
    return a.size == 0 or bool(get_array_module(a).may_share_memory(a, b))


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """``input`` with a new shape and the same elements, as a view when the memory layout allows, else a copy.

    Args:
        input: the tensor.
        shape: the new shape, as ints or one sequence; one size may be -1 to infer it.

    Example:
        >>> shendu.arange(6).reshape(2, -1).shape
        shendu.Size([2, 3])
    """
    return _reshape_to(input, _infer_shape("reshape", shape, input))


def _reshape_to(input: Tensor, shape: tuple[int, ...]) -> Tensor:
    out = Reshape.apply(input, shape=shape)
    if _shares_memory(out._array, input._array):
        record_view(out, input, Reshape, {"shape": shape})
    return out


def view(input: Tensor, *shape: Any) -> Tensor:
    """A view of ``input`` with a new shape, sharing its memory.

    Args:
        input: the tensor.
        shape: the new shape, as ints or one sequence; one size may be -1 to infer it.

    Raises:
        ShapeError: when the sizes do not match, or when the memory layout of a non-contiguous
            input (after ``transpose``, say) cannot be viewed with this shape; use ``reshape`` then.

    Example:
        >>> shendu.zeros(4, 784).view(-1, 28, 28).shape
        shendu.Size([4, 28, 28])
    """
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        raise TypeError("view: reinterpreting the bytes as another dtype is not supported; use .to(dtype) instead")
    target = _infer_shape("view", shape, input)
    out = View.apply(input, shape=target)
    if not _shares_memory(out._array, input._array):
        raise ShapeError(
            f"view: shape {target} is not compatible with the memory layout of the input (shape "
            f"{tuple(input._array.shape)}, not contiguous, e.g. after transpose or permute); "
            "use .reshape(...) instead, which copies when it must"
        )
    return record_view(out, input, View, {"shape": target})


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.view(other.shape)``."""
    return view(input, tuple(other._array.shape))


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.reshape(other.shape)``."""
    return reshape(input, tuple(other._array.shape))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim`` to ``end_dim`` into one (a 0-d tensor becomes 1-d).

    Args:
        input: the tensor.
        start_dim: the first dim to merge. Default: 0.
        end_dim: the last dim to merge. Default: -1.

    Example:
        >>> shendu.zeros(2, 3, 4).flatten(1).shape
        shendu.Size([2, 12])
    """
    shape = input._array.shape
    ndim = len(shape)
    start = check_dim("flatten", start_dim, ndim, shape)
    end = check_dim("flatten", end_dim, ndim, shape)
    if start > end:
        raise ShapeError(
            f"flatten: start_dim ({start_dim}) must not come after end_dim ({end_dim}) for a {ndim}-d tensor"
        )
    if ndim == 0:
        return _reshape_to(input, (1,))
    return _reshape_to(input, (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :]))


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dim ``dim`` into several dims of the given ``sizes`` (one may be -1).

    Example:
        >>> shendu.zeros(2, 12).unflatten(1, (3, -1)).shape
        shendu.Size([2, 3, 4])
    """
    shape = input._array.shape
    d = check_dim("unflatten", dim, len(shape), shape)
    _need_dims("unflatten", input)
    if not isinstance(sizes, (tuple, list)):
        raise TypeError(f"unflatten: sizes must be a tuple or list of ints, got {type(sizes).__name__}")
    parts = _sizes("unflatten", (sizes,))
    if not parts:
        raise ShapeError("unflatten: sizes must not be empty")
    size = shape[d]
    if parts.count(-1) > 1:
        raise ShapeError(f"unflatten: only one of the sizes {parts} can be -1")
    known = math.prod(p for p in parts if p != -1)
    fits = (known == size) if -1 not in parts else (known > 0 and size % known == 0)
    if not fits or any(p < -1 for p in parts):
        raise ShapeError(
            f"unflatten: sizes {parts} do not multiply up to the size of dim {dim} ({size}) of the input "
            f"(shape {tuple(shape)})"
        )
    if -1 in parts:
        parts = tuple(size // known if p == -1 else p for p in parts)
    return _reshape_to(input, (*shape[:d], *parts, *shape[d + 1 :]))


def squeeze(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Remove dims of size 1: all of them, or those among ``dim`` (others in ``dim`` are left alone).

    Args:
        input: the tensor.
        dim: an int, a tuple of ints, or None for every dim. Default: None.

    Example:
        >>> shendu.zeros(2, 1, 3, 1).squeeze(1).shape
        shendu.Size([2, 3, 1])
    """
    shape = input._array.shape
    dims = normalize_dims("squeeze", dim, len(shape), shape)
    target = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return _view(Squeeze, input, shape=target)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dim of size 1 at position ``dim`` (in ``[-input.dim() - 1, input.dim()]``).

    Example:
        >>> shendu.zeros(2, 3).unsqueeze(-1).shape
        shendu.Size([2, 3, 1])
    """
    shape = input._array.shape
    d = check_dim("unsqueeze", dim, len(shape) + 1, shape)
    return _view(Unsqueeze, input, shape=(*shape[:d], 1, *shape[d:]))


class Transpose(Function):
    linear = True

    def forward(self, x: Any, dim0: int, dim1: int) -> Any:
        self.meta = (dim0, dim1)
        if x.ndim == 0:
            return x[...]
        return get_array_module(x).swapaxes(x, dim0, dim1)

    def backward(self, grad: Any) -> tuple[Any]:
        if grad.ndim == 0:
            return (grad,)
        return (get_array_module(grad).swapaxes(grad, *self.meta),)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """A view of ``input`` with dims ``dim0`` and ``dim1`` swapped.

    Example:
        >>> shendu.zeros(2, 3, 4).transpose(0, -1).shape
        shendu.Size([4, 3, 2])
    """
    shape = input._array.shape
    d0 = check_dim("transpose", dim0, len(shape), shape)
    d1 = check_dim("transpose", dim1, len(shape), shape)
    return _view(Transpose, input, dim0=d0, dim1=d1)


swapaxes = transpose
swapdims = transpose


def t(input: Tensor) -> Tensor:
    """The transpose of a matrix; 0-d and 1-d tensors come back as they are (as views).

    Example:
        >>> shendu.zeros(2, 3).t().shape
        shendu.Size([3, 2])
    """
    ndim = input._array.ndim
    if ndim > 2:
        raise ShapeError(
            f"t: expects a tensor with at most 2 dimensions, got shape {tuple(input._array.shape)}; "
            "use transpose(dim0, dim1) or mT for batches of matrices"
        )
    return transpose(input, 0, ndim - 1 if ndim else 0)


class Permute(Function):
    linear = True

    def forward(self, x: Any, dims: tuple[int, ...]) -> Any:
        inverse = [0] * len(dims)
        for i, d in enumerate(dims):
            inverse[d] = i
        self.meta = tuple(inverse)
        return get_array_module(x).transpose(x, dims)

    def backward(self, grad: Any) -> tuple[Any]:
        return (get_array_module(grad).transpose(grad, self.meta),)


def permute(input: Tensor, *args: Any, dims: Sequence[int] | None = None) -> Tensor:
    """A view of ``input`` with its dims reordered: output dim ``i`` is input dim ``dims[i]``.

    Args:
        input: the tensor.
        dims: a permutation of ``range(input.dim())``, as ints or one sequence.

    Example:
        >>> shendu.zeros(2, 3, 4).permute(2, 0, 1).shape
        shendu.Size([4, 2, 3])
    """
    order = _dims("permute", args if dims is None else (dims,))
    shape = input._array.shape
    if len(order) != len(shape):
        raise ShapeError(
            f"permute: expected {len(shape)} dims, one per dimension of the input (shape {tuple(shape)}), "
            f"got {len(order)}: {order}"
        )
    normal = tuple(check_dim("permute", d, len(shape), shape) for d in order)
    if len(set(normal)) != len(normal):
        raise ShapeError(f"permute: dims {order} name the same dimension twice; expected a permutation")
    return _view(Permute, input, dims=normal)


class Expand(Function):
    linear = True

    def forward(self, x: Any, shape: tuple[int, ...]) -> Any:
        self.meta = x.shape
        return get_array_module(x).broadcast_to(x, shape)

    def backward(self, grad: Any) -> tuple[Any]:
        return (sum_to(grad, self.meta),)


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """A view of ``input`` with its size-1 dims repeated (without copying) to ``sizes``.

    Args:
        input: the tensor.
        sizes: the target shape, as ints or one sequence; -1 keeps a dim's size, and new dims
            may be added in front.

    Example:
        >>> shendu.zeros(3, 1).expand(2, -1, 4).shape
        shendu.Size([2, 3, 4])
    """
    target = _sizes("expand", sizes)
    shape = input._array.shape
    lead = len(target) - len(shape)
    if lead < 0:
        raise ShapeError(
            f"expand: got {len(target)} sizes {target} for a tensor of {len(shape)} dimensions "
            f"(shape {tuple(shape)}); give at least one size per dimension"
        )
    out = list(target)
    for i, s in enumerate(target):
        if i < lead:
            if s < 0:
                raise ShapeError(f"expand: size {s} is not allowed for the new leading dim {i} (target sizes {target})")
            continue
        own = shape[i - lead]
        if s == -1:
            out[i] = own
        elif s != own and own != 1:
            raise ShapeError(
                f"expand: the expanded size {s} must match the existing size {own} at non-singleton dim {i}; "
                f"target sizes {target}, input shape {tuple(shape)}"
            )
    return _view(Expand, input, shape=tuple(out))


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.expand(other.shape)``."""
    return expand(input, tuple(other._array.shape))


def _dim_list(op: str, value: int | Sequence[int], ndim: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    dims = _dims(op, (value,) if isinstance(value, (int, np.integer)) else (tuple(value),))
    normal = tuple(check_dim(op, d, ndim, shape) for d in dims)
    if len(set(normal)) != len(normal):
        raise ShapeError(f"{op}: dims {dims} name the same dimension twice")
    return normal


def movedim(input: Tensor, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """A view of ``input`` with dims ``source`` moved to positions ``destination``; the others keep their order.

    Example:
        >>> shendu.zeros(2, 3, 4).movedim(0, -1).shape
        shendu.Size([3, 4, 2])
    """
    shape = input._array.shape
    ndim = len(shape)
    src = _dim_list("movedim", source, ndim, shape)
    dst = _dim_list("movedim", destination, ndim, shape)
    if len(src) != len(dst):
        raise ShapeError(f"movedim: source {source} and destination {destination} must name the same number of dims")
    if ndim == 0:
        return permute(input, ())
    order: list[int | None] = [None] * ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(ndim) if d not in src)
    return permute(input, tuple(next(rest) if o is None else o for o in order))


moveaxis = movedim


class Select(Function):
    linear = True

    def forward(self, x: Any, dim: int, index: int) -> Any:
        self.meta = (x.shape, (slice(None),) * dim + (index, Ellipsis))
        return x[self.meta[1]]

    def backward(self, grad: Any) -> tuple[Any]:
        shape, key = self.meta
        out = get_array_module(grad).zeros(shape, grad.dtype)
        out[key] = grad
        return (out,)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """A view of the slice of ``input`` at position ``index`` along ``dim``, without that dim.

    Example:
        >>> shendu.arange(6).view(2, 3).select(1, -1)
        tensor([2, 5])
    """
    _need_dims("select", input)
    shape = input._array.shape
    d = check_dim("select", dim, len(shape), shape)
    i = as_index("select", "index", index)
    size = shape[d]
    if not -size <= i < size:
        raise IndexOutOfRange(
            f"select: index {i} is out of range for dim {d} with size {size}; "
            f"expected an index in [{-size}, {size - 1}]"
        )
    return _view(Select, input, dim=d, index=i)


# ----------------------------------------------------------------------------- joins


def _tensor_list(op: str, tensors: Any) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected a list of tensors, but element {i} is {type(t).__name__}")
    check_same_device(op, *tensors)
    target = tensors[0].dtype
    for t in tensors[1:]:
        target = _dtype.promote_types(target, t.dtype)
    return [cast(t, target) for t in tensors]


class Cat(Function):
    def forward(self, *arrays: Any, dim: int, keep: tuple[bool, ...]) -> Any:
        self.meta = (dim, tuple(a.shape[dim] if k else None for a, k in zip(arrays, keep)))
        parts = [a for a, k in zip(arrays, keep) if k]
        return get_array_module(parts[0]).concatenate(parts, axis=dim)

    def backward(self, grad: Any) -> tuple[Any, ...]:
        dim, sizes = self.meta
        xp = get_array_module(grad)
        lead = (slice(None),) * dim
        grads = []
        start = 0
        for i, size in enumerate(sizes):
            if size is None:
                grads.append(xp.zeros((0,), grad.dtype) if self.needs_input_grad(i) else None)
                continue
            grads.append(grad[(*lead, slice(start, start + size))] if self.needs_input_grad(i) else None)
            start += size
        return tuple(grads)

    def backward_graph(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        dim, sizes = self.meta
        grads: list[Tensor | None] = []
        start = 0
        for i, size in enumerate(sizes):
            if size is None:
                grads.append(zeros(0, dtype=grad.dtype, device=grad.device) if self.needs_input_grad(i) else None)
                continue
            grads.append(narrow(grad, dim, start, size) if self.needs_input_grad(i) else None)
            start += size
        return tuple(grads)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim; their dtypes are promoted to a common one.

    Args:
        tensors: tensors of the same shape except in ``dim`` (1-d empty tensors are skipped, as in PyTorch).
        dim: the dim to join along. Default: 0.

    Example:
        >>> shendu.cat([shendu.zeros(2, 3), shendu.ones(1, 3)]).shape
        shendu.Size([3, 3])
    """
    tensors = _tensor_list("cat", tensors)
    for i, t in enumerate(tensors):
        if t._array.ndim == 0:
            raise ShapeError(f"cat: a 0-d tensor (at position {i}) cannot be concatenated; unsqueeze it first")
    # PyTorch skips 1-d empty tensors whatever the others' shapes, a legacy that code relies on.
    ref = next((i for i, t in enumerate(tensors) if t._array.shape != (0,)), 0)
    ref_shape = tensors[ref]._array.shape
    d = check_dim("cat", dim, len(ref_shape), ref_shape)
    keep = tuple(t._array.shape != (0,) or len(ref_shape) == 1 for t in tensors)
    for i, t in enumerate(tensors):
        shape = t._array.shape
        if not keep[i] or i == ref:
            continue
        if len(shape) != len(ref_shape):
            raise ShapeError(
                f"cat: tensors must have the same number of dimensions, but tensor {ref} has shape "
                f"{tuple(ref_shape)} and tensor {i} has shape {tuple(shape)}"
            )
        if any(a != b for j, (a, b) in enumerate(zip(shape, ref_shape)) if j != d):
            raise ShapeError(
                f"cat: tensors must have the same shape except in dim {dim}, but tensor {ref} has shape "
                f"{tuple(ref_shape)} and tensor {i} has shape {tuple(shape)}"
            )
    return Cat.apply(*tensors, dim=d, keep=keep)


concat = cat
concatenate = cat


class Stack(Function):
    def forward(self, *arrays: Any, dim: int) -> Any:
        self.meta = dim
        return get_array_module(arrays[0]).stack(arrays, axis=dim)

    def backward(self, grad: Any) -> tuple[Any, ...]:
        lead = (slice(None),) * self.meta
        return tuple(grad[(*lead, i)] if self.needs_input_grad(i) else None for i in range(grad.shape[self.meta]))

    def backward_graph(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        return tuple(
            select(grad, self.meta, i) if self.needs_input_grad(i) else None for i in range(grad.shape[self.meta])
        )


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new dim ``dim``; their dtypes are promoted to a common one.

    Example:
        >>> shendu.stack([shendu.zeros(2, 3), shendu.ones(2, 3)], dim=1).shape
        shendu.Size([2, 2, 3])
    """
    tensors = _tensor_list("stack", tensors)
    shape = tensors[0]._array.shape
    d = check_dim("stack", dim, len(shape) + 1, shape)
    for i, t in enumerate(tensors[1:], 1):
        if t._array.shape != shape:
            raise ShapeError(
                f"stack: expects tensors of equal shape, but tensor 0 has shape {tuple(shape)} "
                f"and tensor {i} has shape {tuple(t._array.shape)}"
            )
    return Stack.apply(*tensors, dim=d)


# ----------------------------------------------------------------------------- splits


class Split(Function):
    def forward(self, x: Any, dim: int, bounds: tuple[int, ...]) -> Any:
        self.meta = dim
        lead = (slice(None),) * dim
        return tuple(x[(*lead, slice(a, b))] for a, b in itertools.pairwise(bounds))

    def backward(self, *grads: Any) -> tuple[Any]:
        return (get_array_module(grads[0]).concatenate(grads, axis=self.meta),)

    def backward_graph(self, *grads: Tensor) -> tuple[Tensor]:
        return (cat(list(grads), self.meta),)


def _split_at(op: str, input: Tensor, d: int, sizes: Sequence[int]) -> tuple[Tensor, ...]:
    if not sizes:
        return ()
    bounds = (0, *np.cumsum(sizes).tolist())
    return _views(Split, input, dim=d, bounds=tuple(int(b) for b in bounds))


def split(input: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Split ``input`` into views along ``dim``: pieces of one size (the last may be smaller), or of given sizes.

    Args:
        input: the tensor.
        split_size_or_sections: the size of every piece, or a list of sizes that sum to ``input.size(dim)``.
        dim: the dim to split. Default: 0.

    Example:
        >>> [p.shape[0] for p in shendu.zeros(5, 2).split(2)]
        [2, 2, 1]
    """
    _need_dims("split", input)
    shape = input._array.shape
    d = check_dim("split", dim, len(shape), shape)
    size = shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sections = _sizes("split", (split_size_or_sections,))
        if any(s < 0 for s in sections) or sum(sections) != size:
            raise ShapeError(
                f"split: sections {sections} must be >= 0 and sum to the size {size} of dim {dim} "
                f"(input shape {tuple(shape)})"
            )
        return _split_at("split", input, d, sections)
    step = as_index("split", "split_size_or_sections", split_size_or_sections)
    if step < 0 or (step == 0 and size != 0):
        raise ShapeError(
            f"split: split_size must be positive (or 0 for a dim of size 0), got {step} for dim {dim} of size {size}"
        )
    if size == 0:
        return _split_at("split", input, d, [0])
    return _split_at("split", input, d, [min(step, size - start) for start in range(0, size, step)])


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split ``input`` into at most ``chunks`` views of size ``ceil(size / chunks)`` along ``dim``.

    Example:
        >>> [p.shape[0] for p in shendu.zeros(6).chunk(4)]
        [2, 2, 2]
    """
    _need_dims("chunk", input)
    chunks = as_index("chunk", "chunks", chunks)
    if chunks <= 0:
        raise ShapeError(f"chunk: chunks must be > 0, got {chunks}")
    shape = input._array.shape
    d = check_dim("chunk", dim, len(shape), shape)
    size = shape[d]
    if size == 0:
        return _split_at("chunk", input, d, [0] * chunks)
    return split(input, -(-size // chunks), d)


class Unbind(Function):
    def forward(self, x: Any, dim: int) -> Any:
        self.meta = dim
        lead = (slice(None),) * dim
        return tuple(x[(*lead, i, Ellipsis)] for i in range(x.shape[dim]))

    def backward(self, *grads: Any) -> tuple[Any]:
        return (get_array_module(grads[0]).stack(grads, axis=self.meta),)

    def backward_graph(self, *grads: Tensor) -> tuple[Tensor]:
        return (stack(list(grads), self.meta),)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``input`` along ``dim``, as views without that dim.

    Example:
        >>> [r.shape for r in shendu.zeros(2, 3).unbind(1)]
        [shendu.Size([2]), shendu.Size([2]), shendu.Size([2])]
    """
    _need_dims("unbind", input)
    shape = input._array.shape
    d = check_dim("unbind", dim, len(shape), shape)
    return _views(Unbind, input, dim=d)


class Narrow(Function):
    linear = True

    def forward(self, x: Any, dim: int, start: int, stop: int) -> Any:
        self.meta = (x.shape, (slice(None),) * dim + (slice(start, stop),))
        return x[self.meta[1]]

    def backward(self, grad: Any) -> tuple[Any]:
        shape, key = self.meta
        out = get_array_module(grad).zeros(shape, grad.dtype)
        out[key] = grad
        return (out,)


def narrow(input: Tensor, dim: int, start: int | Tensor, length: int) -> Tensor:
    """A view of ``length`` elements of ``input`` along ``dim``, from ``start`` (which may be negative).

    Example:
        >>> shendu.arange(5).narrow(0, 1, 3)
        tensor([1, 2, 3])
    """
    _need_dims("narrow", input)
    shape = input._array.shape
    d = check_dim("narrow", dim, len(shape), shape)
    size = shape[d]
    begin, length = as_index("narrow", "start", start), as_index("narrow", "length", length)
    if not -size <= begin <= size:
        raise ShapeError(
            f"narrow: start {begin} is out of range for dim {dim} of size {size}; expected [-{size}, {size}]"
        )
    if begin < 0:
        begin += size
    if length < 0:
        raise ShapeError(f"narrow: length must be >= 0, got {length}")
    if begin + length > size:
        raise ShapeError(f"narrow: start ({begin}) + length ({length}) exceeds the size {size} of dim {dim}")
    return _view(Narrow, input, dim=d, start=begin, stop=begin + length)


class Contiguous(Function):
    linear = True

    def forward(self, x: Any) -> Any:
        return get_array_module(x).ascontiguousarray(x)

    def backward(self, grad: Any) -> tuple[Any]:
        return (grad,)


def contiguous(input: Tensor) -> Tensor:
    """``input`` itself when its memory is C-contiguous, else a contiguous copy (differentiable)."""
    if input._array.flags.c_contiguous:
        return input
    return Contiguous.apply(input)
