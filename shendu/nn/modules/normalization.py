"""Per-sample normalization: LayerNorm, GroupNorm, InstanceNorm1d and InstanceNorm2d."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...errors import ShapeError
from ...ops.creation import empty
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ._utils import channels_error, channels_last_hint, check_count, check_input, factory_kwargs, rank_error
from .batchnorm import _NormBase

__all__ = ["GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "LayerNorm"]


class LayerNorm(Module):
    """Normalize each sample over its last dimensions (``normalized_shape``), then scale and shift.

    Args:
        normalized_shape: the trailing shape to normalize over; an int means the last dimension.
        eps: added to the variance for numerical stability. Default: 1e-5.
        elementwise_affine: learn a scale (and shift) of shape ``normalized_shape``. Default: True.
        bias: learn the shift (with ``elementwise_affine``). Default: True.
        device: where to create the parameters. Default: None (the CPU).
        dtype: the parameters' dtype. Default: None (the default float dtype).

    Shape:
        - Input: :math:`(*, \\text{normalized_shape})`. Output: the same shape.

    Example:
        >>> m = nn.LayerNorm(64)
        >>> m(shendu.randn(8, 10, 64)).shape
        shendu.Size([8, 10, 64])
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        device, dtype = factory_kwargs(self, device, dtype, parameters=elementwise_affine)
        if isinstance(normalized_shape, (int, np.integer)):
            shape = (normalized_shape,)
        elif isinstance(normalized_shape, (tuple, list)):
            shape = tuple(normalized_shape)
        else:
            raise TypeError(
                f"LayerNorm: normalized_shape must be an int or a sequence of ints, "
                f"got {type(normalized_shape).__name__} {normalized_shape!r}"
            )
        for size in shape:
            check_count(self, "normalized_shape", size)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(empty(shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(shape, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set the scale to one and the shift to zero."""
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        check_input(self, input)
        n = len(self.normalized_shape)
        if tuple(input.shape[input.ndim - n :] if input.ndim >= n else input.shape) != self.normalized_shape:
            raise ShapeError(
                f"{self._error_prefix()}expected input whose last {n} dimension(s) are {self.normalized_shape}, "
                f"got input shape {tuple(input.shape)}"
            )
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Normalize each sample over groups of channels, then scale and shift per channel.

    Args:
        num_groups: the number of groups; must divide ``num_channels``.
        num_channels: C, the number of channels.
        eps: added to the variance for numerical stability. Default: 1e-5.
        affine: learn a per-channel scale and shift. Default: True.
        device: where to create the parameters. Default: None (the CPU).
        dtype: the parameters' dtype. Default: None (the default float dtype).
        bias: learn the shift (with ``affine``). Default: True.

    Shape:
        - Input: :math:`(N, C, *)`. Output: the same shape.

    Example:
        >>> m = nn.GroupNorm(3, 6)
        >>> m(shendu.randn(20, 6, 10, 10)).shape
        shendu.Size([20, 6, 10, 10])
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        device, dtype = factory_kwargs(self, device, dtype, parameters=affine)
        check_count(self, "num_groups", num_groups)
        check_count(self, "num_channels", num_channels)
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels={num_channels} must be divisible by num_groups={num_groups}")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(empty(num_channels, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(num_channels, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set the scale to one and the shift to zero."""
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        check_input(self, input)
        if input.ndim < 2:
            raise rank_error(self, "an (N, C, *)", input)
        if input.shape[1] != self.num_channels:
            hint = channels_last_hint(input, self.num_channels, input.ndim - 2) if input.ndim in (3, 4) else ""
            raise channels_error(self, "channels", self.num_channels, input.shape[1], input, hint)
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class _InstanceNorm(_NormBase):
    _spatial: int

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input: Tensor) -> Tensor:
        check_input(self, input)
        n = self._spatial
        layout = {1: "L", 2: "H, W"}[n]
        if input.ndim not in (n + 1, n + 2):
            raise rank_error(self, f"a {n + 1}-D (C, {layout}) or {n + 2}-D (N, C, {layout})", input)
        channels = input.shape[-(n + 1)]
        # Without affine parameters or running statistics the channel count does not matter, as in PyTorch.
        if (self.affine or self.track_running_stats) and channels != self.num_features:
            hint = channels_last_hint(input, self.num_features, n)
            raise channels_error(self, "channels", self.num_features, channels, input, hint)
        if input.ndim == n + 1:
            return self._normalize(input.unsqueeze(0)).squeeze(0)
        return self._normalize(input)

    def _normalize(self, input: Tensor) -> Tensor:
        return F.instance_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            self.momentum if self.momentum is not None else 0.0,
            self.eps,
        )


class InstanceNorm1d(_InstanceNorm):
    """Normalize each channel of each sample over its length (for style transfer and the like).

    Args:
        num_features: C, the number of channels.
        eps: added to the variance for numerical stability. Default: 1e-5.
        momentum: the weight of each new batch in the running statistics. Default: 0.1.
        affine: learn a per-channel scale and shift. Default: False.
        track_running_stats: keep running statistics for evaluation. Default: False.
        device: where to create the parameters. Default: None (the CPU).
        dtype: the parameters' dtype. Default: None (the default float dtype).
        bias: learn the shift (with ``affine``). Default: True.

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`. Output: the same shape.

    Example:
        >>> nn.InstanceNorm1d(100)(shendu.randn(20, 100, 40)).shape
        shendu.Size([20, 100, 40])
    """

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Normalize each channel of each image over its height and width.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance for numerical stability. Default: 1e-5.
        momentum: the weight of each new batch in the running statistics. Default: 0.1.
        affine: learn a per-channel scale and shift. Default: False.
        track_running_stats: keep running statistics for evaluation. Default: False.
        device: where to create the parameters. Default: None (the CPU).
        dtype: the parameters' dtype. Default: None (the default float dtype).
        bias: learn the shift (with ``affine``). Default: True.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`. Output: the same shape.

    Example:
        >>> nn.InstanceNorm2d(3, affine=True)(shendu.randn(4, 3, 32, 32)).shape
        shendu.Size([4, 3, 32, 32])
    """

    _spatial = 2
