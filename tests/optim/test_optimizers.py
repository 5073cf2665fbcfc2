from __future__ import annotations

import copy
import itertools
import math
import tracemalloc
import warnings
from typing import Any

import numpy as np
import pytest
import torch

import shendu
from shendu import _compiled, optim
from shendu.errors import DeviceError, DtypeError, GraphError, ShapeError
from tests.helpers import COUNTS

STEPS = 30
SHAPES = [(4, 3), (3,)]
RNG = np.random.default_rng(1234)
# Fixed mixing matrices of the gradient field, one per parameter's leading dimension.
MIX = {n: RNG.standard_normal((n, n)) * 0.4 for n in {s[0] for s in SHAPES}}
INITIAL = [RNG.standard_normal(s) for s in SHAPES]
TOLERANCE = {"float64": 1e-12, "float32": 1e-6}


def gradient_field(p: np.ndarray) -> np.ndarray:
    """A deterministic, nonlinear gradient of the current parameter values (the same NumPy code for both)."""
    mix = MIX[p.shape[0]].astype(p.dtype)
    return (mix @ p.reshape(p.shape[0], -1)).reshape(p.shape) + np.sin(p)


def _options(**choices: tuple[Any, ...]) -> list[dict[str, Any]]:
    names = list(choices)
    return [dict(zip(names, values)) for values in itertools.product(*choices.values())]


def _configs() -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for o in _options(
        momentum=(0, 0.9), dampening=(0, 0.2), nesterov=(False, True), weight_decay=(0, 0.05), maximize=(False, True)
    ):
        if o["nesterov"] and (o["momentum"] == 0 or o["dampening"] != 0):
            continue
        out.append(("SGD", {"lr": 0.05, **o}))
    for o in _options(
        amsgrad=(False, True), weight_decay=(0, 0.05), maximize=(False, True), decoupled_weight_decay=(False, True)
    ):
        if o["decoupled_weight_decay"] and o["weight_decay"] == 0:
            continue
        out.append(("Adam", {"lr": 0.05, "betas": (0.8, 0.99), **o}))
    for o in _options(amsgrad=(False, True), weight_decay=(0.01, 0.2), maximize=(False, True)):
        out.append(("AdamW", {"lr": 0.05, **o}))
    for o in _options(momentum=(0, 0.5), centered=(False, True), weight_decay=(0, 0.05), maximize=(False, True)):
        out.append(("RMSprop", {"lr": 0.01, "alpha": 0.9, **o}))
    for o in _options(
        lr_decay=(0, 0.01), weight_decay=(0, 0.05), initial_accumulator_value=(0, 0.1), maximize=(False, True)
    ):
        out.append(("Adagrad", {"lr": 0.1, **o}))
    for o in _options(rho=(0.9, 0.5), weight_decay=(0, 0.05), maximize=(False, True)):
        out.append(("Adadelta", {"lr": 1.0, **o}))
    return out


CONFIGS = _configs()


def _torch_kwargs(name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {**kwargs, "foreach": False}


def _make_pair(dtype: str, initial: list[np.ndarray] | None = None) -> tuple[list[torch.Tensor], list[shendu.Tensor]]:
    arrays = [a.astype(dtype) for a in (initial or INITIAL)]
    t_params = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    s_params = [shendu.tensor(a.copy(), requires_grad=True) for a in arrays]
    return t_params, s_params


def _set_grads(t_params: list[torch.Tensor], s_params: list[shendu.Tensor]) -> None:
    for t in t_params:
        t.grad = torch.from_numpy(gradient_field(t.detach().numpy()))
    for s in s_params:
        s.grad = shendu.from_numpy(gradient_field(s.detach().numpy()))


def _assert_close(s_params: list[shendu.Tensor], t_params: list[torch.Tensor], dtype: str, label: str) -> None:
    tol = TOLERANCE[dtype]
    for i, (s, t) in enumerate(zip(s_params, t_params)):
        got, want = s.detach().numpy(), t.detach().numpy()
        assert got.dtype == want.dtype, f"{label}: parameter {i} has dtype {got.dtype}, torch's {want.dtype}"
        # Relative to the parameter's scale, so that elements passing near zero do not count as
        # large relative errors.
        scale = float(np.max(np.abs(want)))
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale, err_msg=f"{label}: parameter {i}")


