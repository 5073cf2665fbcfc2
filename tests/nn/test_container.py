from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
import torch

import shendu
from shendu import nn
from tests.nn.helpers import check_module


def layers(lib: Any) -> list[Any]:
    return [lib.Linear(4, 5), lib.ReLU(), lib.Linear(5, 3), lib.Tanh()]


def keys(module: Any) -> list[str]:
    return list(module._modules)


def test_sequential_matches_torch() -> None:
    torch.manual_seed(0)
    check_module(torch.nn.Sequential(*layers(torch.nn)), lambda: nn.Sequential(*layers(nn)), (6, 4))
    check_module(
        torch.nn.Sequential(OrderedDict([("fc", torch.nn.Linear(3, 2)), ("act", torch.nn.Sigmoid())])),
        lambda: nn.Sequential(OrderedDict([("fc", nn.Linear(3, 2)), ("act", nn.Sigmoid())])),
        (5, 3),
    )


def test_sequential_indexing_and_slicing() -> None:
    seq = nn.Sequential(*layers(nn))
    assert len(seq) == 4
    assert isinstance(seq[0], nn.Linear) and isinstance(seq[-1], nn.Tanh) and seq[-4] is seq[0]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[1] is seq[1]
    assert keys(seq[1:3]) == ["1", "2"] and keys(seq[::2]) == ["0", "2"]
    assert list(seq) == [seq[0], seq[1], seq[2], seq[3]]
    named = nn.Sequential(OrderedDict([("a", nn.ReLU()), ("b", nn.Tanh())]))
    assert keys(named[1:]) == ["b"] and isinstance(named[-1], nn.Tanh) and isinstance(named.a, nn.ReLU)
    with pytest.raises(IndexError, match="Sequential: index 4 is out of range for a container of length 4"):
        seq[4]
    with pytest.raises(IndexError, match="index -5 is out of range"):
        seq[-5]
    with pytest.raises(TypeError, match="Sequential: indices must be ints or slices, got str 'a'"):
        seq["a"]


def test_sequential_mutation_matches_torch() -> None:
    s, t = nn.Sequential(*layers(nn)), torch.nn.Sequential(*layers(torch.nn))
    for lib_seq, lib in ((s, nn), (t, torch.nn)):
        lib_seq.append(lib.Sigmoid())
        lib_seq.insert(1, lib.Identity())
        lib_seq.insert(-1, lib.ReLU6())
        del lib_seq[0]
        lib_seq[0] = lib.Softsign()
        lib_seq.extend([lib.ELU()])
        lib_seq.pop(2)
        del lib_seq[1:3]
    assert repr(s) == repr(t)
    assert keys(s) == keys(t)
    combined = nn.Sequential(nn.ReLU()) + nn.Sequential(nn.Tanh())
    assert [type(m).__name__ for m in combined] == ["ReLU", "Tanh"]
    with pytest.raises(TypeError, match=r"Sequential: expected an nn.Module, got int"):
        nn.Sequential(nn.ReLU(), 3)
    with pytest.raises(TypeError, match=r"Sequential.append: expected an nn.Module, got str"):
        s.append("relu")
    with pytest.raises(IndexError, match=r"Sequential.insert: index 10 is out of range for length"):
        s.insert(10, nn.ReLU())
    with pytest.raises(TypeError, match="Sequential: can only add another Sequential, got list"):
        s + [nn.ReLU()]  # noqa: RUF005 - the error under test


def test_sequential_subclass_and_empty() -> None:
    class MLP(nn.Sequential):
        def __init__(self) -> None:
            super().__init__(nn.Flatten(), nn.Linear(6, 2))

    out = MLP()(shendu.ones(3, 2, 3))
    assert out.shape == (3, 2)
    x = shendu.ones(2)
    assert nn.Sequential()(x) is x


