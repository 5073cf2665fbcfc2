"""A small synthetic corpus for the language-model programs: sentences from a tiny grammar."""

import numpy as np

SUBJECTS = ["the cat", "a dog", "the old man", "my sister", "the teacher", "a bird"]
VERBS = ["sees", "likes", "follows", "finds", "paints", "hears"]
OBJECTS = ["the river", "a red ball", "the small house", "her friend", "the moon", "a green tree"]
ENDINGS = ["today", "again", "at night", "in the park", "every day"]


def sentences(count, seed):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        words = [SUBJECTS[rng.integers(6)], VERBS[rng.integers(6)], OBJECTS[rng.integers(6)]]
        if rng.random() < 0.5:
            words.append(ENDINGS[rng.integers(5)])
        yield " ".join(words) + " <eos>"


def splits():
    """Train, validation and test text, as lists of words."""
    return [" ".join(sentences(n, seed)).split() for n, seed in ((1500, 0), (150, 1), (150, 2))]
