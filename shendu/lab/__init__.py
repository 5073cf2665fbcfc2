"""``shendu lab``: classic deep-learning interview questions, answered by measured experiments.

Each experiment trains or probes real models with shendu's public API, returns
its numbers and figures, and is judged by a function of those numbers alone.
"""

from .core import Experiment, Outcome, Result, Verdict, all_experiments, experiment, get, run
from .report import write_report

__all__ = ["Experiment", "Outcome", "Result", "Verdict", "all_experiments", "experiment", "get", "run", "write_report"]
