from __future__ import annotations

import types
import warnings
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from shendu.ops import loss
from tests.helpers import check, grad_check

SF = types.SimpleNamespace(**{name: getattr(loss, name) for name in loss.__all__})
REDUCTIONS = ["none", "mean", "sum"]
PROBS = {"low": 0.02, "high": 0.98}

# torch warns about broadcasting targets and about kl_div's 'mean'; the tests of those warnings
# catch them explicitly.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def F(m: Any) -> Any:
    return TF if m is torch else SF


def const(m: Any, values: Any, like: Any) -> Any:
    """A tensor of ``values`` in ``like``'s dtype that does not require grad (class weights, pos_weight)."""
    return m.tensor(values, dtype=like.dtype)


def labels(m: Any, values: Any, dtype: str = "int64") -> Any:
    return m.tensor(np.asarray(values, dtype=dtype))


def randn(*shape: int, seed: int = 0) -> shendu.Tensor:
    return shendu.from_numpy(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


CLASS_WEIGHT = np.linspace(0.2, 2.0, 5)
Y = [1, 0, 4, 3]
Y_IGNORED = [1, -100, 4, -100]
Y_KDIM = [[[0, 4, 2], [1, 1, 3]], [[4, 4, -100], [2, 0, 1]]]


# ----------------------------------------------------------------------------- regression losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(reduction: str) -> None:
    r = reduction
    check(lambda m, x, t: F(m).mse_loss(x, t, reduction=r), (3, 4), (3, 4))
    check(lambda m, x, t: F(m).l1_loss(x, t, reduction=r), (3, 4), (3, 4))
    check(lambda m, x, t: F(m).smooth_l1_loss(x, t, reduction=r), (3, 4), (3, 4))
    check(lambda m, x, t: F(m).smooth_l1_loss(x, t, reduction=r, beta=0.3), (3, 4), (3, 4))
    check(lambda m, x, t: F(m).smooth_l1_loss(x, t, reduction=r, beta=0.0), (3, 4), (3, 4))
    check(lambda m, x, t: F(m).smooth_l1_loss(x, t, reduction=r, beta=5.0), (3, 4), (3, 4))
    check(lambda m, x, t: F(m).huber_loss(x, t, reduction=r), (3, 4), (3, 4))
    check(lambda m, x, t: F(m).huber_loss(x, t, reduction=r, delta=0.3), (3, 4), (3, 4))
    check(lambda m, x, t: F(m).huber_loss(x, t, reduction=r, delta=4.0), (2, 3, 4), (2, 3, 4))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses_with_weight(reduction: str) -> None:
    r = reduction
    check(lambda m, x, t, w: F(m).mse_loss(x, t, reduction=r, weight=w), (3, 4), (3, 4), (3, 4))
    check(lambda m, x, t, w: F(m).l1_loss(x, t, reduction=r, weight=w), (3, 4), (3, 4), (3, 4))
    check(lambda m, x, t, w: F(m).huber_loss(x, t, reduction=r, weight=w, delta=0.5), (3, 4), (3, 4), (3, 4))
    check(lambda m, x, t, w: F(m).mse_loss(x, t, reduction=r, weight=w), (3, 4), (4,), (3, 4))


@pytest.mark.parametrize("r", REDUCTIONS)
@pytest.mark.parametrize(("xs", "ts"), [((3, 4), (4,)), ((4,), (3, 4)), ((2, 1, 4), (3, 1)), ((), (3,)), ((3,), ())])
def test_regression_losses_broadcast(xs: tuple, ts: tuple, r: str) -> None:
    check(lambda m, x, t: F(m).mse_loss(x, t, reduction=r), xs, ts)
    check(lambda m, x, t: F(m).l1_loss(x, t, reduction=r), xs, ts)
    check(lambda m, x, t: F(m).smooth_l1_loss(x, t, reduction=r, beta=0.5), xs, ts)
    check(lambda m, x, t: F(m).huber_loss(x, t, reduction=r), xs, ts)


def test_regression_losses_edge_cases() -> None:
    check(lambda m, x, t: F(m).mse_loss(x, t), (), ())
    check(lambda m, x, t: F(m).l1_loss(x, t), (0, 3), (0, 3))
    check(lambda m, x, t: F(m).mse_loss(x, t, reduction="sum"), (0,), (0,))
    check(lambda m, x, t: F(m).mse_loss(x, t), (4, 5), (4, 5), noncontiguous=True)
    check(lambda m, x, t: F(m).huber_loss(x, t), (4, 5), (4, 5), noncontiguous=True)
    # Exactly at the kink, both sides agree with torch.
    check(lambda m, x, t: F(m).smooth_l1_loss(x, t), np.array([1.0, -1.0, 0.0]), np.array([0.0, 0.0, 0.0]))
    check(lambda m, x, t: F(m).huber_loss(x, t, delta=2.0), np.array([2.0, -2.0, 0.0]), np.array([0.0, 0.0, 0.0]))
    check(lambda m, x, t: F(m).mse_loss(x, t), (3,), np.array([1, 0, 2]))


@pytest.mark.parametrize(
    ("size_average", "reduce"), [(None, False), (False, None), (True, True), (False, True), (True, False)]
)
def test_legacy_size_average_and_reduce(size_average: bool | None, reduce: bool | None) -> None:
    kw = {"size_average": size_average, "reduce": reduce}
    check(lambda m, x, t: F(m).mse_loss(x, t, **kw), (3, 4), (3, 4))
    check(lambda m, x: F(m).cross_entropy(x, labels(m, Y), **kw), (4, 5))
    check(lambda m, x, t: F(m).kl_div(x, t, **kw), (3, 4), (3, 4), **PROBS)


def test_warnings() -> None:
    with pytest.warns(UserWarning, match=r"mse_loss: the target shape \(4,\) differs from the input shape \(3, 4\)"):
        SF.mse_loss(randn(3, 4), randn(4))
    with pytest.warns(UserWarning, match=r"kl_div: reduction='mean' divides the total loss by both"):
        SF.kl_div(randn(3), randn(3))
    with pytest.warns(UserWarning, match=r"l1_loss: size_average and reduce are deprecated"):
        SF.l1_loss(randn(3), randn(3), reduce=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SF.mse_loss(randn(3, 4), randn(3, 4))
        SF.kl_div(randn(3), randn(3), reduction="batchmean")


# ----------------------------------------------------------------------------- cross-entropy
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_class_indices(reduction: str) -> None:
    r = reduction
    check(lambda m, x: F(m).cross_entropy(x, labels(m, Y), reduction=r), (4, 5))
    check(lambda m, x: F(m).cross_entropy(x, labels(m, Y), const(m, CLASS_WEIGHT, x), reduction=r), (4, 5))
    check(lambda m, x: F(m).cross_entropy(x, labels(m, Y_IGNORED), reduction=r), (4, 5))
    check(lambda m, x: F(m).cross_entropy(x, labels(m, Y_IGNORED), const(m, CLASS_WEIGHT, x), reduction=r), (4, 5))
    check(lambda m, x: F(m).cross_entropy(x, labels(m, Y), ignore_index=0, reduction=r), (4, 5))
    check(
        lambda m, x: F(m).cross_entropy(x, labels(m, Y), const(m, CLASS_WEIGHT, x), ignore_index=4, reduction=r), (4, 5)
    )
    check(lambda m, x: F(m).cross_entropy(x, labels(m, Y, "uint8"), reduction=r), (4, 5))
    check(lambda m, x: F(m).cross_entropy(x, labels(m, 3), reduction=r), (5,))
    check(lambda m, x: F(m).cross_entropy(x, labels(m, Y_KDIM), reduction=r), (2, 5, 2, 3))
    check(lambda m, x: F(m).cross_entropy(x, labels(m, [[0, 4, 2], [1, 1, 3]]), reduction=r), (2, 5, 3))
    check(lambda m, x: F(m).cross_entropy(x, labels(m, Y_KDIM), const(m, CLASS_WEIGHT, x), reduction=r), (2, 5, 2, 3))
    check(lambda m, x: F(m).cross_entropy(x, labels(m, Y), reduction=r), (4, 5), noncontiguous=True)


@pytest.mark.parametrize("smoothing", [0.1, 0.5, 1.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_label_smoothing(smoothing: float, reduction: str) -> None:
    kw = {"reduction": reduction, "label_smoothing": smoothing}
    check(lambda m, x: F(m).cross_entropy(x, labels(m, Y), **kw), (4, 5))
    check(lambda m, x: F(m).cross_entropy(x, labels(m, Y), const(m, CLASS_WEIGHT, x), **kw), (4, 5))
    check(lambda m, x: F(m).cross_entropy(x, labels(m, Y_IGNORED), const(m, CLASS_WEIGHT, x), **kw), (4, 5))
    check(lambda m, x: F(m).cross_entropy(x, labels(m, Y_KDIM), **kw), (2, 5, 2, 3))
    check(lambda m, x: F(m).cross_entropy(x, labels(m, 2), const(m, CLASS_WEIGHT, x), **kw), (5,))
    check(lambda m, x, t: F(m).cross_entropy(x, t, **kw), (4, 5), (4, 5), low=0.0, high=1.0)
    check(lambda m, x, t, w: F(m).cross_entropy(x, t, w, **kw), (2, 5, 3), (2, 5, 3), (5,), low=0.0, high=1.0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probabilities(reduction: str) -> None:
    r = reduction
    check(lambda m, x, t: F(m).cross_entropy(x, t, reduction=r), (4, 5), (4, 5), low=0.0, high=1.0)
    check(lambda m, x, t, w: F(m).cross_entropy(x, t, w, reduction=r), (4, 5), (4, 5), (5,), low=0.0, high=1.0)
    check(lambda m, x, t: F(m).cross_entropy(x, t, reduction=r), (5,), (5,), low=0.0, high=1.0)
    check(lambda m, x, t: F(m).cross_entropy(x, t, reduction=r), (2, 5, 2, 3), (2, 5, 2, 3), low=0.0, high=1.0)
    check(lambda m, x, t: F(m).cross_entropy(x, t, reduction=r), (3, 4), (3, 4), noncontiguous=True)


def test_cross_entropy_mixed_dtypes_and_empty_batches() -> None:
    t64 = np.random.default_rng(3).uniform(size=(4, 5))
    # The log-softmax runs in float32, as in torch, so float32 rounding bounds the agreement.
    check(lambda m, x: F(m).cross_entropy(x.float(), m.tensor(t64)), (4, 5), rtol=1e-6, atol=1e-7)
    check(lambda m, x: F(m).cross_entropy(x, labels(m, np.zeros(0))), (0, 5))
    check(lambda m, x, t: F(m).cross_entropy(x, t), (0, 5), (0, 5))
    check(lambda m, x: F(m).cross_entropy(x, labels(m, np.zeros(0)), reduction="none"), (0, 5))


@pytest.mark.parametrize("r", REDUCTIONS)
def test_all_ignored_batch_is_nan_with_zero_gradient(r: str) -> None:
    check(lambda m, x: F(m).cross_entropy(x, labels(m, [-100] * 4), reduction=r), (4, 5))
    check(lambda m, x: F(m).cross_entropy(x, labels(m, [-100] * 4), reduction=r, label_smoothing=0.2), (4, 5))
    check(lambda m, x: F(m).nll_loss(x, labels(m, [-100] * 4), reduction=r), (4, 5))
    x = shendu.zeros(4, 5).requires_grad_()
    out = SF.cross_entropy(x, labels(shendu, [-100] * 4))
    assert np.isnan(out.item())
    out.backward()
    assert not np.any(x.grad.numpy())


def test_zero_class_weights_give_nan_like_torch() -> None:
    check(lambda m, x: F(m).cross_entropy(x, labels(m, Y), const(m, np.zeros(5), x)), (4, 5))
    check(lambda m, x: F(m).nll_loss(x, labels(m, Y), const(m, np.zeros(5), x)), (4, 5))


BIG_LOGITS = np.array([[1e4, -1e4, 0.0, 3.0], [-1e4, 1e4, 5.0, -2.0], [1e4, 1e4, -1e4, 0.0]])


@pytest.mark.parametrize("r", REDUCTIONS)
def test_cross_entropy_is_stable_at_large_logits(r: str) -> None:
    big = BIG_LOGITS
    check(lambda m, x: F(m).cross_entropy(x, labels(m, [1, 0, 2]), reduction=r), big)
    check(lambda m, x: F(m).cross_entropy(x, labels(m, [0, 1, 1]), reduction=r), big)
    check(lambda m, x: F(m).cross_entropy(x, labels(m, [1, 0, 2]), reduction=r, label_smoothing=0.1), big)
    check(lambda m, x, t: F(m).cross_entropy(x, t, reduction=r), big, np.full((3, 4), 0.25))
    check(lambda m, x: F(m).cross_entropy(x, labels(m, [1, 0, 2]), reduction=r), -big)
    x = shendu.tensor(big, dtype=shendu.float32, requires_grad=True)
    out = SF.cross_entropy(x, labels(shendu, [1, 0, 2]), reduction="sum")
    out.backward()
    assert np.isfinite(out.item()) and np.all(np.isfinite(x.grad.numpy()))


def test_cross_entropy_grad_fn() -> None:
    x = randn(4, 5).requires_grad_()
    assert SF.cross_entropy(x, labels(shendu, Y)).grad_fn.name() == "CrossEntropyBackward"
    assert SF.cross_entropy(x, randn(4, 5)).grad_fn.name() == "CrossEntropyProbsBackward"


# ----------------------------------------------------------------------------- nll
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction: str) -> None:
    r = reduction
    check(lambda m, x: F(m).nll_loss(x, labels(m, Y), reduction=r), (4, 5))
    check(lambda m, x: F(m).nll_loss(x, labels(m, Y), const(m, CLASS_WEIGHT, x), reduction=r), (4, 5))
    check(lambda m, x: F(m).nll_loss(x, labels(m, Y_IGNORED), const(m, CLASS_WEIGHT, x), reduction=r), (4, 5))
    check(lambda m, x: F(m).nll_loss(x, labels(m, Y), ignore_index=3, reduction=r), (4, 5))
    check(lambda m, x: F(m).nll_loss(x, labels(m, 4), reduction=r), (5,))
    check(lambda m, x: F(m).nll_loss(x, labels(m, Y_KDIM), const(m, CLASS_WEIGHT, x), reduction=r), (2, 5, 2, 3))
    check(lambda m, x: F(m).nll_loss(x, labels(m, Y, "uint8"), reduction=r), (4, 5), noncontiguous=True)


# ----------------------------------------------------------------------------- binary
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction: str) -> None:
    r = reduction
    check(lambda m, x, t: F(m).binary_cross_entropy(x, t, reduction=r), (3, 4), (3, 4), **PROBS)
    check(
        lambda m, x, t: F(m).binary_cross_entropy(x, t, reduction=r),
        (3, 4),
        np.array([1.0, 0.0, 1.0, 0.0]) * np.ones((3, 4)),
        **PROBS,
    )
    check(
        lambda m, x, t: F(m).binary_cross_entropy(x, t, const(m, np.linspace(0.5, 2, 4), x), reduction=r),
        (3, 4),
        (3, 4),
        **PROBS,
    )
    check(
        lambda m, x, t: F(m).binary_cross_entropy(
            x, t, const(m, np.linspace(0.5, 2, 12).reshape(3, 4), x), reduction=r
        ),
        (3, 4),
        (3, 4),
        **PROBS,
    )
    check(lambda m, x, t: F(m).binary_cross_entropy(x, t, reduction=r), (), (), **PROBS)
    check(lambda m, x, t: F(m).binary_cross_entropy(x, t, reduction=r), (4, 3), (4, 3), noncontiguous=True, **PROBS)


def test_binary_cross_entropy_clamps_the_log() -> None:
    # log(0) is clamped to -100, so certain wrong predictions cost 100 and stay finite.
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 1e-30])
    t = np.array([1.0, 0.0, 0.0, 1.0, 0.5, 1.0])
    check(lambda m, x, t: F(m).binary_cross_entropy(x, t, reduction="none"), x, t, dtypes=("float64",))
    check(lambda m, x, t: F(m).binary_cross_entropy(x, t, reduction="mean"), x, t, dtypes=("float64",))
    check(lambda m, x, t: F(m).binary_cross_entropy(x, t, reduction="sum"), x, t)
    out = SF.binary_cross_entropy(shendu.tensor(x), shendu.tensor(t), reduction="none")
    np.testing.assert_allclose(out.numpy()[:2], [100.0, 100.0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(reduction: str) -> None:
    r = reduction
    pw = np.linspace(0.5, 3.0, 4)
    check(lambda m, x, t: F(m).binary_cross_entropy_with_logits(x, t, reduction=r), (3, 4), (3, 4), low=-3.0, high=3.0)
    check(
        lambda m, x, t: F(m).binary_cross_entropy_with_logits(x, t, reduction=r, pos_weight=const(m, pw, x)),
        (3, 4),
        (3, 4),
    )
    check(lambda m, x, t: F(m).binary_cross_entropy_with_logits(x, t, const(m, pw, x), reduction=r), (3, 4), (3, 4))
    check(
        lambda m, x, t: F(m).binary_cross_entropy_with_logits(
            x, t, const(m, pw[::-1].copy(), x), reduction=r, pos_weight=const(m, pw, x)
        ),
        (2, 3, 4),
        (2, 3, 4),
    )
    check(lambda m, x, t: F(m).binary_cross_entropy_with_logits(x, t, reduction=r), (), ())
    check(lambda m, x, t: F(m).binary_cross_entropy_with_logits(x, t, reduction=r), (4, 3), (4, 3), noncontiguous=True)


@pytest.mark.parametrize("r", REDUCTIONS)
def test_binary_cross_entropy_with_logits_is_stable(r: str) -> None:
    x = np.array([100.0, -100.0, 100.0, -100.0, 50.0, -50.0, 0.0, 30.0])
    t = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 0.7, 1.0, 0.5])
    pw = np.array([2.0, 0.5, 1.0, 3.0, 1.5, 1.0, 2.0, 0.1])
    check(lambda m, x, t: F(m).binary_cross_entropy_with_logits(x, t, reduction=r), x, t)
    check(lambda m, x, t: F(m).binary_cross_entropy_with_logits(x, t, reduction=r, pos_weight=const(m, pw, x)), x, t)
    check(lambda m, x, t: F(m).binary_cross_entropy_with_logits(x, t, reduction=r), -x, t)
    xs = shendu.tensor(x, dtype=shendu.float32, requires_grad=True)
    out = SF.binary_cross_entropy_with_logits(xs, shendu.tensor(t, dtype=shendu.float32), reduction="sum")
    out.backward()
    assert np.isfinite(out.item()) and np.all(np.isfinite(xs.grad.numpy()))


# ----------------------------------------------------------------------------- kl_div
@pytest.mark.parametrize("reduction", [*REDUCTIONS, "batchmean"])
def test_kl_div(reduction: str) -> None:
    r = reduction
    check(lambda m, x, t: F(m).kl_div(x, t, reduction=r), (3, 4), (3, 4), **PROBS)
    check(lambda m, x, t: F(m).kl_div(x, t, reduction=r, log_target=True), (3, 4), (3, 4))
    check(lambda m, x, t: F(m).kl_div(x, t, reduction=r), (2, 3, 4), (3, 4), **PROBS)
    check(lambda m, x, t: F(m).kl_div(x, t, reduction=r, log_target=True), (4,), (2, 4))
    check(lambda m, x, t: F(m).kl_div(x, t, reduction=r), (), (), **PROBS)
    check(lambda m, x, t: F(m).kl_div(x, t, reduction=r), (4, 3), (4, 3), noncontiguous=True, **PROBS)


def test_kl_div_zero_targets() -> None:
    target = np.array([[0.0, 0.5, 0.5], [0.2, 0.0, 0.8]])
    check(lambda m, x: F(m).kl_div(x, m.tensor(target, dtype=x.dtype), reduction="sum"), (2, 3))
    # PyTorch differentiates x log x at 0 to nan; so does shendu.
    check(lambda m, x, t: F(m).kl_div(x, t, reduction="batchmean"), (2, 3), target)


# ----------------------------------------------------------------------------- gradchecks
def test_gradchecks() -> None:
    pw = np.linspace(0.5, 2.0, 4)
    grad_check(lambda m, x, t: F(m).mse_loss(x, t), (3, 4), (3, 4))
    grad_check(lambda m, x, t: F(m).l1_loss(x, t, reduction="sum"), (3, 4), (4,))
    grad_check(lambda m, x, t: F(m).smooth_l1_loss(x, t, beta=0.5), (3, 4), (3, 4))
    grad_check(lambda m, x, t: F(m).huber_loss(x, t, delta=0.5), (3, 4), (3, 4))
    grad_check(lambda m, x, t, w: F(m).mse_loss(x, t, weight=w), (3, 4), (3, 4), (3, 4), low=0.5, high=2.0)
    grad_check(lambda m, x, t, w: F(m).l1_loss(x, t, weight=w, reduction="none"), (3, 4), (3, 4), (3, 4))
    grad_check(lambda m, x, t, w: F(m).huber_loss(x, t, weight=w), (3, 4), (3, 4), (3, 4))
    grad_check(lambda m, x: F(m).cross_entropy(x, labels(m, Y_IGNORED), label_smoothing=0.2), (4, 5))
    grad_check(lambda m, x: F(m).cross_entropy(x, labels(m, Y_KDIM), const(m, CLASS_WEIGHT, x)), (2, 5, 2, 3))
    grad_check(lambda m, x, t, w: F(m).cross_entropy(x, t, w, label_smoothing=0.1), (4, 5), (4, 5), (5,))
    grad_check(lambda m, x: F(m).nll_loss(x, labels(m, Y), reduction="sum"), (4, 5))
    grad_check(lambda m, x, t: F(m).binary_cross_entropy(x, t), (3, 4), (3, 4), low=0.1, high=0.9)
    grad_check(lambda m, x, t, w: F(m).binary_cross_entropy(x, t, w), (3, 4), (3, 4), (4,), low=0.1, high=0.9)
    grad_check(
        lambda m, x, t, w: F(m).binary_cross_entropy_with_logits(x, t, w, pos_weight=m.tensor(pw)), (3, 4), (3, 4), (4,)
    )
    grad_check(lambda m, x, t, p: F(m).binary_cross_entropy_with_logits(x, t, pos_weight=p), (3, 4), (3, 4), (4,))
    grad_check(lambda m, x, t: F(m).kl_div(x, t, reduction="batchmean"), (3, 4), (3, 4), low=0.1, high=0.9)
    grad_check(lambda m, x, t: F(m).kl_div(x, t, log_target=True, reduction="sum"), (3, 4), (4,))


# ----------------------------------------------------------------------------- properties
shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 5), c=st.integers(1, 6), extra=st.lists(st.integers(1, 3), max_size=2), data=st.data())
def test_cross_entropy_property(n: int, c: int, extra: list, data: Any) -> None:
    reduction = data.draw(st.sampled_from(REDUCTIONS))
    smoothing = data.draw(st.sampled_from([0.0, 0.25]))
    target = np.random.default_rng(n * 7 + c).integers(0, c, size=(n, *extra))
    kw = {"reduction": reduction, "label_smoothing": smoothing}
    check(lambda m, x: F(m).cross_entropy(x, labels(m, target), **kw), (n, c, *extra))
    check(lambda m, x, t: F(m).cross_entropy(x, t, **kw), (n, c, *extra), (n, c, *extra), low=0.0, high=1.0)


