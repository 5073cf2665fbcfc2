"""The ``TensorBoard`` callback: each epoch's metrics, learning rate and weight histograms."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..backend import CPU, to_device
from .callbacks import Callback

if TYPE_CHECKING:
    from .trainer import Trainer

__all__ = ["TensorBoard"]

# Trainer log keys and the TensorBoard tags they are written under.
_TAGS = {"loss": "loss", "accuracy": "accuracy", "mse": "mse", "mae": "mae"}


class TensorBoard(Callback):
    """Write each epoch's metrics to TensorBoard, as Keras' callback of the same name does.

    Training and validation values go to the subfolders ``train`` and ``validation`` under the
    same tags (``loss``, ``accuracy``), so TensorBoard draws them in one chart; the learning rate,
    the throughput and (every ``histogram_freq`` epochs) a histogram of each parameter go to
    ``train``. The x axis is the epoch. On ``fit(resume=True)``, steps logged after the
    checkpoint by the interrupted run are hidden.

    Args:
        log_dir: the folder for the event files.
        histogram_freq: write parameter histograms every this many epochs; 0 for none. Default: 1.

    Example:
        >>> import os, tempfile
        >>> from shendu.train import Trainer
        >>> from shendu.utils.data import DataLoader, TensorDataset
        >>> batches = DataLoader(TensorDataset(shendu.randn(32, 4), shendu.randint(0, 3, (32,))), batch_size=16)
        >>> model = nn.Linear(4, 3)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     trainer = Trainer(model, shendu.optim.Adam(model.parameters()), nn.CrossEntropyLoss(), batches, batches,
        ...                       verbose=0, callbacks=[TensorBoard(f"{folder}/tensorboard")])
        ...     history = trainer.fit()
        ...     sorted(os.listdir(f"{folder}/tensorboard"))  # a folder of event files per split
        ['train', 'validation']
    """

    def __init__(self, log_dir: str | Path, histogram_freq: int = 1) -> None:
        if not isinstance(histogram_freq, int) or histogram_freq < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be an int >= 0, got {histogram_freq!r}")
        self.log_dir, self.histogram_freq = Path(log_dir), histogram_freq
        self._writers: dict[str, Any] = {}

    def on_fit_start(self, trainer: Trainer) -> None:
        from ..utils.tensorboard import SummaryWriter

        purge_step = trainer.epoch + 1 if trainer.epoch else None
        self._writers = {
            split: SummaryWriter(self.log_dir / split, purge_step=purge_step) for split in ("train", "validation")
        }

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        epoch = int(logs["epoch"])
        train, val = self._writers["train"], self._writers["validation"]
        for key, tag in _TAGS.items():
            if f"train_{key}" in logs:
                train.add_scalar(tag, logs[f"train_{key}"], epoch)
            if f"val_{key}" in logs:
                val.add_scalar(tag, logs[f"val_{key}"], epoch)
        train.add_scalar("learning_rate", logs["lr"], epoch)
        if "samples_per_s" in logs:
            train.add_scalar("samples_per_second", logs["samples_per_s"], epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            for name, parameter in trainer.model.named_parameters():
                values = np.asarray(to_device(parameter._array, CPU))
                # A histogram needs finite values; a diverged parameter shows up in the loss instead.
                if values.size and np.isfinite(values).all():
                    train.add_histogram(name.replace(".", "/"), values, epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_fit_end(self, trainer: Trainer) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def __repr__(self) -> str:
        return f"TensorBoard(log_dir={str(self.log_dir)!r}, histogram_freq={self.histogram_freq})"
