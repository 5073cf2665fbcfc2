"""Convolution layers: Conv1d, Conv2d and ConvTranspose2d."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...errors import ShapeError
from ...ops.creation import empty, from_numpy
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ._utils import channels_error, channels_last_hint, check_count, check_input, factory_kwargs, ntuple, rank_error

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_LAYOUTS = {1: "L", 2: "H, W"}


class _ConvNd(Module):
    """Shared code of the convolutions: argument checks, parameters, initialization, input checks."""

    _spatial: int

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int],
        padding: str | int | Sequence[int],
        dilation: int | Sequence[int],
        transposed: bool,
        output_padding: int | Sequence[int],
        groups: int,
        bias: bool,
        padding_mode: str,
        device: Any,
        dtype: Any,
    ) -> None:
        super().__init__()
        device, dtype = factory_kwargs(self, device, dtype)
        n = self._spatial
        name = type(self).__name__
        check_count(self, "in_channels", in_channels)
        check_count(self, "out_channels", out_channels)
        check_count(self, "groups", groups)
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels={in_channels} must be divisible by groups={groups}")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels={out_channels} must be divisible by groups={groups}")
        kernel_size = ntuple(self, "kernel_size", kernel_size, n, 1)
        stride = ntuple(self, "stride", stride, n, 1)
        dilation = ntuple(self, "dilation", dilation, n, 1)
        if isinstance(padding, str):
            if transposed or padding not in ("same", "valid"):
                allowed = "an int or a tuple of ints" if transposed else "'same', 'valid', an int or a tuple of ints"
                raise ValueError(f"{name}: padding must be {allowed}, got {padding!r}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions (stride={stride})")
        else:
            padding = ntuple(self, "padding", padding, n, 0)
        output_padding = ntuple(self, "output_padding", output_padding, n, 0)
        for op, s, d in zip(output_padding, stride, dilation):
            if op >= max(s, d):
                raise ValueError(
                    f"{name}: output_padding={output_padding} must be smaller than either stride={stride} "
                    f"or dilation={dilation} in every dimension"
                )
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        if transposed and padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported, got {padding_mode!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        if transposed:
            shape = (in_channels, out_channels // groups, *kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *kernel_size)
        self.weight = Parameter(empty(shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw new weights and biases from PyTorch's default distributions (``kaiming_uniform_``, a=sqrt(5))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _pad_amounts(self) -> list[tuple[int, int]]:
        """(before, after) padding per spatial dimension."""
        if self.padding == "valid":
            return [(0, 0)] * self._spatial
        if self.padding == "same":
            amounts = []
            for k, d in zip(self.kernel_size, self.dilation):
                total = d * (k - 1)
                amounts.append((total // 2, total - total // 2))
            return amounts
        return [(p, p) for p in self.padding]

    def _check_input(self, input: Tensor) -> None:
        check_input(self, input)
        n = self._spatial
        layout = _LAYOUTS[n]
        if input.ndim not in (n + 1, n + 2):
            hint = ""
            if input.ndim == n and self.in_channels == 1:
                hint = "; hint: add the channel and batch dimensions with x[None, None]"
            raise rank_error(self, f"a {n + 1}-D (C, {layout}) or {n + 2}-D (N, C, {layout})", input, hint)
        channels = input.shape[-(n + 1)]
        if channels != self.in_channels:
            hint = channels_last_hint(input, self.in_channels, n)
            raise channels_error(self, "channels", self.in_channels, channels, input, hint)
        if self.transposed:
            return
        for i, ((before, after), k, d) in enumerate(zip(self._pad_amounts(), self.kernel_size, self.dilation)):
            dim = input.ndim - n + i
            size = input.shape[dim]
            span = d * (k - 1) + 1
            if size + before + after < span:
                raise ShapeError(
                    f"{self._error_prefix()}the kernel spans {span} elements in dimension {dim} "
                    f"(kernel_size={self.kernel_size}, dilation={self.dilation}), more than the padded input "
                    f"size {size + before + after} (input size {size} + padding {before + after}); "
                    f"input shape {tuple(input.shape)}"
                )

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        conv = F.conv1d if self._spatial == 1 else F.conv2d
        amounts = self._pad_amounts()
        if self.padding_mode == "zeros":
            if all(before == after for before, after in amounts):
                padding = tuple(before for before, _ in amounts)
                return conv(input, weight, bias, self.stride, padding, self.dilation, self.groups)
            # F.pad takes the last dimension first.
            pad = tuple(p for before, after in reversed(amounts) for p in (before, after))
            input = F.pad(input, pad)
        else:
            input = self._pad_by_index(input, amounts)
        return conv(input, weight, bias, self.stride, 0, self.dilation, self.groups)

    def _pad_by_index(self, input: Tensor, amounts: list[tuple[int, int]]) -> Tensor:
        """Reflect, replicate or circular padding, as a differentiable gather along each spatial dimension."""
        for i, (before, after) in enumerate(amounts):
            dim = input.ndim - self._spatial + i
            size = input.shape[dim]
            limit = size - 1 if self.padding_mode == "reflect" else size
            if max(before, after) > limit:
                raise ShapeError(
                    f"{self._error_prefix()}padding_mode={self.padding_mode!r} needs padding of at most {limit} "
                    f"in dimension {dim}, got {max(before, after)}; input shape {tuple(input.shape)}"
                )
            positions = np.arange(-before, size + after)
            if self.padding_mode == "reflect":
                positions = np.abs(positions)
                positions = np.where(positions >= size, 2 * (size - 1) - positions, positions)
            elif self.padding_mode == "replicate":
                positions = np.clip(positions, 0, size - 1)
            else:
                positions = positions % size
            input = input.index_select(dim, from_numpy(positions))
        return input

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        return self._conv_forward(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        n = self._spatial
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * n:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class _Conv(_ConvNd):
    """A convolution proper (not transposed); Conv1d and Conv2d differ only in their number of spatial dims."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: str | int | Sequence[int] = 0,
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            False,
            0,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )


