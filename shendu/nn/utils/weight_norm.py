"""Weight normalization (Salimans & Kingma, 2016): a weight as a direction ``v`` times a learned norm ``g``."""

from __future__ import annotations

from typing import Any

from ..._checks import is_int
from ...ops.reduction import norm
from ...tensor import Tensor
from ..module import Module
from ..parameter import Parameter

__all__ = ["remove_weight_norm", "weight_norm"]


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    # dim == -1 means the norm of the whole tensor, as in PyTorch's weight_norm.
    if dim == -1:
        return norm(v)
    axes = tuple(d for d in range(v.ndim) if d != dim % v.ndim)
    return norm(v, 2, dim=axes, keepdim=True)


class WeightNorm:
    """The forward pre-hook that recomputes ``weight = g * v / ||v||`` before each forward."""

    def __init__(self, name: str, dim: int) -> None:
        self.name = name
        self.dim = dim

    def compute_weight(self, module: Module) -> Tensor:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"weight_norm: {type(module).__name__}.{name} already has weight normalization")
        weight = module._parameters.get(name)
        if not isinstance(weight, Parameter):
            raise TypeError(f"weight_norm: {type(module).__name__} has no parameter named {name!r}")
        if dim is None:
            dim = -1
        if not is_int(dim, numpy=False) or not -weight.ndim <= dim < max(weight.ndim, 1):
            raise ValueError(f"weight_norm: dim {dim!r} is out of range for a weight of shape {tuple(weight.shape)}")
        fn = WeightNorm(name, dim)
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight.detach(), dim)))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module).detach()
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        module.register_parameter(self.name, Parameter(weight))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparameterize ``module.<name>`` as ``g * v / ||v||``, learning the norm ``g`` separately.

    The parameter ``name`` is replaced by ``name_g`` (the norms) and ``name_v`` (the directions);
    a forward pre-hook recomputes ``name`` from them before every forward.

    Args:
        module: the module to change (in place).
        name: the parameter to reparameterize. Default: ``"weight"``.
        dim: the dimension kept by the norm (one norm per output channel with 0); None (or -1)
            computes one norm over the whole tensor. Default: 0.

    Returns:
        The module, with the hook registered.

    Example:
        >>> m = nn.utils.weight_norm(nn.Linear(20, 40))
        >>> m.weight_g.shape, m.weight_v.shape
        (shendu.Size([40, 1]), shendu.Size([40, 20]))
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo ``weight_norm``: fold ``g`` and ``v`` back into one parameter ``name``.

    Args:
        module: the module to change (in place).
        name: the reparameterized parameter. Default: ``"weight"``.

    Returns:
        The module.
    """
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"remove_weight_norm: weight_norm of {name!r} not found in {type(module).__name__}")
