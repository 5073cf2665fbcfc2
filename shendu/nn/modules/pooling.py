"""Pooling layers: max and average pooling, and their adaptive forms."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..._checks import is_int
from ...errors import ShapeError
from ...tensor import Tensor
from .. import functional as F
from ..module import Module
from ._utils import check_input, ntuple, rank_error

__all__ = [
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "MaxPool1d",
    "MaxPool2d",
]

_LAYOUTS = {1: "L", 2: "H, W"}


def _check_rank(module: Module, input: Tensor, spatial: int) -> None:
    check_input(module, input)
    if input.ndim not in (spatial + 1, spatial + 2):
        layout = _LAYOUTS[spatial]
        raise rank_error(module, f"a {spatial + 1}-D (C, {layout}) or {spatial + 2}-D (N, C, {layout})", input)


class _PoolNd(Module):
    """Shared checks of the sliding-window pools."""

    _spatial: int

    def _windows(
        self, kernel_size: Any, stride: Any, padding: Any, dilation: Any
    ) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        n = self._spatial
        kernel = ntuple(self, "kernel_size", kernel_size, n, 1)
        steps = kernel if stride is None or stride == [] else ntuple(self, "stride", stride, n, 1)
        pads = ntuple(self, "padding", padding, n, 0)
        dilations = ntuple(self, "dilation", dilation, n, 1)
        for p, k, d in zip(pads, kernel, dilations):
            if 2 * p > d * (k - 1) + 1:
                raise ValueError(
                    f"{type(self).__name__}: padding should be at most half of the effective kernel size, "
                    f"got padding={padding}, kernel_size={kernel_size} and dilation={dilation}"
                )
        return kernel, steps, pads, dilations

    def _check_input(self, input: Tensor) -> None:
        n = self._spatial
        _check_rank(self, input, n)
        for i in range(n):
            dim = input.ndim - n + i
            size = input.shape[dim]
            k, s, p, d = self._kernel[i], self._stride[i], self._padding[i], self._dilation[i]
            span = d * (k - 1) + 1
            # With ceil_mode a window may run past the input's end as long as it starts inside, as in PyTorch.
            if size + 2 * p < span and not self.ceil_mode:
                raise ShapeError(
                    f"{self._error_prefix()}the pooling window spans {span} elements in dimension {dim}, more than "
                    f"the padded input size {size + 2 * p} (input size {size} + padding {2 * p}); "
                    f"input shape {tuple(input.shape)}"
                )
            steps = (size + 2 * p - span) / s
            out = (math.ceil(steps) if self.ceil_mode else math.floor(steps)) + 1
            if self.ceil_mode and (out - 1) * s >= size + p:
                out -= 1
            if out <= 0:
                raise ShapeError(
                    f"{self._error_prefix()}the output would have size {out} in dimension {dim}; "
                    f"input shape {tuple(input.shape)}"
                )


class _MaxPoolNd(_PoolNd):
    def __init__(
        self,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] | None = None,
        padding: int | Sequence[int] = 0,
        dilation: int | Sequence[int] = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self._kernel, self._stride, self._padding, self._dilation = self._windows(
            kernel_size, stride, padding, dilation
        )
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None and stride != [] else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling over an input of shape (N, C, L).

    Args:
        kernel_size: the window size.
        stride: the step between windows. Default: None (``kernel_size``).
        padding: implicit negative infinity added on both sides; at most half the kernel. Default: 0.
        dilation: spacing between window elements. Default: 1.
        return_indices: also return the flat positions of the maxima (for MaxUnpool). Default: False.
        ceil_mode: round the output size up instead of down. Default: False.

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`.
        - Output: :math:`(N, C, L_{out})`, :math:`L_{out} = \\lfloor (L_{in} + 2p - d (k - 1) - 1) / s \\rfloor + 1`.

    Example:
        >>> nn.MaxPool1d(3, stride=2)(shendu.randn(20, 16, 50)).shape
        shendu.Size([20, 16, 24])
    """

    _spatial = 1

    def forward(self, input: Tensor) -> Any:
        self._check_input(input)
        return F.max_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class MaxPool2d(_MaxPoolNd):
    """2-D max pooling over images of shape (N, C, H, W).

    Args:
        kernel_size: the window size, an int or ``(kH, kW)``.
        stride: the step between windows. Default: None (``kernel_size``).
        padding: implicit negative infinity added on every side; at most half the kernel. Default: 0.
        dilation: spacing between window elements. Default: 1.
        return_indices: also return the flat positions of the maxima. Default: False.
        ceil_mode: round the output size up instead of down. Default: False.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`H_{out} = \\lfloor (H_{in} + 2p - d (k - 1) - 1) / s \\rfloor + 1` (ceil with
          ``ceil_mode``), and likewise W.

    Example:
        >>> nn.MaxPool2d(2)(shendu.randn(8, 16, 32, 32)).shape
        shendu.Size([8, 16, 16, 16])
    """

    _spatial = 2

    def forward(self, input: Tensor) -> Any:
        self._check_input(input)
        return F.max_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class AvgPool1d(_PoolNd):
    """1-D average pooling over an input of shape (N, C, L).

    Args:
        kernel_size: the window size.
        stride: the step between windows. Default: None (``kernel_size``).
        padding: zeros added on both sides; at most half the kernel. Default: 0.
        ceil_mode: round the output size up instead of down. Default: False.
        count_include_pad: count the padding zeros in the average. Default: True.

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`.
        - Output: :math:`(N, C, L_{out})`, :math:`L_{out} = \\lfloor (L_{in} + 2p - k) / s \\rfloor + 1`.

    Example:
        >>> nn.AvgPool1d(3, stride=2)(shendu.arange(7.0).view(1, 1, 7))
        tensor([[[1., 3., 5.]]])
    """

    _spatial = 1

    def __init__(
        self,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] | None = None,
        padding: int | Sequence[int] = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self._kernel, self._stride, self._padding, self._dilation = self._windows(kernel_size, stride, padding, 1)
        # PyTorch keeps the 1-d sizes as 1-tuples, which shows in the repr.
        self.kernel_size = self._kernel
        self.stride = self._stride
        self.padding = self._padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_PoolNd):
    """2-D average pooling over images of shape (N, C, H, W).

    Args:
        kernel_size: the window size, an int or ``(kH, kW)``.
        stride: the step between windows. Default: None (``kernel_size``).
        padding: zeros added on every side; at most half the kernel. Default: 0.
        ceil_mode: round the output size up instead of down. Default: False.
        count_include_pad: count the padding zeros in the average. Default: True.
        divisor_override: divide by this instead of the window size. Default: None.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`H_{out} = \\lfloor (H_{in} + 2p - k) / s \\rfloor + 1`, and likewise W.

    Example:
        >>> nn.AvgPool2d(2)(shendu.randn(8, 16, 32, 32)).shape
        shendu.Size([8, 16, 16, 16])
    """

    _spatial = 2

    def __init__(
        self,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] | None = None,
        padding: int | Sequence[int] = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self._kernel, self._stride, self._padding, self._dilation = self._windows(kernel_size, stride, padding, 1)
        if divisor_override is not None and (not is_int(divisor_override, numpy=False) or divisor_override == 0):
            raise ValueError(f"AvgPool2d: divisor_override must be a nonzero int or None, got {divisor_override!r}")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None and stride != [] else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        return F.avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


