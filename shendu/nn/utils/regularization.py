"""L1 and L2 penalties over a model's parameters, to add to a loss."""

from __future__ import annotations

from collections.abc import Iterable

from ...tensor import Tensor
from ..module import Module

__all__ = ["l1_penalty", "l2_penalty"]


def _parameters(op: str, params: Module | Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(params, Module):
        found = list(params.parameters())
    elif isinstance(params, Tensor):
        found = [params]
    else:
        found = list(params)
    for p in found:
        if not isinstance(p, Tensor):
            raise TypeError(f"{op}: expected a Module or tensors, got a {type(p).__name__}")
    if not found:
        raise ValueError(f"{op}: there are no parameters to penalize")
    return found


def l1_penalty(params: Module | Tensor | Iterable[Tensor], weight: float = 1.0) -> Tensor:
    """``weight * sum(|p|)`` over every element of every parameter: the lasso penalty, which drives weights to 0.

    Args:
        params: a Module (all its parameters), a tensor, or an iterable of tensors (e.g. only the
            weights, leaving biases unpenalized).
        weight: the coefficient. Default: 1.0.

    Returns:
        A 0-d tensor; gradients flow to the parameters (``weight * sign(p)``).

    Example:
        >>> model = nn.Linear(2, 1)
        >>> x, y = shendu.randn(4, 2), shendu.randn(4, 1)
        >>> loss = nn.functional.mse_loss(model(x), y) + nn.utils.l1_penalty(model, 1e-5)
        >>> loss.backward()
    """
    terms = [p.abs().sum() for p in _parameters("l1_penalty", params)]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total * weight


def l2_penalty(params: Module | Tensor | Iterable[Tensor], weight_decay: float = 1.0) -> Tensor:
    """``weight_decay / 2 * sum(p ** 2)`` over every parameter: the ridge (weight decay) penalty.

    The gradient of this penalty is ``weight_decay * p``, so adding it to the loss is exactly what
    ``optim.SGD(..., weight_decay=weight_decay)`` does (with or without momentum). It is *not* the
    same as ``optim.Adam(..., weight_decay=...)`` in effect: Adam divides every gradient, the
    penalty's included, by a running RMS of past gradients, so weights with large gradients are
    decayed less. Decoupled decay, which shrinks the weights directly by ``lr * weight_decay * p``,
    is ``optim.AdamW``; use that instead of an L2 term when training with Adam.

    Args:
        params: a Module (all its parameters), a tensor, or an iterable of tensors (e.g. only the
            weights, leaving biases and normalization parameters unpenalized).
        weight_decay: the coefficient, in the same units as SGD's ``weight_decay``. Default: 1.0.

    Returns:
        A 0-d tensor.

    Example:
        >>> model = nn.Linear(2, 1)
        >>> x, y = shendu.randn(4, 2), shendu.randn(4, 1)
        >>> loss = nn.functional.mse_loss(model(x), y) + nn.utils.l2_penalty(model, 5e-4)  # == SGD(weight_decay=5e-4)
        >>> loss.backward()
    """
    terms = [(p * p).sum() for p in _parameters("l2_penalty", params)]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total * (weight_decay / 2)
