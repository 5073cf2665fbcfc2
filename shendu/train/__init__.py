"""``shendu.train``: the one training loop, its callbacks, metrics and plots."""

from . import metrics
from .callbacks import Callback, EarlyStopping, GradientClipping, LRSchedulerStep, ModelCheckpoint
from .tensorboard import TensorBoard
from .trainer import NonFiniteError, Trainer, TrainingInterrupted

__all__ = [
    "Callback",
    "EarlyStopping",
    "GradientClipping",
    "LRSchedulerStep",
    "ModelCheckpoint",
    "NonFiniteError",
    "TensorBoard",
    "Trainer",
    "TrainingInterrupted",
    "metrics",
]
