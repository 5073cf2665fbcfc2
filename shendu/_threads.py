"""``set_num_threads`` / ``get_num_threads``: the BLAS thread count (PyTorch's names)."""

from __future__ import annotations

from ._checks import is_int

__all__ = ["get_num_threads", "set_num_threads"]

_limiter = None


def set_num_threads(n: int) -> None:
    """Use ``n`` threads in BLAS (matrix products, convolutions) from now on.

    On a busy or shared machine, fewer threads than cores often run faster, since BLAS
    threads that wait for a core spin instead of working.
    """
    if not is_int(n, numpy=False) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    from threadpoolctl import ThreadpoolController

    global _limiter
    _limiter = ThreadpoolController().limit(limits=n, user_api="blas")


def get_num_threads() -> int:
    """The number of threads BLAS uses (the largest over the loaded BLAS libraries)."""
    from threadpoolctl import threadpool_info

    counts = [pool["num_threads"] for pool in threadpool_info() if pool.get("user_api") == "blas"]
    return max(counts, default=1)
