"""Dtypes with PyTorch's names, and PyTorch's type-promotion rules.

NumPy and PyTorch disagree on promotion: NumPy turns ``int32 + 0.5`` into
float64 and lets a 0-d float64 array upcast a float32 one, while PyTorch keeps
the default float dtype in both cases. shendu follows PyTorch, so float32 code
stays float32.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "bool",
    "dtype",
    "float16",
    "float32",
    "float64",
    "get_default_dtype",
    "int8",
    "int16",
    "int32",
    "int64",
    "promote_types",
    "set_default_dtype",
    "uint8",
]

_BOOL, _INT, _FLOAT = 0, 1, 2


class dtype:  # noqa: N801 - lowercase, like torch.dtype
    """A tensor element type, such as ``shendu.float32``.

    Attributes:
        name: the short name (``"float32"``).
        itemsize: bytes per element.
        is_floating_point: whether values are real floating-point numbers.
        is_signed: whether negative values are representable.
    """

    __slots__ = ("_category", "is_floating_point", "is_signed", "itemsize", "name", "np")

    def __init__(self, name: str, np_dtype: np.dtype, category: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.is_floating_point = category == _FLOAT
        self.is_signed = self.np.kind in "if"
        self._category = category

    def __repr__(self) -> str:
        return f"shendu.{self.name}"

    def __reduce__(self) -> str:
        return self.name


float16 = dtype("float16", np.float16, _FLOAT)
float32 = dtype("float32", np.float32, _FLOAT)
float64 = dtype("float64", np.float64, _FLOAT)
uint8 = dtype("uint8", np.uint8, _INT)
int8 = dtype("int8", np.int8, _INT)
int16 = dtype("int16", np.int16, _INT)
int32 = dtype("int32", np.int32, _INT)
int64 = dtype("int64", np.int64, _INT)
bool = dtype("bool", np.bool_, _BOOL)

half, float, double = float16, float32, float64
short, int, long = int16, int32, int64

ALL_DTYPES = (bool, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NP = {d.np: d for d in ALL_DTYPES}
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_default_float = float32
# PyTorch's legacy tensor type names (``x.type()`` gives "shendu.FloatTensor").
LEGACY_TYPE_NAMES = {
    "FloatTensor": float32,
    "DoubleTensor": float64,
    "HalfTensor": float16,
    "ByteTensor": uint8,
    "CharTensor": int8,
    "ShortTensor": int16,
    "IntTensor": int32,
    "LongTensor": int64,
    "BoolTensor": bool,
}


def from_numpy_dtype(np_dtype: np.dtype, op: str = "tensor") -> dtype:
    """Return the shendu dtype for a NumPy dtype, or raise a clear TypeError."""
    found = _BY_NP.get(np_dtype)
    if found is None:
        found = _BY_NP.get(np.dtype(np_dtype))
    if found is None:
        names = ", ".join(d.name for d in ALL_DTYPES)
        raise TypeError(f"{op}: NumPy dtype {np.dtype(np_dtype)} is not supported; supported dtypes are {names}")
    return found


def to_dtype(value: object, op: str = "tensor") -> dtype:
    """Accept a shendu dtype, a NumPy dtype, a name such as ``"float32"``, or Python's float/int/bool."""
    if isinstance(value, dtype):
        return value
    if value is builtins_float:
        return _default_float
    if value is builtins_int:
        return int64
    if value is builtins_bool:
        return bool
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    if isinstance(value, str) and value.partition(".")[0] in ("shendu", "torch"):
        # tensor.type("torch.LongTensor"), as programs written for PyTorch spell it.
        found = LEGACY_TYPE_NAMES.get(value.partition(".")[2])
        if found is not None:
            return found
    if isinstance(value, type) and isinstance(getattr(value, "dtype", None), dtype):
        # A legacy tensor type such as shendu.LongTensor.
        return value.dtype
    if value is None:
        # np.dtype(None) is float64, which would turn a missing dtype into a silent choice.
        raise TypeError(f"{op}: expected a dtype such as shendu.float32, got None")
    try:
        return from_numpy_dtype(np.dtype(value), op)
    except TypeError as exc:
        if "not supported" in str(exc):
            raise
        raise TypeError(f"{op}: {value!r} is not a dtype; use e.g. shendu.float32 or shendu.int64") from None


import builtins as _builtins  # noqa: E402 - the module shadows float/int/bool above

builtins_float, builtins_int, builtins_bool = _builtins.float, _builtins.int, _builtins.bool


def get_default_dtype() -> dtype:
    """Return the dtype that Python floats become (``shendu.float32`` unless changed)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the dtype that Python floats become; it must be a floating-point dtype."""
    d = to_dtype(d, "set_default_dtype")
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: expected a floating-point dtype, got {d}")
    global _default_float
    _default_float = d


def promote_types(a: dtype, b: dtype) -> dtype:
    """The dtype both ``a`` and ``b`` convert to without losing their category (as ``torch.promote_types``)."""
    if not isinstance(a, dtype) or not isinstance(b, dtype):
        a, b = to_dtype(a, "promote_types"), to_dtype(b, "promote_types")
    if a is b:
        return a
    if a._category != b._category:
        # PyTorch keeps the float operand's width: int64 with float16 gives float16, not float64.
        return a if a._category > b._category else b
    return _BY_NP[np.promote_types(a.np, b.np)]


def scalar_category(value: object) -> int:
    if isinstance(value, builtins_bool):
        return _BOOL
    if isinstance(value, builtins_int):
        return _INT
    return _FLOAT


def scalar_dtype(value: object) -> dtype:
    """The dtype a bare Python scalar gets when it becomes a tensor."""
    cat = scalar_category(value)
    return bool if cat == _BOOL else int64 if cat == _INT else _default_float


def result_type(dims: list[dtype], zero_dims: list[dtype], scalars: list[object]) -> dtype:
    """PyTorch's promotion: tensors with dimensions rank above 0-d tensors, which rank above Python scalars.

    A lower-ranked operand changes the result only when its category (bool < int < float) is higher
    than the result so far; Python scalars then give the category's default dtype (int64, float32).
    """
    result = None
    scalar_tier = [scalar_dtype(max(scalars, key=scalar_category))] if scalars else []
    for tier in (dims, zero_dims, scalar_tier):
        tier_result = None
        for d in tier:
            tier_result = d if tier_result is None else promote_types(tier_result, d)
        if tier_result is None:
            continue
        if result is None or tier_result._category > result._category:
            result = tier_result
    if result is None:
        raise TypeError("result_type: no operands")
    return result
