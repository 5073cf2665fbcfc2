from __future__ import annotations

from collections.abc import Callable

import pytest

from shendu import lab
from tests.lab import judges

JUDGES: judges.Judges = {
    22: (
        {
            "clipped_final_loss": 0.206,
            "lstm_open_time_ratio": 0.111,
            "lstm_time_ratio": 1.28e-20,
            "relu_he_bn_layer_spread": 10.7,
            "relu_he_layer_spread": 1.56,
            "rnn_large_time_ratio": 2350000.0,
            "rnn_time_ratio": 2.57e-27,
            "sigmoid_bn_layer_spread": 2.93,
            "sigmoid_first_over_last": 4.34e-08,
            "target_variance": 1.04,
            "unclipped_diverged": True,
        },
        {
            "sigmoid-vanishes": [{"sigmoid_first_over_last": 0.001}],
            "relu-he-keeps-scale": [{"relu_he_layer_spread": 12.0, "relu_he_bn_layer_spread": 20.0}],
            "batch-norm-rescues-sigmoid": [{"sigmoid_bn_layer_spread": 110.0}],
            "batch-norm-no-better-than-he": [{"relu_he_bn_layer_spread": 1.4}, {"relu_he_bn_layer_spread": 110.0}],
            "rnn-vanishes": [{"rnn_time_ratio": 1e-06}],
            "rnn-explodes": [{"rnn_large_time_ratio": 1000.0}],
            "lstm-default-vanishes": [{"lstm_time_ratio": 1e-06}],
            "lstm-open-forget-gate": [{"lstm_open_time_ratio": 0.01}],
            "clipping": [{"unclipped_diverged": False}, {"clipped_final_loss": 0.312}],
        },
    ),
}


@pytest.mark.parametrize("number", sorted(JUDGES))
def test_every_claim_holds_on_good_numbers(number: int) -> None:
    judges.assert_all_hold(number, JUDGES[number][0])


@pytest.mark.parametrize(("number", "claim", "index"), judges.cases(JUDGES))
def test_each_check_fails_alone(number: int, claim: str, index: int) -> None:
    judges.assert_only_this_check_fails(number, *JUDGES[number], claim, index)


def test_quick_run(quick: Callable[[int], lab.Result]) -> None:
    judges.assert_quick_run(quick(22))
    result = quick(22)
    rows = result.outcome.tables[0].rows
    assert len(rows) == 10 and result.numbers["sigmoid_first_over_last"] == pytest.approx(rows[0][1] / rows[-1][1])
