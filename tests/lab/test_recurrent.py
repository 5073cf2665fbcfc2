from __future__ import annotations

from collections.abc import Callable

import pytest

from shendu import lab
from shendu.lab.topics import recurrent
from tests.lab import judges

JUDGES: judges.Judges = {
    10: (
        {
            "mlp_current_input_accuracy": 0.503,
            "mlp_whole_window_accuracy": 1.0,
            "rnn_accuracy": 1.0,
            "rnn_worst_accuracy_over_delays": 1.0,
        },
        {
            "present-only-is-chance": [{"mlp_current_input_accuracy": 0.405}, {"mlp_current_input_accuracy": 0.605}],
            "rnn-remembers": [{"rnn_accuracy": 0.855}],
            "rnn-every-delay": [{"rnn_worst_accuracy_over_delays": 0.855}],
            "window-mlp": [{"mlp_whole_window_accuracy": 0.855}],
        },
    ),
    11: (
        {
            "polarity_lstm_minus_bag_of_words": 0.0038,
            "polarity_lstm_test_accuracy": 0.771,
            "sunspots_lstm_rmse": 18.7,
            "sunspots_naive_rmse": 33.3,
        },
        {
            "sentiment": [{"polarity_lstm_test_accuracy": 0.666}],
            "bag-of-words-rival": [{"polarity_lstm_minus_bag_of_words": 0.033}],
            "sunspots": [{"sunspots_lstm_rmse": 29.3}],
        },
    ),
}


@pytest.mark.parametrize("number", sorted(JUDGES))
def test_every_claim_holds_on_good_numbers(number: int) -> None:
    judges.assert_all_hold(number, JUDGES[number][0])


@pytest.mark.parametrize(("number", "claim", "index"), judges.cases(JUDGES))
def test_each_check_fails_alone(number: int, claim: str, index: int) -> None:
    judges.assert_only_this_check_fails(number, *JUDGES[number], claim, index)


def test_quick_runs(quick: Callable[[int], lab.Result]) -> None:
    judges.assert_quick_run(quick(10), unmeasured={"rnn-every-delay"})
    judges.assert_quick_run(quick(11), unmeasured={"sentiment", "bag-of-words-rival"})


def test_sentiment_trains_on_the_shipped_corpus() -> None:
    numbers, curves = recurrent.sentiment(seed=0, epochs=1, sentences=300)
    assert numbers["polarity_train_sentences"] == 300 and numbers["polarity_test_sentences"] == 1066
    assert 0.3 <= numbers["polarity_lstm_test_accuracy"] <= 1.0 and len(curves["lstm"]) == 1
    assert numbers["polarity_lstm_minus_bag_of_words"] == pytest.approx(
        numbers["polarity_lstm_test_accuracy"] - numbers["polarity_bag_of_words_test_accuracy"]
    )
