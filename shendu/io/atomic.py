"""Safe file writes: a crash leaves the old file or the new one, never a mix, and no write follows a symlink.

Every file shendu writes (checkpoints, histories, plots, reports, exported models, event files that
are rewritten whole) goes through this module::

    from shendu.io.atomic import atomic_open, atomic_savefig, atomic_write_json

    with atomic_open(run_dir / "history.csv", "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    atomic_write_json(run_dir / "history.json", history)
    atomic_savefig(fig, run_dir / "loss.png", dpi=110)

How a write goes: the data is written to a new temporary file ``.NAME.XXXXXXXX.tmp`` in the target's
folder, created exclusively (``O_EXCL``, so a file or link planted under that name is never opened)
and without following links (``O_NOFOLLOW``); the file is flushed and fsynced, renamed over the
target (``os.replace``, atomic on POSIX), and the folder is fsynced so that the rename itself
survives a power cut. A reader therefore sees the old complete file or the new complete one. A
failure at any step removes the temporary file and leaves the target as it was; a process killed
mid-write leaves at most a ``.NAME.*.tmp`` file, which ``remove_stale_temporaries`` deletes.

A target that exists and is not a regular file (a symlink above all: it could point at any file
the user can write, and the README runs everything as root) is refused with ``UnsafePathError``,
which names the path; nothing is written. Every failure is a ``WriteError`` (an ``OSError`` with
the errno kept) whose message names the path and the reason, e.g. ``cannot write
'runs/x/loss.png': No space left on device``.
"""

from __future__ import annotations

import contextlib
import errno as _errno
import json
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import ShenduError

__all__ = [
    "UnsafePathError",
    "WriteError",
    "atomic_open",
    "atomic_savefig",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "check_no_symlinks",
    "ensure_writable_folder",
    "remove_stale_temporaries",
]

_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class WriteError(ShenduError, OSError):
    """A file that could not be written; the message names the path and why (``errno`` is kept)."""


class UnsafePathError(WriteError):
    """A write refused because the target (or a run folder's entry) is a symlink or not a regular file."""


def _folder_of(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")


def _write_error(target: Path, exc: OSError, doing: str = "write") -> WriteError:
    if isinstance(exc, WriteError):
        return exc
    reason = exc.strerror or str(exc)
    if isinstance(exc, IsADirectoryError):
        reason = "it is a folder"
    error = WriteError(f"cannot {doing} {str(target)!r}: {reason}")
    error.errno = exc.errno
    return error


def _refuse_unsafe_target(target: Path) -> None:
    """Raise UnsafePathError when ``target`` exists and is a symlink or anything but a regular file."""
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _write_error(target, exc) from None
    if stat.S_ISLNK(info.st_mode):
        try:
            pointee = os.readlink(target)
        except OSError:
            pointee = "?"
        raise UnsafePathError(
            f"refusing to write {str(target)!r}: it is a symbolic link (to {pointee!r}), and shendu never writes "
            "through a link; remove the link or choose another folder"
        )
    if stat.S_ISDIR(info.st_mode):
        raise UnsafePathError(f"cannot write {str(target)!r}: it is a folder")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafePathError(
            f"refusing to write {str(target)!r}: it exists and is not a regular file (a FIFO, socket or device); "
            "remove it or choose another folder"
        )


def _create_temporary(target: Path) -> tuple[int, Path]:
    """Create ``.NAME.XXXXXXXX.tmp`` next to ``target`` exclusively; returns its descriptor and path."""
    folder = _folder_of(target)
    for _ in range(100):
        temporary = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(temporary, _TEMP_FLAGS, 0o666), temporary
        except FileExistsError:
            continue  # a name taken (or planted): draw another, never open the existing one
    raise WriteError(f"cannot write {str(target)!r}: no free temporary name in {str(folder)!r} after 100 tries")


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # a folder that cannot be opened for reading still took the rename
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (_errno.EINVAL, _errno.ENOTSUP, _errno.EBADF):
            raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str],
    mode: str = "w",
    *,
    encoding: str | None = "utf-8",
    newline: str | None = None,
    replace: bool = True,
) -> Iterator[IO[Any]]:
    """Open ``path`` for writing so that it is replaced only once the ``with`` block completes.

    Inside the block, the handle writes to a temporary file in the same folder; on a normal exit the
    file is fsynced and renamed over ``path``, and the folder is fsynced. If the block raises, the
    temporary file is removed, ``path`` is left exactly as it was, and the exception propagates (an
    ``OSError`` as a ``WriteError`` naming ``path``).

    Args:
        path: the file to write. If it exists, it must be a regular file (not a symlink).
        mode: ``"w"`` (text) or ``"wb"`` (bytes). Default: ``"w"``.
        encoding: the text encoding (text mode only). Default: ``"utf-8"``.
        newline: as in ``open`` (text mode only; ``""`` for the ``csv`` module). Default: None.
        replace: whether a file already at ``path`` may be replaced. With False the finished file is
            linked into place, which fails if ``path`` exists by then, also when it appeared while the
            block ran. Default: True.

    Raises:
        UnsafePathError: ``path`` is a symlink, a folder, or another non-regular file.
        FileExistsError: ``replace`` is False and ``path`` exists (nothing is changed).
        WriteError: the folder is missing or read-only, the disk is full, ...

    Example:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> with atomic_open(folder / "notes.txt") as handle:
        ...     _ = handle.write("complete or absent")
        >>> (folder / "notes.txt").read_text()
        'complete or absent'
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open: mode must be 'w' or 'wb', got {mode!r}")
    target = Path(path)
    _refuse_unsafe_target(target)
    try:
        fd, temporary = _create_temporary(target)
    except OSError as exc:
        raise _write_error(target, exc) from None
    try:
        if mode == "wb":
            handle: IO[Any] = os.fdopen(fd, "wb")
        else:
            handle = os.fdopen(fd, "w", encoding=encoding, newline=newline)
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        # Checked again: a link planted while the data was written is not silently replaced either.
        _refuse_unsafe_target(target)
        if replace:
            os.replace(temporary, target)
        else:
            _link_into_place(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, FileExistsError):
            raise FileExistsError(_errno.EEXIST, f"{str(target)!r} already exists", str(target)) from None
        if isinstance(exc, OSError):
            raise _write_error(target, exc) from None
        raise
    try:
        _fsync_folder(_folder_of(target))
    except OSError as exc:
        raise _write_error(target, exc, "sync the folder of") from None


def _link_into_place(temporary: Path, target: Path) -> None:
    """Give the finished file its name only if nothing has it: a hard link fails on an existing name."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links: check, then rename (a race remains only there).
        if os.path.lexists(target):
            raise FileExistsError(_errno.EEXIST, "exists", str(target)) from None
        os.replace(temporary, target)
        return
    os.unlink(temporary)


