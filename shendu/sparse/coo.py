"""Sparse COO tensors: the indices and values of the nonzero elements, with PyTorch's names.

A sparse tensor is a ``Tensor`` whose ``layout`` is ``sparse_coo``: an int64 array of ``indices`` (one
row per dim, one column per stored element) and a 1-D ``values`` tensor, for a tensor of ``shape``.
Stored elements may repeat a position (the tensor is then *uncoalesced*; repeated values add up), as in
PyTorch. Gradients flow through ``values``: ``sparse.mm(adjacency, features)`` gives gradients to the
dense features and to the adjacency's values.

What a sparse tensor supports: ``to_dense()``, ``coalesce()``, ``indices()``/``values()`` (and the
unchecked ``_indices()``/``_values()``), ``t()``, multiplication and division by a number,
``sparse.mm``/``spmm``/``mm``/``matmul``/``@`` with a dense matrix, ``to()``/``cpu()``/``cuda()``,
``detach()``, ``clone()`` and ``requires_grad_()``. Every other op raises an error that says to call
``to_dense()`` first, never a wrong result.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from .. import _dtype
from .. import backend as _backend
from .._repr import _with_suffixes
from ..autograd.function import Function
from ..errors import DeviceError, DtypeError, GraphError, IndexOutOfRange, ShapeError, ShenduError
from ..tensor import Tensor

__all__ = [
    "SparseLayoutError",
    "SparseTensor",
    "layout",
    "mm",
    "sparse_coo",
    "sparse_coo_tensor",
    "spmm",
    "strided",
    "to_dense",
    "to_sparse",
]

_SUPPORTED = (
    "to_dense(), coalesce(), indices(), values(), t(), * and / by a number, sparse.mm/spmm/mm/matmul/@ "
    "with a dense matrix, to(), detach(), clone()"
)


class SparseLayoutError(ShenduError, NotImplementedError):
    """An op that dense tensors support was given a sparse tensor."""


class layout:  # noqa: N801 - lowercase, like torch.layout
    """How a tensor stores its elements: ``shendu.strided`` (dense) or ``shendu.sparse_coo``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"shendu.{self.name}"

    def __reduce__(self) -> str:
        return self.name


strided = layout("strided")
sparse_coo = layout("sparse_coo")


def unsupported(what: str) -> SparseLayoutError:
    return SparseLayoutError(
        f"{what}: sparse tensors are not supported; call .to_dense() first (sparse COO tensors support {_SUPPORTED})"
    )


