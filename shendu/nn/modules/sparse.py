"""Embedding: a lookup table of learnable vectors, one per index."""

from __future__ import annotations

from typing import Any

from ..._checks import check_tensor
from ...autograd.grad_mode import no_grad
from ...errors import DtypeError, IndexOutOfRange, ShapeError
from ...ops.creation import empty
from ...ops.embedding import embedding
from ...tensor import Tensor
from .. import init
from ..module import Module
from ..parameter import Parameter
from ._utils import check_count, check_input, factory_kwargs

__all__ = ["Embedding"]


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, looked up by integer index.

    Args:
        num_embeddings: the size of the vocabulary.
        embedding_dim: the size of each vector.
        padding_idx: this index's vector starts at zero and gets no gradient, so it stays a fixed
            "padding" vector (negative values count from the end). Default: None.
        max_norm: rescale, in place, every looked-up vector whose norm exceeds this. Default: None.
        norm_type: the p of the p-norm for ``max_norm``. Default: 2.0.
        scale_grad_by_freq: divide each vector's gradient by the frequency of its index in the
            batch. Default: False.
        sparse: sparse gradients are not supported by shendu; must be False. Default: False.
        _weight: an initial ``(num_embeddings, embedding_dim)`` weight to use instead of N(0, 1)
            draws. Default: None.
        _freeze: do not train the weight. Default: False.
        device, dtype: where and in which dtype to create the weight. Default: None.

    Shape:
        - Input: :math:`(*)`, integer indices. Output: :math:`(*, D)` with :math:`D` = ``embedding_dim``.

    Attributes:
        weight: ``(num_embeddings, embedding_dim)``, initialized from N(0, 1) (the padding row zeroed).

    Example:
        >>> emb = nn.Embedding(10, 3, padding_idx=0)
        >>> emb(shendu.tensor([[1, 2, 0], [4, 3, 9]])).shape
        shendu.Size([2, 3, 3])
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        device, dtype = factory_kwargs(self, device, dtype)
        check_count(self, "num_embeddings", num_embeddings, minimum=0)
        check_count(self, "embedding_dim", embedding_dim, minimum=0)
        if sparse:
            raise NotImplementedError("Embedding: sparse=True is not supported; shendu computes dense gradients")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx must be in [{-num_embeddings}, {num_embeddings}) for "
                    f"num_embeddings={num_embeddings}, got {padding_idx}"
                )
            padding_idx %= num_embeddings
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = False
        if _weight is None:
            self.weight = Parameter(empty(num_embeddings, embedding_dim, device=device, dtype=dtype), not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ShapeError(
                    f"Embedding: _weight must have shape ({num_embeddings}, {embedding_dim}) "
                    f"(num_embeddings, embedding_dim), got {tuple(_weight.shape)}"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """Draw the weight from N(0, 1) and zero the padding row, as PyTorch does."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with no_grad():
                self.weight._array[self.padding_idx] = 0

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding whose weight is ``embeddings`` (its data is shared, not copied).

        Args:
            embeddings: a 2-D tensor ``(num_embeddings, embedding_dim)``.
            freeze: keep the weight fixed during training (``weight.requires_grad = False``). Default: True.
            padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse: as in the constructor.

        Example:
            >>> emb = nn.Embedding.from_pretrained(shendu.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]]))
            >>> emb(shendu.tensor([1]))
            tensor([[4.0000, 5.1000, 6.3000]])
        """
        check_tensor("Embedding.from_pretrained", embeddings, name="embeddings")
        if embeddings.ndim != 2:
            raise ShapeError(
                "Embedding.from_pretrained: embeddings must be 2-D (num_embeddings, embedding_dim), "
                f"got shape {tuple(embeddings.shape)}"
            )
        rows, cols = embeddings.shape
        return cls(
            rows,
            cols,
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
            _weight=embeddings,
            _freeze=freeze,
        )

    def forward(self, input: Tensor) -> Tensor:
        check_input(self, input)
        if input._array.dtype.kind not in "iu":
            raise DtypeError(
                f"{self._error_prefix()}expected integer indices (int64 or int32), got dtype {input.dtype}; "
                f"input shape {tuple(input.shape)}"
            )
        count = self.num_embeddings
        if input.numel():
            low, high = int(input._array.min()), int(input._array.max())
            if low < 0 or high >= count:
                bad = low if low < 0 else high
                raise IndexOutOfRange(
                    f"{self._error_prefix()}index {bad} is out of range for num_embeddings={count}; indices must be "
                    f"in [0, {count}) (input shape {tuple(input.shape)}, weight shape {tuple(self.weight.shape)})"
                )
        return embedding(
            input, self.weight, self.padding_idx, self.max_norm, self.norm_type, self.scale_grad_by_freq, self.sparse
        )

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        return text
