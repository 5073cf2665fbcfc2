"""Matrix products: ``matmul`` (``@``), ``mm``, ``bmm``, ``dot``, ``outer``, ``einsum`` and ``linear``.

Every product keeps its operands' dtype (float32 stays float32; PyTorch refuses
to mix float32 and float64 in a matrix product, and so does shendu), and runs
as few BLAS calls as it can: an N-d tensor times a matrix folds its leading
dims into the rows of a single GEMM, in the forward and in both gradients.
"""

from __future__ import annotations

import math
import string
from typing import Any

import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from . import _dual
from ._common import as_operand, check_same_device, promote_pair, sum_to
from .creation import zeros

__all__ = ["bmm", "dot", "einsum", "linear", "matmul", "mm", "outer"]


def _rows(x: Any) -> Any:
    """``x`` as a matrix with one row per position of its leading dims (a view when contiguous)."""
    # An explicit row count, not -1, which is ambiguous for a size-0 last dimension.
    return x.reshape(math.prod(x.shape[:-1]), x.shape[-1])


def _fold(x: Any, w: Any) -> Any:
    """``x @ w`` for an N-d ``x`` and a 2-D ``w`` as one GEMM over the rows of all leading dims."""
    if x.ndim <= 2:
        return x @ w
    return (_rows(x) @ w).reshape(*x.shape[:-1], w.shape[-1])


def _fold_t(x: Any, g: Any) -> Any:
    """The sum over the batch of ``x^T @ g``, for ``x`` and ``g`` with the same leading dims: one GEMM."""
    return _rows(x).T @ _rows(g)


