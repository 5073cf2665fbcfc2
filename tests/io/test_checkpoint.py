from __future__ import annotations

import gc
import io
import json
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shendu
from shendu.io import CheckpointError
from shendu.io.checkpoint import MAX_HEADER_BYTES, MAX_TENSORS
from tests.helpers import COUNTS, FIGURES


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


def test_files_of_pytorch_and_numpy_are_named_with_what_to_do(tmp_path: Path) -> None:
    import torch

    torch.save(torch.nn.Linear(2, 2).state_dict(), tmp_path / "weights.pt")
    torch.save({"w": torch.ones(2)}, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    np.save(tmp_path / "array.npy", np.ones(2))
    port = r"shendu.load reads only the files shendu.save writes; .*load_state_dict \(see the porting guide\)"
    with pytest.raises(
        CheckpointError, match=r"load: '.*weights.pt' is not a shendu checkpoint: it is a zip archive, "
    ):
        shendu.load(tmp_path / "weights.pt")
    with pytest.raises(CheckpointError, match=r"PyTorch's torch.save format \(.pt, .pth\) of pickles. " + port):
        shendu.load(io.BytesIO((tmp_path / "weights.pt").read_bytes()))
    with pytest.raises(CheckpointError, match="it is a Python pickle, as PyTorch's older torch.save wrote. " + port):
        shendu.load(tmp_path / "legacy.pt")
    with pytest.raises(CheckpointError, match=r"it is a NumPy \.npy file; read it with numpy\.load"):
        shendu.load(tmp_path / "array.npy")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match=r"load: no checkpoint at '.*nothing'"):
        shendu.load(tmp_path / "nothing")
    with pytest.raises(CheckpointError, match="is a folder, not a checkpoint file"):
        shendu.load(tmp_path)


def test_zero_dim_tensors_keep_their_shape(tmp_path: Path) -> None:
    shendu.save({"step": shendu.tensor(3.0), "n": np.array(5)}, tmp_path / "s")
    loaded = shendu.load(tmp_path / "s")
    assert loaded["step"].shape == () and loaded["n"].shape == ()


# ------------------------------------------------------------------ hostile structures

TENSORS = {  # name: (safetensors dtype, shape, bytes)
    "t0": ("F32", (2, 3), np.arange(6, dtype=np.float32).tobytes()),
    "t1": ("I64", (), np.int64(7).tobytes()),
    "t2": ("F8_E4M3", (2,), b"\x01\x02"),
    "t3": ("BF16", (1,), b"\x00\x3f"),
    "t4": ("BOOL", (3,), b"\x01\x00\x01"),
}


def raw_checkpoint(path: Path, structure: str, tensors: dict | None = None, fmt: str = "shendu-checkpoint-1") -> Path:
    """A safetensors file written byte by byte, with any structure text and any declared dtypes."""
    header: dict[str, Any] = {}
    data = b""
    for name, (dtype, shape, payload) in (TENSORS if tensors is None else tensors).items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    header["__metadata__"] = {"format": fmt, "structure": structure}
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + data)
    return path


def loads_or_refuses(path: Path) -> Any:
    """``shendu.load(path)``, which may only succeed or raise a CheckpointError naming the path."""
    try:
        return shendu.load(path)
    except CheckpointError as exc:
        assert f"load: '{path}'" in str(exc) or f"load: {str(path)!r}" in str(exc), str(exc)
        assert "\n" not in str(exc)
        return exc


