from __future__ import annotations

from shendu import lab
from shendu.lab.topics.cnn_layers import judge

PNG = b"\x89PNG\r\n\x1a\n"


def test_lenet_layer_by_layer_quick() -> None:
    result = lab.run(19, seed=0, quick=True)
    numbers = result.numbers
    assert numbers["total params (nn.summary)"] == 61706 == numbers["total params (by hand)"]
    assert numbers["shape features.2 (MaxPool2d)"] == "1x6x14x14"
    assert numbers["params features.3 (Conv2d)"] == 16 * 6 * 25 + 16
    assert len(result.outcome.figures) == 3
    assert all(png.startswith(PNG) for png in result.outcome.figures.values())
    assert result.outcome.notes and "Total params: 61,706" in result.outcome.notes[0]
    assert result.verdict.passed, result.verdict.sentence


NUMBERS = {
    "total params (nn.summary)": 61706,
    "total params (by hand)": 61706,
    "shapes match the formula": True,
    "conv share of params": 0.04,
    "conv share of multiply-adds": 0.86,
    "ReLU max error vs max(conv, 0)": 0.0,
    "ReLU zero fraction (block 1)": 0.4,
    "pool max error vs 2x2 window max": 0.0,
    "pool size ratio": 0.25,
    "test accuracy": 0.7,
}


def test_judge_both_ways() -> None:
    assert judge(NUMBERS).passed
    failed = judge({**NUMBERS, "total params (by hand)": 61705})
    assert not failed.passed and "61706" in failed.sentence
    assert not judge({**NUMBERS, "pool size ratio": 0.5}).passed
    assert not judge({**NUMBERS, "ReLU zero fraction (block 1)": 0.0}).passed
    assert not judge({**NUMBERS, "test accuracy": 0.2}).passed
