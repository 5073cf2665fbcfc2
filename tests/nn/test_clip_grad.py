from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch

import shendu
from shendu.errors import DeviceError, ShapeError
from shendu.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)
from tests.helpers import COUNTS, check_grad_grad

SHAPES = [(3, 4), (5,), (), (2, 1, 3)]
TOLERANCE = {"float64": 1e-12, "float32": 1e-6}


def _pair(dtype: str, scale: float = 1.0, seed: int = 0, with_none: bool = True) -> tuple[list[Any], list[Any]]:
    """Parameters with gradients in torch and shendu; the last parameter has no gradient."""
    rng = np.random.default_rng(seed)
    t_params, s_params = [], []
    for shape in SHAPES:
        # np.asarray keeps 0-d values arrays: NumPy scalars would go through shendu.tensor's Python-number path.
        values = np.asarray(rng.standard_normal(shape), dtype=dtype)
        grad = np.asarray(rng.standard_normal(shape) * scale, dtype=dtype)
        t = torch.tensor(values, requires_grad=True)
        s = shendu.tensor(values, requires_grad=True)
        t.grad, s.grad = torch.tensor(grad), shendu.tensor(grad)
        t_params.append(t)
        s_params.append(s)
    if with_none:
        t_params.append(torch.zeros(2, requires_grad=True))
        s_params.append(shendu.zeros(2, requires_grad=True))
    return t_params, s_params


def _close(got: Any, want: Any, dtype: str, label: str) -> None:
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=tol, atol=tol, err_msg=label)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.0, 0.5, -1.0, math.inf, -math.inf, 0, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(norm_type: Any, max_norm: float, dtype: str) -> None:
    t_params, s_params = _pair(dtype, scale=3.0)
    t_total = torch.nn.utils.clip_grad_norm_(t_params, max_norm, norm_type=norm_type)
    s_total = clip_grad_norm_(s_params, max_norm, norm_type=norm_type)
    assert isinstance(s_total, shendu.Tensor)
    assert s_total.shape == () and str(s_total.dtype) == f"shendu.{dtype}"
    _close(s_total.numpy(), t_total.numpy(), dtype, f"total {norm_type}-norm")
    for i, (t, s) in enumerate(zip(t_params, s_params)):
        if t.grad is None:
            assert s.grad is None
            continue
        _close(s.grad.numpy(), t.grad.numpy(), dtype, f"gradient {i} after clipping to {max_norm}")
    COUNTS["clipping cases compared with torch"] += 1


def test_clip_grad_norm_single_tensor_and_generator() -> None:
    t_params, s_params = _pair("float64")
    t_total = torch.nn.utils.clip_grad_norm_(t_params[0], 0.1)
    s_total = clip_grad_norm_(s_params[0], 0.1)
    _close(s_total.numpy(), t_total.numpy(), "float64", "single tensor")
    _close(s_params[0].grad.numpy(), t_params[0].grad.numpy(), "float64", "single tensor's gradient")
    t_total = torch.nn.utils.clip_grad_norm_((p for p in t_params[1:]), 0.1)
    s_total = clip_grad_norm_((p for p in s_params[1:]), 0.1)
    _close(s_total.numpy(), t_total.numpy(), "float64", "generator")
    COUNTS["clipping cases compared with torch"] += 2


def test_clip_grad_norm_without_gradients_returns_zero() -> None:
    total = clip_grad_norm_([shendu.zeros(3, requires_grad=True)], 1.0)
    assert total.item() == 0.0 and total.dtype == shendu.float32
    with pytest.warns(UserWarning, match="clip_grad_norm_: parameters is an empty generator"):
        clip_grad_norm_((p for p in []), 1.0)


