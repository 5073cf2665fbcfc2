from __future__ import annotations

from shendu import lab
from shendu.lab.topics import backprop


def _numbers(**changes: object) -> dict[str, object]:
    numbers: dict[str, object] = {
        "gradcheck_passed": True,
        "elements_checked": 83,
        "max_abs_diff_autograd_vs_fd": 1.8e-10,
        "gradcheck_catches_a_wrong_backward": True,
        "trace_loss": 0.105928,
        "trace_max_abs_diff_hand_vs_autograd": 1.4e-17,
        "trace_loss_after_one_step": 0.094658,
    }
    numbers.update(changes)
    return numbers


def test_quick_run_reproduces_the_claim_and_prints_the_trace() -> None:
    result = lab.run(9, seed=0, quick=True)
    assert result.verdict.passed, result.verdict.sentence
    assert set(result.outcome.figures) == {"gradcheck", "network_trace"}
    trace = result.outcome.notes[0]
    assert "dL/dzo = dL/dy * y (1 - y)" in trace and "L  = 1/2 (0.539722 - 1.0)^2 = 0.105928" in trace
    assert len(result.outcome.tables["2-2-1 gradients"]) == 10


def test_judge_passes_on_matching_gradients() -> None:
    verdict = backprop.judge(_numbers())
    assert verdict.passed and "83 MLP gradient elements" in verdict.sentence


def test_judge_fails_on_mismatches() -> None:
    verdict = backprop.judge(
        _numbers(gradcheck_catches_a_wrong_backward=False, trace_max_abs_diff_hand_vs_autograd=1e-3)
    )
    assert not verdict.passed
    assert "deliberately wrong backward" in verdict.sentence and "differs from autograd by 0.001" in verdict.sentence
