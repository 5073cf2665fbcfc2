"""``shendu.sparse``: sparse COO tensors and their product with dense matrices (``torch.sparse``'s names)."""

from __future__ import annotations

from typing import Any

from .._dtype import float32
from .coo import SparseLayoutError, SparseTensor, mm, sparse_coo_tensor

__all__ = ["FloatTensor", "SparseLayoutError", "SparseTensor", "mm"]


def FloatTensor(indices: Any, values: Any, size: Any = None) -> SparseTensor:  # noqa: N802 - PyTorch's name
    """PyTorch's deprecated spelling of ``sparse_coo_tensor(indices, values, size, dtype=float32)``.

    Example:
        >>> shendu.sparse.FloatTensor(shendu.tensor([[0], [1]]), shendu.tensor([2.0]), (2, 2)).to_dense()
        tensor([[0., 2.],
                [0., 0.]])
    """
    return sparse_coo_tensor(indices, values, size, dtype=float32)
