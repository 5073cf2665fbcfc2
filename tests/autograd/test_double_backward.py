"""Second derivatives (create_graph=True) of every op with a double backward, against PyTorch.

Each line runs the same program in both frameworks through ``check_grad_grad``, which compares the
first gradients and the gradients of those gradients with respect to the inputs and to the output
weights; ``grad_grad_check`` compares shendu's with float64 finite differences of the first derivative.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import shendu
from tests.helpers import COUNTS, check_grad_grad, make_inputs

POSITIVE = {"transform": lambda v: np.abs(v) + 0.5}

CASES: list[tuple[str, Any, tuple[Any, ...], dict[str, Any]]] = [
    # arithmetic
    ("add_sub", lambda m, a, b: (a + b) * (a - b) - 2 * a + 3, ((3, 4), (4,)), {}),
    ("mul_div", lambda m, a, b: a * b / (b * b + 1), ((3, 4), (3, 1)), {}),
    ("pow", lambda m, a, b: a**b, ((3, 4), (3, 4)), POSITIVE),
    ("scalar_ops", lambda m, a: (2 - a) * 3 / 4 + 1 / (a + 3) + a**3 + 2**a - a / 2, ((5,),), POSITIVE),
    ("neg", lambda m, a: -(a * a), ((5,),), {}),
    ("remainder", lambda m, a, b: (a * a) % 1.7 * a + m.remainder(a, b.abs() + 0.5) * b, ((3, 4), (4,)), {}),
    # reductions
    ("sum_mean", lambda m, a: (a * a).sum(1) * a.mean() + (a**3).sum(), ((3, 4),), {}),
    ("prod", lambda m, a: a.prod(1) + (a * a).prod(), ((3, 4),), {}),
    ("amax_amin", lambda m, a: (a * a).amax(1).sum() + (a**3).amin(0), ((3, 4),), {}),
    ("max_min_dim", lambda m, a: (a * a).max(1).values.sum() + (a**3).min(0)[0], ((3, 4),), {}),
    ("var_std", lambda m, a: a.var(1) * a.std() + (a * a).var() + a.std(0).sum(), ((3, 4),), {}),
    ("norm", lambda m, a: a.norm() * a.norm(p=1, dim=1) + (a * a).norm(p=3, dim=0).sum(), ((3, 4),), {}),
    ("logsumexp", lambda m, a: m.logsumexp(a * a, 1), ((3, 4),), {}),
    ("cumsum_cumprod", lambda m, a: (a * a).cumsum(1) * a.cumprod(0), ((3, 4),), {}),
    # elementwise
    ("exp_log", lambda m, a: (a.exp() + a.log() + a.log2() + a.log10() + a.log1p() + a.expm1()) * a, ((5,),), POSITIVE),
    ("sqrt_rsqrt", lambda m, a: a.sqrt() * a + a.rsqrt() * a * a + a.reciprocal() * a, ((5,),), POSITIVE),
    ("trig", lambda m, a: a.sin() * a.cos() + a.tanh() * a.sigmoid() + a.erf() * a, ((6,),), {}),
    ("abs_square", lambda m, a: a.abs() * a + m.square(a) * a + a.sign() * a, ((6,),), {}),
    ("clamp_where", lambda m, a: m.where(a > 0, a * a, a**3).clamp(-0.5, 0.8) * a, ((6,),), {}),
    # shape and indexing
    ("views", lambda m, a: (a.t().reshape(2, 6) ** 2).permute(1, 0).flatten() * a.view(-1), ((3, 4),), {}),
    ("expand_repeat", lambda m, a: (a[:, :1].expand(3, 4) * a).repeat(2, 1).sum(0) * a[0], ((3, 4),), {}),
    ("cat_stack_split", lambda m, a: m.cat([a * a, a], 0).split(2)[1] * m.stack([a, a * a], 0)[1, :2], ((3, 4),), {}),
    (
        "unbind_chunk_narrow",
        lambda m, a: (a * a).unbind(1)[2] * a.chunk(2, 1)[0].sum(1) + a.narrow(1, 1, 2).sum(1),
        ((3, 4),),
        {},
    ),
    ("getitem", lambda m, a: (a * a)[1:, [0, 2, 2]] * a[0, :3] + a[a > 0].sum(), ((3, 4),), {}),
    ("flip_roll", lambda m, a: (a * a).flip(0).roll(1, 1) * a, ((3, 4),), {}),
    ("gather_scatter", lambda m, a: (a * a).gather(1, m.tensor([[0, 2], [1, 1], [3, 0]])) * a[:, :2], ((3, 4),), {}),
    ("index_select", lambda m, a: (a * a).index_select(0, m.tensor([2, 0, 2])) * a, ((3, 4),), {}),
    ("masked_fill", lambda m, a: (a * a).masked_fill(a < 0, 0.5) * a, ((3, 4),), {}),
    ("tril_triu", lambda m, a: (a * a).tril() * a.triu(1) + (a * a).tril(-1), ((4, 4),), {}),
    ("setitem_inplace", lambda m, a: _setitem_program(a), ((3, 4),), {}),
    ("fill_copy_inplace", lambda m, a, b: _overwrite_program(a, b), ((3, 4), (4,)), {}),
    # linear algebra
    ("matmul", lambda m, a, b: (a @ b) * (a @ b), ((2, 3, 4), (4, 5)), {}),
    ("matmul_vec", lambda m, a, b: (a @ b) ** 2 + (b @ b) * a.sum(), ((3, 4), (4,)), {}),
    ("mm_bmm_outer", lambda m, a, b: m.bmm(a, a.transpose(1, 2)).sum(0) * m.outer(b, b)[:2, :2], ((2, 2, 3), (4,)), {}),
    (
        "einsum",
        lambda m, a, b: m.einsum("bij,jk->bik", a * a, b) * 2 + m.einsum("ii->i", b[:3, :3] * b[:3, :3]).sum(),
        ((2, 3, 4), (4, 5)),
        {},
    ),
    ("linear", lambda m, x, w, b: m.nn.functional.linear(x, w, b) ** 2, ((2, 3, 4), (5, 4), (5,)), {}),
    # dtype and activations
    ("cast", lambda m, a: (a.float() * a.float()).double() * a, ((5,),), {}),
    (
        "relu_family",
        lambda m, a: (m.relu(a) + m.nn.functional.leaky_relu(a, 0.2) + m.nn.functional.relu6(a)) * a,
        ((8,),),
        {},
    ),
    (
        "elu_selu",
        lambda m, a: (m.nn.functional.elu(a) + m.nn.functional.selu(a)) * a,
        ((8,),),
        {},
    ),
    # PyTorch's CELU double backward is 2e-8 away from the closed form e^(x/a) (2 + x/a) (checked by
    # hand); shendu's matches it to 1e-16.
    ("celu", lambda m, a: m.nn.functional.celu(a, 0.7) * a, ((8,),), {"atol": 1e-7}),
    (
        "hard_family",
        lambda m, a: (m.nn.functional.hardtanh(a) + m.nn.functional.hardswish(a)) * a,
        ((8,),),
        {"transform": lambda v: v * 2.5},
    ),
    (
        "smooth_family",
        lambda m, a: (
            m.nn.functional.gelu(a)
            + m.nn.functional.gelu(a, approximate="tanh")
            + m.nn.functional.silu(a)
            + m.nn.functional.mish(a)
        ),
        ((8,),),
        {},
    ),
    (
        "softplus_family",
        lambda m, a: (
            m.nn.functional.softplus(a)
            + m.nn.functional.softplus(a, 2.0, 1.0)
            + m.nn.functional.logsigmoid(a)
            + m.nn.functional.softsign(a)
            + m.nn.functional.tanhshrink(a)
        ),
        ((8,),),
        {},
    ),
    ("softmax", lambda m, a: m.softmax(a, 1) * a + m.log_softmax(a, 0) * a, ((3, 4),), {}),
    (
        "dropout_eval_and_zero",
        lambda m, a: m.nn.functional.dropout(a * a, 0.0) + m.nn.functional.dropout(a, 0.5, training=False) * a,
        ((6,),),
        {},
    ),
    ("embedding", lambda m, w: m.nn.functional.embedding(m.tensor([[0, 2], [2, 1]]), w * w) ** 2, ((3, 4),), {}),
    # losses
    (
        "mse_l1",
        lambda m, x, t: m.nn.functional.mse_loss(x * x, t) + m.nn.functional.l1_loss(x * x, t, reduction="sum"),
        ((3, 4), (3, 4)),
        {},
    ),
    (
        "smooth_l1_huber",
        lambda m, x, t: (
            m.nn.functional.smooth_l1_loss(x * 2, t, beta=0.5)
            + m.nn.functional.huber_loss(x * 2, t, reduction="none").sum()
        ),
        ((3, 4), (3, 4)),
        {},
    ),
    ("cross_entropy", lambda m, x: m.nn.functional.cross_entropy(x * x, m.tensor([1, 0, 3])), ((3, 4),), {}),
    (
        "cross_entropy_options",
        lambda m, x, w: m.nn.functional.cross_entropy(
            x * w,
            m.tensor([1, 0, 3]),
            weight=m.tensor([0.5, 1.0, 2.0, 1.5], dtype=x.dtype),
            label_smoothing=0.2,
            ignore_index=0,
        ),
        ((3, 4), (4,)),
        {},
    ),
    ("cross_entropy_probs", lambda m, x, t: m.nn.functional.cross_entropy(x * x, t.softmax(1)), ((3, 4), (3, 4)), {}),
    (
        "nll",
        lambda m, x: m.nn.functional.nll_loss(m.log_softmax(x * x, 1), m.tensor([1, 0, 3]), reduction="sum"),
        ((3, 4),),
        {},
    ),
    ("bce", lambda m, x, t: m.nn.functional.binary_cross_entropy((x * x).sigmoid(), t.sigmoid()), ((3, 4), (3, 4)), {}),
    (
        "bce_logits",
        lambda m, x, t, p: m.nn.functional.binary_cross_entropy_with_logits(
            x * x, t.sigmoid() * p, pos_weight=m.tensor([0.5, 1.0, 2.0, 1.5], dtype=x.dtype)
        ),
        ((3, 4), (3, 4), (4,)),
        {},
    ),
    (
        "bce_weighted",
        lambda m, x, t, w: m.nn.functional.binary_cross_entropy_with_logits(
            x * w, t.sigmoid(), weight=m.ones(3, 4, dtype=x.dtype) * 0.7
        ),
        ((3, 4), (3, 4), (3, 4)),
        {},
    ),
    (
        "kl_div",
        lambda m, x, t: (
            m.nn.functional.kl_div(m.log_softmax(x, 1), t.softmax(1), reduction="batchmean")
            + m.nn.functional.kl_div(x, t, log_target=True, reduction="sum")
        ),
        ((3, 4), (3, 4)),
        {},
    ),
    # convolution and pooling
    (
        "conv2d",
        lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, stride=2, padding=1) ** 2,
        ((2, 2, 5, 5), (3, 2, 3, 3), (3,)),
        {},
    ),
    (
        "conv2d_groups_dilation",
        lambda m, x, w: m.nn.functional.conv2d(x * x, w, padding="same", dilation=2, groups=2) * 2,
        ((1, 4, 6, 6), (4, 2, 2, 3)),
        {},
    ),
    ("conv1d", lambda m, x, w: m.nn.functional.conv1d(x, w, padding=1) ** 2, ((2, 3, 7), (4, 3, 3)), {}),
    (
        "conv_transpose2d",
        lambda m, x, w, b: m.nn.functional.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1) ** 2,
        ((2, 3, 3, 3), (3, 2, 3, 3), (2,)),
        {},
    ),
    (
        "max_pool2d",
        lambda m, x: m.nn.functional.max_pool2d(x * x, 2) * m.nn.functional.max_pool2d(x, 3, 2, 1)[..., :2, :2],
        ((2, 2, 5, 4),),
        {},
    ),
    ("max_pool1d", lambda m, x: m.nn.functional.max_pool1d(x * x, 3, 2, ceil_mode=True) ** 2, ((2, 2, 8),), {}),
    (
        "avg_pool2d",
        lambda m, x: (
            m.nn.functional.avg_pool2d(x * x, 3, 2, 1) ** 2 + m.nn.functional.avg_pool1d(x.flatten(2), 4).sum()
        ),
        ((2, 2, 5, 5),),
        {},
    ),
    (
        "adaptive_pools",
        lambda m, x: (
            m.nn.functional.adaptive_avg_pool2d(x * x, (2, 3)) ** 2 + m.nn.functional.adaptive_max_pool2d(x**3, 2).sum()
        ),
        ((2, 2, 5, 7),),
        {},
    ),
    ("interpolate_nearest", lambda m, x: m.nn.functional.interpolate(x * x, scale_factor=2) ** 2, ((1, 2, 3, 3),), {}),
    # normalization
    (
        "batch_norm_train",
        lambda m, x, w, b: m.nn.functional.batch_norm(x * x, None, None, w, b, training=True) ** 2,
        ((4, 3, 5), (3,), (3,)),
        {},
    ),
    (
        "batch_norm_eval",
        lambda m, x, w: (
            m.nn.functional.batch_norm(x * x, m.full((3,), 0.5, dtype=x.dtype), m.full((3,), 2.0, dtype=x.dtype), w)
            ** 2
        ),
        ((4, 3, 2, 2), (3,)),
        {},
    ),
    ("layer_norm", lambda m, x, w, b: m.nn.functional.layer_norm(x * x, (4,), w, b) ** 2, ((3, 4), (4,), (4,)), {}),
    ("group_norm", lambda m, x, w, b: m.nn.functional.group_norm(x * x, 2, w, b) ** 2, ((2, 4, 3), (4,), (4,)), {}),
    ("instance_norm", lambda m, x: m.nn.functional.instance_norm(x * x) ** 2, ((2, 3, 5),), {}),
    # padding, resampling and attention
    (
        "pad_modes",
        lambda m, x: (
            sum(m.nn.functional.pad(x * x, (1, 2, 2, 1), mode=k).sum() for k in ("reflect", "replicate", "circular"))
            + m.nn.functional.pad(x, (1, 1)).pow(2).sum()
        ),
        ((1, 2, 3, 4),),
        {},
    ),
    (
        "pixel_shuffle",
        lambda m, x: m.nn.functional.pixel_unshuffle(m.nn.functional.pixel_shuffle(x * x, 2) ** 2, 2) * x,
        ((1, 4, 2, 3),),
        {},
    ),
    (
        "interpolate_bilinear",
        lambda m, x: m.nn.functional.interpolate(x * x, scale_factor=2, mode="bilinear", align_corners=False) ** 2,
        ((1, 2, 3, 3),),
        {},
    ),
    (
        "sdpa",
        lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(q * q, k, v, is_causal=True) ** 2,
        ((2, 3, 4), (2, 3, 4), (2, 3, 4)),
        {},
    ),
]


def _overwrite_program(a: Any, b: Any) -> Any:
    y = a * a
    y[0].fill_(0.5)
    z = y * 1
    z[:, 1:3].copy_(b[1:3] * b[1:3])  # the source broadcasts over the rows
    return z * a


def _setitem_program(a: Any) -> Any:
    y = a * a
    y[0] = a[1] ** 3
    y[:, 1] *= 2
    return y


@pytest.mark.parametrize(("name", "fn", "inputs", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_second_derivative_matches_torch(name: str, fn: Any, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    check_grad_grad(fn, *inputs, **kwargs)


# Finite differences through a float32 intermediate are too coarse for a gradgradcheck; the torch
# comparison above covers the cast.
FINITE_DIFFERENCE_CASES = [c for c in CASES if c[0] != "cast"]


@pytest.mark.parametrize(
    ("name", "fn", "inputs", "kwargs"), FINITE_DIFFERENCE_CASES, ids=[c[0] for c in FINITE_DIFFERENCE_CASES]
)
def test_gradgradcheck(name: str, fn: Any, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    arrays = make_inputs(inputs, np.dtype("float64"), 0, None, None, kwargs.get("transform"))
    tensors = [shendu.from_numpy(a).requires_grad_() for a in arrays]
    assert shendu.autograd.gradgradcheck(lambda *xs: fn(shendu, *xs), tensors, atol=1e-5, rtol=1e-3)
    COUNTS["float64 gradgradchecks"] += 1


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.norm(dim=1),
        lambda m, x: m.nn.functional.normalize(x, dim=1),
        lambda m, x: x.std(1),
        lambda m, x: x.std(1, correction=0) * x.norm(),
    ],
    ids=["norm", "normalize", "std", "std_times_norm"],
)
def test_gradients_at_a_zero_norm_or_std_stay_finite_under_create_graph(fn: Any) -> None:
    # Row 0 is the zero vector, where the norm and the std have no derivative: PyTorch's first
    # gradient is 0 there (a 1e12 slope for normalize's clamp) and so is shendu's, with or without
    # create_graph; PyTorch's second derivative is nan there, shendu's stays 0.
    values = np.array([[0.0, 0.0, 0.0], [3.0, 4.0, 1.0]])
    firsts = []
    for m in (torch, shendu):
        x = (torch.from_numpy(values.copy()) if m is torch else shendu.from_numpy(values.copy())).requires_grad_()
        (g,) = m.autograd.grad(fn(m, x).sum(), x, create_graph=True)
        firsts.append(g.detach().numpy())
        if m is shendu:
            (second,) = shendu.autograd.grad((g * g).sum(), x)
            assert np.isfinite(second.numpy()).all()
    np.testing.assert_allclose(firsts[1], firsts[0], rtol=1e-12)
