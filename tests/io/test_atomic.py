"""``shendu.io.atomic``: whole files or nothing, synced before they replace the old one, never through a link."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from shendu.io import atomic
from shendu.io.atomic import (
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

OLD = b"the previous complete file\n" * 100


def entries(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def test_each_writer_writes_the_whole_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    atomic_write_bytes(tmp_path / "a.bin", b"\x00\x01")
    atomic_write_text(tmp_path / "b.txt", "héllo")
    atomic_write_json(tmp_path / "c.json", {"loss": [0.5, float("nan")]})
    with atomic_open(tmp_path / "d.csv", "w", newline="") as handle:
        handle.write("a,b\r\n1,2\r\n")
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == "héllo"
    assert (tmp_path / "c.json").read_text() == '{\n  "loss": [\n    0.5,\n    NaN\n  ]\n}'
    assert (tmp_path / "d.csv").read_bytes() == b"a,b\r\n1,2\r\n"
    assert entries(tmp_path) == ["a.bin", "b.txt", "c.json", "d.csv"]


def test_a_new_file_gets_the_usual_permissions_not_the_temporary_files(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "f", b"x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(tmp_path / "f").st_mode) == 0o644


def test_savefig_writes_a_complete_image_in_the_suffixs_format(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    atomic_savefig(fig, tmp_path / "plot.png", dpi=50)
    atomic_savefig(fig, tmp_path / "plot.svg")
    plt.close(fig)
    assert (tmp_path / "plot.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<svg" in (tmp_path / "plot.svg").read_bytes()
    assert entries(tmp_path) == ["plot.png", "plot.svg"]


def test_a_failure_between_writing_and_renaming_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "last.ckpt"
    target.write_bytes(OLD)

    def full_disk(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full_disk)
    with pytest.raises(WriteError, match=r"cannot write '.*last\.ckpt': No space left on device") as info:
        atomic_write_bytes(target, b"new")
    assert info.value.errno == errno.ENOSPC
    assert target.read_bytes() == OLD
    assert entries(tmp_path) == ["last.ckpt"]


def test_a_failure_halfway_through_the_data_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "history.csv"
    target.write_bytes(OLD)
    with pytest.raises(RuntimeError, match="plotting failed"), atomic_open(target, "wb") as handle:
        handle.write(b"half of the new ")
        handle.flush()
        raise RuntimeError("plotting failed")
    assert target.read_bytes() == OLD
    assert entries(tmp_path) == ["history.csv"]


def test_a_full_disk_while_writing_is_a_write_error_naming_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "loss.png"
    target.write_bytes(OLD)

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", no_space)
    with pytest.raises(WriteError, match=r"cannot write '.*loss\.png': No space left on device"):
        atomic_write_bytes(target, b"new image")
    assert target.read_bytes() == OLD
    assert entries(tmp_path) == ["loss.png"]


def test_the_file_is_synced_before_the_rename_and_the_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "best.safetensors"
    target.write_bytes(OLD)
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        what = os.readlink(f"/proc/self/fd/{fd}")
        # What the synced descriptor holds at that moment: the new data in a file, or the folder.
        kind = "folder" if os.path.isdir(what) else "file:" + Path(what).read_bytes().decode()
        events.append(("fsync", kind))
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        events.append(("replace", Path(dst).name))
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    monkeypatch.setattr(atomic.os, "replace", replace)
    atomic_write_bytes(target, b"new weights")
    assert events == [("fsync", "file:new weights"), ("replace", "best.safetensors"), ("fsync", "folder")]
    assert target.read_bytes() == b"new weights"


def test_a_symlink_target_is_refused_and_what_it_points_to_is_untouched(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(OLD)
    run = tmp_path / "run"
    run.mkdir()
    (run / "history.json").symlink_to(victim)
    (run / "dangling.png").symlink_to(tmp_path / "nowhere")
    with pytest.raises(UnsafePathError, match=r"refusing to write '.*history\.json': it is a symbolic link \(to '"):
        atomic_write_json(run / "history.json", [1])
    with pytest.raises(UnsafePathError, match=r"refusing to write '.*dangling\.png': it is a symbolic link"):
        atomic_write_bytes(run / "dangling.png", b"x")
    assert victim.read_bytes() == OLD
    assert not (tmp_path / "nowhere").exists()
    assert (run / "history.json").is_symlink() and entries(run) == ["dangling.png", "history.json"]


def test_a_link_planted_under_the_temporary_name_is_never_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(OLD)
    names = iter(["planted0", "fresh001"])
    monkeypatch.setattr(atomic.secrets, "token_hex", lambda n: next(names))
    (tmp_path / ".last.ckpt.planted0.tmp").symlink_to(victim)
    atomic_write_bytes(tmp_path / "last.ckpt", b"new")
    assert victim.read_bytes() == OLD
    assert (tmp_path / "last.ckpt").read_bytes() == b"new"
    assert (tmp_path / ".last.ckpt.planted0.tmp").is_symlink()


def test_a_folder_or_fifo_target_is_refused_without_opening_it(tmp_path: Path) -> None:
    (tmp_path / "plots").mkdir()
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(UnsafePathError, match=r"cannot write '.*plots': it is a folder"):
        atomic_write_bytes(tmp_path / "plots", b"x")
    with pytest.raises(UnsafePathError, match=r"refusing to write '.*pipe': it exists and is not a regular file"):
        atomic_write_bytes(tmp_path / "pipe", b"x")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe").st_mode)


def test_a_missing_folder_is_a_write_error(tmp_path: Path) -> None:
    with pytest.raises(WriteError, match=r"cannot write '.*missing/f': No such file or directory"):
        atomic_write_bytes(tmp_path / "missing" / "f", b"x")


def test_the_mode_must_be_a_write_mode(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"atomic_open: mode must be 'w' or 'wb', got 'a'"):
        with atomic_open(tmp_path / "f", "a"):
            pass


def test_ensure_writable_folder_creates_it_and_leaves_nothing(tmp_path: Path) -> None:
    folder = ensure_writable_folder(tmp_path / "a" / "b")
    assert folder.is_dir() and entries(folder) == []
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(WriteError, match=r"cannot write to the folder '.*file/run'"):
        ensure_writable_folder(tmp_path / "file" / "run")


def test_check_no_symlinks_names_every_link(tmp_path: Path) -> None:
    check_no_symlinks(tmp_path / "absent")
    (tmp_path / "last.ckpt").write_bytes(b"x")
    check_no_symlinks(tmp_path)
    (tmp_path / "loss.png").symlink_to("/etc/hostname")
    with pytest.raises(UnsafePathError, match=r"it holds symbolic links \(loss\.png -> /etc/hostname\)"):
        check_no_symlinks(tmp_path)


def test_stale_temporaries_are_removed(tmp_path: Path) -> None:
    atomic_write_bytes(tmp_path / "last.ckpt", b"complete")
    (tmp_path / ".last.ckpt.abc123.tmp").write_bytes(b"half a checkpoint")
    (tmp_path / ".other.abc123.tmp").write_bytes(b"not ours")
    assert remove_stale_temporaries(tmp_path / "last.ckpt") == 1
    assert entries(tmp_path) == [".other.abc123.tmp", "last.ckpt"]


def test_without_replace_an_existing_file_is_kept_even_one_that_appears_during_the_write(tmp_path: Path) -> None:
    target = tmp_path / "model.onnx"
    atomic_write_bytes(target, b"new", replace=False)
    assert target.read_bytes() == b"new"
    with pytest.raises(FileExistsError, match=r"model\.onnx' already exists"):
        atomic_write_bytes(target, b"newer", replace=False)
    assert target.read_bytes() == b"new"
    late = tmp_path / "late.bin"
    with pytest.raises(FileExistsError, match=r"late\.bin' already exists"):
        with atomic.atomic_open(late, "wb", replace=False) as handle:
            handle.write(b"mine")
            late.write_bytes(b"someone else's")  # created while the block runs
    assert late.read_bytes() == b"someone else's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["late.bin", "model.onnx"]