def _run_both(
    name: str, kwargs: dict[str, Any], dtype: str, steps: int = STEPS
) -> tuple[list[shendu.Tensor], list[torch.Tensor], Any, Any]:
    t_params, s_params = _make_pair(dtype)
    t_opt = getattr(torch.optim, name)(t_params, **_torch_kwargs(name, kwargs))
    s_opt = getattr(optim, name)(s_params, **kwargs)
    for _ in range(steps):
        _set_grads(t_params, s_params)
        t_opt.step()
        s_opt.step()
    return s_params, t_params, s_opt, t_opt


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_trajectory_matches_torch(name: str, kwargs: dict[str, Any], dtype: str) -> None:
    s_params, t_params, _, _ = _run_both(name, kwargs, dtype)
    _assert_close(s_params, t_params, dtype, f"{name}({kwargs}) [{dtype}]")
    COUNTS["optimizer configurations compared with torch"] += 1


ADAM_CONFIGS = [(n, k) for n, k in CONFIGS if n in ("Adam", "AdamW")]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("name", "kwargs"), ADAM_CONFIGS, ids=[f"{n}-{k}" for n, k in ADAM_CONFIGS])
def test_compiled_adam_matches_the_array_path_bit_for_bit(name: str, kwargs: dict[str, Any], dtype: str) -> None:
    """The numba kernel rounds as the NumPy ufunc sequence does, so both paths give the same bits."""
    pytest.importorskip("numba")
    assert _compiled.kernels("adam") is not None
    runs = []
    for compiled in (True, False):
        with _compiled.use_compiled(compiled):
            s_params, _, s_opt, _ = _run_both(name, kwargs, dtype, steps=12)
        runs.append((s_params, s_opt))
    (fused, fused_opt), (plain, plain_opt) = runs
    for a, b in zip(fused, plain):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    for a, b in zip(fused, plain):
        for key, value in fused_opt.state[a].items():
            np.testing.assert_array_equal(value.numpy(), plain_opt.state[b][key].numpy(), err_msg=key)


def test_adam_stores_subnormal_first_moments_as_zero_without_changing_the_weights() -> None:
    """Moments decaying under a zero gradient reach subnormal floats; first moments become zeros."""
    runs = []
    for compiled in (True, False):
        p = shendu.tensor(np.array([0.5, -0.25, 1.0], dtype=np.float32), requires_grad=True)
        opt = optim.Adam([p], lr=0.01, betas=(0.5, 0.5))
        with _compiled.use_compiled(compiled):
            for step in range(138):
                p.grad = shendu.from_numpy(np.full(3, 0.3 if step < 3 else 0.0, dtype=np.float32))
                opt.step()
        runs.append((p.detach().numpy(), opt.state[p]["exp_avg"].numpy(), opt.state[p]["exp_avg_sq"].numpy()))
    t = torch.tensor([0.5, -0.25, 1.0], requires_grad=True)
    t_opt = torch.optim.Adam([t], lr=0.01, betas=(0.5, 0.5), foreach=False)
    for step in range(138):
        t.grad = torch.full((3,), 0.3 if step < 3 else 0.0)
        t_opt.step()
    tiny = np.finfo(np.float32).tiny
    t_first = t_opt.state[t]["exp_avg"].numpy()
    assert np.all(np.abs(t_first) < tiny) and np.any(t_first != 0)  # PyTorch keeps them subnormal
    for weights, first, second in runs:
        np.testing.assert_array_equal(first, 0)
        # The second moment stays: zeroing it could zero the denominator when eps is 0.
        np.testing.assert_array_equal(second, t_opt.state[t]["exp_avg_sq"].numpy())
        assert np.all(second < tiny) and np.any(second != 0)
        np.testing.assert_array_equal(weights, t.detach().numpy())


