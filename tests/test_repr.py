from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import shendu
from tests.helpers import COUNTS


def _array(values: Any, dtype: str = "float32") -> Callable[[Any], Any]:
    data = np.asarray(values, dtype=dtype)
    return lambda m: m.from_numpy(data.copy())


CASES: dict[str, Callable[[Any], Any]] = {
    "ints": lambda m: m.tensor([1, 2, 3]),
    "ints of mixed width": lambda m: m.tensor([[-10, 2], [3, 400]]),
    "floats needing 4 decimals": lambda m: m.tensor([1.5, 2.25, -3.125]),
    "integral floats": lambda m: m.tensor([1.0, 2.0, -3.0]),
    "scientific, small": lambda m: m.tensor([1e-5, 1.0, 2e6]),
    "scientific, integral": lambda m: m.tensor([1e8, 1.0]),
    "scientific, with zero": lambda m: m.tensor([0.0, 1e-6]),
    "2-D": lambda m: m.tensor([[1.5, 2.0], [3.25, -4.0]]),
    "0-d float": lambda m: m.tensor(3.5),
    "0-d int": lambda m: m.tensor(3),
    "0-d bool": lambda m: m.tensor(True),
    "empty": lambda m: m.tensor([]),
    "empty 2-D": lambda m: m.zeros(0, 3),
    "empty int": lambda m: m.zeros(0, dtype=m.int64),
    "empty float64 2-D": lambda m: m.zeros(2, 0, dtype=m.float64),
    "bool": lambda m: m.tensor([True, False]),
    "bool all true": lambda m: m.tensor([[True, True]]),
    "float64": lambda m: m.tensor([1.5, 2.0], dtype=m.float64),
    "float16": lambda m: m.tensor([1.5, 2.0], dtype=m.float16),
    "int32": lambda m: m.tensor([1, 2], dtype=m.int32),
    "uint8 2-D": _array(np.arange(20).reshape(4, 5), "uint8"),
    "requires_grad": lambda m: m.tensor([1.0, 2.5], requires_grad=True),
    "requires_grad 0-d": lambda m: m.tensor(1.0, requires_grad=True),
    "nan and inf": lambda m: m.tensor([float("nan"), float("inf"), -float("inf"), 1.5]),
    "nan with integral": lambda m: m.tensor([float("nan"), float("inf"), 1.0]),
    "negative zero": lambda m: m.tensor([-0.0, 1.0]),
    "zeros": lambda m: m.zeros(2, 3),
    "3-D": _array(np.arange(24).reshape(2, 3, 4)),
    "wrapped row": _array(np.arange(30) * 1.5),
    "wrapped ints": _array(np.arange(40).reshape(2, 20), "int64"),
    "wrapped floats": _array(np.arange(40).reshape(2, 20) / 3),
    "wrapped float64 with a suffix on its own line": _array(np.arange(40).reshape(2, 20) / 3, "float64"),
    "summarized ints": _array(np.arange(2000), "int64"),
    "summarized floats": _array(np.arange(2000) / 7),
    "summarized 2-D": _array(np.arange(3000).reshape(100, 30) / 7),
    "summarized 3-D": _array(np.arange(8000).reshape(20, 20, 20)),
    "summarized bool": _array(np.arange(2000) % 3 == 0, "bool"),
    "ratio just under 1000": lambda m: m.tensor([0.5, 500.0]),
    "ratio over 1000": lambda m: m.tensor([0.5, 501.0]),
    "normal samples": _array(np.random.default_rng(0).standard_normal((4, 5))),
    "large samples": _array(np.random.default_rng(0).standard_normal((4, 5)) * 1000),
}


@pytest.mark.parametrize("name", list(CASES))
def test_repr_matches_torch(name: str) -> None:
    make = CASES[name]
    want = repr(make(torch)).replace("torch.", "shendu.")
    assert repr(make(shendu)) == want
    COUNTS["reprs compared with torch"] += 1


def test_repr_follows_the_default_dtype() -> None:
    shendu.set_default_dtype(shendu.float64)
    try:
        assert repr(shendu.tensor([1.5])) == "tensor([1.5000])"
        assert repr(shendu.tensor([1.5], dtype=shendu.float32)) == "tensor([1.5000], dtype=shendu.float32)"
    finally:
        shendu.set_default_dtype(shendu.float32)


def test_repr_shows_grad_fn() -> None:
    x = shendu.tensor([1.0, 2.0], requires_grad=True)
    assert re.fullmatch(r"tensor\(\[2\., 4\.\], grad_fn=<\w+Backward\w*>\)", repr(x * 2))


@pytest.mark.parametrize(
    ("make", "spec"),
    [
        (lambda m: m.tensor(1.23456), ".4f"),
        (lambda m: m.tensor(1.23456), ""),
        (lambda m: m.tensor(1.23456), ">10.2e"),
        (lambda m: m.tensor(1.5, dtype=m.float64), ".3g"),
        (lambda m: m.tensor(3), "d"),
        (lambda m: m.tensor(3), "5"),
        (lambda m: m.tensor(True), ""),
        (lambda m: m.tensor(0.5, requires_grad=True), ".2f"),
        (lambda m: m.tensor(0.5, requires_grad=True) * 3, ".2%"),
        (lambda m: m.tensor([1.5, 2.0]), ""),
        (lambda m: m.ones(2, 2) / 3, ""),
    ],
)
def test_format_matches_torch(make: Callable[[Any], Any], spec: str) -> None:
    assert format(make(shendu), spec) == format(make(torch), spec)
    COUNTS["op cases compared with torch"] += 1


def test_format_in_an_fstring() -> None:
    loss = shendu.tensor(0.123456)
    assert f"loss {loss:.4f}" == "loss 0.1235"
    assert f"{shendu.tensor(2.25, dtype=shendu.float64):.1f}" == "2.2"


def test_format_spec_errors() -> None:
    with pytest.raises(TypeError, match=r"format: the format spec '.2f' applies only to 0-d tensors .* shape \(1,\)"):
        format(shendu.tensor([1.5]), ".2f")
    with pytest.raises(TypeError, match=r"got a tensor of shape \(2,\)"):
        f"{shendu.tensor([1.5, 2.0]):.2f}"
    with pytest.raises(TypeError):
        format(torch.tensor([1.5]), ".2f")
