"""TensorBoard logging with PyTorch's API: ``from shendu.utils.tensorboard import SummaryWriter``."""

from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