def test_adam_keeps_subnormal_moments_where_eps_cannot_bound_their_update() -> None:
    """With eps = 0 and tiny gradients, the update of a tiny moment is not negligible: no flushing."""
    runs = []
    for compiled in (True, False):
        p = shendu.tensor(np.ones(2, dtype=np.float32), requires_grad=True)
        opt = optim.Adam([p], lr=0.1, eps=0.0)
        with _compiled.use_compiled(compiled):
            p.grad = shendu.from_numpy(np.array([1e-19, -1e-19], dtype=np.float32))
            opt.step()
        runs.append(p.detach().numpy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert np.all(np.isfinite(runs[0]))


def test_amsgrad_switched_on_after_steps_starts_its_running_maximum() -> None:
    for compiled in (True, False):
        p = shendu.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
        opt = optim.Adam([p], lr=0.1)
        with _compiled.use_compiled(compiled):
            p.grad = shendu.from_numpy(np.full(3, 0.5, dtype=np.float32))
            opt.step()
            opt.param_groups[0]["amsgrad"] = True
            opt.step()
        assert "max_exp_avg_sq" in opt.state[p]
        np.testing.assert_array_equal(opt.state[p]["max_exp_avg_sq"].numpy(), opt.state[p]["exp_avg_sq"].numpy())


def test_adam_on_a_non_contiguous_parameter_takes_the_array_path() -> None:
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    want = shendu.tensor(base.T.copy(), requires_grad=True)
    got = shendu.from_numpy(base.copy()).t().detach().requires_grad_()
    assert not got._array.flags.c_contiguous
    for p in (want, got):
        p.grad = shendu.from_numpy(np.full((4, 3), 0.5, dtype=np.float32))
        optim.Adam([p], lr=0.1).step()
    np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())


