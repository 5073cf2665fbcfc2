from __future__ import annotations

from typing import Any

import pytest

from shendu import lab
from shendu.lab.topics import frameworks
from shendu.lab.topics.frameworks import judge


def _numbers(**changes: Any) -> dict[str, Any]:
    numbers: dict[str, Any] = {"torch_available": True, "devices": "cpu", "shendu_mlp_ms": 3.0}
    for kind in ("mlp", "cnn"):
        numbers[f"{kind}_speed_ratio"] = 1.5
        for dtype, diff in (("float32", 1e-6), ("float64", 1e-15)):
            for what in ("output", "loss", "grad"):
                numbers[f"{kind}_{dtype}_{what}_diff"] = diff
    numbers.update(changes)
    return numbers


def test_frameworks_quick_run_matches_torch() -> None:
    pytest.importorskip("torch")
    result = lab.run("frameworks", seed=0, quick=True)
    assert result.verdict.passed, result.verdict.sentence
    assert result.numbers["torch_available"] and result.numbers["devices"].startswith("cpu")
    assert result.numbers["cnn_float64_grad_diff"] < 1e-10 and result.numbers["mlp_speed_ratio"] > 0
    assert result.outcome.figures["speed"][:4] == b"\x89PNG"


def test_frameworks_runs_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frameworks, "_import_torch", lambda: None)
    result = lab.run("frameworks", seed=0, quick=True)
    assert result.numbers["torch_available"] is False and result.numbers["torch_version"] == "unavailable"
    assert result.numbers["shendu_cnn_ms"] > 0 and "mlp_speed_ratio" not in result.numbers
    assert not result.verdict.passed and "not installed" in result.verdict.sentence


def test_frameworks_judge_both_ways() -> None:
    assert judge(_numbers()).passed
    off = judge(_numbers(cnn_float32_grad_diff=3e-2))
    assert not off.passed and "cnn in float32" in off.sentence and "0.03" in off.sentence
    assert not judge(_numbers(torch_available=False)).passed
