"""Tensors in shared memory: ``Tensor.share_memory_()``, ``is_shared()``, and passing them between processes.

``share_memory_()`` moves a CPU tensor's data into an anonymous shared mapping (a ``memfd`` on Linux)
and keeps the same Tensor object, so a module's parameters stay the parameters its optimizers hold.
Forked processes inherit the mapping; processes started with ``spawn`` or ``forkserver``, and tensors
sent through a ``multiprocessing`` queue, receive a duplicate of the file descriptor instead of a copy
of the data (the reducers below are registered with ``multiprocessing``'s pickler). Either way, every
process reads and writes the same memory: an in-place optimizer step in one is seen by all.
"""

from __future__ import annotations

import mmap
import os
import weakref
from multiprocessing import reduction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DeviceError

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["is_shared", "share_memory_"]


class _SharedMap(mmap.mmap):
    """A shared mapping, with the file descriptor that other processes can map again (-1 where none)."""

    fd: int
    address: int


def _allocate(nbytes: int) -> _SharedMap:
    size = max(nbytes, 1)  # a mapping cannot be empty
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("shendu-tensor", os.MFD_CLOEXEC)
        try:
            os.ftruncate(fd, size)
            block = _SharedMap(fd, size)
        except BaseException:
            os.close(fd)
            raise
        weakref.finalize(block, os.close, fd)
    else:
        # Anonymous shared memory: inherited by forked processes, but it cannot be sent to spawned ones.
        fd = -1
        block = _SharedMap(-1, size)
    block.fd = fd
    block.address = np.frombuffer(block, np.uint8).ctypes.data
    return block


def _block_of(array: Any) -> _SharedMap | None:
    """The shared mapping ``array`` lives in, or None."""
    base = array
    while isinstance(base, np.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    return base if isinstance(base, _SharedMap) else None


def is_shared(input: Tensor) -> bool:
    """Whether the tensor's data is in shared memory (after ``share_memory_()``).

    Example:
        >>> x = shendu.zeros(3)
        >>> x.is_shared(), x.share_memory_().is_shared()
        (False, True)
    """
    return type(input._array) is np.ndarray and _block_of(input._array) is not None


def share_memory_(input: Tensor) -> Tensor:
    """Move the data into shared memory, in place, and return the tensor (a no-op when already shared).

    Processes forked afterwards, or given the tensor through ``shendu.multiprocessing``, see every change
    made to it in place, by any of them.

    Example:
        >>> w = shendu.ones(2).share_memory_()
        >>> w.is_shared()
        True
    """
    if type(input._array) is not np.ndarray:
        raise DeviceError(
            f"share_memory_: the tensor is on {input.device}; only CPU tensors can be shared between processes "
            "in shendu (move the shared model to the CPU)"
        )
    if is_shared(input):
        return input
    array = input._array
    block = _allocate(array.nbytes)
    shared = np.ndarray(array.shape, array.dtype, buffer=block)
    shared[...] = array
    input._array = shared
    return input


def _rebuild(
    fd: Any, nbytes: int, offset: int, shape: tuple[int, ...], strides: tuple[int, ...], dtype: str, state: tuple
) -> Tensor:
    descriptor = fd.detach()
    try:
        block = _SharedMap(descriptor, max(nbytes, 1))
    except BaseException:
        os.close(descriptor)
        raise
    block.fd = descriptor
    weakref.finalize(block, os.close, descriptor)
    block.address = np.frombuffer(block, np.uint8).ctypes.data
    array = np.ndarray(shape, np.dtype(dtype), buffer=block, offset=offset, strides=strides)
    from ..tensor import Tensor

    kind, requires_grad = state
    if kind == "parameter":
        from ..nn.parameter import Parameter

        return Parameter(Tensor._make(array), requires_grad=requires_grad)
    t = Tensor._make(array)
    t._requires_grad = requires_grad
    return t


def _reduce(t: Tensor) -> Any:
    """How ``multiprocessing`` pickles a tensor: shared ones by file descriptor, others by value."""
    array = t._array
    block = _block_of(array) if type(array) is np.ndarray else None
    if block is None or block.fd < 0:
        return t.__reduce__()
    if t._grad_fn is not None:
        raise RuntimeError(
            "multiprocessing: cannot send a tensor that is part of the autograd graph to another process; "
            "detach() it first"
        )
    offset = array.ctypes.data - block.address
    from ..nn.parameter import Parameter

    kind = "parameter" if isinstance(t, Parameter) else "tensor"
    return _rebuild, (
        reduction.DupFd(block.fd),
        len(block),
        offset,
        array.shape,
        array.strides,
        array.dtype.str,
        (kind, t._requires_grad),
    )


def init_reductions() -> None:
    """Teach ``multiprocessing``'s pickler to send shared tensors by file descriptor (``import shendu`` does)."""
    from ..nn.parameter import Parameter
    from ..tensor import Tensor

    for cls in (Tensor, Parameter):
        reduction.ForkingPickler.register(cls, _reduce)
