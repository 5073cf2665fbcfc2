"""``Tensor(*sizes)``, ``Tensor(data)``, ``Tensor(tensor)`` and the typed constructors, against PyTorch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import shendu
from tests.helpers import COUNTS, TORCH_DTYPES

TYPES = ["Tensor", "FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor"]


def same(fn: Callable[[Any], Any], values: bool = True) -> None:
    """Run ``fn(torch)`` and ``fn(shendu)``; compare dtype, shape, requires_grad and (unless uninitialised) values."""
    t, s = fn(torch), fn(shendu)
    assert isinstance(s, shendu.Tensor), f"expected a Tensor, got {type(s).__name__}"
    assert s.dtype.name == TORCH_DTYPES[t.dtype], f"dtype {s.dtype} != torch's {t.dtype}"
    assert tuple(s.shape) == tuple(t.shape), f"shape {tuple(s.shape)} != torch's {tuple(t.shape)}"
    assert s.requires_grad == t.requires_grad
    if values:
        np.testing.assert_array_equal(s.detach().numpy(), t.detach().numpy())
    COUNTS["op cases compared with torch"] += 1


@pytest.mark.parametrize("name", TYPES)
def test_sizes_make_an_uninitialised_tensor_of_the_type(name: str) -> None:
    same(lambda m: getattr(m, name)(16), values=False)
    same(lambda m: getattr(m, name)(2, 3), values=False)
    same(lambda m: getattr(m, name)(0), values=False)
    same(lambda m: getattr(m, name)(np.int64(3)), values=False)
    same(lambda m: getattr(m, name)(np.array(5)), values=False)
    same(lambda m: getattr(m, name)(m.zeros(2, 4).shape), values=False)
    same(lambda m: getattr(m, name)())


@pytest.mark.parametrize("name", TYPES)
def test_data_is_converted_to_the_type(name: str) -> None:
    same(lambda m: getattr(m, name)([1, 2]))
    same(lambda m: getattr(m, name)([1.7, -2.5, 0.0]))
    same(lambda m: getattr(m, name)((2, 3)))  # a tuple is data, not sizes
    same(lambda m: getattr(m, name)([[1, 0], [3, 4]]))
    same(lambda m: getattr(m, name)([]))
    same(lambda m: getattr(m, name)(np.array([1.5, 2.0])))
    same(lambda m: getattr(m, name)(np.array([[1, 2]], dtype=np.int32)))
    same(lambda m: getattr(m, name)(np.array(2.5)))


def test_shendu_tensors_are_float32_but_keep_a_tensor_arguments_dtype() -> None:
    same(lambda m: m.Tensor(m.tensor([1, 2])))
    same(lambda m: m.Tensor(m.tensor([1.0, 2.0], dtype=m.float64)))
    same(lambda m: m.Tensor(m.tensor(3)))
    same(lambda m: m.Tensor(m.ones(2, requires_grad=True)))
    same(lambda m: m.FloatTensor(m.zeros(2)))
    same(lambda m: m.LongTensor(m.tensor([4, 5])))
    same(lambda m: m.Tensor([1, 2], device="cpu"))
    same(lambda m: m.Tensor(2, 3, device="cpu"), values=False)


def test_a_tensor_argument_is_shared_not_copied() -> None:
    source = shendu.tensor([1.0, 2.0])
    alias = shendu.Tensor(source)
    alias[0] = 5.0
    assert source.tolist() == [5.0, 2.0]
    assert alias._version == source._version == 1
    leaf = shendu.ones(2, requires_grad=True)
    through = shendu.Tensor(leaf)
    (through * 3).sum().backward()
    assert through.grad_fn is not None and leaf.grad.tolist() == [3.0, 3.0]


def test_typed_constructors_are_isinstance_checks_on_dtype_and_device() -> None:
    for name in TYPES[1:]:
        made = getattr(shendu, name)(2)
        assert isinstance(made, shendu.Tensor) and type(made) is shendu.Tensor
        for other in TYPES[1:]:
            want = isinstance(getattr(torch, name)(2), getattr(torch, other))
            assert isinstance(made, getattr(shendu, other)) is want, (name, other)
        assert not issubclass(getattr(shendu, name), shendu.Tensor)
    assert isinstance(shendu.zeros(2), shendu.FloatTensor)
    assert not isinstance(shendu.zeros(2, dtype=shendu.float64), shendu.FloatTensor)
    assert not isinstance([1.0], shendu.FloatTensor)
    assert repr(shendu.LongTensor) == "<class 'shendu.LongTensor'>"


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"])
def test_type_names_match_torch(dtype: str) -> None:
    t = torch.zeros(2, dtype=getattr(torch, dtype))
    s = shendu.zeros(2, dtype=getattr(shendu, dtype))
    assert s.type() == t.type().replace("torch.", "shendu.")
    for name in ("torch.LongTensor", "torch.DoubleTensor", "torch.BoolTensor"):
        same(lambda m, name=name: m.zeros(2, dtype=getattr(m, dtype)).type(name))


def test_legacy_type_names_convert() -> None:
    assert shendu.zeros(2).type(shendu.LongTensor).dtype == shendu.int64
    assert shendu.tensor([1, 2]).type(shendu.DoubleTensor).dtype == shendu.float64
    assert shendu.tensor([1.5]).to(shendu.IntTensor).tolist() == [1]
    assert shendu.tensor([1.5]).type("shendu.IntTensor").dtype == shendu.int32
    with pytest.raises(TypeError, match=r"type: 'torch.cuda.LongTensor' is not a dtype"):
        shendu.zeros(2).type("torch.cuda.LongTensor")


def test_constructor_errors() -> None:
    with pytest.raises(TypeError, match=r"Tensor: data must be a sequence, got float 2.5; use shendu.tensor\(2.5\)"):
        shendu.Tensor(2.5)
    with pytest.raises(TypeError, match="data must be a sequence, got bool"):
        shendu.Tensor(True)
    with pytest.raises(TypeError, match=r"each must be an integer size; got str 'a' in \(2, 'a'\)"):
        shendu.Tensor(2, "a")
    with pytest.raises(shendu.ShapeError, match=r"Tensor: negative dimension -1 in size \(2, -1\)"):
        shendu.Tensor(2, -1)
    with pytest.raises(TypeError, match="Tensor: cannot make a tensor from dict"):
        shendu.Tensor({})
    with pytest.raises(TypeError, match="unexpected keyword argument 'dtype'"):
        shendu.Tensor([1], dtype=shendu.float64)
    with pytest.raises(TypeError, match=r"FloatTensor: expected a tensor of dtype shendu.float32, got shendu.int64"):
        shendu.FloatTensor(shendu.tensor([1]))
    with pytest.raises(TypeError, match=r"LongTensor: the legacy typed constructors make CPU tensors"):
        shendu.LongTensor(2, device="cuda")
    with pytest.raises(TypeError, match="BoolTensor: data must be a sequence"):
        shendu.BoolTensor(1.0)