@pytest.mark.parametrize(
    ("structure", "match"),
    [
        ("[" * 100_000 + "]" * 100_000, r"has a corrupt structure record: nested too deeply"),
        ("[" * 700 + "]" * 700, r"bad structure at obj(\[0\]){65}: nested more than 64 levels deep"),
        ("9" * 5000, r"has a corrupt structure record: .*4300"),
        ('{"__tensor__": "t2"}', r"bad structure at obj: tensor 't2' has dtype F8_E4M3, which shendu cannot hold"),
        ('{"__ndarray__": "t3"}', r"tensor 't3' has dtype BF16"),
        ('{"__tensor__": "t9"}', r"refers to a tensor 't9' that the file lacks"),
        ('{"__tensor__": ["t0"]}', r"a tensor reference must be an array's name, got a list"),
        ('[{"__tensor__": "t0"}, {"__ndarray__": "t0"}]', r"obj\[1\]: the array 't0' is referred to twice"),
        ('{"__tensor__": "t0", "requires_grad": "yes"}', r"requires_grad must be true or false, got 'yes'"),
        ('{"__tuple__": 5}', r"a tuple's items must be a list, got a int"),
        ('{"__dict__": [[1, 2, 3]]}', r"item 0 of a dict is not a \[key, value\] pair"),
        ('{"__dict__": [[[1], 2]]}', r"item 0 of a dict has a list key"),
        ('{"__dict__": {"a": 1}}', r"a dict's items must be a list of \[key, value\] pairs, got a dict"),
        ('{"a": 1}', r"bad structure at obj: unexpected entry with keys 'a'"),
        ('{"__tensor__": "t0", "__tuple__": []}', r"unexpected entry with keys '__tensor__', '__tuple__'"),
        ("{not json", r"has a corrupt structure record"),
    ],
)
def test_malformed_structures_raise_checkpoint_errors(tmp_path: Path, structure: str, match: str) -> None:
    path = raw_checkpoint(tmp_path / "hostile", structure)
    with pytest.raises(CheckpointError, match=rf"^load: '.*hostile'[: ].*{match}"):
        shendu.load(path)
    COUNTS["hostile structure files tried"] += 1


def _json_value(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    names = st.sampled_from(["t0", "t1", "t2", "t3", "t4", "t9", 0, None, ["t0"]])
    pair = st.one_of(st.tuples(st.one_of(st.text(max_size=3), st.integers(), st.none()), children).map(list), children)
    return st.one_of(
        st.lists(children, max_size=4),
        st.builds(lambda v: {"__tuple__": v}, st.one_of(st.lists(children, max_size=3), children)),
        st.builds(lambda v: {"__dict__": v}, st.one_of(st.lists(pair, max_size=3), children)),
        st.dictionaries(st.sampled_from(["__tensor__", "__ndarray__", "requires_grad", "__tuple__", "x"]), children),
        st.builds(lambda n: {"__tensor__": n}, names),
        st.builds(lambda n, g: {"__tensor__": n, "requires_grad": g}, names, st.one_of(st.booleans(), children)),
        st.builds(lambda n: {"__ndarray__": n}, names),
    )


JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=4),
)
STRUCTURES = st.recursive(JSON_LEAVES, _json_value, max_leaves=12)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(structure=STRUCTURES, depth=st.integers(0, 80))
def test_generated_structures_load_or_raise_a_checkpoint_error(
    tmp_path_factory: Any, structure: Any, depth: int
) -> None:
    """Structures, not bytes: every node kind, valid and broken, nested up to past the depth limit."""
    for _ in range(depth):
        structure = [structure]
    path = raw_checkpoint(tmp_path_factory.mktemp("h") / "generated", json.dumps(structure))
    result = loads_or_refuses(path)
    if not isinstance(result, CheckpointError):
        assert shendu.load(path) is not None or result is None  # loads the same way twice
    COUNTS["hostile structure files tried"] += 1


def _peak_bytes_while(action: Any) -> int:
    """How far this process's resident memory rose above where it started while ``action()`` ran."""

    def status(field: str) -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise AssertionError(field)

    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM, the peak, to the current size
    before = status("VmRSS")
    action()
    return status("VmHWM") - before


