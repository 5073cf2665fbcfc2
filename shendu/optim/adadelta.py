"""Adadelta: steps sized by the ratio of running RMS of past updates to running RMS of gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import backend as _backend
from .adam import add_square_
from .optimizer import Optimizer, check_interval, check_non_negative

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta: an adaptive method whose step has the units of the parameters.

    With :math:`g_t` the gradient (plus :math:`\lambda\theta_{t-1}` with weight decay), one step
    computes

    .. math::
        v_t = \rho v_{t-1} + (1 - \rho) g_t^2, \quad
        \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}} g_t, \quad
        u_t = \rho u_{t-1} + (1 - \rho) \Delta_t^2, \quad
        \theta_t = \theta_{t-1} - \gamma \Delta_t

    The ratio of the running RMS of past updates to that of the gradients plays the role of a
    per-coordinate learning rate, so the default ``lr`` of 1.0 rarely needs tuning.

    Args:
        params: the tensors to optimize, or dicts defining parameter groups.
        lr: a coefficient :math:`\gamma` that scales the update. Default: 1.0.
        rho: the decay rate :math:`\rho` of the running averages, in [0, 1]. Default: 0.9.
        eps: added inside the square roots for numerical stability. Default: 1e-6.
        weight_decay: the L2 penalty :math:`\lambda`. Default: 0.
        foreach: accepted for compatibility with PyTorch; has no effect. Default: None.
        maximize: maximize the objective instead of minimizing it. Default: False.

    Example:
        >>> w = nn.Parameter(shendu.tensor([1.0]))
        >>> opt = shendu.optim.Adadelta([w])
        >>> (3 * w).sum().backward(); opt.step()  # tiny at first: the update is scaled by the RMS of past updates
        >>> w.detach()
        tensor([0.9968])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
        }
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_non_negative("Adadelta", "lr", "learning rate", group["lr"])
        check_interval("Adadelta", "rho", "rho value", group["rho"], 1.0, closed=True)
        check_non_negative("Adadelta", "eps", "epsilon value", group["eps"])
        check_non_negative("Adadelta", "weight_decay", "weight_decay value", group["weight_decay"])

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for index, group in enumerate(self.param_groups):
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for p, data, grad in self._grads(index, group):
                xp = _backend.get_array_module(data)
                state = self._state(p, data, "square_avg", "acc_delta")
                g_eff, std, delta = self._scratch(data, 3)
                state["step"]._array += 1
                g = self._gradient(xp, data, grad, maximize, weight_decay, g_eff, std)
                square_avg, acc_delta = state["square_avg"]._array, state["acc_delta"]._array
                xp.multiply(square_avg, rho, out=square_avg)
                add_square_(xp, square_avg, g, 1 - rho, std)
                xp.add(square_avg, eps, out=std)
                xp.sqrt(std, out=std)
                xp.add(acc_delta, eps, out=delta)
                xp.sqrt(delta, out=delta)
                xp.divide(delta, std, out=delta)
                xp.multiply(delta, g, out=delta)
                xp.multiply(acc_delta, rho, out=acc_delta)
                add_square_(xp, acc_delta, delta, 1 - rho, std)
                xp.multiply(delta, -lr, out=delta)
                xp.add(data, delta, out=data)
                p._vc[0] += 1
        return loss
