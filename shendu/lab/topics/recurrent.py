"""Questions 10 and 11: feedforward versus recurrent networks, and two applications of LSTMs."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ... import Generator, Tensor, manual_seed, nn, no_grad, optim, tensor, zeros
from ...datasets import DatasetNotFoundError, Polarity, Sunspots
from ...train import EarlyStopping, Trainer
from ...utils.data import DataLoader, TensorDataset
from ..core import Outcome, Verdict, all_of, experiment, figure_png, pyplot

__all__ = ["judge_applications", "judge_memory", "run_applications", "run_memory"]

# ---------------------------------------------------------------------------------------------- question 10

_SEQUENCE = 12
_DELAY = 5
_CHANCE_MARGIN = 0.05


class _CurrentInputMLP(nn.Module):
    """A feedforward network that sees only the newest input of each sequence."""

    def __init__(self, hidden: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(1, hidden), nn.ReLU(), nn.Linear(hidden, 2))

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x[:, -1])


class _WindowMLP(nn.Module):
    """A feedforward network that is handed the whole sequence at once, as one flat vector."""

    def __init__(self, steps: int, hidden: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(steps, hidden), nn.ReLU(), nn.Linear(hidden, 2))

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class _RecurrentClassifier(nn.Module):
    """An Elman RNN read one input per step; the last hidden state is classified."""

    def __init__(self, hidden: int = 32) -> None:
        super().__init__()
        self.rnn = nn.RNN(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 2)

    def forward(self, x: Tensor) -> Tensor:
        _, h = self.rnn(x)
        return self.head(h[-1])


def _recall_data(rng: np.random.Generator, n: int, delay: int) -> TensorDataset:
    """Random bit sequences; the label is the bit seen ``delay`` steps before the last one."""
    bits = rng.integers(0, 2, (n, _SEQUENCE))
    return TensorDataset(tensor(bits[:, :, None].astype(np.float32)), tensor(bits[:, -1 - delay]))


def _fit(model: nn.Module, train: Any, test: Any, epochs: int, seed: int, lr: float = 1e-2, **kwargs: Any) -> Any:
    loader = DataLoader(train, batch_size=64, shuffle=True, generator=Generator().manual_seed(seed))
    trainer = Trainer(
        model,
        optim.Adam(model.parameters(), lr=lr),
        kwargs.pop("loss_fn", nn.CrossEntropyLoss()),
        loader,
        DataLoader(test, batch_size=1024) if test is not None else None,
        epochs=epochs,
        verbose=0,
        **kwargs,
    )
    return trainer, trainer.fit()


def run_memory(seed: int, quick: bool, full: bool) -> Outcome:
    rng = np.random.default_rng(seed)
    epochs = 6 if quick else 15
    delays = (_DELAY,) if quick else (1, 3, 5, 8, 11)
    models = {
        "mlp_current_input": lambda: _CurrentInputMLP(),
        "rnn": lambda: _RecurrentClassifier(),
        "mlp_whole_window": lambda: _WindowMLP(_SEQUENCE),
    }
    numbers: dict[str, Any] = {"delay": _DELAY, "sequence_length": _SEQUENCE}
    curves: dict[str, list[float]] = {}
    by_delay: dict[str, list[float]] = {name: [] for name in models}
    for delay in delays:
        train, test = _recall_data(rng, 3000, delay), _recall_data(rng, 1000, delay)
        for name, build in models.items():
            manual_seed(seed)
            _, history = _fit(build(), train, test, epochs, seed)
            accuracy = history[-1]["val_accuracy"]
            by_delay[name].append(accuracy)
            if delay == _DELAY:
                curves[name] = [row["val_accuracy"] for row in history]
                numbers[f"{name}_accuracy"] = accuracy
    numbers["test_sequences"] = 1000
    numbers["chance"] = 0.5
    if len(delays) > 1:
        for name, accuracies in by_delay.items():
            numbers[f"{name}_worst_accuracy_over_delays"] = min(accuracies)
        numbers["delays_tried"] = ", ".join(str(d) for d in delays)
    return Outcome(numbers, _memory_figures(curves, delays, by_delay))


_LABELS = {
    "mlp_current_input": "MLP, current input only",
    "rnn": "RNN, one input per step",
    "mlp_whole_window": "MLP handed the whole window",
}


def _memory_figures(
    curves: dict[str, list[float]], delays: tuple[int, ...], by_delay: dict[str, list[float]]
) -> dict[str, bytes]:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for name, values in curves.items():
        # Dashed, so that the window MLP does not hide the RNN when both are perfect.
        style = "--" if name == "mlp_whole_window" else "-"
        axes[0].plot(range(1, len(values) + 1), values, style, marker=".", label=_LABELS[name])
        axes[1].plot(delays, by_delay[name], style, marker="o", label=_LABELS[name])
    axes[0].set_xlabel("epoch")
    axes[0].xaxis.get_major_locator().set_params(integer=True)
    axes[0].set_ylabel("test accuracy")
    axes[0].set_title(f"recall the bit seen {_DELAY} steps ago")
    axes[1].set_xlabel("delay k (steps)")
    axes[1].set_title(f"accuracy after training, sequences of {_SEQUENCE}")
    for ax in axes:
        ax.axhline(0.5, color="grey", linestyle=":", label="chance")
        ax.set_ylim(0.4, 1.02)
        ax.legend(fontsize=8)
    return {"memory_task": figure_png(fig)}


def judge_memory(numbers: Mapping[str, Any]) -> Verdict:
    mlp, rnn = numbers["mlp_current_input_accuracy"], numbers["rnn_accuracy"]
    chance, delay = numbers["chance"], numbers["delay"]
    return all_of(
        [
            (abs(mlp - chance) <= _CHANCE_MARGIN, f"the current-input MLP scored {mlp:.3f}, not chance"),
            (rnn >= 0.95, f"the RNN reached only {rnn:.3f}"),
        ],
        f"Recalling the bit seen {delay} steps ago, the MLP that sees only the current input stays at chance "
        f"({mlp:.3f}) while the RNN reaches {rnn:.3f} test accuracy.",
    )


experiment(
    10,
    "feedforward-vs-recurrent",
    question="What is the difference between a feedforward and a recurrent network?",
    answer="""
    A feedforward network maps one input to one output; nothing carries over from the previous input,
    so whatever it should remember must be packed into the input itself. A recurrent network reads a
    sequence one element at a time and keeps a hidden state that it updates from the new input and its
    own previous value, with the same weights at every step. That state is memory: the network can
    use what it saw many steps earlier, on sequences of any length. A task whose answer is in the past
    is impossible for a network that sees only the present, however large, and easy for a small RNN.
    """,
    judge=judge_memory,
)(run_memory)

# ---------------------------------------------------------------------------------------------- question 11

_POLARITY_BAR = {"quick": 0.62, "default": 0.74, "full": 0.74}


def _polarity_root() -> Path:
    """The rt-polarity folder: beside the repository (``../shared``), inside it, or under $SHENDU_SHARED."""
    repo = Path(__file__).resolve().parents[3]
    candidates = [repo.parent / "shared", repo / "shared"]
    if os.environ.get("SHENDU_SHARED"):
        candidates.append(Path(os.environ["SHENDU_SHARED"]))
    for shared in candidates:
        folder = shared / "data" / "rt-polarity"
        if (folder / "rt-polarity.pos").exists():
            return folder
    tried = ", ".join(str(c / "data" / "rt-polarity") for c in candidates)
    raise DatasetNotFoundError(
        f"lab 11: the sentence polarity data was not found (tried {tried}); set SHENDU_SHARED to the folder "
        "that holds data/rt-polarity"
    )


class _SentimentLSTM(nn.Module):
    """Embedding, one LSTM layer, max-pooling over the real (non-padding) time steps, a linear classifier."""

    def __init__(self, vocab: int, embedding: int = 64, hidden: int = 64) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, embedding, padding_idx=0)
        self.embedding_dropout = nn.Dropout(0.3)
        self.lstm = nn.LSTM(embedding, hidden, batch_first=True)
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(hidden, 2)

    def forward(self, ids: Tensor) -> Tensor:
        out, _ = self.lstm(self.embedding_dropout(self.embedding(ids)))
        padding = (ids == 0).unsqueeze(-1)
        pooled = out.masked_fill(padding, -1e4).max(dim=1).values
        return self.head(self.dropout(pooled))


class _BagOfWords(nn.Module):
    """Logistic regression on word counts: each word adds its own learned score to each class's logit."""

    def __init__(self, vocab: int) -> None:
        super().__init__()
        self.scores = nn.Embedding(vocab, 2, padding_idx=0)
        nn.init.zeros_(self.scores.weight)
        self.bias = nn.Parameter(zeros(2))

    def forward(self, ids: Tensor) -> Tensor:
        return self.scores(ids).sum(dim=1) + self.bias