def _tiny_tensors_header(count: int) -> bytes:
    entries = b",".join(
        b'"t%d":{"dtype":"U8","shape":[1],"data_offsets":[%d,%d]}' % (i, i, i + 1) for i in range(count)
    )
    return b"{" + entries + b"}"


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc to read the peak")
def test_hostile_sizes_are_refused_before_they_cost_memory(tmp_path: Path) -> None:
    """1.25 million tiny tensors, a tensor count over the limit, a giant claimed header, 16 MiB structures,
    and a 64 MB tensor that the structure never refers to."""
    many = tmp_path / "many_tiny_tensors"
    header = _tiny_tensors_header(1_250_000)
    many.write_bytes(struct.pack("<Q", len(header)) + header + b"\x00" * 1_250_000)
    over = tmp_path / "over_the_tensor_limit"
    header = _tiny_tensors_header(MAX_TENSORS + 1)
    over.write_bytes(struct.pack("<Q", len(header)) + header + b"\x00" * (MAX_TENSORS + 1))
    claimed = tmp_path / "claims_a_huge_header"
    claimed.write_bytes(struct.pack("<Q", 2**40) + b"{}")
    n = (MAX_HEADER_BYTES - 4096) // 2  # the largest structures that fit in the header
    wide = raw_checkpoint(tmp_path / "wide_structure", "[" + ",".join(["0"] * n) + "]")
    deep = raw_checkpoint(tmp_path / "deep_structure", "[" * n + "]" * n)
    expected = {
        many: r"its header claims \d+ bytes; shendu reads headers of up to 16777216",
        over: r"it declares more than the 100000 tensors a checkpoint may hold",
        claimed: r"its header claims 1099511627776 bytes",
        deep: r"nested too deeply",
    }
    peaks = {}
    for path in (many, over, claimed, wide, deep):

        def attempt(path: Path = path) -> None:
            if path in expected:
                with pytest.raises(CheckpointError, match=expected[path]):
                    shendu.load(path)
            else:
                assert len(shendu.load(path)) == n

        peaks[path.name] = _peak_bytes_while(attempt)
        COUNTS["hostile structure files tried"] += 1
    unreferenced = raw_checkpoint(
        tmp_path / "unreferenced_tensor",
        '{"__dict__": [["small", {"__tensor__": "t1"}]]}',
        {"t1": ("I64", (), np.int64(7).tobytes()), "big": ("F32", (2**24,), bytes(2**26))},
    )
    peaks[unreferenced.name] = _peak_bytes_while(lambda: shendu.load(unreferenced))
    assert peaks[unreferenced.name] < 16 * 2**20, peaks  # the 64 MB tensor that nothing refers to is never read
    COUNTS["hostile structure files tried"] += 1
    worst = max(peaks, key=peaks.get)
    FIGURES["peak memory loading the worst hostile file"] = f"{peaks[worst] / 2**20:.0f} MB ({worst})"
    assert peaks[worst] < 512 * 2**20, peaks


# ---------------------------------------------------------------------------- file objects, whole modules


class Classifier(shendu.nn.Module):
    """A model saved whole by the tests below (importable, as a saved class must be)."""

    def __init__(self, hidden: int = 8, act: type = shendu.nn.ReLU) -> None:
        super().__init__()
        self.net = shendu.nn.Sequential(shendu.nn.Linear(4, hidden), act(), shendu.nn.Linear(hidden, 3))

    def forward(self, x: Any) -> Any:
        return self.net(x)


CLASSIFIER_CLASSES = [
    Classifier,
    shendu.nn.Sequential,
    shendu.nn.Linear,
    shendu.nn.Tanh,
    shendu.nn.Dropout,
]


def test_file_objects_round_trip() -> None:
    buffer = io.BytesIO()
    shendu.save(sample(), buffer)
    buffer.seek(0)
    loaded = shendu.load(buffer)
    assert loaded["epoch"] == 7 and loaded["model"]["layer.bias"].dtype == shendu.float64
    np.testing.assert_array_equal(loaded["table"], sample()["table"])


