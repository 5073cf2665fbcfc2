"""The Transformer of "Attention Is All You Need" (2017): encoder and decoder layers, their stacks, and both.

Parameter names, masks, defaults and arithmetic follow PyTorch's ``nn.Transformer`` family, so a
PyTorch ``state_dict`` loads and the same inputs give the same outputs. One inference detail is
kept too: PyTorch's ``TransformerEncoder`` runs sequences with a padding mask as nested tensors in
evaluation mode (when the layer allows it, see ``enable_nested_tensor``), which makes the outputs at
padded positions zero before the final norm; shendu zeroes them in the same cases.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable
from typing import Any

from ...autograd import grad_mode
from ...errors import ShapeError
from ...ops.attention import canonical_mask
from ...ops.creation import full
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ._utils import check_count, check_input
from .activation import GELU, ReLU
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .normalization import LayerNorm

__all__ = [
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
]


def _generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
    return full((sz, sz), -math.inf, dtype=dtype, device=device).triu(1)


def _activation(owner: str, activation: str | Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    if isinstance(activation, str) or not callable(activation):
        raise ValueError(f"{owner}: activation should be 'relu', 'gelu' or a callable, got {activation!r}")
    return activation


def _is_causal(mask: Tensor | None, is_causal: bool | None, size: int | None) -> bool:
    """PyTorch's rule: an explicit ``is_causal`` wins; else a mask equal to the causal mask counts as causal."""
    if is_causal is not None or mask is None:
        return is_causal is True
    size = size if size is not None else mask.shape[-2]
    causal = _generate_square_subsequent_mask(size, device=mask.device, dtype=mask.dtype)
    return tuple(mask.shape) == (size, size) and bool((mask == causal).all())


def _seq_len(src: Tensor, batch_first: bool) -> int:
    return src.shape[0] if src.ndim == 2 else src.shape[1 if batch_first else 0]


def _check_sequence(module: Module, name: str, x: Any, batch_first: bool) -> None:
    """A ShapeError naming the module unless ``x`` is a 2-D (unbatched) or 3-D sequence."""
    check_input(module, x)
    if x.ndim not in (2, 3):
        layout = "(N, S, E)" if batch_first else "(S, N, E)"
        raise ShapeError(
            f"{module._error_prefix()}expected {name} as a 2-D (S, E) or 3-D {layout} sequence, got a "
            f"{x.ndim}-D tensor of shape {tuple(x.shape)}"
        )


