from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pytest

import shendu
from shendu.io import CheckpointError


def randn(*shape: int) -> shendu.Tensor:
    return shendu.from_numpy(np.random.default_rng(0).standard_normal(shape).astype(np.float32))


def sample() -> dict:
    return {
        "model": {"layer.weight": randn(3, 4), "layer.bias": shendu.zeros(4, dtype=shendu.float64)},
        "optimizer": {"state": {0: {"step": 3, "exp_avg": shendu.ones(2)}}, "param_groups": [{"lr": 1e-3}]},
        "epoch": 7,
        "name": "run",
        "betas": (0.9, 0.999),
        "flags": [True, None, float("inf")],
        "mask": shendu.tensor([True, False]),
        "table": np.arange(6, dtype=np.int32).reshape(2, 3),
    }


def test_round_trip_keeps_values_types_and_keys(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.safetensors"
    original = sample()
    shendu.save(original, path)
    loaded = shendu.load(path)
    assert loaded["epoch"] == 7 and loaded["name"] == "run" and loaded["betas"] == (0.9, 0.999)
    assert loaded["flags"] == [True, None, float("inf")]
    assert list(loaded["optimizer"]["state"]) == [0]
    np.testing.assert_array_equal(loaded["model"]["layer.weight"].numpy(), original["model"]["layer.weight"].numpy())
    assert loaded["model"]["layer.bias"].dtype == shendu.float64
    assert loaded["mask"].dtype == shendu.bool
    np.testing.assert_array_equal(loaded["table"], original["table"])


def test_requires_grad_and_non_contiguous_tensors(tmp_path: Path) -> None:
    w = randn(3, 2).requires_grad_()
    shendu.save({"w": w, "t": randn(4, 5)._array.T}, tmp_path / "a")
    loaded = shendu.load(tmp_path / "a", map_location="cpu")
    assert loaded["w"].requires_grad and loaded["t"].shape == (5, 4)


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "ckpt"
    shendu.save({"v": 1}, path)
    shendu.save({"v": 2}, path)
    assert shendu.load(path)["v"] == 2
    assert os.listdir(tmp_path) == ["ckpt"]


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "ckpt"
    shendu.save({"v": 1}, path)
    with pytest.raises(TypeError, match=r"save: cannot store a object at obj\['bad'\]"):
        shendu.save({"bad": object()}, path)
    assert shendu.load(path)["v"] == 1


def test_unwritable_folder(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="save: cannot write"):
        shendu.save({"v": 1}, tmp_path / "missing" / "ckpt")


def _hostile_files(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "good"
    shendu.save(sample(), good)
    payload = good.read_bytes()
    files = {
        "garbage": os.urandom(256),
        "empty": b"",
        "truncated": payload[: len(payload) // 2],
        "header only": payload[:12],
        "oversized header": struct.pack("<Q", 2**62) + b"{}",
        "header longer than file": struct.pack("<Q", 10_000) + b'{"a": 1}',
        "not json": struct.pack("<Q", 8) + b"\xff" * 8,
        "pickle": b"\x80\x04\x95" + os.urandom(64),
    }
    flipped = bytearray(payload)
    for i in range(12, min(len(flipped), 400), 37):
        flipped[i] ^= 0x5A
    files["bit-flipped header"] = bytes(flipped)
    paths = {}
    for name, data in files.items():
        p = tmp_path / name.replace(" ", "_")
        p.write_bytes(data)
        paths[name] = p
    return paths


def test_hostile_files_raise_a_clear_error_naming_the_path(tmp_path: Path) -> None:
    for name, path in _hostile_files(tmp_path).items():
        with pytest.raises(CheckpointError, match=r"load: '.*" + path.name + "'") as info:
            shendu.load(path)
        assert isinstance(info.value, ValueError), name


def test_other_safetensors_files_are_refused(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    save_file({"w": np.zeros(2, np.float32)}, tmp_path / "plain.safetensors")
    with pytest.raises(CheckpointError, match="a safetensors file but not a shendu checkpoint"):
        shendu.load(tmp_path / "plain.safetensors")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match=r"load: no checkpoint at '.*nothing'"):
        shendu.load(tmp_path / "nothing")
    with pytest.raises(CheckpointError, match="is a folder, not a checkpoint file"):
        shendu.load(tmp_path)


def test_zero_dim_tensors_keep_their_shape(tmp_path: Path) -> None:
    shendu.save({"step": shendu.tensor(3.0), "n": np.array(5)}, tmp_path / "s")
    loaded = shendu.load(tmp_path / "s")
    assert loaded["step"].shape == () and loaded["n"].shape == ()


def test_stale_temporaries_are_removed(tmp_path: Path) -> None:
    from shendu.io import remove_stale_temporaries

    shendu.save({"v": 1}, tmp_path / "last.ckpt")
    (tmp_path / ".last.ckpt.abc123.tmp").write_bytes(b"half a checkpoint")
    assert remove_stale_temporaries(tmp_path / "last.ckpt") == 1
    assert sorted(os.listdir(tmp_path)) == ["last.ckpt"]
