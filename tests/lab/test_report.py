from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from shendu import cli, lab
from shendu.lab import core
from shendu.lab.core import Check, Claim, Experiment, Figure, Label, Outcome, Result, Table, Text, figure_png, pyplot
from shendu.lab.report import render_report, write_report
from tests.helpers import FIGURES
from tests.lab import judges
from tests.lab.chromium import chromium, render

needs_chromium = pytest.mark.skipif(
    chromium() is None, reason="chromium is not installed; scripts/setup.sh installs it"
)


def _png(seed: int) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot(np.random.default_rng(seed).standard_normal(20))
    return figure_png(fig)


def _experiment(number: int) -> Experiment:
    claims = (
        Claim("high", Text("Accuracy is high & <escaped>.", "准确率很高。"), (Check("accuracy", ">=", 0.9),)),
        Claim("fast", Text("It is fast.", "它很快。"), (Check("steps", "<", "budget"),)),
    )
    labels = {
        "accuracy": Label("test accuracy", "测试准确率", ".3f"),
        "steps": Label("steps to the target", "达到目标的步数"),
        "budget": Label("step budget", "步数预算"),
    }
    return Experiment(
        number,
        f"q{number}",
        Text(f"Question {number}?", f"问题 {number}？"),
        Text("Because.", "因为。"),
        claims,
        labels,
        "accuracy",
        lambda seed, quick, full: Outcome({}),
    )


def _result(number: int, accuracy: float, mode: str = "default") -> Result:
    exp = _experiment(number)
    numbers = {"accuracy": accuracy, "steps": 12, "budget": 100}
    outcome = Outcome(
        numbers,
        {"curve": Figure(Text("A curve.", "一条曲线。"), _png(number))},
        [Table(Text("Folds", "各折"), (Text("fold", "折"), Text("score", "分数")), [(1, 0.9), (2, Text("n/a", "无"))])],
        notes=[Text.same("step 1: x = 2")],
        setup=[Text("Trained for 3 epochs.", "训练 3 轮。")],
    )
    return Result(exp, outcome, exp.judge(numbers, mode), 1.25, 0, mode)


def _error(number: int) -> Result:
    exp = _experiment(number)
    return Result(exp, Outcome({}), core.Verdict("error", error="DatasetNotFoundError: no data"), 0.1, 0, "default")


def test_report_shows_every_claim_with_its_measurements_and_verdict() -> None:
    page = render_report([_result(1, 0.95), _result(2, 0.5), _error(3)])
    assert page.count("<section") == 3 and page.count("data:image/png;base64,") == 2
    assert "Accuracy is high &amp; &lt;escaped&gt;." in page
    assert "test accuracy = 0.950 ≥ 0.900" in page and "test accuracy = 0.500 &lt; 0.900" in page
    assert "steps to the target = 12 &lt; step budget (100)" in page
    assert "could not run, so none of its claims was checked: DatasetNotFoundError: no data" in page
    assert ">reproduced<" in page and ">not reproduced<" in page and ">could not run<" in page
    assert "1 of 3 questions reproduced; 3 of 4 claims held, 1 did not, 0 not measured" in page
    assert '<p class="setup">Trained for 3 epochs.</p>' in page and "<pre>step 1: x = 2</pre>" in page


def test_quick_mode_marks_unmeasured_claims() -> None:
    exp = _experiment(4)
    numbers = {"accuracy": 0.95}
    result = Result(exp, Outcome(numbers), exp.judge(numbers, "quick"), 1.0, 0, "quick")
    page = render_report([result])
    assert "not measured in quick mode" in page and "partly measured (quick mode)" in page


def test_chinese_report_translates_every_fixed_word() -> None:
    page = render_report([_result(1, 0.95), _error(2)], lang="zh")
    assert '<html lang="zh-CN">' in page
    for words in (
        "总览",
        "论断及其所依据的测量",
        "已复现",
        "无法运行",
        "准确率很高。",
        "测试准确率 = 0.950 ≥ 0.900",
        "一条曲线。",
        "各折",
    ):
        assert words in page, words
    for english in ("Summary", "Claims and", "reproduced<", "A curve", "Folds", "Question 1?"):
        assert english not in page, english
    with pytest.raises(ValueError, match="language must be one of en, zh, got 'de'"):
        render_report([], lang="de")


