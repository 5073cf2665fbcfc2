from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np
import pytest

import shendu
from shendu.autograd import Function


def leaf(values: list[float] | float) -> shendu.Tensor:
    return shendu.tensor(values, dtype=shendu.float64, requires_grad=True)


def test_chain_of_100000_ops_backpropagates_without_recursion() -> None:
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad.item() == 1.0


def test_wide_fan_in_accumulates_every_path() -> None:
    x = leaf([1.0, 2.0])
    total = x * 0.0
    for k in range(1, 51):
        total = total + x * float(k)
    total.backward(shendu.ones(2, dtype=shendu.float64))
    np.testing.assert_array_equal(x.grad.numpy(), [1275.0, 1275.0])


def test_gradients_accumulate_across_backward_calls() -> None:
    x = leaf([1.0, 2.0])
    (x * x).backward(shendu.ones(2, dtype=shendu.float64))
    (x * 3.0).backward(shendu.ones(2, dtype=shendu.float64))
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 7.0])


def test_leaf_grad_does_not_alias_other_gradients() -> None:
    a, b = leaf([1.0]), leaf([2.0])
    (a + b).backward(shendu.ones(1, dtype=shendu.float64))
    a.grad._array += 10
    assert b.grad.item() == 1.0


def test_user_gradient_is_not_aliased_into_leaf_grad() -> None:
    x = leaf([1.0, 2.0])
    upstream = shendu.ones(2, dtype=shendu.float64)
    (x + 1.0).backward(upstream)
    x.grad._array *= 5
    np.testing.assert_array_equal(upstream.numpy(), [1.0, 1.0])


def test_retain_graph_allows_a_second_backward() -> None:
    x = leaf([3.0])
    y = x * x
    y.backward(shendu.ones(1, dtype=shendu.float64), retain_graph=True)
    y.backward(shendu.ones(1, dtype=shendu.float64))
    assert x.grad.item() == 12.0


def test_second_backward_through_freed_graph_is_a_clear_error() -> None:
    x = leaf([3.0])
    y = x * x
    y.backward(shendu.ones(1, dtype=shendu.float64))
    with pytest.raises(shendu.GraphError, match=r"MulBackward was already used.*retain_graph=True"):
        y.backward(shendu.ones(1, dtype=shendu.float64))


def test_graph_without_saved_values_can_run_backward_again() -> None:
    x = leaf([3.0])
    y = x + 1.0
    y.backward()
    y.backward()
    assert x.grad.item() == 2.0


def test_saved_arrays_are_released_after_backward() -> None:
    x = leaf(np.arange(4.0).tolist())
    hidden = x * 2.0
    saved = weakref.ref(hidden._array)
    out = hidden * hidden
    del hidden
    gc.collect()
    assert saved() is not None, "the graph must keep what backward needs"
    out.backward(shendu.ones(4, dtype=shendu.float64))
    gc.collect()
    assert saved() is None, "backward must free the arrays saved for it"


def test_retain_graph_keeps_saved_arrays() -> None:
    x = leaf([1.0, 2.0])
    hidden = x * 2.0
    saved = weakref.ref(hidden._array)
    out = hidden * hidden
    del hidden
    out.backward(shendu.ones(2, dtype=shendu.float64), retain_graph=True)
    gc.collect()
    assert saved() is not None


def test_backward_on_non_scalar_without_gradient() -> None:
    x = leaf([1.0, 2.0])
    with pytest.raises(shendu.GraphError, match=r"only for a tensor with one element.*shape \(2,\)"):
        (x * 2.0).backward()


def test_backward_with_gradient_of_wrong_shape() -> None:
    x = leaf([1.0, 2.0])
    with pytest.raises(shendu.ShapeError, match=r"gradient has shape \(3,\) but the output has shape \(2,\)"):
        (x * 2.0).backward(shendu.ones(3))


def test_backward_on_tensor_without_graph() -> None:
    with pytest.raises(shendu.GraphError, match="does not require grad"):
        shendu.ones(1).backward()


def test_gradient_keeps_the_leaf_dtype() -> None:
    x = shendu.ones(3, requires_grad=True)
    (x * 2.0).backward(shendu.ones(3))
    assert x.grad.dtype == shendu.float32
    h = shendu.ones(3, dtype=shendu.float64, requires_grad=True)
    (h.float() * 2.0).backward(shendu.ones(3))
    assert h.grad.dtype == shendu.float64


