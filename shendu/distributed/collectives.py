"""Collectives over the default group: each tensor's array goes to MPI as a raw buffer, never pickled.

Every collective is started non-blocking (``Iallreduce``, ``Ibcast``, ...) and then, unless
``async_op=True``, waited for by polling with the group's timeout: a rank that died or took
another path makes the others raise ``DistBackendError`` instead of hanging. Arrays that MPI cannot
take as they are (GPU arrays, float16, non-contiguous views) travel through a host copy that is
written back when the collective completes.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import backend as _backend
from .._checks import is_int
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from .process_group import DistBackendError, _Group, _wait_for, current

__all__ = [
    "ReduceOp",
    "Work",
    "all_gather",
    "all_gather_into_tensor",
    "all_reduce",
    "barrier",
    "broadcast",
    "reduce_scatter",
    "reduce_scatter_tensor",
]


class ReduceOp(enum.Enum):
    """How ``all_reduce`` and ``reduce_scatter`` combine the ranks' values.

    ``AVG`` takes floating-point tensors; ``BAND``, ``BOR`` and ``BXOR`` take integer and bool
    tensors. On bool tensors, ``SUM`` and ``MAX`` are a logical or, ``PRODUCT`` and ``MIN`` a logical and.
    """

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"

    def __repr__(self) -> str:
        return f"ReduceOp.{self.name}"


_BITWISE = (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR)
_BOOL_OPS = {
    ReduceOp.SUM: "LOR",
    ReduceOp.MAX: "LOR",
    ReduceOp.BOR: "LOR",
    ReduceOp.PRODUCT: "LAND",
    ReduceOp.MIN: "LAND",
    ReduceOp.BAND: "LAND",
    ReduceOp.BXOR: "LXOR",
}
_NUMBER_OPS = {
    ReduceOp.SUM: "SUM",
    ReduceOp.AVG: "SUM",
    ReduceOp.PRODUCT: "PROD",
    ReduceOp.MIN: "MIN",
    ReduceOp.MAX: "MAX",
    ReduceOp.BAND: "BAND",
    ReduceOp.BOR: "BOR",
    ReduceOp.BXOR: "BXOR",
}


class Work:
    """A collective in flight, returned with ``async_op=True``: ``wait()`` for it, or poll ``is_completed()``."""

    def __init__(self, op: str, grp: _Group, request: Any, finish: Callable[[], None] | None = None) -> None:
        self._op, self._group, self._request, self._finish = op, grp, request, finish
        self._done = False

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def is_completed(self) -> bool:
        """Whether the collective has finished (asking also moves it along)."""
        if not self._done and _test(self._op, self._group, self._request):
            self._complete()
        return self._done

    def wait(self, timeout: Any = None) -> bool:
        """Block until the collective finishes; raise ``DistBackendError`` after the timeout.

        Args:
            timeout: a ``timedelta``. Default: the group's timeout from ``init_process_group``.
        """
        if not self._done:
            seconds = self._group.timeout if timeout is None else float(timeout.total_seconds())
            try:
                _wait_for(self._group.mpi, self._request, seconds, self._op, self._group.where())
            except self._group.mpi.Exception as exc:
                raise _backend_error(self._op, self._group, exc) from None
            self._complete()
        return True


def _test(op: str, grp: _Group, request: Any) -> bool:
    try:
        return bool(request.Test())
    except grp.mpi.Exception as exc:
        raise _backend_error(op, grp, exc) from None


def _backend_error(op: str, grp: _Group, exc: Any) -> DistBackendError:
    return DistBackendError(
        f"{op}: MPI failed on {grp.where()}: {exc.Get_error_string().strip()} (do all ranks pass "
        "tensors of the same shape and dtype?)"
    )


def _check_tensor(op: str, value: Any, what: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: expected a shendu Tensor for {what}, got {type(value).__name__}")
    return value


def _check_list(op: str, values: Any, what: str, like: Tensor, count: int) -> list[Tensor]:
    if not isinstance(values, (list, tuple)):
        raise TypeError(f"{op}: expected a list of {count} tensors for {what}, got {type(values).__name__}")
    if len(values) != count:
        raise ValueError(f"{op}: {what} must hold one tensor per rank ({count}), got {len(values)}")
    for i, t in enumerate(values):
        _check_tensor(op, t, f"{what}[{i}]")
        if t.shape != like.shape or t.dtype != like.dtype:
            raise ShapeError(
                f"{op}: {what}[{i}] has shape {tuple(t.shape)} and dtype {t.dtype}, but every tensor must "
                f"match shape {tuple(like.shape)} and dtype {like.dtype}"
            )
    return list(values)


def _mpi_op(op: str, grp: _Group, reduce_op: Any, dtype: np.dtype) -> Any:
    if not isinstance(reduce_op, ReduceOp):
        raise TypeError(f"{op}: op must be a ReduceOp (e.g. ReduceOp.SUM), got {reduce_op!r}")
    if reduce_op is ReduceOp.AVG and dtype.kind != "f":
        raise DtypeError(f"{op}: ReduceOp.AVG needs a floating-point tensor, got dtype {dtype}; use ReduceOp.SUM")
    if reduce_op in _BITWISE and dtype.kind == "f":
        raise DtypeError(f"{op}: {reduce_op!r} needs an integer or bool tensor, got dtype {dtype}")
    table = _BOOL_OPS if dtype.kind == "b" else _NUMBER_OPS
    return getattr(grp.mpi, table[reduce_op])


def _staged(array: Any) -> np.ndarray:
    """A contiguous NumPy array MPI can take, equal to ``array`` (the array itself when it already is one)."""
    host = array if isinstance(array, np.ndarray) else np.asarray(_backend.to_device(array, _backend.CPU))
    if host.dtype == np.float16:
        # MPI has no half-precision type; float32 holds every float16 sum of two values exactly rounded.
        return host.astype(np.float32)
    return host if host.flags.c_contiguous else np.ascontiguousarray(host)


def _store(tensor: Tensor, values: np.ndarray) -> None:
    """Write ``values`` into the tensor's own array (device and dtype kept) and mark it changed."""
    target = tensor._array
    if values is not target:
        xp = _backend.get_array_module(target)
        target[...] = xp.asarray(values).astype(target.dtype, copy=False).reshape(target.shape)
    tensor._vc[0] += 1