def test_report_is_replaced_atomically(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("old report")
    path = write_report([_result(1, 0.95)], tmp_path, lang="zh")
    assert path == tmp_path / "index.html" and "问题 1？" in path.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]


def test_cli_writes_the_report_in_the_chosen_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = [_experiment(1)]
    monkeypatch.setattr(lab, "all_experiments", lambda: fake)
    monkeypatch.setattr(lab, "run", lambda exp, **kw: _result(exp.number, 0.95))
    assert cli.main(["lab", "report", "--out", str(tmp_path), "--lang", "zh"]) == 0
    assert "问题 1？" in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "reproduced in 1.2 s" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["lab", "report", "--out", str(tmp_path), "--lang", "fr"])
    assert exit_info.value.code == 2 and "invalid choice: 'fr'" in capsys.readouterr().err


@needs_chromium
def test_report_renders_in_headless_chromium_without_overflow(tmp_path: Path) -> None:
    path = write_report([_result(n, 0.95 if n % 2 else 0.5) for n in range(1, 4)] + [_error(4)], tmp_path)
    dom = render(path, tmp_path / "shot.png")
    attributes = dict(re.findall(r'data-([a-z-]+)="(\d+)"', dom))
    assert attributes["sections"] == "4" and attributes["images"] == attributes["images-rendered"] == "3"
    assert attributes["scroll-width"] == attributes["viewport-width"]
    shot = (tmp_path / "shot.png").read_bytes()
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 10_000


def test_every_judge_check_fails_alone_on_numbers_that_break_it() -> None:
    covered = total = 0
    for exp in lab.all_experiments():
        tables = importlib.import_module(f"tests.lab.test_{exp.run.__module__.rsplit('.', 1)[1]}").JUDGES
        passing, breaks = tables[exp.number]
        judges.assert_all_hold(exp.number, passing)
        for claim, index, _ in exp.checks:
            total += 1
            judges.assert_only_this_check_fails(exp.number, passing, breaks, claim, index)
            covered += 1
    FIGURES["lab judge checks that fail alone in a test"] = f"{covered}/{total}"


@needs_chromium
def test_quick_report_of_all_25_questions_renders_in_both_languages(
    tmp_path: Path, quick: Callable[[int], Result]
) -> None:
    results = [quick(exp.number) for exp in lab.all_experiments()]
    figures = sum(len(r.outcome.figures) for r in results)
    for lang in ("en", "zh"):
        path = write_report(results, tmp_path / lang, lang=lang)
        dom = render(path, tmp_path / f"{lang}.png", height=6000)
        attributes = dict(re.findall(r'data-([a-z-]+)="(\d+)"', dom))
        assert attributes["sections"] == "25" and attributes["images"] == attributes["images-rendered"] == str(figures)
        assert attributes["scroll-width"] == attributes["viewport-width"], lang
        for r in results:
            assert f'id="q{r.experiment.number}"' in dom
    claims = [c for r in results for c in r.verdict.claims]
    counts = {status: sum(c.status == status for c in claims) for status in ("held", "failed", "not measured")}
    assert counts["failed"] == sum(c.claim.timed for c in claims if c.status == "failed")
    FIGURES["lab quick report"] = (
        f"{sum(r.verdict.passed for r in results)}/25 questions reproduced, claims {counts['held']} held, "
        f"{counts['failed']} not held, {counts['not measured']} not measured in quick mode (of {len(claims)}); "
        f"{figures} figures in both languages, {sum(r.seconds for r in results):.0f} s in all, "
        f"slowest {max(r.seconds for r in results):.1f} s"
    )


def test_an_equality_that_held_is_shown_once_and_one_that_failed_with_its_expectation() -> None:
    claim = Claim("flag", Text("It is on.", "它开着。"), (Check("on", "==", True), Check("count", "==", 3)))
    labels = {"on": Label("switch on", "开关打开"), "count": Label("count", "个数")}
    exp = Experiment(
        5, "q5", Text("Q?", "问？"), Text("E.", "解。"), (claim,), labels, "on", lambda s, q, f: Outcome({})
    )
    numbers = {"on": True, "count": 4}
    page = render_report([Result(exp, Outcome(numbers), exp.judge(numbers), 1.0, 0, "default")])
    assert "switch on = yes<br>count = 4 ≠ 3" in page
