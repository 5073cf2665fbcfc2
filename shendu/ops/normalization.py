"""Normalization: batch, layer, group and instance norm, each one op with a closed-form backward.

All four share one kernel. The input is viewed in a working shape whose reduced
axes hold the elements that share a mean and variance (batch norm views
``(N, C, *)`` as ``(N, C, S)`` and reduces axes 0 and 2; group norm views it as
``(N, G, C/G, S)`` and reduces axes 2 and 3), and the affine weight and bias
are viewed in a shape that broadcasts against it. The backward pass is then one
formula for every op, with no graph of small ops behind it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _compiled
from .._checks import check_floating, check_tensor, is_int, is_number
from ..autograd.function import Function
from ..backend import get_array_module
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from ._common import check_same_device, sum_to

__all__ = ["batch_norm", "group_norm", "instance_norm", "layer_norm"]


def _mean(array: Any, axes: tuple[int, ...], count: int) -> Any:
    # sum / count rather than mean(): an empty reduction gives nan without NumPy's empty-slice warning.
    with np.errstate(divide="ignore", invalid="ignore"):
        return array.sum(axis=axes, keepdims=True) / count


class _Normalize(Function):
    """Normalize a working view of the input over ``axes``, then scale by the weight and add the bias.

    With ``stats=None`` the mean and (biased) variance come from the input, and ``running``
    (a pair of arrays or Nones) is updated in place with momentum, using the unbiased variance.
    With ``stats=(mean, var)`` those arrays, already shaped like ``wshape``, are used instead.
    """

    def forward(
        self,
        x: Any,
        *affine: Any,
        view: tuple[int, ...],
        axes: tuple[int, ...],
        wshape: tuple[int, ...],
        eps: float,
        has_weight: bool,
        stats: tuple[Any, Any] | None = None,
        running: tuple[Any, Any] | None = None,
        momentum: float = 0.0,
    ) -> Any:
        xp = get_array_module(x)
        xv = x.reshape(view)
        count = math.prod(view[a] for a in axes)
        if stats is None:
            mean = _mean(xv, axes, count)
            centered = xv - mean
            var = _mean(centered * centered, axes, count)
            if running is not None:
                _update_running(running, mean, var, count, momentum)
        else:
            mean, var = stats
            centered = xv - mean
        invstd = 1.0 / xp.sqrt(var + eps)
        xhat = centered * invstd
        weight = affine[0].reshape(wshape) if has_weight else None
        bias = affine[-1].reshape(wshape) if len(affine) > int(has_weight) else None
        out = xhat if weight is None else xhat * weight
        if bias is not None:
            out = out + bias
        self.xhat, self.invstd = xhat, invstd
        # A copy, not a view: the gradient must use the weight this forward used, even if the
        # parameter is updated in place before backward runs.
        self.weight = None if weight is None else weight.copy()
        self.meta = (x.shape, view, axes, wshape, stats is None, count, [a.shape for a in affine])
        return out.reshape(x.shape)

    def backward(self, grad: Any) -> tuple[Any, ...]:
        x_shape, view, axes, wshape, batch_stats, count, affine_shapes = self.meta
        g = grad.reshape(view)
        grads: list[Any] = []
        if self.needs_input_grad(0):
            gw = g if self.weight is None else g * self.weight
            if batch_stats:
                xhat = self.xhat
                dx = self.invstd * (gw - _mean(gw, axes, count) - xhat * _mean(gw * xhat, axes, count))
            else:
                dx = gw * self.invstd
            grads.append(dx.reshape(x_shape))
        else:
            grads.append(None)
        for i, shape in enumerate(affine_shapes, start=1):
            if not self.needs_input_grad(i):
                grads.append(None)
            elif i == 1 and self.weight is not None:
                grads.append(sum_to(g * self.xhat, wshape).reshape(shape))
            else:
                grads.append(sum_to(g, wshape).reshape(shape))
        return tuple(grads)

    @staticmethod
    def composite(
        x: Tensor,
        *affine: Tensor,
        view: tuple[int, ...],
        axes: tuple[int, ...],
        wshape: tuple[int, ...],
        eps: float,
        has_weight: bool,
        stats: tuple[Any, Any] | None = None,
        running: tuple[Any, Any] | None = None,
        momentum: float = 0.0,
    ) -> Tensor:
        # The same normalization with differentiable ops; the running statistics were updated by forward.
        xv = x.reshape(view)
        if stats is None:
            centered = xv - xv.mean(dim=axes, keepdim=True)
            var = (centered * centered).mean(dim=axes, keepdim=True)
        else:
            centered = xv - Tensor._make(stats[0])
            var = Tensor._make(stats[1])
        out = centered * (var + eps).rsqrt()
        if has_weight:
            out = out * affine[0].reshape(wshape)
        if len(affine) > int(has_weight):
            out = out + affine[-1].reshape(wshape)
        return out.reshape(x.shape)


def _update_running(running: tuple[Any, Any], mean: Any, var: Any, count: int, momentum: float) -> None:
    running_mean, running_var = running
    channels = (running_mean if running_mean is not None else running_var).size
    if channels == 0:
        return
    # Statistics computed per (sample, channel), as in instance norm, are averaged over the batch.
    if running_mean is not None:
        batch_mean = mean.reshape(-1, channels).mean(axis=0)
        running_mean[...] = (1.0 - momentum) * running_mean + momentum * batch_mean
    if running_var is not None:
        unbiased = var.reshape(-1, channels).mean(axis=0) * (count / (count - 1))
        running_var[...] = (1.0 - momentum) * running_var + momentum * unbiased


class BatchNorm(_Normalize):
    """Batch norm over a ``(N, C, L)`` view. Training folds the per-channel factors together,
    so forward writes two full-size arrays instead of five and backward two instead of seven;
    with the compiled kernels, forward and backward each write one and read the input twice.
    Evaluation folds the running statistics into one scale and shift per channel. Half
    precision and empty batches take the general path."""

    # The compiled path reads the input again in backward; PyTorch keeps it as well.
    saves_inputs = (0,)

    def forward(self, x: Any, *affine: Any, **options: Any) -> Any:
        view, eps, has_weight = options["view"], options["eps"], options["has_weight"]
        count = view[0] * view[2]
        if count == 0 or x.dtype.itemsize < 4:
            self.path = "general"
            return super().forward(x, *affine, **options)
        weight = affine[0].reshape(1, -1, 1) if has_weight else None
        bias = affine[-1].reshape(1, -1, 1) if len(affine) > int(has_weight) else None
        self.meta = (x.shape, count, [a.shape for a in affine])
        # A copy, not a view: the gradient must use the weight this forward used.
        self.weight = None if weight is None else weight.copy()
        xv = x.reshape(view)
        if options.get("stats") is not None:
            return self._forward_running(xv, weight, bias, options).reshape(x.shape)
        kernels = _compiled.kernels_for("normalization", xv)
        if kernels is not None:
            self.path, self.kernels = "compiled", kernels
            return self._forward_compiled(kernels, xv, weight, bias, options).reshape(x.shape)
        self.path = "fused"
        xp = get_array_module(x)
        mean = _mean(xv, (0, 2), count)
        centered = xv - mean
        var = xp.einsum("ncl,ncl->c", centered, centered).reshape(1, -1, 1) / count
        if options.get("running") is not None:
            _update_running(options["running"], mean, var, count, options.get("momentum", 0.0))
        invstd = 1.0 / xp.sqrt(var + eps)
        out = centered * (invstd if weight is None else invstd * weight)
        if bias is not None:
            out += bias
        self.centered, self.invstd = centered, invstd
        return out.reshape(x.shape)

    def _forward_running(self, xv: Any, weight: Any, bias: Any, options: dict[str, Any]) -> Any:
        """Evaluation: ``(x - mean) * scale + bias``, with the weight folded into the per-channel
        scale, in place in one full-size array (the general path writes four). Subtracting the
        mean first, rather than folding it into the shift, keeps inputs with a large mean exact."""
        self.path = "running"
        mean, var = options["stats"]
        xp = get_array_module(xv)
        invstd = 1.0 / xp.sqrt(var + options["eps"])
        out = xv - mean
        out *= invstd if weight is None else invstd * weight
        if bias is not None:
            out += bias
        # Copies: the running statistics change in place at the next training step.
        self.x, self.mean, self.invstd = xv, mean.copy(), invstd
        return out

    def _forward_compiled(self, kernels: Any, xv: Any, weight: Any, bias: Any, options: dict[str, Any]) -> Any:
        """Training with the compiled loops: the statistics in float64, then one normalizing pass."""
        count = self.meta[1]
        mean, var = kernels.channel_moments(xv)
        if options.get("running") is not None:
            _update_running(options["running"], mean, var, count, options.get("momentum", 0.0))
        invstd = 1.0 / np.sqrt(var + options["eps"])
        scale = invstd if weight is None else invstd * weight.ravel()
        shift = np.zeros(len(mean), xv.dtype) if bias is None else bias.ravel()
        out = np.empty(xv.shape, xv.dtype)
        self.x, self.mean, self.invstd = xv, mean.astype(xv.dtype), invstd
        kernels.normalize(xv, self.mean, scale.astype(xv.dtype), shift, out)
        return out

    def backward(self, grad: Any) -> tuple[Any, ...]:
        if self.path == "general":
            return super().backward(grad)
        x_shape, count, affine_shapes = self.meta
        if self.path == "compiled":
            grad_sum, projection, dx = self._backward_compiled(grad)
        elif self.path == "running":
            g = grad.reshape(self.x.shape)
            scale = self.invstd if self.weight is None else self.invstd * self.weight
            dx = g * scale if self.needs_input_grad(0) else None
            grad_sum = g.sum(axis=(0, 2), keepdims=True)
            projection = ((self.x - self.mean) * g).sum(axis=(0, 2), keepdims=True) * self.invstd
        else:
            xp = get_array_module(grad)
            centered, invstd = self.centered, self.invstd
            g = grad.reshape(centered.shape)
            grad_sum = g.sum(axis=(0, 2), keepdims=True)
            # sum(g * xhat) per channel, without materializing xhat = centered * invstd.
            projection = xp.einsum("ncl,ncl->c", g, centered).reshape(1, -1, 1) * invstd
            dx = None
            if self.needs_input_grad(0):
                scale = invstd if self.weight is None else invstd * self.weight
                dx = g * scale
                dx -= centered * (scale * invstd * projection / count)
                dx -= scale * grad_sum / count
        grads: list[Any] = [None if dx is None else dx.reshape(x_shape)]
        for i, shape in enumerate(affine_shapes, start=1):
            if not self.needs_input_grad(i):
                grads.append(None)
            else:
                grads.append((projection if i == 1 and self.weight is not None else grad_sum).reshape(shape))
        return tuple(grads)

    def _backward_compiled(self, grad: Any) -> tuple[Any, Any, Any]:
        kernels = self.kernels
        xv, mean, invstd = self.x, self.mean, self.invstd
        dtype, count = xv.dtype, self.meta[1]
        g = grad.reshape(xv.shape)
        grad_sum, centered_sum = kernels.channel_grad_sums(g, xv, mean)
        projection = centered_sum * invstd
        dx = None
        if self.needs_input_grad(0):
            scale = invstd if self.weight is None else invstd * self.weight.ravel()
            dx = np.empty(xv.shape, dtype)
            kernels.input_grad(
                g,
                xv,
                mean,
                scale.astype(dtype),
                (scale * invstd * projection / count).astype(dtype),
                (scale * grad_sum / count).astype(dtype),
                dx,
            )
        return grad_sum.astype(dtype), projection.astype(dtype), dx


class LayerNorm(_Normalize):
    pass


class GroupNorm(_Normalize):
    pass


class InstanceNorm(_Normalize):
    pass


def _shape(t: Tensor) -> tuple[int, ...]:
    return tuple(t._array.shape)


def _check_input(op: str, input: Any, min_ndim: int, layout: str) -> None:
    check_tensor(op, input, name="input")
    check_floating(op, input, "input")
    if input._array.ndim < min_ndim:
        raise ShapeError(
            f"{op}: expected an input of shape {layout} with at least {min_ndim} dimensions, got shape {_shape(input)}"
        )


def _check_per_channel(op: str, input: Tensor, channels: int, **tensors: Tensor | None) -> list[Tensor]:
    """Check that each given tensor holds one value per channel and matches the input's dtype and device."""
    present = []
    for name, t in tensors.items():
        if t is None:
            continue
        check_tensor(op, t, name=name, optional=True)
        if t._array.size != channels:
            raise ShapeError(
                f"{op}: {name} should have {channels} elements, one per channel of the input "
                f"(input shape {_shape(input)}), got shape {_shape(t)}"
            )
        _check_dtype(op, input, name, t)
        present.append(t)
    check_same_device(op, input, *present)
    return present


