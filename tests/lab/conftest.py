"""The lab's quick-mode results, computed once per test session and shared by every lab test."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shendu import lab

_RESULTS: dict[int, lab.Result] = {}


@pytest.fixture(scope="session")
def quick() -> Callable[[int], lab.Result]:
    """``quick(n)``: question ``n`` run in quick mode at seed 0 (run on first use, then reused)."""

    def result(number: int) -> lab.Result:
        if number not in _RESULTS:
            _RESULTS[number] = lab.run(number, seed=0, quick=True)
        return _RESULTS[number]

    return result