# One configuration per optimizer that fills every kind of state it has.
FULL = {
    "SGD": {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    "Adam": {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01},
    "AdamW": {"lr": 0.05, "amsgrad": True},
    "RMSprop": {"lr": 0.01, "momentum": 0.5, "centered": True},
    "Adagrad": {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1},
    "Adadelta": {"lr": 1.0, "weight_decay": 0.01},
}


@pytest.mark.parametrize("name", list(FULL))
def test_param_groups_with_different_hyperparameters(name: str) -> None:
    for dtype in ("float64", "float32"):
        t_params, s_params = _make_pair(dtype)
        base = FULL[name]
        groups = [{"params": [p]} for p in t_params]
        groups[1]["lr"] = base["lr"] * 3
        t_opt = getattr(torch.optim, name)(groups, **_torch_kwargs(name, base))
        s_groups = [{"params": [s_params[0]]}, {"params": [s_params[1]], "lr": base["lr"] * 3}]
        s_opt = getattr(optim, name)(s_groups, **base)
        assert [g["lr"] for g in s_opt.param_groups] == [g["lr"] for g in t_opt.param_groups]
        for _ in range(STEPS):
            _set_grads(t_params, s_params)
            t_opt.step()
            s_opt.step()
        _assert_close(s_params, t_params, dtype, f"{name} with two groups [{dtype}]")
        COUNTS["optimizer configurations compared with torch"] += 1


def test_add_param_group_later_matches_torch() -> None:
    t_params, s_params = _make_pair("float64")
    t_opt = torch.optim.Adam([t_params[0]], lr=0.05, foreach=False)
    s_opt = optim.Adam([s_params[0]], lr=0.05)
    for step in range(STEPS):
        if step == 10:
            t_opt.add_param_group({"params": t_params[1], "lr": 0.01, "amsgrad": True})
            s_opt.add_param_group({"params": s_params[1], "lr": 0.01, "amsgrad": True})
        _set_grads(t_params, s_params)
        t_opt.step()
        s_opt.step()
    assert s_opt.param_groups[1]["betas"] == (0.9, 0.999)
    _assert_close(s_params, t_params, "float64", "Adam with a group added at step 10")
    COUNTS["optimizer configurations compared with torch"] += 1


@pytest.mark.parametrize("name", list(FULL))
def test_state_dict_has_torch_layout(name: str) -> None:
    _, _, s_opt, t_opt = _run_both(name, FULL[name], "float32", steps=3)
    s_sd, t_sd = s_opt.state_dict(), t_opt.state_dict()
    assert sorted(s_sd) == sorted(t_sd) == ["param_groups", "state"]
    assert sorted(s_sd["state"]) == sorted(t_sd["state"]) == [0, 1]
    for index, t_state in t_sd["state"].items():
        s_state = s_sd["state"][index]
        assert sorted(s_state) == sorted(t_state)
        for key, t_value in t_state.items():
            s_value = s_state[key]
            assert isinstance(s_value, shendu.Tensor)
            assert s_value.shape == tuple(t_value.shape), key
            assert str(s_value.dtype).split(".")[-1] == str(t_value.dtype).split(".")[-1], key
    for s_group, t_group in zip(s_sd["param_groups"], t_sd["param_groups"]):
        assert s_group["params"] == t_group["params"]
        assert set(s_group) <= set(t_group), set(s_group) - set(t_group)
        for key in set(s_group) - {"foreach"}:
            assert s_group[key] == t_group[key], key


@pytest.mark.parametrize("name", list(FULL))
def test_resume_from_state_dict_is_bit_identical(name: str) -> None:
    _, uninterrupted = _make_pair("float32")
    opt = getattr(optim, name)(uninterrupted, **FULL[name])
    _, first = _make_pair("float32")
    first_opt = getattr(optim, name)(first, **FULL[name])
    for step in range(STEPS):
        for params, o in ((uninterrupted, opt), (first, first_opt)) if step < 15 else ((uninterrupted, opt),):
            for p in params:
                p.grad = shendu.from_numpy(gradient_field(p.detach().numpy()))
            o.step()
        if step == 14:
            checkpoint = copy.deepcopy(first_opt.state_dict())
            weights = [p.detach().numpy().copy() for p in first]
    # A fresh optimizer with other hyperparameters: loading must restore the saved ones.
    resumed = [shendu.tensor(w, requires_grad=True) for w in weights]
    resumed_opt = getattr(optim, name)(resumed, lr=123.0)
    resumed_opt.load_state_dict(checkpoint)
    assert resumed_opt.param_groups[0]["lr"] == FULL[name]["lr"]
    for _ in range(STEPS - 15):
        for p in resumed:
            p.grad = shendu.from_numpy(gradient_field(p.detach().numpy()))
        resumed_opt.step()
    for a, b in zip(resumed, uninterrupted):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    for a, b in zip(resumed, uninterrupted):
        for key, value in opt.state[b].items():
            np.testing.assert_array_equal(resumed_opt.state[a][key].numpy(), value.numpy(), err_msg=key)


@pytest.mark.parametrize("name", list(FULL))
def test_load_torch_state_dict_and_continue(name: str) -> None:
    t_params, _ = _make_pair("float64")
    t_opt = getattr(torch.optim, name)(t_params, **_torch_kwargs(name, FULL[name]))
    for _ in range(15):
        for t in t_params:
            t.grad = torch.from_numpy(gradient_field(t.detach().numpy()))
        t_opt.step()
    t_sd = t_opt.state_dict()
    converted = {
        "state": {
            i: {k: shendu.from_numpy(v.detach().numpy().copy()) for k, v in s.items()} for i, s in t_sd["state"].items()
        },
        "param_groups": t_sd["param_groups"],
    }
    s_params = [shendu.tensor(t.detach().numpy().copy(), requires_grad=True) for t in t_params]
    s_opt = getattr(optim, name)(s_params)
    s_opt.load_state_dict(converted)
    for _ in range(15):
        _set_grads(t_params, s_params)
        t_opt.step()
        s_opt.step()
    _assert_close(s_params, t_params, "float64", f"{name} resumed from torch's state dict")
    COUNTS["optimizer configurations compared with torch"] += 1


def test_load_state_dict_copies_and_casts() -> None:
    p64 = shendu.tensor(INITIAL[0], requires_grad=True)
    opt = optim.Adam([p64], lr=0.1)
    p64.grad = shendu.from_numpy(gradient_field(INITIAL[0]))
    opt.step()
    sd = opt.state_dict()
    p32 = shendu.tensor(INITIAL[0].astype(np.float32), requires_grad=True)
    other = optim.Adam([p32])
    other.load_state_dict(sd)
    state = other.state[p32]
    assert state["exp_avg"].dtype == shendu.float32
    assert state["step"].dtype == shendu.float32
    assert not np.shares_memory(state["exp_avg"].numpy(), opt.state[p64]["exp_avg"].numpy())


@pytest.mark.parametrize("name", list(FULL))
def test_step_allocates_no_arrays(name: str) -> None:
    big = shendu.tensor(np.linspace(-1.0, 1.0, 200_000, dtype=np.float32).reshape(400, 500), requires_grad=True)
    small = shendu.tensor(np.ones(7, dtype=np.float32), requires_grad=True)
    opt = getattr(optim, name)([big, small], **FULL[name])
    for p in (big, small):
        p.grad = shendu.from_numpy(np.full(p.shape, 0.25, dtype=np.float32))
    opt.step()
    opt.step()
    data_before = [(p._array, p._array.ctypes.data) for p in (big, small)]
    state_before = {
        (id(p), key): (value._array, value._array.ctypes.data)
        for p in (big, small)
        for key, value in opt.state[p].items()
        if key != "step"
    }
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A temporary of the big parameter's size would be 800 kB; only small Python objects are allowed.
    assert peak < 50_000, f"{name}.step allocated {peak} bytes"
    for p, (array, address) in zip((big, small), data_before):
        assert p._array is array
        assert p._array.ctypes.data == address
    for p in (big, small):
        for key, value in opt.state[p].items():
            if key == "step":
                continue
            array, address = state_before[(id(p), key)]
            assert value._array is array, key
            assert np.shares_memory(value._array, array)
            assert value._array.ctypes.data == address


def test_zero_grad_semantics() -> None:
    a = shendu.tensor([1.0, 2.0], requires_grad=True)
    b = shendu.tensor([3.0], requires_grad=True)
    opt = optim.SGD([a, b], lr=0.1)
    a.grad = shendu.tensor([0.5, 0.5])
    grad = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.0])
    assert b.grad is None
    opt.zero_grad()
    assert a.grad is None


