from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shendu.datasets import CO2, Digits, Polarity, Sunspots, Vocabulary, tokenize

POLARITY = Path(__file__).resolve().parents[3] / "shared" / "data" / "rt-polarity"


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


@pytest.mark.skipif(not POLARITY.exists(), reason="shared polarity data not present")
def test_polarity_on_shared_data() -> None:
    train = Polarity(POLARITY)
    val = Polarity(POLARITY, split="val", vocab=train.vocab)
    test = Polarity(POLARITY, split="test", vocab=train.vocab)
    assert len(train) + len(val) + len(test) == 10662
    assert sorted(np.bincount(np.concatenate([d.targets.numpy() for d in (train, val, test)])).tolist()) == [5331, 5331]
    assert train.vocab.itos[:2] == ["<pad>", "<unk>"]
    ids, label = train[0]
    assert ids.shape == (48,) and label in (0, 1)
    assert set(train.texts).isdisjoint(test.texts) or len(set(train.texts) & set(test.texts)) < 20


def test_tokenizer_and_vocabulary() -> None:
    assert tokenize("It's a GREAT film , isn't it ?!") == ["it's", "a", "great", "film", "isn't", "it", "?", "!"]
    vocab = Vocabulary([["a", "b", "a"], ["a", "c"]], min_freq=2)
    assert vocab.encode(["a", "zzz"]) == [2, 1] and vocab.decode([2, 0, 1]) == ["a", "<unk>"]
    with pytest.raises(ValueError, match="split must be 'train', 'val' or 'test'"):
        Polarity(POLARITY, split="dev")
