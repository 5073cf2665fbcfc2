"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import backend as _backend
from ..tensor import Tensor
from .optimizer import Optimizer, check_non_negative

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum.

    Each step moves every parameter against its gradient, scaled by the learning rate.
    What makes the descent *batch*, *stochastic* or *mini-batch* is only which data the
    gradient was computed on, not the optimizer: full-batch gradient descent is SGD whose
    gradient comes from the whole dataset at every step (one step per epoch, the exact
    gradient of the training loss); stochastic gradient descent proper uses one example per
    step; mini-batch descent, the usual choice, uses a batch of examples (a noisy but cheap
    estimate of the full gradient). A learning rate that is too low crawls; one that is too
    high overshoots the minimum and can make the loss oscillate or diverge.

    With gradient :math:`g_t` of parameters :math:`\theta_{t-1}`, weight decay :math:`\lambda`,
    momentum :math:`\mu` and dampening :math:`\tau`, one step computes

    .. math::
        g_t \leftarrow g_t + \lambda \theta_{t-1}, \quad
        b_t \leftarrow \mu b_{t-1} + (1 - \tau) g_t \ (b_1 = g_1), \quad
        \theta_t \leftarrow \theta_{t-1} - \gamma \, (g_t + \mu b_t \text{ if nesterov else } b_t)

    (with :math:`g_t` negated first when ``maximize``), exactly as PyTorch does, so the same
    start and the same gradients give the same trajectory.

    Args:
        params: the tensors to optimize, or dicts defining parameter groups.
        lr: the learning rate :math:`\gamma`. Default: 1e-3.
        momentum: the momentum factor :math:`\mu`. Default: 0.
        dampening: the dampening :math:`\tau` of the momentum. Default: 0.
        weight_decay: the L2 penalty :math:`\lambda`. Default: 0.
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0). Default: False.
        maximize: maximize the objective instead of minimizing it. Default: False.
        foreach: accepted for compatibility with PyTorch; shendu always updates one tensor at
            a time. Default: None.

    Example:
        >>> w = nn.Parameter(shendu.tensor([1.0]))
        >>> opt = shendu.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> opt.zero_grad()
        >>> (3 * w).sum().backward()  # the gradient is 3
        >>> opt.step()  # w - lr * 3: the first step has no momentum yet
        >>> w.detach()
        tensor([0.7000])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
        }
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_non_negative("SGD", "lr", "learning rate", group["lr"])
        check_non_negative("SGD", "momentum", "momentum value", group["momentum"])
        check_non_negative("SGD", "weight_decay", "weight_decay value", group["weight_decay"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "SGD: Nesterov momentum requires a momentum > 0 and zero dampening, got "
                f"momentum={group['momentum']} and dampening={group['dampening']}"
            )

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for index, group in enumerate(self.param_groups):
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
            for p, data, grad in self._grads(index, group):
                xp = _backend.get_array_module(data)
                d_p, tmp = self._scratch(data, 2)
                g = self._gradient(xp, data, grad, maximize, weight_decay, d_p, tmp)
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = Tensor._make(xp.array(g, copy=True))
                        state["momentum_buffer"] = buf
                    else:
                        b = buf._array
                        xp.multiply(b, momentum, out=b)
                        if dampening != 0:
                            xp.multiply(g, 1 - dampening, out=tmp)
                            xp.add(b, tmp, out=b)
                        else:
                            xp.add(b, g, out=b)
                    if nesterov:
                        xp.multiply(buf._array, momentum, out=tmp)
                        xp.add(g, tmp, out=d_p)
                        g = d_p
                    else:
                        g = buf._array
                xp.multiply(g, -lr, out=tmp)
                xp.add(data, tmp, out=data)
                p._vc[0] += 1
        return loss
