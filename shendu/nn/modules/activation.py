"""Activation layers: module forms of the elementwise nonlinearities and of softmax.

``inplace=True`` writes the result into the input, as in PyTorch (recorded by autograd when the
input is in the graph).
"""

from __future__ import annotations

import warnings
from typing import Any

from ...errors import ShapeError
from ...ops.creation import full
from ...tensor import Tensor
from .. import functional as F
from ..module import Module
from ..parameter import Parameter
from ._utils import check_count, factory_kwargs

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "SELU",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "LeakyReLU",
    "LogSigmoid",
    "LogSoftmax",
    "Mish",
    "PReLU",
    "ReLU",
    "ReLU6",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softmin",
    "Softplus",
    "Softsign",
    "Tanh",
]


def _inplace_repr(inplace: bool, first: bool = True) -> str:
    if not inplace:
        return ""
    return "inplace=True" if first else ", inplace=True"


class _InplaceActivation(Module):
    """An elementwise activation whose only option is PyTorch's ``inplace`` flag."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class ReLU(_InplaceActivation):
    """``max(0, x)`` elementwise.

    Args:
        inplace: write the result into the input. Default: False.

    Example:
        >>> nn.ReLU()(shendu.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, inplace=self.inplace)


class ReLU6(_InplaceActivation):
    """``min(max(0, x), 6)`` elementwise.

    Args:
        inplace: write the result into the input. Default: False.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.relu6(input, inplace=self.inplace)


class Hardsigmoid(_InplaceActivation):
    """``relu6(x + 3) / 6`` elementwise: 0 below -3, 1 above 3, linear between.

    Args:
        inplace: write the result into the input. Default: False.

    Example:
        >>> nn.Hardsigmoid()(shendu.tensor([-4.0, 0.0, 1.5]))
        tensor([0.0000, 0.5000, 0.7500])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.hardsigmoid(input, inplace=self.inplace)


class Hardswish(_InplaceActivation):
    """``x * relu6(x + 3) / 6`` elementwise, MobileNetV3's cheap stand-in for SiLU.

    Args:
        inplace: write the result into the input. Default: False.

    Example:
        >>> nn.Hardswish()(shendu.tensor([-4.0, 0.0, 1.5]))
        tensor([-0.0000,  0.0000,  1.1250])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.hardswish(input, inplace=self.inplace)


class LeakyReLU(Module):
    """``x`` for positive inputs, ``negative_slope * x`` otherwise.

    Args:
        negative_slope: the slope for negative inputs. Default: 0.01.
        inplace: write the result into the input. Default: False.
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, inplace=self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + _inplace_repr(self.inplace, first=False)


class PReLU(Module):
    """LeakyReLU with a learned negative slope: one shared, or one per channel.

    Args:
        num_parameters: 1 (one slope for all channels) or the number of channels (dimension 1 of
            the input). Default: 1.
        init: the initial slope. Default: 0.25.
        device: where to create the parameter. Default: None (the CPU).
        dtype: the parameter's dtype. Default: None (the default float dtype).

    Example:
        >>> m = nn.PReLU(3)
        >>> m(shendu.randn(2, 3, 4)).shape
        shendu.Size([2, 3, 4])
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        device, dtype = factory_kwargs(self, device, dtype)
        check_count(self, "num_parameters", num_parameters)
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(full((num_parameters,), float(init), device=device, dtype=dtype))

    def reset_parameters(self) -> None:
        """Set every slope back to ``init``."""
        from .. import init

        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        if self.num_parameters > 1:
            # As in PyTorch, an input of fewer than 2 dimensions has no channel dimension: one channel.
            channels = input.shape[1] if input.ndim >= 2 else 1
            if channels != self.num_parameters:
                raise ShapeError(
                    f"{self._error_prefix()}expected input with {self.num_parameters} channels "
                    f"(one slope each), got {channels}; input shape {tuple(input.shape)}"
                )
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class _ExponentialActivation(_InplaceActivation):
    """ELU and CELU: an ``alpha`` for the negative side, and PyTorch's ``inplace`` flag."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.alpha = alpha

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + _inplace_repr(self.inplace, first=False)


