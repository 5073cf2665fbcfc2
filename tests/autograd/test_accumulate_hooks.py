"""Tensor.register_post_accumulate_grad_hook, run as the same program under PyTorch and shendu."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import shendu
from shendu.errors import GraphError


def record(lib: Any, program: Callable[[Any, Any], None]) -> list[list[float]]:
    """Run ``program(lib, w)`` with a hook on ``w`` that records ``w.grad`` each time it is called."""
    w = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    seen: list[list[float]] = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.detach().numpy().tolist()))
    program(lib, w)
    return seen


PROGRAMS = {
    "used once": lambda lib, w: (w * 3).sum().backward(),
    "used twice in one graph": lambda lib, w: (w * 2 + w * w).sum().backward(),
    "two backwards accumulate": lambda lib, w: [(w * k).sum().backward() for k in (1.0, 4.0)],
    "the leaf is the root": lambda lib, w: w.backward(lib.ones(2, dtype=lib.float64)),
    "the leaf is a root and inside the graph": lambda lib, w: lib.autograd.backward(
        [w, (w * 5).sum()], [lib.ones(2, dtype=lib.float64), None]
    ),
    "autograd.grad accumulates nothing": lambda lib, w: lib.autograd.grad((w * 2).sum(), w),
    "another leaf's backward": lambda lib, w: (lib.ones(2, requires_grad=True) * 2).sum().backward(),
}


@pytest.mark.parametrize("name", PROGRAMS)
def test_calls_and_gradients_match_torch(name: str) -> None:
    program = PROGRAMS[name]
    assert record(shendu, program) == record(torch, program)


def test_hook_may_change_the_gradient_in_place() -> None:
    def program(lib: Any) -> list[float]:
        w = lib.ones(2, dtype=lib.float64, requires_grad=True)

        def scale(t: Any) -> None:
            t.grad.mul_(10)

        w.register_post_accumulate_grad_hook(scale)
        (w * 3).sum().backward()
        return w.grad.numpy().tolist()

    assert program(shendu) == program(torch)


def test_handle_removes_the_hook() -> None:
    w = shendu.ones(2, requires_grad=True)
    calls: list[int] = []
    handle = w.register_post_accumulate_grad_hook(lambda t: calls.append(1))
    w.sum().backward()
    handle.remove()
    w.sum().backward()
    assert calls == [1]


def test_hooks_run_in_registration_order_once_each() -> None:
    w = shendu.ones(2, requires_grad=True)
    order: list[str] = []
    w.register_post_accumulate_grad_hook(lambda t: order.append("a"))
    w.register_post_accumulate_grad_hook(lambda t: order.append("b"))
    (w * w * w).sum().backward()
    assert order == ["a", "b"]


def test_hook_runs_before_backward_reaches_earlier_layers() -> None:
    # What data-parallel training relies on: a late layer's hook fires while backward is still going.
    first = shendu.nn.Linear(3, 3)
    second = shendu.nn.Linear(3, 1)
    events: list[str] = []
    second.weight.register_post_accumulate_grad_hook(lambda t: events.append("second"))
    first.weight.register_hook(lambda g: events.append("first"))
    second(first(shendu.ones(2, 3))).sum().backward()
    assert events == ["second", "first"]


def test_a_tensor_without_hooks_is_not_kept_alive() -> None:
    import gc
    import weakref

    w = shendu.ones(2, requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda t: None)
    ref = weakref.ref(w)
    del w
    gc.collect()
    assert ref() is None


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: shendu.ones(2, requires_grad=True) * 2, "only be registered on leaf tensors"),
        (lambda: shendu.ones(2), "does not require grad"),
    ],
)
def test_errors(make: Callable[[], shendu.Tensor], match: str) -> None:
    with pytest.raises(GraphError, match=match):
        make().register_post_accumulate_grad_hook(lambda t: None)


def test_error_for_a_hook_that_returns_a_value() -> None:
    w = shendu.ones(2, requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda t: t.grad * 0)
    with pytest.raises(GraphError, match="must return None"):
        w.sum().backward()


def test_error_for_a_hook_that_is_not_callable() -> None:
    with pytest.raises(TypeError, match="expected a callable, got int"):
        shendu.ones(2, requires_grad=True).register_post_accumulate_grad_hook(3)  # type: ignore[arg-type]


def test_gradients_are_unchanged_by_a_hook_that_only_reads() -> None:
    x = shendu.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x.register_post_accumulate_grad_hook(lambda t: None)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2 * np.arange(6.0).reshape(2, 3))
