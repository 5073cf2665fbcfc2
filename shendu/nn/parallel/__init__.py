"""``shendu.nn.parallel``: running a module on several devices, or over the processes of ``shendu.distributed``."""

from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]
