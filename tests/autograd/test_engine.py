from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np
import pytest
import torch

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


@pytest.mark.parametrize("lib", [torch, shendu], ids=["torch", "shendu"])
def test_grad_through_a_freed_graph_is_an_error_not_a_partial_gradient(lib: Any) -> None:
    # x reaches the output directly and through h's freed graph: the second path cannot be dropped.
    x = lib.tensor([0.5, 1.0], dtype=lib.float64, requires_grad=True)
    h = x.sin()
    h.sum().backward()
    with pytest.raises(RuntimeError if lib is torch else shendu.GraphError, match=r"second time|already used"):
        lib.autograd.grad((h * x).sum(), x)
    # Paths that stay out of the freed graph work, as do gradients at its output.
    w = lib.tensor([2.0, 3.0], dtype=lib.float64, requires_grad=True)
    np.testing.assert_allclose(lib.autograd.grad((h * w).sum(), w)[0].numpy(), np.sin([0.5, 1.0]))
    np.testing.assert_allclose(lib.autograd.grad((h * x).sum(), h)[0].detach().numpy(), [0.5, 1.0])


def _create_graph_then_change_grads_in_place(m: Any) -> list[Any]:
    x = m.tensor([[0.5, -1.2, 2.0]], dtype=m.float64, requires_grad=True)
    y = m.tensor([[1.0, 2.0, 3.0]], dtype=m.float64, requires_grad=True)
    b = m.tensor([1.0], dtype=m.float64, requires_grad=True)
    v = m.ones(1, 3, dtype=m.float64)
    ((x + y) * 3 + b).backward(v * 2, create_graph=True)  # x and y get the same gradient, b a broadcast sum
    x.backward(v, create_graph=True)  # x's root gradient is the caller's own tensor
    w = m.tensor([4.0], dtype=m.float64, requires_grad=True)
    w.sum().backward(create_graph=True)  # a sum's gradient is a broadcast view
    with m.no_grad():
        for t in (x, y, b, w):
            t.grad.mul_(10)  # what clip_grad_norm_ and optimizers do
    return [x.grad, y.grad, b.grad, w.grad, v]


def test_leaf_gradients_from_create_graph_can_be_changed_in_place_like_torchs() -> None:
    want = _create_graph_then_change_grads_in_place(torch)
    got = _create_graph_then_change_grads_in_place(shendu)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.detach().numpy(), w.detach().numpy())


@pytest.mark.parametrize("lib", [torch, shendu], ids=["torch", "shendu"])
def test_differentiating_a_gradient_whose_graph_was_freed_is_an_error(lib: Any) -> None:
    x = lib.tensor([0.5, -1.2], dtype=lib.float64, requires_grad=True)
    (g,) = lib.autograd.grad((x.sin() ** 3).sum(), x, create_graph=True, retain_graph=False)
    with pytest.raises(RuntimeError if lib is torch else shendu.GraphError, match=r"second time|already used"):
        lib.autograd.grad(g.sum(), x)


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


def _retain_then_hook(m: Any, x: Any) -> list[Any]:
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 10)  # registered later, still runs before the retained gradient is kept
    (y**2).sum().backward()
    return [y.grad, x.grad]


def _retain_then_inplace(m: Any, x: Any) -> list[Any]:
    y = x * 2
    y.retain_grad()
    y.mul_(3)  # y.grad is the gradient of y's new value
    (y**2).sum().backward()
    return [y.grad, x.grad]


def _retain_base_then_write_view(m: Any, x: Any) -> list[Any]:
    y = x * 2
    y.retain_grad()
    y[0].mul_(3)
    (y**2).sum().backward()
    return [y.grad, x.grad]


def _retain_view_then_write_base(m: Any, x: Any) -> list[Any]:
    y = x * 2
    v = y[1]
    v.retain_grad()
    y.mul_(3)
    (v**2).sum().backward()
    return [v.grad, x.grad]


def _retain_and_backward_inputs(m: Any, x: Any) -> list[Any]:
    y = x * 2
    y.retain_grad()
    y.retain_grad()
    loss = (y**2).sum()
    loss.backward(retain_graph=True)
    loss.backward(inputs=[y, x])  # y's gradient arrives once per backward
    return [y.grad, x.grad]


