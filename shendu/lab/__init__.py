"""``shendu lab``: classic deep-learning interview questions, answered by claims that measured experiments check.

Each experiment trains or probes real models with shendu's public API and returns its numbers and
figures. Its answer is an explanation plus a list of claims, each a sentence in English and Chinese
with checks on those numbers; a question is reproduced only when every claim held.
"""

from .core import (
    Check,
    Claim,
    Experiment,
    Figure,
    Label,
    Outcome,
    Result,
    Table,
    Text,
    Verdict,
    all_experiments,
    experiment,
    get,
    run,
)
from .report import render_report, write_report

__all__ = [
    "Check",
    "Claim",
    "Experiment",
    "Figure",
    "Label",
    "Outcome",
    "Result",
    "Table",
    "Text",
    "Verdict",
    "all_experiments",
    "experiment",
    "get",
    "render_report",
    "run",
    "write_report",
]
