from __future__ import annotations

from typing import Any

import pytest
from hypothesis import settings

import shendu
from shendu import _compiled
from tests.helpers import COUNTS, FIGURES, TEST_DEVICE

# The same examples on every run: a CI failure reproduces, and no run fails on a rare draw alone.
settings.register_profile("shendu", derandomize=True)
# The first call of each GPU kernel compiles it, far past hypothesis's 200 ms default deadline.
settings.register_profile("device", derandomize=True, deadline=None)
settings.load_profile("shendu" if TEST_DEVICE == "cpu" else "device")


@pytest.fixture(autouse=True)
def _seed() -> None:
    shendu.manual_seed(0)


@pytest.fixture(scope="module", params=["compiled", "numpy"])
def kernel_path(request: pytest.FixtureRequest) -> Any:
    """Runs a module's tests twice: with the compiled kernels (when numba is installed) and with NumPy's path."""
    with _compiled.use_compiled(request.param == "compiled"):
        yield request.param


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int) -> None:
    # The counts describe a passing run; after a failure they would claim checks that did not hold.
    if exitstatus == 0 and (COUNTS or FIGURES):
        terminalreporter.write_sep("-", "shendu test counts")
        for name, count in sorted(COUNTS.items()):
            terminalreporter.write_line(f"{name}: {count}")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value}")
