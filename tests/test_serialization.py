"""``shendu.serialization``: the allowlist of classes a weights-only load may rebuild."""

from __future__ import annotations

import pytest

import shendu
from shendu import nn
from shendu.serialization import add_safe_globals, clear_safe_globals, disallowed, get_safe_globals, safe_globals


@pytest.fixture(autouse=True)
def _empty_allowlist():
    clear_safe_globals()
    yield
    clear_safe_globals()


def test_allowing_and_forgetting() -> None:
    add_safe_globals([nn.Linear, nn.ReLU])
    assert get_safe_globals() == [nn.Linear, nn.ReLU]
    assert disallowed(["shendu.nn.modules.linear:Linear", "a.b:C"]) == ["a.b:C"]
    clear_safe_globals()
    assert get_safe_globals() == []


def test_the_context_manager_allows_inside_the_block_only() -> None:
    add_safe_globals([nn.Tanh])
    with safe_globals([nn.Linear]):
        assert set(get_safe_globals()) == {nn.Tanh, nn.Linear}
    assert get_safe_globals() == [nn.Tanh]


def test_a_pair_names_where_a_file_finds_the_class() -> None:
    add_safe_globals([(nn.Linear, "old.place.Linear")])
    assert disallowed(["old.place:Linear"]) == []


def test_what_is_not_importable_is_refused() -> None:
    with pytest.raises(TypeError, match=r"add_safe_globals: .* is not a class or function importable by its name"):
        add_safe_globals([lambda: 0])
    assert shendu.serialization.save is shendu.save and shendu.serialization.load is shendu.load