def test_mixed_dtypes_promote_the_total_like_torch() -> None:
    t32, t64 = torch.ones(3, requires_grad=True), torch.ones(2, dtype=torch.float64, requires_grad=True)
    t32.grad, t64.grad = torch.full((3,), 2.0), torch.full((2,), 3.0, dtype=torch.float64)
    s32, s64 = shendu.ones(3, requires_grad=True), shendu.ones(2, dtype=shendu.float64, requires_grad=True)
    s32.grad, s64.grad = shendu.full((3,), 2.0), shendu.full((2,), 3.0, dtype=shendu.float64)
    t_total = torch.nn.utils.clip_grad_norm_([t32, t64], 1.0)
    s_total = clip_grad_norm_([s32, s64], 1.0)
    assert s_total.dtype == shendu.float64 and t_total.dtype == torch.float64
    _close(s_total.numpy(), t_total.numpy(), "float64", "mixed total")
    assert s32.grad.dtype == shendu.float32
    _close(s32.grad.numpy(), t32.grad.numpy(), "float32", "float32 gradient")
    _close(s64.grad.numpy(), t64.grad.numpy(), "float64", "float64 gradient")
    COUNTS["clipping cases compared with torch"] += 1


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_nonfinite_norm(bad: float) -> None:
    t_params, s_params = _pair("float64")
    t_params[0].grad[0, 0] = bad
    s_params[0].grad._array[0, 0] = bad
    with pytest.raises(
        RuntimeError, match=r"clip_grad_norm_: the total norm of order 2.0 of the gradients is (nan|inf)"
    ):
        clip_grad_norm_(s_params, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_(t_params, 1.0, error_if_nonfinite=True)
    # Without the check both scale by the non-finite norm in the same way.
    t_total = torch.nn.utils.clip_grad_norm_(t_params, 1.0)
    s_total = clip_grad_norm_(s_params, 1.0)
    np.testing.assert_array_equal(s_total.numpy(), t_total.numpy())
    for t, s in zip(t_params[:-1], s_params[:-1]):
        np.testing.assert_array_equal(s.grad.numpy(), t.grad.numpy())
    COUNTS["clipping cases compared with torch"] += 1


@pytest.mark.parametrize("norm_type", [math.inf, 1.0])
def test_nonfinite_error_names_the_norm(norm_type: float) -> None:
    p = shendu.zeros(2, requires_grad=True)
    p.grad = shendu.tensor([math.inf, 1.0])
    with pytest.raises(RuntimeError, match=rf"the total norm of order {norm_type} of the gradients is inf"):
        clip_grad_norm_([p], 1.0, norm_type=norm_type, error_if_nonfinite=True)


def test_get_total_norm_and_clip_grads_with_norm_match_torch() -> None:
    t_params, s_params = _pair("float32", scale=2.0)
    t_total = torch.nn.utils.get_total_norm([p.grad for p in t_params if p.grad is not None], 3.0)
    s_total = get_total_norm([p.grad for p in s_params if p.grad is not None], 3.0)
    _close(s_total.numpy(), t_total.numpy(), "float32", "get_total_norm")
    torch.nn.utils.clip_grads_with_norm_(t_params, 0.7, t_total)
    clip_grads_with_norm_(s_params, 0.7, s_total)
    for t, s in zip(t_params[:-1], s_params[:-1]):
        _close(s.grad.numpy(), t.grad.numpy(), "float32", "clip_grads_with_norm_")
    COUNTS["clipping cases compared with torch"] += 1


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("clip_value", [0.1, 1.0, 5])
def test_clip_grad_value_matches_torch(clip_value: float, dtype: str) -> None:
    t_params, s_params = _pair(dtype, scale=2.0)
    torch.nn.utils.clip_grad_value_(t_params, clip_value)
    clip_grad_value_(s_params, clip_value)
    for t, s in zip(t_params[:-1], s_params[:-1]):
        np.testing.assert_array_equal(s.grad.numpy(), t.grad.numpy())
        assert s.grad.dtype == s.dtype
    assert s_params[-1].grad is None
    COUNTS["clipping cases compared with torch"] += 1


def test_clipping_is_in_place() -> None:
    p = shendu.zeros(3, requires_grad=True)
    p.grad = shendu.tensor([3.0, 4.0, 0.0])
    grad, array = p.grad, p.grad._array
    total = clip_grad_norm_([p], 1.0)
    assert total.item() == pytest.approx(5.0)
    assert p.grad is grad and p.grad._array is array
    np.testing.assert_allclose(array, [0.6, 0.8, 0.0], rtol=1e-5)
    clip_grad_value_(p, 0.7)
    assert p.grad._array is array
    np.testing.assert_allclose(array, [0.6, 0.7, 0.0], rtol=1e-6)


def test_clipping_errors() -> None:
    p = shendu.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match=r"clip_grad_norm_: parameter 1 is a int, not a Tensor"):
        clip_grad_norm_([p, 3], 1.0)
    with pytest.raises(TypeError, match=r"clip_grad_norm_: expected a tensor or an iterable of tensors, got float"):
        clip_grad_norm_(1.0, 1.0)
    p.grad = shendu.ones(2)
    with pytest.raises(TypeError, match=r"clip_grad_norm_: norm_type must be a number \(or 'inf'\), got 'two'"):
        clip_grad_norm_([p], 1.0, norm_type="two")
    with pytest.raises(TypeError, match=r"clip_grad_value_: clip_value must be a number, got None"):
        clip_grad_value_([p], None)
    assert issubclass(DeviceError, RuntimeError)


