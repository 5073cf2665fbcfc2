"""Pang & Lee's sentence polarity data (10,662 movie-review snippets), with a tokenizer and vocabulary.

The corpus ships with shendu (``shendu/datasets/data/rt-polarity``, about 1.2 MB, with its provenance
README), so ``Polarity()`` works without a download.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ..tensor import Tensor
from ..utils.data import Dataset
from .mnist import DatasetNotFoundError

__all__ = ["Polarity", "Vocabulary", "tokenize"]

BUNDLED = Path(__file__).resolve().parent / "data" / "rt-polarity"

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[!?]")


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens; contractions stay whole ("don't") and ! and ? are kept as tokens."""
    return _TOKEN.findall(text.lower())


class Vocabulary:
    """A mapping between tokens and integer ids, with padding (id 0) and unknown (id 1) tokens.

    Args:
        texts: tokenized texts to count.
        min_freq: tokens seen fewer times become the unknown token. Default: 2.
    """

    PAD, UNK = "<pad>", "<unk>"

    def __init__(self, texts: Iterable[Sequence[str]], min_freq: int = 2) -> None:
        if min_freq < 1:
            raise ValueError(f"Vocabulary: min_freq must be >= 1, got {min_freq}")
        counts = Counter(token for text in texts for token in text)
        kept = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
        self.itos = [self.PAD, self.UNK, *kept]
        self.stoi = {token: i for i, token in enumerate(self.itos)}
        self.pad_index, self.unk_index = 0, 1

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """Token ids, with unknown tokens mapped to ``unk_index``."""
        return [self.stoi.get(t, self.unk_index) for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens for ``ids``, without padding."""
        return [self.itos[i] for i in ids if i != self.pad_index]


class Polarity(Dataset[tuple[Tensor, int]]):
    """Sentence polarity v1.0: positive (1) and negative (0) movie-review snippets.

    The two files are read as cp1252, tokenized, and split into train/validation/test by a
    fixed seed (80/10/10). The vocabulary is built from the training split only; each sample
    is the token ids padded (with 0) or cut to ``max_len``.

    Args:
        root: the folder holding ``rt-polarity.pos`` and ``rt-polarity.neg``. Default: None (the copy
            that ships with shendu).
        split: ``"train"``, ``"val"`` or ``"test"``. Default: ``"train"``.
        seed: the split's seed. Default: 0.
        min_freq: the vocabulary's minimum token count. Default: 2.
        max_len: tokens per sample. Default: 48 (longer snippets are cut).
        vocab: a vocabulary to reuse (pass the training set's to the others). Default: built here.

    Attributes:
        vocab: the Vocabulary. lengths: the number of real tokens per sample (int64 tensor).

    Example:
        >>> from shendu.datasets import Polarity
        >>> train = Polarity(max_len=40)
        >>> len(train), train.data.shape[1]
        (8530, 40)
    """

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        split: str = "train",
        seed: int = 0,
        min_freq: int = 2,
        max_len: int = 48,
        vocab: Vocabulary | None = None,
    ) -> None:
        if split not in ("train", "val", "test"):
            raise ValueError(f"Polarity: split must be 'train', 'val' or 'test', got {split!r}")
        folder = Path(root) if root is not None else BUNDLED
        texts, labels = [], []
        for label, name in ((1, "rt-polarity.pos"), (0, "rt-polarity.neg")):
            path = folder / name
            if not path.exists():
                hint = (
                    "root must hold rt-polarity.pos and rt-polarity.neg"
                    if root is not None
                    else ("the copy that ships with shendu is missing; reinstall shendu")
                )
                raise DatasetNotFoundError(f"Polarity: {str(path)!r} not found; {hint}")
            lines = [line for line in path.read_text(encoding="cp1252").splitlines() if line.strip()]
            texts += [tokenize(line) for line in lines]
            labels += [label] * len(lines)
        order = np.random.default_rng(seed).permutation(len(texts))
        n_val = n_test = len(texts) // 10
        parts = {"test": order[:n_test], "val": order[n_test : n_test + n_val], "train": order[n_test + n_val :]}
        self.vocab = vocab or Vocabulary([texts[i] for i in parts["train"]], min_freq)
        chosen = np.sort(parts[split])
        ids = np.zeros((len(chosen), max_len), dtype=np.int64)
        lengths = np.zeros(len(chosen), dtype=np.int64)
        for row, i in enumerate(chosen):
            encoded = self.vocab.encode(texts[i])[:max_len]
            ids[row, : len(encoded)] = encoded
            lengths[row] = max(len(encoded), 1)
        self.texts = [" ".join(texts[i]) for i in chosen]
        self.data = Tensor._make(ids)
        self.lengths = Tensor._make(lengths)
        self.targets = Tensor._make(np.asarray(labels, dtype=np.int64)[chosen])

    def __len__(self) -> int:
        return int(self.targets.shape[0])

    def __getitem__(self, index: int) -> tuple[Tensor, int]:
        return Tensor._make(self.data._array[index]), int(self.targets._array[index])

    def get_batch(self, indices: np.ndarray) -> tuple[Tensor, Tensor]:
        """Token ids (N, max_len) and labels (N,) in one indexing step."""
        return Tensor._make(self.data._array[indices]), Tensor._make(self.targets._array[indices])
