"""Checkpoint files: ``save`` and ``load`` (safetensors arrays plus JSON structure, atomic writes)."""

from .checkpoint import CheckpointError, atomic_write_bytes, load, remove_stale_temporaries, save

__all__ = ["CheckpointError", "atomic_write_bytes", "load", "remove_stale_temporaries", "save"]
