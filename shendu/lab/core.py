"""The lab's machinery: experiments whose answers are claims, each claim checked against the measured numbers.

An experiment answers one interview question. Its answer has two parts: an explanation (definitions,
nothing that a measurement could contradict) and a list of claims. A claim is one sentence, in English
and in Chinese, that states something measurable, together with the checks on the numbers that decide
whether it held. Every mode uses the same checks; a number that a mode does not measure leaves its
claim "not measured" rather than passed on a lower bar.
"""

from __future__ import annotations

import io
import math
import operator
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EXPERIMENTS",
    "LANGUAGES",
    "Check",
    "CheckOutcome",
    "Claim",
    "ClaimOutcome",
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
    "figure_png",
    "get",
    "judge",
    "pyplot",
    "run",
]

LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Text:
    """Words shown to a reader, in English and in Chinese. ``str()`` gives the English."""

    en: str
    zh: str

    @staticmethod
    def prose(en: str, zh: str) -> Text:
        """A paragraph written as an indented triple-quoted block, joined into single lines in both languages."""
        return Text(" ".join(en.split()), _join_lines(zh))

    @staticmethod
    def same(text: str) -> Text:
        """Words that read the same in both languages (a formula, a name, a number)."""
        return Text(text, text)

    def get(self, lang: str) -> str:
        """The words in ``lang`` (``"en"`` or ``"zh"``)."""
        if lang not in LANGUAGES:
            raise ValueError(f"lab: language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
        return self.zh if lang == "zh" else self.en

    def __str__(self) -> str:
        return self.en


_LINE_BREAK = re.compile(r"\s*\n\s*")


def _is_punctuation(char: str) -> bool:
    """A full-width punctuation mark, which never takes a space beside it."""
    return "\u3000" <= char <= "\u303f" or "\uff00" <= char <= "\uffef"


def _is_wide(char: str) -> bool:
    """A Chinese character or a full-width punctuation mark."""
    return _is_punctuation(char) or "\u3400" <= char <= "\u9fff"


def _join_lines(text: str) -> str:
    """Chinese prose written over several lines: a break between two Chinese characters or beside a
    full-width punctuation mark vanishes; any other (next to a Latin word or a number) becomes one space."""
    text = text.strip()

    def joint(match: re.Match[str]) -> str:
        before, after = text[match.start() - 1], text[match.end()]
        glued = (_is_wide(before) and _is_wide(after)) or _is_punctuation(before) or _is_punctuation(after)
        return "" if glued else " "

    return _LINE_BREAK.sub(joint, text)


@dataclass(frozen=True)
class Label:
    """How the report names a measured number: a label with its unit in both languages, and a format.

    Args:
        en: the English label, unit included, e.g. ``"training time (s)"``.
        zh: the Chinese label.
        fmt: the format of a float value. Default: ``".4g"``.
    """

    en: str
    zh: str
    fmt: str = ".4g"

    def get(self, lang: str) -> str:
        return Text(self.en, self.zh).get(lang)

    def format(self, value: Any, lang: str = "en") -> str:
        """The value as the report prints it."""
        return format_value(value, lang, self.fmt)


_YES_NO = {"en": ("yes", "no"), "zh": ("是", "否")}


def format_value(value: Any, lang: str = "en", fmt: str = ".4g") -> str:
    """A measured value as text: booleans as yes/no, infinities as ∞, floats by ``fmt``."""
    if isinstance(value, Text):
        return value.get(lang)
    if isinstance(value, bool):
        return _YES_NO[lang][0 if value else 1]
    if isinstance(value, float):
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if math.isnan(value):
            return "NaN"
        return format(value, fmt)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, tuple):
        return ", ".join(format_value(v, lang, fmt) for v in value)
    return str(value)


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "in": lambda value, allowed: value in allowed,
}


@dataclass(frozen=True)
class Check:
    """One condition on the measured numbers: ``numbers[left] op times * right``.

    ``right`` is a constant (a number, a bool, or a tuple of allowed values for ``"in"``) or, when it
    is a string, the key of another measured number. A NaN on either side fails every comparison.

    Args:
        left: the key of the measured number on the left.
        op: one of ``<``, ``<=``, ``>``, ``>=``, ``==``, ``in``.
        right: a constant, or the key of a measured number.
        times: a factor applied to ``right``. Default: 1.
    """

    left: str
    op: str
    right: Any
    times: float = 1.0

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"lab: a check's op must be one of {', '.join(_OPS)}, got {self.op!r}")

    @property
    def keys(self) -> tuple[str, ...]:
        """The measured numbers this check reads."""
        return (self.left, self.right) if isinstance(self.right, str) else (self.left,)

    def bound(self, numbers: Mapping[str, Any]) -> Any:
        """The value ``numbers[left]`` is compared with."""
        value = numbers[self.right] if isinstance(self.right, str) else self.right
        return value * self.times if self.times != 1.0 else value

    def evaluate(self, numbers: Mapping[str, Any]) -> CheckOutcome:
        """Whether the check held, failed, or could not be made because a number was not measured."""
        if any(key not in numbers for key in self.keys):
            return CheckOutcome(self, "not measured", numbers.get(self.left), None)
        value, bound = numbers[self.left], self.bound(numbers)
        held = bool(_OPS[self.op](value, bound))
        return CheckOutcome(self, "held" if held else "failed", value, bound)


