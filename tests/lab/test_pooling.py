from __future__ import annotations

from collections.abc import Callable

import pytest

import shendu
from shendu import lab
from shendu.lab.topics import pooling
from tests.lab import judges

JUDGES: judges.Judges = {
    20: (
        {
            "avg_clean_acc": 0.76,
            "avg_flip_mean": 0.126,
            "max_clean_acc": 0.742,
            "max_flip_2px": 0.166,
            "max_flip_mean": 0.121,
            "strided_clean_acc": 0.776,
            "strided_flip_mean": 0.158,
        },
        {
            "all-learn": [{"max_clean_acc": 0.54}, {"avg_clean_acc": 0.54}, {"strided_clean_acc": 0.54}],
            "pooling-more-robust": [{"max_flip_mean": 0.158}, {"avg_flip_mean": 0.158}],
            "not-invariant": [{"max_flip_2px": 0.045}],
        },
    ),
}


@pytest.mark.parametrize("number", sorted(JUDGES))
def test_every_claim_holds_on_good_numbers(number: int) -> None:
    judges.assert_all_hold(number, JUDGES[number][0])


@pytest.mark.parametrize(("number", "claim", "index"), judges.cases(JUDGES))
def test_each_check_fails_alone(number: int, claim: str, index: int) -> None:
    judges.assert_only_this_check_fails(number, *JUDGES[number], claim, index)


def test_quick_run(quick: Callable[[int], lab.Result]) -> None:
    judges.assert_quick_run(quick(20))


def test_shift_moves_pixels_and_fills_zeros() -> None:
    image = shendu.arange(9.0).view(1, 1, 3, 3)
    moved = pooling.shift(image, 1, 0)
    assert moved[0, 0].tolist() == [[0.0, 0.0, 1.0], [0.0, 3.0, 4.0], [0.0, 6.0, 7.0]]
    assert pooling.shift(image, 0, -1)[0, 0].tolist() == [[3.0, 4.0, 5.0], [6.0, 7.0, 8.0], [0.0, 0.0, 0.0]]
