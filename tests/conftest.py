from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

import shendu
from shendu import _compiled
from tests.helpers import COUNTS, FIGURES

# The same examples on every run: a CI failure reproduces, and no run fails on a rare draw alone.
# No deadline: hypothesis's 200 ms per example is a timing assertion, which a busy machine (or a GPU
# kernel's first, compiling call) fails on correct code.
settings.register_profile("shendu", derandomize=True, deadline=None)
settings.load_profile("shendu")


@pytest.fixture(autouse=True)
def _seed() -> None:
    shendu.manual_seed(0)


@pytest.fixture(scope="module", params=["compiled", "numpy"])
def kernel_path(request: pytest.FixtureRequest) -> Any:
    """Runs a module's tests twice: with the compiled kernels (when numba is installed) and with NumPy's path."""
    with _compiled.use_compiled(request.param == "compiled"):
        yield request.param


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Collect only test files under tests/: --doctest-modules (set for shendu/'s docstrings) would
    otherwise import every module here, and some are programs that run when imported."""
    if collection_path.suffix == ".py" and not collection_path.name.startswith(("test_", "conftest")):
        return True
    return None


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int) -> None:
    # The counts describe a passing run; after a failure they would claim checks that did not hold.
    if exitstatus == 0 and (COUNTS or FIGURES):
        terminalreporter.write_sep("-", "shendu test counts")
        for name, count in sorted(COUNTS.items()):
            terminalreporter.write_line(f"{name}: {count}")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value}")