def test_only_floating_point_tensors_can_require_grad() -> None:
    with pytest.raises(shendu.DtypeError, match="only floating-point tensors can require gradients, got dtype"):
        shendu.tensor([1, 2]).requires_grad_()


def test_non_leaf_cannot_stop_requiring_grad() -> None:
    y = leaf([1.0]) * 2.0
    with pytest.raises(shendu.GraphError, match="only leaf tensors can change requires_grad"):
        y.requires_grad_(False)


class TestHooks:
    def test_leaf_hook_can_replace_the_gradient(self) -> None:
        x = leaf([1.0, 2.0])
        x.register_hook(lambda g: g * 10.0)
        (x * 3.0).backward(shendu.ones(2, dtype=shendu.float64))
        np.testing.assert_array_equal(x.grad.numpy(), [30.0, 30.0])

    def test_intermediate_hook_sees_and_changes_the_gradient(self) -> None:
        x = leaf([1.0, 2.0])
        h = x * 2.0
        seen = []
        h.register_hook(lambda g: seen.append(g.numpy().copy()))
        h.register_hook(lambda g: g * 0.5)
        (h * h).backward(shendu.ones(2, dtype=shendu.float64))
        np.testing.assert_array_equal(seen[0], [4.0, 8.0])
        np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])

    def test_handle_removes_the_hook(self) -> None:
        x = leaf([1.0])
        handle = x.register_hook(lambda g: g * 0.0)
        handle.remove()
        (x * 2.0).backward()
        assert x.grad.item() == 2.0

    def test_hook_on_tensor_without_grad(self) -> None:
        with pytest.raises(shendu.GraphError, match="does not require grad"):
            shendu.ones(2).register_hook(lambda g: g)

    def test_retain_grad_keeps_intermediate_gradient(self) -> None:
        x = leaf([1.0, 2.0])
        h = x * 3.0
        h.retain_grad()
        (h * h).backward(shendu.ones(2, dtype=shendu.float64))
        np.testing.assert_array_equal(h.grad.numpy(), [6.0, 12.0])


class TestAutogradGrad:
    def test_returns_gradients_without_touching_grad(self) -> None:
        x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
        (gx, gw) = shendu.autograd.grad(x * w, (x, w), grad_outputs=shendu.ones(2, dtype=shendu.float64))
        np.testing.assert_array_equal(gx.numpy(), [3.0, 4.0])
        np.testing.assert_array_equal(gw.numpy(), [1.0, 2.0])
        assert x.grad is None and w.grad is None

    def test_gradient_with_respect_to_an_intermediate(self) -> None:
        x = leaf([2.0])
        h = x * x
        (gh,) = shendu.autograd.grad(h * 3.0, h)
        assert gh.item() == 3.0

    def test_unused_input(self) -> None:
        x, unused = leaf([1.0]), leaf([1.0])
        with pytest.raises(shendu.GraphError, match="allow_unused=True"):
            shendu.autograd.grad(x * 2.0, [x, unused], retain_graph=True)
        assert shendu.autograd.grad(x * 2.0, [x, unused], allow_unused=True)[1] is None

    def test_op_without_double_backward_is_named(self) -> None:
        class Cube(shendu.autograd.Function):
            def forward(self, x: Any) -> Any:
                self.save_for_backward(x)
                return x**3

            def backward(self, grad: Any) -> tuple[Any]:
                (x,) = self.saved
                return (3 * x * x * grad,)

        x = leaf([2.0])
        (g,) = shendu.autograd.grad(Cube.apply(x), x)
        assert g.item() == 12.0
        with pytest.raises(shendu.GraphError, match=r"backward: CubeBackward does not support double backward"):
            shendu.autograd.grad(Cube.apply(x), x, create_graph=True)


