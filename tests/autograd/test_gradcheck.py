"""gradcheck and gradgradcheck: hundreds of tests rely on them, so a right gradient must pass and a wrong one
fail; PyTorch's calls, options included, give PyTorch's answers."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
import torch

import shendu
from shendu.autograd import Function, gradcheck


class Cube(Function):
    """x ** 3 with a backward that is right, or off by ``error`` times the true gradient."""

    error = 0.0

    def forward(self, x: Any) -> Any:
        self.save_for_backward(x)
        return x**3

    def backward(self, grad: Any) -> tuple[Any]:
        (x,) = self.saved
        return (grad * 3 * x**2 * (1 + self.error),)


class SlightlyWrongCube(Cube):
    error = 0.01


class ForgetfulSum(Function):
    """a + b whose backward forgets b's gradient."""

    def forward(self, a: Any, b: Any) -> Any:
        return a + b

    def backward(self, grad: Any) -> tuple[Any, Any]:
        return grad, None


def _inputs(*shapes: tuple[int, ...]) -> list[shendu.Tensor]:
    rng = np.random.default_rng(0)
    return [shendu.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]


def test_passes_a_right_gradient() -> None:
    assert gradcheck(Cube.apply, _inputs((3, 4)))
    assert gradcheck(lambda a, b: a * b + a.sin(), _inputs((2, 3), (3,)))


def test_catches_a_gradient_off_by_one_percent() -> None:
    with pytest.raises(AssertionError, match=r"gradcheck: the gradient of input 0 \(shape \(3, 4\)\) does not match"):
        gradcheck(SlightlyWrongCube.apply, _inputs((3, 4)))
    assert gradcheck(SlightlyWrongCube.apply, _inputs((3, 4)), raise_exception=False) is False


def test_catches_a_missing_gradient_and_names_the_input() -> None:
    with pytest.raises(AssertionError, match=r"gradient of input 1 \(shape \(2,\)\)"):
        gradcheck(ForgetfulSum.apply, _inputs((2,), (2,)))


def test_failure_shows_both_gradients() -> None:
    # The outputs are weighted by a fixed random vector, so both gradients carry the same weight.
    with pytest.raises(AssertionError) as info:
        gradcheck(SlightlyWrongCube.apply, [shendu.tensor([2.0], dtype=shendu.float64, requires_grad=True)])
    found = re.search(r"analytic:\n\[(\S+)\]\nnumeric:\n\[(\S+)\]$", str(info.value))
    assert found is not None, str(info.value)
    analytic, numeric = float(found.group(1)), float(found.group(2))
    assert analytic / numeric == pytest.approx(1.01, rel=1e-6)


def test_checks_only_inputs_that_require_grad_and_leaves_no_grad_behind() -> None:
    a, b = _inputs((2,), (2,))
    b.requires_grad_(False)
    assert gradcheck(ForgetfulSum.apply, [a, b])
    assert a.grad is None


def test_refuses_float32_inputs() -> None:
    with pytest.raises(
        shendu.DtypeError, match=r"gradcheck: inputs that require grad must be float64, got shendu\.float32"
    ):
        gradcheck(shendu.tanh, (shendu.randn(3, requires_grad=True),))


def _cube(t: Any) -> Any:
    return (t**3).sum() * t


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"fast_mode": True, "nondet_tol": 1e-12, "check_undefined_grad": False},
        {"check_batched_grad": False, "check_forward_ad": False, "check_backward_ad": True},
        {"check_grad_dtypes": True, "masked": None},
    ],
)
@pytest.mark.parametrize("lib", [torch, shendu], ids=["torch", "shendu"])
def test_pytorch_options_run_the_same_check(lib: Any, options: dict[str, Any]) -> None:
    x = lib.tensor(np.array([0.5, -1.2, 2.0]), requires_grad=True)
    assert lib.autograd.gradcheck(_cube, (x,), eps=1e-6, atol=1e-5, **options)
    second = {k: v for k, v in options.items() if k not in ("check_forward_ad", "check_backward_ad")}
    assert lib.autograd.gradgradcheck(_cube, (x,), gen_non_contig_grad_outputs=True, **second)


@pytest.mark.parametrize("lib", [torch, shendu], ids=["torch", "shendu"])
def test_a_wrong_gradient_fails(lib: Any) -> None:
    class Wrong(lib.autograd.Function if lib is torch else shendu.autograd.Function):
        if lib is torch:

            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                return x * x

            @staticmethod
            def backward(ctx: Any, grad: Any) -> Any:
                return grad * 3

        else:

            def forward(self, x: Any) -> Any:
                return x * x

            def backward(self, grad: Any) -> Any:
                return (grad * 3,)

    x = lib.tensor(np.array([0.5, -1.2]), requires_grad=True)
    assert not lib.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False, fast_mode=True)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda x: shendu.autograd.gradcheck(_cube, (x,), check_forward_ad=True),
            NotImplementedError,
            r"gradcheck: check_forward_ad=True is not supported \(shendu checks reverse-mode gradients only\)",
        ),
        (
            lambda x: shendu.autograd.gradgradcheck(_cube, (x,), check_batched_grad=True),
            NotImplementedError,
            r"gradgradcheck: check_batched_grad=True is not supported",
        ),
        (
            lambda x: shendu.autograd.gradcheck(_cube, (x,), check_rev_over_rev=True),
            TypeError,
            r"gradcheck: unexpected keyword argument 'check_rev_over_rev'",
        ),
    ],
)
def test_unsupported_options(call: Any, error: type[Exception], message: str) -> None:
    x = shendu.tensor([0.5, -1.2], dtype=shendu.float64, requires_grad=True)
    with pytest.raises(error, match=message):
        call(x)
