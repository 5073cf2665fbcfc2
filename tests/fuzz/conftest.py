"""The fuzz tests' fixtures: a cap on the address space while they run, and global state put back."""

from __future__ import annotations

import resource
from typing import Any

import pytest
import torch

import shendu
from tests.fuzz.harness import (
    FUZZ_MEMORY,
    WARNED,
)
from tests.helpers import COUNTS


def _address_space() -> int:
    """This process's virtual memory size in bytes (0 where /proc is not available)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * resource.getpagesize()
    except OSError:
        return 0


@pytest.fixture(autouse=True, scope="module")
def _report_count() -> Any:
    # A hostile input must fail with MemoryError, never drive the machine out of memory (a CI runner
    # would kill the whole test run): cap the address space at what is in use plus FUZZ_MEMORY.
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    in_use = _address_space()
    if in_use:
        cap = in_use + FUZZ_MEMORY
        resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    before = COUNTS["fuzzed inputs"]
    yield
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    print(f"\nfuzz: {COUNTS['fuzzed inputs'] - before} inputs tried")
    if WARNED:
        print(
            "fuzz: NumPy RuntimeWarnings reached the user from "
            + ", ".join(f"{k} ({v})" for k, v in sorted(WARNED.items()))
        )


@pytest.fixture
def _default_dtype_restored() -> Any:
    """Global state that some fuzzed calls change: the default dtype and device, the RNG, the thread counts."""
    previous, state = shendu.get_default_dtype(), shendu.get_rng_state()
    threads, torch_threads = shendu.get_num_threads(), torch.get_num_threads()
    yield
    shendu.set_default_device(None)
    torch.set_default_device(None)
    shendu.set_default_dtype(previous)
    shendu.set_rng_state(state)
    torch.set_default_dtype(torch.float32)
    shendu.set_num_threads(threads)
    torch.set_num_threads(torch_threads)