def test_step_skips_parameters_without_grad_and_frozen_ones() -> None:
    a = shendu.tensor([1.0, 2.0], requires_grad=True)
    frozen = shendu.tensor([5.0])
    opt = optim.Adam([a, frozen], lr=0.1)
    opt.step()
    np.testing.assert_array_equal(a.detach().numpy(), [1.0, 2.0])
    assert len(opt.state) == 0
    a.grad = shendu.tensor([1.0, 1.0])
    opt.step()
    np.testing.assert_array_equal(frozen.numpy(), [5.0])
    assert frozen not in opt.state


def test_step_with_closure_returns_the_loss() -> None:
    a = shendu.tensor([1.0, -2.0], requires_grad=True)
    opt = optim.SGD([a], lr=0.5)

    def closure() -> float:
        opt.zero_grad()
        assert shendu.is_grad_enabled()
        a.grad = a.detach() * 2.0
        return 7.0

    with shendu.no_grad():
        assert opt.step(closure) == 7.0
    np.testing.assert_array_equal(a.detach().numpy(), [0.0, 0.0])


def test_step_bumps_the_version_so_stale_graphs_are_caught() -> None:
    a = shendu.tensor([1.0, 2.0], requires_grad=True)
    y = a * a
    opt = optim.SGD([a], lr=0.1)
    a.grad = shendu.tensor([1.0, 1.0])
    opt.step()
    with pytest.raises(GraphError):
        y.backward(shendu.ones(2))


def test_weight_decay_shrinks_weights_even_when_maximizing() -> None:
    # With a zero gradient only weight decay acts; maximize negates the gradient before the decay
    # is added, so the decay still pulls the weights towards zero.
    for maximize in (False, True):
        a = shendu.tensor([2.0, -4.0], requires_grad=True)
        t = torch.tensor([2.0, -4.0], requires_grad=True)
        opt = optim.SGD([a], lr=0.1, weight_decay=0.5, maximize=maximize)
        t_opt = torch.optim.SGD([t], lr=0.1, weight_decay=0.5, maximize=maximize)
        a.grad, t.grad = shendu.zeros(2), torch.zeros(2)
        opt.step()
        t_opt.step()
        np.testing.assert_allclose(a.detach().numpy(), [1.9, -3.8])
        np.testing.assert_array_equal(a.detach().numpy(), t.detach().numpy())


def test_repr_lists_each_group() -> None:
    opt = optim.SGD([shendu.zeros(1, requires_grad=True)], lr=0.1)
    text = repr(opt)
    assert text.startswith("SGD (\nParameter Group 0\n")
    assert "    lr: 0.1" in text


