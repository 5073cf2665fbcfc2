"""The default process group: one MPI communicator over the processes that ``mpirun`` started.

MPI itself (through mpi4py) is loaded only by ``init_process_group``, so ``import shendu`` never
needs it. Once a group exists, an uncaught exception in any rank aborts the whole job: the other
ranks would otherwise wait in their next collective for a partner that is gone.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from datetime import timedelta
from types import ModuleType, TracebackType
from typing import Any

from .._checks import is_number
from ..errors import ShenduError

__all__ = [
    "DistBackendError",
    "abort",
    "default_pg_timeout",
    "describe_rank",
    "destroy_process_group",
    "get_backend",
    "get_rank",
    "get_world_size",
    "group",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_available",
]

#: As in PyTorch: how long a collective waits for the other ranks before it gives up.
default_pg_timeout = timedelta(minutes=30)

# How long a wait polls without pausing before it starts to sleep between polls (see _wait_for).
_SPIN_SECONDS = 0.05

_INSTALL_HINT = (
    "install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev) and mpi4py "
    "(pip install 'shendu[distributed]'), then launch with mpirun -np N"
)


class DistBackendError(ShenduError, RuntimeError):
    """A collective that failed or timed out: another rank died, hung, or called a different collective."""

    __module__ = "shendu.distributed"


class _Group:
    """The state of the default group: the communicator, this process's place in it, the timeout."""

    def __init__(self, mpi: ModuleType, comm: Any, timeout: float) -> None:
        self.mpi, self.comm, self.timeout = mpi, comm, timeout
        self.rank, self.world_size = comm.Get_rank(), comm.Get_size()
        self.previous_excepthook = sys.excepthook

    def where(self) -> str:
        return f"rank {self.rank} of {self.world_size}"


_GROUP: _Group | None = None


def is_available() -> bool:
    """Whether the distributed package can be used: mpi4py is installed."""
    return importlib.util.find_spec("mpi4py") is not None


is_mpi_available = is_available


def is_initialized() -> bool:
    """Whether ``init_process_group`` has run (and ``destroy_process_group`` has not)."""
    return _GROUP is not None


def current(op: str, group: Any = None) -> _Group:
    """The default group, for ``op``; raises as PyTorch does when there is none."""
    if _GROUP is None:
        raise ValueError(
            f"{op}: Default process group has not been initialized, please make sure to call init_process_group."
        )
    if group is not None and group is not _WORLD:
        raise ValueError(f"{op}: only the default group (group=None) is supported, got {group!r}")
    return _GROUP


class _World:
    """The default group as a value to pass for ``group``."""

    def __repr__(self) -> str:
        return "group.WORLD"


_WORLD = _World()


class group:  # noqa: N801 - PyTorch's name: dist.group.WORLD
    """``group.WORLD`` names the default group (the only group shendu's MPI backend has)."""

    WORLD = _WORLD


def _timeout_seconds(timeout: Any) -> float:
    if timeout is None:
        return default_pg_timeout.total_seconds()
    seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout
    if not is_number(seconds, numpy=False) or not seconds > 0:
        raise ValueError(f"init_process_group: timeout must be a positive timedelta, got {timeout!r}")
    return float(seconds)


