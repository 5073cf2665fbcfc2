"""Indexing: ``x[index]`` and ``x[index] = value``, gather/scatter, index_select, masks, one_hot, tril/triu.

Basic indexing (ints, slices, None, Ellipsis) returns a view that shares the input's
version counter; advanced indexing (integer or boolean arrays) returns a copy. The
gradient of advanced indexing is scatter-added, so an element picked twice receives
both gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype
from .. import backend as _backend
from .._checks import check_dim, check_tensor
from ..autograd.function import Function
from ..autograd.inplace import record_view
from ..backend import get_array_module
from ..errors import DtypeError, IndexOutOfRange, ShapeError
from ..tensor import Tensor
from ._common import as_index, broadcast_shape, check_same_device, is_scalar, sum_to
from .creation import _fill_value, move, zeros

__all__ = ["gather", "index_select", "masked_select", "one_hot", "scatter", "scatter_add", "tril", "triu"]

_BASIC, _MASKS, _INTS = 0, 1, 2


def _copy(grad: Any) -> Any:
    return grad.clone() if isinstance(grad, Tensor) else grad.copy()


def _zeros(like: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(like, Tensor):
        return zeros(shape, dtype=like.dtype, device=like.device)
    return get_array_module(like).zeros(shape, like.dtype)


def _dtype_name(array: Any) -> str:
    return np.dtype(array.dtype).name


def _move_like(array: Any, data: Any, op: str) -> Any:
    if type(array) is type(data):
        return array
    return _backend.to_device(array, _backend.device_of(data), op)


def _index_array(op: str, item: Any, data: Any) -> tuple[Any, bool]:
    """An index given as a tensor, array or (nested) list, as an array on ``data``'s device and whether it is a mask."""
    if isinstance(item, Tensor):
        array = item._array
    elif isinstance(item, np.ndarray):
        array = item
    else:
        try:
            array = np.asarray(item)
        except ValueError:
            raise TypeError(f"{op}: a list used as an index must be a rectangular list of ints or bools") from None
        if array.size == 0:
            array = array.astype(np.int64)
    kind = array.dtype.kind
    if kind == "f":
        raise DtypeError(f"{op}: tensors used as indices must be long, int or bool tensors, got {_dtype_name(array)}")
    if kind not in "biu":
        raise TypeError(f"{op}: indices must be ints, bools or integer tensors, got an array of {_dtype_name(array)}")
    # PyTorch reads uint8 index tensors as (deprecated) masks, not as positions.
    mask = kind == "b" or array.dtype == np.uint8
    if mask and kind != "b":
        array = array.astype(np.bool_)
    return _move_like(array, data, op), mask


def _check_slice(op: str, item: slice) -> slice:
    start, stop, step = item.start, item.stop, item.step
    if step is not None:
        step = as_index(op, "slice step", step)
        if step <= 0:
            raise ValueError(
                f"{op}: slice step must be positive, got {step} (negative steps are not supported, as in PyTorch; "
                "use flip() to reverse)"
            )
    start = None if start is None else as_index(op, "slice start", start)
    stop = None if stop is None else as_index(op, "slice stop", stop)
    return slice(start, stop, step)


def _out_of_range(op: str, index: int, dim: int, size: int) -> IndexOutOfRange:
    return IndexOutOfRange(
        f"{op}: index {index} is out of range for dim {dim} with size {size}; "
        f"expected an index in [{-size}, {size - 1}]"
    )


def _check_positions(op: str, positions: Any, dim: int, size: int, negative: bool = True) -> None:
    if positions.size == 0:
        return
    low, high = int(positions.min()), int(positions.max())
    floor = -size if negative else 0
    if low < floor or high >= size:
        bad = low if low < floor else high
        if negative:
            raise _out_of_range(op, bad, dim, size)
        raise IndexOutOfRange(
            f"{op}: index {bad} is out of range for dim {dim} with size {size}; expected an index in [0, {size - 1}]"
        )