@settings(max_examples=30, deadline=None)
@given(shape=shapes, reduction=st.sampled_from(REDUCTIONS))
def test_elementwise_losses_property(shape: tuple, reduction: str) -> None:
    check(lambda m, x, t: F(m).mse_loss(x, t, reduction=reduction), shape, shape)
    check(lambda m, x, t: F(m).huber_loss(x, t, reduction=reduction, delta=0.7), shape, shape)
    check(lambda m, x, t: F(m).binary_cross_entropy_with_logits(x, t, reduction=reduction), shape, shape)
    check(lambda m, x, t: F(m).binary_cross_entropy(x, t, reduction=reduction), shape, shape, **PROBS)


# ----------------------------------------------------------------------------- errors
def test_class_target_errors() -> None:
    x = randn(4, 10)
    with pytest.raises(
        shendu.ShapeError,
        match=r"cross_entropy: target contains class index 12 but the input has 10 classes \(input shape \(4, 10\)\)",
    ):
        SF.cross_entropy(x, labels(shendu, [1, 12, 3, 0]))
    with pytest.raises(shendu.ShapeError, match=r"cross_entropy: target contains class index -1 but the input has 10"):
        SF.cross_entropy(x, labels(shendu, [1, -1, 3, 0]))
    with pytest.raises(
        shendu.ShapeError,
        match=r"cross_entropy: expected class indices \(an integer tensor of shape \(4,\)\) or class probabilities "
        r"of the input's shape \(4, 10\), got a float32 tensor of shape \(4,\)",
    ):
        SF.cross_entropy(x, randn(4))
    with pytest.raises(
        shendu.ShapeError, match=r"cross_entropy: expected class indices .* got an int64 tensor of shape \(5,\)"
    ):
        SF.cross_entropy(x, labels(shendu, [0] * 5))
    with pytest.raises(
        shendu.ShapeError, match=r"cross_entropy: expected class indices .* got an int64 tensor of shape \(4, 10\)"
    ):
        SF.cross_entropy(x, shendu.zeros(4, 10, dtype=shendu.int64))
    with pytest.raises(
        shendu.ShapeError,
        match=r"cross_entropy: expected class indices \(an integer tensor of shape \(2, 3\)\) or class probabilities "
        r"of the input's shape \(2, 10, 3\), got an int64 tensor of shape \(2, 4\)",
    ):
        SF.cross_entropy(randn(2, 10, 3), labels(shendu, [[0] * 4] * 2))
    with pytest.raises(
        shendu.ShapeError,
        match=r"nll_loss: expected class indices \(an integer tensor of shape \(4,\)\), got a float32 tensor of shape "
        r"\(4, 10\)",
    ):
        SF.nll_loss(x, randn(4, 10))
    with pytest.raises(
        shendu.ShapeError, match=r"nll_loss: target contains class index 10 but the input has 10 classes"
    ):
        SF.nll_loss(x, labels(shendu, [10, 0, 0, 0]))
    with pytest.raises(
        shendu.ShapeError, match=r"nll_loss: expected class indices .* got a bool tensor of shape \(4,\)"
    ):
        SF.nll_loss(x, shendu.tensor([True, False, True, True]))