def test_pickling_keeps_state() -> None:
    import pickle

    a = shendu.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adam([a], lr=0.1)
    a.grad = shendu.tensor([1.0, 1.0])
    opt.step()
    restored = pickle.loads(pickle.dumps(opt))
    assert restored.param_groups[0]["lr"] == 0.1
    (p,) = restored.param_groups[0]["params"]
    p.grad = shendu.tensor([1.0, 1.0])
    restored.step()
    assert float(restored.state[p]["step"]) == 2.0


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda p: optim.SGD(p, lr=-0.1), r"SGD: invalid learning rate: -0\.1; lr must be >= 0"),
        (lambda p: optim.SGD(p, lr=math.nan), r"SGD: invalid learning rate: nan"),
        (lambda p: optim.SGD(p, momentum=-1), r"SGD: invalid momentum value: -1; momentum must be >= 0"),
        (lambda p: optim.SGD(p, weight_decay=-1e-4), r"SGD: invalid weight_decay value: -0\.0001"),
        (lambda p: optim.SGD(p, nesterov=True), r"SGD: Nesterov momentum requires a momentum > 0 .*momentum=0 "),
        (
            lambda p: optim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True),
            r"zero dampening, got momentum=0\.9 and dampening=0\.1",
        ),
        (lambda p: optim.Adam(p, lr=-1), r"Adam: invalid learning rate: -1"),
        (
            lambda p: optim.Adam(p, betas=(1.5, 0.9)),
            r"Adam: invalid beta parameter at index 0: 1\.5; betas must be in \[0, 1\)",
        ),
        (lambda p: optim.Adam(p, betas=(0.9, 1.0)), r"Adam: invalid beta parameter at index 1: 1\.0"),
        (lambda p: optim.Adam(p, betas=(-0.1, 0.9)), r"index 0: -0\.1"),
        (lambda p: optim.Adam(p, betas=(0.9,)), r"Adam: betas must be a pair \(beta1, beta2\), got \(0\.9,\)"),
        (lambda p: optim.Adam(p, eps=-1e-8), r"Adam: invalid epsilon value: -1e-08; eps must be >= 0"),
        (lambda p: optim.Adam(p, weight_decay=-0.1), r"Adam: invalid weight_decay value: -0\.1"),
        (lambda p: optim.AdamW(p, betas=(0.9, 2.0)), r"AdamW: invalid beta parameter at index 1: 2\.0"),
        (lambda p: optim.AdamW(p, weight_decay=-0.01), r"AdamW: invalid weight_decay value: -0\.01"),
        (lambda p: optim.RMSprop(p, alpha=-0.5), r"RMSprop: invalid alpha value: -0\.5; alpha must be >= 0"),
        (lambda p: optim.RMSprop(p, momentum=-0.5), r"RMSprop: invalid momentum value: -0\.5"),
        (lambda p: optim.RMSprop(p, eps=-1.0), r"RMSprop: invalid epsilon value: -1\.0"),
        (lambda p: optim.RMSprop(p, lr=-1.0), r"RMSprop: invalid learning rate: -1\.0"),
        (lambda p: optim.RMSprop(p, weight_decay=-1.0), r"RMSprop: invalid weight_decay value: -1\.0"),
        (lambda p: optim.Adagrad(p, lr_decay=-0.1), r"Adagrad: invalid lr_decay value: -0\.1"),
        (
            lambda p: optim.Adagrad(p, initial_accumulator_value=-1),
            r"Adagrad: invalid initial_accumulator_value value: -1; initial_accumulator_value must be >= 0",
        ),
        (lambda p: optim.Adagrad(p, eps=-1.0), r"Adagrad: invalid epsilon value"),
        (lambda p: optim.Adagrad(p, lr=-1.0), r"Adagrad: invalid learning rate"),
        (lambda p: optim.Adagrad(p, weight_decay=-1.0), r"Adagrad: invalid weight_decay value"),
        (lambda p: optim.Adadelta(p, rho=1.5), r"Adadelta: invalid rho value: 1\.5; rho must be in \[0, 1\]"),
        (lambda p: optim.Adadelta(p, eps=-1.0), r"Adadelta: invalid epsilon value"),
        (lambda p: optim.Adadelta(p, lr=-1.0), r"Adadelta: invalid learning rate"),
        (lambda p: optim.Adadelta(p, weight_decay=-1.0), r"Adadelta: invalid weight_decay value"),
        (lambda p: optim.SGD([{"params": p, "lr": -2.0}], lr=0.1), r"SGD: invalid learning rate: -2\.0"),
        (lambda p: optim.SGD(p, lr=0.1).add_param_group({"params": [], "momentum": -1}), r"invalid momentum"),
        (lambda p: optim.SGD([], lr=0.1), r"SGD: got an empty parameter list"),
        (lambda p: optim.SGD([{"lr": 0.1}]), r"SGD: a parameter group must have a 'params' entry, got keys \['lr'\]"),
        (
            lambda p: optim.SGD([{"params": p}, {"params": p}]),
            r"SGD: some parameters of group 1 already appear in another parameter group",
        ),
        (
            lambda p: optim.SGD([(p[0] * 2.0)]),
            r"SGD: can't optimize a non-leaf tensor \(parameter 0 of group 0 was computed by MulScalarBackward\)",
        ),
    ],
)
def test_constructor_errors(make: Any, match: str) -> None:
    params = [shendu.zeros(2, requires_grad=True)]
    with pytest.raises(ValueError, match=match):
        make(params)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda: optim.SGD(shendu.zeros(2, requires_grad=True)),
            TypeError,
            r"SGD: params must be an iterable .*a single Tensor",
        ),
        (
            lambda: optim.SGD([shendu.zeros(2), 3.0]),
            TypeError,
            r"SGD: can only optimize Tensors, but parameter 1 of group 0 is a float",
        ),
        (lambda: optim.Adam(5), TypeError, r"Adam: params must be an iterable of tensors or of dicts, got int"),
        (lambda: optim.SGD({shendu.zeros(2)}), TypeError, r"SGD: parameters must be given in an ordered collection"),
        (
            lambda: optim.SGD([shendu.tensor([1, 2])]),
            DtypeError,
            r"SGD: can only optimize floating-point tensors, .* dtype shendu.int64",
        ),
        (lambda: optim.SGD([shendu.zeros(2)], lr="0.1"), TypeError, r"SGD: lr must be a real number, got str '0.1'"),
        (
            lambda: optim.SGD([shendu.zeros(2)]).add_param_group([1]),
            TypeError,
            r"SGD: a parameter group must be a dict, got list",
        ),
    ],
)
def test_constructor_type_errors(make: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        make()


def test_duplicate_parameter_in_one_group_warns() -> None:
    p = shendu.zeros(2, requires_grad=True)
    with pytest.warns(UserWarning, match="SGD: parameter group 0 contains the same parameter more than once"):
        optim.SGD([p, p], lr=0.1)


def test_mismatched_gradients_are_reported() -> None:
    # Assigning a gradient that does not fit is refused at once; changing the parameter's data under a
    # gradient is how a mismatch can still reach the optimizer.
    p = shendu.zeros(3, requires_grad=True)
    opt = optim.Adam([p])
    p.grad = shendu.zeros(3)
    p.data = shendu.zeros(2, 3)
    with pytest.raises(
        ShapeError,
        match=r"Adam: the gradient of parameter 0 in group 0 has shape \(3,\) but the parameter has shape \(2, 3\)",
    ):
        opt.step()
    p.data = shendu.zeros(2, 3, dtype=shendu.float64)
    p.grad = shendu.zeros(2, 3, dtype=shendu.float64)
    p.data = shendu.zeros(2, 3)
    with pytest.raises(
        DtypeError,
        match=r"Adam: the gradient of parameter 0 in group 0 has dtype shendu.float64 but the parameter has dtype",
    ):
        opt.step()
    assert issubclass(DeviceError, RuntimeError)


def test_load_state_dict_errors() -> None:
    a, b = shendu.zeros(2, requires_grad=True), shendu.zeros(2, requires_grad=True)
    opt = optim.SGD([a, b], lr=0.1)
    two_groups = optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).state_dict()
    with pytest.raises(
        ValueError, match=r"SGD.load_state_dict: the state dict has 2 parameter groups but the optimizer has 1"
    ):
        opt.load_state_dict(two_groups)
    one_param = optim.SGD([a], lr=0.1).state_dict()
    with pytest.raises(
        ValueError, match=r"parameter group 0 of the state dict has 1 parameters but the optimizer's group 0 has 2"
    ):
        opt.load_state_dict(one_param)
    with pytest.raises(
        ValueError,
        match=r"SGD.load_state_dict: expected a dict with 'state' and 'param_groups' entries, got \['state'\]",
    ):
        opt.load_state_dict({"state": {}})


