from __future__ import annotations

import numpy as np
import pytest

from shendu.datasets import CO2, Digits, Sunspots


def test_digits_split_is_fixed_and_complete() -> None:
    train, test = Digits(), Digits(train=False)
    assert len(train) + len(test) == 1797
    assert train.data.shape[1:] == (1, 8, 8) and float(train.data.numpy().max()) == 1.0
    assert np.array_equal(Digits().targets.numpy(), train.targets.numpy())


def test_sunspots_windows_and_train_only_scaling() -> None:
    train, test = Sunspots(window=10, horizon=2), Sunspots(window=10, horizon=2, train=False)
    assert train[0][0].shape == (10, 1) and train[0][1].shape == (2,)
    assert train.mean == test.mean and train.std == test.std
    series = np.concatenate([train.inputs.numpy()[0, :, 0], train.targets.numpy()[0]])
    np.testing.assert_allclose(train.inverse_transform(train.inputs).numpy()[0, :2, 0], [5.0, 11.0], rtol=1e-5)
    assert np.isfinite(series).all()
    assert len(train) == int(309 * 0.8) - 11


def test_co2_fills_missing_weeks() -> None:
    ds = CO2()
    assert np.isfinite(ds.inputs.numpy()).all() and len(ds) > 1500


def test_windowed_series_errors() -> None:
    with pytest.raises(ValueError, match="window and horizon must be >= 1"):
        Sunspots(window=0)
    with pytest.raises(ValueError, match="too short for window=300"):
        Sunspots(window=300)
