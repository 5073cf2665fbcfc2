from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import shendu
from shendu import _compiled
from shendu.ops.rnn import lstm_layer


def test_kernels_load_when_numba_is_installed() -> None:
    pytest.importorskip("numba")
    module = _compiled.kernels("adam")
    assert module is not None
    assert _compiled.kernels("adam") is module


def test_use_compiled_false_turns_kernels_off_inside_the_block() -> None:
    with _compiled.use_compiled(False):
        assert _compiled.kernels("adam") is None
    pytest.importorskip("numba")
    assert _compiled.kernels("adam") is not None


@pytest.mark.parametrize(
    ("setup", "env"),
    [
        ("import sys; sys.modules['numba'] = None", {}),
        ("", {"SHENDU_NUMBA": "0"}),
    ],
    ids=["numba-missing", "SHENDU_NUMBA=0"],
)
def test_without_numba_the_kernels_are_none_and_adam_still_steps(setup: str, env: dict[str, str]) -> None:
    code = (
        f"{setup}\n"
        "import numpy as np, shendu\n"
        "from shendu import _compiled\n"
        "assert _compiled.kernels('adam') is None\n"
        "p = shendu.ones(3, requires_grad=True)\n"
        "p.grad = shendu.ones(3)\n"
        "shendu.optim.Adam([p], lr=0.1).step()\n"
        "print(p.detach().numpy().tolist())\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **env}, check=False
    )
    assert done.returncode == 0, done.stderr
    p = shendu.ones(3, requires_grad=True)
    p.grad = shendu.ones(3)
    shendu.optim.Adam([p], lr=0.1).step()
    assert done.stdout.strip() == str(p.detach().numpy().tolist())


def _run(compiled: bool, fn: Any, *arrays: np.ndarray) -> list[np.ndarray]:
    """``fn``'s output and the gradients of ``arrays`` for a fixed random upstream gradient."""
    with _compiled.use_compiled(compiled):
        inputs = [shendu.tensor(a, requires_grad=True) for a in arrays]
        out = fn(*inputs)
        upstream = np.random.default_rng(1).standard_normal(out.shape).astype(out.detach().numpy().dtype)
        out.backward(shendu.from_numpy(upstream))
    return [out.detach().numpy(), *(t.grad.numpy() for t in inputs)]


def _lstm(x: Any, h0: Any, c0: Any, w_ih: Any, w_hh: Any, b: Any) -> Any:
    out, _, _ = lstm_layer(x, (h0, c0), w_ih, w_hh, b, b, batch_first=True)
    return out


RNG = np.random.default_rng(0)
BIT_FOR_BIT = {
    "relu": (shendu.relu, RNG.standard_normal((4, 5, 6)).astype(np.float32)),
    "max_pool2d 2x2": (lambda x: shendu.nn.functional.max_pool2d(x, 2), np.round(RNG.random((3, 2, 8, 6)), 1)),
    "lstm": (
        _lstm,
        *(
            RNG.standard_normal(shape).astype(np.float32) * 0.5
            for shape in [(3, 6, 4), (3, 5), (3, 5), (20, 4), (20, 5), (20,)]
        ),
    ),
}


# Not here: batch norm (its compiled sums run in float64) and max pooling with overlapping
# windows (an input's gradients from several windows add in another order).
@pytest.mark.parametrize("name", list(BIT_FOR_BIT))
def test_compiled_kernels_give_the_numpy_paths_bits(name: str) -> None:
    pytest.importorskip("numba")
    fn, *arrays = BIT_FOR_BIT[name]
    for got, want in zip(_run(True, fn, *arrays), _run(False, fn, *arrays)):
        np.testing.assert_array_equal(got, want)


def test_half_precision_takes_the_numpy_paths() -> None:
    model = shendu.nn.Sequential(shendu.nn.Linear(4, 8), shendu.nn.ReLU(), shendu.nn.Linear(8, 2)).half()
    out = model(shendu.randn(3, 4).half())
    out.backward(shendu.ones(3, 2, dtype=shendu.float16))
    assert model[0].weight.grad.dtype == shendu.float16


def test_batch_norm_backward_after_the_kernels_are_turned_off() -> None:
    x = shendu.randn(4, 3, 5, requires_grad=True)
    y = shendu.nn.functional.batch_norm(x, None, None, training=True)
    with _compiled.use_compiled(False):
        y.sum().backward()
    assert x.grad is not None and np.all(np.isfinite(x.grad.numpy()))
