from __future__ import annotations

from typing import Any

import pytest
from hypothesis import settings

import shendu
from tests.helpers import COUNTS, FIGURES, TEST_DEVICE

if TEST_DEVICE != "cpu":
    # The first call of each GPU kernel compiles it, far past hypothesis's 200 ms default deadline.
    settings.register_profile("device", deadline=None)
    settings.load_profile("device")


@pytest.fixture(autouse=True)
def _seed() -> None:
    shendu.manual_seed(0)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if COUNTS or FIGURES:
        terminalreporter.write_sep("-", "shendu test counts")
        for name, count in sorted(COUNTS.items()):
            terminalreporter.write_line(f"{name}: {count}")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value}")
