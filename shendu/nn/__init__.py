"""``shendu.nn``: modules, parameters, layers, losses, initializers and their functional forms.

Names and behaviour follow ``torch.nn``: ``nn.Module``, ``nn.Linear``, ``nn.functional`` as ``F``,
``nn.init``, ``nn.utils``, with PyTorch's default initializations, ``state_dict`` keys and reprs.
"""

from __future__ import annotations

from . import functional, init, parallel, utils
from .module import Module, RemovableHandle, StateDictError
from .modules import *  # noqa: F403
from .modules import __all__ as _modules_all
from .modules.rbm import RBM
from .parallel import DataParallel
from .parameter import Parameter
from .summary import ModelSummary, summary

__all__ = [
    "DataParallel",
    "Module",
    "ModelSummary",
    "Parameter",
    "RBM",
    "RemovableHandle",
    "StateDictError",
    "functional",
    "init",
    "parallel",
    "summary",
    "utils",
    *_modules_all,
]