def _parse_index(op: str, x: Tensor, index: Any) -> tuple[tuple[Any, ...] | None, tuple[Any, ...], int]:
    """Check ``index`` against ``x``'s shape and turn it into NumPy/CuPy keys ``(first, key, kind)``.

    ``x[index]`` is ``x[first][key]`` (or ``x[key]`` when ``first`` is None); ``kind`` says whether
    ``key`` is basic, holds masks only, or holds integer arrays (whose positions may repeat).
    """
    data = x._array
    shape = data.shape
    items = index if type(index) is tuple else (index,)
    # Python bools in `key` stand for 0-d boolean indices: a new dim of size 1 (True) or 0 (False).
    key: list[Any] = []
    consumed = 0
    ellipsis = False
    kind = _BASIC
    for item in items:
        cls = type(item)
        if cls is int:
            key.append(item)
            consumed += 1
        elif cls is slice:
            key.append(_check_slice(op, item))
            consumed += 1
        elif item is None:
            key.append(None)
        elif item is Ellipsis:
            if ellipsis:
                raise IndexOutOfRange(f"{op}: an index can hold only one Ellipsis (...)")
            ellipsis = True
            key.append(Ellipsis)
        elif isinstance(item, (bool, np.bool_)):
            key.append(bool(item))
            kind = max(kind, _MASKS)
        elif isinstance(item, np.integer):
            key.append(int(item))
            consumed += 1
        elif isinstance(item, (Tensor, np.ndarray, list, tuple, range)):
            array, mask = _index_array(op, item, data)
            if array.ndim == 0:
                # As in PyTorch, a 0-d integer tensor selects like an int (giving a view).
                key.append(bool(array) if mask else int(array))
                consumed += 0 if mask else 1
                kind = max(kind, _MASKS if mask else _BASIC)
                continue
            key.append(array)
            consumed += array.ndim if mask else 1
            kind = max(kind, _MASKS if mask else _INTS)
        else:
            raise TypeError(
                f"{op}: only ints, slices, None, Ellipsis, bools and integer or bool tensors are valid indices, "
                f"got {cls.__name__}"
            )
    if consumed > len(shape):
        raise IndexOutOfRange(
            f"{op}: too many indices for a tensor of dimension {len(shape)} (shape {tuple(shape)}): "
            f"the index covers {consumed} dims"
        )
    dim = 0
    for item in key:
        cls = type(item)
        if item is None or cls is bool:
            continue
        if item is Ellipsis:
            dim += len(shape) - consumed
        elif cls is int:
            size = shape[dim]
            if not -size <= item < size:
                raise _out_of_range(op, item, dim, size)
            dim += 1
        elif cls is slice:
            dim += 1
        elif item.dtype.kind == "b":
            covered = shape[dim : dim + item.ndim]
            if item.shape != covered:
                raise IndexOutOfRange(
                    f"{op}: a boolean mask of shape {tuple(item.shape)} does not match the indexed tensor "
                    f"(shape {tuple(shape)}) at dim {dim}; expected a mask of shape {tuple(covered)}"
                )
            dim += item.ndim
        else:
            _check_positions(op, item, dim, shape[dim])
            dim += 1
    if kind == _BASIC:
        if not ellipsis:
            # A trailing Ellipsis makes NumPy return a 0-d view rather than a scalar copy for `x[0]` on 1-d x.
            key.append(Ellipsis)
        return None, tuple(key), kind
    if not any(type(item) is int or type(item) is bool for item in key):
        return None, tuple(key), kind
    return _split_key(key, get_array_module(data))


def _split_key(key: list[Any], xp: Any) -> tuple[tuple[Any, ...], tuple[Any, ...], int]:
    """Apply ints (and 0-d bools) first, as PyTorch does, then the array indices.

    NumPy counts an int next to an array as one more advanced index, which moves the indexed dims:
    for x of shape (1, 1, 1), NumPy's ``x[0, :, []]`` has shape (0, 1) but PyTorch's has (1, 0).
    """
    first: list[Any] = []
    then: list[Any] = []
    kind = _MASKS
    for item in key:
        cls = type(item)
        if cls is int:
            first.append(item)
        elif cls is bool:
            first.append(None)
            then.append(xp.arange(1 if item else 0))
        elif cls is slice or item is None:
            first.append(item)
            then.append(slice(None))
        elif item is Ellipsis:
            first.append(Ellipsis)
            then.append(Ellipsis)
        else:
            first.extend([slice(None)] * (item.ndim if item.dtype.kind == "b" else 1))
            then.append(item)
            kind = max(kind, _MASKS if item.dtype.kind == "b" else _INTS)
    if not any(item is Ellipsis for item in first):
        first.append(Ellipsis)
    return tuple(first), tuple(then), kind


