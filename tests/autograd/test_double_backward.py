"""Second derivatives (create_graph=True) of every op with a double backward, against PyTorch.

Each line runs the same program in both frameworks through ``check_grad_grad``, which compares the
first gradients and the gradients of those gradients with respect to the inputs and to the output
weights; ``grad_grad_check`` compares shendu's with float64 finite differences of the first derivative.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import shendu
from tests.helpers import COUNTS, check_grad_grad, make_inputs

POSITIVE = {"transform": lambda v: np.abs(v) + 0.5}

CASES: list[tuple[str, Any, tuple[Any, ...], dict[str, Any]]] = [
    # arithmetic
    ("add_sub", lambda m, a, b: (a + b) * (a - b) - 2 * a + 3, ((3, 4), (4,)), {}),
    ("mul_div", lambda m, a, b: a * b / (b * b + 1), ((3, 4), (3, 1)), {}),
    ("pow", lambda m, a, b: a**b, ((3, 4), (3, 4)), POSITIVE),
    ("scalar_ops", lambda m, a: (2 - a) * 3 / 4 + 1 / (a + 3) + a**3 + 2**a - a / 2, ((5,),), POSITIVE),
    ("neg", lambda m, a: -(a * a), ((5,),), {}),
    # reductions
    ("sum_mean", lambda m, a: (a * a).sum(1) * a.mean() + (a**3).sum(), ((3, 4),), {}),
    ("prod", lambda m, a: a.prod(1) + (a * a).prod(), ((3, 4),), {}),
    ("amax_amin", lambda m, a: (a * a).amax(1).sum() + (a**3).amin(0), ((3, 4),), {}),
    ("max_min_dim", lambda m, a: (a * a).max(1).values.sum() + (a**3).min(0)[0], ((3, 4),), {}),
    ("var_std", lambda m, a: a.var(1) * a.std() + (a * a).var() + a.std(0).sum(), ((3, 4),), {}),
    ("norm", lambda m, a: a.norm() * a.norm(p=1, dim=1) + (a * a).norm(p=3, dim=0).sum(), ((3, 4),), {}),
    ("logsumexp", lambda m, a: m.logsumexp(a * a, 1), ((3, 4),), {}),
    ("cumsum_cumprod", lambda m, a: (a * a).cumsum(1) * a.cumprod(0), ((3, 4),), {}),
]


@pytest.mark.parametrize(("name", "fn", "inputs", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_second_derivative_matches_torch(name: str, fn: Any, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    check_grad_grad(fn, *inputs, **kwargs)


@pytest.mark.parametrize(("name", "fn", "inputs", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_gradgradcheck(name: str, fn: Any, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    arrays = make_inputs(inputs, np.dtype("float64"), 0, None, None, kwargs.get("transform"))
    tensors = [shendu.from_numpy(a).requires_grad_() for a in arrays]
    assert shendu.autograd.gradgradcheck(lambda *xs: fn(shendu, *xs), tensors, atol=1e-5, rtol=1e-3)
    COUNTS["float64 gradgradchecks"] += 1