@dataclass(frozen=True)
class CheckOutcome:
    """A check with the values it compared and its status: ``held``, ``failed`` or ``not measured``."""

    check: Check
    status: str
    value: Any
    bound: Any


@dataclass(frozen=True)
class Claim:
    """One measurable sentence of an answer and the checks that decide whether it held.

    Args:
        id: a short name, unique within the experiment (tests name checks by it).
        text: the sentence in English and Chinese.
        checks: every condition the sentence asserts.
        timed: the claim rests on wall-clock times, which a busy machine can distort. Default: False.
    """

    id: str
    text: Text
    checks: tuple[Check, ...]
    timed: bool = False

    def __post_init__(self) -> None:
        if not self.checks:
            raise ValueError(f"lab: claim {self.id!r} has no check; a sentence with nothing to check is explanation")


@dataclass(frozen=True)
class ClaimOutcome:
    """A claim with the outcome of each of its checks."""

    claim: Claim
    checks: tuple[CheckOutcome, ...]

    @property
    def status(self) -> str:
        """``failed`` if any check failed, else ``not measured`` if any was not made, else ``held``."""
        statuses = {c.status for c in self.checks}
        for status in ("failed", "not measured"):
            if status in statuses:
                return status
        return "held"


@dataclass(frozen=True)
class Verdict:
    """A question's verdict: ``reproduced`` only when every one of its claims held.

    Attributes:
        status: ``reproduced``, ``not reproduced``, ``partly measured`` (quick mode: every measured
            claim held, some could not be measured) or ``error`` (the experiment raised).
        claims: the outcome of each claim, in the answer's order.
        error: what went wrong, for ``error``.
    """

    status: str
    claims: tuple[ClaimOutcome, ...] = ()
    error: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "reproduced"

    def count(self, status: str) -> int:
        """How many claims have ``status``."""
        return sum(c.status == status for c in self.claims)

    @property
    def sentence(self) -> str:
        """One English line: how many claims held, and the first that did not."""
        if self.status == "error":
            return f"the experiment could not run: {self.error}"
        line = f"{self.count('held')} of {len(self.claims)} claims held"
        failed = [c for c in self.claims if c.status == "failed"]
        if failed:
            line += f"; not held: {failed[0].claim.text.en}"
        unmeasured = self.count("not measured")
        if unmeasured:
            line += f"; {unmeasured} not measured in this mode"
        return line


def judge(claims: Sequence[Claim], numbers: Mapping[str, Any], mode: str = "default") -> Verdict:
    """Check every claim against ``numbers``.

    In quick mode a claim whose numbers are missing is "not measured in quick mode"; in the default
    and full modes every claim must be measured, so a missing number makes the verdict fail.
    """
    outcomes = tuple(ClaimOutcome(c, tuple(check.evaluate(numbers) for check in c.checks)) for c in claims)
    statuses = {o.status for o in outcomes}
    if "failed" in statuses or ("not measured" in statuses and mode != "quick"):
        return Verdict("not reproduced", outcomes)
    if "not measured" in statuses:
        return Verdict("partly measured", outcomes)
    return Verdict("reproduced", outcomes)


@dataclass(frozen=True)
class Figure:
    """A rendered figure (PNG bytes) and its caption."""

    caption: Text
    png: bytes


@dataclass(frozen=True)
class Table:
    """A table for the report: a title, column headers with units, and rows of values or Texts."""

    title: Text
    header: tuple[Text, ...]
    rows: tuple[tuple[Any, ...], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "header", tuple(self.header))
        object.__setattr__(self, "rows", tuple(tuple(row) for row in self.rows))
        widths = {len(row) for row in self.rows}
        if widths - {len(self.header)}:
            raise ValueError(f"lab: table {self.title.en!r} has {len(self.header)} columns but rows of {widths}")


@dataclass
class Outcome:
    """What an experiment measured.

    Attributes:
        numbers: named measurements (floats, ints, bools or Texts); every key has a Label in the experiment.
        figures: figures by a file-name-safe name, in display order.
        tables: tables, in display order.
        notes: preformatted text, such as a printed trace or a model summary.
        setup: paragraphs that say how the experiment was run.
    """

    numbers: dict[str, Any]
    figures: dict[str, Figure] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)
    setup: list[Text] = field(default_factory=list)


