"""Question 23: epochs, batches and iterations, read off the shared Trainer's own counters and log."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

import shendu
from shendu import nn
from shendu.train import Trainer
from shendu.utils.data import DataLoader, TensorDataset

from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot

_BATCH = 200
_EPOCHS = 2
# (case key, samples, drop_last)
_CASES = (("even", 10_000, False), ("remainder", 10_050, False), ("drop_last", 10_050, True))


class _LoggedTrainer(Trainer):
    """The shared Trainer, with its log lines kept in a list instead of printed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines: list[str] = []

    def log(self, message: str) -> None:
        self.lines.append(message)


class _BatchRecorder(nn.Module):
    """A linear classifier that records the size of every training batch it is given."""

    def __init__(self, features: int, classes: int) -> None:
        super().__init__()
        self.linear = nn.Linear(features, classes)
        self.sizes: list[int] = []

    def forward(self, x: shendu.Tensor) -> shendu.Tensor:
        if self.training:
            self.sizes.append(int(x.shape[0]))
        return self.linear(x)


def _run_case(samples: int, drop_last: bool, seed: int) -> tuple[dict[str, Any], list[str], list[int]]:
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((samples, 16)).astype(np.float32)
    labels = (features[:, :4] @ rng.standard_normal((4, 3))).argmax(1)
    loader = DataLoader(
        TensorDataset(shendu.tensor(features), shendu.tensor(labels)),
        batch_size=_BATCH,
        shuffle=True,
        drop_last=drop_last,
        generator=shendu.Generator().manual_seed(seed),
    )
    model = _BatchRecorder(16, 3)
    trainer = _LoggedTrainer(
        model, shendu.optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(), loader, epochs=_EPOCHS, verbose=0
    )
    history = trainer.fit()
    header = trainer.lines[0]
    match = re.search(r"(\d+) samples / batch (\d+) = (\d+) iterations per epoch, (\d+) epochs", header)
    logged = [int(g) for g in match.groups()] if match else [-1, -1, -1, -1]
    epoch_lines = [line for line in trainer.lines if line.startswith("epoch ")]
    per_epoch = len(model.sizes) // _EPOCHS
    numbers = {
        "samples": samples,
        "drop_last": drop_last,
        "len_loader": len(loader),
        "log_samples": logged[0],
        "log_batch": logged[1],
        "log_iterations_per_epoch": logged[2],
        "log_epochs": logged[3],
        "epoch_lines": len(epoch_lines),
        "history_iterations": ",".join(str(int(row["iteration"])) for row in history),
        "trainer_iteration": trainer.iteration,
        "trainer_epoch": trainer.epoch,
        "batches_seen_epoch1": per_epoch,
        "last_batch_size": model.sizes[per_epoch - 1],
        "samples_used_per_epoch": sum(model.sizes[:per_epoch]),
    }
    lines = [header, *epoch_lines]
    return numbers, lines, model.sizes


def judge(numbers: Mapping[str, Any]) -> Verdict:
    checks = []
    for key, samples, drop_last in _CASES:
        expected = samples // _BATCH if drop_last else math.ceil(samples / _BATCH)
        got = (
            numbers[f"{key}_len_loader"],
            numbers[f"{key}_log_iterations_per_epoch"],
            numbers[f"{key}_batches_seen_epoch1"],
        )
        checks.append(
            (
                got == (expected,) * 3,
                f"{samples} samples at batch {_BATCH} (drop_last={drop_last}) gave {got[0]} batches in the loader, "
                f"{got[1]} in the log and {got[2]} seen by the model, not {expected}",
            )
        )
        total = expected * _EPOCHS
        checks.append(
            (
                numbers[f"{key}_trainer_iteration"] == total,
                f"the trainer counted {numbers[f'{key}_trainer_iteration']} iterations over {_EPOCHS} epochs "
                f"for {samples} samples, not {total}",
            )
        )
        used = expected * _BATCH if drop_last else samples
        checks.append(
            (
                numbers[f"{key}_samples_used_per_epoch"] == used,
                f"an epoch of {samples} samples used {numbers[f'{key}_samples_used_per_epoch']}, not {used}",
            )
        )
    checks.append(
        (
            numbers["remainder_last_batch_size"] == 10_050 % _BATCH,
            f"the last batch held {numbers['remainder_last_batch_size']} samples, not {10_050 % _BATCH}",
        )
    )
    return all_of(
        checks,
        f"The trainer logged {numbers['even_log_iterations_per_epoch']} iterations per epoch for 10,000 samples at "
        f"batch {_BATCH} ({numbers['even_trainer_iteration']} after {_EPOCHS} epochs); 10,050 samples gave "
        f"{numbers['remainder_log_iterations_per_epoch']} (last batch {numbers['remainder_last_batch_size']}) "
        f"and {numbers['drop_last_log_iterations_per_epoch']} with drop_last.",
    )


