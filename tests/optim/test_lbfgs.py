"""LBFGS against torch.optim.LBFGS: the same problems, closures and settings must give the same trajectory.

The trajectories are compared after every ``step(closure)``, together with the counts of iterations
and closure evaluations, which agree exactly when both frameworks take the same branches. Float64
values agree to rounding; the remaining differences come from the problems' own arithmetic (a
BLAS dot product, a matrix product) and grow slowly where the optimization is ill-conditioned.
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import shendu
from shendu import optim
from tests.helpers import COUNTS

RNG = np.random.default_rng(5)
X = RNG.standard_normal((32, 3))
Y = np.sin(X.sum(1, keepdims=True)) + 0.1 * RNG.standard_normal((32, 1))
A = RNG.standard_normal((6, 6))
QUADRATIC = A @ A.T / 6 + np.eye(6)  # symmetric positive definite, condition number about 10
B = RNG.standard_normal(6)


def rosenbrock(lib: Any) -> tuple[list[Any], Callable[[], Any]]:
    x = lib.tensor([-1.5, 2.0], dtype=lib.float64, requires_grad=True)
    return [x], lambda: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def quadratic(lib: Any) -> tuple[list[Any], Callable[[], Any]]:
    x = lib.tensor(np.linspace(-1, 1, 6), requires_grad=True)
    q, b = lib.tensor(QUADRATIC), lib.tensor(B)
    return [x], lambda: 0.5 * (x @ (q @ x)) - b @ x


def mlp(lib: Any) -> tuple[list[Any], Callable[[], Any]]:
    torch.manual_seed(0)
    reference = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    net = lib.nn.Sequential(lib.nn.Linear(3, 8), lib.nn.Tanh(), lib.nn.Linear(8, 1)).double()
    net.load_state_dict({k: lib.tensor(v.detach().double().numpy()) for k, v in reference.state_dict().items()})
    x, y = lib.tensor(X), lib.tensor(Y)
    return list(net.parameters()), lambda: lib.nn.functional.mse_loss(net(x), y)


def run(lib: Any, problem: Callable, steps: int, **kwargs: Any) -> tuple[list[np.ndarray], list[float], Any]:
    params, objective = problem(lib)
    opt = lib.optim.LBFGS(params, **kwargs)

    def closure() -> Any:
        opt.zero_grad()
        loss = objective()
        loss.backward()
        return loss

    trajectory, losses = [], []
    for _ in range(steps):
        losses.append(float(opt.step(closure).detach()))
        trajectory.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return trajectory, losses, opt.state[params[0]]


CASES = [
    ("rosenbrock", {"line_search_fn": "strong_wolfe"}, 6, 1e-10),
    ("rosenbrock", {"line_search_fn": "strong_wolfe", "history_size": 2, "lr": 0.5}, 6, 1e-8),
    ("rosenbrock", {"line_search_fn": "strong_wolfe", "max_iter": 4, "max_eval": 5}, 6, 1e-10),
    ("rosenbrock", {"history_size": 3, "max_iter": 7}, 3, 1e-10),
    ("rosenbrock", {"lr": 0.1, "max_iter": 5}, 6, 1e-10),
    ("quadratic", {}, 3, 1e-12),
    ("quadratic", {"line_search_fn": "strong_wolfe", "tolerance_grad": 1e-12, "tolerance_change": 1e-14}, 3, 1e-12),
    ("quadratic", {"history_size": 1, "max_iter": 6}, 4, 1e-12),
    ("mlp", {"line_search_fn": "strong_wolfe"}, 2, 1e-9),
    ("mlp", {"line_search_fn": "strong_wolfe", "history_size": 5, "max_iter": 10}, 4, 1e-9),
    ("mlp", {"lr": 0.5, "history_size": 4}, 3, 1e-9),
    ("mlp", {"lr": 0.1, "max_iter": 5}, 4, 1e-12),
]


@pytest.mark.parametrize(("problem", "kwargs", "steps", "tolerance"), CASES)
def test_trajectory_matches_torch(problem: str, kwargs: dict, steps: int, tolerance: float) -> None:
    make = {"rosenbrock": rosenbrock, "quadratic": quadratic, "mlp": mlp}[problem]
    want, want_losses, t_state = run(torch, make, steps, **kwargs)
    got, got_losses, s_state = run(shendu, make, steps, **kwargs)
    for step, (g, w) in enumerate(zip(got, want)):
        np.testing.assert_allclose(g, w, rtol=tolerance, atol=tolerance, err_msg=f"{problem} {kwargs}, step {step}")
    np.testing.assert_allclose(got_losses, want_losses, rtol=tolerance, atol=tolerance)
    assert s_state["n_iter"] == t_state["n_iter"] and s_state["func_evals"] == t_state["func_evals"]
    assert len(s_state["old_dirs"]) == len(t_state["old_dirs"])
    np.testing.assert_allclose(float(s_state["H_diag"]), float(t_state["H_diag"]), rtol=1e-6)
    COUNTS["optimizer configurations compared with torch"] += 1


def test_float32_follows_torch_closely() -> None:
    def problem(lib: Any) -> tuple[list[Any], Callable[[], Any]]:
        params, _ = quadratic(lib)
        x = params[0].detach().float().requires_grad_()
        q, b = lib.tensor(QUADRATIC, dtype=lib.float32), lib.tensor(B, dtype=lib.float32)
        return [x], lambda: 0.5 * (x @ (q @ x)) - b @ x

    want, _, _ = run(torch, problem, 2)
    got, _, s_state = run(shendu, problem, 2)
    assert got[-1].dtype == np.float32
    np.testing.assert_allclose(got[-1], want[-1], rtol=1e-4, atol=1e-5)
    assert s_state["d"].dtype == shendu.float32
    COUNTS["optimizer configurations compared with torch"] += 1


def test_rosenbrock_converges() -> None:
    trajectory, losses, state = run(shendu, rosenbrock, 5, line_search_fn="strong_wolfe")
    np.testing.assert_allclose(trajectory[-1], [1.0, 1.0], atol=1e-5)
    assert losses[-1] < 1e-9
    assert state["func_evals"] > state["n_iter"]  # the line search evaluates more than once per iteration


def test_state_dict_layout_save_load_and_resume() -> None:
    params, objective = mlp(shendu)
    opt = optim.LBFGS(params, history_size=4, line_search_fn="strong_wolfe")

    def closure() -> Any:
        opt.zero_grad()
        loss = objective()
        loss.backward()
        return loss

    opt.step(closure)
    t_params, t_objective = mlp(torch)
    t_opt = torch.optim.LBFGS(t_params, history_size=4, line_search_fn="strong_wolfe")

    def t_closure() -> Any:
        t_opt.zero_grad()
        loss = t_objective()
        loss.backward()
        return loss

    t_opt.step(t_closure)
    s_sd, t_sd = opt.state_dict(), t_opt.state_dict()
    assert sorted(s_sd["state"][0]) == sorted(t_sd["state"][0])
    assert s_sd["param_groups"] == t_sd["param_groups"]
    assert all(isinstance(v, shendu.Tensor) for v in s_sd["state"][0]["old_dirs"])
    # Through a file, into a fresh optimizer: the next step is the one the original takes.
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "lbfgs.pt")
    shendu.save(s_sd, path)
    weights = [p.detach().numpy().copy() for p in params]
    opt.step(closure)
    expected = [p.detach().numpy().copy() for p in params]
    for p, w in zip(params, weights):
        p.detach().numpy()[...] = w
    resumed = optim.LBFGS(params, lr=0.25)
    resumed.load_state_dict(shendu.load(path))
    assert resumed.param_groups[0]["lr"] == 1 and resumed.param_groups[0]["history_size"] == 4
    resumed.step(closure)
    for p, e in zip(params, expected):
        np.testing.assert_array_equal(p.detach().numpy(), e)


def test_a_torch_state_dict_continues_torch_trajectory() -> None:
    t_params, t_objective = mlp(torch)
    t_opt = torch.optim.LBFGS(t_params, line_search_fn="strong_wolfe", history_size=5, max_iter=5)

    def t_closure() -> Any:
        t_opt.zero_grad()
        loss = t_objective()
        loss.backward()
        return loss

    t_opt.step(t_closure)
    state = copy.deepcopy(t_opt.state_dict())

    def convert(value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            return shendu.tensor(value.detach().numpy().copy())
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    converted = {
        "state": {0: {k: convert(v) for k, v in state["state"][0].items()}},
        "param_groups": state["param_groups"],
    }
    s_params, s_objective = mlp(shendu)
    for s, t in zip(s_params, t_params):
        s.detach().numpy()[...] = t.detach().numpy()
    s_opt = optim.LBFGS(s_params)
    s_opt.load_state_dict(converted)

    def s_closure() -> Any:
        s_opt.zero_grad()
        loss = s_objective()
        loss.backward()
        return loss

    for _ in range(2):
        t_opt.step(t_closure)
        s_opt.step(s_closure)
    for s, t in zip(s_params, t_params):
        np.testing.assert_allclose(s.detach().numpy(), t.detach().numpy(), rtol=1e-9, atol=1e-9)
    COUNTS["optimizer configurations compared with torch"] += 1


def test_stops_at_once_when_the_gradient_is_already_small() -> None:
    x = shendu.tensor([1.0, 1.0], dtype=shendu.float64, requires_grad=True)
    opt = optim.LBFGS([x])
    calls = []

    def closure() -> Any:
        calls.append(1)
        opt.zero_grad()
        loss = ((x - 1) ** 2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 0.0
    assert len(calls) == 1 and opt.state[x]["n_iter"] == 0 and "d" not in opt.state[x]


def test_parameters_without_gradients_count_as_zero() -> None:
    used = shendu.tensor([2.0, -1.0], dtype=shendu.float64, requires_grad=True)
    unused = shendu.tensor([5.0], dtype=shendu.float64, requires_grad=True)
    opt = optim.LBFGS([used, unused], line_search_fn="strong_wolfe")

    def closure() -> Any:
        opt.zero_grad()
        loss = (used**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    assert unused.item() == 5.0
    np.testing.assert_allclose(used.detach().numpy(), [0.0, 0.0], atol=1e-7)


def test_step_bumps_versions_and_records_no_graph() -> None:
    x = shendu.tensor([0.5, 0.5], dtype=shendu.float64, requires_grad=True)
    opt = optim.LBFGS([x], max_iter=2)
    version = x._version

    def closure() -> Any:
        opt.zero_grad()
        loss = ((x - 2) ** 2).sum()
        loss.backward()
        return loss

    with shendu.no_grad():
        opt.step(closure)  # the closure runs with gradients on, as in torch
    assert x._version > version and x.grad_fn is None and x.requires_grad


def test_errors() -> None:
    x = shendu.zeros(2, requires_grad=True)
    with pytest.raises(
        ValueError, match=r"LBFGS: per-parameter options \(parameter groups\) are not supported, got 2 groups"
    ):
        optim.LBFGS([{"params": [x]}, {"params": [shendu.zeros(1, requires_grad=True)]}])
    with pytest.raises(ValueError, match=r"LBFGS: invalid learning rate: -1\.0; lr must be >= 0"):
        optim.LBFGS([x], lr=-1.0)
    with pytest.raises(ValueError, match=r"LBFGS: line_search_fn must be None or 'strong_wolfe'.*got 'armijo'"):
        optim.LBFGS([x], line_search_fn="armijo")
    with pytest.raises(ValueError, match="LBFGS: invalid history_size: 0; history_size must be an int >= 1"):
        optim.LBFGS([x], history_size=0)
    with pytest.raises(TypeError, match=r"LBFGS: max_iter must be an int, got float 2\.5"):
        optim.LBFGS([x], max_iter=2.5)
    with pytest.raises(ValueError, match="LBFGS: invalid max_eval: -1; max_eval must be an int >= 0"):
        optim.LBFGS([x], max_eval=-1)
    with pytest.raises(ValueError, match=r"LBFGS\.step: the parameters hold no elements; there is nothing to optimize"):
        empty = shendu.zeros(0, requires_grad=True)
        opt = optim.LBFGS([empty])
        opt.step(lambda: (empty * empty).sum())
    with pytest.raises(TypeError, match=r"LBFGS.step: needs a closure .* e.g. optimizer.step\(closure\); got None"):
        optim.LBFGS([x]).step()
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'closure'"):
        torch.optim.LBFGS([torch.zeros(2, requires_grad=True)]).step()
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        torch.optim.LBFGS(
            [{"params": [torch.zeros(1, requires_grad=True)]}, {"params": [torch.zeros(1, requires_grad=True)]}]
        )


def test_parameters_of_two_dtypes_as_torch() -> None:
    def problem(lib: Any) -> tuple[list[Any], Callable[[], Any]]:
        a = lib.tensor([1.5, -0.5], dtype=lib.float32, requires_grad=True)
        b = lib.tensor([0.25], dtype=lib.float64, requires_grad=True)
        return [a, b], lambda: ((a - 1) ** 2).sum() + ((b + 2) ** 4).sum()

    want, _, _ = run(torch, problem, 2, line_search_fn="strong_wolfe")
    got, _, s_state = run(shendu, problem, 2, line_search_fn="strong_wolfe")
    np.testing.assert_allclose(got[-1], want[-1], rtol=1e-6, atol=1e-6)
    assert s_state["d"].dtype == shendu.float64


def test_zero_iterations_or_evaluations_as_torch() -> None:
    for kwargs in ({"max_iter": 0}, {"max_eval": 0}, {"max_eval": 3, "line_search_fn": "strong_wolfe"}):
        _, _, t_state = run(torch, rosenbrock, 1, **kwargs)
        _, _, s_state = run(shendu, rosenbrock, 1, **kwargs)
        assert (s_state["n_iter"], s_state["func_evals"]) == (t_state["n_iter"], t_state["func_evals"]), kwargs


def test_defaults_and_repr_match_torch() -> None:
    s = optim.LBFGS([shendu.zeros(2, requires_grad=True)])
    t = torch.optim.LBFGS([torch.zeros(2, requires_grad=True)])
    assert s.defaults == t.defaults
    assert repr(s).replace("LBFGS (", "") == repr(t).replace("LBFGS (", "")
    assert optim.LBFGS([shendu.zeros(1, requires_grad=True)], max_iter=8).defaults["max_eval"] == 10