@dataclass(frozen=True)
class Experiment:
    """One interview question, answered by an explanation and claims that a measured experiment checks.

    Attributes:
        number: the question's number (1-25).
        slug: a short name usable on the command line.
        question: the question as asked.
        explanation: definitions and mechanisms, with nothing in it that a measurement could contradict.
        claims: the measurable statements of the answer, each with its checks.
        labels: a Label for every number the experiment reports.
        key: the number shown for this question in the report's summary table.
        run: ``run(seed, quick, full) -> Outcome``.
    """

    number: int
    slug: str
    question: Text
    explanation: Text
    claims: tuple[Claim, ...]
    labels: Mapping[str, Label]
    key: str
    run: Callable[[int, bool, bool], Outcome]

    def judge(self, numbers: Mapping[str, Any], mode: str = "default") -> Verdict:
        """The verdict of this experiment's claims on ``numbers``."""
        return judge(self.claims, numbers, mode)

    @property
    def checks(self) -> list[tuple[str, int, Check]]:
        """Every check as ``(claim id, index within the claim, check)``."""
        return [(c.id, i, check) for c in self.claims for i, check in enumerate(c.checks)]


EXPERIMENTS: dict[int, Experiment] = {}


def experiment(
    number: int,
    slug: str,
    *,
    question: Text,
    explanation: Text,
    claims: Sequence[Claim],
    labels: Mapping[str, Label],
    key: str,
) -> Callable[[Callable[[int, bool, bool], Outcome]], Callable[[int, bool, bool], Outcome]]:
    """Register the decorated ``run(seed, quick, full)`` as the experiment answering question ``number``.

    Every check must read labelled numbers, claim ids must be unique, and the key number must be labelled.
    """

    ids = [c.id for c in claims]
    if len(set(ids)) != len(ids):
        raise ValueError(f"lab: question {number} repeats a claim id: {ids}")
    unlabelled = sorted({k for c in claims for check in c.checks for k in check.keys} - set(labels))
    if unlabelled or key not in labels:
        raise ValueError(f"lab: question {number} checks numbers without a label: {unlabelled or [key]}")

    def register(run_fn: Callable[[int, bool, bool], Outcome]) -> Callable[[int, bool, bool], Outcome]:
        if number in EXPERIMENTS:
            raise ValueError(f"lab: question {number} is already answered by {EXPERIMENTS[number].slug}")
        EXPERIMENTS[number] = Experiment(number, slug, question, explanation, tuple(claims), labels, key, run_fn)
        return run_fn

    return register


def _load_all() -> None:
    from . import topics  # noqa: F401 - importing registers every experiment


def get(key: int | str) -> Experiment:
    """An experiment by number (``3`` or ``"3"``) or slug (``"perceptron-vs-mlp"``)."""
    _load_all()
    if isinstance(key, str) and key.isdigit():
        key = int(key)
    if isinstance(key, int):
        if key in EXPERIMENTS:
            return EXPERIMENTS[key]
    else:
        for exp in EXPERIMENTS.values():
            if exp.slug == key:
                return exp
    known = ", ".join(f"{e.number} ({e.slug})" for e in sorted(EXPERIMENTS.values(), key=lambda e: e.number))
    raise KeyError(f"lab: no experiment {key!r}; known: {known}")


def all_experiments() -> list[Experiment]:
    """Every registered experiment, by question number."""
    _load_all()
    return [EXPERIMENTS[n] for n in sorted(EXPERIMENTS)]


@dataclass
class Result:
    """An experiment's outcome, verdict, mode, seed and running time.

    A run that raised has an empty outcome, the verdict ``error`` and the error's text in ``verdict.error``.
    """

    experiment: Experiment
    outcome: Outcome
    verdict: Verdict
    seconds: float
    seed: int
    mode: str

    @property
    def numbers(self) -> dict[str, Any]:
        return self.outcome.numbers


def run(key: int | str | Experiment, seed: int = 0, quick: bool = False, full: bool = False) -> Result:
    """Run one experiment and judge its claims.

    An exception inside the experiment (missing data, a bug) does not propagate: it becomes a Result
    whose verdict is ``error``, so that a report of many questions is still written.
    """
    from .. import manual_seed
    from .._threads import get_num_threads, set_num_threads

    exp = key if isinstance(key, Experiment) else get(key)
    mode = "quick" if quick else "full" if full else "default"
    manual_seed(seed)
    # The lab's models are small: their products are too small to split across threads, and on a
    # 2-core machine a second BLAS thread that waits for a core made experiments 3 to 10 times slower.
    threads = get_num_threads()
    set_num_threads(1)
    start = time.perf_counter()
    try:
        outcome = exp.run(seed, quick, full)
    except Exception as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        error = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        return Result(exp, Outcome({}), Verdict("error", error=error), time.perf_counter() - start, seed, mode)
    finally:
        set_num_threads(threads)
    seconds = time.perf_counter() - start
    return Result(exp, outcome, exp.judge(outcome.numbers, mode), seconds, seed, mode)


def figure_png(fig: Any, dpi: int = 100) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def pyplot() -> Any:
    """matplotlib's pyplot on the non-interactive Agg backend, with text sizes a reader can read."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "font.size": 10,
            "axes.titlesize": 10,
            "axes.labelsize": 10,
            "xtick.labelsize": 9,
            "ytick.labelsize": 9,
            "legend.fontsize": 8.5,
            "figure.titlesize": 11,
        }
    )
    return plt
