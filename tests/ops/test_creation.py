from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import shendu
from tests.helpers import COUNTS, TORCH_DTYPES, check


def same(fn: Callable[[Any], Any], rtol: float = 0.0, atol: float = 0.0) -> None:
    """Run ``fn(torch)`` and ``fn(shendu)`` and compare dtype, shape, values and requires_grad."""
    t, s = fn(torch), fn(shendu)
    assert isinstance(s, shendu.Tensor), f"expected a Tensor, got {type(s).__name__}"
    assert s.dtype.name == TORCH_DTYPES[t.dtype], f"dtype {s.dtype} != torch's {t.dtype}"
    assert tuple(s.shape) == tuple(t.shape), f"shape {tuple(s.shape)} != torch's {tuple(t.shape)}"
    assert s.requires_grad == t.requires_grad
    want, got = t.detach().numpy(), s.detach().numpy()
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)
    COUNTS["op cases compared with torch"] += 1


@pytest.mark.parametrize(
    "data",
    [
        1.5,
        3,
        True,
        -0.0,
        float("inf"),
        [1.0, 2.0],
        [1, 2],
        [True, False],
        [True, 2],  # bool and int -> int64
        [1, 2.5],  # int and float -> float32
        [[1, 2], [3, 4.5]],
        (1, 2),
        [],
        [[], []],
        [[[1]], [[2]]],
        2**40,
        [2**63 - 1],
    ],
)
def test_tensor_default_dtypes(data: Any) -> None:
    same(lambda m: m.tensor(data))
    same(lambda m: m.as_tensor(data))


