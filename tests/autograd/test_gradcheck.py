"""gradcheck and gradgradcheck: PyTorch's calls, options included, give PyTorch's answers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import shendu


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
