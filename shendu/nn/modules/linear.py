"""Linear (fully connected) layers, and Identity."""

from __future__ import annotations

import math
from typing import Any

from ...errors import ShapeError
from ...ops.creation import empty
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ._utils import check_count, check_input, factory_kwargs

__all__ = ["Bilinear", "Identity", "Linear"]


class Identity(Module):
    """A placeholder that returns its input unchanged; any constructor arguments are ignored.

    Example:
        >>> model = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 2))
        >>> model[2] = nn.Identity()  # the classifier becomes a feature extractor
        >>> model(shendu.randn(3, 8)).shape
        shendu.Size([3, 4])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Linear(Module):
    """An affine map of the last dimension: ``y = x @ weight.T + bias``.

    Args:
        in_features: the size of each input sample.
        out_features: the size of each output sample.
        bias: learn an additive bias. Default: True.
        device: where to create the parameters. Default: None (the CPU).
        dtype: the parameters' dtype. Default: None (the default float dtype).

    Shape:
        - Input: :math:`(*, H_{in})` with :math:`H_{in}` = ``in_features``.
        - Output: :math:`(*, H_{out})` with :math:`H_{out}` = ``out_features``.

    Attributes:
        weight: shape ``(out_features, in_features)``, initialized from U(-k, k) with
            ``k = 1/sqrt(in_features)`` (``kaiming_uniform_`` with ``a=sqrt(5)``, as in PyTorch).
        bias: shape ``(out_features,)``, from U(-k, k).

    Example:
        >>> m = nn.Linear(20, 30)
        >>> m(shendu.randn(128, 20)).shape
        shendu.Size([128, 30])
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        device, dtype = factory_kwargs(self, device, dtype)
        check_count(self, "in_features", in_features, minimum=0)
        check_count(self, "out_features", out_features, minimum=0)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in_features, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw new weights and biases from PyTorch's default distributions."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        check_input(self, input)
        shape = tuple(input.shape)
        if not shape or shape[-1] != self.in_features:
            got = f"{shape[-1]}" if shape else "a 0-d tensor"
            raise ShapeError(
                f"{self._error_prefix()}expected input with {self.in_features} features in the last dimension, "
                f"got {got}; input shape {shape}{self._hint(shape)}"
            )
        return F.linear(input, self.weight, self.bias)

    def _hint(self, shape: tuple[int, ...]) -> str:
        n = self.in_features
        if len(shape) >= 3 and math.prod(shape[1:]) == n:
            return "; hint: flatten every dimension but the batch first, e.g. with nn.Flatten() or x.flatten(1)"
        if len(shape) >= 2 and math.prod(shape) == n:
            return (
                "; hint: this looks like a single sample without a batch dimension; "
                "flatten it and add one with x.reshape(1, -1)"
            )
        if len(shape) >= 2 and shape[-2] == n:
            return "; hint: the features are in dimension -2; transpose with x.transpose(-1, -2)"
        return ""

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """A bilinear map of two inputs: ``y = x1^T A x2 + b``, one matrix ``A`` per output feature.

    Args:
        in1_features: the size of each sample of the first input.
        in2_features: the size of each sample of the second input.
        out_features: the size of each output sample.
        bias: learn an additive bias. Default: True.
        device: where to create the parameters. Default: None (the CPU).
        dtype: the parameters' dtype. Default: None (the default float dtype).

    Shape:
        - Input1: :math:`(*, H_{in1})`; Input2: :math:`(*, H_{in2})` with the same leading dimensions.
        - Output: :math:`(*, H_{out})`.

    Attributes:
        weight: shape ``(out_features, in1_features, in2_features)``, from U(-k, k) with
            ``k = 1/sqrt(in1_features)``, as in PyTorch.
        bias: shape ``(out_features,)``, from U(-k, k).

    Example:
        >>> m = nn.Bilinear(20, 30, 40)
        >>> m(shendu.randn(128, 20), shendu.randn(128, 30)).shape
        shendu.Size([128, 40])
    """

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        device, dtype = factory_kwargs(self, device, dtype)
        check_count(self, "in1_features", in1_features)
        check_count(self, "in2_features", in2_features, minimum=0)
        check_count(self, "out_features", out_features, minimum=0)
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in1_features, in2_features, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw new weights and biases from U(-k, k), ``k = 1/sqrt(in1_features)``."""
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        check_input(self, input1)
        check_input(self, input2)
        for i, (x, n) in enumerate(((input1, self.in1_features), (input2, self.in2_features)), start=1):
            if x.ndim == 0 or x.shape[-1] != n:
                got = x.shape[-1] if x.ndim else "a 0-d tensor"
                raise ShapeError(
                    f"{self._error_prefix()}expected input{i} with {n} features in the last dimension, got {got}; "
                    f"input{i} shape {tuple(x.shape)}"
                )
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
