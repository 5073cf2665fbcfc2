from __future__ import annotations

import copy
import math
import warnings
from collections import Counter
from typing import Any

import pytest
import torch

import shendu
from shendu import optim
from shendu.optim import lr_scheduler
from tests.helpers import COUNTS

STEPS = 100
LRS = (0.1, 0.05)


def _optimizer(lib: Any, kind: str = "SGD") -> Any:
    """An optimizer with two parameter groups of different learning rates, in torch or shendu."""
    groups = [{"params": [lib.zeros(2, requires_grad=True)], "lr": lr} for lr in LRS]
    if kind == "Adam":
        return lib.optim.Adam(groups, lr=0.1)
    return lib.optim.SGD(groups, lr=0.1, momentum=0.9)


def _sched(lib: Any) -> Any:
    return lib.optim.lr_scheduler


# Each entry builds one scheduler from (scheduler module, optimizer); the same code runs on both.
CONFIGS: dict[str, Any] = {
    "LambdaLR": lambda m, o: m.LambdaLR(o, lr_lambda=lambda e: 0.95**e),
    "LambdaLR-per-group": lambda m, o: m.LambdaLR(o, lr_lambda=[lambda e: 0.9**e, lambda e: 1.0 / (e + 1)]),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lr_lambda=lambda e: 0.97),
    "StepLR": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "StepLR-default-gamma": lambda m, o: m.StepLR(o, step_size=30),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[10, 25, 25, 60], gamma=0.3),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=10),
    "LinearLR-warmup": lambda m, o: m.LinearLR(o, start_factor=0.1, total_iters=20),
    "LinearLR-decay": lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=60),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.97),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=60, power=2.0),
    "CosineAnnealingLR-past-T_max": lambda m, o: m.CosineAnnealingLR(o, T_max=30, eta_min=0.001),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=100),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=10),
    "CosineAnnealingWarmRestarts-T_mult": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=1e-3),
    "SequentialLR-warmup-cosine": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=10), m.CosineAnnealingLR(o, T_max=90)], milestones=[10]
    ),
    "SequentialLR-three": lambda m, o: m.SequentialLR(
        o,
        [m.ConstantLR(o, factor=0.1, total_iters=5), m.ExponentialLR(o, gamma=0.9), m.StepLR(o, step_size=10)],
        milestones=[5, 40],
    ),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.5, total_iters=4), m.ExponentialLR(o, gamma=0.95)]
    ),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=0.5, total_steps=STEPS),
    "OneCycleLR-three-phase-linear": lambda m, o: m.OneCycleLR(
        o, max_lr=[0.5, 0.2], epochs=10, steps_per_epoch=10, three_phase=True, anneal_strategy="linear", pct_start=0.25
    ),
}


def _run(lib: Any, make: Any, steps: int, kind: str = "SGD") -> tuple[list[Any], Any, Any]:
    opt = _optimizer(lib, kind)
    scheduler = make(_sched(lib), opt)
    trace = []
    for _ in range(steps):
        opt.step()
        scheduler.step()
        group = opt.param_groups[0]
        trace.append((scheduler.get_last_lr(), [g["lr"] for g in opt.param_groups], group.get("momentum")))
    return trace, opt, scheduler


def _assert_same_trace(got: list[Any], want: list[Any], label: str) -> None:
    assert len(got) == len(want)
    for step, (g, w) in enumerate(zip(got, want)):
        # Identical formulas in identical order: the floats agree exactly.
        assert g == w, f"{label}: step {step + 1}: shendu {g} != torch {w}"


@pytest.mark.parametrize("name", list(CONFIGS))
def test_learning_rates_match_torch(name: str) -> None:
    make = CONFIGS[name]
    t_trace, _, _ = _run(torch, make, STEPS)
    s_trace, _, _ = _run(shendu, make, STEPS)
    _assert_same_trace(s_trace, t_trace, name)
    COUNTS["scheduler configurations compared with torch"] += 1