def test_open_files_work_and_messages_name_them(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.bin"
    with open(path, "wb") as handle:
        shendu.save({"w": randn(2)}, handle)
    with open(path, "rb") as handle:
        assert shendu.load(handle)["w"].shape == (2,)
    with pytest.raises(CheckpointError, match=r"save: '<StringIO>' is open in text mode; open it for bytes"):
        shendu.save({"w": randn(2)}, io.StringIO())
    with pytest.raises(CheckpointError, match=r"load: '<StringIO>' is open in text mode; open it for bytes \('rb'\)"):
        shendu.load(io.StringIO("text"))


def test_hostile_bytes_in_a_file_object_raise_a_clear_error(tmp_path: Path) -> None:
    for name, path in _hostile_files(tmp_path).items():
        with pytest.raises(CheckpointError, match=r"load: '<BytesIO>'"):
            shendu.load(io.BytesIO(path.read_bytes()))
        assert name


def test_a_whole_module_needs_weights_only_false(tmp_path: Path) -> None:
    model = Classifier(hidden=6, act=shendu.nn.Tanh)
    model.net[2] = shendu.nn.Linear(6, 5)
    model.extra = shendu.nn.Dropout(0.3)
    model.eval()
    path = tmp_path / "model.pt"
    shendu.save(model, path)
    with pytest.raises(CheckpointError, match=r"holds a whole module, and weights_only=True does not rebuild one"):
        shendu.load(path)
    loaded = shendu.load(path, weights_only=False)
    assert type(loaded) is Classifier and repr(loaded) == repr(model) and not loaded.training
    for (name, a), b in zip(model.state_dict().items(), loaded.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    x = randn(2, 4)
    np.testing.assert_array_equal(loaded(x).detach().numpy(), model(x).detach().numpy())
    with shendu.serialization.safe_globals(CLASSIFIER_CLASSES):
        assert type(shendu.load(path, map_location="cpu")) is Classifier
    with shendu.serialization.safe_globals(CLASSIFIER_CLASSES[1:]), pytest.raises(CheckpointError, match="Classifier"):
        shendu.load(path)


def test_pytorch_refuses_a_whole_module_by_default_too() -> None:
    import torch

    buffer = io.BytesIO()
    torch.save(torch.nn.Linear(2, 2), buffer)
    buffer.seek(0)
    with pytest.raises(Exception, match="weights_only"):
        torch.load(buffer)
    buffer = io.BytesIO()
    shendu.save(shendu.nn.Linear(2, 2), buffer)
    buffer.seek(0)
    with pytest.raises(CheckpointError, match="weights_only"):
        shendu.load(buffer)
    buffer.seek(0)
    assert isinstance(shendu.load(buffer, weights_only=False), shendu.nn.Linear)


def _with_record(tmp_path: Path, record: dict) -> Path:
    """A checkpoint of a Linear whose module record is replaced by ``record``."""
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file

    good = tmp_path / "good.pt"
    shendu.save(shendu.nn.Linear(2, 2), good)
    with safe_open(str(good), framework="numpy") as handle:
        metadata = dict(handle.metadata())
    metadata["module"] = json.dumps(record)
    bad = tmp_path / "bad.pt"
    save_file(load_file(str(good)), str(bad), metadata=metadata)
    return bad


def test_a_refused_module_record_imports_nothing(tmp_path: Path) -> None:
    import sys

    record = {
        "class": "antigravity:Fly",
        "args": [],
        "kwargs": {"__dict__": []},
        "signature": "",
        "training": True,
        "children": {},
    }
    path = _with_record(tmp_path, record)
    with pytest.raises(CheckpointError, match=r"run the code of antigravity:Fly"):
        shendu.load(path)
    assert "antigravity" not in sys.modules


@pytest.mark.parametrize(
    ("record", "match"),
    [
        ({"class": "os:getcwd"}, r"cannot build the saved module again: .*'os:getcwd' is not a Module class"),
        ({"class": "no_such_package_here:Net"}, r"cannot import 'no_such_package_here'"),
        ({"args": [1, 2, 3, 4, 5, 6]}, r"could not be built again: TypeError"),
        ({"args": [{"__eval__": "1"}]}, r"unexpected entry '__eval__'"),
        ({"args": [3, 2]}, r"the saved state does not fit the rebuilt module"),
        ({"children": []}, r"children must be a mapping"),
    ],
)
def test_bad_module_records_raise_checkpoint_errors(tmp_path: Path, record: dict, match: str) -> None:
    base = {
        "class": "shendu.nn.modules.linear:Linear",
        "args": [2, 2],
        "kwargs": {"__dict__": []},
        "signature": "",
        "training": True,
        "children": {},
    }
    path = _with_record(tmp_path, {**base, **record})
    with pytest.raises(CheckpointError, match=match):
        shendu.load(path, weights_only=False)


def test_what_cannot_be_saved_whole_says_so(tmp_path: Path) -> None:
    class Local(shendu.nn.Module):
        pass

    with pytest.raises(TypeError, match=r"cannot save model \(Local\) whole: its class is not importable"):
        shendu.save(Local(), tmp_path / "a")
    with pytest.raises(TypeError, match=r"cannot store a Classifier at obj\['model'\].*save the module itself"):
        shendu.save({"model": Classifier()}, tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
