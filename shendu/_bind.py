"""Attach the ops to Tensor as methods and operators.

Each op is written once, as a function whose first argument is the tensor
(``shendu.sum(x, dim=1)``); binding it here makes ``x.sum(dim=1)`` the very
same function, with no wrapper in between.
"""

from __future__ import annotations

from typing import Any

from . import _repr
from .multiprocessing import sharing
from .ops import (
    activation,
    arithmetic,
    comparison,
    creation,
    cumulative,
    diagonal,
    elementwise,
    indexing,
    linalg,
    random,
    rearrange,
    reduction,
    search,
    selection,
    shape,
    sorting,
    stacking,
)
from .sparse import coo
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
    "lerp",
    "subtract=sub",
    "multiply=mul",
    "divide=div",
)
_register(creation, "clone", "new_zeros", "new_ones", "new_empty", "new_full", "new_tensor", "type_as")
_register(diagonal, "diag", "diagonal", "trace")
_register(coo, "to_sparse", "to_dense")
_register(sharing, "share_memory_", "is_shared")
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
    "clamp_min",
    "clamp_max",
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
_register(sorting, "sort", "argsort", "topk")
_register(stacking, "broadcast_to")
_register(search, "nonzero", "argwhere", "unique", "bincount")
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
                "clamp_min",
                "clamp_max",
            ),
        ),
        (selection, ("masked_fill",)),
        (arithmetic, ("neg", "floor_divide", "remainder", "lerp")),
        (comparison, ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not")),
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
    "__format__": (_repr, "format_spec"),
}
# Augmented assignments that change the tensor in place, as in PyTorch (``+=``, ``-=``, ``*=`` and
# ``/=`` are methods of Tensor); without them Python would rebind the name to a new tensor.
INPLACE_OPERATORS = {
    "__ifloordiv__": "floor_divide_",
    "__imod__": "remainder_",
    "__ipow__": "pow_",
    "__iand__": "bitwise_and_",
    "__ior__": "bitwise_or_",
    "__ixor__": "bitwise_xor_",
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
        unary = name in ("__neg__", "__abs__", "__invert__", "__getitem__", "__format__")
        setattr(Tensor, name, target if unary else _binary(target))
    for name, forward in REFLECTED.items():
        module, func = OPERATORS[forward]
        setattr(Tensor, name, _reflected(getattr(module, func)))
    for name, method in INPLACE_OPERATORS.items():
        setattr(Tensor, name, getattr(Tensor, method))
    Tensor.__pos__ = lambda self: self
    for name, (doc, answer) in PROPERTIES.items():
        setattr(Tensor, name, property(answer, doc=doc))


def _on(device_type: str) -> Any:
    return lambda self: self.device.type == device_type


# Device and layout queries PyTorch programs branch on; shendu has CPU and CUDA devices and dense tensors.
PROPERTIES: dict[str, tuple[str, Any]] = {
    "is_cpu": ("Whether the data lives on the CPU.", _on("cpu")),
    "is_mps": ("Whether the data lives on an Apple GPU (never: shendu has no MPS backend).", lambda self: False),
    "is_xpu": ("Whether the data lives on an Intel GPU (never: shendu has no XPU backend).", lambda self: False),
    "is_sparse": ("Whether this is a sparse tensor (False: a dense, strided tensor).", lambda self: False),
    "layout": (
        "How the elements are stored: ``shendu.strided`` (sparse tensors: ``sparse_coo``).",
        lambda self: coo.strided,
    ),
}


bind()