def _buffer(grp: _Group, array: np.ndarray) -> np.ndarray:
    # mpi4py reads the element type off the array's buffer format and picks MPI's predefined type for
    # it (MPI_FLOAT, MPI_LONG, MPI_C_BOOL, ...); reductions accept only predefined types.
    return array


def _run(op: str, grp: _Group, start: Callable[[], Any], finish: Callable[[], None] | None, async_op: bool) -> Any:
    try:
        request = start()
    except grp.mpi.Exception as exc:
        raise _backend_error(op, grp, exc) from None
    work = Work(op, grp, request, finish)
    if async_op:
        return work
    work.wait()
    return None


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group: Any = None, async_op: bool = False) -> Any:
    """Combine ``tensor`` across all ranks with ``op``, in place: every rank ends with the result.

    Args:
        tensor: the input, and the output on every rank.
        op: a ``ReduceOp``. Default: ``ReduceOp.SUM``.
        group: None (the default group). Default: None.
        async_op: return a ``Work`` to ``wait()`` on instead of waiting. Default: False.

    Example:
        >>> t = shendu.tensor([1.0, 2.0]) * (dist.get_rank() + 1)   # doctest: +SKIP
        >>> dist.all_reduce(t, op=dist.ReduceOp.SUM)                 # doctest: +SKIP
        >>> t   # with two ranks                                     # doctest: +SKIP
        tensor([3., 6.])
    """
    grp = current("all_reduce", group)
    _check_tensor("all_reduce", tensor, "tensor")
    mpi_op = _mpi_op("all_reduce", grp, op, tensor._array.dtype)
    buf = _staged(tensor._array)

    def finish() -> None:
        if op is ReduceOp.AVG:
            np.divide(buf, grp.world_size, out=buf)
        _store(tensor, buf)

    return _run(
        "all_reduce", grp, lambda: grp.comm.Iallreduce(grp.mpi.IN_PLACE, _buffer(grp, buf), mpi_op), finish, async_op
    )


def broadcast(tensor: Tensor, src: int, group: Any = None, async_op: bool = False) -> Any:
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every other rank.

    Args:
        tensor: the data on ``src``; overwritten on the other ranks (same shape and dtype everywhere).
        src: the rank that sends.
        group: None (the default group). Default: None.
        async_op: return a ``Work`` instead of waiting. Default: False.
    """
    grp = current("broadcast", group)
    _check_tensor("broadcast", tensor, "tensor")
    if not is_int(src) or not 0 <= src < grp.world_size:
        raise ValueError(f"broadcast: src must be a rank in [0, {grp.world_size - 1}], got {src!r}")
    buf = _staged(tensor._array)
    return _run(
        "broadcast",
        grp,
        lambda: grp.comm.Ibcast(_buffer(grp, buf), root=int(src)),
        lambda: _store(tensor, buf) if grp.rank != src else None,
        async_op,
    )


def all_gather(tensor_list: Sequence[Tensor], tensor: Tensor, group: Any = None, async_op: bool = False) -> Any:
    """Gather every rank's ``tensor`` into ``tensor_list`` (entry ``i`` is rank ``i``'s) on every rank.

    Args:
        tensor_list: one tensor per rank, each of ``tensor``'s shape and dtype, filled in place.
        tensor: this rank's contribution.
        group: None (the default group). Default: None.
        async_op: return a ``Work`` instead of waiting. Default: False.
    """
    grp = current("all_gather", group)
    _check_tensor("all_gather", tensor, "tensor")
    outputs = _check_list("all_gather", tensor_list, "tensor_list", tensor, grp.world_size)
    send = _staged(tensor._array)
    recv = np.empty((grp.world_size, *send.shape), dtype=send.dtype)

    def finish() -> None:
        for i, out in enumerate(outputs):
            _store(out, recv[i])

    return _run(
        "all_gather", grp, lambda: grp.comm.Iallgather(_buffer(grp, send), _buffer(grp, recv)), finish, async_op
    )


def all_gather_into_tensor(
    output_tensor: Tensor, input_tensor: Tensor, group: Any = None, async_op: bool = False
) -> Any:
    """Gather every rank's ``input_tensor`` into ``output_tensor``, stacked or concatenated along dim 0."""
    grp = current("all_gather_into_tensor", group)
    _check_tensor("all_gather_into_tensor", output_tensor, "output_tensor")
    _check_tensor("all_gather_into_tensor", input_tensor, "input_tensor")
    _check_sizes("all_gather_into_tensor", output_tensor, input_tensor, grp.world_size, "output_tensor")
    send = _staged(input_tensor._array)
    recv = np.empty((grp.world_size, *send.shape), dtype=send.dtype)
    return _run(
        "all_gather_into_tensor",
        grp,
        lambda: grp.comm.Iallgather(_buffer(grp, send), _buffer(grp, recv)),
        lambda: _store(output_tensor, recv),
        async_op,
    )


