"""What a resumable checkpoint must hold: checked whole before a trainer changes anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._checks import is_int
from ..io import CheckpointError
from ..random import Generator

__all__ = ["check_resumable"]

_REQUIRED = (
    "model",
    "optimizer",
    "callbacks",
    "rng",
    "epoch_start_rng",
    "epoch",
    "batch_index",
    "iteration",
    "history",
    "config",
)


def _rng_problem(name: str, value: Any) -> str | None:
    if not isinstance(value, dict) or "global" not in value:
        return f"{name} is not a random-generator state"
    for part in ("global", "loader"):
        if value.get(part) is None:
            continue
        try:
            Generator().set_state(value[part])
        except (TypeError, ValueError, AttributeError) as exc:
            return f"{name}[{part!r}] is not a random-generator state ({exc})"
    return None


def check_resumable(state: Any, path: str | Path, n_callbacks: int) -> None:
    """Raise CheckpointError (naming ``path``) unless ``state`` is a Trainer's full resumable state.

    Args:
        state: what ``shendu.load`` returned for the file.
        path: the file, for the message.
        n_callbacks: how many callbacks the trainer that resumes has.
    """
    where = f"Trainer: cannot resume from {str(path)!r}"
    if not isinstance(state, dict):
        raise CheckpointError(f"{where}: it holds a {type(state).__name__}, not the dict of a Trainer's last.ckpt")
    missing = [key for key in _REQUIRED if key not in state]
    if missing:
        hint = ""
        if "model" in state and "optimizer" in missing:
            hint = " (it holds weights only, like best.safetensors; resume from the run's last.ckpt)"
        raise CheckpointError(f"{where}: it lacks {', '.join(missing)}{hint}")
    for key in ("epoch", "batch_index", "iteration"):
        value = state[key]
        if not is_int(value, numpy=False) or value < 0:
            raise CheckpointError(f"{where}: {key} must be a non-negative int, got {value!r}")
    if not isinstance(state["model"], dict) or not isinstance(state["optimizer"], dict):
        raise CheckpointError(f"{where}: its model and optimizer entries must be state dicts")
    if not isinstance(state["history"], list) or not all(isinstance(row, dict) for row in state["history"]):
        raise CheckpointError(f"{where}: its history must be a list of per-epoch dicts")
    callbacks = state["callbacks"]
    if not isinstance(callbacks, list) or not all(isinstance(c, dict) for c in callbacks):
        raise CheckpointError(f"{where}: its callbacks entry must be a list of state dicts")
    if len(callbacks) != n_callbacks:
        raise CheckpointError(f"{where}: it holds {len(callbacks)} callback states, this trainer has {n_callbacks}")
    for name in ("rng", "epoch_start_rng"):
        problem = _rng_problem(name, state[name])
        if problem:
            raise CheckpointError(f"{where}: {problem}")
    partial = state.get("partial")
    if partial is not None and not (
        isinstance(partial, dict) and all(isinstance(partial.get(k), (int, float)) for k in ("loss", "correct", "seen"))
    ):
        raise CheckpointError(f"{where}: its partial-epoch sums are malformed")