class TransformerEncoderLayer(Module):
    """Self-attention then a two-layer feed-forward block, each with a residual connection and a LayerNorm.

    ``x = norm1(x + self_attn(x)); x = norm2(x + linear2(dropout(activation(linear1(x)))))``, or with
    ``norm_first`` (pre-norm, steadier to train deep): ``x = x + self_attn(norm1(x));
    x = x + ff(norm2(x))``. Dropout follows the attention and each linear layer of the feed-forward block.

    Args:
        d_model: the width of the inputs and outputs.
        nhead: the number of attention heads.
        dim_feedforward: the feed-forward block's hidden width. Default: 2048.
        dropout: the dropout probability. Default: 0.1.
        activation: ``"relu"``, ``"gelu"`` or a callable (a function or a module). Default: ``F.relu``.
        layer_norm_eps: the LayerNorms' eps. Default: 1e-5.
        batch_first: inputs and outputs are ``(N, S, E)`` instead of ``(S, N, E)``. Default: False.
        norm_first: normalize before attention and feed-forward, not after. Default: False.
        bias: learn biases in the linear layers and LayerNorms. Default: True.
        device: where to create the parameters. Default: None (the CPU).
        dtype: the parameters' dtype. Default: None (the default float dtype).

    Shape:
        - src: :math:`(S, E)`, :math:`(S, N, E)`, or :math:`(N, S, E)` with ``batch_first``.
        - Output: the shape of src.

    Example:
        >>> layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, batch_first=True)
        >>> layer(shendu.randn(2, 10, 16)).shape
        shendu.Size([2, 10, 16])
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = F.relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        activation = _activation(type(self).__name__, activation)
        # PyTorch's fused inference kernel knows only these two; the flag decides its nested-tensor path.
        if activation is F.relu or isinstance(activation, ReLU):
            self.activation_relu_or_gelu = 1
        elif activation is F.gelu or isinstance(activation, GELU):
            self.activation_relu_or_gelu = 2
        else:
            self.activation_relu_or_gelu = 0
        self.activation = activation

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        """Run the layer on ``src``.

        Args:
            src: the sequence.
            src_mask: ``(S, S)`` or ``(N·nhead, S, S)``; True (or -inf) forbids attending. Default: None.
            src_key_padding_mask: ``(N, S)``; True (or -inf) marks padding. Default: None.
            is_causal: a hint that ``src_mask`` is the causal mask. Default: False.
        """
        check_input(self, src)
        prefix = self._error_prefix()
        src_key_padding_mask = canonical_mask(
            prefix, src_key_padding_mask, "src_key_padding_mask", src.dtype, src_mask, "src_mask"
        )
        src_mask = canonical_mask(prefix, src_mask, "src_mask", src.dtype)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None, padding: Tensor | None, is_causal: bool) -> Tensor:
        x = self.self_attn(
            x, x, x, attn_mask=attn_mask, key_padding_mask=padding, need_weights=False, is_causal=is_causal
        )
        return self.dropout1(x[0])

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoderLayer(Module):
    """Self-attention, attention over the encoder's output (memory), then a feed-forward block.

    Each of the three has a residual connection, a LayerNorm (``norm1``, ``norm2``, ``norm3``) and
    dropout, arranged post-norm or, with ``norm_first``, pre-norm, as in ``TransformerEncoderLayer``.

    Args:
        d_model: the width of the inputs and outputs.
        nhead: the number of attention heads.
        dim_feedforward: the feed-forward block's hidden width. Default: 2048.
        dropout: the dropout probability. Default: 0.1.
        activation: ``"relu"``, ``"gelu"`` or a callable. Default: ``F.relu``.
        layer_norm_eps: the LayerNorms' eps. Default: 1e-5.
        batch_first: inputs and outputs are ``(N, T, E)`` instead of ``(T, N, E)``. Default: False.
        norm_first: normalize before each block, not after. Default: False.
        bias: learn biases in the linear layers and LayerNorms. Default: True.
        device: where to create the parameters. Default: None (the CPU).
        dtype: the parameters' dtype. Default: None (the default float dtype).

    Shape:
        - tgt: :math:`(T, E)`, :math:`(T, N, E)` or :math:`(N, T, E)`; memory: the same with :math:`S`.
        - Output: the shape of tgt.

    Example:
        >>> layer = nn.TransformerDecoderLayer(d_model=16, nhead=4, dim_feedforward=32)
        >>> layer(shendu.randn(7, 2, 16), shendu.randn(10, 2, 16)).shape
        shendu.Size([7, 2, 16])
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = F.relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias, **kw)
        self.multihead_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias, **kw
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(type(self).__name__, activation)

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Run the layer on ``tgt``, attending to ``memory``.

        Args:
            tgt: the target sequence.
            memory: the encoder's output.
            tgt_mask: ``(T, T)``, e.g. the causal mask. Default: None.
            memory_mask: ``(T, S)``. Default: None.
            tgt_key_padding_mask: ``(N, T)``. Default: None.
            memory_key_padding_mask: ``(N, S)``. Default: None.
            tgt_is_causal: a hint that ``tgt_mask`` is the causal mask. Default: False.
            memory_is_causal: a hint that ``memory_mask`` is the causal mask. Default: False.
        """
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
        return self.norm3(x + self._ff_block(x))

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None, padding: Tensor | None, is_causal: bool) -> Tensor:
        x = self.self_attn(
            x, x, x, attn_mask=attn_mask, key_padding_mask=padding, is_causal=is_causal, need_weights=False
        )
        return self.dropout1(x[0])

    def _mha_block(
        self, x: Tensor, memory: Tensor, attn_mask: Tensor | None, padding: Tensor | None, is_causal: bool
    ) -> Tensor:
        x = self.multihead_attn(
            x, memory, memory, attn_mask=attn_mask, key_padding_mask=padding, is_causal=is_causal, need_weights=False
        )
        return self.dropout2(x[0])

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _nested_path_blocker(layer: Module) -> str:
    """Why PyTorch would not run this encoder layer on nested tensors ('' when it would)."""
    name = "encoder_layer"
    if not isinstance(layer, TransformerEncoderLayer):
        return f"{name} was not TransformerEncoderLayer"
    if layer.norm_first:
        return f"{name}.norm_first was True"
    if not layer.self_attn.batch_first:
        return f"{name}.self_attn.batch_first was not True(use batch_first for better inference performance)"
    if not layer.self_attn._qkv_same_embed_dim:
        return f"{name}.self_attn._qkv_same_embed_dim was not True"
    if layer.self_attn.in_proj_bias is None:
        return f"{name}.self_attn was passed bias=False"
    if not layer.activation_relu_or_gelu:
        return f"{name}.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return f"{name}.norm1.eps was not equal to {name}.norm2.eps"
    if layer.self_attn.num_heads % 2 == 1:
        return f"{name}.self_attn.num_heads is odd"
    return ""


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of an encoder layer, optionally followed by a norm.

    Args:
        encoder_layer: the layer to copy (each copy gets its own parameters, all equal at first).
        num_layers: the number of layers.
        norm: a module applied to the last layer's output, e.g. a LayerNorm. Default: None.
        enable_nested_tensor: in evaluation mode, treat sequences with a padding mask as PyTorch's
            nested tensors do: their outputs at padded positions are zero before ``norm``. It
            applies when PyTorch's would (the layer is a post-norm ``TransformerEncoderLayer`` with
            ``batch_first``, an even number of heads, biases and ReLU or GELU; no gradient is being
            recorded; the padding is at the end of each sequence; there is no ``mask``); else a
            warning says why not, as in PyTorch. Default: True.
        mask_check: check that the padding is at the end of each sequence before taking that
            path. Default: True.

    Shape:
        - src: :math:`(S, E)`, :math:`(S, N, E)`, or :math:`(N, S, E)` with ``batch_first``.
        - Output: the shape of src.

    Example:
        >>> layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, batch_first=True)
        >>> encoder = nn.TransformerEncoder(layer, num_layers=3)
        >>> encoder(shendu.randn(2, 10, 16)).shape
        shendu.Size([2, 10, 16])
    """

    def __init__(
        self,
        encoder_layer: Module,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        check_count(self, "num_layers", num_layers)
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        blocker = _nested_path_blocker(encoder_layer)
        if enable_nested_tensor and blocker:
            warnings.warn(
                f"enable_nested_tensor is True, but self.use_nested_tensor is False because {blocker}",
                UserWarning,
                stacklevel=2,
            )
            self.use_nested_tensor = False

    def forward(
        self,
        src: Tensor,
        mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        """Run the layers in turn.

        Args:
            src: the sequence.
            mask: ``(S, S)`` or ``(N·nhead, S, S)``; True (or -inf) forbids attending. Default: None.
            src_key_padding_mask: ``(N, S)``; True (or -inf) marks padding. Default: None.
            is_causal: whether ``mask`` is the causal mask; None detects it by comparing. Default: None.
        """
        batch_first = self.layers[0].self_attn.batch_first
        _check_sequence(self, "src", src, batch_first)
        prefix = self._error_prefix()
        src_key_padding_mask = canonical_mask(
            prefix, src_key_padding_mask, "src_key_padding_mask", src.dtype, mask, "mask"
        )
        mask = canonical_mask(prefix, mask, "mask", src.dtype)
        padded = self._nested_padding(src, mask, src_key_padding_mask)
        causal = _is_causal(mask, is_causal, _seq_len(src, batch_first))
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, is_causal=causal, src_key_padding_mask=src_key_padding_mask)
        if padded is not None:
            output = output.masked_fill(padded.unsqueeze(-1), 0.0)
        if self.norm is not None:
            output = self.norm(output)
        return output

    def _nested_padding(self, src: Tensor, mask: Tensor | None, padding: Tensor | None) -> Tensor | None:
        """The padded positions ``(N, S)`` that PyTorch's nested-tensor path would zero, or None."""
        if not self.use_nested_tensor or padding is None or mask is not None:
            return None
        first = self.layers[0]
        if first.training or src.ndim != 3:
            return None
        padded = padding != 0
        if self.mask_check and bool((padded[:, :-1] & ~padded[:, 1:]).any()):
            return None  # a padded position before a real one: not the layout nested tensors take
        attn, norms, linears = first.self_attn, (first.norm1, first.norm2), (first.linear1, first.linear2)
        tensors = [src, attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.weight, attn.out_proj.bias]
        tensors += [p for m in (*norms, *linears) for p in (m.weight, m.bias)]
        if grad_mode.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors):
            return None
        return padded


