"""Launch a command under ``mpirun`` from a test: Open MPI settings that work as root in a container."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Shared memory between processes on one machine (vader) and loopback to itself (self); no network
# interfaces are probed, which keeps start-up short and quiet in a container.
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--mca", "btl", "self,vader"]


def mpi_env() -> dict[str, str]:
    """The environment for mpirun: shendu importable, one BLAS thread per rank, root allowed."""
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        OMPI_ALLOW_RUN_AS_ROOT="1",
        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
        # Open MPI's shared-memory segments go to /dev/shm; a small container /tmp is no matter then.
        OMPI_MCA_btl_vader_single_copy_mechanism="none",
    )
    return env


def mpirun(args: list[str], np: int = 2, timeout: float = 120) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``mpirun -np NP ARGS`` (ARGS starting with a script or ``-m module``) with this Python.

    Returns the finished process and its wall time in seconds.
    """
    start = time.monotonic()
    done = subprocess.run(
        [*MPIRUN, "-np", str(np), sys.executable, *args],
        env=mpi_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done, time.monotonic() - start


def run_worker(program: str, out: Path, np: int = 2, timeout: float = 180) -> list[dict]:
    """Run ``tests.distributed.worker PROGRAM`` on NP ranks; return each rank's results."""
    import json

    done, _ = mpirun(["-m", "tests.distributed.worker", program, str(out)], np=np, timeout=timeout)
    assert done.returncode == 0, f"mpirun failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return [json.loads((out / f"rank{r}.json").read_text()) for r in range(np)]