def test_cross_entropy_argument_errors() -> None:
    x = randn(4, 10)
    y = labels(shendu, [1, 2, 3, 0])
    with pytest.raises(
        shendu.ShapeError,
        match=r"cross_entropy: weight must hold one value per class, shape \(10,\), got shape \(5,\) "
        r"\(input shape \(4, 10\)\)",
    ):
        SF.cross_entropy(x, y, weight=shendu.ones(5))
    with pytest.raises(ValueError, match=r"cross_entropy: label_smoothing must be between 0.0 and 1.0, got 1.5"):
        SF.cross_entropy(x, y, label_smoothing=1.5)
    with pytest.raises(
        ValueError,
        match=r"cross_entropy: ignore_index is not supported with class-probability targets, got ignore_index=3",
    ):
        SF.cross_entropy(x, randn(4, 10), ignore_index=3)
    with pytest.raises(
        shendu.DtypeError, match=r"cross_entropy: expected a floating-point input, got dtype shendu.int64"
    ):
        SF.cross_entropy(shendu.zeros(4, 10, dtype=shendu.int64), y)
    with pytest.raises(shendu.ShapeError, match=r"cross_entropy: expected an input of shape .* got a 0-d tensor"):
        SF.cross_entropy(shendu.tensor(1.0), shendu.tensor(0))
    with pytest.raises(shendu.ShapeError, match=r"nll_loss: the input has no classes \(input shape \(4, 0\)\)"):
        SF.nll_loss(shendu.zeros(4, 0), y)
    with pytest.raises(TypeError, match=r"cross_entropy: expected target to be a Tensor, got list"):
        SF.cross_entropy(x, [1, 2, 3, 0])
    with pytest.raises(TypeError, match=r"nll_loss: ignore_index must be an int, got 1.5"):
        SF.nll_loss(x, y, ignore_index=1.5)