def _check_output_size(module: Module, output_size: Any) -> None:
    def positive(v: Any) -> bool:
        return is_int(v, numpy=False) and v > 0

    if isinstance(output_size, (tuple, list)):
        ok = len(output_size) == 2 and all(v is None or positive(v) for v in output_size)
    else:
        ok = positive(output_size)
    if not ok:
        raise ValueError(
            f"{type(module).__name__}: output_size must be a positive int or a pair of positive ints "
            f"(None keeps that size), got {output_size!r}"
        )


class AdaptiveAvgPool1d(Module):
    """1-D average pooling to a fixed output length, whatever the input length.

    Args:
        output_size: the target length ``L_out``.

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`.

    Example:
        >>> nn.AdaptiveAvgPool1d(1)(shendu.randn(8, 64, 50)).shape
        shendu.Size([8, 64, 1])
    """

    def __init__(self, output_size: int | tuple[int]) -> None:
        super().__init__()
        size = output_size[0] if isinstance(output_size, (tuple, list)) and len(output_size) == 1 else output_size
        if not is_int(size, numpy=False) or size < 1:
            raise ValueError(f"AdaptiveAvgPool1d: output_size must be a positive int, got {output_size!r}")
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        _check_rank(self, input, 1)
        return F.adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(Module):
    """2-D average pooling to a fixed output size, whatever the input size.

    Args:
        output_size: the target ``(H, W)``, or one int for a square; None keeps the input's size.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})`.

    Example:
        >>> nn.AdaptiveAvgPool2d((1, 1))(shendu.randn(8, 512, 7, 7)).shape
        shendu.Size([8, 512, 1, 1])
    """

    def __init__(self, output_size: int | Sequence[int | None]) -> None:
        super().__init__()
        _check_output_size(self, output_size)
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        _check_rank(self, input, 2)
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """2-D max pooling to a fixed output size, whatever the input size.

    Args:
        output_size: the target ``(H, W)``, or one int for a square; None keeps the input's size.
        return_indices: also return the positions of the maxima. Default: False.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})`.

    Example:
        >>> nn.AdaptiveMaxPool2d(2)(shendu.randn(1, 3, 9, 9)).shape
        shendu.Size([1, 3, 2, 2])
    """

    def __init__(self, output_size: int | Sequence[int | None], return_indices: bool = False) -> None:
        super().__init__()
        _check_output_size(self, output_size)
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Any:
        _check_rank(self, input, 2)
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
