from __future__ import annotations

from typing import Any

import pytest

import shendu
from tests.helpers import COUNTS, FIGURES


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
