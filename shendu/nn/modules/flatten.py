"""Flatten and Unflatten: reshaping layers for use inside Sequential."""

from __future__ import annotations

from collections.abc import Sequence

from ...tensor import Tensor
from ..module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flatten the dimensions ``start_dim`` to ``end_dim`` into one.

    Args:
        start_dim: the first dimension to flatten. Default: 1 (keeps the batch dimension).
        end_dim: the last dimension to flatten. Default: -1.

    Shape:
        - Input: :math:`(*, S_{start}, ..., S_{end}, *)`.
        - Output: :math:`(*, \\prod S, *)`.

    Example:
        >>> nn.Flatten()(shendu.zeros(32, 1, 5, 5)).shape
        shendu.Size([32, 25])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into the shape ``unflattened_size``.

    Args:
        dim: the dimension to split.
        unflattened_size: the sizes it splits into; their product must be the size of ``dim``
            (one entry may be -1).

    Example:
        >>> nn.Unflatten(1, (2, 5))(shendu.zeros(4, 10)).shape
        shendu.Size([4, 2, 5])
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(
                f"Unflatten: unflattened_size must be a tuple or list of ints, got {type(unflattened_size).__name__}"
            )
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