def _load_mpi() -> ModuleType:
    if not is_available():
        raise DistBackendError(
            f"init_process_group: backend 'mpi' needs mpi4py, which is not installed; {_INSTALL_HINT}"
        )
    try:
        from mpi4py import MPI
    except (ImportError, RuntimeError) as exc:
        raise DistBackendError(
            f"init_process_group: mpi4py is installed but cannot load an MPI library ({exc}); {_INSTALL_HINT}"
        ) from None
    return MPI


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout: timedelta | None = None,
    world_size: int = -1,
    rank: int = -1,
    store: Any = None,
    group_name: str = "",
    pg_options: Any = None,
    device_id: Any = None,
) -> None:
    """Join the processes started by ``mpirun -np N`` into the default process group.

    The rank and world size come from the MPI launcher; a process started without ``mpirun`` is a
    group of one. After this call, an uncaught exception in any rank prints that rank's traceback
    and aborts the whole job, so that no rank waits forever for a partner that has gone.

    Args:
        backend: ``"mpi"`` (or None, which means ``"mpi"``). Default: None.
        init_method: only None or ``"env://"``: MPI's launcher connects the processes. Default: None.
        timeout: how long each collective waits for the other ranks before raising
            ``DistBackendError``. Default: 30 minutes, as in PyTorch.
        world_size: if given, must equal the number of processes that ``mpirun`` started. Default: -1.
        rank: if given, must equal the rank that ``mpirun`` gave this process. Default: -1.
        store, group_name, pg_options, device_id: accepted for compatibility; the store must be None.

    Example:
        >>> import shendu.distributed as dist
        >>> dist.init_process_group(backend="mpi")   # doctest: +SKIP
        >>> dist.get_rank(), dist.get_world_size()   # doctest: +SKIP
        (0, 2)
    """
    global _GROUP
    if _GROUP is not None:
        raise ValueError("init_process_group: trying to initialize the default process group twice")
    if backend is not None and str(backend).lower() != "mpi":
        raise ValueError(
            f"init_process_group: backend {backend!r} is not available in shendu; use backend='mpi' "
            "and launch the script with mpirun -np N"
        )
    if init_method not in (None, "env://"):
        raise ValueError(
            f"init_process_group: init_method {init_method!r} is not supported; MPI's launcher (mpirun) "
            "connects the processes, so leave init_method out"
        )
    if store is not None:
        raise ValueError("init_process_group: a store is not used by the MPI backend; leave store out")
    seconds = _timeout_seconds(timeout)
    mpi = _load_mpi()
    # A communicator of shendu's own, so that a user's MPI traffic on COMM_WORLD never mixes with it.
    comm, request = mpi.COMM_WORLD.Idup()
    _wait_for(mpi, request, seconds, "init_process_group", f"rank {mpi.COMM_WORLD.Get_rank()}")
    created = _Group(mpi, comm, seconds)
    for name, given, actual in (("world_size", world_size, created.world_size), ("rank", rank, created.rank)):
        if given not in (-1, None) and given != actual:
            comm.Free()
            raise ValueError(
                f"init_process_group: {name}={given} was passed, but mpirun gave this process "
                f"{name} {actual}; leave {name} out (MPI's launcher sets it)"
            )
    _GROUP = created
    sys.excepthook = _abort_on_uncaught


def destroy_process_group(group: Any = None) -> None:
    """Leave the default group (MPI itself stays loaded until the process exits)."""
    global _GROUP
    leaving = current("destroy_process_group", group)
    if sys.excepthook is _abort_on_uncaught:
        sys.excepthook = leaving.previous_excepthook
    _GROUP = None
    leaving.comm.Free()


def get_rank(group: Any = None) -> int:
    """This process's rank in the group: 0 .. world_size - 1."""
    return current("get_rank", group).rank


def get_world_size(group: Any = None) -> int:
    """The number of processes in the group."""
    return current("get_world_size", group).world_size


def get_backend(group: Any = None) -> str:
    """The backend of the group: always ``"mpi"``."""
    current("get_backend", group)
    return "mpi"


def abort(code: int = 1) -> None:
    """End every process of the job now (MPI_Abort); the way out after an error in one rank."""
    if _GROUP is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        _GROUP.mpi.COMM_WORLD.Abort(code)


def describe_rank() -> str:
    """``"rank R of N"`` inside a process group, else an empty string."""
    return _GROUP.where() if _GROUP is not None else ""


def _abort_on_uncaught(exc_type: type[BaseException], exc: BaseException, traceback: TracebackType | None) -> None:
    failing = _GROUP
    if failing is None:
        sys.__excepthook__(exc_type, exc, traceback)
        return
    failing.previous_excepthook(exc_type, exc, traceback)
    print(
        f"shendu.distributed: {failing.where()} raised {exc_type.__name__}; aborting the job so that "
        "the other ranks do not wait for it",
        file=sys.stderr,
    )
    abort(1)


def _wait_for(mpi: ModuleType, request: Any, timeout: float, op: str, where: str) -> None:
    """Poll ``request`` until it completes; raise ``DistBackendError`` after ``timeout`` seconds.

    Polling rather than a blocking wait lets a timeout fire. A non-blocking collective moves on only
    while its ranks call into MPI, one round per call, so the first ``_SPIN_SECONDS`` poll without
    pause: sleeping even 50 us between polls made a 1.7 MB all-reduce of two processes 30 to 60
    times slower (0.5 ms to 16-32 ms). A wait that lasts longer (a rank far behind) then sleeps
    between polls, to leave the core to the ranks that still compute.
    """
    start = time.monotonic()
    deadline = start + timeout
    spin_until = start + _SPIN_SECONDS
    pause = 1e-5
    while not request.Test():
        now = time.monotonic()
        if now < spin_until:
            continue
        if now > deadline:
            raise DistBackendError(
                f"{op}: {where} waited {timeout:g} s for the other ranks and gave up; another rank has "
                f"died, hangs, or called a different collective (every rank must call the same "
                f"collectives in the same order); a longer timeout is init_process_group(timeout=...)"
            )
        time.sleep(pause)
        pause = min(pause * 2, 1e-3)
