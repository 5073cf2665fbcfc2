from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import shendu
import shendu.nn.functional as F
from tests.helpers import Fixed, check, grad_check

RNG = np.random.default_rng(7)
BOOL_MASK = RNG.standard_normal((4, 6)) > -0.5
BOOL_MASK[:, 0] = True  # every query keeps a key
FLOAT_MASK = RNG.standard_normal((3, 4, 6))


def sdpa(m: Any, *args: Any, **kwargs: Any) -> Any:
    return (TF if m is torch else F).scaled_dot_product_attention(*args, **kwargs)


QKV = ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7))


@pytest.mark.parametrize(
    ("shapes", "kwargs"),
    [
        (QKV, {}),
        (QKV, {"is_causal": True}),
        (QKV, {"scale": 0.3}),
        (((4, 4, 8), (4, 4, 8), (4, 4, 8)), {"is_causal": True}),  # square causal, 3-D inputs
        (((5, 3), (7, 3), (7, 2)), {}),  # 2-D inputs
        (((2, 1, 4, 5), (1, 3, 6, 5), (2, 3, 6, 7)), {}),  # broadcast batch dims
        (((2, 4, 3, 5), (2, 2, 6, 5), (2, 2, 6, 7)), {"enable_gqa": True}),
        (((1, 6, 2, 4), (1, 1, 5, 4), (1, 1, 5, 4)), {"enable_gqa": True, "is_causal": True}),
    ],
)
def test_matches_torch(shapes: tuple, kwargs: dict) -> None:
    check(lambda m, q, k, v: sdpa(m, q, k, v, **kwargs), *shapes)


def test_masks() -> None:
    check(lambda m, q, k, v, mask: sdpa(m, q, k, v, attn_mask=mask), *QKV, BOOL_MASK)
    check(lambda m, q, k, v: sdpa(m, q, k, v, attn_mask=m.tensor(FLOAT_MASK, dtype=q.dtype)), *QKV)
    # A float mask takes gradients, as a learned attention bias does.
    check(lambda m, q, k, v, mask: sdpa(m, q, k, v, attn_mask=mask), *QKV, (2, 1, 4, 6))
    # A float32 mask joins float64 inputs.
    check(lambda m, q, k, v, mask: sdpa(m, q, k, v, attn_mask=mask), *QKV, Fixed(FLOAT_MASK.astype(np.float32)))
    keys = np.array([[True] * 6, [True] * 4 + [False] * 2])[:, None, None, :]  # per-sample key padding
    check(lambda m, q, k, v, mask: sdpa(m, q, k, v, attn_mask=mask, scale=0.5), *QKV, keys)


def test_fully_masked_queries_get_zero_output_and_gradient() -> None:
    mask = BOOL_MASK.copy()
    mask[1] = False
    check(lambda m, q, k, v, mask: sdpa(m, q, k, v, attn_mask=mask), *QKV, mask)
    float_mask = np.zeros((4, 6))
    float_mask[2] = -np.inf
    check(lambda m, q, k, v: sdpa(m, q, k, v, attn_mask=m.tensor(float_mask, dtype=q.dtype)), *QKV)
    # No keys at all: the output is zero.
    check(lambda m, q, k, v: sdpa(m, q, k, v), (2, 4, 5), (2, 0, 5), (2, 0, 3))


def test_noncontiguous_inputs() -> None:
    check(lambda m, q, k, v: sdpa(m, q, k, v, is_causal=True), (2, 5, 4), (2, 5, 4), (2, 5, 4), noncontiguous=True)


def test_gradcheck() -> None:
    grad_check(lambda m, q, k, v: F.scaled_dot_product_attention(q, k, v), *QKV)
    grad_check(lambda m, q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.7), *QKV)
    mask = shendu.tensor(BOOL_MASK)
    grad_check(lambda m, q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask), *QKV)
    grad_check(lambda m, q, k, v, b: F.scaled_dot_product_attention(q, k, v, attn_mask=b), *QKV, (4, 6))