def test_reduction_errors() -> None:
    x = randn(4, 3)
    with pytest.raises(ValueError, match=r"mse_loss: reduction must be 'none', 'mean' or 'sum', got 'avg'"):
        SF.mse_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match=r"cross_entropy: reduction must be 'none', 'mean' or 'sum', got 'batchmean'"):
        SF.cross_entropy(x, labels(shendu, [0, 1, 2, 0]), reduction="batchmean")
    with pytest.raises(ValueError, match=r"kl_div: reduction must be 'none', 'mean', 'sum' or 'batchmean', got 'max'"):
        SF.kl_div(x, x, reduction="max")
    for name in ["l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy_with_logits", "nll_loss"]:
        with pytest.raises(ValueError, match=f"{name}: reduction must be"):
            getattr(SF, name)(x, labels(shendu, [0, 1, 2, 0]) if name == "nll_loss" else x, reduction="total")


def test_shape_and_value_errors() -> None:
    x = randn(3)
    with pytest.raises(
        shendu.ShapeError, match=r"binary_cross_entropy: target shape \(3, 1\) must equal the input shape \(3,\)"
    ):
        SF.binary_cross_entropy(shendu.full((3,), 0.5), shendu.full((3, 1), 0.5))
    with pytest.raises(
        shendu.ShapeError,
        match=r"binary_cross_entropy_with_logits: target shape \(3, 1\) must equal the input shape \(3,\)",
    ):
        SF.binary_cross_entropy_with_logits(x, shendu.ones(3, 1))
    with pytest.raises(
        ValueError, match=r"binary_cross_entropy: all elements of input should be between 0 and 1, got 1.5"
    ):
        SF.binary_cross_entropy(shendu.tensor([0.5, 1.5]), shendu.tensor([1.0, 0.0]))
    with pytest.raises(
        ValueError, match=r"binary_cross_entropy: all elements of input should be between 0 and 1, got nan"
    ):
        SF.binary_cross_entropy(shendu.tensor([float("nan")]), shendu.tensor([1.0]))
    with pytest.raises(
        shendu.ShapeError,
        match=r"binary_cross_entropy_with_logits: pos_weight of shape \(4,\) cannot be broadcast to the input "
        r"shape \(2, 3\)",
    ):
        SF.binary_cross_entropy_with_logits(randn(2, 3), randn(2, 3), pos_weight=shendu.ones(4))
    with pytest.raises(
        shendu.ShapeError, match=r"binary_cross_entropy: weight of shape \(2, 2, 3\) cannot be broadcast to the input"
    ):
        SF.binary_cross_entropy(shendu.full((2, 3), 0.5), shendu.full((2, 3), 0.5), shendu.ones(2, 2, 3))
    with pytest.raises(shendu.ShapeError, match=r"mse_loss: shapes \(3,\) and \(2, 4\) cannot be broadcast together"):
        SF.mse_loss(x, randn(2, 4))
    with pytest.raises(shendu.ShapeError, match=r"kl_div: shapes \(3,\) and \(2\,\) cannot be broadcast together"):
        SF.kl_div(x, randn(2), reduction="sum")
    with pytest.raises(shendu.ShapeError, match=r"mse_loss: weight shape \(2,\) must equal the input shape \(3,\)"):
        SF.mse_loss(x, x, weight=shendu.ones(2))
    with pytest.raises(shendu.ShapeError, match=r"huber_loss: weight shape \(1,\) must equal the input shape \(3,\)"):
        SF.huber_loss(x, x, weight=shendu.ones(1))
    with pytest.raises(ValueError, match=r"smooth_l1_loss: beta must be non-negative, got -1.0"):
        SF.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(ValueError, match=r"huber_loss: delta must be positive, got 0.0"):
        SF.huber_loss(x, x, delta=0.0)
    with pytest.raises(
        shendu.DtypeError,
        match=r"mse_loss: expected floating-point input and target, got dtypes shendu.int64 and shendu.int64",
    ):
        SF.mse_loss(shendu.tensor([1, 2]), shendu.tensor([1, 3]))
    with pytest.raises(TypeError, match=r"l1_loss: expected input to be a Tensor, got float"):
        SF.l1_loss(1.0, x)
