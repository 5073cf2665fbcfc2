"""Embedding lookup: rows of a weight matrix picked by integer indices.

The gradient of the weight is a scatter-add of the output gradient into the rows that were
looked up, so an index that appears several times accumulates every contribution.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..backend import get_array_module
from ..errors import DtypeError, IndexOutOfRange, ShapeError
from ..tensor import Tensor
from ._common import check_same_device

__all__ = ["embedding"]


class Embedding(Function):
    # Linear in the weight; the double backward gathers the rows again (ignoring padding_idx and
    # scale_grad_by_freq, which only rescale the first-order gradient).
    linear = True

    def forward(self, weight: Any, *, indices: Any, padding_idx: int | None, scale_grad_by_freq: bool) -> Any:
        self.meta = (indices, weight.shape, padding_idx, scale_grad_by_freq)
        return weight[indices]

    def backward(self, grad: Any) -> tuple[Any]:
        indices, shape, padding_idx, scale_grad_by_freq = self.meta
        xp = get_array_module(grad)
        flat = indices.reshape(-1)
        rows = grad.reshape(flat.size, shape[1])
        if scale_grad_by_freq:
            counts = xp.bincount(flat, minlength=shape[0]).astype(grad.dtype)
            rows = rows / counts[flat][:, None]
        out = xp.zeros(shape, grad.dtype)
        xp.add.at(out, flat, rows)
        if padding_idx is not None:
            out[padding_idx] = 0
        return (out,)


def _renorm_(weight: Tensor, indices: Any, max_norm: float, norm_type: float) -> None:
    """Scale, in place, the looked-up rows whose ``norm_type``-norm exceeds ``max_norm`` down to ``max_norm``."""
    xp = get_array_module(weight._array)
    rows = xp.unique(indices.reshape(-1))
    if not rows.size:
        return
    values = xp.abs(weight._array[rows])
    if not values.shape[1] and (norm_type < 0 or math.isinf(norm_type)):
        raise ValueError(
            f"embedding: cannot compute the {norm_type} norm of rows with no elements (weight shape "
            f"{tuple(weight.shape)}): that norm has no value for an empty row"
        )
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if norm_type == 0:
            norms = (values != 0).sum(axis=1).astype(values.dtype)
        elif math.isinf(norm_type):
            norms = values.max(axis=1) if norm_type > 0 else values.min(axis=1)
        else:
            norms = (values**norm_type).sum(axis=1) ** (1.0 / norm_type)
    over = norms > max_norm
    if bool(over.any()):
        scale = (max_norm / (norms[over] + 1e-7)).astype(values.dtype)
        with no_grad():
            weight._array[rows[over]] = weight._array[rows[over]] * scale[:, None]
            weight._vc[0] += 1


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Look up rows of ``weight``: ``out[..., :] = weight[input[...], :]``.

    Args:
        input: integer indices of any shape, each in ``[0, num_embeddings)``.
        weight: the embedding matrix ``(num_embeddings, embedding_dim)``.
        padding_idx: the row of this index gets no gradient (negative counts from the end).
            Default: None.
        max_norm: rescale, in place, every looked-up row whose norm exceeds this to this norm.
            Default: None.
        norm_type: the p of the p-norm for ``max_norm``. Default: 2.0.
        scale_grad_by_freq: divide each row's gradient by how often its index occurs in ``input``.
            Default: False.
        sparse: sparse gradients are not supported by shendu; must be False. Default: False.

    Shape:
        - input: :math:`(*)`. weight: :math:`(V, D)`. Output: :math:`(*, D)`.

    Example:
        >>> weight = shendu.randn(10, 3)
        >>> shendu.nn.functional.embedding(shendu.tensor([[1, 2], [4, 9]]), weight).shape
        shendu.Size([2, 2, 3])
    """
    op = "embedding"
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(
            f"{op}: input and weight must be Tensors, got {type(input).__name__} and {type(weight).__name__}"
        )
    if sparse:
        raise NotImplementedError(f"{op}: sparse=True is not supported; shendu computes dense gradients")
    if input._array.dtype.kind not in "iu":
        raise DtypeError(f"{op}: input must hold integer indices (int64 or int32), got dtype {input.dtype}")
    if weight.ndim != 2:
        raise ShapeError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got shape {tuple(weight.shape)}")
    check_same_device(op, input, weight)
    count = weight.shape[0]
    indices = input._array
    if indices.size:
        low, high = int(indices.min()), int(indices.max())
        if low < 0 or high >= count:
            bad = low if low < 0 else high
            raise IndexOutOfRange(
                f"{op}: index {bad} is out of range for {count} embeddings (num_embeddings={count}); indices must "
                f"be in [0, {count}) (input shape {tuple(input.shape)}, weight shape {tuple(weight.shape)})"
            )
    if padding_idx is not None:
        if not -count <= padding_idx < count:
            raise ValueError(f"{op}: padding_idx must be in [{-count}, {count}), got {padding_idx}")
        padding_idx %= count
    if max_norm is not None:
        _renorm_(weight, indices, float(max_norm), float(norm_type))
    return Embedding.apply(
        weight, indices=indices, padding_idx=padding_idx, scale_grad_by_freq=bool(scale_grad_by_freq)
    )