def _broadcast_failure(op: str, key: tuple[Any, ...]) -> IndexOutOfRange:
    shapes = ", ".join(str(tuple(k.shape)) for k in key if hasattr(k, "dtype"))
    return IndexOutOfRange(f"{op}: shape mismatch: the index arrays of shapes {shapes} cannot be broadcast together")


class GetItem(Function):
    linear = True

    def forward(self, x: Any, first: tuple[Any, ...] | None, key: tuple[Any, ...], kind: int) -> Any:
        if kind == _BASIC:
            self.meta = (x.shape, kind, first, key)
        else:
            self.meta = (x.shape, kind, first, None)
            self.key = key
        return (x if first is None else x[first])[key]

    def backward(self, grad: Any) -> tuple[Any]:
        shape, kind, first, key = self.meta
        if key is None:
            key = self.key
        xp = get_array_module(grad)
        out = xp.zeros(shape, grad.dtype)
        target = out if first is None else out[first]
        if kind == _INTS:
            xp.add.at(target, key, grad)
        else:
            target[key] = grad
        return (out,)


def getitem(input: Tensor, index: Any) -> Tensor:
    """``input[index]``: ints, slices (positive steps), None, Ellipsis, integer and boolean tensors, and mixtures.

    Basic indexing returns a view of ``input``; an integer or boolean array index returns a copy, and
    repeated positions accumulate their gradients. Ints are applied before array indices, as in PyTorch.

    Example:
        >>> x = shendu.arange(12.0).view(3, 4)
        >>> x[1:, [0, 0, 3]].shape
        shendu.Size([2, 3])
    """
    first, key, kind = _parse_index("getitem", input, index)
    try:
        out = GetItem.apply(input, first=first, key=key, kind=kind)
    except IndexError:
        raise _broadcast_failure("getitem", key) from None
    if kind == _BASIC:
        record_view(out, input, GetItem, {"first": first, "key": key, "kind": kind})
    return out


class IndexPut(Function):
    """``input`` with ``value`` written at ``[first][key]``: what ``input[index] = value`` records in a graph."""

    def forward(self, x: Any, value: Any, first: tuple[Any, ...] | None, key: tuple[Any, ...], kind: int) -> Any:
        out = x.copy()
        (out if first is None else out[first])[key] = value
        self.meta = (value.shape, value.dtype, first, None if kind != _BASIC else key)
        if kind != _BASIC:
            self.key = key
        return out

    def backward(self, grad: Any) -> tuple[Any, Any]:
        shape, dtype, first, key = self.meta
        if key is None:
            key = self.key
        rest = _copy(grad)
        (rest if first is None else rest[first])[key] = 0
        written = None
        if self.needs_input_grad(1):
            written = (grad if first is None else grad[first])[key]
            # Assignment drops leading size-1 dimensions of the value; put them back before summing.
            extra = len(shape) - written.ndim
            if extra > 0:
                written = written.reshape((1,) * extra + tuple(written.shape))
            written = sum_to(written, shape)
            written = (
                written.to(_dtype.from_numpy_dtype(dtype))
                if isinstance(written, Tensor)
                else written.astype(dtype, copy=False)
            )
        return rest, written

    backward_graph = backward


