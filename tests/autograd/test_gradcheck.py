"""gradcheck itself: hundreds of tests rely on it, so it must pass a right gradient and catch a wrong one."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import shendu
from shendu.autograd import Function, gradcheck


class Cube(Function):
    """x ** 3 with a backward that is right, or off by ``error`` times the true gradient."""

    saves_inputs = (0,)
    error = 0.0

    def forward(self, x: Any) -> Any:
        self.x = x
        return x**3

    def backward(self, grad: Any) -> tuple[Any]:
        return (grad * 3 * self.x**2 * (1 + self.error),)


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