def test_dropout() -> None:
    q, k, v = (shendu.randn(*s) for s in QKV)
    shendu.manual_seed(3)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    shendu.manual_seed(3)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    assert a.equal(b)  # the same seed drops the same weights
    assert not a.allclose(F.scaled_dot_product_attention(q, k, v))
    assert not F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).any()
    # Over many draws, dropout keeps the expected output: weights are rescaled by 1 / (1 - p).
    ones = shendu.ones(1, 1, 200, 1)
    values = shendu.randn(1, 1, 200, 3)
    mean = F.scaled_dot_product_attention(ones, ones, values, dropout_p=0.3).mean(dim=2)
    assert mean.allclose(values.mean(dim=2), atol=0.06)


def test_errors() -> None:
    q, k, v = (shendu.zeros(*s) for s in QKV)
    op = "scaled_dot_product_attention"
    with pytest.raises(shendu.ShapeError, match=rf"{op}: expected query, key and value of at least 2 dims"):
        F.scaled_dot_product_attention(shendu.zeros(5), k, v)
    with pytest.raises(shendu.DtypeError, match=rf"{op}: expected query, key and value of one dtype, got "):
        F.scaled_dot_product_attention(q, k, v.double())
    with pytest.raises(shendu.DtypeError, match=rf"{op}: expected floating-point query, key and value, got dtype"):
        F.scaled_dot_product_attention(q.long(), k.long(), v.long())
    with pytest.raises(shendu.ShapeError, match=rf"{op}: query and key must have the same embedding size \(dim -1\)"):
        F.scaled_dot_product_attention(q, k[..., :4], v)
    with pytest.raises(shendu.ShapeError, match=rf"{op}: key and value must have the same sequence length \(dim -2\)"):
        F.scaled_dot_product_attention(q, k, v[:, :, :5])
    with pytest.raises(ValueError, match=rf"{op}: give either attn_mask or is_causal=True, not both"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=shendu.tensor(BOOL_MASK), is_causal=True)
    with pytest.raises(shendu.DtypeError, match=rf"{op}: attn_mask must be bool, float32 or the query's dtype"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=shendu.zeros(4, 6, dtype=shendu.int64))
    with pytest.raises(shendu.ShapeError, match=rf"{op}: attn_mask of shape \(3, 6\) does not broadcast to the"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=shendu.zeros(3, 6))
    with pytest.raises(shendu.ShapeError, match=rf"{op}: attn_mask of shape \(7, 2, 3, 4, 6\) does not broadcast"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=shendu.zeros(7, 2, 3, 4, 6))
    with pytest.raises(ValueError, match=rf"{op}: dropout_p must be a probability between 0 and 1, got 1.5"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.5)
    with pytest.raises(shendu.ShapeError, match=rf"{op}: with enable_gqa the key heads \(2\) must divide"):
        F.scaled_dot_product_attention(
            shendu.zeros(1, 3, 4, 5), shendu.zeros(1, 2, 6, 5), shendu.zeros(1, 2, 6, 5), enable_gqa=True
        )
    with pytest.raises(shendu.ShapeError, match=rf"{op}: shapes \(2, 3\) and \(2, 4\) .* cannot be broadcast"):
        F.scaled_dot_product_attention(q, shendu.zeros(2, 4, 6, 5), shendu.zeros(2, 4, 6, 7))
    with pytest.raises(TypeError, match=rf"{op}: expected key to be a Tensor, got list"):
        F.scaled_dot_product_attention(q, [1.0], v)
    for call in (
        lambda: TF.scaled_dot_product_attention(torch.zeros(*QKV[0]), torch.zeros(*QKV[1]), torch.zeros(2, 3, 5, 7)),
        lambda: TF.scaled_dot_product_attention(
            torch.zeros(*QKV[0]), torch.zeros(*QKV[1]), torch.zeros(*QKV[2]), attn_mask=torch.zeros(3, 6)
        ),
    ):
        with pytest.raises(RuntimeError):
            call()


def test_the_default_scale_is_one_over_sqrt_of_the_embedding() -> None:
    q, k, v = (shendu.randn(*s, dtype=shendu.float64) for s in QKV)
    explicit = F.scaled_dot_product_attention(q, k, v, scale=1 / math.sqrt(5))
    assert F.scaled_dot_product_attention(q, k, v).allclose(explicit)


