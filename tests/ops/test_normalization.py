from __future__ import annotations

import types
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import shendu
from shendu.ops import normalization
from tests.helpers import check, grad_check

SF = types.SimpleNamespace(**{name: getattr(normalization, name) for name in normalization.__all__})

# Batch norm has a compiled path and a NumPy path: every case runs on both.
pytestmark = pytest.mark.usefixtures("kernel_path")


def F(m: Any) -> Any:
    return TF if m is torch else SF


def randn(*shape: int, seed: int = 0, dtype: Any = np.float32) -> shendu.Tensor:
    return shendu.from_numpy(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


def stat(m: Any, values: np.ndarray, like: Any) -> Any:
    """A running-statistics buffer holding ``values``, in ``like``'s dtype."""
    return m.tensor(values, dtype=like.dtype)


MEAN = np.array([0.3, -0.2, 0.1])
VAR = np.array([0.5, 1.5, 2.0])


@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (2, 3, 4, 5), (2, 3, 2, 3, 2), (1, 3, 4)])
def test_batch_norm_training(shape: tuple) -> None:
    check(lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, training=True), shape, (3,), (3,))
    check(lambda m, x, w: F(m).batch_norm(x, None, None, w, training=True), shape, (3,))
    check(lambda m, x, b: F(m).batch_norm(x, None, None, bias=b, training=True), shape, (3,))
    check(lambda m, x: F(m).batch_norm(x, None, None, training=True, eps=1e-3), shape)
    check(lambda m, x: F(m).batch_norm(x, stat(m, MEAN, x), stat(m, VAR, x), training=True), shape)


@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (2, 3, 4, 5), (1, 3), (0, 3, 2)])
def test_batch_norm_eval(shape: tuple) -> None:
    check(lambda m, x, w, b: F(m).batch_norm(x, stat(m, MEAN, x), stat(m, VAR, x), w, b), shape, (3,), (3,))
    check(lambda m, x: F(m).batch_norm(x, stat(m, MEAN, x), stat(m, VAR, x)), shape)
    check(lambda m, x, w: F(m).batch_norm(x, stat(m, MEAN, x), stat(m, VAR, x), w, eps=0.1), shape, (3,))


def test_batch_norm_noncontiguous() -> None:
    check(
        lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, training=True),
        (3, 4, 5),
        (4,),
        (4,),
        noncontiguous=True,
    )
    check(lambda m, x: F(m).batch_norm(x, stat(m, MEAN, x), stat(m, VAR, x)), (6, 3), noncontiguous=True)


def _run_running_stats(lib: Any, op: str, shape: tuple, momenta: list[float], **kwargs: Any) -> list[np.ndarray]:
    """Several training steps then one evaluation step; every output and buffer state, as arrays."""
    channels = shape[1]
    running_mean = lib.zeros(channels, dtype=lib.float64)
    running_var = lib.ones(channels, dtype=lib.float64)
    weight = lib.tensor(np.linspace(0.5, 1.5, channels))
    bias = lib.tensor(np.linspace(-1.0, 1.0, channels))
    seen: list[np.ndarray] = []
    for step, momentum in enumerate(momenta):
        x = lib.tensor(np.random.default_rng(step).standard_normal(shape) * (step + 1) + step)
        if op == "batch_norm":
            y = F(lib).batch_norm(x, running_mean, running_var, weight, bias, True, momentum, **kwargs)
        else:
            y = F(lib).instance_norm(x, running_mean, running_var, weight, bias, True, momentum, **kwargs)
        seen += [y.numpy(), running_mean.numpy().copy(), running_var.numpy().copy()]
    x = lib.tensor(np.random.default_rng(99).standard_normal(shape))
    if op == "batch_norm":
        y = F(lib).batch_norm(x, running_mean, running_var, weight, bias, False)
    else:
        y = F(lib).instance_norm(x, running_mean, running_var, weight, bias, use_input_stats=False)
    return [*seen, y.numpy()]