def test_one_cycle_cycles_adam_beta1_like_torch() -> None:
    def make(m: Any, o: Any) -> Any:
        return m.OneCycleLR(o, max_lr=0.01, total_steps=50, base_momentum=0.8, max_momentum=0.9)

    t_opt, s_opt = _optimizer(torch, "Adam"), _optimizer(shendu, "Adam")
    t_s, s_s = make(torch.optim.lr_scheduler, t_opt), make(lr_scheduler, s_opt)
    for _ in range(50):
        t_opt.step()
        s_opt.step()
        t_s.step()
        s_s.step()
        assert s_opt.param_groups[0]["betas"] == t_opt.param_groups[0]["betas"]
        assert s_s.get_last_lr() == t_s.get_last_lr()
    COUNTS["scheduler configurations compared with torch"] += 1


METRICS = [1.0 / (1 + i) if i < 30 else 0.04 + 0.001 * math.sin(i) for i in range(STEPS)]
PLATEAU = {
    "min-rel": {},
    "min-abs-cooldown": {"threshold_mode": "abs", "threshold": 0.01, "patience": 3, "cooldown": 2, "factor": 0.5},
    "max-rel": {"mode": "max", "patience": 2, "min_lr": [0.01, 0.001]},
    "max-abs": {"mode": "max", "threshold_mode": "abs", "patience": 0, "factor": 0.9, "min_lr": 0.02},
}


@pytest.mark.parametrize("name", list(PLATEAU))
def test_reduce_lr_on_plateau_matches_torch(name: str) -> None:
    traces = []
    for lib in (torch, shendu):
        opt = _optimizer(lib)
        scheduler = _sched(lib).ReduceLROnPlateau(opt, **PLATEAU[name])
        trace = []
        for metric in METRICS:
            opt.step()
            scheduler.step(metric)
            trace.append((scheduler.get_last_lr(), scheduler.num_bad_epochs, scheduler.best))
        traces.append(trace)
    _assert_same_trace(traces[1], traces[0], f"ReduceLROnPlateau({name})")
    assert traces[1][-1][0] != list(LRS), "the schedule never reduced the rate, so the test shows nothing"
    COUNTS["scheduler configurations compared with torch"] += 1


def test_reduce_lr_on_plateau_accepts_a_tensor_metric() -> None:
    opt = _optimizer(shendu)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    scheduler.step(shendu.tensor(1.0))
    scheduler.step(shendu.tensor(2.0))
    assert scheduler.get_last_lr() == [0.1 * 0.1, 0.05 * 0.1]


@pytest.mark.parametrize("name", list(CONFIGS))
def test_state_dict_round_trip(name: str) -> None:
    make = CONFIGS[name]
    whole, _, _ = _run(shendu, make, STEPS)
    first, opt, scheduler = _run(shendu, make, 40)
    opt_state = copy.deepcopy(opt.state_dict())
    sched_state = copy.deepcopy(scheduler.state_dict())
    assert "optimizer" not in sched_state
    fresh_opt = _optimizer(shendu)
    fresh = make(lr_scheduler, fresh_opt)
    fresh_opt.load_state_dict(opt_state)
    fresh.load_state_dict(sched_state)
    rest = []
    for _ in range(STEPS - 40):
        fresh_opt.step()
        fresh.step()
        rest.append(
            (fresh.get_last_lr(), [g["lr"] for g in fresh_opt.param_groups], fresh_opt.param_groups[0]["momentum"])
        )
    _assert_same_trace(first + rest, whole, f"{name} resumed at step 40")


def test_reduce_lr_on_plateau_state_dict_round_trip() -> None:
    opt = _optimizer(shendu)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=1)
    for metric in (1.0, 0.5, 0.5):
        scheduler.step(metric)
    state = copy.deepcopy(scheduler.state_dict())
    other = lr_scheduler.ReduceLROnPlateau(_optimizer(shendu))
    other.load_state_dict(state)
    assert (other.mode, other.best, other.num_bad_epochs, other.mode_worse) == ("max", 1.0, 0, -math.inf)


