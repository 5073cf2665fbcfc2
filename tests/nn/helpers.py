"""Compare a shendu layer with PyTorch's: one line per case.

``check_module(torch_module, shendu_module, *inputs)`` copies the torch module's weights into the
shendu module through ``load_state_dict`` (as NumPy arrays, the way a user ports a checkpoint),
runs both on the same inputs, and compares the outputs, the gradient of every input and of every
parameter, and (after training steps) every buffer, in float64 and float32.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import shendu
from tests.helpers import COUNTS, TEST_DEVICE, _as_numpy, _flatten, _in_hypothesis, backward_both, on_test_device

TORCH_FLOATS = {"float64": torch.float64, "float32": torch.float32}


def _close(name: str, got: Any, want: Any, rtol: float, atol: float) -> None:
    got_a, want_a = _as_numpy(got), _as_numpy(want)
    assert got_a.shape == want_a.shape, f"{name}: shape {got_a.shape} != torch's {want_a.shape}"
    assert got_a.dtype == want_a.dtype, f"{name}: dtype {got_a.dtype} != torch's {want_a.dtype}"
    if want_a.dtype.kind in "biu":
        np.testing.assert_array_equal(got_a, want_a, err_msg=name)
    else:
        np.testing.assert_allclose(got_a, want_a, rtol=rtol, atol=atol, equal_nan=True, err_msg=name)


def _tolerance(given: float | dict[str, float] | None, dtype: str, default: float) -> float:
    if isinstance(given, dict):
        return given.get(dtype, default)
    return default if given is None else given


def _make(spec: Any, dtype: str, rng: np.random.Generator, low: float | None, high: float | None) -> tuple[Any, bool]:
    """(array, requires_grad): shapes become random float inputs that take gradients; arrays are fixed data."""
    if isinstance(spec, tuple):
        values = rng.standard_normal(spec) if low is None else rng.uniform(low, high, size=spec)
        return values.astype(dtype), True
    if isinstance(spec, np.ndarray) and spec.dtype.kind == "f":
        return spec.astype(dtype), False
    return spec, False


def _to(lib: Any, value: Any, requires_grad: bool) -> Any:
    if not isinstance(value, np.ndarray):
        return value
    t = torch.from_numpy(value.copy()) if lib is torch else on_test_device(value.copy())
    if requires_grad:
        t.requires_grad_(True)
    return t


def check_module(
    torch_module: torch.nn.Module | Callable[[], torch.nn.Module],
    shendu_module: shendu.nn.Module | Callable[[], shendu.nn.Module],
    *inputs: Any,
    train: bool = False,
    steps: int = 1,
    dtypes: tuple[str, ...] = ("float64", "float32"),
    rtol: float | dict[str, float] | None = None,
    atol: float | dict[str, float] | None = None,
    low: float | None = None,
    high: float | None = None,
    grad: bool = True,
    seed: int = 0,
) -> None:
    """Run the same inputs through ``torch_module`` and ``shendu_module`` and compare everything.

    Args:
        torch_module: the reference, or a factory that makes it; its weights are copied into the
            shendu module.
        shendu_module: the module to test, or a factory that makes it.
        inputs: shapes (random inputs that take gradients) or NumPy arrays (fixed data, such as
            targets; float arrays are cast to the dtype under test).
        train: run both in training mode (else eval mode). Default: False.
        steps: forward/backward passes, each on new inputs; buffers are compared after each
            (BatchNorm's running statistics). Default: 1.
        dtypes: the float dtypes to run in. Default: float64 then float32.
        rtol, atol: override the tolerances (say why in a comment), for every dtype or as a dict by
            dtype name (``{"float32": 1e-5}``). Default: 1e-10 in float64, rtol 1e-5 / atol 1e-6 in float32.
        low, high: draw shape inputs uniformly from [low, high) instead of a normal distribution.
        grad: compare gradients. Default: True.
        seed: the seed of the inputs. Default: 0.
    """
    for dtype in dtypes:
        t_mod = copy.deepcopy(torch_module) if isinstance(torch_module, torch.nn.Module) else torch_module()
        t_mod.to(TORCH_FLOATS[dtype])
        if isinstance(shendu_module, shendu.nn.Module):
            s_mod = copy.deepcopy(shendu_module)
        else:
            s_mod = shendu_module()
        s_mod.to(getattr(shendu, dtype))
        s_mod.load_state_dict({k: v.detach().numpy() for k, v in t_mod.state_dict().items()})
        s_mod.to(TEST_DEVICE)
        t_mod.train(train)
        s_mod.train(train)
        tol_r = _tolerance(rtol, dtype, 1e-10 if dtype == "float64" else 1e-5)
        tol_a = _tolerance(atol, dtype, 1e-10 if dtype == "float64" else 1e-6)
        for step in range(steps):
            rng = np.random.default_rng(seed + step)
            made = [_make(spec, dtype, rng, low, high) for spec in inputs]
            t_in = [_to(torch, a, g and grad) for a, g in made]
            s_in = [_to(shendu, a, g and grad) for a, g in made]
            with shendu.device(TEST_DEVICE):
                t_out, s_out = _flatten(t_mod(*t_in)), _flatten(s_mod(*s_in))
            assert len(t_out) == len(s_out), f"torch returned {len(t_out)} outputs, shendu {len(s_out)}"
            where = f"[{dtype}, step {step}]"
            for i, (t, s) in enumerate(zip(t_out, s_out)):
                _close(f"{where} output {i}", s, t, tol_r, tol_a)
            if grad:
                pairs = [(t, s) for t, s in zip(t_out, s_out) if t.requires_grad]
                if pairs:
                    backward_both(pairs, rng, dtype)
                for i, (t, s) in enumerate(zip(t_in, s_in)):
                    if isinstance(t, torch.Tensor) and t.requires_grad:
                        assert (s.grad is None) == (t.grad is None), f"{where} grad of input {i}: presence differs"
                        if t.grad is not None:
                            _close(f"{where} grad of input {i}", s.grad, t.grad, tol_r, tol_a)
                s_params = dict(s_mod.named_parameters())
                for name, t_param in t_mod.named_parameters():
                    s_param = s_params[name]
                    if t_param.grad is None:
                        assert s_param.grad is None or not np.any(_as_numpy(s_param.grad)), f"{where} {name}: grad"
                        continue
                    assert s_param.grad is not None, f"{where} {name}: shendu computed no gradient"
                    _close(f"{where} grad of {name}", s_param.grad, t_param.grad, tol_r, tol_a)
                t_mod.zero_grad()
                s_mod.zero_grad()
            s_buffers = dict(s_mod.named_buffers())
            for name, t_buffer in t_mod.named_buffers():
                _close(f"{where} buffer {name}", s_buffers[name], t_buffer, tol_r, tol_a)
    COUNTS["hypothesis layer cases compared with torch" if _in_hypothesis() else "layer cases compared with torch"] += 1