@pytest.mark.parametrize("op", ["batch_norm", "instance_norm"])
@pytest.mark.parametrize(
    "momenta",
    [
        [0.1, 0.1, 0.1, 0.1],
        [0.5, 0.5, 0.5],
        [1.0, 1.0],
        [0.0, 0.0],
        # nn.BatchNorm with momentum=None passes 1 / num_batches_tracked: a cumulative average.
        [1.0, 1 / 2, 1 / 3, 1 / 4],
    ],
)
@pytest.mark.parametrize("shape", [(8, 3, 5), (4, 3, 2, 3)])
def test_running_statistics_match_torch(op: str, momenta: list[float], shape: tuple) -> None:
    want = _run_running_stats(torch, op, shape, momenta)
    got = _run_running_stats(shendu, op, shape, momenta)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_running_statistics_2d_batch_and_eps() -> None:
    want = _run_running_stats(torch, "batch_norm", (6, 3), [0.1, 0.3], eps=1e-3)
    got = _run_running_stats(shendu, "batch_norm", (6, 3), [0.1, 0.3], eps=1e-3)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_running_statistics_float32_and_version() -> None:
    x = np.random.default_rng(0).standard_normal((16, 4, 3)).astype(np.float32)
    buffers = {}
    for lib in (torch, shendu):
        rm, rv = lib.zeros(4), lib.ones(4)
        for _ in range(3):
            F(lib).batch_norm(lib.from_numpy(x.copy()), rm, rv, training=True)
        buffers[lib] = (rm, rv)
    for g, w in zip(buffers[shendu], buffers[torch]):
        assert g.dtype == shendu.float32
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-5, atol=1e-6)
    assert buffers[shendu][0]._version == 3


def test_running_statistics_untouched_in_eval() -> None:
    rm, rv = shendu.tensor(MEAN), shendu.tensor(VAR)
    SF.batch_norm(randn(4, 3, dtype=np.float64), rm, rv)
    np.testing.assert_array_equal(rm.numpy(), MEAN)
    np.testing.assert_array_equal(rv.numpy(), VAR)


def test_gradient_uses_the_weight_of_forward() -> None:
    x_np, g_np = randn(4, 3, dtype=np.float64).numpy(), randn(4, 3, seed=1, dtype=np.float64).numpy()
    x = shendu.tensor(x_np, requires_grad=True)
    w = shendu.ones(3, dtype=shendu.float64, requires_grad=True)
    y = SF.batch_norm(x, None, None, w, training=True)
    with shendu.no_grad():
        w.mul_(5.0)
    y.backward(shendu.tensor(g_np))
    xt = torch.tensor(x_np, requires_grad=True)
    TF.batch_norm(xt, None, None, torch.ones(3, dtype=torch.float64), training=True).backward(torch.tensor(g_np))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("shape", "normalized"),
    [((4, 5), (5,)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 4)), ((5,), (5,)), ((2, 3, 4), (2, 3, 4)), ((0, 4), (4,))],
)
def test_layer_norm(shape: tuple, normalized: tuple) -> None:
    check(lambda m, x, w, b: F(m).layer_norm(x, normalized, w, b), shape, normalized, normalized)
    check(lambda m, x, w: F(m).layer_norm(x, normalized, w), shape, normalized)
    check(lambda m, x, b: F(m).layer_norm(x, normalized, bias=b), shape, normalized)
    check(lambda m, x: F(m).layer_norm(x, normalized, eps=1e-2), shape)


def test_layer_norm_noncontiguous_and_list_shape() -> None:
    check(lambda m, x, w, b: F(m).layer_norm(x, [4], w, b), (3, 5, 4), (4,), (4,), noncontiguous=True)
    check(lambda m, x: F(m).layer_norm(x, [3, 4]), (3, 4), noncontiguous=True)


def test_layer_norm_accepts_an_int() -> None:
    x = randn(2, 5, dtype=np.float64)
    want = TF.layer_norm(torch.from_numpy(x.numpy()), (5,))
    np.testing.assert_allclose(SF.layer_norm(x, 5).numpy(), want.numpy(), rtol=1e-10)


@pytest.mark.parametrize(
    ("shape", "groups"),
    [((4, 6), 2), ((4, 6), 1), ((4, 6, 3), 6), ((2, 6, 5), 3), ((2, 4, 3, 3), 2), ((1, 4, 2, 2, 2), 4), ((0, 4, 3), 2)],
)
def test_group_norm(shape: tuple, groups: int) -> None:
    c = shape[1]
    check(lambda m, x, w, b: F(m).group_norm(x, groups, w, b), shape, (c,), (c,))
    check(lambda m, x, w: F(m).group_norm(x, groups, w), shape, (c,))
    check(lambda m, x: F(m).group_norm(x, groups, eps=1e-3), shape)


