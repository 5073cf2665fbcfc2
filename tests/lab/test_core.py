from __future__ import annotations

import math
from typing import Any

import pytest

from shendu import lab
from shendu.lab import core
from shendu.lab.core import Check, Claim, Label, Outcome, Text, format_value, judge

CLAIMS = (
    Claim("high", Text("a is high", "a 高"), (Check("a", ">=", 0.5),)),
    Claim("ordered", Text("b below c", "b 低于 c"), (Check("b", "<", "c", times=2), Check("flag", "==", True))),
)


def _statuses(numbers: dict[str, Any], mode: str = "default") -> tuple[str, list[str]]:
    verdict = judge(CLAIMS, numbers, mode)
    return verdict.status, [c.status for c in verdict.claims]


def test_a_question_is_reproduced_only_when_every_claim_holds() -> None:
    good = {"a": 0.6, "b": 1.0, "c": 0.6, "flag": True}
    assert _statuses(good) == ("reproduced", ["held", "held"])
    assert _statuses({**good, "b": 1.2}) == ("not reproduced", ["held", "failed"])
    assert _statuses({**good, "flag": False}) == ("not reproduced", ["held", "failed"])
    assert _statuses({**good, "a": math.nan}) == ("not reproduced", ["failed", "held"])


def test_a_missing_number_is_not_measured_in_quick_mode_and_a_failure_otherwise() -> None:
    partial = {"a": 0.6, "flag": True}
    assert _statuses(partial, "quick") == ("partly measured", ["held", "not measured"])
    assert _statuses(partial, "default") == ("not reproduced", ["held", "not measured"])
    assert _statuses({**partial, "a": 0.1}, "quick") == ("not reproduced", ["failed", "not measured"])


def test_check_compares_with_a_constant_or_a_scaled_measurement() -> None:
    assert Check("x", "<=", "y", times=0.5).evaluate({"x": 1.0, "y": 2.0}).status == "held"
    assert Check("x", "<=", "y", times=0.5).evaluate({"x": 1.1, "y": 2.0}).status == "failed"
    assert Check("x", "in", (1, 2)).evaluate({"x": 2}).status == "held"
    assert Check("x", ">", 1.0).evaluate({"x": math.inf}).status == "held"
    assert Check("x", "<", "y").keys == ("x", "y") and Check("x", "<", 3).keys == ("x",)
    with pytest.raises(ValueError, match="a check's op must be one of"):
        Check("x", "~", 1)


def test_verdict_sentence_names_the_first_claim_that_did_not_hold() -> None:
    verdict = judge(CLAIMS, {"a": 0.1, "b": 0.0, "c": 1.0, "flag": True})
    assert verdict.sentence == "1 of 2 claims held; not held: a is high"
    assert core.Verdict("error", error="OSError: gone").sentence == "the experiment could not run: OSError: gone"


def test_prose_joins_lines_in_both_languages() -> None:
    text = Text.prose("  one\n   two  ", "第一行\n    第二行，ReLU\n    和 He 初始化。\n    lr 0.1")
    assert text.en == "one two"
    assert text.zh == "第一行第二行，ReLU 和 He 初始化。lr 0.1"
    assert str(text) == "one two" and text.get("zh") == text.zh
    with pytest.raises(ValueError, match="language must be one of en, zh, got 'fr'"):
        text.get("fr")


def test_format_value() -> None:
    assert [format_value(v) for v in (True, math.inf, 12345, 0.123456, (1, 2))] == [
        "yes",
        "∞",
        "12,345",
        "0.1235",
        "1, 2",
    ]
    assert format_value(False, "zh") == "否" and Label("x", "x", ".1%").format(0.25) == "25.0%"


def test_experiment_registration_rejects_unlabelled_checks_and_repeated_ids() -> None:
    labels = {"a": Label("a", "a")}
    claim = Claim("high", Text("a", "a"), (Check("a", ">=", 0.5),))
    with pytest.raises(ValueError, match="checks numbers without a label: \\['b'\\]"):
        core.experiment(
            99,
            "x",
            question=Text("q", "q"),
            explanation=Text("e", "e"),
            claims=(Claim("c", Text("c", "c"), (Check("b", ">", 0),)),),
            labels=labels,
            key="a",
        )
    with pytest.raises(ValueError, match="repeats a claim id"):
        core.experiment(
            99, "x", question=Text("q", "q"), explanation=Text("e", "e"), claims=(claim, claim), labels=labels, key="a"
        )
    with pytest.raises(ValueError, match="has no check"):
        Claim("empty", Text("e", "e"), ())
    assert 99 not in core.EXPERIMENTS


def test_run_reports_an_exception_as_the_questions_error(monkeypatch: pytest.MonkeyPatch) -> None:
    exp = lab.get(23)

    def broken(seed: int, quick: bool, full: bool) -> Outcome:
        raise FileNotFoundError("rt-polarity.pos is missing\nmore detail")

    monkeypatch.setitem(core.EXPERIMENTS, 23, core.Experiment(**{**exp.__dict__, "run": broken}))
    result = lab.run(23)
    assert result.verdict.status == "error" and not result.verdict.passed
    assert result.verdict.error == "FileNotFoundError: rt-polarity.pos is missing" and result.numbers == {}


def test_every_question_is_registered_once_with_claims_in_both_languages() -> None:
    experiments = lab.all_experiments()
    assert [e.number for e in experiments] == list(range(1, 26))
    for exp in experiments:
        assert exp.claims and exp.key in exp.labels
        for text in (exp.question, exp.explanation, *(c.text for c in exp.claims)):
            assert text.en and text.zh and any("\u4e00" <= ch <= "\u9fff" for ch in text.zh), (exp.number, text)
        for label in exp.labels.values():
            assert label.en and label.zh, (exp.number, label)
