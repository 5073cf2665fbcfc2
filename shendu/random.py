"""Random number generation: a global generator, explicit Generators, and their state.

Every random op draws from a ``Generator`` (the global one unless the caller
passes another). Samples are drawn on the CPU with NumPy's PCG64 and moved to
the target device, so the same seed gives the same numbers on every device.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._checks import is_int

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["Generator", "default_generator", "get_rng_state", "initial_seed", "manual_seed", "seed", "set_rng_state"]

_DEFAULT_SEED = 67280421310721


class Generator:
    """A source of random numbers with its own state.

    Args:
        device: accepted for compatibility; samples are always drawn on the CPU. Default: ``"cpu"``.

    Example:
        >>> a = shendu.rand(3, generator=shendu.Generator().manual_seed(0))
        >>> b = shendu.rand(3, generator=shendu.Generator().manual_seed(0))
        >>> bool((a == b).all())  # the same seed, the same numbers, whatever the global state
        True
    """

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self._seed = _DEFAULT_SEED
        self.numpy = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> Generator:
        """Reset the state from ``seed``; returns self."""
        if not is_int(seed):
            raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__} {seed!r}")
        if not -(2**63) <= seed < 2**64:
            raise ValueError(f"manual_seed: seed must be in [-2**63, 2**64 - 1], as in PyTorch, got {seed}")
        self._seed = int(seed) & 0xFFFF_FFFF_FFFF_FFFF
        self.numpy = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy; returns the chosen seed."""
        new_seed = int(np.random.SeedSequence().entropy) & 0xFFFF_FFFF_FFFF_FFFF
        self.manual_seed(new_seed)
        return new_seed

    def initial_seed(self) -> int:
        """The seed last set."""
        return self._seed

    def get_state(self) -> Tensor:
        """The full state as a uint8 tensor (restore it with ``set_state``)."""
        from .tensor import Tensor

        state = self.numpy.bit_generator.state
        inner = state["state"]
        words = [inner["state"], inner["inc"], state["has_uint32"], state["uinteger"], self._seed]
        raw = b"".join(int(w).to_bytes(16, "little") for w in words)
        return Tensor._make(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, state: Tensor, op: str = "set_state") -> Generator:
        """Restore a state returned by ``get_state``."""
        array = np.asarray(state._array if hasattr(state, "_array") else state)
        if array.dtype != np.uint8:
            raise TypeError(f"{op}: expected a uint8 tensor from get_state(), got dtype {array.dtype}")
        raw = array.tobytes()
        if len(raw) != 80:
            raise ValueError(f"{op}: expected a uint8 tensor of 80 bytes from get_state(), got {len(raw)} bytes")
        words = [int.from_bytes(raw[i : i + 16], "little") for i in range(0, 80, 16)]
        bit_gen = np.random.PCG64()
        try:
            bit_gen.state = {
                "bit_generator": "PCG64",
                "state": {"state": words[0], "inc": words[1]},
                "has_uint32": words[2],
                "uinteger": words[3],
            }
        except (ValueError, OverflowError):
            raise ValueError(f"{op}: these 80 bytes are not a state that get_state() returns") from None
        self.numpy = np.random.Generator(bit_gen)
        self._seed = words[4]
        return self


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the global generator; the same seed gives bitwise-identical results on the CPU."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the global generator from the operating system's entropy and return the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed of the global generator."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The global generator's state as a uint8 tensor."""
    return default_generator.get_state()


def set_rng_state(state: Tensor) -> None:
    """Restore the global generator's state from ``get_rng_state()``."""
    default_generator.set_state(state, "set_rng_state")


def numpy_generator(generator: Generator | None, op: str) -> np.random.Generator:
    """The NumPy generator behind ``generator`` (the global one when None)."""
    if generator is None:
        return default_generator.numpy
    if not isinstance(generator, Generator):
        raise TypeError(f"{op}: generator must be a shendu.Generator, got {type(generator).__name__}")
    return generator.numpy
