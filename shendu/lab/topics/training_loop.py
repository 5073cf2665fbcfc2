"""Question 23: epochs, batches and iterations, read off the shared Trainer's own counters and log."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ... import Generator, Tensor, nn, optim, tensor
from ...train import Trainer
from ...utils.data import DataLoader, TensorDataset
from ..core import Check, Claim, Figure, Label, Outcome, Table, Text, experiment, figure_png, pyplot

__all__ = ["run"]

QUESTION = Text("What are an epoch, a batch and an iteration?", "什么是轮（epoch）、批（batch）和迭代（iteration）？")

EXPLANATION = Text.prose(
    """
    A batch is the group of samples whose averaged loss gives one gradient; an iteration is one update of the
    weights from one batch; an epoch is one full pass over the training set. So the iterations per epoch are the
    number of samples divided by the batch size, rounded up, the last batch holding whatever is left over. With
    drop_last the incomplete batch is skipped (a shuffled loader skips different samples each epoch). Here the
    shared Trainer fits a linear classifier for 2 epochs on 10,000 and on 10,050 samples in batches of 200, with
    and without drop_last; the numbers are read from the loader, from the Trainer's own log and counters, and
    from the batch sizes the model actually received.
    """,
    """
    批是一组样本，它们的平均损失给出一个梯度；一次迭代是用一个批更新一次权重；一轮是完整地遍历一遍训练集。所以每轮的迭
    代次数等于样本数除以批大小再向上取整，最后一个批装着剩下的样本。使用 drop_last 时，不完整的批被跳过（打乱顺序的数
    据加载器每轮跳过的样本不同）。这里共享的 Trainer 在 10,000 个和 10,050 个样本上、以 200 为批大小、在有
    无 drop_last 的情况下，把一个线性分类器训练 2 轮；这些数字分别从数据加载器、Trainer 自己的日志和计数器，以及模型实
    际收到的批大小中读出。
    """,
)

_BATCH = 200
_EPOCHS = 2
# (case key, samples, drop_last)
_CASES = (("even", 10_000, False), ("remainder", 10_050, False), ("drop_last", 10_050, True))
_CASE_NAMES = {
    "even": ("10,000 samples", "10,000 个样本"),
    "remainder": ("10,050 samples", "10,050 个样本"),
    "drop_last": ("10,050 samples, drop_last", "10,050 个样本，drop_last"),
}


def _agree(case: str, expected: int) -> tuple[Check, ...]:
    """The loader, the Trainer's log and the model all count ``expected`` batches per epoch."""
    return tuple(
        Check(f"{case}_{source}", "==", expected)
        for source in ("len_loader", "log_iterations_per_epoch", "batches_seen_epoch1")
    )


CLAIMS = (
    Claim(
        "divides-evenly",
        Text(
            "10,000 samples in batches of 200 make 50 iterations per epoch, 100 after 2 epochs, every sample used "
            "once per epoch.",
            "10,000 个样本、批大小 200，每轮 50 次迭代，2 轮后共 100 次，每个样本每轮用一次。",
        ),
        (
            *_agree("even", 50),
            Check("even_trainer_iteration", "==", 100),
            Check("even_samples_used_per_epoch", "==", 10_000),
        ),
    ),
    Claim(
        "rounds-up",
        Text(
            "10,050 samples make 51 iterations per epoch, the last batch holding the 50 left over, 102 after 2 epochs.",
            "10,050 个样本每轮 51 次迭代，最后一个批装着剩下的 50 个样本，2 轮后共 102 次。",
        ),
        (
            *_agree("remainder", 51),
            Check("remainder_last_batch_size", "==", 50),
            Check("remainder_trainer_iteration", "==", 102),
            Check("remainder_samples_used_per_epoch", "==", 10_050),
        ),
    ),
    Claim(
        "drop-last",
        Text(
            "With drop_last, 10,050 samples make 50 iterations of 200 per epoch: 10,000 samples used, 50 skipped.",
            "使用 drop_last 时，10,050 个样本每轮 50 次迭代、每次 200 个：用了 10,000 个样本，跳过 50 个。",
        ),
        (
            *_agree("drop_last", 50),
            Check("drop_last_last_batch_size", "==", 200),
            Check("drop_last_trainer_iteration", "==", 100),
            Check("drop_last_samples_used_per_epoch", "==", 10_000),
        ),
    ),
    Claim(
        "one-line-per-epoch",
        Text(
            "The Trainer writes one line per epoch: 2 lines for 2 epochs in every case.",
            "Trainer 每轮写一行日志：每种情况下 2 轮都是 2 行。",
        ),
        tuple(Check(f"{case}_epoch_lines", "==", 2) for case, _, _ in _CASES),
    ),
)

