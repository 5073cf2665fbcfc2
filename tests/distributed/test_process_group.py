"""The process group: its errors, and a failing rank that ends the whole job instead of hanging it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import shendu.distributed as dist
from tests.distributed.mpi import mpirun


@pytest.mark.parametrize("call", [dist.get_rank, dist.get_world_size, dist.get_backend, dist.destroy_process_group])
def test_queries_need_a_process_group(call: Any) -> None:
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        call()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"backend": "nccl"}, "backend 'nccl' is not available in shendu; use backend='mpi'"),
        ({"backend": "gloo"}, "backend 'gloo' is not available"),
        ({"init_method": "tcp://10.0.0.1:23456"}, "init_method 'tcp://10.0.0.1:23456' is not supported"),
        ({"store": object()}, "a store is not used by the MPI backend"),
        ({"timeout": timedelta(seconds=0)}, "timeout must be a positive timedelta"),
        ({"timeout": "soon"}, "timeout must be a positive timedelta, got 'soon'"),
    ],
)
def test_init_errors(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        dist.init_process_group(**kwargs)
    assert not dist.is_initialized()


def test_availability() -> None:
    assert dist.is_available() and dist.is_mpi_available()


def test_without_mpi4py_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from shendu.distributed import process_group

    monkeypatch.setattr(process_group, "is_available", lambda: False)
    with pytest.raises(dist.DistBackendError, match=r"needs mpi4py, which is not installed; install Open MPI"):
        dist.init_process_group(backend="mpi")
    assert not dist.is_initialized()


def test_a_rank_that_raises_aborts_the_job(tmp_path: Path) -> None:
    done, seconds = mpirun(["-m", "tests.distributed.worker", "raise", str(tmp_path)], timeout=60)
    assert done.returncode != 0
    assert seconds < 30, f"the job took {seconds:.1f} s to end"
    assert "ValueError: rank 1 fails on purpose" in done.stderr
    assert "shendu.distributed: rank 1 of 2 raised ValueError; aborting the job" in done.stderr


def test_a_collective_that_waits_too_long_raises_and_aborts(tmp_path: Path) -> None:
    # Rank 1 never joins the all-reduce; rank 0's 2-second timeout must end the job.
    done, seconds = mpirun(["-m", "tests.distributed.worker", "timeout", str(tmp_path)], timeout=60)
    assert done.returncode != 0
    assert seconds < 30, f"the job took {seconds:.1f} s to end"
    assert "all_reduce: rank 0 of 2 waited 2 s for the other ranks and gave up" in done.stderr
    assert "rank 0 of 2 raised DistBackendError; aborting the job" in done.stderr
