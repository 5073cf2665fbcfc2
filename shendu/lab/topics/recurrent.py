"""Questions 10 and 11: feedforward versus recurrent networks, and two applications of LSTMs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ... import Generator, Tensor, manual_seed, nn, no_grad, optim, tensor, zeros
from ...datasets import Polarity, Sunspots
from ...train import EarlyStopping
from ...utils.data import DataLoader, TensorDataset
from ..core import Check, Claim, Figure, Label, Outcome, Text, experiment, figure_png, pyplot
from ._training import train

__all__ = ["run_applications", "run_memory", "sentiment"]

# ---------------------------------------------------------------------------------------------- question 10

MEMORY_QUESTION = Text(
    "What is the difference between a feedforward and a recurrent network?",
    "前馈网络和循环网络有什么区别？",
)

MEMORY_EXPLANATION = Text.prose(
    """
    A feedforward network maps one input to one output; nothing carries over from the previous input, so whatever
    it should remember must be packed into the input itself. A recurrent network reads a sequence one element at a
    time and keeps a hidden state that it updates from the new input and its own previous value, with the same
    weights at every step. That state is memory: the network can use what it saw many steps earlier, on sequences
    of any length. Here the task is to recall the bit seen k steps before the last one of a random sequence of 12
    bits. Three networks learn it: an MLP that sees only the newest bit, an Elman RNN that reads one bit per step,
    and an MLP handed the whole sequence at once.
    """,
    """
    前馈网络把一个输入映射到一个输出；前一个输入不会留下任何东西，所以它需要记住的内容都必须打包进输入本身。循环网络一
    次读入序列中的一个元素，并维护一个隐藏状态，用新的输入和它自己上一步的值来更新，每一步使用同样的权重。这个状态就是
    记忆：网络可以利用很多步之前看到的内容，序列可以任意长。这里的任务是：在一个 12 位的随机比特序列中，回忆最后一位之
    前 k 步的那一位。三个网络学习这个任务：只看最新一位的 MLP、每步读入一位的 Elman RNN，以及一次拿到整个序列的 MLP。
    """,
)

MEMORY_CLAIMS = (
    Claim(
        "present-only-is-chance",
        Text(
            "The MLP that sees only the newest bit stays at chance: between 45% and 55% test accuracy.",
            "只看最新一位的 MLP 停留在随机水平：测试准确率在 45% 到 55% 之间。",
        ),
        (Check("mlp_current_input_accuracy", ">=", 0.45), Check("mlp_current_input_accuracy", "<=", 0.55)),
    ),
    Claim(
        "rnn-remembers",
        Text(
            "The RNN, reading one bit per step, recalls the bit from 5 steps back with at least 95% test accuracy.",
            "每步读入一位的 RNN 能以至少 95% 的测试准确率回忆出 5 步之前的那一位。",
        ),
        (Check("rnn_accuracy", ">=", 0.95),),
    ),
    Claim(
        "rnn-every-delay",
        Text(
            "It does so at every delay tried, from 1 to 11 steps (at least 95% each).",
            "在所试的每个延迟（1 到 11 步）上都能做到（每个都至少 95%）。",
        ),
        (Check("rnn_worst_accuracy_over_delays", ">=", 0.95),),
    ),
    Claim(
        "window-mlp",
        Text(
            "A feedforward network handed the whole sequence as its input solves the task too (at least 95%): "
            "the memory has to be somewhere, in the state or in the input.",
            "一次拿到整个序列作为输入的前馈网络也能解决这个任务（至少 95%）：记忆总得在某个地方，要么在状态里，要么在"
            "输入里。",
        ),
        (Check("mlp_whole_window_accuracy", ">=", 0.95),),
    ),
)

_MODEL_NAMES = {
    "mlp_current_input": ("MLP, newest bit only", "只看最新一位的 MLP"),
    "rnn": ("RNN, one bit per step", "每步读一位的 RNN"),
    "mlp_whole_window": ("MLP handed the whole sequence", "拿到整个序列的 MLP"),
}
MEMORY_LABELS: dict[str, Label] = {
    "delay": Label("delay k of the main run (steps)", "主实验的延迟 k（步）"),
    "sequence_length": Label("sequence length (bits)", "序列长度（位）"),
    "test_sequences": Label("test sequences", "测试序列数"),
    "chance": Label("accuracy by guessing", "随机猜测的准确率", ".2f"),
    "delays_tried": Label("delays tried (steps)", "所试的延迟（步）"),
}
for _name, (_en, _zh) in _MODEL_NAMES.items():
    MEMORY_LABELS[f"{_name}_accuracy"] = Label(f"{_en}: test accuracy at k = 5", f"{_zh}：k = 5 时的测试准确率", ".3f")
    MEMORY_LABELS[f"{_name}_worst_accuracy_over_delays"] = Label(
        f"{_en}: worst test accuracy over the delays", f"{_zh}：各延迟中最差的测试准确率", ".3f"
    )

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


def _fit(model: nn.Module, train_set: Any, test: Any, epochs: int, seed: int, lr: float = 1e-2, **kwargs: Any) -> Any:
    """Adam over ``train_set`` in batches of 64 (shuffled by ``seed``); returns the trainer and its history."""
    loader = DataLoader(train_set, batch_size=64, shuffle=True, generator=Generator().manual_seed(seed))
    trainer = train(
        model,
        optim.Adam(model.parameters(), lr=lr),
        kwargs.pop("loss_fn", nn.CrossEntropyLoss()),
        loader,
        DataLoader(test, batch_size=1024) if test is not None else None,
        epochs=epochs,
        **kwargs,
    )
    return trainer, trainer.history


@experiment(
    10,
    "feedforward-vs-recurrent",
    question=MEMORY_QUESTION,
    explanation=MEMORY_EXPLANATION,
    claims=MEMORY_CLAIMS,
    labels=MEMORY_LABELS,
    key="rnn_accuracy",
)
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
        train_set, test = _recall_data(rng, 3000, delay), _recall_data(rng, 1000, delay)
        for name, build in models.items():
            manual_seed(seed)
            _, history = _fit(build(), train_set, test, epochs, seed)
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
    figure = Figure(
        Text(
            "Test accuracy by epoch at delay 5, and after training at each delay tried.",
            "延迟为 5 时每轮的测试准确率，以及各个延迟下训练后的测试准确率。",
        ),
        _memory_figure(curves, delays, by_delay),
    )
    return Outcome(numbers, {"memory": figure})


def _memory_figure(curves: dict[str, list[float]], delays: tuple[int, ...], by_delay: dict[str, list[float]]) -> bytes:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for name, values in curves.items():
        # Dashed, so that the window MLP does not hide the RNN when both are perfect.
        style = "--" if name == "mlp_whole_window" else "-"
        axes[0].plot(range(1, len(values) + 1), values, style, marker=".", label=_MODEL_NAMES[name][0])
        axes[1].plot(delays, by_delay[name], style, marker="o", label=_MODEL_NAMES[name][0])
    axes[0].set_xlabel("epoch")
    axes[0].xaxis.get_major_locator().set_params(integer=True)
    axes[0].set_ylabel("test accuracy")
    axes[0].set_title(f"recall the bit seen {_DELAY} steps ago")
    axes[1].set_xlabel("delay k (steps)")
    axes[1].set_title(f"accuracy after training, sequences of {_SEQUENCE}")
    for ax in axes:
        ax.axhline(0.5, color="grey", linestyle=":", label="chance")
        ax.set_ylim(0.4, 1.02)
        ax.legend()
    return figure_png(fig)


# ---------------------------------------------------------------------------------------------- question 11

APPLICATIONS_QUESTION = Text("What are recurrent networks used for?", "循环神经网络用来做什么？")

APPLICATIONS_EXPLANATION = Text.prose(
    """
    Anything that arrives as a sequence: text, speech, sensor readings, prices. A recurrent network reads the
    sequence in order and summarizes what it has seen in its state, so it can classify a whole sequence (the
    sentiment of a sentence), label every step, or predict the next value of a series. LSTMs add gates that
    decide what to keep, write and expose, which lets them hold information over longer spans than a plain RNN.
    Here an LSTM reads movie-review snippets (Pang and Lee's sentence polarity data, shipped with shendu) word
    by word, beside a bag-of-words logistic regression, and another LSTM forecasts the yearly sunspot number
    from the previous twenty years, beside the naive forecast that repeats the last year.
    """,
    """
    凡是以序列形式出现的数据都可以：文本、语音、传感器读数、价格。循环网络按顺序读入序列，并把已经看到的内容总结在它的
    状态中，所以它可以对整个序列分类（一句话的情感）、给每一步打标签，或者预测时间序列的下一个值。LSTM 增加了决定保留
    、写入和输出什么的门，因此比普通 RNN 能在更长的跨度上保存信息。这里一个 LSTM 逐词阅读电影评论片段（Pang 和 Lee 的
    句子极性数据，随 shendu 一起发布），旁边是一个词袋逻辑回归作对比；另一个 LSTM 根据之前二十年预测下一年的太阳黑子数
    ，旁边是重复上一年数值的朴素预测。
    """,
)

APPLICATIONS_CLAIMS = (
    Claim(
        "sentiment",
        Text(
            "The LSTM classifies the sentiment of unseen snippets with at least 74% test accuracy.",
            "LSTM 对未见过的评论片段的情感分类，测试准确率至少 74%。",
        ),
        (Check("polarity_lstm_test_accuracy", ">=", 0.74),),
    ),
    Claim(
        "bag-of-words-rival",
        Text(
            "On short snippets without pretrained embeddings, word counts are a strong rival: the LSTM beats the "
            "bag-of-words logistic regression by at most 3 points.",
            "在没有预训练词向量的短片段上，词频是强劲的对手：LSTM 比词袋逻辑回归至多高 3 个百分点。",
        ),
        (Check("polarity_lstm_minus_bag_of_words", "<=", 0.03),),
    ),
    Claim(
        "sunspots",
        Text(
            "The sunspot LSTM's one-year-ahead forecast on held-out years has an RMSE at least 20% lower than "
            "repeating the last year's value.",
            "在留出年份上，太阳黑子 LSTM 提前一年预测的均方根误差比重复上一年数值至少低 20%。",
        ),
        (Check("sunspots_lstm_rmse", "<=", "sunspots_naive_rmse", times=0.8),),
    ),
)

APPLICATIONS_LABELS = {
    "polarity_train_sentences": Label("training snippets", "训练片段数"),
    "polarity_test_sentences": Label("test snippets", "测试片段数"),
    "polarity_vocabulary": Label("vocabulary (words seen twice or more)", "词表大小（出现两次及以上的词）"),
    "polarity_lstm_test_accuracy": Label("LSTM: test accuracy", "LSTM：测试准确率", ".3f"),
    "polarity_lstm_epochs": Label("LSTM: epochs run (early stopping)", "LSTM：实际训练轮数（提前停止）"),
    "polarity_bag_of_words_test_accuracy": Label("bag of words: test accuracy", "词袋：测试准确率", ".3f"),
    "polarity_bag_of_words_epochs": Label("bag of words: epochs run", "词袋：实际训练轮数"),
    "polarity_lstm_minus_bag_of_words": Label(
        "LSTM minus bag of words (test accuracy)", "LSTM 减词袋（测试准确率）", ".3f"
    ),
    "sunspots_window_years": Label("years the forecaster sees", "预测时看的年数"),
    "sunspots_test_years": Label("held-out years", "留出年数"),
    "sunspots_lstm_rmse": Label("LSTM: RMSE (sunspots)", "LSTM：均方根误差（黑子数）", ".1f"),
    "sunspots_naive_rmse": Label("last value repeated: RMSE (sunspots)", "重复上一年：均方根误差（黑子数）", ".1f"),
}


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


def sentiment(seed: int, epochs: int, sentences: int | None = None) -> tuple[dict[str, Any], dict[str, list[float]]]:
    """Train the LSTM and the bag-of-words model on the polarity data for up to ``epochs`` epochs.

    ``sentences`` keeps only that many training snippets (for a fast test of the code path).
    """
    max_len = 40
    train_split = Polarity(split="train", max_len=max_len)
    val = Polarity(split="val", vocab=train_split.vocab, max_len=max_len)
    test = Polarity(split="test", vocab=train_split.vocab, max_len=max_len)
    train_set = TensorDataset(train_split.data, train_split.targets)
    if sentences is not None:
        keep = tensor(np.random.default_rng(seed).permutation(len(train_split))[:sentences])
        train_set = TensorDataset(train_split.data[keep], train_split.targets[keep])
    val_set, test_set = TensorDataset(val.data, val.targets), TensorDataset(test.data, test.targets)
    numbers: dict[str, Any] = {
        "polarity_train_sentences": len(train_set),
        "polarity_test_sentences": len(test_set),
        "polarity_vocabulary": len(train_split.vocab),
    }
    curves = {}
    for name, build, lr in (
        ("lstm", lambda: _SentimentLSTM(len(train_split.vocab)), 5e-3),
        ("bag_of_words", lambda: _BagOfWords(len(train_split.vocab)), 1e-2),
    ):
        manual_seed(seed)
        stop = EarlyStopping("val_accuracy", patience=2, restore_best_weights=True)
        trainer, history = _fit(build(), train_set, val_set, epochs, seed, lr=lr, callbacks=[stop])
        curves[name] = [row["val_accuracy"] for row in history]
        numbers[f"polarity_{name}_test_accuracy"] = trainer.evaluate(DataLoader(test_set, batch_size=1024))["accuracy"]
        numbers[f"polarity_{name}_epochs"] = len(history)
    numbers["polarity_lstm_minus_bag_of_words"] = (
        numbers["polarity_lstm_test_accuracy"] - numbers["polarity_bag_of_words_test_accuracy"]
    )
    return numbers, curves


def _sunspots(seed: int, epochs: int) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    window = 20
    train_set, test = Sunspots(window=window), Sunspots(window=window, train=False)
    manual_seed(seed)
    model = _Forecaster()
    _fit(model, train_set, None, epochs, seed, task="regression", loss_fn=nn.MSELoss())
    model.eval()
    with no_grad():
        forecast = test.inverse_transform(model(test.inputs)).numpy().ravel()
    truth = test.inverse_transform(test.targets).numpy().ravel()
    last_value = test.inverse_transform(test.inputs[:, -1, 0]).numpy().ravel()
    years = train_set.years[-len(truth) :]
    numbers = {
        "sunspots_window_years": window,
        "sunspots_test_years": len(truth),
        "sunspots_lstm_rmse": float(np.sqrt(np.mean((forecast - truth) ** 2))),
        "sunspots_naive_rmse": float(np.sqrt(np.mean((last_value - truth) ** 2))),
    }
    return numbers, {"years": years, "truth": truth, "lstm": forecast, "naive": last_value}


@experiment(
    11,
    "rnn-applications",
    question=APPLICATIONS_QUESTION,
    explanation=APPLICATIONS_EXPLANATION,
    claims=APPLICATIONS_CLAIMS,
    labels=APPLICATIONS_LABELS,
    key="polarity_lstm_test_accuracy",
)
def run_applications(seed: int, quick: bool, full: bool) -> Outcome:
    numbers, series = _sunspots(seed, 40 if quick else 200 if full else 100)
    figures = {
        "sunspots": Figure(
            Text(
                "Held-out years: the LSTM's one-year-ahead forecast and the last value repeated, against the truth.",
                "留出年份：LSTM 提前一年的预测、重复上一年的数值，以及真实值。",
            ),
            _sunspot_figure(numbers, series),
        )
    }
    if not quick:
        # Reaching the LSTM's accuracy takes the whole training set for several epochs, about a minute.
        sentiment_numbers, curves = sentiment(seed, 10 if full else 6)
        numbers.update(sentiment_numbers)
        figures["sentiment"] = Figure(
            Text("Validation accuracy by epoch on the sentence polarity data.", "句子极性数据上每轮的验证准确率。"),
            _sentiment_figure(curves, numbers),
        )
    return Outcome(numbers, figures)


def _sentiment_figure(curves: dict[str, list[float]], numbers: Mapping[str, Any]) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for name, label in (("lstm", "LSTM"), ("bag_of_words", "bag-of-words logistic regression")):
        values = curves[name]
        test = numbers[f"polarity_{name}_test_accuracy"]
        ax.plot(range(1, len(values) + 1), values, marker=".", label=f"{label} (test {test:.3f})")
    ax.set_xlabel("epoch")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("validation accuracy")
    ax.set_title("Sentence polarity (movie-review snippets)")
    ax.legend()
    return figure_png(fig)


def _sunspot_figure(numbers: Mapping[str, Any], series: dict[str, np.ndarray]) -> bytes:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(10, 3.8))
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
    ax.set_title("Held-out years: forecast against the truth")
    ax.legend()
    return figure_png(fig)
