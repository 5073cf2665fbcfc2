"""torch.autograd.functional's helpers against PyTorch: vjp, jvp, jacobian, hessian, hvp, vhp."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import shendu
from tests.helpers import COUNTS


def _lib(m: Any, array: np.ndarray) -> Any:
    return torch.from_numpy(array.copy()) if m is torch else shendu.from_numpy(array.copy())


def mlp_loss(m: Any) -> Any:
    rng = np.random.default_rng(3)
    w1, w2 = (_lib(m, rng.standard_normal(s)) for s in ((4, 3), (3,)))

    def loss(x: Any) -> Any:
        return ((x @ w1).tanh() @ w2).sigmoid().sum()

    return loss


FUNCTIONS = {
    "square": lambda m: lambda x: x**2,
    "pair": lambda m: lambda x, y: (x * y.sum(), (x.exp() * y[:2]).sum()),
    "softmax_matmul": lambda m: lambda x: m.softmax(x @ x.t(), 1),
    "mlp_loss": mlp_loss,
    "scalar_of_two": lambda m: lambda x, y: (x.sin() * y.cos()).sum() + (x * x * y).sum(),
}
SHAPES = {
    "square": [(3,)],
    "pair": [(2,), (3,)],
    "softmax_matmul": [(2, 3)],
    "mlp_loss": [(5, 4)],
    "scalar_of_two": [(3,), (3,)],
}
SCALAR = {"mlp_loss", "scalar_of_two"}


def _inputs(name: str, m: Any, seed: int = 0) -> tuple[Any, ...]:
    rng = np.random.default_rng(seed)
    return tuple(_lib(m, rng.standard_normal(s)) for s in SHAPES[name])


def _compare(got: Any, want: Any) -> None:
    # PyTorch's forward-mode Jacobian nests lists where its other paths (and shendu) nest tuples.
    if isinstance(want, (tuple, list)):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            _compare(g, w)
        return
    assert isinstance(got, shendu.Tensor) and tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-12)


def _vectors(name: str, m: Any, like: str) -> Any:
    rng = np.random.default_rng(7)
    ins = _inputs(name, m)
    if like == "inputs":
        vs = tuple(_lib(m, rng.standard_normal(tuple(t.shape))) for t in ins)
        return vs if len(vs) > 1 else vs[0]
    out = FUNCTIONS[name](m)(*ins)
    outs = out if isinstance(out, tuple) else (out,)
    vs = tuple(_lib(m, rng.standard_normal(tuple(o.shape))) for o in outs)
    return vs if isinstance(out, tuple) else vs[0]


def _args(name: str, m: Any) -> Any:
    ins = _inputs(name, m)
    return ins if len(ins) > 1 else ins[0]


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("helper", ["vjp", "jvp", "jacobian"])
def test_first_order_helpers_match_torch(name: str, helper: str) -> None:
    results = []
    for m in (torch, shendu):
        fn = getattr(m.autograd.functional, helper)
        func = FUNCTIONS[name](m)
        if helper == "jacobian":
            results.append(fn(func, _args(name, m)))
        else:
            results.append(fn(func, _args(name, m), _vectors(name, m, "output" if helper == "vjp" else "inputs")))
    _compare(results[1], results[0])
    COUNTS["functional autograd cases compared with torch"] += 1


@pytest.mark.parametrize("name", sorted(SCALAR))
@pytest.mark.parametrize("helper", ["hessian", "hvp", "vhp"])
def test_second_order_helpers_match_torch(name: str, helper: str) -> None:
    results = []
    for m in (torch, shendu):
        fn = getattr(m.autograd.functional, helper)
        func = FUNCTIONS[name](m)
        if helper == "hessian":
            results.append(fn(func, _args(name, m)))
        else:
            results.append(fn(func, _args(name, m), _vectors(name, m, "inputs")))
    _compare(results[1], results[0])
    COUNTS["functional autograd cases compared with torch"] += 1


@pytest.mark.parametrize(
    "options",
    [{"vectorize": True}, {"vectorize": True, "strategy": "forward-mode"}],
    ids=["vectorize", "forward_mode"],
)
def test_pytorch_speed_options_give_the_same_jacobian(options: dict[str, Any]) -> None:
    results = [
        m.autograd.functional.jacobian(FUNCTIONS["pair"](m), _args("pair", m), **options) for m in (torch, shendu)
    ]
    _compare(results[1], results[0])
    hessian_options = {"vectorize": True, "outer_jacobian_strategy": options.get("strategy", "reverse-mode")}
    results = [
        m.autograd.functional.hessian(FUNCTIONS["mlp_loss"](m), _args("mlp_loss", m), **hessian_options)
        for m in (torch, shendu)
    ]
    _compare(results[1], results[0])


def test_create_graph_keeps_the_result_differentiable() -> None:
    def program(m: Any) -> Any:
        x = _lib(m, np.array([0.5, -1.0, 2.0])).requires_grad_(True)
        _, product = m.autograd.functional.hvp(lambda t: (t**4).sum(), x, m.ones(3, dtype=x.dtype), create_graph=True)
        (third,) = m.autograd.grad(product.sum(), x)
        return third

    _compare(program(shendu), program(torch))


def test_helpers_return_detached_results_by_default() -> None:
    x = shendu.tensor([1.0, 2.0], requires_grad=True)
    out, product = shendu.autograd.functional.vjp(lambda t: t * 3, x, shendu.ones(2))
    assert not out.requires_grad and not product.requires_grad and x.grad is None


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda fn: fn.vjp(lambda t: t * 2, shendu.ones(3)), shendu.GraphError, r"vjp: v can be omitted only"),
        (lambda fn: fn.jvp(lambda t: t * 2, shendu.ones(3), shendu.ones(2)), shendu.ShapeError, r"jvp: v must match"),
        (lambda fn: fn.vjp(lambda t: t * 2, [1.0, 2.0]), TypeError, r"vjp: inputs must be a Tensor"),
        (
            lambda fn: fn.hessian(lambda t: t * 2, shendu.ones(3)),
            shendu.ShapeError,
            r"hessian: the function must return",
        ),
        (
            lambda fn: fn.hvp(lambda t: t * 2, shendu.ones(3), shendu.ones(3)),
            shendu.ShapeError,
            r"hvp: the function must",
        ),
        (
            lambda fn: fn.jacobian(lambda t: t.detach() * 2, shendu.ones(2), strict=True),
            shendu.GraphError,
            r"does not depend",
        ),
        (
            lambda fn: fn.jacobian(lambda t: t, shendu.ones(2), strategy="forward-mode"),
            NotImplementedError,
            r"jacobian: strategy='forward-mode' needs vectorize=True",
        ),
        (
            lambda fn: fn.jacobian(lambda t: t, shendu.ones(2), strategy="fwd"),
            ValueError,
            r"jacobian: strategy must be 'reverse-mode' or 'forward-mode', got 'fwd'",
        ),
        (
            lambda fn: fn.jacobian(lambda t: t, shendu.ones(2), vectorize=True, strict=True),
            ValueError,
            r"jacobian: strict=True and vectorize=True cannot be used together",
        ),
        (
            lambda fn: fn.hessian(
                lambda t: t.sum(),
                shendu.ones(2),
                vectorize=True,
                outer_jacobian_strategy="forward-mode",
                create_graph=True,
            ),
            NotImplementedError,
            r"hessian: outer_jacobian_strategy='forward-mode' does not support create_graph=True",
        ),
    ],
)
def test_errors(call: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call(shendu.autograd.functional)