def test_lambda_state_dict_keeps_callable_objects_but_not_functions() -> None:
    class Decay:
        def __init__(self) -> None:
            self.rate = 0.5

        def __call__(self, epoch: int) -> float:
            return self.rate**epoch

    opt = _optimizer(shendu)
    scheduler = lr_scheduler.LambdaLR(opt, [Decay(), lambda e: 1.0])
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.5}, None]
    state["lr_lambdas"][0]["rate"] = 0.25
    scheduler.load_state_dict(state)
    assert scheduler.lr_lambdas[0].rate == 0.25


@pytest.mark.parametrize(
    "name", ["StepLR", "MultiStepLR", "ExponentialLR", "LinearLR-warmup", "CosineAnnealingLR", "PolynomialLR"]
)
def test_step_with_an_epoch_uses_the_closed_form_like_torch(name: str) -> None:
    results = []
    for lib in (torch, shendu):
        opt = _optimizer(lib)
        scheduler = CONFIGS[name](_sched(lib), opt)
        trace = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in (3, 17, 8, 45, 60):
                opt.step()
                scheduler.step(epoch)
                trace.append(scheduler.get_last_lr())
        results.append(trace)
    assert results[1] == results[0]
    COUNTS["scheduler configurations compared with torch"] += 1


def test_warm_restarts_with_fractional_epochs_like_torch() -> None:
    results = []
    for lib in (torch, shendu):
        opt = _optimizer(lib)
        scheduler = _sched(lib).CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2)
        trace = []
        for i in range(60):
            opt.step()
            scheduler.step(i / 5)
            trace.append(scheduler.get_last_lr())
        results.append(trace)
    assert results[1] == results[0]
    COUNTS["scheduler configurations compared with torch"] += 1


def test_initial_lr_is_recorded_and_first_value_is_set() -> None:
    opt = _optimizer(shendu)
    scheduler = lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=4)
    assert [g["initial_lr"] for g in opt.param_groups] == list(LRS)
    assert scheduler.get_last_lr() == [0.05, 0.025]
    assert scheduler.base_lrs == list(LRS)
    assert scheduler.last_epoch == 0