class _Storage:
    """What a sparse tensor holds where a dense tensor holds its array.

    It answers the questions every tensor answers (shape, dtype, size); anything that would treat it as
    a dense array (NumPy functions, arithmetic, array methods) raises ``SparseLayoutError``, so an op
    without sparse support fails clearly instead of computing on the wrong numbers.
    """

    __slots__ = ("coalesced", "indices", "shape", "values")

    def __init__(self, indices: Any, values: Tensor, shape: tuple[int, ...], coalesced: bool) -> None:
        self.indices = indices
        self.values = values
        self.shape = shape
        self.coalesced = coalesced

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def dtype(self) -> np.dtype:
        return self.values._array.dtype

    @property
    def itemsize(self) -> int:
        return self.values._array.itemsize

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise unsupported("conversion to an array")

    def __array_ufunc__(self, ufunc: Any, *args: Any, **kwargs: Any) -> Any:
        raise unsupported(ufunc.__name__)

    def __array_function__(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        raise unsupported(func.__name__)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise unsupported(name)


def _refusal(name: str) -> Any:
    def refuse(self: Any, *args: Any) -> Any:
        raise unsupported(name)

    return refuse


for _name in (
    "add radd sub rsub mul rmul truediv rtruediv pow rpow matmul rmatmul neg abs getitem setitem iter lt le gt ge "
    "float int"
).split():
    setattr(_Storage, f"__{_name}__", _refusal(_name.removeprefix("r")))
del _name


# ----------------------------------------------------------------------------- Functions on raw arrays


class ToDense(Function):
    """Values scattered into a dense array; repeated positions add up."""

    def forward(self, values: Any, indices: Any, shape: tuple[int, ...]) -> Any:
        self.indices = indices
        out = _backend.get_array_module(values).zeros(shape, values.dtype)
        _backend.get_array_module(values).add.at(out, tuple(indices), values)
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        return (grad[tuple(self.indices)],)


class SumDuplicates(Function):
    """The values of each distinct position summed (``coalesce``): ``inverse`` maps each value to its slot."""

    def forward(self, values: Any, inverse: Any, count: int) -> Any:
        self.inverse = inverse
        out = _backend.get_array_module(values).zeros(count, values.dtype)
        _backend.get_array_module(values).add.at(out, inverse, values)
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        return (grad[self.inverse],)


class SparseDenseMM(Function):
    """``A @ D`` for a sparse matrix A (``values`` at ``rows``, ``cols``, with ``n_rows`` rows) and a dense D."""

    saves_inputs = (0, 1)

    def forward(self, values: Any, dense: Any, rows: Any, cols: Any, n_rows: int) -> Any:
        self.values, self.dense, self.rows, self.cols = values, dense, rows, cols
        xp = _backend.get_array_module(dense)
        out = xp.zeros((n_rows, dense.shape[1]), dense.dtype)
        xp.add.at(out, rows, values[:, None] * dense[cols])
        return out

    def backward(self, grad: Any) -> tuple[Any, Any]:
        xp = _backend.get_array_module(grad)
        grad_values = grad_dense = None
        if self.needs_input_grad(0):
            grad_values = (grad[self.rows] * self.dense[self.cols]).sum(axis=1)
        if self.needs_input_grad(1):
            grad_dense = xp.zeros(self.dense.shape, grad.dtype)
            xp.add.at(grad_dense, self.cols, self.values[:, None] * grad[self.rows])
        return grad_values, grad_dense


# ----------------------------------------------------------------------------- the tensor


def _make(indices: Any, values: Tensor, shape: tuple[int, ...], coalesced: bool) -> SparseTensor:
    t = Tensor._make(_Storage(indices, values, tuple(shape), coalesced))
    t.__class__ = SparseTensor
    t._requires_grad = values._requires_grad
    return t


def _storage(t: SparseTensor) -> _Storage:
    return t._array


class SparseTensor(Tensor):
    """A sparse COO tensor. Make one with ``shendu.sparse_coo_tensor`` or ``dense.to_sparse()``.

    Example:
        >>> a = shendu.sparse_coo_tensor([[0, 1], [1, 0]], [2.0, 3.0], (2, 2))
        >>> a.to_dense()
        tensor([[0., 2.],
                [3., 0.]])
        >>> shendu.sparse.mm(a, shendu.ones(2, 1))
        tensor([[2.],
                [3.]])
    """

    __slots__ = ()

    @property
    def is_sparse(self) -> bool:
        """True: the tensor stores indices and values."""
        return True

    @property
    def layout(self) -> layout:
        """``shendu.sparse_coo``."""
        return sparse_coo

    @property
    def device(self) -> _backend.device:
        """Where the indices and values live."""
        return _storage(self).values.device

    @property
    def data(self) -> SparseTensor:
        """The same indices and values outside autograd (PyTorch's ``.data`` of a sparse tensor)."""
        return self.detach()

    @data.setter
    def data(self, value: SparseTensor) -> None:
        if not isinstance(value, SparseTensor):
            raise TypeError(f"SparseTensor.data: expected a sparse tensor, got {type(value).__name__}")
        self._array = value._array

    @property
    def is_leaf(self) -> bool:
        """Whether the values were made by the user rather than by a recorded op."""
        return _storage(self).values._grad_fn is None

    @property
    def grad_fn(self) -> Function | None:
        """The graph node that made the values, or None."""
        return _storage(self).values._grad_fn

    @property
    def grad(self) -> SparseTensor | None:  # type: ignore[override]
        """The gradient of a leaf sparse tensor that requires grad: coalesced, on the stored positions."""
        storage = _storage(self)
        values_grad = storage.values.grad
        if values_grad is None:
            return None
        xp = _backend.get_array_module(storage.indices)
        linear, first, _ = _linear_unique(storage.indices, storage.shape, xp)
        return _make(_unravel(linear, storage.shape, xp), Tensor._make(values_grad._array[first]), storage.shape, True)

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is not None:
            raise GraphError("SparseTensor.grad: only None can be assigned (to clear the gradient)")
        _storage(self).values.grad = None

    def requires_grad_(self, requires_grad: bool = True) -> SparseTensor:
        """Make the sparse tensor a leaf that takes gradients (on its stored values)."""
        _storage(self).values.requires_grad_(requires_grad)
        self._requires_grad = bool(requires_grad)
        return self

    def _nnz(self) -> int:
        """The number of stored elements (repeated positions counted each time)."""
        return int(_storage(self).values.shape[0])

    def sparse_dim(self) -> int:
        """The number of sparse dims: all of them (shendu has no hybrid sparse tensors)."""
        return len(_storage(self).shape)

    def dense_dim(self) -> int:
        """The number of dense dims inside each stored element: 0."""
        return 0

    def is_coalesced(self) -> bool:
        """Whether the positions are sorted and distinct (set by ``coalesce()`` and ``to_sparse()``)."""
        return _storage(self).coalesced

    def _indices(self) -> Tensor:
        """The ``(ndim, nnz)`` int64 indices, as stored (possibly uncoalesced)."""
        return Tensor._make(_storage(self).indices)

    def _values(self) -> Tensor:
        """The ``(nnz,)`` values, as stored; gradients flow through them."""
        return _storage(self).values

    def indices(self) -> Tensor:
        """The indices of a coalesced tensor (call ``coalesce()`` first)."""
        self._require_coalesced("indices")
        return self._indices()

    def values(self) -> Tensor:
        """The values of a coalesced tensor (call ``coalesce()`` first)."""
        self._require_coalesced("values")
        return self._values()

    def _require_coalesced(self, op: str) -> None:
        if not _storage(self).coalesced:
            raise ShapeError(
                f"{op}: cannot get {op} of an uncoalesced sparse tensor (positions may repeat); call .coalesce() "
                f"first, or ._{op}() for the stored {op} as they are"
            )

    def coalesce(self) -> SparseTensor:
        """The same tensor with sorted, distinct positions; values at a repeated position are summed."""
        storage = _storage(self)
        if storage.coalesced:
            return self
        xp = _backend.get_array_module(storage.indices)
        linear, _, inverse = _linear_unique(storage.indices, storage.shape, xp)
        values = SumDuplicates.apply(storage.values, inverse=inverse, count=int(linear.shape[0]))
        return _make(_unravel(linear, storage.shape, xp), values, storage.shape, True)

    def to_dense(self) -> Tensor:
        """The dense tensor, with zeros where nothing is stored; differentiable with respect to the values."""
        storage = _storage(self)
        return ToDense.apply(storage.values, indices=storage.indices, shape=storage.shape)

    def to_sparse(self, sparse_dim: int | None = None) -> SparseTensor:
        """Itself (already sparse)."""
        _check_sparse_dim(self, sparse_dim)
        return self

    def t(self) -> SparseTensor:
        """The transpose of a sparse matrix (the indices' rows swapped)."""
        storage = _storage(self)
        if len(storage.shape) != 2:
            raise ShapeError(f"t: expected a sparse matrix (2 dims), got shape {storage.shape}")
        return _make(storage.indices[::-1].copy(), storage.values, storage.shape[::-1], False)

    def transpose(self, dim0: int, dim1: int) -> SparseTensor:
        """The sparse tensor with dims ``dim0`` and ``dim1`` swapped."""
        from ..errors import check_dim

        storage = _storage(self)
        n = len(storage.shape)
        order = list(range(n))
        a, b = check_dim("transpose", dim0, n, storage.shape), check_dim("transpose", dim1, n, storage.shape)
        order[a], order[b] = order[b], order[a]
        shape = tuple(storage.shape[i] for i in order)
        return _make(storage.indices[order].copy(), storage.values, shape, False)

    def _scaled(self, op: str, scale: Any, divide: bool = False) -> SparseTensor:
        number = isinstance(scale, (int, float, np.integer, np.floating)) and not isinstance(scale, bool)
        scalar_tensor = isinstance(scale, Tensor) and not scale.is_sparse and scale._array.ndim == 0
        if not (number or scalar_tensor):
            shown = f"a tensor of shape {tuple(scale.shape)}" if isinstance(scale, Tensor) else type(scale).__name__
            raise SparseLayoutError(
                f"{op}: a sparse tensor can be multiplied or divided only by a number or a 0-d tensor, got {shown}; "
                "call .to_dense() first"
            )
        storage = _storage(self)
        values = storage.values / scale if divide else storage.values * scale
        return _make(storage.indices, values, storage.shape, storage.coalesced)

    def mul(self, other: Any) -> SparseTensor:
        """The sparse tensor times a number (or a 0-d tensor)."""
        return self._scaled("mul", other)

    def div(self, other: Any) -> SparseTensor:
        """The sparse tensor divided by a number (or a 0-d tensor)."""
        return self._scaled("div", other, divide=True)

    def __mul__(self, other: Any) -> SparseTensor:
        return self._scaled("mul", other)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> SparseTensor:
        return self._scaled("div", other, divide=True)

    def __neg__(self) -> SparseTensor:
        return self._scaled("neg", -1)

    def mm(self, mat2: Tensor) -> Tensor:
        """``self @ mat2`` with a dense matrix ``mat2`` (see ``shendu.sparse.mm``)."""
        return mm(self, mat2)

    matmul = mm

    def __matmul__(self, other: Tensor) -> Tensor:
        return mm(self, other)

    def __rmatmul__(self, other: Tensor) -> Tensor:
        return mm(other, self)

    # Dense ops reached through operators would fail on the storage with a less helpful message; Python
    # tries a subclass's reflected operator first, so these also catch ``dense + sparse``.
    __add__ = __radd__ = add = _refusal("add")
    __sub__ = __rsub__ = sub = _refusal("sub")
    __pow__ = __rpow__ = _refusal("pow")
    __rtruediv__ = _refusal("div")
    __floordiv__ = __rfloordiv__ = _refusal("floor_divide")
    __mod__ = __rmod__ = _refusal("remainder")
    __getitem__ = _refusal("getitem")
    __setitem__ = _refusal("setitem")
    add_, sub_, mul_, div_ = _refusal("add_"), _refusal("sub_"), _refusal("mul_"), _refusal("div_")
    zero_, fill_, copy_ = _refusal("zero_"), _refusal("fill_"), _refusal("copy_")

    def to(self, *args: Any, **kwargs: Any) -> SparseTensor:
        """Move and/or cast the values (and move the indices): ``to("cuda")``, ``to(shendu.float64)``."""
        storage = _storage(self)
        values = storage.values.to(*args, **kwargs)
        if values is storage.values:
            return self
        indices = _backend.to_device(storage.indices, values.device, "to")
        return _make(indices, values, storage.shape, storage.coalesced)

    def detach(self) -> SparseTensor:
        """The same indices and values, cut from the graph."""
        storage = _storage(self)
        return _make(storage.indices, storage.values.detach(), storage.shape, storage.coalesced)

    def clone(self) -> SparseTensor:
        """A copy with its own indices and values; gradients flow back through the values."""
        storage = _storage(self)
        return _make(storage.indices.copy(), storage.values.clone(), storage.shape, storage.coalesced)

    def numpy(self, *, force: bool = False) -> np.ndarray:
        raise unsupported("numpy")

    def __repr__(self) -> str:
        storage = _storage(self)
        parts = [
            "tensor(indices=" + repr(self._indices()).replace("\n", "\n" + " " * 15),
            # The dtype is shown once, after the size, as PyTorch does.
            "values="
            + re.sub(r",\s*dtype=shendu\.\w+\)$", ")", repr(storage.values.detach())).replace("\n", "\n" + " " * 14),
        ]
        suffix = f"size={storage.shape}, nnz={self._nnz()}"
        if self.dtype is not _dtype.get_default_dtype():
            suffix += f", dtype={self.dtype}"
        if self.device.type != "cpu":
            suffix += f", device='{self.device}'"
        suffix += ", layout=shendu.sparse_coo"
        parts.append(suffix)
        graph = []
        if self.grad_fn is not None:
            graph.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            graph.append("requires_grad=True")
        return _with_suffixes(",\n       ".join(parts), graph, 7)

    def __reduce__(self) -> Any:
        storage = _storage(self)
        indices = _backend.to_device(storage.indices, _backend.CPU)
        return (_rebuild, (indices, storage.values.detach(), storage.shape, storage.coalesced, self.requires_grad))

    def __deepcopy__(self, memo: dict[int, Any]) -> SparseTensor:
        if not self.is_leaf:
            raise GraphError("deepcopy: only leaf tensors can be deep-copied; detach() the tensor first")
        copy = self.detach().clone()
        if self.requires_grad:
            copy.requires_grad_(True)
        memo[id(self)] = copy
        return copy


def _rebuild(indices: np.ndarray, values: Tensor, shape: tuple[int, ...], coalesced: bool, grad: bool) -> SparseTensor:
    out = _make(_backend.to_device(indices, values.device), values, shape, coalesced)
    return out.requires_grad_(True) if grad else out


def _linear_unique(indices: Any, shape: tuple[int, ...], xp: Any) -> tuple[Any, Any, Any]:
    """The distinct flat positions (sorted), the first occurrence of each, and each element's slot."""
    if indices.shape[1] == 0:
        empty = xp.zeros(0, np.int64)
        return empty, empty, empty
    linear = xp.ravel_multi_index(tuple(indices), shape)
    unique, first, inverse = xp.unique(linear, return_index=True, return_inverse=True)
    return unique, first, inverse.reshape(-1)


def _unravel(linear: Any, shape: tuple[int, ...], xp: Any) -> Any:
    if linear.shape[0] == 0:
        return xp.zeros((len(shape), 0), np.int64)
    return xp.stack(xp.unravel_index(linear, shape)).astype(np.int64)


# ----------------------------------------------------------------------------- construction


def _as_index_array(op: str, indices: Any) -> Any:
    if isinstance(indices, Tensor):
        if indices.is_sparse:
            raise TypeError(f"{op}: indices must be a dense integer tensor, got a sparse tensor")
        array = indices._array
    else:
        try:
            array = np.asarray(indices)
        except ValueError:
            raise ShapeError(f"{op}: indices must be a rectangular (ndim, nnz) list of ints") from None
        if array.size == 0:
            array = array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise DtypeError(f"{op}: indices must be integers, got dtype {array.dtype}")
    if array.ndim != 2:
        raise ShapeError(
            f"{op}: indices must have 2 dims (one row per sparse dim, one column per element), "
            f"got shape {tuple(array.shape)}"
        )
    return array.astype(np.int64, copy=False)


def _as_values(op: str, values: Any, dtype: Any) -> Tensor:
    from ..ops.creation import tensor

    if not isinstance(values, Tensor):
        values = tensor(values, dtype=dtype)
    elif values.is_sparse:
        raise TypeError(f"{op}: values must be a dense tensor, got a sparse tensor")
    elif dtype is not None:
        values = values.to(_dtype.to_dtype(dtype, op))
    if values._array.ndim != 1:
        raise ShapeError(
            f"{op}: values must have 1 dim (one value per stored element), got shape {tuple(values.shape)}; "
            "shendu has no hybrid sparse tensors (values with dense dims)"
        )
    return values


def _check_size(op: str, array: Any, size: Any) -> tuple[int, ...]:
    xp = _backend.get_array_module(array)
    if size is None:
        if not array.shape[1]:
            return (0,) * array.shape[0]
        for dim, lo in enumerate(xp.min(array, axis=1).tolist()):
            if lo < 0:
                raise IndexOutOfRange(
                    f"{op}: index {lo} in row {dim} of the indices is negative; indices count from 0, and without "
                    "size the shape is one more than the largest index in each dim"
                )
        return tuple(int(v) + 1 for v in xp.max(array, axis=1).tolist())
    from ..ops._common import parse_size

    shape = parse_size(op, (size,) if not isinstance(size, (tuple, list)) else tuple(size))
    if len(shape) != array.shape[0]:
        raise ShapeError(
            f"{op}: size {shape} has {len(shape)} dims but the indices have {array.shape[0]} rows (one per dim)"
        )
    if array.shape[1]:
        low, high = xp.min(array, axis=1).tolist(), xp.max(array, axis=1).tolist()
        for dim, (lo, hi, n) in enumerate(zip(low, high, shape)):
            if lo < 0 or hi >= n:
                bad = lo if lo < 0 else hi
                raise IndexOutOfRange(
                    f"{op}: index {bad} in row {dim} of the indices is out of range for size {n} of dim {dim} "
                    f"(size {shape}); expected indices in [0, {n - 1}]"
                )
    return shape


def _is_coalesced(array: Any, shape: tuple[int, ...]) -> bool:
    if array.shape[1] < 2:
        return True
    linear = _backend.get_array_module(array).ravel_multi_index(tuple(array), shape)
    return bool((linear[1:] > linear[:-1]).all())


def sparse_coo_tensor(
    indices: Any,
    values: Any,
    size: Any = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    check_invariants: bool | None = None,
    is_coalesced: bool | None = None,
) -> SparseTensor:
    """A sparse COO tensor holding ``values`` at the positions in the columns of ``indices``.

    Positions may repeat (their values add up). shendu always checks that the indices lie inside
    ``size``, so ``check_invariants`` only exists for PyTorch's signature.

    Args:
        indices: an integer tensor or nested list of shape ``(ndim, nnz)``: column ``k`` is the position of
            ``values[k]``.
        values: a 1-D tensor or list of ``nnz`` values.
        size: the shape of the tensor. Default: one more than the largest index in each dim.
        dtype: the values' dtype. Default: that of ``values``.
        device: where to put the tensor. Default: the values' device.
        requires_grad: make the sparse tensor a leaf that takes gradients. Default: False.
        check_invariants: accepted for PyTorch's signature (the indices are always checked). Default: None.
        is_coalesced: declare that the positions are sorted and distinct (checked). Default: None.

    Shape:
        - indices: :math:`(D, N)`, values: :math:`(N)`, result: ``size`` with :math:`D` dims.

    Example:
        >>> a = shendu.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))
        >>> a.to_dense()
        tensor([[0., 0., 3.],
                [4., 0., 5.]])
    """
    op = "sparse_coo_tensor"
    array = _as_index_array(op, indices)
    values = _as_values(op, values, dtype)
    if array.shape[1] != values.shape[0]:
        raise ShapeError(
            f"{op}: indices and values must describe the same number of elements, got {array.shape[1]} columns "
            f"of indices and {values.shape[0]} values"
        )
    if device is not None:
        values = values.to(_backend.as_device(device, op))
    array = _backend.to_device(array, values.device, op)
    shape = _check_size(op, array, size)
    if is_coalesced and not _is_coalesced(array, shape):
        raise ShapeError(f"{op}: is_coalesced=True but the positions are not sorted and distinct; call .coalesce()")
    if values.requires_grad:
        if requires_grad:
            raise GraphError(
                f"{op}: requires_grad=True makes a leaf, but the values already require grad; pass "
                "values.detach() to make a leaf, or leave requires_grad=False for gradients to reach the values"
            )
        private = values[...]
    else:
        private = values.detach()
        if requires_grad:
            private.requires_grad_(True)
    return _make(array, private, shape, bool(is_coalesced))


def _check_sparse_dim(input: Tensor, sparse_dim: int | None) -> None:
    if sparse_dim is not None and sparse_dim != input.ndim:
        raise SparseLayoutError(
            f"to_sparse: sparse_dim={sparse_dim} would make a hybrid sparse tensor, which shendu does not have; "
            f"omit sparse_dim (all {input.ndim} dims sparse)"
        )


def to_sparse(input: Tensor, sparse_dim: int | None = None, *, layout: layout | None = None) -> SparseTensor:
    """The sparse COO tensor of ``input``'s nonzero elements (coalesced); gradients flow back to them.

    Args:
        input: a dense tensor with at least one dim.
        sparse_dim: the number of sparse dims: only all of them. Default: None (all).
        layout: only ``shendu.sparse_coo``. Default: None.

    Example:
        >>> shendu.tensor([[0.0, 1.0], [2.0, 0.0]]).to_sparse().indices()
        tensor([[0, 1],
                [1, 0]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"to_sparse: expected a Tensor, got {type(input).__name__}")
    if layout is not None and layout is not sparse_coo:
        raise SparseLayoutError(f"to_sparse: only layout=shendu.sparse_coo is supported, got {layout}")
    if input.is_sparse:
        return input.to_sparse(sparse_dim)
    _check_sparse_dim(input, sparse_dim)
    array = input._array
    if array.ndim == 0:
        raise ShapeError("to_sparse: expected a tensor with at least 1 dim, got a 0-d tensor")
    xp = _backend.get_array_module(array)
    positions = xp.nonzero(array)
    indices = xp.stack(positions).astype(np.int64) if positions else xp.zeros((0, 0), np.int64)
    values = input[tuple(Tensor._make(p) for p in positions)]
    return _make(indices, values, tuple(array.shape), True)


def to_dense(input: Tensor) -> Tensor:
    """A dense tensor's ``to_dense()`` is the tensor itself (sparse tensors return their dense form)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"to_dense: expected a Tensor, got {type(input).__name__}")
    return input


# ----------------------------------------------------------------------------- products


def _check_matrix(op: str, name: str, t: Any) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    if t.ndim != 2:
        raise ShapeError(f"{op}: {name} must be a matrix (2 dims), got shape {tuple(t.shape)}")


def mm(mat1: Tensor, mat2: Tensor) -> Tensor:
    """The matrix product of a sparse and a dense matrix (either order), as a dense matrix.

    Gradients flow to the dense matrix and to the sparse matrix's values.

    Args:
        mat1: a sparse :math:`(n, m)` matrix, or a dense one when ``mat2`` is sparse.
        mat2: a dense :math:`(m, p)` matrix, or a sparse one when ``mat1`` is dense.

    Shape:
        - Output: :math:`(n, p)`, dense.

    Example:
        >>> a = shendu.sparse_coo_tensor([[0, 1], [1, 0]], [2.0, 3.0], (2, 2))
        >>> shendu.sparse.mm(a, shendu.tensor([[1.0], [10.0]]))
        tensor([[20.],
                [ 3.]])
    """
    op = "sparse.mm"
    _check_matrix(op, "mat1", mat1)
    _check_matrix(op, "mat2", mat2)
    if mat1.is_sparse and mat2.is_sparse:
        raise unsupported("sparse.mm of two sparse matrices")
    if not mat1.is_sparse and not mat2.is_sparse:
        raise TypeError(f"{op}: expected a sparse matrix as mat1 or mat2, got two dense ones; use shendu.mm")
    if mat1.shape[1] != mat2.shape[0]:
        raise ShapeError(
            f"{op}: mat1 has {mat1.shape[1]} columns but mat2 has {mat2.shape[0]} rows "
            f"(mat1 shape {tuple(mat1.shape)}, mat2 shape {tuple(mat2.shape)})"
        )
    if mat1.dtype != mat2.dtype:
        raise DtypeError(f"{op}: expected both matrices of the same dtype, got {mat1.dtype} and {mat2.dtype}")
    if mat1.device != mat2.device:
        raise DeviceError(f"{op}: expected both matrices on the same device, but found {mat1.device} and {mat2.device}")
    if mat2.is_sparse:
        # D @ S = (S^T @ D^T)^T
        return _sparse_dense(mat2.t(), mat1.t()).t()
    return _sparse_dense(mat1, mat2)


def _sparse_dense(sparse: SparseTensor, dense: Tensor) -> Tensor:
    storage = _storage(sparse)
    rows, cols = storage.indices[0], storage.indices[1]
    return SparseDenseMM.apply(storage.values, dense, rows=rows, cols=cols, n_rows=storage.shape[0])


def spmm(input: Tensor, mat2: Tensor) -> Tensor:
    """``sparse.mm(input, mat2)`` for a sparse ``input`` and a dense ``mat2`` (PyTorch's older name).

    Example:
        >>> a = shendu.sparse_coo_tensor([[0], [1]], [2.0], (2, 2))
        >>> shendu.spmm(a, shendu.ones(2, 2))
        tensor([[2., 2.],
                [0., 0.]])
    """
    if not isinstance(input, Tensor) or not input.is_sparse:
        raise TypeError(f"spmm: input must be a sparse tensor, got {type(input).__name__}")
    return mm(input, mat2)