class ELU(_ExponentialActivation):
    """``x`` for positive inputs, ``alpha * (exp(x) - 1)`` otherwise.

    Args:
        alpha: the saturation value for negative inputs. Default: 1.0.
        inplace: write the result into the input. Default: False.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha, inplace=self.inplace)


class CELU(_ExponentialActivation):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Args:
        alpha: Default: 1.0.
        inplace: write the result into the input. Default: False.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha, inplace=self.inplace)


class SELU(_InplaceActivation):
    """Scaled ELU with the self-normalizing constants of Klambauer et al. (2017).

    Args:
        inplace: write the result into the input. Default: False.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.selu(input, inplace=self.inplace)


class GELU(Module):
    """``x * Φ(x)``, Φ the standard normal CDF; ``approximate='tanh'`` uses the tanh approximation.

    Args:
        approximate: ``'none'`` (exact, with erf) or ``'tanh'``. Default: ``'none'``.
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(_InplaceActivation):
    """``x * sigmoid(x)`` (also called swish).

    Args:
        inplace: write the result into the input. Default: False.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input, inplace=self.inplace)


class Mish(_InplaceActivation):
    """``x * tanh(softplus(x))``.

    Args:
        inplace: write the result into the input. Default: False.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.mish(input, inplace=self.inplace)


class Sigmoid(Module):
    """``1 / (1 + exp(-x))`` elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    """The hyperbolic tangent, elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class LogSigmoid(Module):
    """``log(sigmoid(x))``, computed stably."""

    def forward(self, input: Tensor) -> Tensor:
        return F.logsigmoid(input)


class Softsign(Module):
    """``x / (1 + |x|)`` elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        return F.softsign(input)


class Hardtanh(Module):
    """``x`` clamped to ``[min_val, max_val]``.

    Args:
        min_val: the lower bound. Default: -1.0.
        max_val: the upper bound. Default: 1.0.
        inplace: write the result into the input. Default: False.
        min_value, max_value: deprecated aliases of ``min_val`` and ``max_val``. Default: None.
    """

    def __init__(
        self,
        min_val: float = -1.0,
        max_val: float = 1.0,
        inplace: bool = False,
        min_value: float | None = None,
        max_value: float | None = None,
    ) -> None:
        super().__init__()
        if min_value is not None:
            min_val = min_value
        if max_value is not None:
            max_val = max_value
        if not max_val > min_val:
            raise ValueError(
                f"Hardtanh: max_val must be greater than min_val, got min_val={min_val}, max_val={max_val}"
            )
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, inplace=self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + _inplace_repr(self.inplace, first=False)


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``, linear above ``threshold`` for numerical stability.

    Args:
        beta: Default: 1.0.
        threshold: above ``beta * x > threshold`` the function is the identity. Default: 20.0.
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


def _softmax_dim(name: str, ndim: int) -> int:
    warnings.warn(
        f"{name}: implicit dimension choice has been deprecated; pass dim= explicitly", UserWarning, stacklevel=4
    )
    return 0 if ndim in (0, 1, 3) else 1


class _SoftmaxBase(Module):
    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def _dim(self, input: Tensor) -> int:
        return self.dim if self.dim is not None else _softmax_dim(type(self).__name__, input.ndim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    """``exp(x) / sum(exp(x))`` along ``dim``: each slice becomes a probability distribution.

    Args:
        dim: the dimension to normalize. Default: None (deprecated: 0 for 0-, 1- and 3-D inputs, else 1).

    Example:
        >>> nn.Softmax(dim=1)(shendu.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]))
        tensor([[0.0900, 0.2447, 0.6652],
                [0.3333, 0.3333, 0.3333]])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self._dim(input))


class Softmin(_SoftmaxBase):
    """``softmax(-x)`` along ``dim``.

    Args:
        dim: the dimension to normalize. Default: None (deprecated implicit choice).
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self._dim(input))


class LogSoftmax(_SoftmaxBase):
    """``log(softmax(x))`` along ``dim``, computed stably (pair with NLLLoss).

    Args:
        dim: the dimension to normalize. Default: None (deprecated implicit choice).
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self._dim(input))