class Conv1d(_Conv):
    """A 1-D convolution (cross-correlation) over an input of shape (N, C, L).

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: the size of the kernel.
        stride: the step between kernel positions. Default: 1.
        padding: zeros added on both sides: an int, a 1-tuple, ``'valid'`` (none) or ``'same'``
            (output length = input length; stride must be 1). Default: 0.
        dilation: spacing between kernel elements. Default: 1.
        groups: split the channels into this many independent groups. Default: 1.
        bias: learn a bias per output channel. Default: True.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``. Default: ``'zeros'``.
        device: where to create the parameters. Default: None (the CPU).
        dtype: the parameters' dtype. Default: None (the default float dtype).

    Shape:
        - Input: :math:`(N, C_{in}, L_{in})` or :math:`(C_{in}, L_{in})`.
        - Output: :math:`(N, C_{out}, L_{out})` with
          :math:`L_{out} = \\lfloor (L_{in} + 2p - d (k - 1) - 1) / s \\rfloor + 1`.

    Example:
        >>> m = nn.Conv1d(16, 33, 3, stride=2)
        >>> m(shendu.randn(20, 16, 50)).shape
        shendu.Size([20, 33, 24])
    """

    _spatial = 1


class Conv2d(_Conv):
    """A 2-D convolution (cross-correlation) over images of shape (N, C, H, W).

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: the size of the kernel, an int or ``(kH, kW)``.
        stride: the step between kernel positions. Default: 1.
        padding: zeros added on every side: an int, ``(pH, pW)``, ``'valid'`` (none) or ``'same'``
            (output size = input size; stride must be 1). Default: 0.
        dilation: spacing between kernel elements. Default: 1.
        groups: split the channels into this many independent groups (``groups=in_channels`` is a
            depthwise convolution). Default: 1.
        bias: learn a bias per output channel. Default: True.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``. Default: ``'zeros'``.
        device: where to create the parameters. Default: None (the CPU).
        dtype: the parameters' dtype. Default: None (the default float dtype).

    Shape:
        - Input: :math:`(N, C_{in}, H_{in}, W_{in})` or :math:`(C_{in}, H_{in}, W_{in})`.
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` with
          :math:`H_{out} = \\lfloor (H_{in} + 2p - d (k - 1) - 1) / s \\rfloor + 1` (and likewise W).

    Attributes:
        weight: shape ``(out_channels, in_channels // groups, kH, kW)``, initialized with
            ``kaiming_uniform_(a=sqrt(5))`` as in PyTorch.
        bias: shape ``(out_channels,)``, from U(-k, k) with ``k = 1/sqrt(fan_in)``.

    Example:
        >>> m = nn.Conv2d(3, 16, 3, padding=1)
        >>> m(shendu.randn(8, 3, 32, 32)).shape
        shendu.Size([8, 16, 32, 32])
    """

    _spatial = 2


class ConvTranspose2d(_ConvNd):
    """A 2-D transposed convolution: the gradient of Conv2d with respect to its input (upsampling).

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: the size of the kernel, an int or ``(kH, kW)``.
        stride: the upsampling factor. Default: 1.
        padding: ``dilation * (kernel_size - 1) - padding`` zeros are added to each side of the input.
            Default: 0.
        output_padding: extra size added to one side of the output, to pick among the output sizes a
            strided Conv2d maps to the same input size. Default: 0.
        groups: split the channels into this many independent groups. Default: 1.
        bias: learn a bias per output channel. Default: True.
        dilation: spacing between kernel elements. Default: 1.
        padding_mode: only ``'zeros'``. Default: ``'zeros'``.
        device: where to create the parameters. Default: None (the CPU).
        dtype: the parameters' dtype. Default: None (the default float dtype).

    Shape:
        - Input: :math:`(N, C_{in}, H_{in}, W_{in})` or :math:`(C_{in}, H_{in}, W_{in})`.
        - Output: :math:`H_{out} = (H_{in} - 1) s - 2p + d (k - 1) + p_{out} + 1` (and likewise W).

    Attributes:
        weight: shape ``(in_channels, out_channels // groups, kH, kW)``.

    Example:
        >>> up = nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1)
        >>> up(shendu.randn(1, 16, 12, 12)).shape
        shendu.Size([1, 8, 24, 24])
    """

    _spatial = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        output_padding: int | Sequence[int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | Sequence[int] = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            True,
            output_padding,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None) -> tuple[int, ...]:
        if output_size is None:
            return self.output_padding
        n = self._spatial
        sizes = tuple(output_size)[-n:]
        if len(sizes) != n:
            raise ShapeError(
                f"{self._error_prefix()}output_size must give the {n} spatial sizes, got {tuple(output_size)}"
            )
        padding = []
        for i, size in enumerate(sizes):
            in_size = input.shape[input.ndim - n + i]
            smallest = (
                (in_size - 1) * self.stride[i] - 2 * self.padding[i] + self.dilation[i] * (self.kernel_size[i] - 1) + 1
            )
            largest = smallest + max(self.stride[i], self.dilation[i]) - 1
            if not smallest <= size <= largest:
                raise ShapeError(
                    f"{self._error_prefix()}output_size {tuple(sizes)} is not reachable: for input shape "
                    f"{tuple(input.shape)} dimension {input.ndim - n + i} can be from {smallest} to {largest}"
                )
            padding.append(size - smallest)
        return tuple(padding)

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        self._check_input(input)
        output_padding = self._output_padding(input, output_size)
        return F.conv_transpose2d(
            input, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups, self.dilation
        )
