from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from shendu.lab.core import Experiment, Outcome, Result, Verdict, all_of, figure_png, pyplot
from shendu.lab.report import write_report
from tests.lab.chromium import chromium, render


def _png(seed: int) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot(np.random.default_rng(seed).standard_normal(20))
    return figure_png(fig)


def _result(number: int, passed: bool) -> Result:
    exp = Experiment(
        number,
        f"q{number}",
        f"Question {number}?",
        "An answer & <markup> escaped.",
        lambda seed, quick, full: Outcome({}),
        lambda numbers: Verdict(passed, "because"),
    )
    outcome = Outcome(
        {"accuracy": 0.91, "steps": 12},
        {"curve": _png(number)},
        {"folds": [["fold", "score"], [1, 0.9]]},
        ["step 1: x = 2"],
    )
    return Result(exp, outcome, exp.judge(outcome.numbers), 1.25, 0, "quick")


def test_report_holds_every_section_escaped(tmp_path: Path) -> None:
    path = write_report([_result(1, True), _result(2, False)], tmp_path)
    text = path.read_text()
    assert text.count("<section") == 2 and text.count("data:image/png;base64,") == 2
    assert "An answer &amp; &lt;markup&gt; escaped." in text
    assert "Reproduced: because" in text and "Not reproduced: because" in text


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed; scripts/setup.sh installs it")
def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    path = write_report([_result(n, n % 2 == 0) for n in range(1, 4)], tmp_path)
    dom = render(path, tmp_path / "shot.png")
    attributes = dict(re.findall(r'data-(sections|images|images-rendered)="(\d+)"', dom))
    assert attributes == {"sections": "3", "images": "3", "images-rendered": "3"}
    shot = (tmp_path / "shot.png").read_bytes()
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 10_000


def test_all_of_names_the_failed_checks() -> None:
    assert all_of([(True, "a"), (True, "b")], "fine") == Verdict(True, "fine")
    assert all_of([(False, "a was low"), (True, "b")], "fine") == Verdict(False, "A was low.")


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed; scripts/setup.sh installs it")
def test_quick_report_of_all_25_questions_renders(tmp_path: Path) -> None:
    from shendu import lab
    from tests.helpers import FIGURES

    results = [lab.run(exp, seed=0, quick=True) for exp in lab.all_experiments()]
    assert [r.experiment.number for r in results] == list(range(1, 26))
    path = write_report(results, tmp_path)
    dom = render(path, tmp_path / "report.png", height=6000)
    attributes = dict(re.findall(r'data-(sections|images|images-rendered)="(\d+)"', dom))
    figures = sum(len(r.outcome.figures) for r in results)
    assert attributes == {"sections": "25", "images": str(figures), "images-rendered": str(figures)}
    for r in results:
        assert f'id="q{r.experiment.number}"' in dom
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    passed = sum(r.verdict.passed for r in results)
    FIGURES["lab quick report"] = (
        f"{passed}/25 verdicts reproduced, {figures} figures rendered, "
        f"{sum(r.seconds for r in results):.0f} s in all, slowest {max(r.seconds for r in results):.1f} s"
    )
