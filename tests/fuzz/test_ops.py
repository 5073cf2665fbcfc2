"""Every public op and ``nn.functional`` function, fuzzed against torch (rules in ``tests/fuzz/__init__.py``)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import shendu
import shendu.nn.functional as F
from tests.fuzz.functional_patterns import FUNCTIONAL_PATTERNS, p_fallback
from tests.fuzz.harness import (
    FUZZ,
    Call,
    Case,
    Draw,
    T,
    judge,
    run,
)
from tests.fuzz.op_rules import (
    ALIASES,
    COMPARISONS,
    LENIENT_OPS,
    MAX_POOLS,
    METHOD_TWINS,
    NONDETERMINISTIC,
    NOT_OPS,
    STRICT_OPS,
    TORCH_TWINS,
    non_finite_parameter,
    out_of_range_int_scalar,
    torch_max_pool_is_safe,
)
from tests.fuzz.search_patterns import SEARCH_PATTERNS
from tests.fuzz.shape_patterns import SHAPE_PATTERNS
from tests.fuzz.tensor_patterns import TENSOR_PATTERNS
from tests.helpers import COUNTS

OP_PATTERNS: dict[str, Callable[[Draw], Call]] = {
    **TENSOR_PATTERNS,
    **SHAPE_PATTERNS,
    **SEARCH_PATTERNS,
    **FUNCTIONAL_PATTERNS,
}


def _public_ops() -> dict[str, Callable[..., Any]]:
    """Every public function of ``shendu`` and ``shendu.nn.functional``, once per function object."""
    found: dict[str, Callable[..., Any]] = {}
    seen: set[int] = set()
    for module in (shendu, F):
        for name in module.__all__:
            fn = getattr(module, name)
            if not inspect.isfunction(fn) or name in NOT_OPS or (id(fn) in seen and module is F):
                continue
            seen.add(id(fn))
            found.setdefault(name, fn)
    return found


PUBLIC_OPS = _public_ops()

# Sparse results are compared through their dense form; spmm's sparse operand is built from
# (indices, values, size). torch checks the indices only when asked (else an out-of-range one crashes).
DENSE_FORMS: dict[str, Callable[[Any], Callable[..., Any]]] = {
    "sparse_coo_tensor": lambda lib: lambda *a, **k: lib.sparse_coo_tensor(*a, **k, **_checked(lib)).to_dense(),
    "spmm": lambda lib: lambda i, v, size, x: lib.spmm(lib.sparse_coo_tensor(i, v, size, **_checked(lib)), x),
}


def _checked(lib: Any) -> dict[str, bool]:
    return {"check_invariants": True} if lib is torch else {}


def torch_twin(name: str, fn: Callable[..., Any]) -> Callable[..., Any] | None:
    if name in TORCH_TWINS:
        return TORCH_TWINS[name]
    if name in METHOD_TWINS:
        return getattr(torch.Tensor, name)
    if name in F.__all__ and getattr(F, name) is fn and hasattr(TF, name):
        return getattr(TF, name)
    return getattr(torch, name, None) or getattr(TF, name, None)


def dim_argument(call: Call) -> Any:
    """The ``dim`` of a reduction call, given by keyword or as the second argument (None when absent)."""
    if "dim" in call.kwargs:
        return call.kwargs["dim"]
    return call.args[1] if len(call.args) > 1 else None


def op_case(name: str) -> Case:
    fn = PUBLIC_OPS[name]
    names = (name, fn.__name__, *ALIASES.get(name, ()))
    twin = torch_twin(name, fn)
    if name in DENSE_FORMS:
        fn, twin = DENSE_FORMS[name](shendu), DENSE_FORMS[name](torch)
    return Case(
        name,
        fn,
        twin,
        names,
        values=name not in NONDETERMINISTIC,
        lenient=LENIENT_OPS.get(name, ()),
        strict=STRICT_OPS.get(name, ()),
    )


@pytest.mark.usefixtures("_default_dtype_restored")
@pytest.mark.parametrize("name", sorted(PUBLIC_OPS))
@FUZZ
@given(data=st.data())
def test_fuzz_op(name: str, data: Any) -> None:
    case = op_case(name)
    call = OP_PATTERNS.get(name, p_fallback)(Draw(data))
    if name in MAX_POOLS and not torch_max_pool_is_safe(call.args[0].array.shape, MAX_POOLS[name], call.kwargs):
        case.torch_fn = None
    if name in COMPARISONS and out_of_range_int_scalar(call):
        case.values = False  # shendu compares the true values on purpose; torch wraps the scalar first
    if name == "topk" and isinstance(call.args[0], T) and np.unique(call.args[0].array).size < call.args[0].array.size:
        case.values = False  # which of several equal values topk returns first is unspecified in torch
    if non_finite_parameter(call):
        case.values = False  # NaN or inf hyperparameters and weights: the order of operations decides
    if name in ("std", "var") and dim_argument(call) == ():
        case.grad_values = False  # torch 2.13 reduces dim=() over every dim forward, but its backward gives inf
    judge(case, call)
    if name == "set_default_dtype":
        shendu.set_default_dtype(shendu.float32)


def test_every_public_op_has_a_pattern() -> None:
    """New public functions should get a meaningful pattern; the fallback only keeps them fuzzed meanwhile."""
    missing = sorted(set(PUBLIC_OPS) - set(OP_PATTERNS))
    assert not missing, f"add argument patterns for {missing} to OP_PATTERNS"


def test_the_judge_rejects_what_it_must() -> None:
    """The fuzz rules themselves: NumPy and Python errors fail, shendu errors that name the op pass."""
    from tests.fuzz import harness as fh

    def boom() -> None:
        np.zeros(2).reshape(3)

    out = run(boom)
    assert fh.error_problem(out.error, ("reshape",)) is not None
    assert fh.error_problem(shendu.ShapeError("reshape: bad"), ("reshape",)) is None
    assert fh.error_problem(shendu.ShapeError("other: bad"), ("reshape",)) is not None
    assert fh.error_problem(KeyError("reshape: x"), ("reshape",)) is not None
    assert fh.error_problem(fh.Hang("x"), ("reshape",)).startswith("hang")
    assert fh.error_problem(shendu.ShapeError("layer.1 (Linear): bad"), ("Linear",)) is None
    with pytest.raises(AssertionError, match="shendu returned a result where torch raises"):
        judge(Case("zeros", lambda: shendu.zeros(1), lambda: torch.zeros(-1), ("zeros",)), Call())
    with pytest.raises(AssertionError, match="shape"):
        judge(Case("zeros", lambda: shendu.zeros(2), lambda: torch.zeros(1), ("zeros",)), Call())


def test_the_judge_compares_gradient_values_and_counts_each_input_once() -> None:
    from tests.fuzz import harness as fh

    x = T(np.array([1.0, -2.0, 3.0]), grad=True)
    # The same forward values (2x - x = x), but a gradient of 2 where torch's is 1.
    wrong = Case("mul", lambda a: a * 2.0 - a.detach(), lambda a: a * 1.0, ("mul",))
    with pytest.raises(AssertionError, match=r"then backward\(\): gradient result 0: values differ"):
        judge(wrong, Call((x,)))
    before = dict(COUNTS)
    judge(Case("mul", lambda a: a * 1.0, lambda a: a * 1.0, ("mul",)), Call((x,)))
    judge(Case("mul", lambda a: a * 1.0, lambda a: a * 1.0, ("mul",)), Call((T(np.ones(2)),)))
    judge(Case("log", lambda a: shendu.log(a), lambda a: torch.log(a), ("log",)), Call((3,)))
    grew = {k: v - before.get(k, 0) for k, v in COUNTS.items() if v != before.get(k, 0)}
    assert grew == {
        "fuzzed inputs": 3,
        fh.KINDS["values+grads"]: 1,
        fh.KINDS["values"]: 1,
        fh.KINDS["both raised"]: 1,
    }