@experiment(
    23,
    "epoch-batch-iteration",
    question="What are an epoch, a batch and an iteration?",
    answer="""A batch is the group of samples whose averaged loss gives one gradient; an iteration is one update
    of the weights from one batch; an epoch is one full pass over the training set. So iterations per epoch are
    the number of samples divided by the batch size, rounded up: 10,000 samples in batches of 200 make 50
    iterations, and 10,050 samples make 51, the last batch holding only the 50 left over. With drop_last the
    incomplete batch is skipped, giving 50 iterations of equal size (a shuffled loader skips different samples
    each epoch). The trainer prints this arithmetic when it starts, counts iterations across epochs, and reports
    one line per epoch.""",
    judge=judge,
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    numbers: dict[str, Any] = {"batch_size": _BATCH, "epochs": _EPOCHS}
    notes: list[str] = []
    sizes: dict[str, list[int]] = {}
    for key, samples, drop_last in _CASES:
        case, lines, sizes[key] = _run_case(samples, drop_last, seed)
        numbers.update({f"{key}_{name}": value for name, value in case.items()})
        notes.append(
            f"{samples} samples, batch {_BATCH}, drop_last={drop_last} -- the trainer's log:\n"
            + "\n".join(lines)
            + f"\n(history 'iteration' after each epoch: {case['history_iterations']}; "
            f"trainer.iteration = {case['trainer_iteration']}, trainer.epoch = {case['trainer_epoch']})"
        )
    rows = [["samples", "drop_last", "len(loader)", "in the log", "last batch", "samples per epoch", "iterations"]]
    for key, samples, drop_last in _CASES:
        rows.append(
            [
                samples,
                drop_last,
                numbers[f"{key}_len_loader"],
                numbers[f"{key}_log_iterations_per_epoch"],
                numbers[f"{key}_last_batch_size"],
                numbers[f"{key}_samples_used_per_epoch"],
                numbers[f"{key}_trainer_iteration"],
            ]
        )

    plt = pyplot()
    fig, axes = plt.subplots(len(_CASES), 1, figsize=(10, 5.5), sharex=True)
    for ax, (key, samples, drop_last) in zip(axes, _CASES):
        batch_sizes = sizes[key]
        ax.bar(np.arange(1, len(batch_sizes) + 1), batch_sizes, width=0.85, color="tab:blue")
        per_epoch = len(batch_sizes) // _EPOCHS
        for epoch in range(1, _EPOCHS):
            ax.axvline(epoch * per_epoch + 0.5, color="tab:red", linestyle="--")
        ax.set_ylabel("batch size")
        ax.set_title(
            f"{samples} samples, drop_last={drop_last}: {per_epoch} iterations per epoch, "
            f"{len(batch_sizes)} in {_EPOCHS} epochs",
            fontsize=9,
        )
    axes[-1].set_xlabel("iteration (red line: epoch boundary)")
    figures = {"batches": figure_png(fig)}
    return Outcome(numbers, figures, {"epoch arithmetic": rows}, notes)