def test_load_state_dict_refuses_corrupt_moments_before_the_first_step() -> None:
    w = shendu.nn.Parameter(shendu.zeros(3, 2))
    opt = optim.Adam([w], lr=0.1)
    w.grad = shendu.ones(3, 2)
    opt.step()
    good = opt.state_dict()
    bad_shape = copy.deepcopy(good)
    bad_shape["state"][0]["exp_avg"] = shendu.zeros(2)
    with pytest.raises(
        ValueError, match=r"Adam.load_state_dict: the state of parameter 0: 'exp_avg' has shape \(2,\) but the"
    ):
        opt.load_state_dict(bad_shape)
    bad_type = copy.deepcopy(good)
    bad_type["state"][0]["exp_avg_sq"] = "zeros"
    with pytest.raises(ValueError, match=r"'exp_avg_sq' is a str; expected a tensor or a number"):
        opt.load_state_dict(bad_type)
    with pytest.raises(ValueError, match=r"the state of parameter 0 must be a dict, got list"):
        opt.load_state_dict({**good, "state": {0: [1]}})
    opt.step()  # the failed loads left the optimizer as it was
    assert opt.state[w]["step"].item() == 2


def test_full_batch_gradient_descent_is_documented() -> None:
    assert "full-batch gradient descent is SGD" in optim.SGD.__doc__.replace("\n    ", " ")