def reduce_scatter(
    output: Tensor, input_list: Sequence[Tensor], op: ReduceOp = ReduceOp.SUM, group: Any = None, async_op: bool = False
) -> Any:
    """Reduce ``input_list[i]`` over all ranks with ``op`` and leave the result in rank ``i``'s ``output``.

    Args:
        output: receives this rank's share of the result.
        input_list: one tensor per rank, each of ``output``'s shape and dtype.
        op: a ``ReduceOp``. Default: ``ReduceOp.SUM``.
        group: None (the default group). Default: None.
        async_op: return a ``Work`` instead of waiting. Default: False.
    """
    grp = current("reduce_scatter", group)
    _check_tensor("reduce_scatter", output, "output")
    inputs = _check_list("reduce_scatter", input_list, "input_list", output, grp.world_size)
    mpi_op = _mpi_op("reduce_scatter", grp, op, output._array.dtype)
    send = np.stack([_staged(t._array) for t in inputs])
    return _reduce_scatter("reduce_scatter", grp, output, send, mpi_op, op, async_op)


def reduce_scatter_tensor(
    output: Tensor, input: Tensor, op: ReduceOp = ReduceOp.SUM, group: Any = None, async_op: bool = False
) -> Any:
    """``reduce_scatter`` with the ranks' inputs stacked (or concatenated along dim 0) in one tensor."""
    grp = current("reduce_scatter_tensor", group)
    _check_tensor("reduce_scatter_tensor", output, "output")
    _check_tensor("reduce_scatter_tensor", input, "input")
    _check_sizes("reduce_scatter_tensor", input, output, grp.world_size, "input")
    mpi_op = _mpi_op("reduce_scatter_tensor", grp, op, output._array.dtype)
    return _reduce_scatter("reduce_scatter_tensor", grp, output, _staged(input._array), mpi_op, op, async_op)


def _reduce_scatter(
    name: str, grp: _Group, output: Tensor, send: np.ndarray, mpi_op: Any, op: ReduceOp, async_op: bool
) -> Any:
    recv = np.empty(send.size // grp.world_size, dtype=send.dtype)

    def finish() -> None:
        if op is ReduceOp.AVG:
            np.divide(recv, grp.world_size, out=recv)
        _store(output, recv)

    return _run(
        name,
        grp,
        lambda: grp.comm.Ireduce_scatter_block(_buffer(grp, send), _buffer(grp, recv), mpi_op),
        finish,
        async_op,
    )


def _check_sizes(op: str, big: Tensor, small: Tensor, world: int, big_name: str) -> None:
    if big.dtype != small.dtype:
        raise DtypeError(f"{op}: the tensors must share a dtype, got {big.dtype} and {small.dtype}")
    if big.numel() != world * small.numel():
        raise ShapeError(
            f"{op}: {big_name} must hold {world} (the world size) times as many elements as the other "
            f"tensor; got shapes {tuple(big.shape)} and {tuple(small.shape)}"
        )


def barrier(group: Any = None, async_op: bool = False, device_ids: Any = None) -> Any:
    """Wait until every rank has reached this barrier (or raise after the group's timeout)."""
    grp = current("barrier", group)
    return _run("barrier", grp, grp.comm.Ibarrier, None, async_op)


def start_array_all_reduce(op: str, array: np.ndarray, group: Any = None) -> Work:
    """Start summing a contiguous NumPy array in place over the ranks (for DistributedDataParallel)."""
    grp = current(op, group)
    return _run(op, grp, lambda: grp.comm.Iallreduce(grp.mpi.IN_PLACE, _buffer(grp, array), grp.mpi.SUM), None, True)


def start_array_broadcast(op: str, array: np.ndarray, src: int = 0, group: Any = None) -> Work:
    """Start broadcasting a contiguous NumPy array from ``src`` (for DistributedDataParallel)."""
    grp = current(op, group)
    # A copy needs no arithmetic: float16, which MPI has no type for, travels as its 16-bit patterns.
    bits = array.view(np.uint16) if array.dtype == np.float16 else array
    return _run(op, grp, lambda: grp.comm.Ibcast(_buffer(grp, bits), root=src), None, True)
