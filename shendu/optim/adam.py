"""Adam: adaptive moment estimation, with the AMSGrad variant and (coupled or decoupled) weight decay."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .. import _compiled
from .. import backend as _backend
from .optimizer import Optimizer, check_interval, check_non_negative

__all__ = ["Adam"]


def _flush_below(dtype: Any, step_size: float, eps: float) -> float:
    """Below what magnitude a first moment is stored as zero: the smallest normal float, or 0 (never).

    Weights whose gradient is always zero, such as those of an image's blank border, otherwise
    keep subnormal first moments, and subnormal arithmetic made the whole step 5x slower
    (Fashion-MNIST's MLP: 22% of the first layer's moments). Such a moment moves its weight by
    at most ``tiny * step_size / eps``; only where that is under 1e-30, lost in any weight above
    about 1e-23, is it dropped. The second moment is never dropped: with ``eps = 0``, zeroing
    it could zero the denominator.
    """
    tiny = float(np.finfo(dtype).tiny)
    return tiny if eps > 0 and tiny * abs(step_size) / eps < 1e-30 else 0.0


def _fused_constants(group: dict[str, Any], scalar: type) -> tuple[Any, ...]:
    """The compiled kernel's arguments that are the same for every parameter of ``group`` and dtype."""
    lr, weight_decay = group["lr"], group["weight_decay"]
    beta1, beta2 = group["betas"]
    decoupled = group.get("decoupled_weight_decay", False)
    weight = 1 - beta1
    return (
        scalar(weight if abs(weight) < 0.5 else 1 - weight),
        abs(weight) >= 0.5,
        scalar(beta2),
        scalar(1 - beta2),
        scalar(group["eps"]),
        scalar(weight_decay),
        scalar(1 - lr * weight_decay),
        group["maximize"],
        weight_decay != 0 and not decoupled,
        weight_decay != 0 and decoupled,
        group["amsgrad"],
    )


def lerp_(xp: Any, start: Any, end: Any, weight: float, tmp: Any) -> None:
    """``start += weight * (end - start)`` in place, in PyTorch's two-sided form.

    PyTorch interpolates from whichever end is nearer the weight, which is what makes
    ``lerp(a, b, 1) == b`` exact; matching it keeps the moving averages bit-compatible.
    """
    xp.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        xp.multiply(tmp, weight, out=tmp)
        xp.add(start, tmp, out=start)
    else:
        xp.multiply(tmp, 1 - weight, out=tmp)
        xp.subtract(end, tmp, out=start)


def add_square_(xp: Any, target: Any, x: Any, value: float, tmp: Any) -> None:
    """``target += value * x * x`` in place, multiplied in PyTorch's ``addcmul`` order."""
    xp.multiply(x, value, out=tmp)
    xp.multiply(tmp, x, out=tmp)
    xp.add(target, tmp, out=target)


