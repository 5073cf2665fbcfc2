"""Adagrad: per-coordinate learning rates that shrink with the sum of past squared gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import backend as _backend
from ..tensor import Tensor
from .optimizer import Optimizer, check_non_negative

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad: divide each coordinate's step by the root of the sum of its squared gradients.

    With :math:`g_t` the gradient (plus :math:`\lambda\theta_{t-1}` with weight decay), one step
    computes

    .. math::
        \tilde\gamma = \frac{\gamma}{1 + (t - 1)\eta}, \quad
        s_t = s_{t-1} + g_t^2, \quad
        \theta_t = \theta_{t-1} - \tilde\gamma \frac{g_t}{\sqrt{s_t} + \epsilon}

    Coordinates with large past gradients take small steps and rare ones take large steps;
    because :math:`s_t` only grows, the steps shrink over training. The state (``sum``, and
    ``step``) is created by the constructor, as in PyTorch.

    Args:
        params: the tensors to optimize, or dicts defining parameter groups.
        lr: the learning rate :math:`\gamma`. Default: 1e-2.
        lr_decay: the learning-rate decay :math:`\eta`. Default: 0.
        weight_decay: the L2 penalty :math:`\lambda`. Default: 0.
        initial_accumulator_value: the starting value of :math:`s`. Default: 0.
        eps: added to the denominator for numerical stability. Default: 1e-10.
        foreach: accepted for compatibility with PyTorch; has no effect. Default: None.
        maximize: maximize the objective instead of minimizing it. Default: False.

    Example:
        >>> w = nn.Parameter(shendu.tensor([1.0]))
        >>> opt = shendu.optim.Adagrad([w], lr=0.1)
        >>> for step in range(2):  # steps of lr * g / sqrt(sum of g**2): 0.1, then 0.1 / sqrt(2)
        ...     opt.zero_grad()
        ...     (3 * w).sum().backward()
        ...     opt.step()
        >>> round(w.item(), 4)
        0.8293
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p: Tensor) -> dict[str, Any]:
        # PyTorch fills every accumulator with the constructor's value, whatever a group says.
        state = self.state[p]
        state["step"] = self._new_step()
        xp = _backend.get_array_module(p._array)
        state["sum"] = Tensor._make(xp.full_like(p._array, self.defaults["initial_accumulator_value"]))
        return state

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_non_negative("Adagrad", "lr", "learning rate", group["lr"])
        check_non_negative("Adagrad", "lr_decay", "lr_decay value", group["lr_decay"])
        check_non_negative("Adagrad", "weight_decay", "weight_decay value", group["weight_decay"])
        check_non_negative(
            "Adagrad",
            "initial_accumulator_value",
            "initial_accumulator_value value",
            group["initial_accumulator_value"],
        )
        check_non_negative("Adagrad", "eps", "epsilon value", group["eps"])

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for index, group in enumerate(self.param_groups):
            lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for p, data, grad in self._grads(index, group):
                xp = _backend.get_array_module(data)
                state = self.state[p] or self._init_state(p)
                step_t = state["step"]._array
                step_t += 1
                step = float(step_t)
                g_eff, tmp = self._scratch(data, 2)
                g = self._gradient(xp, data, grad, maximize, weight_decay, g_eff, tmp)
                clr = lr / (1 + (step - 1) * lr_decay)
                total = state["sum"]._array
                xp.multiply(g, g, out=tmp)
                xp.add(total, tmp, out=total)
                xp.sqrt(total, out=tmp)
                xp.add(tmp, eps, out=tmp)
                xp.multiply(g, -clr, out=g_eff)
                xp.divide(g_eff, tmp, out=g_eff)
                xp.add(data, g_eff, out=data)
                p._vc[0] += 1
        return loss