LABELS: dict[str, Label] = {
    "batch_size": Label("batch size", "批大小"),
    "epochs": Label("epochs", "轮数"),
}
for _case, (_en, _zh) in _CASE_NAMES.items():
    LABELS |= {
        f"{_case}_samples": Label(f"{_en}: samples", f"{_zh}：样本数"),
        f"{_case}_drop_last": Label(f"{_en}: drop_last", f"{_zh}：drop_last"),
        f"{_case}_len_loader": Label(f"{_en}: len(loader)", f"{_zh}：len(loader)"),
        f"{_case}_log_samples": Label(f"{_en}: samples in the Trainer's log", f"{_zh}：Trainer 日志中的样本数"),
        f"{_case}_log_batch": Label(f"{_en}: batch size in the log", f"{_zh}：日志中的批大小"),
        f"{_case}_log_iterations_per_epoch": Label(
            f"{_en}: iterations per epoch in the log", f"{_zh}：日志中每轮的迭代次数"
        ),
        f"{_case}_log_epochs": Label(f"{_en}: epochs in the log", f"{_zh}：日志中的轮数"),
        f"{_case}_epoch_lines": Label(f"{_en}: epoch lines in the log", f"{_zh}：日志中每轮一行的行数"),
        f"{_case}_history_iterations": Label(
            f"{_en}: iteration count after each epoch", f"{_zh}：每轮结束时的迭代计数"
        ),
        f"{_case}_trainer_iteration": Label(
            f"{_en}: trainer.iteration at the end", f"{_zh}：结束时的 trainer.iteration"
        ),
        f"{_case}_trainer_epoch": Label(f"{_en}: trainer.epoch at the end", f"{_zh}：结束时的 trainer.epoch"),
        f"{_case}_batches_seen_epoch1": Label(
            f"{_en}: batches the model received in epoch 1", f"{_zh}：第 1 轮模型收到的批数"
        ),
        f"{_case}_last_batch_size": Label(f"{_en}: size of epoch 1's last batch", f"{_zh}：第 1 轮最后一个批的大小"),
        f"{_case}_samples_used_per_epoch": Label(f"{_en}: samples used in epoch 1", f"{_zh}：第 1 轮用到的样本数"),
    }


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

    def forward(self, x: Tensor) -> Tensor:
        if self.training:
            self.sizes.append(int(x.shape[0]))
        return self.linear(x)


def _run_case(samples: int, drop_last: bool, seed: int) -> tuple[dict[str, Any], list[str], list[int]]:
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((samples, 16)).astype(np.float32)
    labels = (features[:, :4] @ rng.standard_normal((4, 3))).argmax(1)
    loader = DataLoader(
        TensorDataset(tensor(features), tensor(labels)),
        batch_size=_BATCH,
        shuffle=True,
        drop_last=drop_last,
        generator=Generator().manual_seed(seed),
    )
    model = _BatchRecorder(16, 3)
    trainer = _LoggedTrainer(
        model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(), loader, epochs=_EPOCHS, verbose=0
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


@experiment(
    23,
    "epoch-batch-iteration",
    question=QUESTION,
    explanation=EXPLANATION,
    claims=CLAIMS,
    labels=LABELS,
    key="remainder_log_iterations_per_epoch",
)
def run(seed: int, quick: bool, full: bool) -> Outcome:
    numbers: dict[str, Any] = {"batch_size": _BATCH, "epochs": _EPOCHS}
    notes: list[Text] = []
    sizes: dict[str, list[int]] = {}
    for key, samples, drop_last in _CASES:
        case, lines, sizes[key] = _run_case(samples, drop_last, seed)
        numbers.update({f"{key}_{name}": value for name, value in case.items()})
        log = "\n".join(lines)
        counters = (
            f"trainer.iteration = {case['trainer_iteration']}, trainer.epoch = {case['trainer_epoch']}, "
            f"history iterations = {case['history_iterations']}"
        )
        notes.append(
            Text(
                f"{samples} samples, batch {_BATCH}, drop_last={drop_last}: the Trainer's log\n{log}\n{counters}",
                f"{samples} 个样本，批大小 {_BATCH}，drop_last={drop_last}：Trainer 的日志\n{log}\n{counters}",
            )
        )
    rows = []
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
        )
    axes[-1].set_xlabel("iteration (red line: epoch boundary)")
    figures = {
        "batches": Figure(
            Text(
                "The size of every batch the model received, iteration by iteration, in each case.",
                "每种情况下模型逐次迭代收到的每个批的大小。",
            ),
            figure_png(fig),
        )
    }
    table = Table(
        Text("Epoch arithmetic", "轮次算术"),
        (
            Text("samples", "样本数"),
            Text("drop_last", "drop_last"),
            Text("len(loader)", "len(loader)"),
            Text("iterations per epoch in the log", "日志中每轮迭代次数"),
            Text("last batch", "最后一个批"),
            Text("samples per epoch", "每轮样本数"),
            Text("iterations in 2 epochs", "2 轮的迭代次数"),
        ),
        rows,
    )
    return Outcome(numbers, figures, [table], notes)