class Adam(Optimizer):
    r"""Adam: gradient steps scaled by running estimates of the gradient's first and second moments.

    With :math:`g_t` the gradient (plus :math:`\lambda \theta_{t-1}` when weight decay is
    coupled), one step computes

    .. math::
        m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \quad
        \theta_t = \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}
            \frac{m_t}{\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    AMSGrad divides by the running maximum of :math:`v_t` instead, which keeps the step size
    from growing back. With ``decoupled_weight_decay=True`` the decay shrinks the parameters
    directly, :math:`\theta \leftarrow \theta (1 - \gamma\lambda)`, as in AdamW. The arithmetic
    follows PyTorch's single-tensor implementation step for step.

    Args:
        params: the tensors to optimize, or dicts defining parameter groups.
        lr: the learning rate :math:`\gamma`. Default: 1e-3.
        betas: the decay rates :math:`(\beta_1, \beta_2)` of the moment estimates, each in
            [0, 1). Default: (0.9, 0.999).
        eps: added to the denominator for numerical stability. Default: 1e-8.
        weight_decay: the weight decay :math:`\lambda`. Default: 0.
        amsgrad: use the AMSGrad variant. Default: False.
        foreach: accepted for compatibility with PyTorch; has no effect. Default: None.
        maximize: maximize the objective instead of minimizing it. Default: False.
        decoupled_weight_decay: decay the weights directly (AdamW) instead of adding the decay
            to the gradient. Default: False.

    Example:
        >>> w = nn.Parameter(shendu.tensor([1.0]))
        >>> opt = shendu.optim.Adam([w], lr=0.1)
        >>> (3 * w).sum().backward(); opt.step()  # the first step moves w by lr, whatever the gradient's size
        >>> w.detach()
        tensor([0.9000])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        check_non_negative(name, "lr", "learning rate", group["lr"])
        check_non_negative(name, "eps", "epsilon value", group["eps"])
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            check_interval(name, "betas", f"beta parameter at index {i}", beta, 1.0, closed=False)
        check_non_negative(name, "weight_decay", "weight_decay value", group["weight_decay"])

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for index, group in enumerate(self.param_groups):
            constants: dict[Any, tuple[Any, ...]] = {}
            for p, data, grad in self._grads(index, group):
                state = self._state(p, data, "exp_avg", "exp_avg_sq")
                if group["amsgrad"] and "max_exp_avg_sq" not in state:
                    # Also when AMSGrad is switched on in a group that has already stepped.
                    state["max_exp_avg_sq"] = self._zeros_like(data)
                step_t = state["step"]._array
                step_t += 1
                moments = [state[key]._array for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if key in state]
                kernels = _compiled.kernels_for("adam", data, grad, *moments, contiguous=True)
                if kernels is not None:
                    if data.dtype not in constants:
                        constants[data.dtype] = _fused_constants(group, data.dtype.type)
                    self._update_fused(kernels, group, constants[data.dtype], float(step_t), data, grad, *moments)
                else:
                    self._update(group, float(step_t), data, grad, *moments)
                p._vc[0] += 1
        return loss

    @staticmethod
    def _update_fused(
        kernels: Any,
        group: dict[str, Any],
        constants: tuple[Any, ...],
        step: float,
        data: Any,
        grad: Any,
        *moments: Any,
    ) -> None:
        """One parameter's step in a single compiled pass, rounding exactly as ``_update`` does.

        ``constants`` are the kernel's arguments shared by the group (``_fused_constants``), in
        its order around the three that depend on this parameter's step count.
        """
        beta1, beta2 = group["betas"]
        scalar = data.dtype.type
        step_size = group["lr"] / (1 - beta1**step)
        eps = constants[4]
        exp_avg, exp_avg_sq = moments[0].reshape(-1), moments[1].reshape(-1)
        kernels.adam_update(
            data.reshape(-1),
            grad.reshape(-1),
            exp_avg,
            exp_avg_sq,
            moments[2].reshape(-1) if len(moments) > 2 else exp_avg_sq,
            *constants[:4],
            scalar(-step_size),
            scalar((1 - beta2**step) ** 0.5),
            eps,
            scalar(_flush_below(data.dtype, step_size, group["eps"])),
            *constants[5:],
        )

    def _update(self, group: dict[str, Any], step: float, data: Any, grad: Any, *moments: Any) -> None:
        """One parameter's step in array operations, following PyTorch's single-tensor Adam."""
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        xp = _backend.get_array_module(data)
        g_eff, tmp = self._scratch(data, 2)
        decoupled = group.get("decoupled_weight_decay", False)
        g = self._gradient(xp, data, grad, group["maximize"], 0 if decoupled else weight_decay, g_eff, tmp)
        if decoupled and weight_decay != 0:
            xp.multiply(data, 1 - lr * weight_decay, out=data)
        exp_avg, exp_avg_sq = moments[0], moments[1]
        lerp_(xp, exp_avg, g, 1 - beta1, tmp)
        flush_below = _flush_below(data.dtype, lr / (1 - beta1**step), eps)
        if flush_below:
            (small,) = self._scratch(data, 1, bool)
            xp.abs(exp_avg, out=tmp)
            xp.less(tmp, flush_below, out=small)
            xp.putmask(exp_avg, small, 0)
        xp.multiply(exp_avg_sq, beta2, out=exp_avg_sq)
        add_square_(xp, exp_avg_sq, g, 1 - beta2, tmp)
        second = exp_avg_sq
        if group["amsgrad"]:
            second = moments[2]
            xp.maximum(second, exp_avg_sq, out=second)
        xp.sqrt(second, out=tmp)
        xp.divide(tmp, (1 - beta2**step) ** 0.5, out=tmp)
        xp.add(tmp, eps, out=tmp)
        xp.multiply(exp_avg, -lr / (1 - beta1**step), out=g_eff)
        xp.divide(g_eff, tmp, out=g_eff)
        xp.add(data, g_eff, out=data)
