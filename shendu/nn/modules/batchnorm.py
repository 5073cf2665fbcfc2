"""Batch normalization: BatchNorm1d and BatchNorm2d, with running statistics for evaluation."""

from __future__ import annotations

from typing import Any

from ..._checks import is_number
from ..._dtype import int64
from ...autograd.grad_mode import no_grad
from ...errors import ShapeError
from ...ops.creation import empty, ones, tensor, zeros
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ._utils import batch_hint, channels_error, channels_last_hint, check_count, check_input, factory_kwargs, rank_error

__all__ = ["BatchNorm1d", "BatchNorm2d"]


class _NormBase(Module):
    """Parameters, buffers and repr shared by batch and instance normalization."""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        check_count(self, "num_features", num_features)
        device, dtype = factory_kwargs(self, device, dtype, parameters=affine)
        if momentum is not None and (not is_number(momentum, numpy=False)):
            raise ValueError(f"{type(self).__name__}: momentum must be a number or None, got {momentum!r}")
        if not is_number(eps, numpy=False) or eps < 0:
            raise ValueError(f"{type(self).__name__}: eps must be a non-negative number, got {eps!r}")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(empty(num_features, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(num_features, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Zero the running mean and the batch count; set the running variance to one."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, and the affine parameters to weight 1 and bias 0."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_NormBase):
    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:
        check_input(self, input)
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
            # momentum=None keeps a cumulative average: the n-th batch gets weight 1/n.
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        if use_batch_stats and input.numel() // max(input.shape[1], 1) == 1:
            raise ShapeError(
                f"{self._error_prefix()}expected more than 1 value per channel when training, "
                f"got input shape {tuple(input.shape)}"
            )
        track = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization over the batch (and length) of a (N, C) or (N, C, L) input.

    In training mode each channel is normalized with the batch's mean and biased variance, and the
    running statistics are updated as ``running = (1 - momentum) * running + momentum * batch``,
    the variance unbiased. In ``eval()`` mode the running statistics are used.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance for numerical stability. Default: 1e-5.
        momentum: the weight of each new batch in the running statistics; None for a cumulative
            average. Default: 0.1.
        affine: learn a per-channel scale and shift. Default: True.
        track_running_stats: keep running statistics; without them batch statistics are used in
            evaluation too. Default: True.
        device: where to create the parameters. Default: None (the CPU).
        dtype: the parameters' dtype. Default: None (the default float dtype).
        bias: learn the shift (with ``affine``). Default: True.

    Shape:
        - Input: :math:`(N, C)` or :math:`(N, C, L)`. Output: the same shape.

    Example:
        >>> m = nn.BatchNorm1d(100)
        >>> m(shendu.randn(20, 100)).shape
        shendu.Size([20, 100])
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in (2, 3):
            hint = batch_hint(input, self.num_features) if input.ndim == 1 else ""
            if input.ndim == 4:
                hint = "; hint: use nn.BatchNorm2d for (N, C, H, W) images"
            raise rank_error(self, "a 2-D (N, C) or 3-D (N, C, L)", input, hint)
        if input.shape[1] != self.num_features:
            hint = channels_last_hint(input, self.num_features, 1) if input.ndim == 3 else ""
            raise channels_error(self, "channels", self.num_features, input.shape[1], input, hint)


class BatchNorm2d(_BatchNorm):
    """Batch normalization over the batch and spatial dimensions of (N, C, H, W) images.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance for numerical stability. Default: 1e-5.
        momentum: the weight of each new batch in the running statistics; None for a cumulative
            average. Default: 0.1.
        affine: learn a per-channel scale and shift. Default: True.
        track_running_stats: keep running statistics. Default: True.
        device: where to create the parameters. Default: None (the CPU).
        dtype: the parameters' dtype. Default: None (the default float dtype).
        bias: learn the shift (with ``affine``). Default: True.

    Shape:
        - Input: :math:`(N, C, H, W)`. Output: the same shape.

    Example:
        >>> m = nn.BatchNorm2d(16)
        >>> m(shendu.randn(8, 16, 32, 32)).shape
        shendu.Size([8, 16, 32, 32])
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim != 4:
            hint = batch_hint(input, self.num_features) if input.ndim == 3 else ""
            if input.ndim == 2:
                hint = "; hint: use nn.BatchNorm1d for (N, C) inputs"
            raise rank_error(self, "a 4-D (N, C, H, W)", input, hint)
        if input.shape[1] != self.num_features:
            hint = channels_last_hint(input, self.num_features, 2)
            raise channels_error(self, "channels", self.num_features, input.shape[1], input, hint)
