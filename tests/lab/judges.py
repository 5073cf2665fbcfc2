"""Tests of the lab's judges: every check of every claim must fail, alone, on numbers that break it.

Each topic's test module defines ``JUDGES = {question: (PASSING, BREAKS)}``: ``PASSING`` holds numbers on
which every claim holds, and ``BREAKS[claim id][i]`` the changes to ``PASSING`` that break the claim's
``i``-th check and no other. A check that no numbers can break alone is redundant, and its test says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shendu import lab

Judges = dict[int, tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]]


def cases(judges: Judges) -> list[tuple[int, str, int]]:
    """One ``(question, claim id, check index)`` per check of every question in ``judges``."""
    return [(number, claim, index) for number in judges for claim, index, _ in lab.get(number).checks]


def _failed(number: int, numbers: Mapping[str, Any]) -> set[tuple[str, int]]:
    verdict = lab.get(number).judge(numbers)
    return {
        (outcome.claim.id, i)
        for outcome in verdict.claims
        for i, check in enumerate(outcome.checks)
        if check.status != "held"
    }


def assert_all_hold(number: int, passing: Mapping[str, Any]) -> None:
    """Every claim of question ``number`` holds on ``passing``."""
    verdict = lab.get(number).judge(passing)
    assert verdict.status == "reproduced", sorted(_failed(number, passing))


def assert_only_this_check_fails(
    number: int, passing: Mapping[str, Any], breaks: Mapping[str, list[dict[str, Any]]], claim: str, index: int
) -> None:
    """Question ``number``'s check ``index`` of ``claim`` fails on the breaking numbers, and nothing else does."""
    changes = breaks[claim][index]
    failed = _failed(number, {**passing, **changes})
    assert failed == {(claim, index)}, f"{claim}[{index}] with {changes}: failed {sorted(failed)}"
    assert lab.get(number).judge({**passing, **changes}).status == "not reproduced"


PNG = b"\x89PNG\r\n\x1a\n"


def assert_quick_run(result: lab.Result, unmeasured: set[str] = frozenset()) -> None:
    """A quick-mode result: every claim held except the ``unmeasured`` ones, which quick mode cannot measure.

    Claims that rest on wall-clock times must be measured but may fail on a busy machine (the suite makes
    no timing assertions). Every number has a label, every figure is a PNG with a caption in both languages.
    """
    verdict = result.verdict
    assert verdict.status != "error", verdict.error
    statuses = {outcome.claim.id: outcome.status for outcome in verdict.claims}
    assert {claim for claim, status in statuses.items() if status == "not measured"} == set(unmeasured)
    for outcome in verdict.claims:
        if outcome.claim.id not in unmeasured and not outcome.claim.timed:
            assert outcome.status == "held", (outcome.claim.id, [(c.check, c.value) for c in outcome.checks])
    assert verdict.status == ("partly measured" if unmeasured else "reproduced") or any(
        o.claim.timed and o.status == "failed" for o in verdict.claims
    )
    unlabelled = set(result.numbers) - set(result.experiment.labels)
    assert not unlabelled, sorted(unlabelled)
    assert result.outcome.figures
    for figure in result.outcome.figures.values():
        assert figure.png.startswith(PNG) and figure.caption.en and figure.caption.zh
