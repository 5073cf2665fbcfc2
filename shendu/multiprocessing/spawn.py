"""``spawn``: start ``nprocs`` processes running ``fn(rank, *args)`` and wait for them, as PyTorch's does."""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from typing import Any

__all__ = ["ProcessContext", "ProcessExitedException", "ProcessRaisedException", "spawn", "start_processes"]


class ProcessRaisedException(Exception):  # noqa: N818 - PyTorch's name
    """A spawned process raised; the message holds its traceback."""

    def __init__(self, msg: str, error_index: int, error_pid: int) -> None:
        super().__init__(msg)
        self.error_index, self.pid = error_index, error_pid


class ProcessExitedException(Exception):  # noqa: N818 - PyTorch's name
    """A spawned process ended with a nonzero exit code (killed, or ``sys.exit(n)``)."""

    def __init__(self, msg: str, error_index: int, error_pid: int, exit_code: int) -> None:
        super().__init__(msg)
        self.error_index, self.pid, self.exit_code = error_index, error_pid, exit_code


def _wrap(fn: Callable[..., Any], rank: int, args: tuple[Any, ...], errors: Any) -> None:
    try:
        fn(rank, *args)
    except KeyboardInterrupt:
        pass
    except BaseException:
        errors.put(traceback.format_exc())
        raise SystemExit(1) from None


class ProcessContext:
    """The processes ``start_processes`` started; ``join()`` waits for them and re-raises a failure."""

    def __init__(self, processes: list[Any], error_queues: list[Any]) -> None:
        self.processes, self.error_queues = processes, error_queues

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def join(self, timeout: float | None = None) -> bool:
        """Wait for every process; True once all have ended. A failed one stops the others and raises."""
        for process in self.processes:
            process.join(timeout)
        for rank, process in enumerate(self.processes):
            if process.exitcode not in (None, 0):
                self._terminate_others()
                if not self.error_queues[rank].empty():
                    raise ProcessRaisedException(
                        f"spawn: process {rank} raised:\n\n{self.error_queues[rank].get()}", rank, process.pid
                    )
                raise ProcessExitedException(
                    f"spawn: process {rank} exited with code {process.exitcode}", rank, process.pid, process.exitcode
                )
        return all(p.exitcode is not None for p in self.processes)

    def _terminate_others(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()
                process.join()


def start_processes(
    fn: Callable[..., Any],
    args: tuple[Any, ...] = (),
    nprocs: int = 1,
    join: bool = True,
    daemon: bool = False,
    start_method: str = "spawn",
) -> ProcessContext | None:
    """Start ``nprocs`` processes with ``start_method``, each running ``fn(rank, *args)``.

    Args:
        fn: a function importable by the children (defined at a module's top level).
        args: the arguments after the rank. Default: ``()``.
        nprocs: how many processes. Default: 1.
        join: wait for them (and raise if one fails) before returning. Default: True.
        daemon: make them daemonic. Default: False.
        start_method: ``"spawn"``, ``"fork"`` or ``"forkserver"``. Default: ``"spawn"``.

    Returns:
        None when ``join`` is True, else the ``ProcessContext``.
    """
    context = multiprocessing.get_context(start_method)
    processes, error_queues = [], []
    for rank in range(nprocs):
        errors = context.SimpleQueue()
        process = context.Process(target=_wrap, args=(fn, rank, args, errors), daemon=daemon)
        process.start()
        processes.append(process)
        error_queues.append(errors)
    result = ProcessContext(processes, error_queues)
    if not join:
        return result
    while not result.join():
        pass
    return None


def spawn(
    fn: Callable[..., Any],
    args: tuple[Any, ...] = (),
    nprocs: int = 1,
    join: bool = True,
    daemon: bool = False,
    start_method: str = "spawn",
) -> ProcessContext | None:
    """``start_processes`` with ``start_method="spawn"`` by default: PyTorch's ``mp.spawn``.

    Example:
        >>> def work(rank, total):
        ...     print(rank, total)
        >>> shendu.multiprocessing.spawn(work, args=(2,), nprocs=2)  # doctest: +SKIP
    """
    return start_processes(fn, args, nprocs, join, daemon, start_method)
