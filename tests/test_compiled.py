from __future__ import annotations

import os
import subprocess
import sys

import pytest

import shendu
from shendu import _compiled


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
