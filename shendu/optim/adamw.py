"""AdamW: Adam with decoupled weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter, 2019).

    Adam adds an L2 penalty's gradient :math:`\lambda\theta` to the gradient, where the
    adaptive scaling then weakens it for parameters with large gradients. AdamW instead
    shrinks the weights directly before the Adam update,
    :math:`\theta \leftarrow \theta (1 - \gamma\lambda)`, so every weight decays at the same
    rate. It is ``Adam(..., decoupled_weight_decay=True)`` with a default decay of 0.01.

    Args:
        params: the tensors to optimize, or dicts defining parameter groups.
        lr: the learning rate :math:`\gamma`. Default: 1e-3.
        betas: the decay rates of the first and second moment estimates, each in [0, 1).
            Default: (0.9, 0.999).
        eps: added to the denominator for numerical stability. Default: 1e-8.
        weight_decay: the decoupled weight decay :math:`\lambda`. Default: 1e-2.
        amsgrad: use the AMSGrad variant. Default: False.
        maximize: maximize the objective instead of minimizing it. Default: False.
        foreach: accepted for compatibility with PyTorch; has no effect. Default: None.

    Example:
        >>> w = nn.Parameter(shendu.tensor([1.0]))
        >>> opt = shendu.optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> (3 * w).sum().backward(); opt.step()  # w * (1 - lr * weight_decay), then Adam's step of lr
        >>> w.detach()
        tensor([0.8500])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            decoupled_weight_decay=True,
        )

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the optimizer's state; the weight decay stays decoupled whatever the dict says.

        Args:
            state_dict: a dict returned by ``state_dict()``.
        """
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
