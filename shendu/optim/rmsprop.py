"""RMSprop: gradient steps divided by a running root mean square of the gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import backend as _backend
from .adam import add_square_, lerp_
from .optimizer import Optimizer, check_non_negative

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop: divide each gradient by a running root mean square of recent gradients.

    With :math:`g_t` the gradient (plus :math:`\lambda\theta_{t-1}` with weight decay), one step
    computes

    .. math::
        v_t = \alpha v_{t-1} + (1 - \alpha) g_t^2, \quad
        \bar g_t = \alpha \bar g_{t-1} + (1 - \alpha) g_t \ \text{(centered only)}, \quad
        d_t = \sqrt{v_t - \bar g_t^2} + \epsilon \ \text{(or } \sqrt{v_t} + \epsilon\text{)}

    then :math:`\theta_t = \theta_{t-1} - \gamma g_t / d_t`, or with momentum
    :math:`b_t = \mu b_{t-1} + g_t / d_t` and :math:`\theta_t = \theta_{t-1} - \gamma b_t`.
    The centered form normalizes by an estimate of the gradient's variance instead of its
    second moment. The arithmetic follows PyTorch's single-tensor implementation.

    Args:
        params: the tensors to optimize, or dicts defining parameter groups.
        lr: the learning rate :math:`\gamma`. Default: 1e-2.
        alpha: the smoothing constant :math:`\alpha`. Default: 0.99.
        eps: added to the denominator for numerical stability. Default: 1e-8.
        weight_decay: the L2 penalty :math:`\lambda`. Default: 0.
        momentum: the momentum factor :math:`\mu`. Default: 0.
        centered: normalize by the estimated variance of the gradient. Default: False.
        foreach: accepted for compatibility with PyTorch; has no effect. Default: None.
        maximize: maximize the objective instead of minimizing it. Default: False.

    Example:
        >>> w = nn.Parameter(shendu.tensor([1.0]))
        >>> opt = shendu.optim.RMSprop([w], lr=0.01)
        >>> (3 * w).sum().backward(); opt.step()  # lr * 3 / sqrt((1 - alpha) * 3**2), alpha = 0.99
        >>> w.detach()
        tensor([0.9000])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_non_negative("RMSprop", "lr", "learning rate", group["lr"])
        check_non_negative("RMSprop", "eps", "epsilon value", group["eps"])
        check_non_negative("RMSprop", "momentum", "momentum value", group["momentum"])
        check_non_negative("RMSprop", "weight_decay", "weight_decay value", group["weight_decay"])
        check_non_negative("RMSprop", "alpha", "alpha value", group["alpha"])

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for index, group in enumerate(self.param_groups):
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            weight_decay, momentum = group["weight_decay"], group["momentum"]
            centered, maximize = group["centered"], group["maximize"]
            buffers = ["square_avg"] + ["momentum_buffer"] * (momentum > 0) + ["grad_avg"] * centered
            for p, data, grad in self._grads(index, group):
                xp = _backend.get_array_module(data)
                state = self._state(p, data, *buffers)
                g_eff, avg = self._scratch(data, 2)
                state["step"]._array += 1
                g = self._gradient(xp, data, grad, maximize, weight_decay, g_eff, avg)
                square_avg = state["square_avg"]._array
                xp.multiply(square_avg, alpha, out=square_avg)
                add_square_(xp, square_avg, g, 1 - alpha, avg)
                if centered:
                    grad_avg = state["grad_avg"]._array
                    lerp_(xp, grad_avg, g, 1 - alpha, avg)
                    xp.negative(grad_avg, out=avg)
                    xp.multiply(avg, grad_avg, out=avg)
                    xp.add(square_avg, avg, out=avg)
                    xp.sqrt(avg, out=avg)
                else:
                    xp.sqrt(square_avg, out=avg)
                xp.add(avg, eps, out=avg)
                if momentum > 0:
                    buf = state["momentum_buffer"]._array
                    xp.multiply(buf, momentum, out=buf)
                    xp.divide(g, avg, out=avg)
                    xp.add(buf, avg, out=buf)
                    xp.multiply(buf, -lr, out=avg)
                    xp.add(data, avg, out=data)
                else:
                    xp.multiply(g, -lr, out=g_eff)
                    xp.divide(g_eff, avg, out=g_eff)
                    xp.add(data, g_eff, out=data)
                p._vc[0] += 1
        return loss
