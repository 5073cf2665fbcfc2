"""The lab's self-contained HTML report, in English or Chinese: a summary table, then one section per question.

Each section shows the question, the explanation, every claim with the measurements it rests on and
whether it held, the figures, tables and setup notes, and the verdict. A question whose experiment
raised gets a section that says so, and the rest of the report is written as usual.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..io import atomic_write_text
from .core import LANGUAGES, CheckOutcome, ClaimOutcome, Label, Result, Table, Text, format_value

__all__ = ["render_report", "write_report"]

_WORDS = {
    "title": Text("shendu lab: interview questions answered by measurement", "shendu 实验室：用测量来回答的面试题"),
    "intro": Text(
        "Classic deep-learning interview questions. Each answer is an explanation and a list of claims; every "
        "claim is checked against numbers that an experiment run with shendu measured, and a question counts as "
        "reproduced only when all its claims held.",
        "经典的深度学习面试题。每个回答由一段解释和一组论断组成；每条论断都用 shendu 实验测得的数字来检验，"
        "只有全部论断成立，这道题才算复现。",
    ),
    "totals": Text(
        "{mode} mode, seed {seed}: {reproduced} of {questions} questions reproduced; {held} of {claims} claims "
        "held, {failed} did not, {unmeasured} not measured in this mode; {errors} questions could not run.",
        "{mode}模式，随机种子 {seed}：{questions} 道题中复现 {reproduced} 道；{claims} 条论断中 {held} 条成立，"
        "{failed} 条不成立，{unmeasured} 条在此模式下未测量；{errors} 道题无法运行。",
    ),
    "summary": Text("Summary", "总览"),
    "col_question": Text("Question", "问题"),
    "col_verdict": Text("Verdict", "结论"),
    "col_claims": Text("Claims held", "成立的论断"),
    "col_key": Text("Key measurement", "关键测量"),
    "claims": Text("Claims and the measurements they rest on", "论断及其所依据的测量"),
    "col_claim": Text("Claim", "论断"),
    "col_measured": Text("Measured", "测量值"),
    "col_result": Text("Result", "结果"),
    "numbers": Text("All measured numbers ({count})", "全部测量值（{count} 项）"),
    "col_name": Text("Measurement", "测量项"),
    "col_value": Text("Value", "数值"),
    "meta": Text("{mode} mode, seed {seed}, {seconds:.1f} s", "{mode}模式，随机种子 {seed}，用时 {seconds:.1f} 秒"),
    "error": Text(
        "This question's experiment could not run, so none of its claims was checked: {error}",
        "这道题的实验无法运行，因此它的论断都没有检验：{error}",
    ),
    "not measured": Text("not measured in quick mode", "快速模式下未测量"),
    "timed": Text(
        "rests on running times measured on this machine, which other work running at the same time can distort",
        "依据在本机上实测的运行时间，同时运行的其他任务可能使其失真",
    ),
    "not measured (mode)": Text("not measured", "未测量"),
    "held": Text("held", "成立"),
    "failed": Text("did not hold", "不成立"),
}
_MODES = {
    "quick": Text("quick", "快速"),
    "default": Text("default", "默认"),
    "full": Text("full", "完整"),
}
_VERDICTS = {
    "reproduced": Text("reproduced", "已复现"),
    "not reproduced": Text("not reproduced", "未复现"),
    "partly measured": Text("partly measured (quick mode)", "部分测量（快速模式）"),
    "error": Text("could not run", "无法运行"),
}

_STYLE = """
* { box-sizing: border-box; }
body { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; max-width: 1040px;
       margin: 1.5em auto; padding: 0 1em; color: #222; line-height: 1.5; overflow-wrap: anywhere; }
section { border-top: 1px solid #ccc; padding: 1em 0; }
h2 { margin-bottom: 0.3em; font-size: 1.3em; }
h3 { font-size: 1.05em; margin: 1em 0 0.3em; }
.explanation { background: #f6f8fa; padding: 0.6em 0.9em; border-radius: 6px; }
.setup { color: #444; font-size: 0.92em; }
.badge { font-weight: 600; padding: 0.1em 0.5em; border-radius: 5px; white-space: nowrap; }
.verdict { font-weight: 600; padding: 0.4em 0.8em; border-radius: 6px; display: inline-block; }
.pass { background: #e3f7e8; color: #145a26; } .fail { background: #fde8e8; color: #8a1c1c; }
.open { background: #fff4d6; color: #6b4e00; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.88em; max-width: 100%; }
td, th { border: 1px solid #ddd; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.measure { font-size: 0.92em; color: #333; }
.timed { font-size: 0.85em; color: #6b4e00; font-style: italic; }
figure { margin: 0.8em 0; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 0.9em; color: #555; }
pre { background: #f6f8fa; padding: 0.6em; font-size: 0.82em; white-space: pre-wrap; overflow-wrap: anywhere; }
.meta { color: #666; font-size: 0.85em; }
details summary { cursor: pointer; color: #335; }
"""

# Sets attributes on <body> after load, for the rendering tests: sections, images, rendered images, and
# the page's width against the window's (equal when nothing runs off the page).
_CHECK_SCRIPT = """
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.images);
  var rendered = images.filter(function (img) { return img.complete && img.naturalWidth > 0; }).length;
  var body = document.body;
  body.setAttribute('data-images', String(images.length));
  body.setAttribute('data-images-rendered', String(rendered));
  body.setAttribute('data-sections', String(document.querySelectorAll('section').length));
  body.setAttribute('data-scroll-width', String(document.documentElement.scrollWidth));
  body.setAttribute('data-viewport-width', String(document.documentElement.clientWidth));
});
"""


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _word(key: str, lang: str, **values: Any) -> str:
    return _WORDS[key].get(lang).format(**values)


def _status_class(status: str) -> str:
    return {"held": "pass", "reproduced": "pass", "failed": "fail", "not reproduced": "fail", "error": "fail"}.get(
        status, "open"
    )


def _label(result: Result, key: str) -> Label:
    """The number's label; an unlabelled key (a bug the tests catch) is shown as it is rather than lost."""
    return result.experiment.labels.get(key) or Label(key, key)


def _colon(lang: str) -> str:
    """The colon between a label and its value: full-width in Chinese, as in the labels themselves."""
    return "：" if lang == "zh" else ": "


def _measurement(result: Result, outcome: CheckOutcome, lang: str) -> str:
    """One check in words: ``label = value ≥ bound``, with the bound's own label when it is a measurement."""
    check = outcome.check
    label = _label(result, check.left)
    if outcome.status == "not measured":
        return _esc(f"{label.get(lang)}{_colon(lang)}{_word('not measured (mode)', lang)}")
    value = label.format(outcome.value, lang)
    if check.op == "==" and not isinstance(check.right, str) and outcome.status == "held":
        # "x = 1 = 1" says nothing the first half does not
        return _esc(f"{label.get(lang)} = {value}")
    symbol = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "in": "∈"}[check.op]
    if outcome.status == "failed":
        symbol = {"<": "≥", "<=": ">", ">": "≤", ">=": "<", "==": "≠", "in": "∉"}[check.op]
    if isinstance(check.right, str):
        other = _label(result, check.right)
        factor = "" if check.times == 1.0 else f"{check.times:.3g} × "
        bound = f"{factor}{other.get(lang)} ({other.format(result.numbers[check.right], lang)})"
    else:
        bound = label.format(outcome.bound, lang)
    return _esc(f"{label.get(lang)} = {value} {symbol} {bound}")


def _claim_row(result: Result, outcome: ClaimOutcome, lang: str) -> str:
    status = outcome.status
    word = _word("not measured", lang) if status == "not measured" and result.mode == "quick" else None
    word = word or _WORDS.get(status, _WORDS["not measured (mode)"]).get(lang)
    measured = "<br>".join(_measurement(result, c, lang) for c in outcome.checks)
    claim = _esc(outcome.claim.text.get(lang))
    if outcome.claim.timed:
        claim += f'<br><span class="timed">{_esc(_word("timed", lang))}</span>'
    return (
        f'<tr><td>{claim}</td><td class="measure">{measured}</td>'
        f'<td><span class="badge {_status_class(status)}">{_esc(word)}</span></td></tr>'
    )


def _cell(value: Any, lang: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<td class="num">{_esc(format_value(value, lang))}</td>'
    return f"<td>{_esc(format_value(value, lang))}</td>"


def _table(table: Table, lang: str) -> str:
    head = "".join(f"<th>{_esc(h.get(lang))}</th>" for h in table.header)
    body = "".join("<tr>" + "".join(_cell(c, lang) for c in row) + "</tr>" for row in table.rows)
    return f"<h3>{_esc(table.title.get(lang))}</h3><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _verdict_badge(result: Result, lang: str) -> str:
    status = result.verdict.status
    return f'<span class="badge {_status_class(status)}">{_esc(_VERDICTS[status].get(lang))}</span>'


def _section(result: Result, lang: str) -> str:
    exp, outcome, verdict = result.experiment, result.outcome, result.verdict
    parts = [
        f'<section id="q{exp.number}">',
        f"<h2>{exp.number}. {_esc(exp.question.get(lang))}</h2>",
        f'<p class="explanation">{_esc(exp.explanation.get(lang))}</p>',
    ]
    if verdict.status == "error":
        parts.append(f'<p class="verdict fail">{_esc(_word("error", lang, error=verdict.error))}</p>')
    else:
        head = "".join(f"<th>{_esc(_word(k, lang))}</th>" for k in ("col_claim", "col_measured", "col_result"))
        rows = "".join(_claim_row(result, c, lang) for c in verdict.claims)
        parts.append(f"<h3>{_esc(_word('claims', lang))}</h3><table><thead><tr>{head}</tr></thead>{rows}</table>")
        for paragraph in outcome.setup:
            parts.append(f'<p class="setup">{_esc(paragraph.get(lang))}</p>')
        for note in outcome.notes:
            parts.append(f"<pre>{_esc(note.get(lang))}</pre>")
        for name, figure in outcome.figures.items():
            data = base64.b64encode(figure.png).decode("ascii")
            caption = _esc(figure.caption.get(lang))
            parts.append(
                f'<figure><img alt="{caption}" data-name="{_esc(name)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{caption}</figcaption></figure>"
            )
        for table in outcome.tables:
            parts.append(_table(table, lang))
        rows = "".join(
            f"<tr><td>{_esc(_label(result, k).get(lang))}</td>{_cell_formatted(result, k, v, lang)}</tr>"
            for k, v in outcome.numbers.items()
        )
        head = f"<th>{_esc(_word('col_name', lang))}</th><th>{_esc(_word('col_value', lang))}</th>"
        parts.append(
            f"<details><summary>{_esc(_word('numbers', lang, count=len(outcome.numbers)))}</summary>"
            f"<table><thead><tr>{head}</tr></thead>{rows}</table></details>"
        )
    parts.append(f'<p class="verdict {_status_class(verdict.status)}">{_esc(_VERDICTS[verdict.status].get(lang))}</p>')
    mode = _MODES[result.mode].get(lang)
    parts.append(
        f'<p class="meta">{_esc(_word("meta", lang, mode=mode, seed=result.seed, seconds=result.seconds))}</p>'
    )
    parts.append("</section>")
    return "\n".join(parts)


def _cell_formatted(result: Result, key: str, value: Any, lang: str) -> str:
    text = _label(result, key).format(value, lang)
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    return f'<td class="num">{_esc(text)}</td>' if numeric else f"<td>{_esc(text)}</td>"


def _key_number(result: Result, lang: str) -> str:
    key = result.experiment.key
    if result.verdict.status == "error":
        return ""
    if key not in result.numbers:
        return f"{_label(result, key).get(lang)}{_colon(lang)}{_word('not measured (mode)', lang)}"
    label = _label(result, key)
    return f"{label.get(lang)}{_colon(lang)}{label.format(result.numbers[key], lang)}"


def _summary(results: Sequence[Result], lang: str) -> str:
    head = "".join(f"<th>{_esc(_word(k, lang))}</th>" for k in ("col_question", "col_verdict", "col_claims", "col_key"))
    rows = []
    for r in results:
        exp, verdict = r.experiment, r.verdict
        held = "" if verdict.status == "error" else f"{verdict.count('held')} / {len(verdict.claims)}"
        rows.append(
            f'<tr><td><a href="#q{exp.number}">{exp.number}. {_esc(exp.question.get(lang))}</a></td>'
            f'<td>{_verdict_badge(r, lang)}</td><td class="num">{held}</td><td>{_esc(_key_number(r, lang))}</td></tr>'
        )
    return (
        f"<h2>{_esc(_word('summary', lang))}</h2><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def render_report(results: Sequence[Result], lang: str = "en") -> str:
    """The report's HTML, every image embedded, so that the page stands alone.

    Args:
        results: the results to show, in question order.
        lang: ``"en"`` or ``"zh"``. Default: ``"en"``.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lab report: language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    claims = [c for r in results for c in r.verdict.claims]
    modes = sorted({r.mode for r in results}) or ["default"]
    totals = _word(
        "totals",
        lang,
        mode="/".join(_MODES[m].get(lang) for m in modes),
        seed="/".join(sorted({str(r.seed) for r in results})) or "0",
        reproduced=sum(r.verdict.passed for r in results),
        questions=len(results),
        held=sum(c.status == "held" for c in claims),
        claims=len(claims),
        failed=sum(c.status == "failed" for c in claims),
        unmeasured=sum(c.status == "not measured" for c in claims),
        errors=sum(r.verdict.status == "error" for r in results),
    )
    title = _word("title", lang)
    return (
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{_esc(title)}</title>'
        f"<style>{_STYLE}</style><script>{_CHECK_SCRIPT}</script></head><body>"
        f"<h1>{_esc(title)}</h1><p>{_esc(_word('intro', lang))}</p><p>{_esc(totals)}</p>"
        + _summary(results, lang)
        + "\n".join(_section(r, lang) for r in results)
        + "</body></html>"
    )


def write_report(results: Sequence[Result], out_dir: str | Path, lang: str = "en") -> Path:
    """Write ``index.html`` into ``out_dir`` atomically: a reader sees the old report or the whole new one.

    Args:
        results: the results to show, in question order.
        out_dir: the folder (created if needed).
        lang: ``"en"`` or ``"zh"``. Default: ``"en"``.

    Returns:
        The path of ``index.html``.
    """
    page = render_report(results, lang)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    atomic_write_text(path, page)
    return path
