"""Attach the ops to Tensor as methods and operators.

Each op is written once, as a function whose first argument is the tensor
(``shendu.sum(x, dim=1)``); binding it here makes ``x.sum(dim=1)`` the very
same function, with no wrapper in between.
"""

from __future__ import annotations

from typing import Any

from .ops import (
    activation,
    arithmetic,
    comparison,
    creation,
    cumulative,
    elementwise,
    indexing,
    linalg,
    random,
    rearrange,
    reduction,
    selection,
    shape,
)
from .tensor import Tensor

# method name -> (module, function name); names equal unless stated.
METHODS: dict[str, tuple[Any, str]] = {}


def _register(module: Any, *names: str) -> None:
    for name in names:
        method, _, func = name.partition("=")
        METHODS[method] = (module, func or method)


_register(
    arithmetic,
    "add",
    "sub",
    "mul",
    "div",
    "true_divide",
    "floor_divide",
    "remainder",
    "pow",
    "neg",
    "negative",
    "rsub",
    "subtract=sub",
    "multiply=mul",
    "divide=div",
)
_register(creation, "clone")
_register(
    elementwise,
    "abs",
    "exp",
    "log",
    "log2",
    "log10",
    "log1p",
    "expm1",
    "sqrt",
    "rsqrt",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "clamp",
    "clip=clamp",
    "sign",
    "square",
    "reciprocal",
    "floor",
    "ceil",
    "round",
    "trunc",
    "isnan",
    "isinf",
    "isfinite",
    "nan_to_num",
    "erf",
    "absolute",
)
_register(selection, "maximum", "minimum", "where=tensor_where", "masked_fill")
_register(activation, "relu", "softmax", "log_softmax")
_register(
    reduction,
    "sum",
    "mean",
    "prod",
    "max",
    "min",
    "amax",
    "amin",
    "var",
    "std",
    "norm",
    "logsumexp",
    "argmax",
    "argmin",
    "all",
    "any",
)
_register(cumulative, "cumsum", "cumprod")
_register(linalg, "matmul", "mm", "bmm", "outer", "dot")
_register(random, "bernoulli", "multinomial")
_register(
    shape,
    "reshape",
    "view",
    "view_as",
    "reshape_as",
    "flatten",
    "unflatten",
    "squeeze",
    "unsqueeze",
    "transpose",
    "swapaxes=transpose",
    "t",
    "permute",
    "expand",
    "expand_as",
    "split",
    "chunk",
    "unbind",
    "narrow",
    "contiguous",
    "swapdims=transpose",
    "movedim",
    "moveaxis=movedim",
    "select",
)
_register(rearrange, "repeat", "tile", "flip", "roll", "repeat_interleave")
_register(indexing, "index_select", "gather", "scatter", "scatter_add", "tril", "triu", "masked_select")
_register(
    comparison,
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "equal",
    "allclose",
    "isclose",
    "logical_and",
    "logical_or",
    "logical_not",
    "logical_xor",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
)

# In-place variants (``exp_``, ``masked_fill_``...): method name -> (module, out-of-place function). The
# result is computed out of place and written back as ``Tensor._inplace_op`` describes.
INPLACE: dict[str, tuple[Any, str]] = {
    name + "_": (module, name)
    for module, names in (
        (
            elementwise,
            (
                "abs",
                "exp",
                "log",
                "log2",
                "log10",
                "log1p",
                "expm1",
                "sqrt",
                "rsqrt",
                "sin",
                "cos",
                "tanh",
                "sigmoid",
                "sign",
                "square",
                "reciprocal",
                "floor",
                "ceil",
                "round",
                "trunc",
                "nan_to_num",
                "erf",
            ),
        ),
        (selection, ("masked_fill",)),
        (arithmetic, ("neg", "floor_divide", "remainder")),
        (activation, ("relu",)),
        (indexing, ("scatter", "scatter_add")),
    )
    for name in names
}

