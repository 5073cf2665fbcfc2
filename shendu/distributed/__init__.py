"""``shendu.distributed``: ``torch.distributed``'s names over MPI (mpi4py).

Launch N processes with ``mpirun -np N python script.py``; each calls
``init_process_group(backend="mpi")`` and then the collectives. Tensors travel as their raw arrays
(MPI buffers), never pickled. Every collective waits with a timeout, and an uncaught exception in
any rank aborts the job, so a failure ends the run instead of hanging it.

Example:
    >>> import shendu.distributed as dist                   # doctest: +SKIP
    >>> dist.init_process_group(backend="mpi")              # doctest: +SKIP
    >>> t = shendu.ones(3) * dist.get_rank()                # doctest: +SKIP
    >>> dist.all_reduce(t, op=dist.ReduceOp.SUM)            # doctest: +SKIP
"""

from .collectives import (
    ReduceOp,
    Work,
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    barrier,
    broadcast,
    reduce_scatter,
    reduce_scatter_tensor,
)
from .process_group import (
    DistBackendError,
    default_pg_timeout,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    group,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
)

__all__ = [
    "DistBackendError",
    "ReduceOp",
    "Work",
    "all_gather",
    "all_gather_into_tensor",
    "all_reduce",
    "barrier",
    "broadcast",
    "default_pg_timeout",
    "destroy_process_group",
    "get_backend",
    "get_rank",
    "get_world_size",
    "group",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_available",
    "reduce_scatter",
    "reduce_scatter_tensor",
]
