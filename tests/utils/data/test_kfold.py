from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from shendu.utils.data import KFold, StratifiedKFold


@given(n=st.integers(2, 200), k=st.integers(2, 10), shuffle=st.booleans())
@settings(max_examples=40, deadline=None)
def test_folds_partition_the_data(n: int, k: int, shuffle: bool) -> None:
    if n < k:
        return
    folds = list(KFold(k, shuffle=shuffle, generator=shendu.Generator().manual_seed(0)).split(n))
    assert len(folds) == k
    validation = np.concatenate([val for _, val in folds])
    assert sorted(validation.tolist()) == list(range(n))
    for train, val in folds:
        assert len(np.intersect1d(train, val)) == 0 and len(train) + len(val) == n
        assert abs(len(val) - n / k) < 1


def test_stratified_folds_keep_class_shares() -> None:
    labels = np.array([0] * 60 + [1] * 30 + [2] * 10)
    folds = list(StratifiedKFold(5, shuffle=True).split(100, labels))
    assert sorted(np.concatenate([v for _, v in folds]).tolist()) == list(range(100))
    for _, val in folds:
        assert np.bincount(labels[val]).tolist() == [12, 6, 2]


def test_errors() -> None:
    with pytest.raises(ValueError, match="n_splits must be an int of at least 2"):
        KFold(1)
    with pytest.raises(ValueError, match="cannot split 3 samples into 5 folds"):
        list(KFold(5).split(3))
    with pytest.raises(ValueError, match="class 1 has 2 samples, fewer than n_splits=3"):
        list(StratifiedKFold(3).split(6, [0, 0, 0, 0, 1, 1]))
