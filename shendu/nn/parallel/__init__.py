"""``shendu.nn.parallel``: data-parallel training over the processes of ``shendu.distributed``."""

from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