class _Forecaster(nn.Module):
    """An LSTM over a window of past years; a linear layer maps its last hidden state to the next year."""

    def __init__(self, hidden: int = 32) -> None:
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: Tensor) -> Tensor:
        _, (h, _) = self.lstm(x)
        return self.head(h[-1])


def _sentiment(seed: int, mode: str) -> tuple[dict[str, Any], dict[str, list[float]]]:
    root = _polarity_root()
    max_len = 32 if mode == "quick" else 40
    train = Polarity(root, "train", max_len=max_len)
    val = Polarity(root, "val", vocab=train.vocab, max_len=max_len)
    test = Polarity(root, "test", vocab=train.vocab, max_len=max_len)
    train_set = TensorDataset(train.data, train.targets)
    if mode == "quick":
        keep = tensor(np.random.default_rng(seed).permutation(len(train))[:4000])
        train_set = TensorDataset(train.data[keep], train.targets[keep])
    val_set, test_set = TensorDataset(val.data, val.targets), TensorDataset(test.data, test.targets)
    epochs = {"quick": 3, "default": 6, "full": 10}[mode]
    numbers: dict[str, Any] = {
        "polarity_train_sentences": len(train_set),
        "polarity_test_sentences": len(test_set),
        "polarity_vocabulary": len(train.vocab),
    }
    curves = {}
    for name, build, lr in (
        ("lstm", lambda: _SentimentLSTM(len(train.vocab)), 5e-3),
        ("bag_of_words", lambda: _BagOfWords(len(train.vocab)), 1e-2),
    ):
        manual_seed(seed)
        stop = EarlyStopping("val_accuracy", patience=2, restore_best_weights=True)
        trainer, history = _fit(build(), train_set, val_set, epochs, seed, lr=lr, callbacks=[stop])
        curves[name] = [row["val_accuracy"] for row in history]
        numbers[f"polarity_{name}_test_accuracy"] = trainer.evaluate(DataLoader(test_set, batch_size=1024))["accuracy"]
        numbers[f"polarity_{name}_epochs"] = len(history)
    numbers["polarity_bar"] = _POLARITY_BAR[mode]
    return numbers, curves