@pytest.mark.parametrize(
    "data",
    [
        np.array([1.0, 2.0]),  # float64 stays float64
        np.array([1, 2], dtype=np.int32),
        np.array([1, 2], dtype=np.uint8),
        np.array([[1.0]], dtype=np.float16),
        np.array([True]),
        np.float64(1.5),  # a float subclass, yet float64 as in PyTorch
        np.float32(1.5),
        np.int32(2),
        np.int64(-7),
        np.bool_(True),
        [np.float64(1.0), np.float64(2.0)],
        [np.array([1.0, 2.0]), np.array([3.0, 4.0])],
        # A list takes the promotion of every element's dtype, Python floats counting as float32.
        [np.float32(1.0), 2.0],
        [1.0, np.float64(2.0)],
        [np.int32(1), 2],
        [np.int32(1), np.int32(2)],
        [np.float16(1.0), 2],
        [np.int8(1), np.uint8(2)],
        [True, np.int8(3)],
        [[1, 2], np.array([1.0, 2.0], dtype=np.float32)],
    ],
)
def test_tensor_from_numpy_data(data: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch warns that a list of arrays is slow
        same(lambda m: m.tensor(data))
        same(lambda m: m.as_tensor(data))


def test_tensor_arguments() -> None:
    same(lambda m: m.tensor([1, 2], dtype=m.float64))
    same(lambda m: m.tensor([1.7, -2.7], dtype=m.int64))  # truncates toward zero
    same(lambda m: m.tensor([0.5, 0.0], dtype=m.bool))
    same(lambda m: m.tensor([1.0], requires_grad=True))
    same(lambda m: m.tensor([1.0], dtype=m.float64, requires_grad=True))
    same(lambda m: m.tensor([float("nan"), -float("inf")]))
    same(lambda m: m.tensor([m.tensor(1.0), m.tensor(2.0)]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch recommends clone() for copying a tensor
        same(lambda m: m.tensor(m.arange(3)))
    same(lambda m: m.as_tensor([1, 2], dtype=m.float32))
    same(lambda m: m.as_tensor(np.arange(3), dtype=m.int32))


def test_memory_sharing() -> None:
    array = np.zeros(3, dtype=np.float32)
    shared = shendu.from_numpy(array)
    alias = shendu.as_tensor(array)
    copied = shendu.tensor(array)
    array[0] = 5.0
    assert shared.tolist()[0] == 5.0 and alias.tolist()[0] == 5.0 and copied.tolist()[0] == 0.0
    shared._array[1] = 7.0
    assert array[1] == 7.0
    assert shendu.as_tensor(array, dtype=shendu.float64).tolist()[0] == 5.0
    assert np.shares_memory(shendu.as_tensor(array).numpy(), array)
    assert not np.shares_memory(shendu.as_tensor(array, dtype=shendu.float64).numpy(), array)
    t = shendu.ones(2)
    assert shendu.as_tensor(t) is t
    assert shendu.tensor(t)._array is not t._array
    assert np.shares_memory(t.numpy(), t.numpy())
    strided = np.arange(12.0).reshape(3, 4)[:, ::2]
    view = shendu.from_numpy(strided)
    assert np.shares_memory(view.numpy(), strided) and view.shape == (3, 2)


@pytest.mark.parametrize("dtype", [None, "float64", "float16", "int32", "int64", "uint8", "bool"])
def test_filled(dtype: str | None) -> None:
    def kw(m: Any) -> dict[str, Any]:
        return {} if dtype is None else {"dtype": getattr(m, dtype)}

    same(lambda m: m.zeros(2, 3, **kw(m)))
    same(lambda m: m.zeros((2, 3), **kw(m)))
    same(lambda m: m.ones([4], **kw(m)))
    same(lambda m: m.ones(0, 3, **kw(m)))
    same(lambda m: m.zeros((), **kw(m)))
    same(lambda m: m.zeros(size=(2, 1), **kw(m)))
    same(lambda m: m.empty(2, 3, **kw(m)).zero_())
    same(lambda m: m.full((2, 3), 1, **kw(m)))
    same(lambda m: m.eye(3, **kw(m)))
    same(lambda m: m.eye(2, 4, **kw(m)))
    same(lambda m: m.eye(0, **kw(m)))
    like = torch.ones(2, 3, dtype=torch.int32)
    slike = shendu.ones(2, 3, dtype=shendu.int32)
    same(lambda m: m.zeros_like(like if m is torch else slike, **kw(m)))
    same(lambda m: m.ones_like(like if m is torch else slike, **kw(m)))
    same(lambda m: m.full_like(like if m is torch else slike, 1, **kw(m)))
    same(lambda m: m.empty_like(like if m is torch else slike, **kw(m)).zero_())


def test_full_infers_dtype_from_the_fill_value() -> None:
    same(lambda m: m.full((2, 3), 1.5))
    same(lambda m: m.full((2, 3), 7))
    same(lambda m: m.full((2,), True))
    same(lambda m: m.full([2], -1))
    same(lambda m: m.full((2,), 7, dtype=m.float64))
    same(lambda m: m.full((2,), float("-inf")))
    same(lambda m: m.full((0, 2), 3.0))
    same(lambda m: m.full((2,), 2.5, requires_grad=True))
    same(lambda m: m.full_like(m.ones(2, dtype=m.int64), 2.7))  # takes the input's dtype
    same(lambda m: m.full_like(m.ones(2), 7))
    same(lambda m: m.full_like(m.ones(2, dtype=m.bool), 1))


def test_like_functions() -> None:
    same(lambda m: m.zeros_like(m.ones(2, 3, dtype=m.float64)))
    same(lambda m: m.ones_like(m.ones(2, 3), dtype=m.int64))
    same(lambda m: m.zeros_like(m.ones(2), requires_grad=True))
    same(lambda m: m.zeros_like(m.ones(2, requires_grad=True)))  # does not inherit requires_grad
    same(lambda m: m.ones_like(m.ones(0, 2)))


@pytest.mark.parametrize(
    "args",
    [
        (5,),
        (2, 7),
        (1, 10, 3),
        (10, 0, -3),
        (5.0,),
        (0, 1, 0.1),
        (1, 2.5, 0.5),
        (-1.0, 1.0, 0.3),
        (0,),
        (5, 5),
        (0, 10000, 0.37),
        (16777210, 16777220),
        (np.int64(4),),
        (-3, 3, 1.5),
    ],
)
def test_arange(args: tuple) -> None:
    # PyTorch's vectorised kernel rounds in chunks, so float values may sit one ulp from the nearest float.
    same(lambda m: m.arange(*args), rtol=2e-7)
    same(lambda m: m.arange(*args, dtype=m.float64), rtol=1e-15, atol=1e-15)
    same(lambda m: m.arange(*args, dtype=m.float16), rtol=1e-3)
    if int(args[2] if len(args) == 3 else 1) != 0:
        same(lambda m: m.arange(*args, dtype=m.int64))
    if all(isinstance(a, (int, np.integer)) for a in args):
        # PyTorch sizes other integer dtypes from the untruncated float arguments; int64 is the consistent one.
        same(lambda m: m.arange(*args, dtype=m.int32))


def test_arange_arguments() -> None:
    same(lambda m: m.arange(3.0, requires_grad=True))
    same(lambda m: m.arange(m.tensor(4)))
    same(lambda m: m.arange(0, 5, dtype=m.float32))
    same(lambda m: m.arange(0.5, 4, dtype=m.int64))  # float arguments truncate first
    same(lambda m: m.arange(-2.7, 3.2, 1.9, dtype=m.int64))


@pytest.mark.parametrize(
    ("start", "end", "steps"),
    [(0, 1, 5), (-1, 1, 7), (-3.3, 17.1, 1001), (3, 10, 1), (3, 10, 0), (10, -2, 13), (2, 2, 4), (1e-3, 2.5, 100)],
)
@pytest.mark.parametrize("dtype", [None, "float64", "float16", "int64"])
def test_linspace_logspace(start: float, end: float, steps: int, dtype: str | None) -> None:
    def kw(m: Any) -> dict[str, Any]:
        return {} if dtype is None else {"dtype": getattr(m, dtype)}

    # PyTorch's vectorised kernel rounds some values differently from its scalar one: a few ulps apart;
    # in float16 it also accumulates in half precision, where shendu rounds once from float32.
    rtol, atol = {None: (1e-6, 1e-6), "float64": (1e-14, 1e-14), "float16": (2e-3, 1e-2), "int64": (0, 0)}[dtype]
    same(lambda m: m.linspace(start, end, steps, **kw(m)), rtol=rtol, atol=atol)
    if dtype in ("int64", "float16") and max(abs(start), abs(end)) > 3:
        return
    same(lambda m: m.logspace(start, end, steps, **kw(m)), rtol=rtol * 10, atol=atol)
    same(lambda m: m.logspace(start, end, steps, 2.0, **kw(m)), rtol=rtol * 10, atol=atol)


def test_linspace_arguments() -> None:
    same(lambda m: m.linspace(0.5, 10.7, 5, dtype=m.int64))  # endpoints truncate first, as in PyTorch
    same(lambda m: m.linspace(0, 1, 3, requires_grad=True))
    same(lambda m: m.linspace(m.tensor(0.0), m.tensor(2.0), 3))
    same(lambda m: m.logspace(0, 3, 4, base=2))
    same(lambda m: m.logspace(0, 255, 17, dtype=m.float64), rtol=1e-14)


def test_default_dtype_follows_set_default_dtype() -> None:
    shendu.set_default_dtype(shendu.float64)
    try:
        assert shendu.tensor(1.5).dtype == shendu.float64
        assert shendu.tensor([1.0]).dtype == shendu.float64
        assert shendu.zeros(2).dtype == shendu.float64
        assert shendu.arange(1.0).dtype == shendu.float64
        assert shendu.linspace(0, 1, 2).dtype == shendu.float64
        assert shendu.full((1,), 2.0).dtype == shendu.float64
        assert shendu.tensor(1).dtype == shendu.int64
    finally:
        shendu.set_default_dtype(shendu.float32)


def test_errors() -> None:
    with pytest.raises(shendu.ShapeError, match=r"zeros: negative dimension -1 in size \(2, -1\)"):
        shendu.zeros(2, -1)
    with pytest.raises(shendu.ShapeError, match="eye: negative dimension -1"):
        shendu.eye(-1)
    with pytest.raises(TypeError, match=r"ones: size must be a sequence of ints, got float 2.0"):
        shendu.ones(2.0)
    with pytest.raises(TypeError, match="zeros: give the size either positionally or as size=, not both"):
        shendu.zeros(2, size=(3,))
    with pytest.raises(ValueError, match="arange: step must be nonzero, got 0"):
        shendu.arange(0, 5, 0)
    with pytest.raises(ValueError, match=r"arange: step must be nonzero, got 0.5"):
        shendu.arange(0, 2, 0.5, dtype=shendu.int64)
    with pytest.raises(ValueError, match="arange: the range from 5 to 0 is not reachable with step 1"):
        shendu.arange(5, 0)
    with pytest.raises(ValueError, match="linspace: steps must be non-negative, got -1"):
        shendu.linspace(0, 1, -1)
    with pytest.raises(TypeError, match=r"logspace: steps must be an int, got float 2.0"):
        shendu.logspace(0, 1, 2.0)
    with pytest.raises(ValueError, match="tensor: the integer 18446744073709551616 does not fit in int64"):
        shendu.tensor(2**64)
    with pytest.raises(ValueError, match="tensor: the integer 1180591620717411303424 does not fit in int64"):
        shendu.tensor([1, 2**70])
    with pytest.raises(ValueError, match="tensor: the integer 9223372036854775808 does not fit in int64"):
        shendu.tensor([-1, 2**63])
    with pytest.raises(shendu.ShapeError, match="tensor: nested sequences must be rectangular"):
        shendu.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="tensor: cannot make a tensor from str"):
        shendu.tensor("a")
    with pytest.raises(TypeError, match="tensor: could not infer a dtype from the data"):
        shendu.tensor(["a", "b"])
    with pytest.raises(TypeError, match="from_numpy: NumPy dtype complex64 is not supported"):
        shendu.from_numpy(np.ones(2, dtype=np.complex64))
    with pytest.raises(TypeError, match=r"from_numpy: expected a numpy.ndarray, got list"):
        shendu.from_numpy([1, 2])
    with pytest.raises(shendu.DtypeError, match="only floating-point tensors can require gradients"):
        shendu.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="zeros_like: expected a Tensor, got list"):
        shendu.zeros_like([1, 2])


def test_python_floats_go_straight_to_the_requested_dtype() -> None:
    assert shendu.tensor(0.3, dtype=shendu.float64).item() == 0.3
    assert shendu.tensor([0.3, 0.1], dtype=shendu.float64).tolist() == [0.3, 0.1]
    assert shendu.as_tensor([0.3], dtype=shendu.float64).tolist() == [0.3]
    assert shendu.tensor([0.3]).dtype == shendu.float32


def test_new_factories_take_the_tensors_dtype_and_device() -> None:
    def f64(m: Any) -> Any:
        return m.ones(2, 3, dtype=m.float64, requires_grad=True)

    same(lambda m: f64(m).new_zeros(2))
    same(lambda m: f64(m).new_zeros(2, 3))
    same(lambda m: f64(m).new_zeros((2, 3)))
    same(lambda m: f64(m).new_zeros([2, 3]))
    same(lambda m: f64(m).new_zeros(f64(m).shape))
    same(lambda m: f64(m).new_zeros(size=(2,)))
    same(lambda m: f64(m).new_zeros(()))
    same(lambda m: f64(m).new_zeros(2, dtype=m.int64))
    same(lambda m: f64(m).new_zeros(2, requires_grad=True))
    same(lambda m: f64(m).new_ones(3))
    same(lambda m: m.tensor([1, 2]).new_ones(2, 2))
    same(lambda m: f64(m).new_full((2,), 7))
    same(lambda m: f64(m).new_full([2], True))
    same(lambda m: f64(m).new_full((2,), 7.5, dtype=m.int64))
    same(lambda m: m.tensor([True]).new_full((1, 2), 0))
    assert shendu.zeros(1).new_empty(2, 3).shape == torch.zeros(1).new_empty(2, 3).shape
    assert shendu.tensor([1]).new_empty(2).dtype == shendu.int64
    same(lambda m: f64(m).new_tensor([1, 2]))
    same(lambda m: f64(m).new_tensor([1, 2], dtype=m.int32))
    same(lambda m: f64(m).new_tensor(3))
    same(lambda m: f64(m).new_tensor(np.array([1, 2], dtype=np.int64)))
    same(lambda m: f64(m).new_tensor([1.5], requires_grad=True))
    same(lambda m: m.tensor([1, 2]).new_tensor([1.5, 2.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch recommends detach().clone() for copying a tensor
        same(lambda m: f64(m).new_tensor(f64(m)))


def test_new_tensor_copies() -> None:
    source = np.array([1.0, 2.0], dtype=np.float32)
    made = shendu.zeros(1).new_tensor(source)
    source[0] = 9.0
    assert made.tolist() == [1.0, 2.0]


def test_type_as() -> None:
    same(lambda m: m.zeros(2).type_as(m.tensor([1, 2])))
    same(lambda m: m.tensor([1, 2]).type_as(m.zeros(1, dtype=m.float64)))
    same(lambda m: m.tensor([1.5, -2.5]).type_as(m.tensor([True])))
    x = shendu.ones(2, requires_grad=True)
    assert x.type_as(shendu.zeros(1)) is x
    y = x.type_as(shendu.zeros(1, dtype=shendu.float64))
    y.sum().backward()
    assert x.grad.dtype == shendu.float32 and x.grad.tolist() == [1.0, 1.0]


def test_new_factory_errors() -> None:
    x = shendu.zeros(2)
    with pytest.raises(shendu.ShapeError, match=r"new_zeros: negative dimension -1 in size \(-1,\)"):
        x.new_zeros(-1)
    with pytest.raises(TypeError, match=r"new_ones: size must be a sequence of ints, got float 2.5"):
        x.new_ones(2.5)
    with pytest.raises(TypeError, match="new_empty: give the size either positionally or as size=, not both"):
        x.new_empty(2, size=(3,))
    with pytest.raises(ValueError, match="new_full: fill_value 300 cannot be converted to uint8 without overflow"):
        x.new_full((2,), 300, dtype=shendu.uint8)
    with pytest.raises(TypeError, match="new_full: fill_value must be a number, got str"):
        x.new_full((2,), "a")
    with pytest.raises(TypeError, match="tensor: cannot make a tensor from str"):
        x.new_tensor("a")
    with pytest.raises(TypeError, match="type_as: expected other to be a Tensor, got int"):
        x.type_as(3)
    with pytest.raises(TypeError, match="new_zeros: expected a Tensor, got list"):
        shendu.ops.creation.new_zeros([1], 2)


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(indexing: str) -> None:
    check(lambda m, a, b: m.meshgrid(a, b, indexing=indexing), (2,), (3,))
    check(lambda m, a, b, c: m.meshgrid([a, b, c], indexing=indexing), (2,), (3,), (4,))
    check(lambda m, a: m.meshgrid(a, indexing=indexing), (3,))
    check(lambda m, a, b: m.meshgrid(a, b, indexing=indexing), (), (3,))
    check(lambda m, a, b: [g * 2 for g in m.meshgrid(a, b, indexing=indexing)], (2,), (3,))


def test_meshgrid_defaults_to_matrix_indexing_and_names_its_errors() -> None:
    rows, cols = shendu.meshgrid(shendu.arange(2), shendu.arange(3))
    assert rows.tolist() == [[0, 0, 0], [1, 1, 1]] and cols.tolist() == [[0, 1, 2], [0, 1, 2]]
    with pytest.raises(shendu.ShapeError, match=r"meshgrid: expected 0-d or 1-d tensors, got shape \(2, 2\)"):
        shendu.meshgrid(shendu.ones(2, 2))
    with pytest.raises(ValueError, match="meshgrid: indexing must be 'ij' or 'xy', got 'ji'"):
        shendu.meshgrid(shendu.ones(2), indexing="ji")
    with pytest.raises(shendu.DtypeError, match="meshgrid: expected tensors of one dtype"):
        shendu.meshgrid(shendu.ones(2), shendu.arange(2))


def test_arange_checks_the_direction_before_truncating_to_an_integer_dtype() -> None:
    with pytest.raises(ValueError, match=r"arange: the range from 0 to -0\.5 is not reachable with step 1"):
        shendu.arange(-0.5, dtype=shendu.int64)
    with pytest.raises(RuntimeError, match="upper bound and lower bound inconsistent"):
        torch.arange(-0.5, dtype=torch.int64)
