"""Padding layers: constant (and zero), reflection, replication and circular padding of 1, 2 or 3 dims."""

from __future__ import annotations

from typing import Any

from ..._checks import is_int
from ...errors import ShapeError
from ...tensor import Tensor
from .. import functional as F
from ..module import Module
from ._utils import check_input

__all__ = [
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
]


def _padding(module: Module, padding: Any, dims: int) -> tuple[int, ...]:
    """One int for every side, or ``2 * dims`` ints (left, right, top, bottom, front, back); negatives crop."""
    if is_int(padding):
        return (int(padding),) * (2 * dims)
    if isinstance(padding, (tuple, list)) and len(padding) == 2 * dims and all(is_int(p) for p in padding):
        return tuple(int(p) for p in padding)
    sides = ", ".join(("left", "right", "top", "bottom", "front", "back")[: 2 * dims])
    raise ValueError(
        f"{type(module).__name__}: padding must be an int or a tuple of {2 * dims} ints ({sides}), got {padding!r}"
    )


class _PadNd(Module):
    """The shared body: ``F.pad(input, self.padding, mode)``; subclasses set ``mode`` and ``dims``."""

    mode = "constant"
    dims = 1

    def __init__(self, padding: int | tuple[int, ...]) -> None:
        super().__init__()
        self.padding = _padding(self, padding, self.dims)

    def forward(self, input: Tensor) -> Tensor:
        check_input(self, input)
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _CopyPadNd(_PadNd):
    def forward(self, input: Tensor) -> Tensor:
        check_input(self, input)
        if input.ndim not in (self.dims + 1, self.dims + 2):
            layout = {1: "(C, W) or (N, C, W)", 2: "(C, H, W) or (N, C, H, W)", 3: "(C, D, H, W) or (N, C, D, H, W)"}
            raise ShapeError(
                f"{self._error_prefix()}expected a {self.dims + 1}-D or {self.dims + 2}-D input "
                f"{layout[self.dims]}, got a {input.ndim}-D input; input shape {tuple(input.shape)}"
            )
        return F.pad(input, self.padding, self.mode)


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: int | tuple[int, ...], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        check_input(self, input)
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with a constant.

    Args:
        padding: the amount on both sides (an int), or ``(left, right)``; negative amounts crop.
        value: the fill value.

    Shape:
        - Input: :math:`(*, W_{in})`. Output: :math:`(*, W_{in} + left + right)`.

    Example:
        >>> nn.ConstantPad1d((1, 2), 3.5)(shendu.ones(1, 2))
        tensor([[3.5000, 1.0000, 1.0000, 3.5000, 3.5000]])
    """

    dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with a constant.

    Args:
        padding: the amount on every side (an int), or ``(left, right, top, bottom)``; negative amounts crop.
        value: the fill value.

    Shape:
        - Input: :math:`(*, H_{in}, W_{in})`.
        - Output: :math:`(*, H_{in} + top + bottom, W_{in} + left + right)`.

    Example:
        >>> nn.ConstantPad2d((1, 0, 0, 1), -1.0)(shendu.ones(1, 2, 2))
        tensor([[[-1.,  1.,  1.],
                 [-1.,  1.,  1.],
                 [-1., -1., -1.]]])
    """

    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with a constant.

    Args:
        padding: the amount on every side (an int), or ``(left, right, top, bottom, front, back)``.
        value: the fill value.

    Shape:
        - Input: :math:`(*, D_{in}, H_{in}, W_{in})`.
        - Output: :math:`(*, D_{in} + front + back, H_{in} + top + bottom, W_{in} + left + right)`.

    Example:
        >>> nn.ConstantPad3d(1, 0.5)(shendu.ones(1, 2, 2, 2)).shape
        shendu.Size([1, 4, 4, 4])
    """

    dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros.

    Args:
        padding: the amount on both sides (an int), or ``(left, right)``; negative amounts crop.

    Example:
        >>> nn.ZeroPad1d((2, 0))(shendu.ones(1, 2))
        tensor([[0., 0., 1., 1.]])
    """

    def __init__(self, padding: int | tuple[int, int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros.

    Args:
        padding: the amount on every side (an int), or ``(left, right, top, bottom)``; negative amounts crop.

    Example:
        >>> nn.ZeroPad2d((1, 1, 2, 0))(shendu.ones(1, 1, 2, 2)).shape
        shendu.Size([1, 1, 4, 4])
    """

    def __init__(self, padding: int | tuple[int, int, int, int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dims with zeros.

    Args:
        padding: the amount on every side (an int), or ``(left, right, top, bottom, front, back)``.

    Example:
        >>> nn.ZeroPad3d(1)(shendu.ones(1, 1, 1, 1)).shape
        shendu.Size([1, 3, 3, 3])
    """

    def __init__(self, padding: int | tuple[int, ...]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pad the last dim with the reflection of the input about its edge elements.

    Args:
        padding: the amount on both sides (an int), or ``(left, right)``; each below the input's width.

    Shape:
        - Input: :math:`(C, W_{in})` or :math:`(N, C, W_{in})`.
        - Output: :math:`W_{out} = W_{in} + left + right`.

    Example:
        >>> nn.ReflectionPad1d(2)(shendu.tensor([[0.0, 1.0, 2.0, 3.0]]))
        tensor([[2., 1., 0., 1., 2., 3., 2., 1.]])
    """

    mode = "reflect"
    dims = 1


class ReflectionPad2d(_PadNd):
    """Pad the last two dims with the reflection of the input about its edges.

    Args:
        padding: the amount on every side (an int), or ``(left, right, top, bottom)``; each below the
            size of its dim.

    Shape:
        - Input: :math:`(C, H_{in}, W_{in})` or :math:`(N, C, H_{in}, W_{in})`.
        - Output: :math:`H_{out} = H_{in} + top + bottom`, :math:`W_{out} = W_{in} + left + right`.

    Example:
        >>> nn.ReflectionPad2d(1)(shendu.arange(4.0).reshape(1, 1, 2, 2))
        tensor([[[[3., 2., 3., 2.],
                  [1., 0., 1., 0.],
                  [3., 2., 3., 2.],
                  [1., 0., 1., 0.]]]])
    """

    mode = "reflect"
    dims = 2


class ReflectionPad3d(_PadNd):
    """Pad the last three dims with the reflection of the input about its edges.

    Args:
        padding: the amount on every side (an int), or ``(left, right, top, bottom, front, back)``.

    Shape:
        - Input: :math:`(C, D, H, W)` or :math:`(N, C, D, H, W)`.

    Example:
        >>> nn.ReflectionPad3d(1)(shendu.randn(1, 1, 2, 2, 2)).shape
        shendu.Size([1, 1, 4, 4, 4])
    """

    mode = "reflect"
    dims = 3


class ReplicationPad1d(_PadNd):
    """Pad the last dim by repeating the input's edge elements.

    Args:
        padding: the amount on both sides (an int), or ``(left, right)``.

    Shape:
        - Input: :math:`(C, W_{in})` or :math:`(N, C, W_{in})`.
        - Output: :math:`W_{out} = W_{in} + left + right`.

    Example:
        >>> nn.ReplicationPad1d((2, 1))(shendu.tensor([[0.0, 1.0, 2.0]]))
        tensor([[0., 0., 0., 1., 2., 2.]])
    """

    mode = "replicate"
    dims = 1


class ReplicationPad2d(_PadNd):
    """Pad the last two dims by repeating the input's edge elements.

    Args:
        padding: the amount on every side (an int), or ``(left, right, top, bottom)``.

    Shape:
        - Input: :math:`(C, H_{in}, W_{in})` or :math:`(N, C, H_{in}, W_{in})`.
        - Output: :math:`H_{out} = H_{in} + top + bottom`, :math:`W_{out} = W_{in} + left + right`.

    Example:
        >>> nn.ReplicationPad2d(1)(shendu.randn(1, 3, 4, 4)).shape
        shendu.Size([1, 3, 6, 6])
    """

    mode = "replicate"
    dims = 2


class ReplicationPad3d(_PadNd):
    """Pad the last three dims by repeating the input's edge elements.

    Args:
        padding: the amount on every side (an int), or ``(left, right, top, bottom, front, back)``.

    Shape:
        - Input: :math:`(C, D, H, W)` or :math:`(N, C, D, H, W)`.

    Example:
        >>> nn.ReplicationPad3d((1, 1, 0, 0, 2, 0))(shendu.randn(1, 1, 2, 2, 2)).shape
        shendu.Size([1, 1, 4, 2, 4])
    """

    mode = "replicate"
    dims = 3


class CircularPad1d(_CopyPadNd):
    """Pad the last dim by wrapping around: the input continues as if it repeated periodically.

    Args:
        padding: the amount on both sides (an int), or ``(left, right)``; each at most the input's width.

    Shape:
        - Input: :math:`(C, W_{in})` or :math:`(N, C, W_{in})`.
        - Output: :math:`W_{out} = W_{in} + left + right`.

    Example:
        >>> nn.CircularPad1d((2, 1))(shendu.tensor([[0.0, 1.0, 2.0]]))
        tensor([[1., 2., 0., 1., 2., 0.]])
    """

    mode = "circular"
    dims = 1


class CircularPad2d(_CopyPadNd):
    """Pad the last two dims by wrapping around, as on a torus.

    Args:
        padding: the amount on every side (an int), or ``(left, right, top, bottom)``.

    Shape:
        - Input: :math:`(C, H_{in}, W_{in})` or :math:`(N, C, H_{in}, W_{in})`.
        - Output: :math:`H_{out} = H_{in} + top + bottom`, :math:`W_{out} = W_{in} + left + right`.

    Example:
        >>> nn.CircularPad2d(1)(shendu.randn(1, 3, 4, 4)).shape
        shendu.Size([1, 3, 6, 6])
    """

    mode = "circular"
    dims = 2


class CircularPad3d(_CopyPadNd):
    """Pad the last three dims by wrapping around.

    Args:
        padding: the amount on every side (an int), or ``(left, right, top, bottom, front, back)``.

    Shape:
        - Input: :math:`(C, D, H, W)` or :math:`(N, C, D, H, W)`.

    Example:
        >>> nn.CircularPad3d(1)(shendu.randn(1, 1, 2, 2, 2)).shape
        shendu.Size([1, 1, 4, 4, 4])
    """

    mode = "circular"
    dims = 3
