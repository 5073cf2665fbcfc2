"""``shendu.backends.mps``: Apple's Metal (MPS) backend, which shendu does not have.

Example:
    >>> shendu.backends.mps.is_available()
    False
"""

from __future__ import annotations

__all__ = ["is_available", "is_built"]


def is_available() -> bool:
    """Whether tensors can live on an Apple GPU: never in shendu."""
    return False


def is_built() -> bool:
    """Whether shendu was built with MPS support: it was not."""
    return False