def _sunspots(seed: int, mode: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    window = 20
    train, test = Sunspots(window=window), Sunspots(window=window, train=False)
    manual_seed(seed)
    model = _Forecaster()
    epochs = {"quick": 40, "default": 100, "full": 200}[mode]
    _fit(model, train, None, epochs, seed, task="regression", loss_fn=nn.MSELoss())
    model.eval()
    with no_grad():
        forecast = test.inverse_transform(model(test.inputs)).numpy().ravel()
    truth = test.inverse_transform(test.targets).numpy().ravel()
    last_value = test.inverse_transform(test.inputs[:, -1, 0]).numpy().ravel()
    years = train.years[-len(truth) :]
    numbers = {
        "sunspots_window_years": window,
        "sunspots_test_years": len(truth),
        "sunspots_lstm_rmse": float(np.sqrt(np.mean((forecast - truth) ** 2))),
        "sunspots_naive_rmse": float(np.sqrt(np.mean((last_value - truth) ** 2))),
    }
    return numbers, {"years": years, "truth": truth, "lstm": forecast, "naive": last_value}


def run_applications(seed: int, quick: bool, full: bool) -> Outcome:
    mode = "quick" if quick else "full" if full else "default"
    numbers, curves = _sentiment(seed, mode)
    sun_numbers, series = _sunspots(seed, mode)
    numbers.update(sun_numbers)
    return Outcome(numbers, _application_figures(curves, numbers, series))


def _application_figures(
    curves: dict[str, list[float]], numbers: Mapping[str, Any], series: dict[str, np.ndarray]
) -> dict[str, bytes]:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for name, label in (("lstm", "LSTM"), ("bag_of_words", "bag-of-words logistic regression")):
        values = curves[name]
        test = numbers[f"polarity_{name}_test_accuracy"]
        ax.plot(range(1, len(values) + 1), values, marker=".", label=f"{label} (test {test:.3f})")
    ax.axhline(numbers["polarity_bar"], color="grey", linestyle=":", label=f"target {numbers['polarity_bar']}")
    ax.set_xlabel("epoch")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("validation accuracy")
    ax.set_title("sentence polarity (movie-review snippets)")
    ax.legend(fontsize=8)
    sentiment = figure_png(fig)

    fig, ax = plt.subplots(figsize=(10, 3.6))
    ax.plot(series["years"], series["truth"], color="black", label="observed")
    ax.plot(series["years"], series["lstm"], label=f"LSTM one year ahead (RMSE {numbers['sunspots_lstm_rmse']:.1f})")
    ax.plot(
        series["years"],
        series["naive"],
        linestyle="--",
        label=f"last value repeated (RMSE {numbers['sunspots_naive_rmse']:.1f})",
    )
    ax.set_xlabel("year")
    ax.set_ylabel("yearly mean sunspot number")
    ax.set_title("held-out years: forecast against the truth")
    ax.legend(fontsize=8)
    return {"sentiment": sentiment, "sunspots_forecast": figure_png(fig)}


def judge_applications(numbers: Mapping[str, Any]) -> Verdict:
    lstm, bow, bar = (
        numbers["polarity_lstm_test_accuracy"],
        numbers["polarity_bag_of_words_test_accuracy"],
        numbers["polarity_bar"],
    )
    rmse, naive = numbers["sunspots_lstm_rmse"], numbers["sunspots_naive_rmse"]
    return all_of(
        [
            (lstm >= bar, f"the sentiment LSTM reached {lstm:.3f} test accuracy, below the target {bar}"),
            (
                math.isfinite(rmse) and rmse < naive,
                f"the sunspot LSTM's RMSE {rmse:.1f} is not below naive {naive:.1f}",
            ),
        ],
        f"The sentiment LSTM reaches {lstm:.3f} test accuracy (target {bar}; bag-of-words logistic regression "
        f"{bow:.3f}), and the sunspot LSTM's one-year-ahead RMSE is {rmse:.1f} against {naive:.1f} for repeating "
        "the last value.",
    )


experiment(
    11,
    "rnn-applications",
    question="What are recurrent networks used for?",
    answer="""
    Anything that arrives as a sequence: text, speech, sensor readings, prices. A recurrent network reads
    the sequence in order and summarizes what it has seen in its state, so it can classify a whole
    sequence (the sentiment of a sentence), label every step, or predict the next value of a series.
    LSTMs add gates that decide what to keep, write and expose, which lets them hold information over
    longer spans than a plain RNN. Here an LSTM reads movie-review snippets word by word and an LSTM
    forecasts the yearly sunspot number from the previous twenty years. A word-count baseline is shown
    beside the sentiment model: on short snippets without pretrained embeddings it is a strong rival.
    """,
    judge=judge_applications,
)(run_applications)
