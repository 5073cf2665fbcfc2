"""The lab's machinery: experiments, their results, and verdicts computed from the numbers."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EXPERIMENTS", "Experiment", "Outcome", "Result", "Verdict", "experiment", "figure_png", "get", "run"]


@dataclass(frozen=True)
class Verdict:
    """Whether the measured numbers support the claim, and one sentence built from them."""

    passed: bool
    sentence: str


@dataclass
class Outcome:
    """What an experiment measured.

    Attributes:
        numbers: named measurements (floats, ints, bools or short strings).
        figures: named PNG images (bytes), in display order.
        tables: named tables, each a list of rows whose first row is the header.
        notes: plain-text lines shown under the figures (e.g. a printed backprop trace).
    """

    numbers: dict[str, Any]
    figures: dict[str, bytes] = field(default_factory=dict)
    tables: dict[str, list[list[Any]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class Result:
    """An outcome together with its experiment, verdict, mode, seed and running time."""

    experiment: Experiment
    outcome: Outcome
    verdict: Verdict
    seconds: float
    seed: int
    mode: str

    @property
    def numbers(self) -> dict[str, Any]:
        return self.outcome.numbers


@dataclass(frozen=True)
class Experiment:
    """One interview question, answered by a measured experiment.

    Attributes:
        number: the question's number (1-25).
        slug: a short name usable on the command line.
        question: the question as asked.
        answer: a short answer in the project's own words.
        run: ``run(seed, quick, full) -> Outcome``.
        judge: ``judge(numbers) -> Verdict``, a pure function of the numbers, tested separately.
    """

    number: int
    slug: str
    question: str
    answer: str
    run: Callable[[int, bool, bool], Outcome]
    judge: Callable[[Mapping[str, Any]], Verdict]


EXPERIMENTS: dict[int, Experiment] = {}


def experiment(
    number: int, slug: str, question: str, answer: str, judge: Callable[[Mapping[str, Any]], Verdict]
) -> Callable[[Callable[..., Outcome]], Callable[..., Outcome]]:
    """Register ``run`` as the experiment answering question ``number``."""

    def register(run_fn: Callable[..., Outcome]) -> Callable[..., Outcome]:
        if number in EXPERIMENTS:
            raise ValueError(f"lab: question {number} is already answered by {EXPERIMENTS[number].slug}")
        EXPERIMENTS[number] = Experiment(number, slug, question.strip(), " ".join(answer.split()), run_fn, judge)
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


def run(key: int | str | Experiment, seed: int = 0, quick: bool = False, full: bool = False) -> Result:
    """Run one experiment and judge its numbers."""
    from .. import manual_seed
    from .._threads import get_num_threads, set_num_threads

    exp = key if isinstance(key, Experiment) else get(key)
    manual_seed(seed)
    # The lab's models are small: their products are too small to split across threads, and on a
    # 2-core machine a second BLAS thread that waits for a core made experiments 3 to 10 times slower.
    threads = get_num_threads()
    set_num_threads(1)
    start = time.perf_counter()
    try:
        outcome = exp.run(seed, quick, full)
    finally:
        set_num_threads(threads)
    seconds = time.perf_counter() - start
    mode = "quick" if quick else "full" if full else "default"
    return Result(exp, outcome, exp.judge(outcome.numbers), seconds, seed, mode)


def figure_png(fig: Any, dpi: int = 100) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def pyplot() -> Any:
    """matplotlib's pyplot on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def all_of(checks: Sequence[tuple[bool, str]], success: str) -> Verdict:
    """A verdict that passes when every check holds; otherwise it names the checks that failed."""
    failed = [reason for ok, reason in checks if not ok]
    if failed:
        sentence = "; ".join(failed)
        return Verdict(False, sentence[:1].upper() + sentence[1:] + ".")
    return Verdict(True, success)