def setitem(input: Tensor, index: Any, value: Any) -> None:
    """``input[index] = value``, in place: ``value`` is broadcast to the indexed shape and cast to ``input``'s dtype.

    On a tensor in the autograd graph, or with a value that requires grad, the assignment is recorded
    as in PyTorch: ``input``'s history becomes the assignment, whose gradient flows to the value for
    the written positions and to ``input``'s old history for the rest.
    """
    first, key, kind = _parse_index("setitem", input, index)
    data = input._array
    if isinstance(value, Tensor):
        if value._array.ndim == 0:
            source = _move_like(value._array, data, "setitem")
        else:
            check_same_device("setitem", input, value)
            source = value._array
    elif is_scalar(value):
        source = value.item() if isinstance(value, np.generic) else value
    elif isinstance(value, (list, tuple, np.ndarray)):
        source = _move_like(np.asarray(value), data, "setitem")
    else:
        raise TypeError(f"setitem: the value must be a tensor, a number or a list, got {type(value).__name__}")
    target = data if first is None else data[first]
    if input._records_inplace(value):
        _check_assignable(input, target, key, source)
        if isinstance(value, Tensor):
            written = value if value.device == input.device else move(value, input.device)
        else:
            written = Tensor._make(get_array_module(data).asarray(source, dtype=data.dtype))
        input._inplace_op("setitem", lambda t: IndexPut.apply(t, written, first=first, key=key, kind=kind))
        return
    input._check_inplace("setitem")
    try:
        target[key] = source
    except OverflowError:
        raise DtypeError(f"setitem: the value {source!r} does not fit in dtype {input.dtype.name}") from None
    except (ValueError, IndexError) as exc:
        _check_assignable(input, target, key, source)
        raise DtypeError(f"setitem: cannot store the value in a tensor of dtype {input.dtype.name}: {exc}") from None


def _check_assignable(input: Tensor, target: Any, key: tuple[Any, ...], source: Any) -> None:
    try:
        indexed = tuple(target[key].shape)
    except IndexError:
        raise _broadcast_failure("setitem", key) from None
    shown = tuple(getattr(source, "shape", ()))
    if not _assignable(shown, indexed):
        raise ShapeError(f"setitem: a value of shape {shown} cannot be broadcast to the indexed shape {indexed}")