@pytest.mark.parametrize(
    "program",
    [
        _retain_then_hook,
        _retain_then_inplace,
        _retain_base_then_write_view,
        _retain_view_then_write_base,
        _retain_and_backward_inputs,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_retain_grad_matches_torch(program: Any) -> None:
    values = np.arange(6.0).reshape(2, 3) / 5 - 0.4
    want = program(torch, torch.tensor(values, requires_grad=True))
    got = program(shendu, shendu.tensor(values, requires_grad=True))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12)


def test_retains_grad_and_its_error() -> None:
    x = leaf([1.0, 2.0])
    y = x * 2
    assert not y.retains_grad and not x.retains_grad
    y.retain_grad()
    assert y.retains_grad
    with pytest.raises(shendu.GraphError, match="retain_grad: cannot retain the gradient of a tensor that does not"):
        shendu.ones(2).retain_grad()


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

    @pytest.mark.parametrize(
        "options",
        [
            {"materialize_grads": True},
            {"is_grads_batched": True, "allow_unused": True},
            {"is_grads_batched": True, "create_graph": True, "allow_unused": True},
        ],
        ids=["materialize", "batched", "batched_create_graph"],
    )
    def test_grad_options_match_torch(self, options: dict[str, Any]) -> None:
        def program(m: Any) -> list[Any]:
            x = m.tensor([0.5, -1.0, 2.0], dtype=m.float64, requires_grad=True)
            unused = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
            y = x.sin() * x
            batched = options.get("is_grads_batched", False)
            weights = m.eye(3, dtype=m.float64) * 2 if batched else m.ones(3, dtype=m.float64)
            gx, gu = m.autograd.grad(y, [x, unused], weights, **options)
            found = [gx, gu]
            if options.get("create_graph"):
                found.append(m.autograd.grad(gx.sum(), x)[0])
            return found

        for got, want in zip(program(shendu), program(torch)):
            assert (got is None) == (want is None)
            if want is not None:
                np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12)

    def test_only_inputs_is_accepted_in_pytorchs_position(self) -> None:
        # WGAN-GP code passes only_inputs=True; PyTorch ignores it, and takes allow_unused seventh.
        for m in (shendu, torch):
            x, unused = m.tensor([1.0, 2.0], requires_grad=True), m.tensor([1.0], requires_grad=True)
            y = (x * x).sum()
            assert m.autograd.grad(y, x, None, True, False, True)[0].tolist() == [2.0, 4.0]
            assert m.autograd.grad(y, [x, unused], None, True, False, True, True)[1] is None
            with pytest.warns(FutureWarning, match="only_inputs"):
                m.autograd.grad(y, x, only_inputs=False)

    def test_batched_materialized_gradient_keeps_the_batch_dim(self) -> None:
        # PyTorch 2.13 returns zeros of the input's own shape here, unlike its batched gradients of used inputs.
        x, unused = leaf([1.0, 2.0]), leaf([3.0])
        gx, gu = shendu.autograd.grad(x * 3, [x, unused], shendu.eye(2), is_grads_batched=True, materialize_grads=True)
        np.testing.assert_array_equal(gx.numpy(), [[3.0, 0.0], [0.0, 3.0]])
        np.testing.assert_array_equal(gu.numpy(), [[0.0], [0.0]])

    @pytest.mark.parametrize(
        ("call", "error", "message"),
        [
            (lambda x, y: shendu.autograd.grad(y, []), ValueError, "grad: inputs must name at least one tensor"),
            (lambda x, y: y.sum().backward(inputs=[]), ValueError, "backward: inputs must name at least one tensor"),
            (
                lambda x, y: shendu.autograd.grad(y, x, materialize_grads=True, allow_unused=False),
                ValueError,
                "grad: materialize_grads=True returns zeros for unused inputs, so allow_unused must be True",
            ),
            (
                lambda x, y: shendu.autograd.grad(y, x, x, is_grads_batched=True),
                shendu.ShapeError,
                r"grad: is_grads_batched=True needs, for every output, a gradient tensor with one more \(batch\) dim",
            ),
            (
                lambda x, y: shendu.autograd.grad(y.sum(), [x, leaf([1.0])]),
                shendu.GraphError,
                r"grad: input 1 \(shape \(1,\)\) was not used to compute the outputs",
            ),
        ],
    )
    def test_grad_argument_errors(self, call: Any, error: type[Exception], message: str) -> None:
        x = leaf([1.0, 2.0])
        with pytest.raises(error, match=message):
            call(x, x * 2)

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

    @pytest.mark.parametrize("lib", [torch, shendu], ids=["torch", "shendu"])
    def test_bare_decorators_and_inference_mode(self, lib: Any) -> None:
        x = lib.ones(1, requires_grad=True)

        @lib.no_grad
        def off() -> Any:
            return x * 2.0

        @lib.enable_grad
        def on() -> Any:
            return x * 2.0

        @lib.inference_mode()
        def infer() -> Any:
            return x * 2.0, lib.is_inference_mode_enabled()

        @lib.inference_mode
        def infer_bare() -> Any:
            return x * 2.0

        assert not off().requires_grad
        with lib.no_grad():
            assert on().requires_grad
        y, inside = infer()
        assert not y.requires_grad and inside and not lib.is_inference_mode_enabled()
        assert not infer_bare().requires_grad
        with lib.inference_mode(False):
            assert (x * 2.0).requires_grad
        with lib.inference_mode():
            assert not (x * 2.0).requires_grad
        assert lib.is_grad_enabled()

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


def test_pytorch_style_function_is_refused_with_a_clear_message() -> None:
    class Cube(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            (x,) = ctx.saved_tensors
            return 3 * x**2 * grad

    with pytest.raises(TypeError, match=r"Cube.apply: this Function is written in PyTorch's style, with static"):
        Cube.apply(leaf([2.0]))


def test_grad_fn_and_leaf_attributes() -> None:
    x = leaf([1.0])
    y = x * 2.0
    assert x.is_leaf and not y.is_leaf
    assert y.grad_fn.name() == "MulScalarBackward"
    assert "grad_fn=<MulScalarBackward>" in repr(y)
    assert y.detach().grad_fn is None and not y.detach().requires_grad
