from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from shendu.datasets import IDXError, read_idx


def write_idx(path: Path, array: np.ndarray, magic: bytes | None = None, compress: bool = True) -> Path:
    header = magic or bytes([0, 0, 0x08, array.ndim])
    payload = header + b"".join(int(s).to_bytes(4, "big") for s in array.shape) + array.astype(np.uint8).tobytes()
    if compress:
        path.write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)
    return path


def test_reads_generated_files(tmp_path: Path) -> None:
    images = np.arange(2 * 3 * 4).reshape(2, 3, 4).astype(np.uint8)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "a.gz", images)), images)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "raw", images, compress=False)), images)


def test_bad_magic_number(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "bad.gz", np.zeros((2, 2)), magic=b"\x12\x34\x08\x02")
    with pytest.raises(IDXError, match=r"bad.gz' has magic number 0x12340802, which is not an IDX header"):
        read_idx(path)


def test_wrong_counts(tmp_path: Path) -> None:
    path = tmp_path / "short.gz"
    payload = bytes([0, 0, 8, 1]) + (100).to_bytes(4, "big") + bytes(10)
    path.write_bytes(gzip.compress(payload))
    with pytest.raises(IDXError, match=r"has 18 bytes but its header \(shape \(100,\)\) needs 108"):
        read_idx(path)


def test_truncated_gzip(tmp_path: Path) -> None:
    good = write_idx(tmp_path / "good.gz", np.random.default_rng(0).integers(0, 255, (50, 28, 28)))
    cut = tmp_path / "cut.gz"
    cut.write_bytes(good.read_bytes()[:200])
    with pytest.raises(IDXError, match=r"cannot read .*cut.gz.*truncated or not gzip data"):
        read_idx(cut)


def test_wrong_dimension_count_and_tiny_files(tmp_path: Path) -> None:
    labels = write_idx(tmp_path / "labels.gz", np.zeros(5))
    with pytest.raises(IDXError, match="holds 1-d data, expected 3-d"):
        read_idx(labels, expected_ndim=3)
    tiny = tmp_path / "tiny"
    tiny.write_bytes(b"\x00\x00")
    with pytest.raises(IDXError, match="2 bytes long, too short"):
        read_idx(tiny)


def test_big_endian_types_come_back_native(tmp_path: Path) -> None:
    values = np.arange(-12, 12, dtype=">i4").reshape(2, 3, 4)
    path = tmp_path / "ints.gz"
    header = bytes([0, 0, 0x0C, 3]) + b"".join(int(s).to_bytes(4, "big") for s in values.shape)
    path.write_bytes(gzip.compress(header + values.tobytes()))
    got = read_idx(path)
    assert got.dtype == np.dtype("int32") and got.dtype.isnative
    np.testing.assert_array_equal(got, np.arange(-12, 12).reshape(2, 3, 4))


def test_trailing_bytes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "long"
    path.write_bytes(bytes([0, 0, 8, 1]) + (3).to_bytes(4, "big") + bytes(5))
    with pytest.raises(IDXError, match=r"has 13 bytes but its header \(shape \(3,\)\) needs 11"):
        read_idx(path)


def test_reading_takes_no_more_memory_than_the_array(tmp_path: Path) -> None:
    # 40 MB of images: reading the whole file into bytes first would peak at two or three copies.
    path = write_idx(tmp_path / "big.gz", np.zeros((1000, 200, 200), np.uint8))
    code = (
        "import sys\n"
        "from shendu.datasets import read_idx\n"
        "def peak():\n"
        "    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "before = peak()\n"
        f"images = read_idx({str(path)!r})\n"
        "print((peak() - before) / 1024)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    grown_mb = float(done.stdout)
    assert 35 < grown_mb < 55, grown_mb


def test_empty_and_implausible_shapes(tmp_path: Path) -> None:
    empty = write_idx(tmp_path / "empty.gz", np.zeros((0, 28, 28), np.uint8))
    assert read_idx(empty).shape == (0, 28, 28)
    many = tmp_path / "many"
    many.write_bytes(bytes([0, 0, 8, 65]) + (1).to_bytes(4, "big") * 65 + bytes(1))
    with pytest.raises(IDXError, match=r"many' claims 65 dimensions, more than the 64 an array can have"):
        read_idx(many)
    # The product of these sizes wraps to 0 in 64-bit integers.
    wrapping = tmp_path / "wrapping"
    wrapping.write_bytes(bytes([0, 0, 8, 3]) + b"".join(n.to_bytes(4, "big") for n in (2**31, 2**31, 4)))
    with pytest.raises(IDXError, match=r"claims shape \(2147483648, 2147483648, 4\), which is implausibly large"):
        read_idx(wrapping)