def _tiny_model_loss(m: Any, params: list[Any], x: Any, target: Any) -> Any:
    """Mean squared error of a one-hidden-layer network, built from arithmetic and reductions only.

    ``x`` has shape (N, D, 1), so ``(x * W).sum(1)`` is ``x @ W``; ``z / sqrt(1 + z^2)`` is a
    smooth squashing nonlinearity like tanh.
    """
    w, b, v, c = params
    z = (x * w).sum(dim=1) + b
    h = z / (1 + z * z) ** 0.5
    y = (h * v).sum(dim=1) + c
    return ((y - target) ** 2).mean()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(FULL))
def test_end_to_end_with_autograd_gradients(name: str, dtype: str) -> None:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((8, 4, 1)).astype(dtype)
    target = rng.standard_normal(8).astype(dtype)
    initial = [rng.standard_normal(s).astype(dtype) * 0.5 for s in [(4, 5), (5,), (5,)]] + [np.asarray(0.1, dtype)]
    t_params = [torch.tensor(a.copy(), requires_grad=True) for a in initial]
    s_params = [shendu.tensor(a.copy(), requires_grad=True) for a in initial]
    t_opt = getattr(torch.optim, name)(t_params, **_torch_kwargs(name, FULL[name]))
    s_opt = getattr(optim, name)(s_params, **FULL[name])
    t_x, t_target = torch.from_numpy(x), torch.from_numpy(target)
    s_x, s_target = shendu.from_numpy(x.copy()), shendu.from_numpy(target.copy())
    for _ in range(STEPS):
        t_opt.zero_grad()
        s_opt.zero_grad()
        t_loss = _tiny_model_loss(torch, t_params, t_x, t_target)
        s_loss = _tiny_model_loss(shendu, s_params, s_x, s_target)
        t_loss.backward()
        s_loss.backward()
        t_opt.step()
        s_opt.step()
    np.testing.assert_allclose(s_loss.item(), t_loss.item(), rtol=TOLERANCE[dtype] * 10)
    _assert_close(s_params, t_params, dtype, f"{name} on a tiny network [{dtype}]")
    COUNTS["optimizer configurations compared with torch"] += 1


def test_checkpoint_through_shendu_save(tmp_path: Any) -> None:
    p = shendu.tensor(INITIAL[0], requires_grad=True)
    opt = optim.Adam([p], lr=0.05, amsgrad=True)
    for _ in range(3):
        p.grad = shendu.from_numpy(gradient_field(p.detach().numpy()))
        opt.step()
    shendu.save({"optimizer": opt.state_dict(), "weights": p.detach()}, tmp_path / "opt.ckpt")
    saved = shendu.load(tmp_path / "opt.ckpt")
    q = shendu.tensor(saved["weights"].numpy().copy(), requires_grad=True)
    resumed = optim.Adam([q])
    resumed.load_state_dict(saved["optimizer"])
    assert resumed.state[q]["step"].shape == ()
    for params, o in ((p, opt), (q, resumed)):
        params.grad = shendu.from_numpy(gradient_field(params.detach().numpy()))
        o.step()
    np.testing.assert_array_equal(q.detach().numpy(), p.detach().numpy())


def test_custom_optimizer_subclass() -> None:
    class SignDescent(optim.Optimizer):
        def __init__(self, params: Any, lr: float = 0.1) -> None:
            super().__init__(params, {"lr": lr})

        def step(self) -> None:
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.data -= group["lr"] * p.grad.sign()

    a = shendu.tensor([1.0, -1.0], requires_grad=True)
    opt = SignDescent([a])
    a.grad = shendu.tensor([3.0, -0.5])
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), [0.9, -0.9])
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the scheduler sees that the custom step ran
        opt.step()
        scheduler.step()
    assert scheduler.get_last_lr() == [0.05]
