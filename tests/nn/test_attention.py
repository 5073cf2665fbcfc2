from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import shendu
from shendu import nn
from tests.nn.helpers import check_module

RNG = np.random.default_rng(11)
# Key padding for a batch of 2 with 5 keys: the second sequence has 2 padding positions.
PADDING = np.array([[False] * 5, [False, False, False, True, True]])
ATTN = RNG.standard_normal((4, 5)) > 0.6  # True: may not attend
ATTN[:, 0] = False


def tensor(lib: Any, array: np.ndarray | None, dtype: Any = None) -> Any:
    if array is None:
        return None
    t = lib.tensor(array)
    return t if dtype is None or array.dtype == bool else t.to(dtype)


def mha_pair(
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    self_attention: bool = False,
    padding: np.ndarray | None = None,
    attn_mask: np.ndarray | None = None,
    **call: Any,
) -> tuple[Any, Any]:
    """A torch and a shendu module that run MultiheadAttention(*args, **kwargs) with the given masks."""

    def make(lib: Any) -> Any:
        class Attend(lib.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.mha = lib.nn.MultiheadAttention(*args, **kwargs)

            def forward(self, *inputs: Any) -> Any:
                q, k, v = inputs * 3 if self_attention else inputs
                dtype = q.dtype
                out = self.mha(
                    q,
                    k,
                    v,
                    key_padding_mask=tensor(lib, padding, dtype),
                    attn_mask=tensor(lib, attn_mask, dtype),
                    **call,
                )
                return out if out[1] is not None else out[0]

        return Attend

    torch.manual_seed(0)
    return make(torch)(), make(shendu)


SEQ_FIRST = ((4, 2, 8), (5, 2, 8), (5, 2, 8))


@pytest.mark.parametrize(
    ("kwargs", "call"),
    [
        ({}, {}),
        ({}, {"need_weights": False}),
        ({}, {"average_attn_weights": False}),
        ({"bias": False}, {}),
        ({"add_bias_kv": True}, {}),
        ({"add_zero_attn": True}, {}),
        ({"add_bias_kv": True, "add_zero_attn": True}, {"need_weights": False}),
    ],
)
def test_cross_attention(kwargs: dict, call: dict) -> None:
    t, s = mha_pair((8, 2), kwargs, **call)
    check_module(t, s, *SEQ_FIRST)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize(
    "masks",
    [
        {"padding": PADDING},
        {"attn_mask": ATTN},
        {"padding": PADDING, "attn_mask": ATTN},
        {"padding": np.where(PADDING, -1e9, 0.0), "attn_mask": RNG.standard_normal((4, 5))},  # float masks
        {"attn_mask": RNG.standard_normal((2 * 2, 4, 5))},  # one mask per (sample, head)
    ],
)
def test_masks(masks: dict, need_weights: bool) -> None:
    t, s = mha_pair((8, 2), {}, need_weights=need_weights, **masks)
    check_module(t, s, *SEQ_FIRST)


@pytest.mark.parametrize("need_weights", [True, False])
def test_self_attention_batch_first(need_weights: bool) -> None:
    t, s = mha_pair((8, 4), {"batch_first": True}, self_attention=True, need_weights=need_weights, padding=PADDING)
    check_module(t, s, (2, 5, 8))


def test_causal_self_attention() -> None:
    causal = np.triu(np.ones((5, 5), dtype=bool), 1)
    t, s = mha_pair((8, 2), {}, self_attention=True, attn_mask=causal, need_weights=False, is_causal=True)
    check_module(t, s, (5, 3, 8))
    t, s = mha_pair((8, 2), {}, self_attention=True, attn_mask=causal, is_causal=True)
    check_module(t, s, (5, 3, 8))


def test_key_value_sizes_differ() -> None:
    t, s = mha_pair((8, 2), {"kdim": 3, "vdim": 6})
    check_module(t, s, (4, 2, 8), (5, 2, 3), (5, 2, 6))
    t, s = mha_pair((8, 2), {"kdim": 3, "vdim": 6, "batch_first": True, "bias": False}, padding=PADDING)
    check_module(t, s, (2, 4, 8), (2, 5, 3), (2, 5, 6))


def test_unbatched() -> None:
    t, s = mha_pair((8, 2), {}, padding=PADDING[1], attn_mask=ATTN)
    check_module(t, s, (4, 8), (5, 8), (5, 8))
    t, s = mha_pair((8, 2), {"batch_first": True}, self_attention=True, need_weights=False)
    check_module(t, s, (5, 8))


def test_fully_masked_rows_follow_torch() -> None:
    """A sequence that is all padding: NaN with the explicit weights, zeros through scaled_dot_product_attention."""
    all_padding = np.array([[False] * 5, [True] * 5])
    for need_weights in (True, False):
        t, s = mha_pair((8, 2), {}, padding=all_padding, need_weights=need_weights)
        check_module(t, s, *SEQ_FIRST, grad=not need_weights)


def test_parameters_state_dict_and_repr() -> None:
    for kwargs in ({}, {"kdim": 3, "vdim": 5, "add_bias_kv": True}, {"bias": False}):
        t, s = torch.nn.MultiheadAttention(8, 2, **kwargs), nn.MultiheadAttention(8, 2, **kwargs)
        assert [(n, tuple(p.shape)) for n, p in s.named_parameters()] == [
            (n, tuple(p.shape)) for n, p in t.named_parameters()
        ]
        assert list(s.state_dict()) == list(t.state_dict())
        assert repr(s) == repr(t)
        for name in (
            "embed_dim",
            "kdim",
            "vdim",
            "num_heads",
            "head_dim",
            "dropout",
            "batch_first",
            "_qkv_same_embed_dim",
        ):
            assert getattr(s, name) == getattr(t, name), name
    m = nn.MultiheadAttention(8, 2)
    assert not m.in_proj_bias.any() and not m.out_proj.bias.any()
    bound = (6 / (8 + 24)) ** 0.5  # xavier-uniform of the (24, 8) stacked projection
    assert 0.9 * bound < m.in_proj_weight.abs().max().item() <= bound
    assert isinstance(m.out_proj, nn.Linear)


def test_dropout_in_training_only() -> None:
    m = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = shendu.randn(5, 3, 8)
    shendu.manual_seed(1)
    a, wa = m(x, x, x)
    shendu.manual_seed(1)
    b, _ = m(x, x, x)
    assert a.equal(b)
    m.eval()
    c, wc = m(x, x, x)
    assert not a.allclose(c)
    assert wc.sum(-1).allclose(shendu.ones(3, 5))
    assert ((wa == 0) | (wa > 0)).all()


def test_errors() -> None:
    with pytest.raises(
        ValueError, match="MultiheadAttention: embed_dim must be divisible by num_heads, got embed_dim=8"
    ):
        nn.MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match="MultiheadAttention: num_heads must be a positive int, got 0"):
        nn.MultiheadAttention(8, 0)
    with pytest.raises(ValueError, match="MultiheadAttention: dropout must be a probability between 0 and 1"):
        nn.MultiheadAttention(8, 2, dropout=1.5)
    m = nn.MultiheadAttention(8, 2)
    x = shendu.zeros(4, 2, 8)
    with pytest.raises(
        shendu.ShapeError, match=r"MultiheadAttention: multi_head_attention_forward: expected embedding size 8"
    ):
        m(shendu.zeros(4, 2, 6), shendu.zeros(4, 2, 6), shendu.zeros(4, 2, 6))
    with pytest.raises(shendu.ShapeError, match=r"for a batched \(3-D\) query, key and value must be 3-D too, got 2-D"):
        m(x, shendu.zeros(4, 8), x)
    with pytest.raises(shendu.ShapeError, match=r"query must be 2-D \(L, E\) unbatched or 3-D batched, got a 4-D"):
        m(x[None], x[None], x[None])
    with pytest.raises(shendu.ShapeError, match=r"key shape \(4, 2, 8\) does not match value shape \(3, 2, 8\)"):
        m(x, x, shendu.zeros(3, 2, 8))
    with pytest.raises(shendu.ShapeError, match=r"the 2-D attn_mask has shape \(4, 3\), but should be \(4, 4\)"):
        m(x, x, x, attn_mask=shendu.zeros(4, 3))
    with pytest.raises(shendu.ShapeError, match=r"the 3-D attn_mask has shape \(2, 4, 4\), but should be \(4, 4, 4\)"):
        m(x, x, x, attn_mask=shendu.zeros(2, 4, 4))
    with pytest.raises(shendu.ShapeError, match=r"attn_mask must be 2-D \(L, S\) or 3-D"):
        m(x, x, x, attn_mask=shendu.zeros(4))
    with pytest.raises(shendu.ShapeError, match=r"key_padding_mask must have shape \(N, S\) = \(2, 4\), got \(2, 3\)"):
        m(x, x, x, key_padding_mask=shendu.zeros(2, 3, dtype=shendu.bool))
    with pytest.raises(shendu.ShapeError, match=r"for a batched \(3-D\) query, key_padding_mask must be 2-D"):
        m(x, x, x, key_padding_mask=shendu.zeros(4, dtype=shendu.bool))
    with pytest.raises(shendu.DtypeError, match=r"key_padding_mask must be a bool or floating-point mask, got dtype"):
        m(x, x, x, key_padding_mask=shendu.zeros(2, 4, dtype=shendu.int64))
    with pytest.raises(ValueError, match=r"is_causal=True is a hint that needs the causal mask as attn_mask"):
        m(x, x, x, is_causal=True)
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask is deprecated"):
        m(x, x, x, key_padding_mask=shendu.zeros(2, 4, dtype=shendu.bool), attn_mask=shendu.zeros(4, 4))