def test_stepping_before_the_optimizer_warns() -> None:
    opt = _optimizer(shendu)
    scheduler = lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match=r"StepLR: step\(\) was called before optimizer.step\(\)"):
        scheduler.step()
    opt2 = _optimizer(shendu)
    scheduler2 = lr_scheduler.StepLR(opt2, step_size=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt2.step()
        scheduler2.step()


def test_one_cycle_refuses_to_step_past_the_end() -> None:
    opt = _optimizer(shendu)
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        opt.step()
        scheduler.step()
    with pytest.raises(ValueError, match=r"OneCycleLR: stepped 4 times, but the cycle has only total_steps=3"):
        scheduler.step()


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda o: lr_scheduler.StepLR([1], step_size=2), TypeError, r"StepLR: expected an optimizer .*got list"),
        (lambda o: lr_scheduler.StepLR(o, step_size=0), ValueError, r"StepLR: expected a positive integer step_size"),
        (lambda o: lr_scheduler.StepLR(o, 2, last_epoch=5), ValueError, r"StepLR: resuming with last_epoch=5 needs"),
        (
            lambda o: lr_scheduler.LambdaLR(o, [lambda e: 1.0]),
            ValueError,
            r"LambdaLR: expected 2 values of lr_lambda \(one per parameter group\), got 1",
        ),
        (lambda o: lr_scheduler.LambdaLR(o, 0.5), TypeError, r"LambdaLR: lr_lambda must be a function of the epoch"),
        (
            lambda o: lr_scheduler.ConstantLR(o, factor=2.0),
            ValueError,
            r"ConstantLR: factor must be in \[0, 1\], got 2",
        ),
        (lambda o: lr_scheduler.LinearLR(o, start_factor=0), ValueError, r"LinearLR: start_factor must be in \(0, 1\]"),
        (lambda o: lr_scheduler.LinearLR(o, end_factor=1.5), ValueError, r"LinearLR: end_factor must be in \[0, 1\]"),
        (
            lambda o: lr_scheduler.PolynomialLR(o, total_iters=0),
            ValueError,
            r"PolynomialLR: expected a positive integer",
        ),
        (
            lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=0),
            ValueError,
            r"CosineAnnealingLR: .*positive integer T_max",
        ),
        (
            lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0),
            ValueError,
            r"CosineAnnealingWarmRestarts: expected a positive integer T_0, got 0",
        ),
        (
            lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=0),
            ValueError,
            r"expected an integer T_mult >= 1, got 0",
        ),
        (
            lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=5, eta_min="0"),
            TypeError,
            r"expected a number eta_min, got str",
        ),
        (
            lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=5).step(-1),
            ValueError,
            r"CosineAnnealingWarmRestarts: expected a non-negative epoch, got -1",
        ),
        (
            lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(o, 2)], milestones=[3]),
            ValueError,
            r"SequentialLR: expected one milestone fewer than schedulers, got 1 schedulers and 1 milestones",
        ),
        (lambda o: lr_scheduler.SequentialLR(o, [], milestones=[]), ValueError, r"expected at least one scheduler"),
        (
            lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ReduceLROnPlateau(o)], milestones=[]),
            ValueError,
            r"SequentialLR: scheduler 0 is a ReduceLROnPlateau",
        ),
        (
            lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(_optimizer(shendu), 2)], milestones=[]),
            ValueError,
            r"SequentialLR: every scheduler must drive the same optimizer, but scheduler 0 \(StepLR\)",
        ),
        (lambda o: lr_scheduler.ChainedScheduler([]), ValueError, r"ChainedScheduler: expected at least one scheduler"),
        (lambda o: lr_scheduler.OneCycleLR(o, 0.1), ValueError, r"OneCycleLR: give either total_steps, or both"),
        (
            lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=-2),
            ValueError,
            r"positive integer total_steps, got -2",
        ),
        (lambda o: lr_scheduler.OneCycleLR(o, 0.1, 10, pct_start=2.0), ValueError, r"float pct_start in \[0, 1\]"),
        (lambda o: lr_scheduler.OneCycleLR(o, 0.1, 10, anneal_strategy="exp"), ValueError, r"'cos' or 'linear'"),
        (
            lambda o: lr_scheduler.OneCycleLR(optim.Adagrad(o.param_groups[0]["params"]), 0.1, 10),
            ValueError,
            r"OneCycleLR: cycle_momentum=True needs an optimizer with momentum or betas, but Adagrad has neither",
        ),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, r"factor must be < 1.0, got 1.0"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="up"), ValueError, r"mode must be 'min' or 'max', got 'up'"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, threshold_mode="x"), ValueError, r"threshold_mode must be"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, r"expected 2 values of min_lr"),
        (
            lambda o: lr_scheduler.ReduceLROnPlateau(o).step("low"),
            TypeError,
            r"ReduceLROnPlateau.step: metrics must be a number, got str",
        ),
    ],
)
def test_errors(make: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        make(_optimizer(shendu))


def test_multistep_state_survives_shendu_save(tmp_path: Any) -> None:
    opt = _optimizer(shendu)
    scheduler = lr_scheduler.MultiStepLR(opt, milestones=[2, 2, 5])
    shendu.save(scheduler.state_dict(), tmp_path / "sched.ckpt")
    restored = lr_scheduler.MultiStepLR(_optimizer(shendu), milestones=[9])
    restored.load_state_dict(shendu.load(tmp_path / "sched.ckpt"))
    assert restored.milestones == Counter({2: 2, 5: 1})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        restored.step(6)
    assert restored.get_last_lr() == pytest.approx([0.1 * 0.1**3, 0.05 * 0.1**3])