class TransformerDecoder(Module):
    """A stack of ``num_layers`` copies of a decoder layer, optionally followed by a norm.

    Args:
        decoder_layer: the layer to copy (each copy gets its own parameters, all equal at first).
        num_layers: the number of layers.
        norm: a module applied to the last layer's output, e.g. a LayerNorm. Default: None.

    Shape:
        - tgt: :math:`(T, E)`, :math:`(T, N, E)` or :math:`(N, T, E)`; memory: the same with :math:`S`.
        - Output: the shape of tgt.

    Example:
        >>> layer = nn.TransformerDecoderLayer(d_model=16, nhead=4, dim_feedforward=32)
        >>> decoder = nn.TransformerDecoder(layer, num_layers=2)
        >>> decoder(shendu.randn(7, 2, 16), shendu.randn(10, 2, 16)).shape
        shendu.Size([7, 2, 16])
    """

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        check_count(self, "num_layers", num_layers)
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Run the layers in turn; the arguments are those of ``TransformerDecoderLayer.forward``,
        except that ``tgt_is_causal=None`` detects a causal ``tgt_mask`` by comparing."""
        batch_first = self.layers[0].self_attn.batch_first
        _check_sequence(self, "tgt", tgt, batch_first)
        _check_sequence(self, "memory", memory, batch_first)
        tgt_is_causal = _is_causal(tgt_mask, tgt_is_causal, _seq_len(tgt, batch_first))
        output = tgt
        for layer in self.layers:
            output = layer(
                output,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=tgt_is_causal,
                memory_is_causal=memory_is_causal,
            )
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """An encoder-decoder Transformer: ``decoder(tgt, encoder(src))``.

    Both stacks end with a LayerNorm (``encoder.norm``, ``decoder.norm``); every weight matrix is
    initialized xavier-uniform. Embeddings, positional encodings and the output projection to a
    vocabulary are left to the model around it.

    Args:
        d_model: the width of every layer. Default: 512.
        nhead: the number of attention heads. Default: 8.
        num_encoder_layers: Default: 6.
        num_decoder_layers: Default: 6.
        dim_feedforward: the feed-forward blocks' hidden width. Default: 2048.
        dropout: the dropout probability. Default: 0.1.
        activation: ``"relu"``, ``"gelu"`` or a callable. Default: ``F.relu``.
        custom_encoder: a module used instead of the encoder stack. Default: None.
        custom_decoder: a module used instead of the decoder stack. Default: None.
        layer_norm_eps: the LayerNorms' eps. Default: 1e-5.
        batch_first: inputs and outputs are ``(N, S, E)`` instead of ``(S, N, E)``. Default: False.
        norm_first: pre-norm layers. Default: False.
        bias: learn biases in the linear layers and LayerNorms. Default: True.
        device: where to create the parameters. Default: None (the CPU).
        dtype: the parameters' dtype. Default: None (the default float dtype).

    Shape:
        - src: :math:`(S, E)`, :math:`(S, N, E)` or :math:`(N, S, E)`; tgt: the same with :math:`T`.
        - Output: the shape of tgt.

    Example:
        >>> model = nn.Transformer(d_model=16, nhead=4, num_encoder_layers=2, num_decoder_layers=2,
        ...                        dim_feedforward=32)
        >>> tgt_mask = nn.Transformer.generate_square_subsequent_mask(7)
        >>> model(shendu.randn(10, 2, 16), shendu.randn(7, 2, 16), tgt_mask=tgt_mask).shape
        shendu.Size([7, 2, 16])
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = F.relu,
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            encoder_layer = TransformerEncoderLayer(*layer_args, bias, **kw)
            encoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
            self.encoder = TransformerEncoder(encoder_layer, num_encoder_layers, encoder_norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            decoder_layer = TransformerDecoderLayer(*layer_args, bias, **kw)
            decoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
            self.decoder = TransformerDecoder(decoder_layer, num_decoder_layers, decoder_norm)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Tensor | None = None,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Encode ``src`` and decode ``tgt`` against it.

        Args:
            src: the source sequence; tgt: the target sequence.
            src_mask: ``(S, S)``; tgt_mask: ``(T, T)``, usually the causal mask; memory_mask:
                ``(T, S)``. True (or -inf) forbids attending. Default: None.
            src_key_padding_mask: ``(N, S)``; tgt_key_padding_mask: ``(N, T)``;
                memory_key_padding_mask: ``(N, S)``. True (or -inf) marks padding. Default: None.
            src_is_causal, tgt_is_causal: whether those masks are causal; None detects it. Default: None.
            memory_is_causal: whether ``memory_mask`` is causal. Default: False.
        """
        _check_sequence(self, "src", src, self.batch_first)
        _check_sequence(self, "tgt", tgt, self.batch_first)
        batched = src.ndim == 3
        batch_dim = 0 if self.batch_first else 1
        if batched and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise ShapeError(
                f"{self._error_prefix()}src and tgt must have the same batch size (dim {batch_dim}), got shapes "
                f"{tuple(src.shape)} and {tuple(tgt.shape)}"
            )
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ShapeError(
                f"{self._error_prefix()}src and tgt must have d_model={self.d_model} features, got shapes "
                f"{tuple(src.shape)} and {tuple(tgt.shape)}"
            )
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """The causal mask of a sequence of ``sz`` positions: ``-inf`` above the diagonal, 0 elsewhere.

        Args:
            sz: the sequence length.
            device: Default: None (the default device).
            dtype: Default: None (the default float dtype).

        Example:
            >>> nn.Transformer.generate_square_subsequent_mask(3)
            tensor([[0., -inf, -inf],
                    [0., 0., -inf],
                    [0., 0., 0.]])
        """
        return _generate_square_subsequent_mask(sz, device=device, dtype=dtype)

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