class TestInPlace:
    def test_modifying_a_saved_input_is_detected(self) -> None:
        w = leaf([1.0, 2.0])
        x = shendu.tensor([3.0, 4.0], dtype=shendu.float64)
        y = w * x
        x.mul_(2.0)
        with pytest.raises(shendu.GraphError, match=r"MulBackward saved .* modified in place.*version is now 1"):
            y.backward(shendu.ones(2, dtype=shendu.float64))

    def test_optimizer_style_update_before_backward_is_detected(self) -> None:
        w = leaf([1.0, 2.0])
        y = w * w
        with shendu.no_grad():
            w.sub_(0.1)
        with pytest.raises(shendu.GraphError, match="modified in place"):
            y.backward(shendu.ones(2, dtype=shendu.float64))

    def test_modifying_an_unsaved_input_is_fine(self) -> None:
        w = leaf([1.0, 2.0])
        x = shendu.tensor([3.0, 4.0], dtype=shendu.float64)
        y = w + x
        x.add_(1.0)
        y.backward(shendu.ones(2, dtype=shendu.float64))
        np.testing.assert_array_equal(w.grad.numpy(), [1.0, 1.0])

    def test_leaf_requiring_grad_needs_no_grad(self) -> None:
        w = leaf([1.0])
        with pytest.raises(shendu.GraphError, match=r"add_: a leaf tensor that requires grad.*no_grad"):
            w.add_(1.0)
        with shendu.no_grad():
            w.add_(1.0)
        assert w.item() == 2.0

    def test_in_place_on_graph_tensor_is_recorded(self) -> None:
        x = leaf([1.0])
        h = x * 2.0
        same = h.mul_(3.0)
        assert same is h and h.item() == 6.0 and h._version == 1
        h.backward()
        assert x.grad.item() == 6.0

    def test_augmented_assignment_in_graph_is_in_place(self) -> None:
        x = leaf([1.0, 2.0])
        h = x * 2.0
        before = h._array
        h += x
        assert h._array is before
        h.backward(shendu.ones(2, dtype=shendu.float64))
        np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])

    def test_augmented_assignment_without_grad_is_in_place(self) -> None:
        x = shendu.ones(2)
        before = x._array
        x += 1
        assert x._array is before
        np.testing.assert_array_equal(x.numpy(), [2.0, 2.0])


class TestGradMode:
    def test_no_grad_records_nothing(self) -> None:
        x = leaf([1.0])
        with shendu.no_grad():
            y = x * 2.0
        assert not y.requires_grad and y.grad_fn is None

    def test_decorators(self) -> None:
        x = leaf([1.0])

        @shendu.no_grad()
        def off() -> shendu.Tensor:
            return x * 2.0

        @shendu.enable_grad()
        def on() -> shendu.Tensor:
            return x * 2.0

        assert not off().requires_grad
        with shendu.no_grad():
            assert on().requires_grad
        assert shendu.is_grad_enabled()

    def test_set_grad_enabled_as_call_context_and_decorator(self) -> None:
        x = leaf([1.0])
        with shendu.set_grad_enabled(False):
            assert not (x * 2.0).requires_grad
        assert shendu.is_grad_enabled()

        @shendu.set_grad_enabled(False)
        def off() -> shendu.Tensor:
            return x * 2.0

        assert shendu.is_grad_enabled()
        assert not off().requires_grad
        shendu.set_grad_enabled(False)
        assert not shendu.is_grad_enabled()
        shendu.set_grad_enabled(True)
        assert shendu.is_grad_enabled()

    def test_mode_is_restored_after_an_exception(self) -> None:
        with pytest.raises(RuntimeError), shendu.no_grad():
            raise RuntimeError("boom")
        assert shendu.is_grad_enabled()


class _SplitHalves(Function):
    differentiable_outputs = (0, 1)

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        half = x.shape[0] // 2
        self.meta = half
        return x[:half] * 2, x[half:] * 3

    def backward(self, g_low: np.ndarray, g_high: np.ndarray) -> tuple[np.ndarray]:
        return (np.concatenate([g_low * 2, g_high * 3]),)


def test_custom_multi_output_function_with_one_output_used() -> None:
    x = leaf([1.0, 2.0, 3.0, 4.0])
    low, _ = _SplitHalves.apply(x)
    low.backward(shendu.ones(2, dtype=shendu.float64))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 0.0, 0.0])


def test_grad_fn_and_leaf_attributes() -> None:
    x = leaf([1.0])
    y = x * 2.0
    assert x.is_leaf and not y.is_leaf
    assert y.grad_fn.name() == "MulScalarBackward"
    assert "grad_fn=<MulScalarBackward>" in repr(y)
    assert y.detach().grad_fn is None and not y.detach().requires_grad
