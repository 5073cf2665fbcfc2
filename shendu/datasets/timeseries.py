"""Windowed forecasting datasets from statsmodels' bundled series: Sunspots and CO2."""

from __future__ import annotations

import csv
import io
from importlib import resources

import numpy as np

from ..tensor import Tensor
from ..utils.data import Dataset

__all__ = ["CO2", "Sunspots", "WindowedSeries"]


def _read_bundled(package: str, filename: str) -> list[list[str]]:
    try:
        text = (resources.files(f"statsmodels.datasets.{package}") / filename).read_text()
    except ModuleNotFoundError:
        raise ImportError(
            f"{package}: the data ships with statsmodels; install it with `pip install 'shendu[datasets]'`"
        ) from None
    rows = list(csv.reader(io.StringIO(text)))
    return rows[1:]


class WindowedSeries(Dataset[tuple[Tensor, Tensor]]):
    """A univariate series cut into (window, horizon) pairs for forecasting.

    The series is split by time: the first ``1 - test_fraction`` of it is for training, the
    rest for testing (test windows may look back into the training period, but their targets
    lie in the test period). Values are standardized with the mean and standard deviation of
    the training period only, so nothing about the test period leaks into training.

    Args:
        series: the values, in time order.
        window: input steps per sample.
        horizon: future steps to predict per sample. Default: 1.
        train: the training period (else the test period). Default: True.
        test_fraction: the share of the series in the test period. Default: 0.2.

    Shape:
        Each sample is ``(x, y)`` with x of shape (window, 1) and y of shape (horizon,).

    Attributes:
        mean, std: the training period's statistics; ``inverse_transform`` undoes the scaling.
    """

    def __init__(
        self, series: np.ndarray, window: int, horizon: int = 1, train: bool = True, test_fraction: float = 0.2
    ) -> None:
        name = type(self).__name__
        if window < 1 or horizon < 1:
            raise ValueError(f"{name}: window and horizon must be >= 1, got window={window}, horizon={horizon}")
        if not 0.0 < test_fraction < 1.0:
            raise ValueError(f"{name}: test_fraction must be in (0, 1), got {test_fraction}")
        split = int(len(series) * (1 - test_fraction))
        if split < window + horizon or len(series) - split < horizon:
            raise ValueError(
                f"{name}: a series of {len(series)} steps is too short for window={window}, "
                f"horizon={horizon} and test_fraction={test_fraction}"
            )
        train_part = series[:split]
        self.mean = float(train_part.mean())
        self.std = float(train_part.std()) or 1.0
        scaled = ((series - self.mean) / self.std).astype(np.float32)
        if train:
            starts = np.arange(0, split - window - horizon + 1)
        else:
            starts = np.arange(max(split - window, 0), len(series) - window - horizon + 1)
        offsets = np.arange(window + horizon)
        windows = scaled[starts[:, None] + offsets]
        self.inputs = Tensor._make(np.ascontiguousarray(windows[:, :window, None]))
        self.targets = Tensor._make(np.ascontiguousarray(windows[:, window:]))
        self.window, self.horizon = window, horizon

    def inverse_transform(self, values: Tensor) -> Tensor:
        """Map standardized values back to the series' units."""
        return values * self.std + self.mean

    def __len__(self) -> int:
        return int(self.inputs.shape[0])

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        return Tensor._make(self.inputs._array[index]), Tensor._make(self.targets._array[index])

    def get_batch(self, indices: np.ndarray) -> tuple[Tensor, Tensor]:
        """Inputs (N, window, 1) and targets (N, horizon) in one indexing step."""
        return Tensor._make(self.inputs._array[indices]), Tensor._make(self.targets._array[indices])


class Sunspots(WindowedSeries):
    """Yearly mean sunspot numbers, 1700-2008 (309 values), from statsmodels' datasets.

    Args:
        window: input years per sample. Default: 20.
        horizon, train, test_fraction: as in ``WindowedSeries``.
    """

    def __init__(self, window: int = 20, horizon: int = 1, train: bool = True, test_fraction: float = 0.2) -> None:
        rows = _read_bundled("sunspots", "sunspots.csv")
        self.years = np.array([int(float(r[0])) for r in rows])
        super().__init__(np.array([float(r[1]) for r in rows]), window, horizon, train, test_fraction)


class CO2(WindowedSeries):
    """Weekly atmospheric CO2 at Mauna Loa, 1958-2001 (ppm), from statsmodels' datasets.

    Missing weeks are filled by linear interpolation between their neighbours.

    Args:
        window: input weeks per sample. Default: 52.
        horizon, train, test_fraction: as in ``WindowedSeries``.
    """

    def __init__(self, window: int = 52, horizon: int = 1, train: bool = True, test_fraction: float = 0.2) -> None:
        rows = _read_bundled("co2", "co2.csv")
        values = np.array([float(r[1]) if r[1] else np.nan for r in rows])
        missing = np.isnan(values)
        steps = np.arange(len(values))
        values[missing] = np.interp(steps[missing], steps[~missing], values[~missing])
        self.dates = [r[0] for r in rows]
        super().__init__(values, window, horizon, train, test_fraction)
