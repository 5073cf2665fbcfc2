from __future__ import annotations

from collections.abc import Iterator

import pytest

import shendu


@pytest.fixture(autouse=True)
def restore() -> Iterator[None]:
    yield
    shendu.set_float32_matmul_precision("highest")
    shendu.use_deterministic_algorithms(False)


def test_matmul_precision_is_kept_and_sets_tf32_as_pytorch_does() -> None:
    assert shendu.get_float32_matmul_precision() == "highest" and not shendu.backends.cuda.matmul.allow_tf32
    a = shendu.randn(8, 8)
    full = (a @ a).numpy()
    shendu.set_float32_matmul_precision("high")
    assert shendu.get_float32_matmul_precision() == "high" and shendu.backends.cuda.matmul.allow_tf32
    assert ((a @ a).numpy() == full).all()  # products stay full float32
    with pytest.raises(
        ValueError, match="set_float32_matmul_precision: expected 'highest', 'high' or 'medium', got 'low'"
    ):
        shendu.set_float32_matmul_precision("low")


def test_deterministic_algorithms_are_kept() -> None:
    assert not shendu.are_deterministic_algorithms_enabled()
    shendu.use_deterministic_algorithms(True, warn_only=True)
    assert shendu.are_deterministic_algorithms_enabled() and shendu.is_deterministic_algorithms_warn_only_enabled()
    with pytest.raises(TypeError, match="use_deterministic_algorithms: mode must be True or False, got str"):
        shendu.use_deterministic_algorithms("yes")
