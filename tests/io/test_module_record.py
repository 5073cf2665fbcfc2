"""Module records: a model rebuilt from its class path, constructor arguments and submodules, without pickle."""

from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np
import pytest

import shendu
from shendu import nn
from shendu.io.module_record import RecordError, global_path, paths_in, rebuild, record


class Encoder(nn.Module):
    def __init__(self, sizes: tuple[int, ...], act: type = nn.ReLU, dtype: Any = None, table: Any = None) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for a, b in itertools.pairwise(sizes):
            layers += [nn.Linear(a, b, dtype=dtype), act()]
        self.body = nn.Sequential(*layers)
        self.register_buffer("table", table if table is not None else shendu.zeros(1))

    def forward(self, x: Any) -> Any:
        return self.body(x)


class Wrapper(nn.Module):
    def __init__(self, inner: nn.Module, *, scale: float = 1.0) -> None:
        super().__init__()
        self.inner, self.scale = inner, scale

    def forward(self, x: Any) -> Any:
        return self.inner(x) * self.scale


class Derived(Encoder):
    pass


def roundtrip(module: nn.Module) -> nn.Module:
    arrays: dict[str, Any] = {}

    def encode(t: Any, where: str) -> dict:
        arrays[f"t{len(arrays)}"] = t
        return {"__tensor__": f"t{len(arrays) - 1}"}

    tree = json.loads(json.dumps(record(module, encode)))  # what the file holds is JSON
    built = rebuild(tree, lambda node, where: arrays[node["__tensor__"]])
    built.load_state_dict(module.state_dict())
    return built


def same_model(a: nn.Module, b: nn.Module) -> None:
    assert repr(a) == repr(b) and type(a) is type(b)
    assert [n for n, _ in a.named_parameters()] == [n for n, _ in b.named_parameters()]
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        assert np.array_equal(x.numpy(), y.numpy()), name
    assert [m.training for m in a.modules()] == [m.training for m in b.modules()]


def test_constructor_arguments_are_remembered() -> None:
    enc = Encoder((3, 4), act=nn.Tanh)
    assert enc._constructor_args == (((3, 4),), {"act": nn.Tanh})
    assert Derived((2, 2))._constructor_args == (((2, 2),), {})
    assert enc.body[0]._constructor_args == ((3, 4), {"dtype": None})
    assert nn.Module().__dict__.get("_constructor_args") is None


@pytest.mark.parametrize(
    "make",
    [
        lambda: Encoder((3, 5, 2)),
        lambda: Encoder((3, 2), act=nn.Sigmoid, dtype=shendu.float64, table=shendu.arange(4.0)),
        lambda: Derived((2, 3)),
        lambda: Wrapper(Encoder((2, 2)), scale=0.5),
        lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten()),
        lambda: nn.LSTM(3, 4, num_layers=2, batch_first=True),
        lambda: nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.ModuleList([nn.ReLU(), nn.Linear(2, 1)])}),
    ],
)
def test_models_rebuild_the_same(make: Any) -> None:
    model = make()
    model.eval()
    same_model(roundtrip(model), model)


def test_submodules_replaced_after_construction_come_back() -> None:
    model = Encoder((3, 4, 5))
    model.body[2] = nn.Linear(4, 7)
    model.head = nn.Dropout(0.2)
    model.body[1].train(False)
    built = roundtrip(model)
    same_model(built, model)
    assert built.body[2].out_features == 7 and isinstance(built.head, nn.Dropout)


def test_record_names_the_classes_it_would_import() -> None:
    tree = record(Wrapper(Encoder((2, 2))), lambda t, w: {"__tensor__": "t0"})
    assert paths_in(tree) == {
        "tests.io.test_module_record:Wrapper",
        "tests.io.test_module_record:Encoder",
        "shendu.nn.modules.container:Sequential",
        "shendu.nn.modules.linear:Linear",
        "shendu.nn.modules.activation:ReLU",
    }
    assert global_path(Encoder) == "tests.io.test_module_record:Encoder"
    assert global_path(lambda: 0) is None


def test_what_cannot_be_saved_whole_is_refused_on_save() -> None:
    class Local(nn.Module):
        pass

    encode = lambda t, w: {}  # noqa: E731
    with pytest.raises(TypeError, match=r"cannot save model \(Local\) whole: its class is not importable"):
        record(Local(), encode)
    with pytest.raises(TypeError, match=r"model \(Encoder\) whole: its constructor's kwargs\['act'\] is a function"):
        record(Encoder((2, 2), act=lambda: nn.ReLU()), encode)
    with pytest.raises(TypeError, match=r"constructor's args\[0\] is a set"):
        record(_with_args(nn.Identity(), ({1},), {}), encode)


def _with_args(module: nn.Module, args: tuple, kwargs: dict) -> nn.Module:
    object.__setattr__(module, "_constructor_args", (args, kwargs))
    return module


def test_bad_records_are_refused_on_load() -> None:
    good = record(Encoder((2, 2)), lambda t, w: {"__tensor__": "t0"})

    def broken(**changes: Any) -> dict:
        return {**good, **changes}

    decode = lambda node, where: shendu.zeros(1)  # noqa: E731
    with pytest.raises(RecordError, match=r"model: a module record needs exactly the fields"):
        rebuild({"class": "x:y"}, decode)
    with pytest.raises(RecordError, match=r"cannot import 'no_such_module_here'"):
        rebuild(broken(**{"class": "no_such_module_here:Net"}), decode)
    with pytest.raises(RecordError, match=r"'os:getcwd' is not a Module class"):
        rebuild(broken(**{"class": "os:getcwd"}), decode)
    with pytest.raises(RecordError, match=r"could not be built again: TypeError"):
        rebuild(broken(args=[], kwargs={"__dict__": []}), decode)
    with pytest.raises(RecordError, match=r"unexpected entry '__eval__' in the arguments"):
        rebuild(broken(args=[{"__eval__": "1"}]), decode)
    with pytest.raises(RecordError, match=r"has no 'Missing'"):
        rebuild(broken(**{"class": "tests.io.test_module_record:Missing"}), decode)
