from __future__ import annotations

from typing import Any

import pytest
import torch

import shendu
from shendu import nn
from tests.nn.helpers import check_module

CASES = [
    ("ReflectionPad1d", (2,), (2, 3, 5)),
    ("ReflectionPad1d", ((1, 3),), (3, 5)),
    ("ReflectionPad2d", (1,), (2, 3, 4, 5)),
    ("ReflectionPad2d", ((1, 0, 2, -1),), (3, 4, 5)),
    ("ReflectionPad3d", ((1, 0, 1, 1, 0, 2),), (1, 2, 3, 3, 4)),
    ("ReplicationPad1d", ((3, 1),), (2, 3, 4)),
    ("ReplicationPad2d", (2,), (2, 1, 3, 4)),
    ("ReplicationPad2d", ((0, 3, -1, 2),), (2, 3, 4)),
    ("ReplicationPad3d", (1,), (1, 2, 2, 3, 2)),
    ("CircularPad1d", ((2, 1),), (2, 3, 4)),
    ("CircularPad2d", ((1, 2, 2, 0),), (2, 2, 3, 4)),
    ("CircularPad3d", (1,), (2, 2, 2, 3)),
    ("ZeroPad1d", ((2, 0),), (2, 3)),
    ("ZeroPad2d", ((1, 1, 2, 0),), (2, 3, 4, 5)),
    ("ZeroPad2d", (-1,), (3, 4, 5)),
    ("ZeroPad3d", (1,), (1, 2, 2, 2)),
    ("ConstantPad1d", ((1, 2), 3.5), (2, 4)),
    ("ConstantPad2d", (1, -1.0), (2, 3, 4)),
    ("ConstantPad2d", ((0, 1, 2, 0), 0.5), (1, 2, 3, 3)),
    ("ConstantPad3d", ((1, 0, 0, 1, 1, 1), 2.0), (2, 2, 2, 2)),
]


@pytest.mark.parametrize(("cls", "args", "shape"), CASES)
def test_matches_torch(cls: str, args: tuple[Any, ...], shape: tuple[int, ...]) -> None:
    check_module(getattr(torch.nn, cls)(*args), getattr(nn, cls)(*args), shape)
    assert repr(getattr(nn, cls)(*args)) == repr(getattr(torch.nn, cls)(*args))
    assert getattr(nn, cls)(*args).padding == getattr(torch.nn, cls)(*args).padding


def test_values_and_attributes() -> None:
    assert nn.ZeroPad2d(1).value == 0.0 and nn.ConstantPad1d(1, 2).value == 2
    assert nn.ReflectionPad1d([1, 2]).padding == (1, 2)
    row = shendu.tensor([[0.0, 1.0, 2.0]])
    assert nn.ReflectionPad1d(2)(row).tolist() == [[2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0]]


def test_errors() -> None:
    with pytest.raises(
        ValueError, match=r"ReflectionPad2d: padding must be an int or a tuple of 4 ints \(left, right, top, bottom\)"
    ):
        nn.ReflectionPad2d((1, 2, 3))
    with pytest.raises(ValueError, match=r"ConstantPad1d: padding must be an int or a tuple of 2 ints .* got 1.5"):
        nn.ConstantPad1d(1.5, 0.0)
    with pytest.raises(
        shendu.ShapeError,
        match=r"CircularPad2d: expected a 3-D or 4-D input \(C, H, W\) or \(N, C, H, W\), got a 2-D input; "
        r"input shape \(4, 4\)",
    ):
        nn.CircularPad2d(1)(shendu.zeros(4, 4))
    with pytest.raises(NotImplementedError, match="padding of length 4 is not supported for a 2-D input"):
        nn.ReflectionPad2d(1)(shendu.zeros(4, 4))
    with pytest.raises(TypeError, match="ReplicationPad1d: expected a Tensor input, got list"):
        nn.ReplicationPad1d(1)([1.0])
    with pytest.raises(ValueError, match="expected 3D or 4D input"):
        torch.nn.CircularPad2d(1)(torch.zeros(4, 4))
