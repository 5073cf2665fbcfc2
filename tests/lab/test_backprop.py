from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

from shendu import lab
from shendu.lab.topics import backprop
from tests.lab import judges

JUDGES: judges.Judges = {
    9: (
        {
            "backward_over_forward": 1.2,
            "gradcheck_catches_a_wrong_backward": True,
            "gradcheck_passed": True,
            "max_abs_diff_autograd_vs_fd": 1.76e-10,
            "timing_parameters": 669706,
            "trace_loss": 0.106,
            "trace_loss_after_one_step": 0.0947,
            "trace_max_abs_diff_hand_vs_autograd": 1.39e-17,
        },
        {
            "matches-finite-differences": [{"max_abs_diff_autograd_vs_fd": 1.1e-06}, {"gradcheck_passed": False}],
            "gradcheck-can-fail": [{"gradcheck_catches_a_wrong_backward": False}],
            "hand-trace": [{"trace_max_abs_diff_hand_vs_autograd": 1.1e-12}],
            "one-step-descends": [{"trace_loss_after_one_step": 0.106}],
            "backward-is-cheap": [{"backward_over_forward": 2.2}, {"timing_parameters": 599999}],
        },
    ),
}


@pytest.mark.parametrize("number", sorted(JUDGES))
def test_every_claim_holds_on_good_numbers(number: int) -> None:
    judges.assert_all_hold(number, JUDGES[number][0])


@pytest.mark.parametrize(("number", "claim", "index"), judges.cases(JUDGES))
def test_each_check_fails_alone(number: int, claim: str, index: int) -> None:
    judges.assert_only_this_check_fails(number, *JUDGES[number], claim, index)


def _torch_trace() -> tuple[dict[str, float], float, float]:
    """The 2-2-1 network's gradients, loss and loss after one step, computed by PyTorch in float64."""
    net = backprop.TRACE_NETWORK
    w1 = torch.tensor(net["w1"], dtype=torch.float64, requires_grad=True)
    b1 = torch.tensor(net["b1"], dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor(net["w2"], dtype=torch.float64, requires_grad=True)
    b2 = torch.tensor(net["b2"], dtype=torch.float64, requires_grad=True)
    x = torch.tensor(net["x"], dtype=torch.float64)

    def loss_of() -> torch.Tensor:
        y = torch.sigmoid(w2 @ torch.sigmoid(w1 @ x + b1) + b2)
        return 0.5 * (y - net["target"]) ** 2

    loss = loss_of()
    loss.backward()
    grads = {f"w{j + 1}{k + 1}": w1.grad[j, k].item() for j in range(2) for k in range(2)}
    grads |= {"b1": b1.grad[0].item(), "b2": b1.grad[1].item(), "v1": w2.grad[0].item(), "v2": w2.grad[1].item()}
    grads["c"] = b2.grad.item()
    with torch.no_grad():
        for p in (w1, b1, w2, b2):
            p -= net["lr"] * p.grad
        after = loss_of().item()
    return grads, loss.item(), after


def test_trace_and_table_agree_with_torch(quick: Callable[[int], lab.Result]) -> None:
    grads, loss, after = _torch_trace()
    _, hand = backprop.trace()
    for name, value in grads.items():
        assert hand[name] == pytest.approx(value, abs=1e-15), name
    result = quick(9)
    judges.assert_quick_run(result)
    assert result.numbers["trace_loss"] == pytest.approx(loss, abs=1e-15)
    assert result.numbers["trace_loss_after_one_step"] == pytest.approx(after, abs=1e-15)
    rows = {row[0]: row for row in result.outcome.tables[0].rows}
    assert set(rows) == set(grads)
    for name, value in grads.items():
        assert rows[name][1] == pytest.approx(value, abs=1e-15) and rows[name][2] == pytest.approx(value, abs=1e-12)
    trace = result.outcome.notes[0]
    assert f"L  = 1/2 ({1 / (1 + np.exp(-_torch_zo())):.6f} - 1.0)^2 = {loss:.6f}" in trace.en
    assert "前向传播" in trace.zh and "dL/dzo = dL/dy * y (1 - y)" in trace.zh


def _torch_zo() -> float:
    net = backprop.TRACE_NETWORK
    x, w1, b1 = (torch.tensor(net[k], dtype=torch.float64) for k in ("x", "w1", "b1"))
    w2 = torch.tensor(net["w2"], dtype=torch.float64)
    return float(w2 @ torch.sigmoid(w1 @ x + b1) + net["b2"])
