from __future__ import annotations

import pytest

import shendu
from shendu import _bind
from shendu.ops import elementwise, reduction


def test_every_name_in_the_tables_has_an_op() -> None:
    assert _bind.missing_methods() == []


def test_methods_are_the_ops_themselves() -> None:
    assert shendu.Tensor.sum is reduction.sum
    assert shendu.Tensor.clip is elementwise.clamp
    for name, (module, func) in _bind.METHODS.items():
        assert getattr(shendu.Tensor, name) is getattr(module, func), name


@pytest.mark.parametrize("table", ["METHODS", "INPLACE", "OPERATORS"])
def test_bind_refuses_a_name_with_no_op_and_attaches_nothing(monkeypatch: pytest.MonkeyPatch, table: str) -> None:
    entries = {**getattr(_bind, table), "frobnicate": (elementwise, "frobnicate")}
    monkeypatch.setattr(_bind, table, entries)
    assert _bind.missing_methods() == ["frobnicate"]
    with pytest.raises(AttributeError, match=r"no op provides the Tensor method\(s\) frobnicate; .*shendu/_bind\.py"):
        _bind.bind()
    assert not hasattr(shendu.Tensor, "frobnicate")