def _assignable(value: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether assignment can broadcast a value of this shape to ``target`` (leading 1s may be dropped)."""
    while len(value) > len(target) and value[0] == 1:
        value = value[1:]
    try:
        return tuple(np.broadcast_shapes(value, target)) == target
    except ValueError:
        return False


# ----------------------------------------------------------------------------- index_select, gather, scatter


def _index_tensor(op: str, index: Any, what: str = "index") -> Tensor:
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}: {what} must be a Tensor of int64 or int32, got {type(index).__name__}")
    if index._array.dtype.kind not in "iu":
        raise DtypeError(f"{op}: {what} must be an int64 or int32 tensor, got {index.dtype.name}")
    return index


class IndexSelect(Function):
    linear = True

    def forward(self, x: Any, dim: int, index: Any) -> Any:
        self.meta = (x.shape, dim)
        self.index = index
        return get_array_module(x).take(x, index, axis=dim)

    def backward(self, grad: Any) -> tuple[Any]:
        shape, dim = self.meta
        xp = get_array_module(grad)
        out = xp.zeros(shape, grad.dtype)
        xp.add.at(out, (slice(None),) * dim + (self.index,), grad)
        return (out,)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The entries of ``input`` at positions ``index`` (1-d, int64 or int32) along ``dim``.

    Example:
        >>> shendu.arange(6.0).view(2, 3).index_select(1, shendu.tensor([2, 0])).shape
        shendu.Size([2, 2])
    """
    index = _index_tensor("index_select", index)
    if index._array.ndim > 1:
        raise ShapeError(f"index_select: index must be a 0-d or 1-d tensor, got shape {tuple(index.shape)}")
    if input._array.ndim == 0:
        if index._array.size != 1:
            raise ShapeError(f"index_select: the index into a 0-d tensor must hold one value, got {index._array.size}")
        return index_select(input.reshape(1), dim, index).reshape(())
    shape = input._array.shape
    d = check_dim("index_select", dim, len(shape), shape)
    positions = _move_like(index._array.reshape(-1), input._array, "index_select")
    _check_positions("index_select", positions, d, shape[d], negative=False)
    return IndexSelect.apply(input, dim=d, index=positions)


def _mesh(index: Any, dim: int) -> tuple[Any, ...]:
    """A full advanced-index key: ``index`` along ``dim``, the position itself along every other dim."""
    xp = get_array_module(index)
    ndim = index.ndim
    key = []
    for d, size in enumerate(index.shape):
        if d == dim:
            key.append(index)
        else:
            key.append(xp.arange(size).reshape((1,) * d + (size,) + (1,) * (ndim - d - 1)))
    return tuple(key)


def _check_scatter_index(op: str, input: Tensor, d: int, index: Tensor, src: Tensor | None) -> Any:
    shape, ishape = input._array.shape, index._array.shape
    if len(ishape) != len(shape):
        raise ShapeError(
            f"{op}: index must have as many dims as the input, got index shape {tuple(ishape)} "
            f"and input shape {tuple(shape)}"
        )
    if any(i > s for j, (i, s) in enumerate(zip(ishape, shape)) if j != d):
        raise ShapeError(
            f"{op}: index of shape {tuple(ishape)} must be no larger than the input of shape {tuple(shape)} "
            f"in every dim but dim {d}"
        )
    if src is not None:
        sshape = src._array.shape
        if len(sshape) != len(ishape) or any(i > s for i, s in zip(ishape, sshape)):
            raise ShapeError(
                f"{op}: index of shape {tuple(ishape)} must be no larger than src of shape {tuple(sshape)} in every dim"
            )
    positions = _move_like(index._array, input._array, op)
    _check_positions(op, positions, d, shape[d] if shape else 1, negative=False)
    return positions


def _prefix(shape: tuple[int, ...]) -> tuple[slice, ...]:
    return tuple(slice(0, s) for s in shape)


class Gather(Function):
    linear = True

    def forward(self, x: Any, dim: int, index: Any) -> Any:
        self.meta = x.shape
        self.key = _mesh(index, dim)
        return x[self.key]

    def backward(self, grad: Any) -> tuple[Any]:
        xp = get_array_module(grad)
        out = xp.zeros(self.meta, grad.dtype)
        xp.add.at(out, self.key, grad)
        return (out,)


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (and likewise for other dims); ``out`` has index's shape.

    Args:
        input: the tensor.
        dim: the dim to index along.
        index: int64 positions, with as many dims as ``input`` and no larger in the other dims.

    Example:
        >>> x = shendu.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> x.gather(1, shendu.tensor([[0, 0], [1, 0]]))
        tensor([[1., 1.],
                [4., 3.]])
    """
    index = _index_tensor("gather", index)
    shape = input._array.shape
    d = check_dim("gather", dim, len(shape), shape)
    if not shape:
        if index._array.ndim:
            raise ShapeError(f"gather: a 0-d input takes a 0-d index, got shape {tuple(index.shape)}")
        return gather(input.reshape(1), 0, index.reshape(1)).reshape(())
    positions = _check_scatter_index("gather", input, d, index, None)
    return Gather.apply(input, dim=d, index=positions)


class Scatter(Function):
    def forward(self, x: Any, src: Any, dim: int, index: Any) -> Any:
        self.key = _mesh(index, dim)
        self.meta = (src.shape, _prefix(index.shape))
        out = x.copy()
        out[self.key] = src[self.meta[1]]
        return out

    def backward(self, grad: Any) -> tuple[Any, Any]:
        src_shape, prefix = self.meta
        grad_input = grad_src = None
        if self.needs_input_grad(0):
            grad_input = _copy(grad)
            grad_input[self.key] = 0
        if self.needs_input_grad(1):
            grad_src = _zeros(grad, src_shape)
            grad_src[prefix] = grad[self.key]
        return grad_input, grad_src

    backward_graph = backward


class ScatterValue(Function):
    def forward(self, x: Any, dim: int, index: Any, value: Any) -> Any:
        self.key = _mesh(index, dim)
        out = x.copy()
        out[self.key] = value
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        out = _copy(grad)
        out[self.key] = 0
        return (out,)

    backward_graph = backward


class ScatterAdd(Function):
    def forward(self, x: Any, src: Any, dim: int, index: Any) -> Any:
        self.key = _mesh(index, dim)
        self.meta = (src.shape, _prefix(index.shape))
        out = x.copy()
        get_array_module(x).add.at(out, self.key, src[self.meta[1]])
        return out

    def backward(self, grad: Any) -> tuple[Any, Any]:
        src_shape, prefix = self.meta
        grad_src = None
        if self.needs_input_grad(1):
            grad_src = _zeros(grad, src_shape)
            grad_src[prefix] = grad[self.key]
        return grad, grad_src

    backward_graph = backward


def _as_1d(src: Any) -> Any:
    return src.reshape(1) if isinstance(src, Tensor) and src._array.ndim == 0 else src


def _scatter_args(op: str, input: Tensor, dim: int, index: Tensor, src: Any) -> tuple[int, Any, Tensor | None]:
    index = _index_tensor(op, index)
    shape = input._array.shape
    d = check_dim(op, dim, len(shape), shape)
    if isinstance(src, Tensor):
        check_same_device(op, input, src)
        if src._array.dtype != input._array.dtype:
            raise DtypeError(f"{op}: src must have the input's dtype {input.dtype.name}, got {src.dtype.name}")
    elif src is not None:
        check_tensor(op, src, name="src")
    return d, _check_scatter_index(op, input, d, index, src), src


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None) -> Tensor:
    """A copy of ``input`` with ``src`` (or ``value``) written at ``index`` along ``dim``, the inverse of ``gather``.

    For ``dim=0``: ``out[index[i][j]][j] = src[i][j]``. With repeated positions, one of the written
    values is kept.

    Args:
        input: the tensor.
        dim: the dim to index along.
        index: int64 positions, with as many dims as ``input``.
        src: the values (a tensor at least as large as ``index``), or a number.
        value: a number to write everywhere instead of ``src``.

    Example:
        >>> shendu.zeros(2, 3).scatter(1, shendu.tensor([[2], [0]]), 1.0)
        tensor([[0., 0., 1.],
                [1., 0., 0.]])
    """
    if src is not None and value is not None:
        raise TypeError("scatter: pass either src or value, not both")
    if src is not None and is_scalar(src):
        src, value = None, src
    if src is None and value is None:
        raise TypeError("scatter: expected src (a tensor) or value (a number)")
    index = _index_tensor("scatter", index)
    if input._array.ndim == 0:
        check_dim("scatter", dim, 0)
        return scatter(input.reshape(1), 0, index.reshape(-1), _as_1d(src), value=value).reshape(())
    d, positions, src = _scatter_args("scatter", input, dim, index, src)
    if src is None:
        fill = value.item() if isinstance(value, np.generic) else value
        # With nothing to write, as in PyTorch, the value need not fit the dtype.
        fill = _fill_value("scatter", fill, input._array.dtype, "value") if positions.size else 0
        return ScatterValue.apply(input, dim=d, index=positions, value=fill)
    return Scatter.apply(input, src, dim=d, index=positions)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim``; repeated positions accumulate.

    For ``dim=0``: ``out[index[i][j]][j] += src[i][j]``.

    Example:
        >>> shendu.zeros(3).scatter_add(0, shendu.tensor([0, 0, 2]), shendu.ones(3))
        tensor([2., 0., 1.])
    """
    check_tensor("scatter_add", src, name="src")
    index = _index_tensor("scatter_add", index)
    if input._array.ndim == 0:
        check_dim("scatter_add", dim, 0)
        return scatter_add(input.reshape(1), 0, index.reshape(-1), _as_1d(src)).reshape(())
    d, positions, src = _scatter_args("scatter_add", input, dim, index, src)
    return ScatterAdd.apply(input, src, dim=d, index=positions)


# ----------------------------------------------------------------------------- masks, one_hot, triangles


class MaskedSelect(Function):
    linear = True

    def forward(self, x: Any, mask: Any, shape: tuple[int, ...]) -> Any:
        xp = get_array_module(x)
        self.mask = xp.broadcast_to(mask, shape)
        self.meta = x.shape
        return xp.broadcast_to(x, shape)[self.mask]

    def backward(self, grad: Any) -> tuple[Any]:
        out = get_array_module(grad).zeros(self.mask.shape, grad.dtype)
        out[self.mask] = grad
        return (sum_to(out, self.meta),)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where the bool ``mask`` is True, as a 1-d tensor (both broadcast first).

    Example:
        >>> x = shendu.tensor([[1.0, -2.0], [3.0, -4.0]])
        >>> x.masked_select(shendu.tensor([True, False]))
        tensor([1., 3.])
    """
    if not isinstance(mask, Tensor):
        raise TypeError(f"masked_select: mask must be a bool Tensor, got {type(mask).__name__}")
    if mask._array.dtype.kind != "b":
        raise DtypeError(f"masked_select: mask must be a bool tensor, got {mask.dtype.name}")
    check_same_device("masked_select", input, mask)
    shape = broadcast_shape("masked_select", input._array.shape, mask._array.shape)
    return MaskedSelect.apply(input, mask=mask._array, shape=shape)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """One-hot encode class indices: the result has a new last dim of size ``num_classes``, dtype int64.

    Args:
        tensor: integer class indices.
        num_classes: the number of classes; -1 infers ``tensor.max() + 1``. Default: -1.

    Shape:
        ``(*)`` -> ``(*, num_classes)``.

    Example:
        >>> shendu.one_hot(shendu.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    check_tensor("one_hot", tensor, "of class indices")
    data = tensor._array
    if data.dtype.kind not in "iu":
        raise DtypeError(f"one_hot: expected an integer (int64) tensor of class indices, got {tensor.dtype.name}")
    num_classes = as_index("one_hot", "num_classes", num_classes)
    if num_classes == -1:
        if data.size == 0:
            raise ShapeError("one_hot: cannot infer num_classes from an empty tensor; pass num_classes")
        num_classes = int(data.max()) + 1
    elif num_classes < 0:
        raise ShapeError(f"one_hot: num_classes must be -1 or >= 0, got {num_classes}")
    if data.size:
        low, high = int(data.min()), int(data.max())
        if low < 0 or high >= num_classes:
            bad = low if low < 0 else high
            raise IndexOutOfRange(
                f"one_hot: class value {bad} is out of range for num_classes={num_classes}; "
                f"expected values in [0, {num_classes - 1}]"
            )
    xp = get_array_module(data)
    return Tensor._make((data[..., None] == xp.arange(num_classes)).astype(np.int64))


class Tril(Function):
    linear = True

    def forward(self, x: Any, diagonal: int) -> Any:
        self.meta = diagonal
        return get_array_module(x).tril(x, diagonal)

    def backward(self, grad: Any) -> tuple[Any]:
        return (get_array_module(grad).tril(grad, self.meta),)


class Triu(Function):
    linear = True

    def forward(self, x: Any, diagonal: int) -> Any:
        self.meta = diagonal
        return get_array_module(x).triu(x, diagonal)

    def backward(self, grad: Any) -> tuple[Any]:
        return (get_array_module(grad).triu(grad, self.meta),)


def _triangle(op: str, func: type[Function], input: Tensor, diagonal: int) -> Tensor:
    if input._array.ndim < 2:
        raise ShapeError(f"{op}: expected a tensor with at least 2 dimensions, got shape {tuple(input._array.shape)}")
    return func.apply(input, diagonal=as_index(op, "diagonal", diagonal))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims of ``input``; the rest set to 0.

    Args:
        input: a tensor with at least 2 dims (a batch of matrices).
        diagonal: keep elements on and below this diagonal (0 is the main one, positive is above). Default: 0.

    Example:
        >>> shendu.tril(shendu.ones(2, 2))
        tensor([[1., 0.],
                [1., 1.]])
    """
    return _triangle("tril", Tril, input, diagonal)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims of ``input``; the rest set to 0 (arguments as in ``tril``)."""
    return _triangle("triu", Triu, input, diagonal)
