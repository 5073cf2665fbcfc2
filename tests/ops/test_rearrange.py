from __future__ import annotations

import numpy as np
import pytest

import shendu
from tests.helpers import check, grad_check

INTS = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int64)


def test_repeat_tile_flip() -> None:
    check(lambda m, x: x.repeat(2, 1), (2, 3))
    check(lambda m, x: x.repeat(1, 2, 2), (2, 3))
    check(lambda m, x: x.repeat((2, 3)), (2, 3), noncontiguous=True)
    check(lambda m, x: x.repeat(0, 1), (2, 3))
    check(lambda m, x: x.repeat(3), ())
    check(lambda m, x: x.repeat(2, 2), (0, 3))
    check(lambda m, x: x.tile(2), (2, 3))
    check(lambda m, x: x.tile((2, 1, 1)), (2, 3))
    check(lambda m, x: m.tile(x, (2,)), (3,))
    check(lambda m, x: x.flip(0), (3, 4))
    check(lambda m, x: x.flip(0, 1), (3, 4))
    check(lambda m, x: m.flip(x, (-1,)), (2, 3, 4), noncontiguous=True)
    check(lambda m, x: m.flip(x, dims=[0, 2]), (2, 3, 4))
    check(lambda m, x: x.flip(0), ())
    check(lambda m, x: x.flip(1), (2, 0))
    check(lambda m, x: x.flip(0), INTS)


def test_roll_repeat_interleave() -> None:
    check(lambda m, x: x.roll(1), (3, 4))
    check(lambda m, x: m.roll(x, -2, 1), (3, 4), noncontiguous=True)
    check(lambda m, x: x.roll((1, 5), (0, -1)), (3, 4))
    check(lambda m, x: x.roll(2), ())
    check(lambda m, x: x.roll(1, 0), (0, 2))
    check(lambda m, x: x.repeat_interleave(2), (2, 3))
    check(lambda m, x: m.repeat_interleave(x, 3, dim=1), (2, 3), noncontiguous=True)
    check(lambda m, x: x.repeat_interleave(m.tensor([1, 0, 2]), dim=-1), (2, 3))
    check(lambda m, x: x.repeat_interleave(m.tensor([2, 2]), dim=0, output_size=4), (2, 3))
    check(lambda m, x: x.repeat_interleave(m.tensor(2), dim=0), (2, 3))
    check(lambda m, x: x.repeat_interleave(2), ())
    check(lambda m, x: x.repeat_interleave(2, dim=0), INTS)
    check(lambda m, x: m.repeat_interleave(x), np.array([2, 0, 1]))


def test_gradcheck() -> None:
    grad_check(lambda m, x: x.tile(2, 2) * x.flip(0).tile(2, 2), (2, 3))
    grad_check(lambda m, x: x.roll(1) * x.roll((1, -1), (0, 1)), (3, 4))
    grad_check(lambda m, x: x.repeat_interleave(2, 1)[:, :4] * x.repeat_interleave(m.tensor([0, 3, 1]), 0)[1:], (3, 4))


def test_repeat_flip_errors() -> None:
    x = shendu.ones(2, 3)
    with pytest.raises(shendu.ShapeError, match=r"repeat: got 1 repeats \(2,\) for a tensor of 2 dimensions"):
        x.repeat(2)
    with pytest.raises(shendu.ShapeError, match=r"repeat: repeats must be >= 0, got \(2, -1\)"):
        x.repeat(2, -1)
    with pytest.raises(shendu.ShapeError, match=r"flip: dim \(0, 0\) names the same dimension twice"):
        x.flip(0, 0)


def test_roll_repeat_interleave_errors() -> None:
    x = shendu.ones(3, 4)
    with pytest.raises(shendu.ShapeError, match=r"roll: shifts \(1, 2\) and dims \(0,\) must have the same length"):
        x.roll((1, 2), 0)
    with pytest.raises(shendu.ShapeError, match=r"roll: without dims, shifts must be a single int, got \(1, 2\)"):
        x.roll((1, 2))
    with pytest.raises(shendu.ShapeError, match=r"repeat_interleave: repeats of shape \(2,\) must hold one count per"):
        x.repeat_interleave(shendu.tensor([1, 2]), dim=0)
    with pytest.raises(shendu.ShapeError, match="repeat_interleave: repeats must be >= 0, got -1"):
        x.repeat_interleave(-1)
    with pytest.raises(shendu.DtypeError, match="repeat_interleave: repeats must be an int tensor, got float32"):
        x.repeat_interleave(shendu.tensor([1.0, 2.0, 3.0]), dim=0)
    with pytest.raises(shendu.ShapeError, match="repeat_interleave: output_size 5 does not match the repeated size 6"):
        x.repeat_interleave(2, dim=0, output_size=5)
