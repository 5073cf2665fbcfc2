"""Every optimizer and learning-rate scheduler, fuzzed against torch."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import shendu
from shendu.optim import lr_scheduler as shendu_sched
from tests.fuzz.harness import (
    FUZZ,
    Call,
    Case,
    Draw,
    P,
    judge,
    layer_kwargs,
    to_lib,
)


def params(d: Draw) -> Any:
    """The ``params`` argument: usually a list of parameters with gradients, sometimes something hostile."""
    kind = d.choice(("list", "list", "list", "groups", "empty", "ints", "tensor", "duplicate", "no_grad", "dict"))

    def one() -> P:
        dt = d.choice(("float32", "float32", "float64"))
        shape = d.shape(0, 2, 0, 3)
        grad = None if d.maybe(0.1) else d.tensor(shape=shape, dtype=dt)
        value = d.tensor(shape=shape, dtype=dt, mode="normal").array
        return P(value, huge=grad is not None and grad.huge, grad_array=None if grad is None else grad.array)

    if kind == "list":
        return [one() for _ in range(d.int(1, 2))]
    if kind == "groups":
        groups: list[Any] = [{"params": [one()]}, {"params": [one()], "lr": d.choice((0.01, -1.0, math.nan))}]
        if d.maybe(0.3):
            groups.append({"lr": 0.1})
        return groups
    if kind == "empty":
        return []
    if kind == "ints":
        return [1, 2]
    if kind == "tensor":
        return one()
    if kind == "duplicate":
        p = one()
        return [p, p]
    if kind == "no_grad":
        return [d.tensor(dtype="float32", grad=False)]
    return {"params": [one()]}


LR = (1e-3, 0.1, 0.0, -1.0, math.nan, math.inf, 1e38, "0.1", None)
BETAS = ((0.9, 0.999), (0.0, 0.0), (1.0, 0.999), (0.9, 1.0), (-0.1, 0.9), (0.9,), (math.nan, 0.9), "ab", 0.9)
EPS = (1e-8, 0.0, -1e-8, math.nan, math.inf)
DECAY = (0.0, 0.01, -0.1, math.nan, math.inf)
OPTIMIZER_POOLS: dict[str, dict[str, tuple[Any, ...]]] = {
    "SGD": {
        "momentum": (0.0, 0.9, -0.5, math.nan, 1.5),
        "dampening": (0.0, 0.5, -1.0, math.nan),
        "weight_decay": DECAY,
        "nesterov": (False, True),
        "maximize": (False, True),
    },
    "Adam": {
        "betas": BETAS,
        "eps": EPS,
        "weight_decay": DECAY,
        "amsgrad": (False, True),
        "maximize": (False, True),
    },
    "AdamW": {
        "betas": BETAS,
        "eps": EPS,
        "weight_decay": DECAY,
        "amsgrad": (False, True),
        "maximize": (False, True),
    },
    "RMSprop": {
        "alpha": (0.99, 0.0, -0.1, 1.5, math.nan),
        "eps": EPS,
        "weight_decay": DECAY,
        "momentum": (0.0, 0.9, -0.5, math.nan),
        "centered": (False, True),
        "maximize": (False, True),
    },
    "Adagrad": {
        "lr_decay": (0.0, 0.1, -0.1, math.nan),
        "weight_decay": DECAY,
        "initial_accumulator_value": (0.0, 0.1, -0.1, math.nan),
        "eps": EPS,
        "maximize": (False, True),
    },
    "Adadelta": {
        "rho": (0.9, 0.0, 1.0, -0.1, 1.5, math.nan),
        "eps": EPS,
        "weight_decay": DECAY,
        "maximize": (False, True),
    },
    "LBFGS": {
        "max_iter": (20, 1, 3, 0, -1, 2.5),
        "max_eval": (None, 1, 4, 0),
        "tolerance_grad": (1e-7, 0.0, -1.0, math.nan),
        "tolerance_change": (1e-9, 0.0, -1.0),
        "history_size": (100, 1, 2, 0),
        "line_search_fn": (None, "strong_wolfe", "strong_wolfe", "armijo"),
    },
}
OPTIMIZERS = sorted(n for n in shendu.optim.__all__ if n not in ("Optimizer", "lr_scheduler"))


def _step_and_read(lib: Any, name: str, call: Call, steps: int) -> list[Any]:
    args, kwargs = to_lib(lib, call.args), to_lib(lib, call.kwargs)
    opt = getattr(lib.optim, name)(*args, **kwargs)
    for _ in range(steps):
        if name == "LBFGS":
            opt.step(_quadratic_closure(opt))
        else:
            opt.step()
    return [p.detach().clone() for group in opt.param_groups for p in group["params"]]


def _quadratic_closure(opt: Any) -> Callable[[], Any]:
    """For optimizers that re-evaluate the loss: sum(p² / 2 + g·p), whose gradient at 0 is the drawn g."""
    params = [p for group in opt.param_groups for p in group["params"]]
    targets = [p.grad.detach().clone() if p.grad is not None else None for p in params]

    def closure() -> Any:
        opt.zero_grad()
        loss = sum(
            ((p * p).sum() / 2 + (p * g).sum() if g is not None else (p * p).sum() / 2) for p, g in zip(params, targets)
        )
        if loss.requires_grad:  # plain tensors among the params: nothing to differentiate
            loss.backward()
        return loss

    return closure


@pytest.mark.parametrize("name", OPTIMIZERS)
@FUZZ
@given(data=st.data())
def test_fuzz_optimizer(name: str, data: Any) -> None:
    d = Draw(data)
    kwargs = layer_kwargs(d, **OPTIMIZER_POOLS.get(name, {}))
    if d.maybe(0.7):
        kwargs["lr"] = d.choice(LR)
    call = Call((params(d),), kwargs)
    steps = d.int(1, 2)
    case = Case(
        name,
        lambda *a, **k: _step_and_read(shendu, name, Call(a, k), steps),
        lambda *a, **k: _step_and_read(torch, name, Call(a, k), steps),
        (name,),
        backward=False,
        # In float32, rounding tips L-BFGS's line-search decisions (tests/optim/test_lbfgs.py compares float64).
        values=name != "LBFGS",
        # shendu reads plain tensors as parameters; torch insists on leaves that require grad.
        lenient=(
            r"list index out of range",  # torch's L-BFGS line search, when the loss is NaN
            r"can't optimize a non-leaf Tensor",
            r"optimizing a parameter that doesn't require gradients",
            r"value cannot be converted to type float without overflow",  # torch's float32 step sizes
        ),
        # torch's `value < 0` checks let NaN through, and it checks only the defaults, not each group.
        strict=(
            r"invalid [\w ]+: (nan|-)",
            # torch's LBFGS takes history_size=0 and fails (IndexError) only once it stores a correction.
            r"invalid history_size: 0",
            r"LBFGS: \w+ must be an int, got float",  # torch counts iterations up to a float bound too
        ),
    )
    judge(case, call, label=f"optim.{name}{call!r} then {steps} step(s)")


def test_every_optimizer_is_fuzzed_with_its_hyperparameters() -> None:
    missing = sorted(set(OPTIMIZERS) - set(OPTIMIZER_POOLS))
    assert not missing, f"add hyperparameter pools for {missing} to OPTIMIZER_POOLS"


GAMMA = (0.1, 0.5, 1.0, 0.0, -0.5, 2.0, math.nan, math.inf)
ITERS = (1, 3, 5, 0, -1, 2.5, None)
EPOCH = (-1, -1, -1, 0, 3, -2)
SCHEDULER_POOLS: dict[str, Callable[[Draw], Call]] = {
    "StepLR": lambda d: Call((d.choice((1, 2, 0, -1, 2.5, None)),), layer_kwargs(d, gamma=GAMMA, last_epoch=EPOCH)),
    "MultiStepLR": lambda d: Call(
        (d.choice(([1, 3], [3, 1], [], [-1, 2], [2, 2], [1.5], 3, None)),),
        layer_kwargs(d, gamma=GAMMA, last_epoch=EPOCH),
    ),
    "ExponentialLR": lambda d: Call((d.choice(GAMMA),), layer_kwargs(d, last_epoch=EPOCH)),
    "ConstantLR": lambda d: Call(
        (), layer_kwargs(d, factor=(0.5, 0.0, 1.0, -0.5, 1.5, math.nan), total_iters=ITERS, last_epoch=EPOCH)
    ),
    "LinearLR": lambda d: Call(
        (),
        layer_kwargs(
            d,
            start_factor=(0.5, 0.0, 1.0, 1.5, -1.0, math.nan),
            end_factor=(1.0, 0.0, 0.5, 1.5, -1.0),
            total_iters=ITERS,
            last_epoch=EPOCH,
        ),
    ),
    "PolynomialLR": lambda d: Call(
        (), layer_kwargs(d, total_iters=ITERS, power=(1.0, 2.0, 0.0, -1.0, math.nan), last_epoch=EPOCH)
    ),
    "CosineAnnealingLR": lambda d: Call(
        (d.choice((1, 5, 0, -1, 2.5, None)),), layer_kwargs(d, eta_min=(0.0, 0.01, -1.0, math.nan), last_epoch=EPOCH)
    ),
    "CosineAnnealingWarmRestarts": lambda d: Call(
        (d.choice((1, 3, 0, -1, 2.5, None)),),
        layer_kwargs(d, T_mult=(1, 2, 0, -1, 1.5), eta_min=(0.0, 0.01, -1.0, math.nan), last_epoch=EPOCH),
    ),
    "LambdaLR": lambda d: Call(
        (d.choice(("decay", "decay", "nan", "constant", "list", "short_list", "none")),),
        layer_kwargs(d, last_epoch=EPOCH),
    ),
    "MultiplicativeLR": lambda d: Call(
        (d.choice(("decay", "decay", "nan", "constant", "list", "short_list", "none")),),
        layer_kwargs(d, last_epoch=EPOCH),
    ),
    "OneCycleLR": lambda d: Call(
        (d.choice((0.1, [0.1], [0.1, 0.2], 0.0, -1.0, math.nan)),),
        layer_kwargs(
            d,
            total_steps=(10, 3, 0, -1, 2.5, None),
            epochs=(2, 0, -1, None),
            steps_per_epoch=(3, 0, -1, None),
            pct_start=(0.3, 0.0, 1.0, -0.1, 1.5, math.nan),
            anneal_strategy=("cos", "linear", "bad"),
            cycle_momentum=(True, False),
            div_factor=(25.0, 0.0, -1.0, math.nan),
            final_div_factor=(1e4, 0.0, -1.0),
            three_phase=(False, True),
            last_epoch=EPOCH,
        ),
    ),
    "ReduceLROnPlateau": lambda d: Call(
        (),
        layer_kwargs(
            d,
            mode=("min", "max", "bad"),
            factor=(0.1, 0.5, 1.0, 0.0, -0.5, 2.0, math.nan),
            patience=(0, 1, 10, -1, 2.5),
            threshold=(1e-4, 0.0, -1.0, math.nan),
            threshold_mode=("rel", "abs", "bad"),
            cooldown=(0, 1, -1),
            min_lr=(0.0, 0.01, -1.0, [0.0], [0.0, 0.0], math.nan),
            eps=(1e-8, 0.0, -1.0, math.nan),
        ),
    ),
    "SequentialLR": lambda d: Call(
        (d.choice(("two", "two", "empty", "not_scheduler", "one")),),
        {"milestones": d.choice(([2], [], [1, 2], [-1], [3, 1])), **layer_kwargs(d, last_epoch=(-1, 0, 2))},
    ),
    "ChainedScheduler": lambda d: Call((d.choice(("two", "two", "empty", "not_scheduler", "one")),)),
    "LRScheduler": lambda d: Call((), layer_kwargs(d, last_epoch=EPOCH)),
}
LAMBDAS: dict[str, Any] = {
    "decay": lambda epoch: 0.9**epoch,
    "nan": lambda epoch: math.nan,
    "constant": 0.5,
    "list": [lambda epoch: 0.9**epoch],
    "short_list": [],
    "none": None,
}
SCHEDULERS = sorted(
    n for n in shendu_sched.__all__ if inspect.isclass(getattr(shendu_sched, n)) and n not in ("LRScheduler",)
)


def _schedule(lib: Any, name: str, call: Call, steps: int, optimizer: str, metrics: tuple[float, ...]) -> list[Any]:
    """Build an optimizer and the scheduler, step both ``steps`` times, and return every learning rate seen."""
    param = lib.nn.Parameter(lib.zeros(2))
    opt_kwargs = {"lr": 0.1, "momentum": 0.9} if optimizer == "SGD" else {"lr": 0.1}
    opt = getattr(lib.optim, optimizer)([param], **opt_kwargs)
    sched_mod = lib.optim.lr_scheduler
    args = list(call.args)
    if name in ("LambdaLR", "MultiplicativeLR"):
        args[0] = LAMBDAS[args[0]]
    if name in ("SequentialLR", "ChainedScheduler"):
        inner = {
            "two": [sched_mod.ConstantLR(opt, factor=0.5, total_iters=2), sched_mod.ExponentialLR(opt, gamma=0.9)],
            "one": [sched_mod.StepLR(opt, step_size=1)],
            "empty": [],
            "not_scheduler": [opt],
        }[args[0]]
        args[0] = inner
    if name == "ChainedScheduler":
        sched = sched_mod.ChainedScheduler(*args, **call.kwargs)
    else:
        sched = getattr(sched_mod, name)(opt, *args, **call.kwargs)
    seen = [opt.param_groups[0]["lr"]]
    for i in range(steps):
        opt.step()
        if name == "ReduceLROnPlateau":
            sched.step(metrics[i % len(metrics)])
        else:
            sched.step()
        seen.append(opt.param_groups[0]["lr"])
    return seen


@pytest.mark.parametrize("name", SCHEDULERS)
@FUZZ
@given(data=st.data())
def test_fuzz_scheduler(name: str, data: Any) -> None:
    d = Draw(data)
    call = SCHEDULER_POOLS[name](d)
    steps = d.int(0, 4)
    optimizer = d.choice(("SGD", "SGD", "Adam"))
    metrics = (1.0, d.choice((0.5, 1.0, 2.0, math.nan, math.inf)), 0.2)
    case = Case(
        name,
        lambda *a, **k: _schedule(shendu, name, Call(a, k), steps, optimizer, metrics),
        lambda *a, **k: _schedule(torch, name, Call(a, k), steps, optimizer, metrics),
        (name,),
        backward=False,
        # torch lets through zero, negative and fractional periods and NaN factors that later misbehave
        strict=(r"expected a positive integer", r"got nan", r"power must be a number >= 0"),
        lenient=(r"float division by zero",),  # torch's ConstantLR divides by a zero factor; shendu does not
    )
    judge(case, call, label=f"lr_scheduler.{name}{call!r} on {optimizer}, {steps} step(s), metrics {metrics}")


def test_every_scheduler_has_a_pattern() -> None:
    missing = sorted(set(SCHEDULERS) - set(SCHEDULER_POOLS))
    assert not missing, f"add argument patterns for {missing} to SCHEDULER_POOLS"
