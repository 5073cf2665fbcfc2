"""Attention: scaled dot-product attention and the multi-head attention of ``nn.MultiheadAttention``.

Both are compositions of batched matrix products, a softmax and dropout, so their gradients come
from those ops. Only the softmax of ``scaled_dot_product_attention`` is its own op: a row whose
scores are all ``-inf`` (a query that may attend to nothing) gives zero weights and a zero gradient
there, as PyTorch's kernels do, where a plain softmax would give NaN.

``multi_head_attention_forward`` follows PyTorch's computation step for step (the projections,
the ``(L, N·H, head_dim)`` layout, the way masks merge, and the two paths: with ``need_weights``
the weights are computed explicitly and a fully masked row gives NaN, as in PyTorch; without, it
runs ``scaled_dot_product_attention``), so a model ported from PyTorch gives the same numbers.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from .. import _dtype
from .._checks import check_tensor
from ..autograd.function import Function
from ..backend import get_array_module
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from ._common import broadcast_shape
from .activation import softmax
from .creation import full, zeros
from .dropout import dropout
from .linalg import linear, matmul
from .padding import pad
from .selection import where
from .shape import cat

__all__ = ["multi_head_attention_forward", "scaled_dot_product_attention"]


class SafeSoftmax(Function):
    """Softmax over the last dim, with all-``-inf`` rows giving zeros instead of NaN."""

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        if x.shape[-1] == 0:
            out = x.copy()
            self.save_for_backward(out)
            return out
        top = x.max(axis=-1, keepdims=True)
        # A row of only -inf keeps exp(-inf) = 0 everywhere once its maximum is taken as 0.
        top = xp.where(xp.isneginf(top), 0, top)
        e = xp.exp(x - top)
        total = e.sum(axis=-1, keepdims=True)
        out = e / xp.where(total == 0, 1, total)
        self.save_for_backward(out)
        return out

    def backward(self, grad: Any) -> tuple[Any]:
        (y,) = self.saved
        return (y * (grad - (grad * y).sum(axis=-1, keepdims=True)),)

    def backward_graph(self, grad: Tensor) -> tuple[Tensor]:
        (y,) = self.saved_tensors()
        return (y * (grad - (grad * y).sum(-1, keepdim=True)),)


def _check_qkv(op: str, query: Any, key: Any, value: Any) -> None:
    for name, t in (("query", query), ("key", key), ("value", value)):
        check_tensor(op, t, name=name)
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise ShapeError(
            f"{op}: expected query, key and value of at least 2 dims (..., L, E), got shapes "
            f"{tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}"
        )
    if not query.dtype == key.dtype == value.dtype:
        raise DtypeError(
            f"{op}: expected query, key and value of one dtype, got {query.dtype}, {key.dtype} and {value.dtype}"
        )
    if not query.dtype.is_floating_point:
        raise DtypeError(f"{op}: expected floating-point query, key and value, got dtype {query.dtype}")


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``softmax(query @ key.T · scale + mask) @ value``: every query position averages the values,
    weighted by how well it matches each key.

    Args:
        query: ``(..., L, E)``.
        key: ``(..., S, E)``.
        value: ``(..., S, Ev)``.
        attn_mask: a bool mask, True where a query may attend to a key (the opposite of
            ``nn.MultiheadAttention``'s masks), or a float mask added to the scores; it
            broadcasts to ``(..., L, S)``. Default: None.
        dropout_p: the dropout probability of the attention weights; it applies whenever it is
            above 0, so pass 0 in evaluation. Default: 0.0.
        is_causal: let query ``i`` attend to keys ``0..i`` only (the mask is aligned to the top
            left when ``L != S``); then ``attn_mask`` must be None. Default: False.
        scale: the factor of the scores. Default: None, meaning ``1 / sqrt(E)``.
        enable_gqa: grouped-query attention: key and value have fewer heads (dim -3) than the
            query, each shared by ``query heads / key heads`` query heads. Default: False.

    A query whose every key is masked gets zero weights, so its output is zero.

    Shape:
        Output: ``(..., L, Ev)``, the batch dims broadcast from the inputs'.

    Example:
        >>> q, k, v = shendu.randn(2, 8, 5, 16), shendu.randn(2, 8, 7, 16), shendu.randn(2, 8, 7, 32)
        >>> F.scaled_dot_product_attention(q, k, v).shape
        shendu.Size([2, 8, 5, 32])
        >>> F.scaled_dot_product_attention(q, k, v, is_causal=True)[0, 0, 0].allclose(v[0, 0, 0])
        True
    """
    op = "scaled_dot_product_attention"
    _check_qkv(op, query, key, value)
    length, embed = query.shape[-2], query.shape[-1]
    source = key.shape[-2]
    if key.shape[-1] != embed:
        raise ShapeError(
            f"{op}: query and key must have the same embedding size (dim -1), got query {tuple(query.shape)} "
            f"and key {tuple(key.shape)}"
        )
    if value.shape[-2] != source:
        raise ShapeError(
            f"{op}: key and value must have the same sequence length (dim -2), got key {tuple(key.shape)} "
            f"and value {tuple(value.shape)}"
        )
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{op}: dropout_p must be a probability between 0 and 1, got {dropout_p!r}")
    if enable_gqa:
        key, value = _share_heads(op, query, key, value)
    broadcast_shape(op, tuple(query.shape[:-2]), tuple(key.shape[:-2]), tuple(value.shape[:-2]))
    factor = 1.0 / math.sqrt(embed) if scale is None else float(scale)
    scores = matmul(query, key.transpose(-2, -1)) * factor
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{op}: give either attn_mask or is_causal=True, not both")
        scores = scores + full((length, source), -math.inf, dtype=query.dtype, device=query.device).triu(1)
    if attn_mask is not None:
        scores = scores + _mask_bias(op, attn_mask, query, (*scores.shape[:-2], length, source))
    weights = SafeSoftmax.apply(scores)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return matmul(weights, value)