def _check_dtype(op: str, input: Tensor, name: str, t: Tensor) -> None:
    if t._array.dtype != input._array.dtype:
        raise DtypeError(
            f"{op}: {name} has dtype {t.dtype} but the input has dtype {input.dtype}; "
            f"use one dtype for all of them (e.g. module.to({input.dtype}))"
        )


def _check_eps(op: str, eps: float, training: bool) -> None:
    if training and not eps > 0:
        raise ValueError(f"{op}: eps must be positive when the statistics come from the batch, got {eps}")
    if not eps >= 0:
        raise ValueError(f"{op}: eps must be non-negative, got {eps}")


def _check_momentum(op: str, momentum: Any) -> float:
    if not is_number(momentum):
        raise TypeError(
            f"{op}: momentum must be a float, got {momentum!r}; for a cumulative average "
            "(momentum=None in nn.BatchNorm) pass 1 / num_batches_tracked"
        )
    return float(momentum)


def _affine(weight: Tensor | None, bias: Tensor | None) -> tuple[Tensor, ...]:
    return tuple(t for t in (weight, bias) if t is not None)


def _mark_updated(op: str, *buffers: Tensor | None) -> None:
    # The running buffers change in place: bump their versions, and refuse buffers in the graph.
    for b in buffers:
        if b is not None:
            b._check_inplace(op)


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalization: normalize each channel over the batch and spatial dimensions.

    In training mode the statistics come from the batch and the running buffers, when given,
    are updated in place: ``running = (1 - momentum) * running + momentum * batch_stat``, with
    the unbiased variance. In evaluation mode the running statistics are used.

    Args:
        input: a tensor of shape ``(N, C)`` or ``(N, C, *)``.
        running_mean: the running mean, shape ``(C,)``, or None (training only).
        running_var: the running variance, shape ``(C,)``, or None (training only).
        weight: the per-channel scale, shape ``(C,)``. Default: None (no scale).
        bias: the per-channel shift, shape ``(C,)``. Default: None (no shift).
        training: use the batch statistics and update the running ones. Default: False.
        momentum: the weight of the batch statistics in the running update; ``nn.BatchNorm``
            with ``momentum=None`` passes ``1 / num_batches_tracked`` for a cumulative average.
            Default: 0.1.
        eps: added to the variance for numerical stability. Default: 1e-5.

    Shape:
        Output: the input's shape.

    Example:
        >>> x = shendu.randn(8, 3, 4, 4)
        >>> rm, rv = shendu.zeros(3), shendu.ones(3)
        >>> y = batch_norm(x, rm, rv, training=True)
    """
    op = "batch_norm"
    _check_input(op, input, 2, "(N, C) or (N, C, *)")
    momentum = _check_momentum(op, momentum)
    shape = _shape(input)
    channels = shape[1]
    if training and (running_mean is None) != (running_var is None):
        given = "running_mean" if running_var is None else "running_var"
        raise ValueError(f"{op}: running_mean and running_var must both be given or both be None, got only {given}")
    _check_per_channel(
        op, input, channels, running_mean=running_mean, running_var=running_var, weight=weight, bias=bias
    )
    _check_eps(op, eps, training)
    view = (shape[0], channels, math.prod(shape[2:]))
    wshape = (1, channels, 1)
    if training:
        if view[0] * view[2] == 1:
            raise ValueError(f"{op}: expected more than 1 value per channel when training, got input shape {shape}")
        _mark_updated(op, running_mean, running_var)
        # An empty batch has no statistics to fold into the running averages, as in PyTorch.
        running = (
            None
            if (running_mean is None and running_var is None) or view[0] * view[2] == 0
            else (
                None if running_mean is None else running_mean._array,
                None if running_var is None else running_var._array,
            )
        )
        return BatchNorm.apply(
            input,
            *_affine(weight, bias),
            view=view,
            axes=(0, 2),
            wshape=wshape,
            eps=eps,
            has_weight=weight is not None,
            running=running,
            momentum=momentum,
        )
    if running_mean is None or running_var is None:
        raise ValueError(
            f"{op}: running_mean and running_var are required when training=False, "
            "since evaluation normalizes with the running statistics"
        )
    return BatchNorm.apply(
        input,
        *_affine(weight, bias),
        view=view,
        axes=(0, 2),
        wshape=wshape,
        eps=eps,
        has_weight=weight is not None,
        stats=(running_mean._array.reshape(wshape), running_var._array.reshape(wshape)),
    )


def layer_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Layer normalization: normalize over the last ``len(normalized_shape)`` dimensions.

    Args:
        input: a tensor whose trailing dimensions equal ``normalized_shape``.
        normalized_shape: the shape of the trailing dimensions to normalize over (an int for one).
        weight: the elementwise scale, of shape ``normalized_shape``. Default: None.
        bias: the elementwise shift, of shape ``normalized_shape``. Default: None.
        eps: added to the variance for numerical stability. Default: 1e-5.

    Shape:
        Input: ``(*, *normalized_shape)``. Output: the input's shape.

    Example:
        >>> x = shendu.randn(2, 5, 10)
        >>> y = layer_norm(x, (10,), shendu.ones(10), shendu.zeros(10))
    """
    op = "layer_norm"
    _check_input(op, input, 0, "(*, *normalized_shape)")
    norm_shape = _normalized_shape(op, normalized_shape)
    shape = _shape(input)
    k = len(norm_shape)
    if k > len(shape) or shape[len(shape) - k :] != norm_shape:
        expected = ", ".join(["*", *(str(s) for s in norm_shape)])
        raise ShapeError(
            f"{op}: normalized_shape {norm_shape} must equal the input's last dimensions; expected an input "
            f"of shape ({expected}), got shape {shape}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is None:
            continue
        check_tensor(op, t, name=name, optional=True)
        if _shape(t) != norm_shape:
            raise ShapeError(f"{op}: {name} must have shape normalized_shape {norm_shape}, got shape {_shape(t)}")
        _check_dtype(op, input, name, t)
    check_same_device(op, input, *_affine(weight, bias))
    _check_eps(op, eps, False)
    inner = math.prod(norm_shape)
    outer = math.prod(shape[: len(shape) - k])
    return LayerNorm.apply(
        input,
        *_affine(weight, bias),
        view=(outer, inner),
        axes=(1,),
        wshape=(1, inner),
        eps=eps,
        has_weight=weight is not None,
    )


def _normalized_shape(op: str, normalized_shape: Any) -> tuple[int, ...]:
    dims = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else normalized_shape
    try:
        out = tuple(int(d) for d in dims)
    except (TypeError, ValueError):
        raise TypeError(
            f"{op}: normalized_shape must be an int or a sequence of ints, got {normalized_shape!r}"
        ) from None
    if not out:
        raise ShapeError(f"{op}: normalized_shape must name at least one dimension, got {normalized_shape!r}")
    if any(d < 0 for d in out):
        raise ShapeError(f"{op}: normalized_shape must hold non-negative sizes, got {out}")
    return out


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Group normalization: split the channels into groups and normalize each group of each sample.

    Args:
        input: a tensor of shape ``(N, C, *)``.
        num_groups: the number of groups; must divide ``C``.
        weight: the per-channel scale, shape ``(C,)``. Default: None.
        bias: the per-channel shift, shape ``(C,)``. Default: None.
        eps: added to the variance for numerical stability. Default: 1e-5.

    Shape:
        Output: the input's shape.

    Example:
        >>> y = group_norm(shendu.randn(4, 6, 5), 3)
    """
    op = "group_norm"
    _check_input(op, input, 2, "(N, C, *)")
    shape = _shape(input)
    channels = shape[1]
    if not is_int(num_groups) or num_groups <= 0:
        raise ValueError(f"{op}: num_groups must be a positive int, got {num_groups!r}")
    if channels % num_groups:
        raise ShapeError(
            f"{op}: the number of channels must be divisible by num_groups, but the input has {channels} "
            f"channels (input shape {shape}) and num_groups={num_groups}"
        )
    _check_per_channel(op, input, channels, weight=weight, bias=bias)
    _check_eps(op, eps, True)
    spatial = math.prod(shape[2:])
    per_group = channels // num_groups
    if shape[0] * per_group * spatial == 1:
        raise ValueError(
            f"{op}: expected more than 1 value per group, got input shape {shape} with num_groups={num_groups}"
        )
    return GroupNorm.apply(
        input,
        *_affine(weight, bias),
        view=(shape[0], int(num_groups), per_group, spatial),
        axes=(2, 3),
        wshape=(1, int(num_groups), per_group, 1),
        eps=eps,
        has_weight=weight is not None,
    )


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Instance normalization: normalize each channel of each sample over its spatial dimensions.

    With ``use_input_stats`` the statistics come from each instance, and the running buffers,
    when given, are updated in place with the batch average of the instance statistics
    (unbiased variance). Without it the running statistics are used.

    Args:
        input: a tensor of shape ``(N, C, *)``.
        running_mean: the running mean, shape ``(C,)``. Default: None.
        running_var: the running variance, shape ``(C,)``. Default: None.
        weight: the per-channel scale, shape ``(C,)``. Default: None.
        bias: the per-channel shift, shape ``(C,)``. Default: None.
        use_input_stats: normalize with each instance's own statistics. Default: True.
        momentum: the weight of the new statistics in the running update. Default: 0.1.
        eps: added to the variance for numerical stability. Default: 1e-5.

    Shape:
        Output: the input's shape.

    Example:
        >>> y = instance_norm(shendu.randn(2, 3, 8, 8))
    """
    op = "instance_norm"
    _check_input(op, input, 2, "(N, C, *)")
    momentum = _check_momentum(op, momentum)
    shape = _shape(input)
    channels = shape[1]
    _check_per_channel(
        op, input, channels, running_mean=running_mean, running_var=running_var, weight=weight, bias=bias
    )
    _check_eps(op, eps, use_input_stats)
    spatial = math.prod(shape[2:])
    view = (shape[0], channels, spatial)
    wshape = (1, channels, 1)
    if use_input_stats:
        if spatial == 1:
            raise ValueError(
                f"{op}: expected more than 1 spatial element when using input statistics, got input shape {shape}"
            )
        running = None
        if running_mean is not None or running_var is not None:
            _mark_updated(op, running_mean, running_var)
            running = (
                None if running_mean is None else running_mean._array,
                None if running_var is None else running_var._array,
            )
        return InstanceNorm.apply(
            input,
            *_affine(weight, bias),
            view=view,
            axes=(2,),
            wshape=wshape,
            eps=eps,
            has_weight=weight is not None,
            running=running,
            momentum=momentum,
        )
    if running_mean is None or running_var is None:
        raise ValueError(f"{op}: running_mean and running_var are required when use_input_stats=False")
    return InstanceNorm.apply(
        input,
        *_affine(weight, bias),
        view=view,
        axes=(2,),
        wshape=wshape,
        eps=eps,
        has_weight=weight is not None,
        stats=(running_mean._array.reshape(wshape), running_var._array.reshape(wshape)),
    )
