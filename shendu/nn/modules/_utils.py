"""Argument checks shared by the layers: constructor arguments and forward inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import _dtype
from ..._checks import check_tensor, is_int, is_number
from ...backend import as_device
from ...errors import DtypeError, ShapeError
from ...tensor import Tensor

if TYPE_CHECKING:
    from ..module import Module


def check_count(module: Module, name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an int, or a constructor error naming the module, the argument and the value."""
    if not is_int(value) or value < minimum:
        kind = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise ValueError(f"{type(module).__name__}: {name} must be {kind}, got {value!r}")
    return int(value)


def factory_kwargs(module: Module, device: Any, dtype: Any, parameters: bool = True) -> tuple[Any, Any]:
    """``device=`` and ``dtype=`` checked up front, so a bad one names the layer, not the op making its weights.

    ``parameters``: whether the layer makes learnable parameters, which need a floating-point dtype.
    """
    name = type(module).__name__
    device = as_device(device, name)
    if dtype is not None:
        dtype = _dtype.to_dtype(dtype, name)
        if parameters and not dtype.is_floating_point:
            raise DtypeError(f"{name}: parameters need a floating-point dtype, got {dtype}")
    return device, dtype


def ntuple(module: Module, name: str, value: Any, n: int, minimum: int) -> tuple[int, ...]:
    """An int or a sequence of ``n`` ints, as a tuple of ``n`` ints each at least ``minimum``."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(values) != n or not all(is_int(v) and v >= minimum for v in values):
        kind = "positive ints" if minimum == 1 else f"ints >= {minimum}"
        raise ValueError(f"{type(module).__name__}: {name} must be an int or a tuple of {n} {kind}, got {value!r}")
    return tuple(int(v) for v in values)


def check_probability(module: Module, name: str, value: Any) -> float:
    """``value`` if it lies in [0, 1], else a constructor error naming it."""
    if not is_number(value) or not 0 <= value <= 1:
        raise ValueError(f"{type(module).__name__}: {name} must be a probability between 0 and 1, got {value!r}")
    return value


def check_input(module: Module, input: Any) -> None:
    """A TypeError naming the layer (and its path in the model) unless ``input`` is a Tensor."""
    check_tensor(module._error_prefix()[:-2], input, "input")


def rank_error(module: Module, expected: str, input: Tensor, hint: str = "") -> ShapeError:
    """A ShapeError for an input of the wrong rank: ``expected a 4-D (N, C, H, W) input, got a 3-D input``."""
    shape = tuple(input.shape)
    return ShapeError(
        f"{module._error_prefix()}expected {expected} input, got a {len(shape)}-D input; input shape {shape}{hint}"
    )


def channels_error(module: Module, what: str, expected: int, got: int, input: Tensor, hint: str = "") -> ShapeError:
    """A ShapeError for a channel or feature count: ``expected input with 16 channels, got 3``."""
    return ShapeError(
        f"{module._error_prefix()}expected input with {expected} {what}, got {got}; "
        f"input shape {tuple(input.shape)}{hint}"
    )


def channels_last_hint(input: Tensor, channels: int, spatial: int) -> str:
    """A hint for a channels-last input whose last dimension is the expected channel count."""
    shape = tuple(input.shape)
    if shape[-1] != channels or len(shape) < spatial + 1:
        return ""
    batched = len(shape) == spatial + 2
    order = (0, len(shape) - 1, *range(1, len(shape) - 1)) if batched else (len(shape) - 1, *range(len(shape) - 1))
    layout = {1: "L", 2: "H, W", 3: "D, H, W"}[spatial]
    form = f"(N, {layout}, C)" if batched else f"({layout}, C)"
    return (
        f"; hint: the input looks channels-last {form}; this layer expects channels first, "
        f"so convert it with x.permute{order}"
    )


def batch_hint(input: Tensor, channels: int) -> str:
    """A hint for an input that lacks its batch dimension."""
    shape = tuple(input.shape)
    if shape and shape[0] == channels:
        return "; hint: the input looks like a single sample without a batch dimension; add one with x.unsqueeze(0)"
    return ""
