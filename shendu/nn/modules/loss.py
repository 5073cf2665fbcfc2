"""Loss modules: the module forms of the loss functions, with ``reduction`` and optional class weights."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from ..._checks import check_tensor
from ...tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
    "SmoothL1Loss",
]

_REDUCTIONS = ("none", "mean", "sum")


def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    # The pre-``reduction`` arguments: reduce=False means no reduction, size_average=False a sum.
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


class _Loss(Module):
    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        check_tensor(type(self).__name__, weight, name="weight", optional=True)
        self.register_buffer("weight", weight)


class _ElementwiseLoss(_Loss):
    # A loss that only reduces an elementwise function of input and target, named by ``_function``.
    _function: ClassVar[Callable[..., Tensor]]

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return type(self)._function(input, target, reduction=self.reduction)


class L1Loss(_ElementwiseLoss):
    """The mean (or sum) absolute error ``|input - target|``.

    Args:
        size_average, reduce: deprecated; use ``reduction``.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.

    Shape:
        - Input and target: the same shape. Output: a scalar, or that shape with ``'none'``.
    """

    _function = staticmethod(F.l1_loss)


class MSELoss(_ElementwiseLoss):
    """The mean (or sum) squared error ``(input - target)²``.

    Args:
        size_average, reduce: deprecated; use ``reduction``.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.

    Example:
        >>> nn.MSELoss()(shendu.zeros(3), shendu.ones(3))
        tensor(1.)
    """

    _function = staticmethod(F.mse_loss)


class SmoothL1Loss(_Loss):
    """Squared error below ``beta`` (divided by ``2 beta``), absolute error minus ``beta / 2`` above it.

    Args:
        size_average, reduce: deprecated; use ``reduction``.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        beta: where the loss changes from quadratic to linear. Default: 1.0.
    """

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Squared error below ``delta`` (halved), ``delta * (|x| - delta / 2)`` above it.

    Args:
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        delta: where the loss changes from quadratic to linear. Default: 1.0.
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy between logits and class indices or class probabilities (log_softmax + NLL).

    Args:
        weight: a rescaling weight per class, shape ``(C,)``. Default: None.
        size_average, reduce: deprecated; use ``reduction``.
        ignore_index: a target index that contributes neither loss nor gradient. Default: -100.
        reduction: ``'none'``, ``'mean'`` (weighted mean over non-ignored targets) or ``'sum'``.
            Default: ``'mean'``.
        label_smoothing: mix the targets with the uniform distribution by this amount. Default: 0.0.

    Shape:
        - Input: :math:`(N, C)`, :math:`(C)` or :math:`(N, C, d_1, ..., d_K)` logits.
        - Target: class indices of shape :math:`(N)` (or :math:`(N, d_1, ..., d_K)`) in ``[0, C)``,
          or probabilities with the input's shape.

    Example:
        >>> loss = nn.CrossEntropyLoss()
        >>> logits = shendu.zeros(3, 5, requires_grad=True)
        >>> loss(logits, shendu.tensor([1, 0, 4]))  # log(5) for uniform logits
        tensor(1.6094, grad_fn=<CrossEntropyBackward>)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if isinstance(label_smoothing, bool) or not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be between 0 and 1, got {label_smoothing!r}")
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices, given log-probabilities (e.g. from LogSoftmax).

    Args:
        weight: a rescaling weight per class, shape ``(C,)``. Default: None.
        size_average, reduce: deprecated; use ``reduction``.
        ignore_index: a target index that contributes neither loss nor gradient. Default: -100.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.

    Shape:
        - Input: :math:`(N, C)` or :math:`(N, C, d_1, ..., d_K)`. Target: :math:`(N)` or
          :math:`(N, d_1, ..., d_K)` class indices.
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy between probabilities in [0, 1] and targets in [0, 1].

    Prefer BCEWithLogitsLoss on logits, which is numerically stable.

    Args:
        weight: a rescaling weight, broadcast against the input. Default: None.
        size_average, reduce: deprecated; use ``reduction``.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits: sigmoid and BCE in one numerically stable step.

    Args:
        weight: a rescaling weight, broadcast against the input. Default: None.
        size_average, reduce: deprecated; use ``reduction``.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        pos_weight: a weight for the positive examples per class (broadcast along the last
            dimension), to trade recall against precision. Default: None.

    Example:
        >>> loss = nn.BCEWithLogitsLoss(pos_weight=shendu.full((10,), 3.0))
        >>> loss(shendu.zeros(4, 10), shendu.ones(4, 10))  # 3 * log(2)
        tensor(2.0794)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        for name, value in (("weight", weight), ("pos_weight", pos_weight)):
            check_tensor("BCEWithLogitsLoss", value, name=name, optional=True)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence ``target * (log(target) - input)``, with ``input`` log-probabilities.

    Args:
        size_average, reduce: deprecated; use ``reduction``.
        reduction: ``'none'``, ``'mean'``, ``'sum'`` or ``'batchmean'`` (the mathematically correct
            KL divergence: the sum divided by the batch size). Default: ``'mean'``.
        log_target: the target is given as log-probabilities too. Default: False.
    """

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        log_target: bool = False,
    ) -> None:
        Module.__init__(self)
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        if reduction not in (*_REDUCTIONS, "batchmean"):
            raise ValueError(f"KLDivLoss: reduction must be 'none', 'mean', 'sum' or 'batchmean', got {reduction!r}")
        self.reduction = reduction
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
