"""ReLU's backward pass as one loop (numba; see ``shendu/ops/activation.py``)."""

from __future__ import annotations

from typing import Any

from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def relu_backward(out: Any, grad: Any, result: Any) -> None:
    """``result = where(not out <= 0, grad, 0)`` over flat arrays: a NaN output passes its gradient."""
    for i in range(out.size):
        result[i] = 0 if out[i] <= 0 else grad[i]
