"""Files: checkpoints (``save``/``load``: safetensors arrays plus JSON structure) and safe, atomic writes."""

from .atomic import (
    UnsafePathError,
    WriteError,
    atomic_open,
    atomic_savefig,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    check_no_symlinks,
    ensure_writable_folder,
    remove_stale_temporaries,
)
from .checkpoint import CheckpointError, load, save

__all__ = [
    "CheckpointError",
    "UnsafePathError",
    "WriteError",
    "atomic_open",
    "atomic_savefig",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "check_no_symlinks",
    "ensure_writable_folder",
    "load",
    "remove_stale_temporaries",
    "save",
]