def _share_heads(op: str, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
    """Key and value repeated along the heads dim (-3) to the query's count, for grouped-query attention."""
    if min(query.ndim, key.ndim, value.ndim) < 3:
        raise ShapeError(
            f"{op}: enable_gqa needs a heads dim (-3) in query, key and value, got shapes {tuple(query.shape)}, "
            f"{tuple(key.shape)} and {tuple(value.shape)}"
        )
    heads = query.shape[-3]
    shared = []
    for name, t in (("key", key), ("value", value)):
        if heads % t.shape[-3]:
            raise ShapeError(
                f"{op}: with enable_gqa the {name} heads ({t.shape[-3]}) must divide the query heads ({heads})"
            )
        shared.append(t.repeat_interleave(heads // t.shape[-3], dim=-3))
    return shared[0], shared[1]


def _mask_bias(op: str, mask: Any, query: Tensor, scores_shape: tuple[int, ...]) -> Tensor:
    """The additive bias of an attention mask: 0 where True and -inf where False, or the float mask itself."""
    check_tensor(op, mask, name="attn_mask", optional=True)
    if mask.dtype != _dtype.bool and mask.dtype != _dtype.float32 and mask.dtype != query.dtype:
        raise DtypeError(
            f"{op}: attn_mask must be bool, float32 or the query's dtype ({query.dtype}), got {mask.dtype}"
        )
    try:
        fits = broadcast_shape(op, tuple(mask.shape), scores_shape) == scores_shape
    except ShapeError:
        fits = False
    if not fits:
        raise ShapeError(
            f"{op}: attn_mask of shape {tuple(mask.shape)} does not broadcast to the attention scores' shape "
            f"{scores_shape} (..., L, S)"
        )
    if mask.dtype == _dtype.bool:
        return zeros(mask.shape, dtype=query.dtype, device=query.device).masked_fill(~mask, -math.inf)
    return mask


# ------------------------------------------------------------------------------ multi-head attention


def canonical_mask(
    prefix: str, mask: Any, name: str, dtype: Any, other: Any = None, other_name: str = ""
) -> Tensor | None:
    """A bool mask (True = masked) as the float mask PyTorch turns it into: -inf where True, 0 elsewhere.

    Warns, as PyTorch does, when ``mask`` and the mask it merges with (``other``) differ in dtype.
    ``prefix`` starts error messages: the op's name, or a module's path and class.
    """
    if mask is None:
        return None
    check_tensor(prefix[:-2], mask, name=name, optional=True)
    if mask.dtype != _dtype.bool and not mask.dtype.is_floating_point:
        raise DtypeError(f"{prefix}{name} must be a bool or floating-point mask, got dtype {mask.dtype}")
    if isinstance(other, Tensor) and other.dtype != mask.dtype:
        warnings.warn(
            f"Support for mismatched {name} and {other_name} is deprecated. Use same type for both instead.",
            UserWarning,
            stacklevel=3,
        )
    if mask.dtype == _dtype.bool:
        # A where over 0-d values rather than a masked fill of new zeros: a tensor made to the mask's shape
        # would be a constant to the ONNX exporter, fixed at the example's batch and sequence length.
        blocked = full((), -math.inf, dtype=dtype, device=mask.device)
        return where(mask, blocked, zeros((), dtype=dtype, device=mask.device))
    return mask


def _check_shapes(
    op: str, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Any, attn_mask: Any, num_heads: int
) -> bool:
    """Whether the inputs are batched; a ShapeError names any input of the wrong rank."""
    _check_qkv(op, query, key, value)
    if query.ndim not in (2, 3):
        raise ShapeError(
            f"{op}: query must be 2-D (L, E) unbatched or 3-D batched, got a {query.ndim}-D query of shape "
            f"{tuple(query.shape)}"
        )
    batched = query.ndim == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise ShapeError(
            f"{op}: for a {kind} query, key and value must be {query.ndim}-D too, got {key.ndim}-D and {value.ndim}-D"
        )
    if isinstance(key_padding_mask, Tensor) and key_padding_mask.ndim != query.ndim - 1:
        raise ShapeError(
            f"{op}: for a {kind} query, key_padding_mask must be {query.ndim - 1}-D, got a "
            f"{key_padding_mask.ndim}-D mask of shape {tuple(key_padding_mask.shape)}"
        )
    if isinstance(attn_mask, Tensor):
        if attn_mask.ndim not in (2, 3):
            raise ShapeError(
                f"{op}: attn_mask must be 2-D (L, S) or 3-D (N·num_heads, L, S), got a {attn_mask.ndim}-D mask "
                f"of shape {tuple(attn_mask.shape)}"
            )
        expected = (num_heads, query.shape[0], key.shape[0])
        if not batched and attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
            raise ShapeError(
                f"{op}: for an unbatched query, a 3-D attn_mask must have shape {expected}, got "
                f"{tuple(attn_mask.shape)}"
            )
    return batched


def _project(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    separate: tuple[Tensor | None, Tensor | None, Tensor | None] | None,
) -> tuple[Tensor, Tensor, Tensor]:
    """The query, key and value projections: one GEMM for self-attention, two when key is value."""
    if separate is not None:
        biases = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        return tuple(linear(x, w, b) for x, w, b in zip((query, key, value), separate, biases))  # type: ignore[return-value]
    embed = query.shape[-1]
    if key is value and query is key:
        q, k, v = linear(query, in_proj_weight, in_proj_bias).chunk(3, dim=-1)
        return q, k, v
    if key is value:
        w_q, w_kv = in_proj_weight.split([embed, 2 * embed])
        b_q, b_kv = (None, None) if in_proj_bias is None else in_proj_bias.split([embed, 2 * embed])
        k, v = linear(key, w_kv, b_kv).chunk(2, dim=-1)
        return linear(query, w_q, b_q), k, v
    weights = in_proj_weight.chunk(3)
    biases = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
    return tuple(linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases))  # type: ignore[return-value]


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """The computation of ``nn.MultiheadAttention``, on inputs laid out ``(L, N, E)`` (sequence first).

    Args:
        query: ``(L, N, E)``, or ``(L, E)`` unbatched.
        key: ``(S, N, E_k)``, or ``(S, E_k)``.
        value: ``(S, N, E_v)``, or ``(S, E_v)``.
        embed_dim_to_check: ``E``, checked against the query.
        num_heads: the number of heads; ``E`` must be divisible by it.
        in_proj_weight: ``(3E, E)``, the query, key and value projections stacked.
        in_proj_bias: ``(3E,)`` or None.
        bias_k, bias_v: ``(1, 1, E)`` biases appended to the key and value sequences, or None.
        add_zero_attn: append a zero key and value to the sequences.
        dropout_p: the dropout probability of the attention weights (applied when ``training``).
        out_proj_weight: ``(E, E)``; out_proj_bias: ``(E,)`` or None.
        training: apply dropout. Default: True.
        key_padding_mask: ``(N, S)`` (``(S,)`` unbatched); True (or -inf) marks a key to ignore.
            Default: None.
        need_weights: also return the attention weights. Default: True.
        attn_mask: ``(L, S)`` or ``(N·num_heads, L, S)``; True (or -inf) forbids attending.
            Default: None.
        use_separate_proj_weight: project with ``q_proj_weight``, ``k_proj_weight`` and
            ``v_proj_weight`` instead of ``in_proj_weight`` (when key and value sizes differ
            from ``E``). Default: False.
        static_k, static_v: ``(N·num_heads, S, E / num_heads)`` keys and values used as they
            are, instead of projecting ``key`` and ``value``. Default: None.
        average_attn_weights: average the returned weights over the heads. Default: True.
        is_causal: a hint that ``attn_mask`` is the causal mask. Default: False.

    Returns:
        ``(output, weights)``: output ``(L, N, E)``; weights ``(N, L, S)`` (or ``(N, num_heads, L, S)``
        without averaging), or None when ``need_weights`` is False.

    Example:
        >>> mha = nn.MultiheadAttention(8, 2)
        >>> x = shendu.randn(5, 3, 8)
        >>> out, w = F.multi_head_attention_forward(x, x, x, 8, 2, mha.in_proj_weight, mha.in_proj_bias,
        ...     None, None, False, 0.0, mha.out_proj.weight, mha.out_proj.bias)
        >>> out.shape, w.shape
        (shendu.Size([5, 3, 8]), shendu.Size([3, 5, 5]))
    """
    op = "multi_head_attention_forward"
    batched = _check_shapes(op, query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    length, batch, embed = query.shape
    key_padding_mask = canonical_mask(
        f"{op}: ", key_padding_mask, "key_padding_mask", query.dtype, attn_mask, "attn_mask"
    )
    if is_causal and attn_mask is None:
        raise ValueError(
            f"{op}: is_causal=True is a hint that needs the causal mask as attn_mask; make it with "
            "nn.Transformer.generate_square_subsequent_mask(L)"
        )
    if is_causal and key_padding_mask is None and not need_weights:
        # scaled_dot_product_attention makes the causal mask itself.
        attn_mask = None
    else:
        attn_mask = canonical_mask(f"{op}: ", attn_mask, "attn_mask", query.dtype)
        if key_padding_mask is not None:
            is_causal = False
    if embed != embed_dim_to_check:
        raise ShapeError(f"{op}: expected embedding size {embed_dim_to_check}, got a query of shape {query.shape}")
    head_dim = embed // num_heads
    if head_dim * num_heads != embed:
        raise ShapeError(f"{op}: embed_dim {embed} is not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise ShapeError(
                f"{op}: key's sequence and batch dims {tuple(key.shape[:2])} differ from value's "
                f"{tuple(value.shape[:2])}"
            )
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise ValueError(
                f"{op}: use_separate_proj_weight=True needs q_proj_weight, k_proj_weight and v_proj_weight"
            )
        q, k, v = _project(query, key, value, None, in_proj_bias, (q_proj_weight, k_proj_weight, v_proj_weight))
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise ShapeError(f"{op}: key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")
        if in_proj_weight is None:
            raise ValueError(f"{op}: in_proj_weight is None but use_separate_proj_weight is False")
        q, k, v = _project(query, key, value, in_proj_weight, in_proj_bias, None)
    source = key.shape[0]
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (length, source):
                raise ShapeError(
                    f"{op}: the 2-D attn_mask has shape {tuple(attn_mask.shape)}, but should be {(length, source)}"
                )
            attn_mask = attn_mask.unsqueeze(0)
        elif tuple(attn_mask.shape) != (batch * num_heads, length, source):
            raise ShapeError(
                f"{op}: the 3-D attn_mask has shape {tuple(attn_mask.shape)}, but should be "
                f"{(batch * num_heads, length, source)}"
            )
    if (bias_k is None) != (bias_v is None):
        raise ValueError(f"{op}: give both bias_k and bias_v, or neither")
    if bias_k is not None:
        if static_k is not None or static_v is not None:
            raise ValueError(f"{op}: bias_k and bias_v cannot be added to static_k and static_v")
        k = cat([k, bias_k.repeat(1, batch, 1)])
        v = cat([v, bias_v.repeat(1, batch, 1)])
        attn_mask = None if attn_mask is None else pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else pad(key_padding_mask, (0, 1))
    q = q.reshape(length, batch * num_heads, head_dim).transpose(0, 1)
    k = _heads(op, "static_k", k, static_k, batch * num_heads, head_dim)
    v = _heads(op, "static_v", v, static_v, batch * num_heads, head_dim)
    if add_zero_attn:
        k = cat([k, zeros((batch * num_heads, 1, head_dim), dtype=k.dtype, device=k.device)], dim=1)
        v = cat([v, zeros((batch * num_heads, 1, head_dim), dtype=v.dtype, device=v.device)], dim=1)
        attn_mask = None if attn_mask is None else pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else pad(key_padding_mask, (0, 1))
    source = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (batch, source):
            raise ShapeError(
                f"{op}: key_padding_mask must have shape (N, S) = {(batch, source)}, got "
                f"{tuple(key_padding_mask.shape)}"
            )
        padding = key_padding_mask.reshape(batch, 1, 1, source).expand(-1, num_heads, -1, -1)
        padding = padding.reshape(batch * num_heads, 1, source)
        attn_mask = padding if attn_mask is None else attn_mask + padding
    if not training:
        dropout_p = 0.0
    if need_weights:
        scores = matmul(q * math.sqrt(1.0 / float(head_dim)), k.transpose(-2, -1))
        if attn_mask is not None:
            scores = attn_mask + scores
        weights = softmax(scores, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = matmul(weights, v).transpose(0, 1).reshape(length * batch, embed)
        out = linear(out, out_proj_weight, out_proj_bias).reshape(length, batch, -1)
        weights = weights.reshape(batch, num_heads, length, source)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        attn_mask = (
            attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else attn_mask.reshape(batch, num_heads, -1, source)
        )
    q = q.reshape(batch, num_heads, length, head_dim)
    k = k.reshape(batch, num_heads, source, head_dim)
    v = v.reshape(batch, num_heads, source, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(batch * length, embed)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(length, batch, -1)
    return (out if batched else out.squeeze(1)), None


def _heads(op: str, name: str, x: Tensor, static: Tensor | None, rows: int, head_dim: int) -> Tensor:
    """``(S, N, E)`` as ``(N·num_heads, S, head_dim)``, or the given static keys or values."""
    if static is None:
        return x.reshape(x.shape[0], rows, head_dim).transpose(0, 1)
    if static.ndim != 3 or static.shape[0] != rows or static.shape[2] != head_dim:
        raise ShapeError(
            f"{op}: {name} must have shape (N·num_heads, S, head_dim) = ({rows}, S, {head_dim}), got "
            f"{tuple(static.shape)}"
        )
    return static
