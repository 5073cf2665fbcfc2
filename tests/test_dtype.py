from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import torch

import shendu
from tests.helpers import COUNTS

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [True, 3, -2, 2.5]


def _values(name: str, shape: tuple[int, ...]) -> np.ndarray:
    return np.ones(shape, dtype=np.dtype(name))


def _pair(lib: Any, a: np.ndarray, b: Any) -> Any:
    ta = lib.from_numpy(a.copy())
    tb = lib.from_numpy(b.copy()) if isinstance(b, np.ndarray) else b
    return ta + tb, tb + ta


def _compare(a: np.ndarray, b: Any) -> None:
    t_out = _pair(torch, a, b)
    s_out = _pair(shendu, a, b)
    shown = f"{b.dtype}{list(b.shape)}" if isinstance(b, np.ndarray) else repr(b)
    for t, s in zip(t_out, s_out):
        assert s.dtype.name == str(t.dtype).removeprefix("torch."), (
            f"{a.dtype}{list(a.shape)} + {shown}: shendu gives {s.dtype}, torch {t.dtype}"
        )
    COUNTS["dtype promotions compared with torch"] += 1


@pytest.mark.parametrize(("left", "right"), list(itertools.product(NAMES, NAMES)))
def test_tensor_tensor(left: str, right: str) -> None:
    _compare(_values(left, (2,)), _values(right, (2,)))
    _compare(_values(left, (2, 1)), _values(right, (3,)))


@pytest.mark.parametrize(("left", "right"), list(itertools.product(NAMES, NAMES)))
def test_tensor_and_zero_dim_tensor(left: str, right: str) -> None:
    _compare(_values(left, (2,)), _values(right, ()))
    _compare(_values(left, ()), _values(right, ()))


@pytest.mark.parametrize(("name", "scalar"), list(itertools.product(NAMES, SCALARS)))
def test_tensor_and_python_scalar(name: str, scalar: Any) -> None:
    if name == "uint8" and scalar == -2:
        scalar = 2
    _compare(_values(name, (2,)), scalar)
    _compare(_values(name, ()), scalar)


@pytest.mark.parametrize(("left", "right"), list(itertools.product(NAMES, NAMES)))
def test_promote_types(left: str, right: str) -> None:
    got = shendu.promote_types(getattr(shendu, left), getattr(shendu, right))
    want = torch.promote_types(getattr(torch, left), getattr(torch, right))
    assert got.name == str(want).removeprefix("torch.")
    COUNTS["dtype promotions compared with torch"] += 1


def test_default_dtype_changes_scalar_promotion() -> None:
    shendu.set_default_dtype(shendu.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for name in ("bool", "int32", "int64", "float16", "float32"):
            _compare(_values(name, (2,)), 2.5)
    finally:
        shendu.set_default_dtype(shendu.float32)
        torch.set_default_dtype(torch.float32)