def test_group_norm_noncontiguous() -> None:
    check(lambda m, x, w, b: F(m).group_norm(x, 2, w, b), (3, 4, 5), (4,), (4,), noncontiguous=True)


@pytest.mark.parametrize("shape", [(2, 3, 5), (4, 3, 4, 4), (2, 3, 2, 3, 2), (1, 3, 3)])
def test_instance_norm(shape: tuple) -> None:
    check(lambda m, x, w, b: F(m).instance_norm(x, weight=w, bias=b), shape, (3,), (3,))
    check(lambda m, x: F(m).instance_norm(x, eps=1e-3), shape)
    check(lambda m, x, w: F(m).instance_norm(x, stat(m, MEAN, x), stat(m, VAR, x), w, momentum=0.3), shape, (3,))
    check(
        lambda m, x, w, b: F(m).instance_norm(x, stat(m, MEAN, x), stat(m, VAR, x), w, b, use_input_stats=False),
        shape,
        (3,),
        (3,),
    )


def test_instance_norm_noncontiguous() -> None:
    check(lambda m, x, w, b: F(m).instance_norm(x, weight=w, bias=b), (2, 3, 4, 5), (3,), (3,), noncontiguous=True)


def test_gradchecks() -> None:
    grad_check(lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, training=True), (4, 3, 2), (3,), (3,))
    grad_check(lambda m, x, w, b: F(m).batch_norm(x, stat(m, MEAN, x), stat(m, VAR, x), w, b), (4, 3, 2), (3,), (3,))
    grad_check(lambda m, x, w, b: F(m).layer_norm(x, (3, 2), w, b), (4, 3, 2), (3, 2), (3, 2))
    grad_check(lambda m, x, w, b: F(m).group_norm(x, 2, w, b), (3, 4, 3), (4,), (4,))
    grad_check(lambda m, x, w, b: F(m).instance_norm(x, weight=w, bias=b), (2, 3, 4), (3,), (3,))
    grad_check(
        lambda m, x, w: F(m).instance_norm(x, stat(m, MEAN, x), stat(m, VAR, x), w, use_input_stats=False),
        (2, 3, 4),
        (3,),
    )


def test_grad_fn_names_and_partial_gradients() -> None:
    x = randn(4, 3).requires_grad_()
    w = shendu.ones(3)
    b = shendu.zeros(3).requires_grad_()
    y = SF.batch_norm(x, None, None, w, b, training=True)
    assert y.grad_fn.name() == "BatchNormBackward"
    assert SF.layer_norm(x, (3,)).grad_fn.name() == "LayerNormBackward"
    assert SF.group_norm(x, 1).grad_fn.name() == "GroupNormBackward"
    y.backward(shendu.ones(4, 3))
    assert w.grad is None and b.grad is not None and x.grad is not None


spatial = st.lists(st.integers(1, 3), min_size=0, max_size=2)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 4), c=st.integers(1, 4), rest=spatial, affine=st.booleans())
def test_batch_norm_property(n: int, c: int, rest: list, affine: bool) -> None:
    # Two values per statistic normalize to about +-1 whatever the input, so their gradient is
    # pure round-off; three or more keep the comparison meaningful.
    assume(n * int(np.prod(rest)) >= 3)
    shape = (n, c, *rest)
    if affine:
        check(lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, training=True), shape, (c,), (c,))
    else:
        check(lambda m, x: F(m).batch_norm(x, None, None, training=True), shape)


@settings(max_examples=30, deadline=None)
@given(
    lead=st.lists(st.integers(1, 3), min_size=0, max_size=2), norm=st.lists(st.integers(1, 4), min_size=1, max_size=2)
)
def test_layer_norm_property(lead: list, norm: list) -> None:
    assume(int(np.prod(norm)) >= 3)
    normalized = tuple(norm)
    check(lambda m, x, w, b: F(m).layer_norm(x, normalized, w, b), (*lead, *norm), normalized, normalized)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 3), groups=st.integers(1, 3), per_group=st.integers(1, 3), rest=spatial)