def test_module_list() -> None:
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(ml) == 3 and isinstance(ml[-1], nn.Linear)
    assert len(list(ml.parameters())) == 6
    sub = ml[1:]
    assert isinstance(sub, nn.ModuleList) and keys(sub) == ["0", "1"] and sub[0] is ml[1]
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    ml += [nn.Sigmoid()]
    ml.insert(0, nn.Identity())
    del ml[1]
    ml[0] = nn.ELU()
    assert [type(m).__name__ for m in ml] == ["ELU", "Linear", "Linear", "ReLU", "Tanh", "Sigmoid"]
    assert keys(ml) == [str(i) for i in range(6)]
    assert isinstance(ml.pop(), nn.Sigmoid) and len(ml) == 5
    assert isinstance(ml + nn.ModuleList([nn.ReLU()]), nn.ModuleList)
    with pytest.raises(NotImplementedError, match="ModuleList has no forward"):
        ml(shendu.ones(1))
    with pytest.raises(TypeError, match=r"ModuleList.append: expected an nn.Module, got int"):
        ml.append(1)
    with pytest.raises(IndexError, match="ModuleList: index 9 is out of range for a container of length 5"):
        ml[9]


def test_module_list_repr_matches_torch() -> None:
    def build(lib: Any) -> Any:
        return lib.ModuleList([lib.Linear(2, 2), lib.Linear(2, 2), lib.ReLU(), lib.Linear(2, 2), lib.ReLU()])

    assert repr(build(nn)) == repr(build(torch.nn))
    assert list(build(nn).state_dict()) == list(build(torch.nn).state_dict())


def test_module_dict() -> None:
    md = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.ReLU()})
    md["c"] = nn.Tanh()
    md.update([("d", nn.Sigmoid())])
    assert list(md) == ["a", "b", "c", "d"] and list(md.keys()) == ["a", "b", "c", "d"]
    assert "a" in md and "z" not in md and len(md) == 4
    assert isinstance(md["a"], nn.Linear) and isinstance(md.b, nn.ReLU)
    assert [type(m).__name__ for m in md.values()] == ["Linear", "ReLU", "Tanh", "Sigmoid"]
    assert [k for k, _ in md.items()] == ["a", "b", "c", "d"]
    assert isinstance(md.pop("d"), nn.Sigmoid)
    del md["c"]
    assert list(md) == ["a", "b"]
    assert list(md.state_dict()) == ["a.weight", "a.bias"]
    with pytest.raises(KeyError, match="ModuleDict: no module named 'zz'"):
        md["zz"]
    with pytest.raises(TypeError, match=r"ModuleDict.update: expected \(name, module\) pairs, got 3"):
        md.update([3])
    with pytest.raises(NotImplementedError, match="ModuleDict has no forward"):
        md(1)
    md.clear()
    assert len(md) == 0


def test_identity_flatten_unflatten() -> None:
    check_module(torch.nn.Identity(3, unused=True), lambda: nn.Identity(3, unused=True), (2, 3))
    check_module(torch.nn.Flatten(), nn.Flatten(), (2, 3, 4))
    check_module(torch.nn.Flatten(0, -2), nn.Flatten(0, -2), (2, 3, 4))
    check_module(torch.nn.Unflatten(1, (2, 3)), nn.Unflatten(1, (2, 3)), (4, 6))
    check_module(torch.nn.Unflatten(-1, (2, -1)), nn.Unflatten(-1, (2, -1)), (4, 6))
    with pytest.raises(TypeError, match="Unflatten: unflattened_size must be a tuple or list of ints, got int"):
        nn.Unflatten(1, 4)


def test_paths_follow_registration() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Linear(2, 2)))
    inner = model[1][1]
    assert inner._path == "1.1"
    holder = nn.Module()
    holder.body = model
    assert inner._path == "body.1.1" and model._path == "body"
    piece = model[1:]
    assert inner._path == "body.1.1"  # slicing shares modules without moving them
    ml = nn.ModuleList([nn.ReLU(), nn.Tanh()])
    holder.blocks = ml
    del ml[0]
    assert ml[0]._path == "blocks.0"
    assert piece[0] is model[1]
    assert np.all(nn.Identity()(shendu.ones(2)).numpy() == 1)