def atomic_write_bytes(path: str | os.PathLike[str], payload: bytes, *, replace: bool = True) -> None:
    """Write ``payload`` to ``path`` atomically (see ``atomic_open``, which also explains ``replace``).

    Example:
        >>> import tempfile, pathlib
        >>> target = pathlib.Path(tempfile.mkdtemp()) / "blob.bin"
        >>> atomic_write_bytes(target, b"\\x00\\x01")
        >>> target.read_bytes()
        b'\\x00\\x01'
    """
    with atomic_open(path, "wb", replace=replace) as handle:
        handle.write(payload)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (see ``atomic_open``).

    Args:
        path: the file to write.
        text: its whole content.
        encoding: Default: ``"utf-8"``.
    """
    with atomic_open(path, "w", encoding=encoding) as handle:
        handle.write(text)


def atomic_write_json(path: str | os.PathLike[str], obj: Any, *, indent: int | None = 2) -> None:
    """Write ``obj`` as JSON to ``path`` atomically; the text is built before the file is touched.

    Args:
        path: the file to write.
        obj: anything ``json.dumps`` takes (NaN and infinity are written as ``NaN``/``Infinity``).
        indent: as in ``json.dumps``. Default: 2.

    Example:
        >>> import tempfile, pathlib
        >>> target = pathlib.Path(tempfile.mkdtemp()) / "history.json"
        >>> atomic_write_json(target, [{"epoch": 1, "loss": 0.5}], indent=None)
        >>> target.read_text()
        '[{"epoch": 1, "loss": 0.5}]'
    """
    atomic_write_text(path, json.dumps(obj, indent=indent))


def atomic_savefig(fig: Any, path: str | os.PathLike[str], **savefig_kwargs: Any) -> None:
    """Save a matplotlib figure to ``path`` atomically: a failed or interrupted save leaves no partial image.

    Args:
        fig: a ``matplotlib.figure.Figure``.
        path: the image file; its suffix picks the format unless ``format=`` is given (``.png``
            when there is no suffix).
        savefig_kwargs: passed to ``fig.savefig`` (``dpi``, ``bbox_inches``, ...).
    """
    target = Path(path)
    savefig_kwargs.setdefault("format", target.suffix.lstrip(".").lower() or "png")
    with atomic_open(target, "wb") as handle:
        fig.savefig(handle, **savefig_kwargs)


def ensure_writable_folder(folder: str | os.PathLike[str]) -> Path:
    """Create ``folder`` (and its parents) if needed and prove that a file can be created in it.

    The probe is a temporary file created as the writes create theirs (exclusively, never through a
    link) and removed at once, so nothing is left behind and no existing entry is touched.

    Raises:
        WriteError: the folder cannot be created or written (the message names it and why).
    """
    path = Path(folder)
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = _create_temporary(path / "write-test")
    except OSError as exc:
        raise _write_error(path, exc, "write to the folder") from None
    os.close(fd)
    os.unlink(probe)
    return path


def check_no_symlinks(folder: str | os.PathLike[str]) -> None:
    """Refuse a folder (e.g. a run folder about to be written) whose entries include symbolic links.

    Raises:
        UnsafePathError: naming each link and what it points to.
    """
    path = Path(folder)
    if not path.is_dir():
        return
    links = []
    for entry in sorted(os.scandir(path), key=lambda e: e.name):
        if entry.is_symlink():
            links.append(f"{entry.name} -> {os.readlink(entry.path)}")
    if links:
        raise UnsafePathError(
            f"refusing to write into {str(path)!r}: it holds symbolic links ({', '.join(links)}), and shendu never "
            "writes through a link; remove them or choose another folder"
        )


def remove_stale_temporaries(path: str | os.PathLike[str]) -> int:
    """Delete the temporary files that interrupted writes of ``path`` left behind; returns how many.

    Example:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / ".last.ckpt.0a1b2c3d.tmp").write_bytes(b"half a file")
        >>> remove_stale_temporaries(folder / "last.ckpt")
        1
    """
    target = Path(path)
    removed = 0
    for leftover in _folder_of(target).glob(f".{target.name}.*.tmp"):
        if leftover.is_dir() and not leftover.is_symlink():
            continue
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
            removed += 1
    return removed
