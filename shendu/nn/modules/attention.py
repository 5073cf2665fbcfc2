"""MultiheadAttention: several scaled dot-product attentions side by side, with learned projections."""

from __future__ import annotations

from typing import Any

from ...ops.attention import canonical_mask, multi_head_attention_forward
from ...ops.creation import empty
from ...tensor import Tensor
from .. import init
from ..module import Module
from ..parameter import Parameter
from ._utils import check_count, check_input, check_probability, factory_kwargs
from .linear import Linear

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear"]


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` under the class name PyTorch gives the output projection of ``MultiheadAttention``.

    PyTorch names it so for its quantization tools; shendu keeps the name so that a printed model
    reads the same in both frameworks. It is a ``Linear`` in every other respect.
    """


class MultiheadAttention(Module):
    """Attention from several representation subspaces at once ("Attention Is All You Need", 2017).

    The query, key and value are projected to ``embed_dim`` features, split into ``num_heads``
    heads of ``embed_dim // num_heads`` features, each head attends with
    ``softmax(q k^T / sqrt(head_dim)) v``, and the heads' outputs are concatenated and projected
    back: ``out_proj(concat(head_1, ..., head_h))``.

    Args:
        embed_dim: the model's width ``E``; also the output size.
        num_heads: the number of heads; ``embed_dim`` must be divisible by it.
        dropout: the dropout probability of the attention weights (in training mode). Default: 0.0.
        bias: learn biases for the input and output projections. Default: True.
        add_bias_kv: learn a bias appended to the key and value sequences. Default: False.
        add_zero_attn: append a zero key and value to the sequences. Default: False.
        kdim: the key's feature size. Default: None (``embed_dim``).
        vdim: the value's feature size. Default: None (``embed_dim``).
        batch_first: inputs and outputs are ``(N, L, E)`` instead of ``(L, N, E)``. Default: False.
        device: where to create the parameters. Default: None (the CPU).
        dtype: the parameters' dtype. Default: None (the default float dtype).

    Shape:
        - query: :math:`(L, E)` unbatched, :math:`(L, N, E)`, or :math:`(N, L, E)` with ``batch_first``.
        - key: :math:`(S, E_k)`, :math:`(S, N, E_k)` or :math:`(N, S, E_k)`; value likewise with :math:`E_v`.
        - key_padding_mask: :math:`(N, S)` or :math:`(S)`; True (or a float added to the scores)
          marks the keys to ignore.
        - attn_mask: :math:`(L, S)` or :math:`(N \\cdot num\\_heads, L, S)`; True forbids attending.
        - Output: the attention output shaped like the query, and the weights
          :math:`(N, L, S)` averaged over heads (:math:`(N, num\\_heads, L, S)` with
          ``average_attn_weights=False``), or None when ``need_weights=False``.

    Attributes:
        in_proj_weight: ``(3E, E)``, the query, key and value projections stacked (xavier-uniform);
            None when ``kdim`` or ``vdim`` differs from ``embed_dim``, in which case
            ``q_proj_weight`` ``(E, E)``, ``k_proj_weight`` ``(E, kdim)`` and ``v_proj_weight``
            ``(E, vdim)`` hold them.
        in_proj_bias: ``(3E,)``, zeros at first.
        out_proj: the output projection, a ``Linear(E, E)`` with a zero bias at first.
        bias_k, bias_v: ``(1, 1, E)`` with ``add_bias_kv`` (xavier-normal), else None.

    Example:
        >>> mha = nn.MultiheadAttention(16, 4, batch_first=True)
        >>> x = shendu.randn(2, 5, 16)
        >>> out, weights = mha(x, x, x)
        >>> out.shape, weights.shape
        (shendu.Size([2, 5, 16]), shendu.Size([2, 5, 5]))
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        device, dtype = factory_kwargs(self, device, dtype)
        check_count(self, "embed_dim", embed_dim)
        check_count(self, "num_heads", num_heads)
        if embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim must be divisible by num_heads, got embed_dim={embed_dim} and "
                f"num_heads={num_heads}"
            )
        self.embed_dim = embed_dim
        self.kdim = embed_dim if kdim is None else check_count(self, "kdim", kdim)
        self.vdim = embed_dim if vdim is None else check_count(self, "vdim", vdim)
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = check_probability(self, "dropout", dropout)
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, device=device, dtype=dtype))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, device=device, dtype=dtype))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, device=device, dtype=dtype))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, device=device, dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, device=device, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(empty(1, 1, embed_dim, device=device, dtype=dtype))
            self.bias_v = Parameter(empty(1, 1, embed_dim, device=device, dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend from ``query`` to ``key``/``value``; returns ``(output, weights or None)``.

        Args:
            query, key, value: see the class's Shape section.
            key_padding_mask: True (or -inf) marks padding keys to ignore. Default: None.
            need_weights: also return the attention weights; False runs
                ``scaled_dot_product_attention`` instead. Default: True.
            attn_mask: True (or -inf) forbids a query position from attending to a key position.
                Default: None.
            average_attn_weights: average the returned weights over the heads. Default: True.
            is_causal: a hint that ``attn_mask`` is the causal mask. Default: False.
        """
        for t in (query, key, value):
            check_input(self, t)
        batched = query.ndim == 3
        prefix = self._error_prefix()
        key_padding_mask = canonical_mask(
            prefix, key_padding_mask, "key_padding_mask", query.dtype, attn_mask, "attn_mask"
        )
        attn_mask = canonical_mask(prefix, attn_mask, "attn_mask", query.dtype)
        if self.batch_first and batched:
            # Transposing each distinct tensor once keeps self-attention recognizable (one projection GEMM).
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = query.transpose(1, 0), key.transpose(1, 0)
                    value = key
            else:
                query, key, value = query.transpose(1, 0), key.transpose(1, 0), value.transpose(1, 0)
        separate = not self._qkv_same_embed_dim
        out, weights = multi_head_attention_forward(
            query,
            key,
            value,
            self.embed_dim,
            self.num_heads,
            self.in_proj_weight,
            self.in_proj_bias,
            self.bias_k,
            self.bias_v,
            self.add_zero_attn,
            self.dropout,
            self.out_proj.weight,
            self.out_proj.bias,
            training=self.training,
            key_padding_mask=key_padding_mask,
            need_weights=need_weights,
            attn_mask=attn_mask,
            use_separate_proj_weight=separate,
            q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights,
            is_causal=is_causal,
        )
        if self.batch_first and batched:
            return out.transpose(1, 0), weights
        return out, weights
