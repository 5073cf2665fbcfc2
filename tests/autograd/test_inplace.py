"""In-place operations on tensors in the autograd graph, against PyTorch.

Each program below is written once, as PyTorch code, and run under both frameworks by ``check``,
which compares the returned values and the gradients of every input.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import shendu
from tests.helpers import check, grad_check


def iadd(m: Any, x: Any) -> Any:
    y = x * 3
    y += 1
    y -= x
    return y


def ipow_imod_and_masks(m: Any, x: Any) -> Any:
    y = x * 2
    alias = y  # **= and %= change y itself, so the alias sees them
    y **= 2
    y %= 1.5
    mask = x > 0
    seen = mask
    mask &= x < 1
    mask |= x < -0.5
    mask ^= x > 1.5
    counts = (x * 10).round().long()
    kept = counts
    counts //= 3
    return alias, seen, kept


def imul_idiv(m: Any, x: Any, w: Any) -> Any:
    y = x * 1.5
    y *= w  # w's gradient needs y's value before the write
    y /= 2
    return y


def mul_self_alias(m: Any, x: Any, w: Any) -> Any:
    y = x + 0
    alias = y  # another reference to the same tensor sees the change
    y.mul_(w)
    return alias, y


def method_chain(m: Any, x: Any, w: Any) -> Any:
    y = x.tanh()
    z = y * 1
    z.add_(w, alpha=2).div_(w.abs() + 1).clamp_(-0.8, 0.8).pow_(2)
    return z


def unary_methods(m: Any, x: Any) -> Any:
    y = x * 0.5
    y.neg_()
    y.abs_().add_(1).log_()
    z = y * 1
    z.exp_()
    s = z * 1
    s.sigmoid_()
    return y, z, s


def relu_inplace(m: Any, x: Any) -> Any:
    h = x * 2
    out = m.nn.functional.relu(h, inplace=True)
    assert out is h
    return h


def relu_module_inplace(m: Any, x: Any, w: Any) -> Any:
    h = x @ w
    view = h.view(-1)  # a view taken before the write sees the new values
    out = m.nn.Sequential(m.nn.ReLU(inplace=True))(h)
    h2 = out * 2 - 1
    m.nn.LeakyReLU(0.1, inplace=True)(h2)
    return out, view * 1, h2


def activations_inplace(m: Any, x: Any) -> Any:
    F = m.nn.functional
    h = x * 1
    F.elu(h, inplace=True)
    h2 = h * 1
    F.hardtanh(h2, -0.5, 0.5, inplace=True)
    h3 = h2 * 1
    F.dropout(h3, p=0.0, training=True, inplace=True)
    return h, h2, h3


def setitem_value_requires_grad(m: Any, x: Any, v: Any) -> Any:
    y = x * 2
    y[1] = v[0]
    y[:, 0] = v.sum()
    return y


def setitem_into_buffer(m: Any, w: Any) -> Any:
    buf = m.zeros(3, 4, dtype=w.dtype)
    buf[0] = w[0] * 2
    buf[2, 1:3] = w[1, :2]
    return buf


def setitem_masks_and_lists(m: Any, x: Any, v: Any) -> Any:
    y = x.exp()
    z = y * 1
    z[z > 1.5] = 0.0
    z[[0, 2]] = v
    return z


def view_inplace_rebases_base(m: Any, x: Any, w: Any) -> Any:
    y = x * 1
    v = y[1:]
    v.mul_(w[1:])  # changes y through its view: y's history gains the write
    return y, v


def transpose_view_inplace(m: Any, x: Any, w: Any) -> Any:
    y = x + 1
    y.t().add_(w.t())
    return y


def view_of_view(m: Any, x: Any, w: Any) -> Any:
    y = x * 2
    v = y.view(-1)[2:5]
    v.copy_(w.reshape(-1)[:3])
    return y


def base_changed_after_view(m: Any, x: Any, w: Any) -> Any:
    y = x * 1
    row = y[0]
    y.mul_(w)  # the view made before the write sees it, with the new history
    return row * 3


def unbind_views(m: Any, x: Any, w: Any) -> Any:
    y = x * 1
    a, b, _ = y.unbind(0)
    a.add_(w[0])
    b.zero_()
    return y


def copy_fill_zero(m: Any, x: Any, w: Any) -> Any:
    y = x * 2
    y[0].fill_(3.0)
    z = m.empty_like(y)
    z.copy_(w)
    z[1].zero_()
    return y + z


def masked_fill_and_scatter(m: Any, x: Any) -> Any:
    y = x * 1
    y.masked_fill_(y < 0, 0.5)
    index = m.tensor([[0, 1, 2, 0]])
    y.scatter_(0, index, 2.0)
    return y


@pytest.mark.parametrize(
    ("program", "inputs"),
    [
        (iadd, ((3, 4),)),
        (ipow_imod_and_masks, ((3, 4),)),
        (imul_idiv, ((3, 4), (3, 4))),
        (mul_self_alias, ((5,), (5,))),
        (method_chain, ((3, 4), (3, 4))),
        (unary_methods, ((2, 5),)),
        (relu_inplace, ((4, 5),)),
        (relu_module_inplace, ((4, 3), (3, 5))),
        (activations_inplace, ((4, 5),)),
        (setitem_value_requires_grad, ((3, 4), (4,))),
        (setitem_into_buffer, ((3, 4),)),
        (setitem_masks_and_lists, ((3, 4), (4,))),
        (view_inplace_rebases_base, ((4, 3), (4, 3))),
        (transpose_view_inplace, ((3, 4), (3, 4))),
        (view_of_view, ((3, 4), (3, 4))),
        (base_changed_after_view, ((3, 4), (3, 4))),
        (copy_fill_zero, ((3, 4), (3, 4))),
        (masked_fill_and_scatter, ((3, 4),)),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_inplace_program_matches_torch(program: Any, inputs: tuple[Any, ...]) -> None:
    check(program, *inputs)


@pytest.mark.parametrize(
    "program",
    [imul_idiv, method_chain, setitem_value_requires_grad, view_inplace_rebases_base, view_of_view, unbind_views],
    ids=lambda f: f.__name__,
)
def test_inplace_gradcheck(program: Any) -> None:
    # unbind_views writes into outputs of a multi-output view, which PyTorch refuses; shendu records
    # it like any other view, and the finite differences confirm the gradient.
    shapes = {"setitem_value_requires_grad": ((3, 4), (4,))}.get(program.__name__, ((3, 4), (3, 4)))
    # Keep clamp and abs away from their kinks.
    grad_check(program, *shapes, transform=lambda v: np.where(np.abs(v) < 0.1, v + 0.3, v))


def _both(program: Any) -> tuple[Any, Any]:
    return program(torch), program(shendu)


def test_grad_fn_and_version_follow_the_write() -> None:
    def program(m: Any) -> Any:
        x = m.ones(3, requires_grad=True)
        y = x * 2
        before = (y._version, type(y.grad_fn).__name__)
        y += 1
        y.mul_(2)
        return before, y._version, y.grad_fn is not None, y.requires_grad, y.is_leaf

    t, s = _both(program)
    assert s[1:] == t[1:] and s[0][0] == t[0][0] == 0


def test_buffer_joins_the_graph_through_an_in_place_write() -> None:
    def program(m: Any) -> Any:
        w = m.ones(2, requires_grad=True)
        buf = m.zeros(2)
        buf.add_(w)
        return buf.requires_grad, buf.is_leaf

    t, s = _both(program)
    assert s == t == (True, False)


@pytest.mark.parametrize("lib", [torch, shendu], ids=["torch", "shendu"])
def test_overwritten_saved_value_raises_at_backward(lib: Any) -> None:
    x = lib.ones(3, requires_grad=True)
    y = x.exp()  # exp saves its output for backward
    y.add_(1)
    expected = "modified by an inplace operation" if lib is torch else "was modified in place after it was used"
    with pytest.raises(RuntimeError if lib is torch else shendu.GraphError, match=expected):
        y.sum().backward()


# Ops that keep an input ("in") or their output ("out") for backward: an in-place change to it after
# the op ran makes backward refuse, in both libraries (one save_for_backward call stores and guards it).
SAVED_VALUE_CASES = {
    "relu": ("out", lambda m, h: m.relu(h)),
    "leaky_relu": ("in", lambda m, h: m.nn.functional.leaky_relu(h, 0.1)),
    "elu": ("in", lambda m, h: m.nn.functional.elu(h)),
    "hardtanh": ("in", lambda m, h: m.nn.functional.hardtanh(h)),
    "hardsigmoid": ("in", lambda m, h: m.nn.functional.hardsigmoid(h)),
    "hardswish": ("in", lambda m, h: m.nn.functional.hardswish(h)),
    "gelu": ("in", lambda m, h: m.nn.functional.gelu(h)),
    "silu": ("in", lambda m, h: m.nn.functional.silu(h)),
    "softplus": ("in", lambda m, h: m.nn.functional.softplus(h)),
    "mish": ("in", lambda m, h: m.nn.functional.mish(h)),
    "logsigmoid": ("in", lambda m, h: m.nn.functional.logsigmoid(h)),
    "softmax": ("out", lambda m, h: m.softmax(h, 0)),
    "log_softmax": ("out", lambda m, h: m.log_softmax(h, 0)),
    "maximum": ("in", lambda m, h: m.maximum(h, h.detach() * 0.5)),
    "minimum": ("in", lambda m, h: m.minimum(h, h.detach() * 0.5)),
    "remainder": ("in", lambda m, h: m.remainder(h, h * 0 + 0.7)),
    "clamp": ("in", lambda m, h: m.clamp(h, -0.5, 0.5)),
    "clamp by tensors": ("in", lambda m, h: m.clamp(h, h.detach() - 1, h.detach() + 1)),
    "cumprod input": ("in", lambda m, h: m.cumprod(h, 0)),
    "cumprod output": ("out", lambda m, h: m.cumprod(h, 0)),
    "prod": ("in", lambda m, h: m.prod(h)),
    "amax input": ("in", lambda m, h: m.amax(h, 0)),
    "amax output": ("out", lambda m, h: m.amax(h, 0)),
    "std": ("out", lambda m, h: m.std(h, 0)),
    "norm input": ("in", lambda m, h: h.norm()),
    "norm output": ("out", lambda m, h: h.norm()),
    "logsumexp input": ("in", lambda m, h: m.logsumexp(h, 0)),
    "logsumexp output": ("out", lambda m, h: m.logsumexp(h, 0)),
    "einsum": ("in", lambda m, h: m.einsum("i,i->", h, h * 2)),
    "binary_cross_entropy": ("in", lambda m, h: m.nn.functional.binary_cross_entropy(h, h.detach() * 0 + 0.5)),
    "bce_with_logits": ("in", lambda m, h: m.nn.functional.binary_cross_entropy_with_logits(h, h.detach() * 0 + 0.5)),
}


@pytest.mark.parametrize("lib", [torch, shendu], ids=["torch", "shendu"])
@pytest.mark.parametrize("case", sorted(SAVED_VALUE_CASES))
def test_changing_a_saved_value_in_place_makes_backward_refuse(lib: Any, case: str) -> None:
    which, op = SAVED_VALUE_CASES[case]
    h = lib.tensor([0.3, 0.2, 0.25], dtype=lib.float64, requires_grad=True) * 1
    y = op(lib, h)
    with lib.no_grad():
        (h if which == "in" else y).mul_(1.0)
    expected = "modified by an inplace operation" if lib is torch else "was modified in place after it was used"
    with pytest.raises(RuntimeError if lib is torch else shendu.GraphError, match=expected):
        y.sum().backward()


def test_overwritten_input_through_a_view_raises_at_backward() -> None:
    x = shendu.ones(2, 3, requires_grad=True)
    h = x * 1
    y = h.sigmoid() * h  # mul saves h
    h.t()[0].fill_(2.0)
    with pytest.raises(shendu.GraphError, match=r"MulBackward saved for the gradient was modified in place"):
        y.sum().backward()


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda w: w.add_(1), r"add_: a leaf tensor that requires grad cannot be changed in place"),
        (lambda w: w.mul_(2), r"mul_: a leaf tensor that requires grad"),
        (lambda w: w.__iadd__(1), r"add_: a leaf tensor that requires grad"),
        (lambda w: w.__setitem__(0, 1.0), r"setitem: a leaf tensor that requires grad"),
        (lambda w: w.zero_(), r"zero_: a leaf tensor that requires grad"),
        (lambda w: w.normal_(), r"normal_: a leaf tensor that requires grad"),
        (lambda w: shendu.relu(w, inplace=True), r"relu: a leaf tensor that requires grad"),
        (lambda w: w[1:].mul_(2), r"mul_: this tensor is a view of a leaf tensor that requires grad"),
        (lambda w: w.t().__setitem__(0, 1.0), r"setitem: this tensor is a view of a leaf tensor that requires grad"),
    ],
)
def test_leaf_in_place_errors(action: Any, message: str) -> None:
    w = shendu.ones(2, 2, requires_grad=True)
    with pytest.raises(shendu.GraphError, match=message):
        action(w)
    assert w.tolist() == [[1.0, 1.0], [1.0, 1.0]] and w._version == 0
    with shendu.no_grad():
        action(w)  # the same change is fine outside grad mode, as optimizers make it


def test_torch_refuses_the_same_leaf_writes() -> None:
    w = torch.ones(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.add_(1)
    with pytest.raises(RuntimeError, match="view of a leaf Variable that requires grad"):
        w[1:].mul_(2)


def test_in_place_without_grad_mode_writes_memory_and_bumps_version() -> None:
    x = shendu.ones(2)
    before = x._array
    x += 1
    x.exp_()
    assert x._array is before and x._version == 2
    np.testing.assert_allclose(x.numpy(), np.exp([2.0, 2.0]), rtol=1e-6)


def test_in_place_result_that_does_not_fit_the_target() -> None:
    x = shendu.zeros(3, dtype=shendu.int64)
    with pytest.raises(shendu.DtypeError, match=r"exp_: the result has dtype shendu.float32, which cannot be stored"):
        x.exp_()
    y = shendu.zeros(3, requires_grad=True) * 1
    with pytest.raises(shendu.ShapeError, match=r"add_: the result has shape \(2, 3\), which does not match"):
        y.add_(shendu.ones(2, 3))


def test_backward_from_a_view_after_its_base_changed() -> None:
    def program(m: Any) -> Any:
        x = m.ones(2, 3, requires_grad=True)
        w = m.full((2, 3), 2.0, requires_grad=True)
        y = x * 1
        row = y[0]
        y.mul_(w)
        row.backward(m.ones(3))
        return x.grad.tolist(), w.grad.tolist()

    t, s = _both(program)
    assert s == t