def test_group_norm_property(n: int, groups: int, per_group: int, rest: list) -> None:
    c = groups * per_group
    shape = (n, c, *rest)
    assume(per_group * int(np.prod(rest)) >= 3)
    check(lambda m, x, w, b: F(m).group_norm(x, groups, w, b), shape, (c,), (c,))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 3), rest=st.lists(st.integers(2, 3), min_size=1, max_size=2))
def test_instance_norm_property(n: int, c: int, rest: list) -> None:
    assume(int(np.prod(rest)) >= 3)
    check(lambda m, x, w, b: F(m).instance_norm(x, weight=w, bias=b), (n, c, *rest), (c,), (c,))


# ----------------------------------------------------------------------------- errors
def test_batch_norm_errors() -> None:
    x = randn(4, 3)
    rm, rv = shendu.zeros(3), shendu.ones(3)
    with pytest.raises(shendu.ShapeError, match=r"batch_norm: expected an input of shape \(N, C\).*got shape \(4,\)"):
        SF.batch_norm(randn(4), None, None, training=True)
    with pytest.raises(shendu.DtypeError, match=r"batch_norm: expected a floating-point input, got dtype shendu.int64"):
        SF.batch_norm(shendu.ones(4, 3, dtype=shendu.int64), None, None, training=True)
    with pytest.raises(TypeError, match=r"batch_norm: expected input to be a Tensor, got list"):
        SF.batch_norm([[1.0]], None, None, training=True)
    with pytest.raises(
        shendu.ShapeError,
        match=r"batch_norm: running_mean should have 3 elements, one per channel of the input "
        r"\(input shape \(4, 3\)\), got shape \(4,\)",
    ):
        SF.batch_norm(x, shendu.zeros(4), rv, training=True)
    with pytest.raises(shendu.ShapeError, match=r"batch_norm: weight should have 3 elements.*got shape \(2,\)"):
        SF.batch_norm(x, rm, rv, shendu.ones(2))
    with pytest.raises(TypeError, match=r"batch_norm: expected bias to be a Tensor or None, got float"):
        SF.batch_norm(x, rm, rv, bias=1.0)
    with pytest.raises(
        shendu.DtypeError,
        match=r"batch_norm: running_var has dtype shendu.float64 but the input has dtype shendu.float32",
    ):
        SF.batch_norm(x, rm, shendu.ones(3, dtype=shendu.float64), training=True)
    with pytest.raises(
        ValueError, match=r"batch_norm: expected more than 1 value per channel when training, got input shape \(1, 3\)"
    ):
        SF.batch_norm(randn(1, 3), rm, rv, training=True)
    with pytest.raises(ValueError, match=r"batch_norm: running_mean and running_var are required when training=False"):
        SF.batch_norm(x, None, None)
    with pytest.raises(
        ValueError, match=r"batch_norm: eps must be positive when the statistics come from the batch, got 0"
    ):
        SF.batch_norm(x, rm, rv, training=True, eps=0)
    with pytest.raises(ValueError, match=r"batch_norm: eps must be non-negative, got -1"):
        SF.batch_norm(x, rm, rv, eps=-1)
    with pytest.raises(TypeError, match=r"batch_norm: momentum must be a float, got None; for a cumulative average"):
        SF.batch_norm(x, rm, rv, training=True, momentum=None)


def test_running_buffer_in_graph_is_refused() -> None:
    rm = shendu.zeros(3, requires_grad=True)
    with pytest.raises(
        shendu.GraphError, match=r"batch_norm: a leaf tensor that requires grad cannot be changed in place"
    ):
        SF.batch_norm(randn(4, 3), rm, shendu.ones(3), training=True)


