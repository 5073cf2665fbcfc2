"""``shendu.nn.functional`` (``F``): the stateless forms of the layers, with torch.nn.functional's names.

The ops live in ``shendu.ops``; this namespace re-exports them under PyTorch's names, so that
``import shendu.nn.functional as F`` works where ``import torch.nn.functional as F`` did.
"""

from __future__ import annotations

from .._checks import check_tensor
from ..errors import ShapeError
from ..ops.activation import (
    celu,
    elu,
    gelu,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    log_softmax,
    logsigmoid,
    mish,
    relu,
    relu6,
    selu,
    silu,
    softmax,
    softplus,
    softsign,
    tanhshrink,
)
from ..ops.attention import multi_head_attention_forward, scaled_dot_product_attention
from ..ops.conv import conv1d, conv2d, conv_transpose2d
from ..ops.distance import cosine_similarity, pairwise_distance
from ..ops.dropout import alpha_dropout, dropout, dropout1d, dropout2d, dropout3d, feature_alpha_dropout
from ..ops.elementwise import sigmoid, tanh
from ..ops.embedding import embedding
from ..ops.indexing import one_hot
from ..ops.interpolate import interpolate
from ..ops.linalg import einsum, linear
from ..ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from ..ops.normalization import batch_norm, group_norm, instance_norm, layer_norm
from ..ops.padding import pad
from ..ops.pixel_shuffle import pixel_shuffle, pixel_unshuffle
from ..ops.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from ..ops.reduction import norm
from ..ops.selection import where
from ..tensor import Tensor

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
    "alpha_dropout",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "bilinear",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "celu",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "cosine_similarity",
    "cross_entropy",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "elu",
    "embedding",
    "feature_alpha_dropout",
    "gelu",
    "group_norm",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "huber_loss",
    "instance_norm",
    "interpolate",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "logsigmoid",
    "max_pool1d",
    "max_pool2d",
    "mish",
    "mse_loss",
    "multi_head_attention_forward",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "pairwise_distance",
    "pixel_shuffle",
    "pixel_unshuffle",
    "prelu",
    "relu",
    "relu6",
    "scaled_dot_product_attention",
    "selu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softmin",
    "softplus",
    "softsign",
    "tanh",
    "tanhshrink",
]


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``input`` where positive, ``weight * input`` elsewhere; ``weight`` has one slope or one per channel.

    Args:
        input: the input; its channels are dimension 1 (an input of fewer dimensions has one channel).
        weight: shape ``(1,)`` or ``(C,)``, or a 0-d tensor for one slope.

    Example:
        >>> F.prelu(shendu.tensor([-2.0, 3.0]), shendu.tensor([0.25]))
        tensor([-0.5000,  3.0000])
    """
    check_tensor("prelu", input, name="input")
    check_tensor("prelu", weight, name="weight")
    if weight.ndim == 0:
        weight = weight.reshape(1)
    if weight.ndim != 1:
        raise ShapeError(f"prelu: weight must be 0-D or 1-D, got shape {tuple(weight.shape)}")
    slopes = weight.shape[0]
    if slopes != 1:
        # As in PyTorch, an input of fewer than 2 dimensions has no channel dimension: one channel.
        channels = input.shape[1] if input.ndim >= 2 else 1
        if channels != slopes:
            raise ShapeError(
                f"prelu: weight has {slopes} slopes but the input has {channels} channels in dimension 1 "
                f"(input shape {tuple(input.shape)}, weight shape {tuple(weight.shape)})"
            )
        weight = weight.reshape(slopes, *([1] * (input.ndim - 2)))
    elif input.ndim == 0:
        weight = weight.reshape(())
    return where(input > 0, input, weight * input)


def softmin(input: Tensor, dim: int | None = None, dtype: object = None) -> Tensor:
    """``softmax(-input)`` along ``dim``: small values get large probabilities.

    Args:
        input: the input.
        dim: the dimension to normalize.
        dtype: cast the input to this dtype first. Default: None.
    """
    return softmax(-input, dim, dtype=dtype)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """Divide ``input`` by its ``p``-norm along ``dim`` (at least ``eps``), giving unit vectors.

    Args:
        input: the input.
        p: the order of the norm. Default: 2.
        dim: the dimension to normalize. Default: 1.
        eps: the smallest divisor, which keeps zero vectors finite. Default: 1e-12.

    Example:
        >>> F.normalize(shendu.tensor([[3.0, 4.0]]))
        tensor([[0.6000, 0.8000]])
    """
    check_tensor("normalize", input)
    return input / norm(input, p, dim=dim, keepdim=True).clamp(min=eps)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o]``.

    Args:
        input1: shape ``(*, in1)``.
        input2: shape ``(*, in2)``, with the same leading dimensions.
        weight: shape ``(out, in1, in2)``.
        bias: shape ``(out,)``. Default: None.

    Example:
        >>> F.bilinear(shendu.ones(5, 2), shendu.ones(5, 3), shendu.ones(4, 2, 3)).shape
        shendu.Size([5, 4])
    """
    for name, t in (("input1", input1), ("input2", input2), ("weight", weight)):
        check_tensor("bilinear", t, name=name)
    if weight.ndim != 3:
        raise ShapeError(f"bilinear: weight must be 3-D (out, in1, in2), got shape {tuple(weight.shape)}")
    if input1.ndim == 0 or input2.ndim == 0 or input1.shape[:-1] != input2.shape[:-1]:
        raise ShapeError(
            f"bilinear: the inputs must have the same leading dimensions, got shapes {tuple(input1.shape)} "
            f"and {tuple(input2.shape)}"
        )
    if (input1.shape[-1], input2.shape[-1]) != tuple(weight.shape[1:]):
        raise ShapeError(
            f"bilinear: weight of shape {tuple(weight.shape)} expects inputs with {weight.shape[1]} and "
            f"{weight.shape[2]} features, got shapes {tuple(input1.shape)} and {tuple(input2.shape)}"
        )
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias
