from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from shendu.datasets import DatasetNotFoundError, Polarity, Vocabulary, tokenize
from shendu.datasets.polarity import BUNDLED

SHA256 = {
    "rt-polarity.pos": "d79ef14009bbf87cd6be21f91c3ea1a3cbcb73b34dfb4231aef7bbcd7677abc4",
    "rt-polarity.neg": "4af43bf489620b498a0852c5a8c6a535155dec7985fdfea782b8f7756b957ccc",
    "rt-polaritydata.README.1.0.txt": "67bc8e858b247a20eb5d6dec39d1fca89ea36112872b48ac8fddfb599dadbf49",
}


def test_the_corpus_ships_unchanged_with_its_provenance() -> None:
    for name, digest in SHA256.items():
        assert hashlib.sha256((BUNDLED / name).read_bytes()).hexdigest() == digest, name
    assert "Pang" in (BUNDLED / "README.md").read_text()


def test_polarity_splits_the_bundled_corpus() -> None:
    train = Polarity()
    val = Polarity(split="val", vocab=train.vocab)
    test = Polarity(split="test", vocab=train.vocab)
    assert (len(train), len(val), len(test)) == (8530, 1066, 1066)
    assert sorted(np.bincount(np.concatenate([d.targets.numpy() for d in (train, val, test)])).tolist()) == [5331, 5331]
    assert train.vocab.itos[:2] == ["<pad>", "<unk>"]
    ids, label = train[0]
    assert ids.shape == (48,) and label in (0, 1)
    batch, labels = train.get_batch(np.array([0, 1]))
    assert batch.shape == (2, 48) and labels.tolist() == train.targets.numpy()[:2].tolist()
    assert len(set(train.texts) & set(test.texts)) < 20


def test_tokenizer_and_vocabulary() -> None:
    assert tokenize("It's a GREAT film , isn't it ?!") == ["it's", "a", "great", "film", "isn't", "it", "?", "!"]
    vocab = Vocabulary([["a", "b", "a"], ["a", "c"]], min_freq=2)
    assert vocab.encode(["a", "zzz"]) == [2, 1] and vocab.decode([2, 0, 1]) == ["a", "<unk>"]


def test_polarity_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="split must be 'train', 'val' or 'test'"):
        Polarity(split="dev")
    with pytest.raises(DatasetNotFoundError, match=r"root must hold rt-polarity\.pos and rt-polarity\.neg"):
        Polarity(tmp_path)
    with pytest.raises(ValueError, match="min_freq must be >= 1, got 0"):
        Vocabulary([], min_freq=0)


def test_the_corpus_is_package_data() -> None:
    import tomllib

    root = Path(__file__).resolve().parents[2]
    declared = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    package = root / "shendu" / "datasets"
    for path in BUNDLED.iterdir():
        assert any(path.match(str(package / pattern)) for pattern in declared["shendu.datasets"]), path.name