def test_layer_norm_errors() -> None:
    x = randn(2, 3)
    with pytest.raises(
        shendu.ShapeError,
        match=r"layer_norm: normalized_shape \(4,\) must equal the input's last dimensions; expected an input "
        r"of shape \(\*, 4\), got shape \(2, 3\)",
    ):
        SF.layer_norm(x, (4,))
    with pytest.raises(shendu.ShapeError, match=r"layer_norm: normalized_shape \(1, 2, 3\) must equal"):
        SF.layer_norm(x, (1, 2, 3))
    with pytest.raises(
        shendu.ShapeError, match=r"layer_norm: weight must have shape normalized_shape \(3,\), got shape \(4,\)"
    ):
        SF.layer_norm(x, (3,), shendu.ones(4))
    with pytest.raises(shendu.DtypeError, match=r"layer_norm: bias has dtype shendu.float64"):
        SF.layer_norm(x, (3,), None, shendu.zeros(3, dtype=shendu.float64))
    with pytest.raises(TypeError, match=r"layer_norm: normalized_shape must be an int or a sequence of ints, got 'a'"):
        SF.layer_norm(x, "a")
    with pytest.raises(
        shendu.ShapeError, match=r"layer_norm: normalized_shape must hold non-negative sizes, got \(-3,\)"
    ):
        SF.layer_norm(x, (-3,))
    with pytest.raises(TypeError, match=r"layer_norm: expected weight to be a Tensor or None, got list"):
        SF.layer_norm(x, (3,), [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"layer_norm: eps must be non-negative, got -0.1"):
        SF.layer_norm(x, (3,), eps=-0.1)


def test_group_norm_errors() -> None:
    with pytest.raises(
        shendu.ShapeError, match=r"group_norm: expected an input of shape \(N, C, \*\).*got shape \(3,\)"
    ):
        SF.group_norm(randn(3), 1)
    with pytest.raises(
        shendu.ShapeError,
        match=r"group_norm: the number of channels must be divisible by num_groups, but the input has 6 "
        r"channels \(input shape \(2, 6\)\) and num_groups=4",
    ):
        SF.group_norm(randn(2, 6), 4)
    with pytest.raises(ValueError, match=r"group_norm: num_groups must be a positive int, got 0"):
        SF.group_norm(randn(2, 6), 0)
    with pytest.raises(
        ValueError,
        match=r"group_norm: expected more than 1 value per group, got input shape \(1, 3\) with num_groups=3",
    ):
        SF.group_norm(randn(1, 3), 3)
    with pytest.raises(shendu.ShapeError, match=r"group_norm: bias should have 6 elements.*got shape \(3,\)"):
        SF.group_norm(randn(2, 6), 3, None, shendu.zeros(3))


def test_instance_norm_errors() -> None:
    with pytest.raises(
        ValueError,
        match=r"instance_norm: expected more than 1 spatial element when using input statistics, got input shape "
        r"\(2, 3, 1\)",
    ):
        SF.instance_norm(randn(2, 3, 1))
    with pytest.raises(
        ValueError, match=r"instance_norm: running_mean and running_var are required when use_input_stats=False"
    ):
        SF.instance_norm(randn(2, 3, 4), use_input_stats=False)
    with pytest.raises(shendu.ShapeError, match=r"instance_norm: running_var should have 3 elements.*got shape \(2,\)"):
        SF.instance_norm(randn(2, 3, 4), shendu.zeros(3), shendu.ones(2))
    with pytest.raises(TypeError, match=r"instance_norm: momentum must be a float, got 'a'"):
        SF.instance_norm(randn(2, 3, 4), momentum="a")


def test_batch_norm_training_with_zero_channels_and_running_statistics() -> None:
    x = np.zeros((4, 0, 3), dtype=np.float32)
    want = torch.nn.functional.batch_norm(torch.tensor(x), torch.zeros(0), torch.ones(0), training=True)
    got = shendu.nn.functional.batch_norm(shendu.tensor(x), shendu.zeros(0), shendu.ones(0), training=True)
    assert tuple(got.shape) == tuple(want.shape) == (4, 0, 3)


def test_batch_norm_in_training_takes_both_running_statistics_or_neither() -> None:
    F = shendu.nn.functional
    with pytest.raises(ValueError, match="batch_norm: running_mean and running_var must both be given or both be None"):
        F.batch_norm(shendu.randn(2, 1), None, shendu.ones(1), training=True)
    with pytest.raises(ValueError, match="running_mean and running_var must either both be None or neither"):
        torch.nn.functional.batch_norm(torch.randn(2, 1), None, torch.ones(1), training=True)