class Matmul(Function):
    def forward(self, a: Any, b: Any) -> Any:
        self.save_for_backward(a, b)
        if b.ndim == 2:
            return _fold(a, b)
        return a @ b

    def backward_graph(self, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = self.saved_tensors()
        if a.ndim == 1 and b.ndim == 1:
            return (grad * b if self.needs_input_grad(0) else None), (grad * a if self.needs_input_grad(1) else None)
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        g2 = grad
        if a.ndim == 1:
            g2 = g2.reshape(*g2.shape[:-1], 1, g2.shape[-1])
        if b.ndim == 1:
            g2 = g2.reshape(*g2.shape, 1)
        ga = sum_to(g2 @ b2.transpose(-1, -2), a2.shape).reshape(a.shape) if self.needs_input_grad(0) else None
        gb = sum_to(a2.transpose(-1, -2) @ g2, b2.shape).reshape(b.shape) if self.needs_input_grad(1) else None
        return ga, gb

    def backward(self, grad: Any) -> tuple[Any, Any]:
        a, b = self.saved
        if a.ndim == 1 and b.ndim == 1:
            ga = grad * b if self.needs_input_grad(0) else None
            gb = grad * a if self.needs_input_grad(1) else None
            return ga, gb
        # Treat a vector as a 1 x k (left) or k x 1 (right) matrix, as the forward did.
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        g2 = grad
        if a.ndim == 1:
            g2 = g2.reshape(*g2.shape[:-1], 1, g2.shape[-1])
        if b.ndim == 1:
            g2 = g2.reshape(*g2.shape, 1)
        ga = gb = None
        if self.needs_input_grad(0):
            if b2.ndim == 2:
                ga = _fold(g2, b2.T)
            else:
                ga = sum_to(g2 @ b2.swapaxes(-1, -2), a2.shape)
            ga = ga.reshape(a.shape)
        if self.needs_input_grad(1):
            if b2.ndim == 2 and g2.ndim > 2:
                gb = _fold_t(a2, g2)
            else:
                gb = sum_to(a2.swapaxes(-1, -2) @ g2, b2.shape)
            gb = gb.reshape(b.shape)
        return ga, gb


class Mm(Matmul):
    pass


class Bmm(Matmul):
    pass


class Dot(Matmul):
    pass


class Outer(Function):
    def forward(self, a: Any, b: Any) -> Any:
        self.save_for_backward(a, b)
        return a.reshape(-1, 1) * b

    def backward(self, grad: Any) -> tuple[Any, Any]:
        return self._grads(grad, *self.saved)

    def backward_graph(self, grad: Any) -> tuple[Any, Any]:
        return self._grads(grad, *self.saved_tensors())

    def _grads(self, grad: Any, a: Any, b: Any) -> tuple[Any, Any]:
        ga = grad @ b if self.needs_input_grad(0) else None
        gb = a @ grad if self.needs_input_grad(1) else None
        return ga, gb


def _operands(op: str, input: Any, other: Any) -> tuple[Tensor, Tensor]:
    a = input if isinstance(input, Tensor) else as_operand(op, input, other if isinstance(other, Tensor) else None)
    b = other if isinstance(other, Tensor) else as_operand(op, other, a)
    if type(a._array) is not type(b._array) or a.device != b.device:
        check_same_device(op, a, b)
    return a, b


def _check_dtypes(op: str, *tensors: Tensor) -> None:
    first = tensors[0]._array.dtype
    if any(t._array.dtype != first for t in tensors[1:]):
        shown = " and ".join(str(t.dtype) for t in tensors)
        raise DtypeError(
            f"{op}: expected all operands to have the same dtype, but got {shown}; "
            "cast one of them first (e.g. b.to(a.dtype))"
        )
    if first.kind == "b":
        raise DtypeError(f"{op}: bool tensors are not supported; cast them to an integer or float dtype first")


def _mismatch(op: str, a: Tensor, b: Tensor, k_a: int, k_b: int) -> ShapeError:
    return ShapeError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied: {k_a} != {k_b}")


def matmul(input: Any, other: Any) -> Tensor:
    """Matrix product of two tensors, following NumPy's and PyTorch's ``@`` rules.

    A 1-D first operand is a row vector and a 1-D second operand a column vector; the
    added dimension is removed from the result. Dimensions before the last two are batch
    dimensions and broadcast.

    Args:
        input: the first operand, at least 1-D.
        other: the second operand, at least 1-D, with ``input``'s dtype.

    Shape:
        - ``(k,) @ (k,)`` -> ``()``
        - ``(n, k) @ (k,)`` -> ``(n,)``; ``(k,) @ (k, m)`` -> ``(m,)``
        - ``(n, k) @ (k, m)`` -> ``(n, m)``
        - ``(*B1, n, k) @ (*B2, k, m)`` -> ``(*broadcast(B1, B2), n, m)``

    Example:
        >>> shendu.matmul(shendu.randn(10, 3, 4), shendu.randn(4, 5)).shape
        shendu.Size([10, 3, 5])
    """
    if getattr(input, "is_sparse", False) or getattr(other, "is_sparse", False):
        from ..sparse import mm as sparse_mm

        return sparse_mm(input, other)
    a, b = _operands("matmul", input, other)
    sa, sb = a._array.shape, b._array.shape
    if not sa or not sb:
        raise ShapeError(
            f"matmul: both arguments must be at least 1-D, but got shapes {tuple(sa)} and {tuple(sb)} "
            "(use mul or * to multiply by a 0-d tensor)"
        )
    _check_dtypes("matmul", a, b)
    k_b = sb[0] if len(sb) == 1 else sb[-2]
    if sa[-1] != k_b:
        raise _mismatch("matmul", a, b, sa[-1], k_b)
    if len(sa) > 2 and len(sb) > 2:
        try:
            np.broadcast_shapes(sa[:-2], sb[:-2])
        except ValueError:
            raise ShapeError(
                f"matmul: batch dimensions {tuple(sa[:-2])} and {tuple(sb[:-2])} of shapes {tuple(sa)} and "
                f"{tuple(sb)} cannot be broadcast together"
            ) from None
    return Matmul.apply(a, b)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices (2-D only; use ``matmul`` for vectors and batches).

    Args:
        input: an ``(n, k)`` matrix.
        mat2: a ``(k, m)`` matrix of the same dtype.

    Shape:
        ``(n, k), (k, m)`` -> ``(n, m)``

    Example:
        >>> shendu.mm(shendu.ones(2, 3), shendu.ones(3, 4)).shape
        shendu.Size([2, 4])
    """
    if getattr(input, "is_sparse", False) or getattr(mat2, "is_sparse", False):
        from ..sparse import mm as sparse_mm

        return sparse_mm(input, mat2)
    a, b = _operands("mm", input, mat2)
    if a._array.ndim != 2 or b._array.ndim != 2:
        raise ShapeError(
            f"mm: expected two 2-D matrices, but got shapes {tuple(a.shape)} and {tuple(b.shape)}; "
            "use matmul for vectors and batches"
        )
    _check_dtypes("mm", a, b)
    if a._array.shape[1] != b._array.shape[0]:
        raise _mismatch("mm", a, b, a._array.shape[1], b._array.shape[0])
    return Mm.apply(a, b)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of two 3-D tensors with the same batch size (no broadcasting).

    Args:
        input: a ``(B, n, k)`` tensor.
        mat2: a ``(B, k, m)`` tensor of the same dtype.

    Shape:
        ``(B, n, k), (B, k, m)`` -> ``(B, n, m)``

    Example:
        >>> shendu.bmm(shendu.ones(8, 2, 3), shendu.ones(8, 3, 4)).shape
        shendu.Size([8, 2, 4])
    """
    a, b = _operands("bmm", input, mat2)
    sa, sb = a._array.shape, b._array.shape
    if len(sa) != 3 or len(sb) != 3:
        raise ShapeError(
            f"bmm: expected two 3-D tensors (batch, rows, columns), but got shapes {tuple(sa)} and {tuple(sb)}; "
            "use matmul to broadcast batch dimensions"
        )
    _check_dtypes("bmm", a, b)
    if sa[0] != sb[0]:
        raise ShapeError(
            f"bmm: the batch sizes differ: {sa[0]} != {sb[0]} (shapes {tuple(sa)} and {tuple(sb)}); "
            "use matmul to broadcast batch dimensions"
        )
    if sa[2] != sb[1]:
        raise _mismatch("bmm", a, b, sa[2], sb[1])
    return Bmm.apply(a, b)


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of the same length and dtype, as a 0-d tensor.

    Example:
        >>> shendu.dot(shendu.tensor([1.0, 2.0]), shendu.tensor([3.0, 4.0]))
        tensor(11.)
    """
    a, b = _operands("dot", input, tensor)
    if a._array.ndim != 1 or b._array.ndim != 1:
        raise ShapeError(
            f"dot: expected two 1-D tensors, but got shapes {tuple(a.shape)} and {tuple(b.shape)}; "
            "use matmul for matrices"
        )
    _check_dtypes("dot", a, b)
    if a._array.shape[0] != b._array.shape[0]:
        raise _mismatch("dot", a, b, a._array.shape[0], b._array.shape[0])
    return Dot.apply(a, b)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two 1-D tensors: ``out[i, j] = input[i] * vec2[j]`` (dtypes promote as in ``*``).

    Shape:
        ``(n,), (m,)`` -> ``(n, m)``

    Example:
        >>> shendu.outer(shendu.arange(3), shendu.arange(2)).shape
        shendu.Size([3, 2])
    """
    a, b = _operands("outer", input, vec2)
    if a._array.ndim != 1 or b._array.ndim != 1:
        raise ShapeError(f"outer: expected two 1-D tensors, but got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    a, b = promote_pair("outer", a, b)
    return Outer.apply(a, b)


# --------------------------------------------------------------------------- linear


def _shaped(array: Any, shape: tuple[int, ...]) -> Any:
    """``array`` in ``shape``, itself when it has it already: a fresh array, not a view, reaches a
    leaf's ``.grad`` without the copy that the engine makes of views."""
    return array if array.shape == shape else array.reshape(shape)


# Up to this many rows (samples), ``linear`` multiplies in the transposed order; see Linear.forward.
_FEW_ROWS = 64


class Linear(Function):
    saves_inputs = (0, 1)

    def forward(self, x: Any, w: Any, b: Any = None) -> Any:
        # A 2-D input is used as it is, even when strided: BLAS takes the strides, a reshape would copy.
        x2 = x if x.ndim == 2 else _rows(x)
        w2 = w if w.ndim == 2 else w.reshape(1, -1)
        rows, features = x2.shape[0], w2.shape[0]
        if type(x2) is np.ndarray and rows <= _FEW_ROWS and rows < features:
            # OpenBLAS runs x @ w.T with a few rows up to twice as slow as the same product
            # computed as (w @ x.T).T (batch 16, 784 -> 256: 121 us against 76 us); the copy
            # back to rows, with the bias added on the way, costs a few microseconds.
            out = np.empty((rows, features), np.result_type(x2, w2))
            product = (w2 @ x2.T).T
            if b is None:
                out[...] = product
            else:
                np.add(product, b, out=out)
        else:
            out = x2 @ w2.T
            if b is not None:
                out += b
        self.x2, self.w2 = x2, w2
        self.meta = (x.shape, w.shape, None if b is None else b.shape)
        return out.reshape(x.shape[:-1] + w.shape[:-1])

    def backward(self, grad: Any) -> tuple[Any, ...]:
        x_shape, w_shape, b_shape = self.meta
        g2 = grad.reshape(self.x2.shape[0], self.w2.shape[0])
        gx = _shaped(g2 @ self.w2, x_shape) if self.needs_input_grad(0) else None
        gw = _shaped(g2.T @ self.x2, w_shape) if self.needs_input_grad(1) else None
        if b_shape is None:
            return gx, gw
        gb = sum_to(g2.sum(axis=0), b_shape) if self.needs_input_grad(2) else None
        return gx, gw, gb

    @staticmethod
    def composite(x: Tensor, w: Tensor, b: Tensor | None = None) -> Tensor:
        out = matmul(x, w.t() if w.ndim == 2 else w)
        return out if b is None else out + b


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """The affine map ``input @ weight.T + bias``, as one GEMM over all leading dimensions.

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)``, or ``(in_features,)`` for a single output.
        bias: ``(out_features,)`` (or a shape that broadcasts to it). Default: None.

    Shape:
        - Input: ``(*, in_features)``
        - Output: ``(*, out_features)``, or ``(*)`` for a 1-D weight.

    Example:
        >>> shendu.linear(shendu.randn(64, 784), shendu.randn(256, 784), shendu.zeros(256)).shape
        shendu.Size([64, 256])
    """
    x, w = _operands("linear", input, weight)
    tensors = [x, w]
    if bias is not None:
        b = bias if isinstance(bias, Tensor) else as_operand("linear", bias, x)
        tensors.append(b)
    if len(tensors) == 3 or type(x._array) is not type(w._array):
        check_same_device("linear", *tensors)
    if x._array.ndim == 0:
        raise ShapeError(f"linear: input must be at least 1-D (*, in_features), got shape {tuple(x.shape)}")
    if w._array.ndim not in (1, 2):
        raise ShapeError(f"linear: weight must be 2-D (out_features, in_features), got shape {tuple(w.shape)}")
    in_features = x._array.shape[-1]
    if w._array.shape[-1] != in_features:
        raise ShapeError(
            f"linear: input has {in_features} features but weight expects {w._array.shape[-1]} "
            f"(input shape {tuple(x.shape)}, weight shape {tuple(w.shape)})"
        )
    _check_dtypes("linear", *tensors)
    if bias is None:
        return Linear.apply(x, w)
    out_shape = tuple(w._array.shape[:-1])
    b_shape = tuple(b._array.shape)
    if len(b_shape) > len(out_shape) or any(s not in (1, o) for s, o in zip(b_shape[::-1], out_shape[::-1])):
        raise ShapeError(
            f"linear: bias of shape {b_shape} does not match the {out_shape[0] if out_shape else 1} output "
            f"features of weight shape {tuple(w.shape)}; expected shape {out_shape}"
        )
    return Linear.apply(x, w, b)


# --------------------------------------------------------------------------- einsum

_LETTERS = set(string.ascii_letters)


def _parse_einsum(equation: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Split ``equation`` into one label string per operand and the output labels, ellipses expanded."""
    eq = equation.replace(" ", "")
    for i, ch in enumerate(eq):
        if ch not in _LETTERS and ch not in ",.->":
            raise ValueError(
                f"einsum: invalid character {ch!r} at index {i} of {equation!r}; labels must be letters a-z or A-Z"
            )
    lhs, arrow, rhs = eq.partition("->")
    if "-" in lhs or ">" in lhs or "-" in rhs or ">" in rhs:
        raise ValueError(f"einsum: malformed equation {equation!r}; '->' may appear at most once")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(
            f"einsum: the equation {equation!r} has subscripts for {len(terms)} operand(s) "
            f"but {len(shapes)} operand(s) were given"
        )
    for term in (*terms, rhs):
        if term.replace("...", "").count(".") or term.count("...") > 1:
            raise ValueError(f"einsum: malformed ellipsis in {equation!r}; use '...' at most once per operand")
    ellipsis_ranks = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        named = len(term.replace("...", ""))
        rank = len(shape) - named
        if rank < 0 or (rank > 0 and "..." not in term):
            raise ShapeError(
                f"einsum: operand {i} has {len(shape)} dimension(s) (shape {shape}) but its subscripts "
                f"{term!r} name {named}" + ("" if "..." in term else " and there is no '...'")
            )
        ellipsis_ranks.append(rank)
    spare = sorted(_LETTERS - set(eq))
    width = max(ellipsis_ranks, default=0)
    if width > len(spare):
        raise ValueError(f"einsum: too many dimensions under '...' in {equation!r}")
    ell = "".join(spare[:width])
    labels = [term.replace("...", ell[width - rank :]) for term, rank in zip(terms, ellipsis_ranks)]
    if arrow:
        out = rhs.replace("...", ell)
        used = "".join(labels)
        for ch in out:
            if ch not in used:
                raise ValueError(f"einsum: output label {ch!r} does not appear in any operand of {equation!r}")
            if out.count(ch) > 1:
                raise ValueError(f"einsum: output label {ch!r} appears more than once in {equation!r}")
    else:
        counts: dict[str, int] = {}
        for term in terms:
            for ch in term.replace("...", ""):
                counts[ch] = counts.get(ch, 0) + 1
        out = ell + "".join(sorted(ch for ch, n in counts.items() if n == 1))
    return labels, out


def _check_label_sizes(labels: list[str], shapes: list[tuple[int, ...]]) -> None:
    """Every label must have one size across the operands, up to broadcasting of size 1."""
    sizes: dict[str, int] = {}
    for i, (term, shape) in enumerate(zip(labels, shapes)):
        for ch, n in zip(term, shape):
            seen = sizes.get(ch)
            if term.count(ch) > 1 and shape[term.index(ch)] != n:
                raise ShapeError(
                    f"einsum: label {ch!r} is repeated in operand {i} but its sizes differ: "
                    f"{shape[term.index(ch)]} != {n} (shape {shape})"
                )
            if seen is None or seen == 1:
                sizes[ch] = n
            elif n not in (1, seen):
                raise ShapeError(
                    f"einsum: label {ch!r} has size {n} in operand {i} (shape {shape}) but size {seen} "
                    "in an earlier operand; sizes must match or be 1"
                )


class Einsum(Function):
    def forward(self, *arrays: Any, labels: tuple[str, ...], out: str) -> Any:
        self.save_for_backward(*arrays)
        self.meta = (labels, out)
        return _contract(",".join(labels) + "->" + out, arrays)

    def backward(self, grad: Any) -> tuple[Any, ...]:
        return self._grads(grad, self.saved)

    def backward_graph(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        return self._grads(grad, self.saved_tensors())

    def _grads(self, grad: Any, operands: tuple[Any, ...]) -> tuple[Any, ...]:
        labels, out = self.meta
        return tuple(
            _einsum_grad(grad, out, labels, operands, i) if self.needs_input_grad(i) else None
            for i in range(len(labels))
        )


def _contract(equation: str, arrays: Any) -> Any:
    xp = get_array_module(arrays[0])
    # The optimizer turns two-operand contractions into BLAS calls, which NumPy's plain einsum loop is not.
    return xp.einsum(equation, *arrays, optimize=len(arrays) > 1)


def _einsum_grad(grad: Any, out: str, labels: tuple[str, ...], arrays: tuple[Any, ...], i: int) -> Any:
    """The gradient of operand ``i``: the einsum of the output gradient with every other operand."""
    tensors = isinstance(grad, Tensor)
    xp = get_array_module(grad._array if tensors else grad)
    term, a = labels[i], arrays[i]
    unique = "".join(dict.fromkeys(term))
    others = [out] + [t for j, t in enumerate(labels) if j != i]
    available = set("".join(others))
    present = "".join(ch for ch in unique if ch in available)
    rest = [x for j, x in enumerate(arrays) if j != i]
    equation = ",".join(others) + "->" + present
    g = einsum(equation, grad, *rest) if tensors else _contract(equation, [grad, *rest])
    if len(present) < len(unique):
        # Labels only this operand has were summed away in the forward; their gradient is a broadcast.
        g = g.reshape(tuple(g.shape[present.index(ch)] if ch in present else 1 for ch in unique))
    own = tuple(a.shape[term.index(ch)] for ch in unique)
    target = tuple(n if n != 1 else m for n, m in zip(own, g.shape))
    broadcast = target != g.shape
    if broadcast:
        g = _dual.broadcast_to(g, target)
    reduce = tuple(k for k, (n, m) in enumerate(zip(own, target)) if n == 1 and m != 1)
    if reduce:
        g = _dual.sum(g, reduce, keepdims=True)
    elif broadcast and not tensors:
        g = xp.ascontiguousarray(g)
    if len(unique) == len(term):
        return g
    # A repeated label reads a diagonal; its gradient goes back onto that diagonal, zeros elsewhere.
    result = zeros(a.shape, dtype=a.dtype, device=a.device) if tensors else xp.zeros(a.shape, a.dtype)
    index = [xp.arange(n).reshape((1,) * k + (n,) + (1,) * (len(unique) - k - 1)) for k, n in enumerate(own)]
    result[tuple(index[unique.index(ch)] for ch in term)] = g
    return result


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum the products of the operands' elements over the labels in ``equation`` (Einstein notation).

    Each operand gets one letter per dimension; a letter shared between operands multiplies
    along that dimension, and letters missing from the output are summed. Without ``->``
    the output holds, in alphabetical order, the letters that appear exactly once (as in
    NumPy). ``...`` stands for the remaining dimensions, which broadcast; dimensions under
    ``...`` that the output omits are summed. A letter repeated within one operand takes
    its diagonal (``'ii->i'``).

    Args:
        equation: e.g. ``'ij,jk->ik'``, ``'bij,bjk->bik'``, ``'bi,bj->bij'`` or ``'...ij,...jk'``.
        operands: the tensors, one per comma-separated term (or a single list of them), all of one dtype.

    Example:
        >>> shendu.einsum('bi,bj->bij', shendu.ones(4, 2), shendu.ones(4, 3)).shape
        shendu.Size([4, 2, 3])
    """
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum: expected at least one operand")
    tensors = []
    for op in operands:
        tensors.append(op if isinstance(op, Tensor) else as_operand("einsum", op, tensors[0] if tensors else None))
    if len(tensors) > 1:
        check_same_device("einsum", *tensors)
        _check_dtypes("einsum", *tensors)
    shapes = [tuple(t._array.shape) for t in tensors]
    labels, out = _parse_einsum(equation, shapes)
    _check_label_sizes(labels, shapes)
    if len(tensors) == 1 and tensors[0]._array.dtype.kind in "biu" and len(out) < len(set(labels[0])):
        # PyTorch sums a single integer or bool operand in int64, as its sum() does.
        tensors[0] = Tensor._make(tensors[0]._array.astype(np.int64))
    return Einsum.apply(*tensors, labels=tuple(labels), out=out)
