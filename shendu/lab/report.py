"""The lab's self-contained HTML report: one section per question, images embedded."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..io.atomic import atomic_write_text
from .core import Result

__all__ = ["write_report"]

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1000px; margin: 2em auto; color: #222; line-height: 1.45; }
section { border-top: 1px solid #ccc; padding: 1em 0; }
h2 { margin-bottom: 0.3em; }
.answer { background: #f6f8fa; padding: 0.6em 0.9em; border-radius: 6px; }
.verdict { font-weight: 600; padding: 0.4em 0.8em; border-radius: 6px; display: inline-block; }
.pass { background: #e3f7e8; color: #145a26; } .fail { background: #fde8e8; color: #8a1c1c; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
td, th { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; }
img { max-width: 100%; display: block; margin: 0.6em 0; }
pre { background: #f6f8fa; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
.meta { color: #666; font-size: 0.85em; }
"""

_CHECK_SCRIPT = """
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.images);
  var rendered = images.filter(function (img) { return img.complete && img.naturalWidth > 0; }).length;
  document.body.setAttribute('data-images', String(images.length));
  document.body.setAttribute('data-images-rendered', String(rendered));
  document.body.setAttribute('data-sections', String(document.querySelectorAll('section').length));
});
"""


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _table(rows: Sequence[Sequence[Any]]) -> str:
    if not rows:
        return ""
    head = "".join(f"<th>{html.escape(_format(c))}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_format(c))}</td>" for c in row) + "</tr>" for row in rows[1:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(result: Result) -> str:
    exp, outcome, verdict = result.experiment, result.outcome, result.verdict
    parts = [
        f'<section id="q{exp.number}">',
        f"<h2>{exp.number}. {html.escape(exp.question)}</h2>",
        f'<p class="answer">{html.escape(exp.answer)}</p>',
    ]
    for name, png in outcome.figures.items():
        data = base64.b64encode(png).decode("ascii")
        parts.append(f'<img alt="{html.escape(name)}" src="data:image/png;base64,{data}">')
    for line in outcome.notes:
        parts.append(f"<pre>{html.escape(line)}</pre>")
    parts.append(_table([["measured", "value"], *[[k, v] for k, v in outcome.numbers.items()]]))
    for name, rows in outcome.tables.items():
        parts.append(f"<h3>{html.escape(name)}</h3>{_table(rows)}")
    status = "pass" if verdict.passed else "fail"
    mark = "Reproduced" if verdict.passed else "Not reproduced"
    parts.append(f'<p class="verdict {status}">{mark}: {html.escape(verdict.sentence)}</p>')
    parts.append(f'<p class="meta">{result.mode} mode, seed {result.seed}, {result.seconds:.1f} s</p>')
    parts.append("</section>")
    return "\n".join(parts)


def write_report(results: Sequence[Result], out_dir: str | Path, title: str = "shendu lab") -> Path:
    """Write ``index.html`` into ``out_dir``; every image is embedded, so the file stands alone."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    passed = sum(r.verdict.passed for r in results)
    toc = "".join(
        f'<li><a href="#q{r.experiment.number}">{r.experiment.number}. {html.escape(r.experiment.question)}</a> '
        f"— {'✓' if r.verdict.passed else '✗'}</li>"
        for r in results
    )
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style><script>{_CHECK_SCRIPT}</script></head><body>"
        f"<h1>{html.escape(title)}</h1><p>Classic deep-learning questions, each answered by an experiment run "
        f"with shendu. {passed} of {len(results)} claims reproduced.</p><ol>{toc}</ol>"
        + "\n".join(_section(r) for r in results)
        + "</body></html>"
    )
    path = out / "index.html"
    atomic_write_text(path, page)
    return path
