from __future__ import annotations

import pytest
import torch

import shendu

FLOATS = ["float16", "float32", "float64"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]


@pytest.mark.parametrize("name", FLOATS)
def test_finfo_matches_torch(name: str) -> None:
    got, want = shendu.finfo(getattr(shendu, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(got, field) == getattr(want, field), field
    assert repr(got) == repr(want)


@pytest.mark.parametrize("name", INTS)
def test_iinfo_matches_torch(name: str) -> None:
    got, want = shendu.iinfo(getattr(shendu, name)), torch.iinfo(getattr(torch, name))
    assert (got.bits, got.max, got.min, got.dtype) == (want.bits, want.max, want.min, want.dtype)


def test_finfo_defaults_and_masking() -> None:
    assert shendu.finfo().dtype == "float32" and shendu.finfo(float).eps == torch.finfo(torch.float32).eps
    scores = shendu.zeros(3).masked_fill(shendu.tensor([True, False, True]), shendu.finfo(shendu.float32).min)
    assert scores.softmax(0).tolist() == [0.0, 1.0, 0.0]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: shendu.finfo(shendu.int64),
            "finfo: expected a floating-point dtype, got shendu.int64; use shendu.iinfo",
        ),
        (
            lambda: shendu.iinfo(shendu.float32),
            "iinfo: expected an integer dtype, got shendu.float32; use shendu.finfo",
        ),
        (lambda: shendu.iinfo(shendu.bool), "iinfo: expected an integer dtype, got shendu.bool"),
    ],
)
def test_errors(call, message) -> None:
    with pytest.raises(shendu.DtypeError, match=message):
        call()
