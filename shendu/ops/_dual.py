"""Math that works on raw arrays and on tensors alike, for gradient formulas written once.

An op's ``backward`` works on arrays (first-order, fast) and its ``backward_graph`` on tensors
(``create_graph=True``, differentiable). Formulas written with Python operators and these
functions serve both: on arrays they call NumPy or CuPy directly, on tensors the differentiable op.
"""

from __future__ import annotations

from typing import Any

from ..backend import get_array_module
from ..tensor import Tensor

__all__ = ["abs", "broadcast_to", "cos", "exp", "log", "sin", "sqrt", "sum", "where", "zeros_like"]


def _is_tensor(*values: Any) -> bool:
    return any(isinstance(v, Tensor) for v in values)


def where(condition: Any, a: Any, b: Any) -> Any:
    """``a`` where ``condition`` holds, else ``b``; ``condition`` is never differentiated."""
    if _is_tensor(a, b):
        from .selection import where as where_op

        cond = condition.detach() if isinstance(condition, Tensor) else Tensor._make(condition)
        return where_op(cond, a, b)
    return get_array_module(condition).where(condition, a, b)


def _unary(name: str, x: Any) -> Any:
    if isinstance(x, Tensor):
        from . import elementwise

        return getattr(elementwise, name)(x)
    return getattr(get_array_module(x), name)(x)


def exp(x: Any) -> Any:
    return _unary("exp", x)


def log(x: Any) -> Any:
    return _unary("log", x)


def sqrt(x: Any) -> Any:
    return _unary("sqrt", x)


def sin(x: Any) -> Any:
    return _unary("sin", x)


def cos(x: Any) -> Any:
    return _unary("cos", x)


def zeros_like(x: Any) -> Any:
    if isinstance(x, Tensor):
        from .creation import zeros_like as tensor_zeros_like

        return tensor_zeros_like(x)
    return get_array_module(x).zeros_like(x)


def sum(x: Any, axes: tuple[int, ...], keepdims: bool = False) -> Any:
    if isinstance(x, Tensor):
        return x.sum(dim=axes, keepdim=keepdims)
    return x.sum(axis=axes, keepdims=keepdims)


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(x, Tensor):
        return x.expand(*shape)
    return get_array_module(x).broadcast_to(x, shape)


def abs(x: Any) -> Any:
    return x.abs() if isinstance(x, Tensor) else get_array_module(x).abs(x)