def test_parameters_to_vector_differentiates_twice() -> None:
    # Hessian-vector products flatten create_graph gradients with it.
    check_grad_grad(lambda m, a, b: m.nn.utils.parameters_to_vector([a * a, b]) ** 3, (3, 4), (5,))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_parameters_to_vector_and_back_match_torch(dtype: str) -> None:
    t_params, s_params = _pair(dtype, with_none=False)
    t_vec = torch.nn.utils.parameters_to_vector(t_params)
    s_vec = parameters_to_vector(s_params)
    np.testing.assert_array_equal(s_vec.detach().numpy(), t_vec.detach().numpy())
    assert s_vec.requires_grad and s_vec.shape == (sum(int(np.prod(s)) for s in SHAPES),)
    weights = np.arange(s_vec.numel(), dtype=dtype)
    t_vec.backward(torch.from_numpy(weights))
    s_vec.backward(shendu.from_numpy(weights.copy()))
    for t, s in zip(t_params, s_params):
        np.testing.assert_array_equal(s.grad.numpy(), t.grad.numpy())
    new = np.linspace(-1, 1, s_vec.numel()).astype(dtype)
    torch.nn.utils.vector_to_parameters(torch.from_numpy(new.copy()), t_params)
    s_new = shendu.from_numpy(new.copy())
    vector_to_parameters(s_new, s_params)
    for t, s in zip(t_params, s_params):
        assert s.shape == tuple(t.shape)
        np.testing.assert_array_equal(s.detach().numpy(), t.detach().numpy())
        assert np.shares_memory(s._array, s_new._array)
    COUNTS["clipping cases compared with torch"] += 1


def test_vector_conversion_errors() -> None:
    a, b = shendu.zeros(2, 2), shendu.zeros(3)
    with pytest.raises(TypeError, match=r"vector_to_parameters: expected vec to be a Tensor, got ndarray"):
        vector_to_parameters(np.zeros(7), [a, b])
    with pytest.raises(ShapeError, match=r"vector_to_parameters: expected a 1-d vector, got shape \(7, 1\)"):
        vector_to_parameters(shendu.zeros(7, 1), [a, b])
    with pytest.raises(
        ShapeError, match=r"vector_to_parameters: the parameters have 7 elements in all but the vector has 6"
    ):
        vector_to_parameters(shendu.zeros(6), [a, b])
    with pytest.raises(ValueError, match=r"parameters_to_vector: expected at least one parameter, got none"):
        parameters_to_vector([])
    with pytest.raises(TypeError, match=r"parameters_to_vector: parameter 1 is a list, not a Tensor"):
        parameters_to_vector([a, [1.0]])
    with pytest.raises(TypeError, match=r"parameters_to_vector: all parameters must have one dtype"):
        parameters_to_vector([a, shendu.zeros(2, dtype=shendu.float64)])