def mha_forward(m: Any, *args: Any, **kwargs: Any) -> Any:
    return (TF if m is torch else F).multi_head_attention_forward(*args, **kwargs)


def test_multi_head_attention_forward() -> None:
    """The functional form with its weights as inputs: gradients reach every one of them."""

    def packed(m: Any, q: Any, k: Any, w_in: Any, b_in: Any, w_out: Any, b_out: Any) -> Any:
        return mha_forward(m, q, k, k, 6, 3, w_in, b_in, None, None, False, 0.0, w_out, b_out)

    # The key bias's gradient is zero in exact arithmetic (a softmax ignores a constant added to a row);
    # float32 leaves rounding noise of about 1e-6 there, beside entries of about 40.
    check(packed, (4, 2, 6), (5, 2, 6), (18, 6), (18,), (6, 6), (6,), atol={"float32": 2e-5})

    def separate(m: Any, q: Any, k: Any, v: Any, wq: Any, wk: Any, wv: Any, b: Any, w_out: Any, bias_k: Any) -> Any:
        return mha_forward(
            m, q, k, v, 4, 2, None, b, bias_k, bias_k * 2, True, 0.0, w_out, None,
            use_separate_proj_weight=True, q_proj_weight=wq, k_proj_weight=wk, v_proj_weight=wv,
            average_attn_weights=False,
        )  # fmt: skip

    check(separate, (3, 2, 4), (5, 2, 3), (5, 2, 7), (4, 4), (4, 3), (4, 7), (12,), (4, 4), (1, 1, 4))

    def static(m: Any, q: Any, w_in: Any, w_out: Any, sk: Any, sv: Any) -> Any:
        return mha_forward(
            m, q, q, q, 4, 2, w_in, None, None, None, False, 0.0, w_out, None, static_k=sk, static_v=sv,
            need_weights=False,
        )  # fmt: skip

    check(static, (3, 2, 4), (12, 4), (4, 4), (4, 6, 2), (4, 6, 2))


def test_multi_head_attention_forward_errors() -> None:
    q, w = shendu.zeros(3, 2, 4), shendu.zeros(12, 4)
    op = "multi_head_attention_forward"
    with pytest.raises(shendu.ShapeError, match=rf"{op}: embed_dim 4 is not divisible by num_heads 3"):
        F.multi_head_attention_forward(q, q, q, 4, 3, w, None, None, None, False, 0.0, shendu.zeros(4, 4), None)
    with pytest.raises(ValueError, match=rf"{op}: give both bias_k and bias_v, or neither"):
        F.multi_head_attention_forward(q, q, q, 4, 2, w, None, shendu.zeros(1, 1, 4), None, False, 0.0, w[:4], None)
    with pytest.raises(shendu.ShapeError, match=rf"{op}: static_k must have shape \(N·num_heads, S, head_dim\)"):
        F.multi_head_attention_forward(
            q, q, q, 4, 2, w, None, None, None, False, 0.0, w[:4], None, static_k=shendu.zeros(3, 3, 2)
        )
    with pytest.raises(ValueError, match=rf"{op}: use_separate_proj_weight=True needs q_proj_weight"):
        F.multi_head_attention_forward(
            q, q, q, 4, 2, None, None, None, None, False, 0.0, w[:4], None, use_separate_proj_weight=True
        )
    with pytest.raises(shendu.DtypeError, match=rf"{op}: attn_mask must be a bool or floating-point mask"):
        F.multi_head_attention_forward(
            q,
            q,
            q,
            4,
            2,
            w,
            None,
            None,
            None,
            False,
            0.0,
            w[:4],
            None,
            attn_mask=shendu.zeros(3, 3, dtype=shendu.int64),
        )
    with pytest.raises(TypeError, match=rf"{op}: expected key_padding_mask to be a Tensor or None, got list"):
        F.multi_head_attention_forward(
            q, q, q, 4, 2, w, None, None, None, False, 0.0, w[:4], None, key_padding_mask=[1]
        )