OPERATORS: dict[str, tuple[Any, str]] = {
    "__add__": (arithmetic, "add"),
    "__sub__": (arithmetic, "sub"),
    "__mul__": (arithmetic, "mul"),
    "__truediv__": (arithmetic, "div"),
    "__floordiv__": (arithmetic, "floor_divide"),
    "__mod__": (arithmetic, "remainder"),
    "__pow__": (arithmetic, "pow"),
    "__matmul__": (linalg, "matmul"),
    "__neg__": (arithmetic, "neg"),
    "__abs__": (elementwise, "abs"),
    "__eq__": (comparison, "eq"),
    "__ne__": (comparison, "ne"),
    "__lt__": (comparison, "lt"),
    "__le__": (comparison, "le"),
    "__gt__": (comparison, "gt"),
    "__ge__": (comparison, "ge"),
    "__and__": (comparison, "bitwise_and"),
    "__or__": (comparison, "bitwise_or"),
    "__xor__": (comparison, "bitwise_xor"),
    "__invert__": (comparison, "bitwise_not"),
    "__getitem__": (indexing, "getitem"),
}
REFLECTED = {
    "__radd__": "__add__",
    "__rsub__": "__sub__",
    "__rmul__": "__mul__",
    "__rtruediv__": "__truediv__",
    "__rfloordiv__": "__floordiv__",
    "__rmod__": "__mod__",
    "__rpow__": "__pow__",
    "__rmatmul__": "__matmul__",
    "__rand__": "__and__",
    "__ror__": "__or__",
    "__rxor__": "__xor__",
}

_OPERAND_TYPES: tuple[type, ...] = ()


def _binary(func: Any) -> Any:
    def method(self: Tensor, other: Any) -> Any:
        if not isinstance(other, _OPERAND_TYPES):
            return NotImplemented
        return func(self, other)

    method.__name__ = func.__name__
    method.__doc__ = func.__doc__
    return method


def _reflected(func: Any) -> Any:
    def method(self: Tensor, other: Any) -> Any:
        if not isinstance(other, _OPERAND_TYPES):
            return NotImplemented
        return func(other, self)

    method.__name__ = func.__name__
    method.__doc__ = func.__doc__
    return method


def _inplace(name: str, func: Any) -> Any:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return self._inplace_op(name, lambda t: func(t, *args, **kwargs))

    method.__name__ = name
    method.__doc__ = f"In place: ``self = {func.__name__}(self, ...)``."
    return method


def missing_methods() -> list[str]:
    """Names in the tables that no op provides; ``bind()`` refuses to run unless this is empty."""
    tables = {**METHODS, **INPLACE, **OPERATORS}
    return [name for name, (module, func) in tables.items() if not hasattr(module, func)]


def bind() -> None:
    """Attach every op in the tables to ``Tensor``; a name with no op behind it is an error, raised before
    anything is attached."""
    global _OPERAND_TYPES
    import numpy as np

    missing = missing_methods()
    if missing:
        raise AttributeError(
            "shendu: no op provides the Tensor method(s) " + ", ".join(missing) + "; a table in shendu/_bind.py "
            "names a function its module does not define"
        )
    _OPERAND_TYPES = (Tensor, int, float, bool, np.generic, np.ndarray, list, tuple)
    for name, (module, func) in METHODS.items():
        setattr(Tensor, name, getattr(module, func))
    for name, (module, func) in INPLACE.items():
        setattr(Tensor, name, _inplace(name, getattr(module, func)))
    for name, (module, func) in OPERATORS.items():
        target = getattr(module, func)
        unary = name in ("__neg__", "__abs__", "__invert__", "__getitem__")
        setattr(Tensor, name, target if unary else _binary(target))
    for name, forward in REFLECTED.items():
        module, func = OPERATORS[forward]
        setattr(Tensor, name, _reflected(getattr(module, func)))
    Tensor.__pos__ = lambda self: self


bind()
