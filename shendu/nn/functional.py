"""``shendu.nn.functional`` (``F``): the stateless forms of the layers, with torch.nn.functional's names.

The ops live in ``shendu.ops``; this namespace re-exports them under PyTorch's names, so that
``import shendu.nn.functional as F`` works where ``import torch.nn.functional as F`` did.
"""

from __future__ import annotations

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
from ..ops.conv import conv1d, conv2d, conv_transpose2d
from ..ops.dropout import alpha_dropout, dropout, dropout1d, dropout2d, dropout3d, feature_alpha_dropout
from ..ops.elementwise import sigmoid, tanh, where
from ..ops.indexing import one_hot
from ..ops.linalg import linear
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
from ..ops.pooling import (
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    interpolate,
    max_pool1d,
    max_pool2d,
)
from ..ops.shape import pad
from ..errors import ShapeError
from ..tensor import Tensor

__all__ = [
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
    "alpha_dropout",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "celu",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "cross_entropy",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "elu",
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
    "nll_loss",
    "one_hot",
    "pad",
    "prelu",
    "relu",
    "relu6",
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
        input: the input; its channels are dimension 1 (dimension 0 for a 1-D input).
        weight: shape ``(1,)`` or ``(C,)``.

    Example:
        >>> F.prelu(shendu.tensor([-2.0, 3.0]), shendu.tensor([0.25]))
        tensor([-0.5000,  3.0000])
    """
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(
            f"prelu: expected tensors, got input {type(input).__name__} and weight {type(weight).__name__}"
        )
    if weight.ndim != 1:
        raise ShapeError(f"prelu: weight must be 1-D, got shape {tuple(weight.shape)}")
    slopes = weight.shape[0]
    if slopes != 1:
        channel_dim = 1 if input.ndim >= 2 else 0
        channels = input.shape[channel_dim] if input.ndim else 1
        if channels != slopes:
            raise ShapeError(
                f"prelu: weight has {slopes} slopes but the input has {channels} channels in dimension "
                f"{channel_dim} (input shape {tuple(input.shape)}, weight shape {tuple(weight.shape)})"
            )
        if input.ndim >= 2:
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
