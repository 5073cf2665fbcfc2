from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from tests.helpers import check, grad_check

MATMUL_CASES = [
    ((3,), (3,)),  # 1-D . 1-D -> 0-d
    ((2, 3), (3,)),  # matrix . vector
    ((3,), (3, 4)),  # vector . matrix
    ((2, 3), (3, 4)),  # matrix . matrix
    ((5, 2, 3), (5, 3, 4)),  # equal batches
    ((5, 2, 3), (3, 4)),  # batch . matrix (one folded GEMM)
    ((2, 3), (5, 3, 4)),  # matrix . batch
    ((5, 1, 2, 3), (4, 3, 2)),  # broadcast batch dims
    ((1, 2, 3), (6, 3, 4)),  # size-1 batch dim broadcast
    ((3,), (5, 3, 4)),  # vector . batch
    ((5, 2, 3), (3,)),  # batch . vector
    ((2, 0), (0, 3)),  # size-0 inner dim -> zeros
    ((0, 3), (3, 2)),  # size-0 rows
    ((2, 0, 3), (3, 4)),  # size-0 batch rows
    ((0,), (0,)),  # empty dot
]


def _linear(m, *args):
    return m.linear(*args)


def _torch_linear(m, *args):
    return torch.nn.functional.linear(*args)


@pytest.mark.parametrize(("a", "b"), MATMUL_CASES)
def test_matmul_cases(a: tuple, b: tuple) -> None:
    check(lambda m, x, y: m.matmul(x, y), a, b)
    check(lambda m, x, y: x @ y, a, b, noncontiguous=True)
    grad_check(lambda m, x, y: m.matmul(x, y), a, b)


def test_matmul_one_side_requires_grad() -> None:
    x = shendu.randn(5, 2, 3, requires_grad=True)
    w = shendu.randn(3, 4)
    (x @ w).backward(shendu.ones(5, 2, 4))
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(w.numpy().sum(1), (5, 2, 3)), rtol=1e-5)
    assert w.grad is None


def test_mm_bmm_dot_outer() -> None:
    check(lambda m, x, y: m.mm(x, y), (2, 3), (3, 4))
    check(lambda m, x, y: x.matmul(y), (2, 3), (3, 4))
    check(lambda m, x, y: x.mm(y), (4, 3), (3, 2), noncontiguous=True)
    check(lambda m, x, y: m.mm(x, y), (2, 0), (0, 4))
    check(lambda m, x, y: m.bmm(x, y), (5, 2, 3), (5, 3, 4))
    check(lambda m, x, y: x.bmm(y), (3, 4, 2), (3, 2, 5), noncontiguous=True)
    check(lambda m, x, y: m.dot(x, y), (4,), (4,))
    check(lambda m, x, y: x.dot(y), (5,), (5,), noncontiguous=True)
    check(lambda m, x, y: m.outer(x, y), (3,), (4,))
    check(lambda m, x, y: x.outer(y), (0,), (4,))
    check(lambda m, x, y: m.outer(x, y), np.arange(3), (2,))


def test_integer_products() -> None:
    a = np.arange(6, dtype=np.int64).reshape(2, 3)
    b = np.arange(12, dtype=np.int64).reshape(3, 4) - 5
    check(lambda m, x, y: x @ y, a, b)
    check(lambda m, x, y: m.mm(x, y), a.astype(np.int32), b.astype(np.int32))
    check(lambda m, x, y: m.bmm(x, y), a[None], b[None])
    check(lambda m, x, y: m.dot(x, y), a[0], b[:, 0])
    check(lambda m, x, y: x @ y, a, b[:, 0])
    check(lambda m, x, y: m.outer(x, y), a[0], b[0])


def test_float32_stays_float32() -> None:
    assert (shendu.ones(2, 3) @ shendu.ones(3, 4)).dtype == shendu.float32
    assert shendu.linear(shendu.ones(2, 3), shendu.ones(4, 3), shendu.ones(4)).dtype == shendu.float32
    assert shendu.einsum("ij,jk->ik", shendu.ones(2, 3), shendu.ones(3, 4)).dtype == shendu.float32


@pytest.mark.parametrize(
    ("x", "w", "b"),
    [
        ((5, 3), (4, 3), (4,)),
        ((5, 3), (4, 3), None),
        ((2, 5, 3), (4, 3), (4,)),  # leading dims fold into one GEMM
        ((2, 3, 5, 3), (4, 3), None),
        ((3,), (4, 3), (4,)),  # 1-D input
        ((5, 3), (3,), None),  # 1-D weight: one output
        ((3,), (3,), None),  # 1-D input and weight: a scalar
        ((3,), (3,), ()),
        ((5, 3), (4, 3), (1,)),  # broadcast bias
        ((5, 3), (4, 3), ()),
        ((2, 0, 3), (4, 3), (4,)),  # size-0 batch
        ((5, 0), (4, 0), (4,)),  # size-0 features
    ],
)
def test_linear(x: tuple, w: tuple, b: tuple | None) -> None:
    shapes = (x, w) if b is None else (x, w, b)
    check(_linear, *shapes, torch_fn=_torch_linear)
    check(_linear, *shapes, torch_fn=_torch_linear, noncontiguous=True)
    grad_check(_linear, *shapes)


def test_linear_int_and_partial_grads() -> None:
    x = np.arange(6, dtype=np.int64).reshape(2, 3)
    check(_linear, x, x[:1] - 2, np.array([3], dtype=np.int64), torch_fn=_torch_linear)
    weight = shendu.randn(4, 3, requires_grad=True)
    out = shendu.linear(shendu.randn(5, 3), weight, shendu.zeros(4))
    out.backward(shendu.ones(5, 4))
    assert weight.grad.shape == (4, 3)


EINSUM_CASES = [
    ("ij,jk->ik", (2, 3), (3, 4)),
    ("bij,bjk->bik", (2, 2, 3), (2, 3, 4)),
    ("bi,bj->bij", (4, 2), (4, 3)),
    ("bhqd,bhkd->bhqk", (2, 3, 4, 5), (2, 3, 6, 5)),
    ("ij,jk,kl->il", (2, 3), (3, 4), (4, 5)),
    ("ij,jk", (2, 3), (3, 4)),  # implicit output
    ("ba,ac", (2, 3), (3, 4)),
    ("Ba,aC", (2, 3), (3, 4)),  # upper-case labels sort first
    ("ij->ji", (2, 3)),
    ("ji", (2, 3)),
    ("ij->", (2, 3)),
    ("ij->j", (2, 3)),
    ("i,i->", (4,), (4,)),
    ("i,j->", (2,), (3,)),
    ("i,j", (2,), (3,)),
    ("ii->i", (3, 3)),  # diagonal
    ("ii", (3, 3)),  # trace
    ("iij,j->i", (3, 3, 2), (2,)),
    ("...ij,...jk", (5, 2, 3), (3, 4)),  # ellipsis broadcast
    ("...ij,...jk->...ik", (2, 1, 2, 3), (5, 3, 4)),
    ("i...j,j...", (2, 5, 3), (3, 5)),
    ("...i->i", (2, 3)),  # ellipsis dims absent from the output are summed
    ("ij,jk->ik", (2, 1), (3, 4)),  # size-1 label broadcasts
    ("ij,ij->ij", (1, 3), (2, 3)),
    (" i j , j k -> i k ", (2, 3), (3, 4)),  # spaces
    ("ij,jk->ik", (2, 0), (0, 3)),
]


@pytest.mark.parametrize(("equation", "shapes"), [(c[0], c[1:]) for c in EINSUM_CASES])
def test_einsum(equation: str, shapes: tuple) -> None:
    check(lambda m, *xs: m.einsum(equation, *xs), *shapes)
    grad_check(lambda m, *xs: m.einsum(equation, *xs), *shapes)


def test_einsum_forms() -> None:
    check(lambda m, a, b: m.einsum("ij,jk->ik", [a, b]), (2, 3), (3, 4))
    check(lambda m, a, b: m.einsum("ij,jk->ik", a, b), (3, 2), (2, 4), noncontiguous=True)
    ints = np.arange(6, dtype=np.int32).reshape(2, 3)
    check(lambda m, a: m.einsum("ij->", a), ints)  # an integer sum is int64, as in PyTorch
    check(lambda m, a: m.einsum("ij->ji", a), ints)
    check(lambda m, a, b: m.einsum("ij,jk->ik", a, b), ints, ints.T.copy())


def test_einsum_saves_every_operand() -> None:
    a, b = shendu.randn(2, 3, requires_grad=True), shendu.randn(3, 4)
    out = shendu.einsum("ij,jk->ik", a, b)
    with shendu.no_grad():
        b.add_(1)
    with pytest.raises(shendu.GraphError, match="modified in place"):
        out.backward(shendu.ones(2, 4))


@st.composite
def _matmul_shapes(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    n, k, m = (draw(st.integers(0, 4)) for _ in range(3))
    rank_a, rank_b = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    batch = draw(st.lists(st.integers(1, 3), min_size=2, max_size=2))
    a_batch = tuple(b if draw(st.booleans()) else 1 for b in batch[4 - rank_a :] if rank_a > 2)
    b_batch = tuple(b if draw(st.booleans()) else 1 for b in batch[4 - rank_b :] if rank_b > 2)
    a = (k,) if rank_a == 1 else (*a_batch, n, k)
    b = (k,) if rank_b == 1 else (*b_batch, k, m)
    return a, b


@settings(max_examples=40, deadline=None)
@given(_matmul_shapes(), st.booleans())
def test_matmul_random_shapes(shapes: tuple, noncontiguous: bool) -> None:
    check(lambda m, x, y: m.matmul(x, y), *shapes, noncontiguous=noncontiguous)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=3), st.integers(0, 4), st.integers(0, 4), st.booleans())
def test_linear_random_shapes(lead: list, features: int, out: int, bias: bool) -> None:
    shapes = [(*lead, features), (out, features)] + ([(out,)] if bias else [])
    check(_linear, *shapes, torch_fn=_torch_linear)


def test_matmul_errors() -> None:
    with pytest.raises(shendu.ShapeError, match=r"matmul: shapes \(64, 784\) and \(100, 10\) cannot be multiplied: "):
        shendu.ones(64, 784) @ shendu.ones(100, 10)
    with pytest.raises(shendu.ShapeError, match=r"matmul: shapes \(3,\) and \(4,\) cannot be multiplied: 3 != 4"):
        shendu.matmul(shendu.ones(3), shendu.ones(4))
    with pytest.raises(shendu.ShapeError, match=r"matmul: shapes \(2, 3\) and \(4,\) cannot be multiplied: 3 != 4"):
        shendu.ones(2, 3) @ shendu.ones(4)
    with pytest.raises(shendu.ShapeError, match=r"matmul: batch dimensions \(2,\) and \(3,\) of shapes"):
        shendu.ones(2, 3, 4) @ shendu.ones(3, 4, 5)
    with pytest.raises(shendu.ShapeError, match=r"matmul: both arguments must be at least 1-D, but got shapes \(\)"):
        shendu.tensor(2.0) @ shendu.ones(3)
    with pytest.raises(shendu.DtypeError, match=r"matmul: .* same dtype, but got shendu.float32 and shendu.float64"):
        shendu.ones(2, 3) @ shendu.ones(3, 2, dtype=shendu.float64)
    with pytest.raises(shendu.DtypeError, match=r"matmul: .* same dtype, but got shendu.int64 and shendu.float32"):
        shendu.ones(2, 3, dtype=shendu.int64) @ shendu.ones(3, 2)
    with pytest.raises(shendu.DtypeError, match="matmul: bool tensors are not supported"):
        shendu.ones(2, 3, dtype=shendu.bool) @ shendu.ones(3, dtype=shendu.bool)


def test_mm_bmm_dot_outer_errors() -> None:
    with pytest.raises(shendu.ShapeError, match=r"mm: expected two 2-D matrices, but got shapes \(3,\) and \(3, 2\)"):
        shendu.mm(shendu.ones(3), shendu.ones(3, 2))
    with pytest.raises(shendu.ShapeError, match=r"mm: shapes \(2, 3\) and \(4, 2\) cannot be multiplied: 3 != 4"):
        shendu.mm(shendu.ones(2, 3), shendu.ones(4, 2))
    with pytest.raises(shendu.DtypeError, match=r"mm: .*shendu.float32 and shendu.float64"):
        shendu.mm(shendu.ones(2, 3), shendu.ones(3, 2, dtype=shendu.float64))
    with pytest.raises(shendu.ShapeError, match=r"bmm: expected two 3-D tensors .* shapes \(2, 3\) and \(1, 3, 2\)"):
        shendu.bmm(shendu.ones(2, 3), shendu.ones(1, 3, 2))
    with pytest.raises(shendu.ShapeError, match=r"bmm: the batch sizes differ: 2 != 3 \(shapes \(2, 3, 4\) and"):
        shendu.bmm(shendu.ones(2, 3, 4), shendu.ones(3, 4, 2))
    with pytest.raises(
        shendu.ShapeError, match=r"bmm: shapes \(2, 3, 4\) and \(2, 5, 2\) cannot be multiplied: 4 != 5"
    ):
        shendu.bmm(shendu.ones(2, 3, 4), shendu.ones(2, 5, 2))
    with pytest.raises(shendu.ShapeError, match=r"dot: expected two 1-D tensors, but got shapes \(2, 2\) and \(4,\)"):
        shendu.dot(shendu.ones(2, 2), shendu.ones(4))
    with pytest.raises(shendu.ShapeError, match=r"dot: shapes \(3,\) and \(4,\) cannot be multiplied: 3 != 4"):
        shendu.dot(shendu.ones(3), shendu.ones(4))
    with pytest.raises(shendu.DtypeError, match=r"dot: .*shendu.int64 and shendu.float32"):
        shendu.dot(shendu.ones(3, dtype=shendu.int64), shendu.ones(3))
    with pytest.raises(shendu.ShapeError, match=r"outer: expected two 1-D tensors, but got shapes \(3, 1\) and \(4,\)"):
        shendu.outer(shendu.ones(3, 1), shendu.ones(4))


def test_linear_errors() -> None:
    with pytest.raises(
        shendu.ShapeError,
        match=r"linear: input has 100 features but weight expects 784 \(input shape \(64, 100\), "
        r"weight shape \(256, 784\)\)",
    ):
        shendu.linear(shendu.ones(64, 100), shendu.ones(256, 784))
    with pytest.raises(shendu.ShapeError, match=r"linear: input must be at least 1-D .* got shape \(\)"):
        shendu.linear(shendu.tensor(1.0), shendu.ones(2, 1))
    with pytest.raises(shendu.ShapeError, match=r"linear: weight must be 2-D .* got shape \(2, 4, 1\)"):
        shendu.linear(shendu.ones(3, 1), shendu.ones(2, 4, 1))
    with pytest.raises(shendu.ShapeError, match=r"linear: bias of shape \(3,\) does not match the 2 output features"):
        shendu.linear(shendu.ones(5, 4), shendu.ones(2, 4), shendu.ones(3))
    with pytest.raises(shendu.DtypeError, match=r"linear: .*shendu.float32 and shendu.float32 and shendu.float64"):
        shendu.linear(shendu.ones(5, 4), shendu.ones(2, 4), shendu.ones(2, dtype=shendu.float64))


def test_einsum_errors() -> None:
    with pytest.raises(ValueError, match="einsum: the equation 'ij,jk->ik' has subscripts for 2 operand"):
        shendu.einsum("ij,jk->ik", shendu.ones(2, 3))
    with pytest.raises(shendu.ShapeError, match=r"einsum: label 'j' has size 3 in operand 1 .* but size 2"):
        shendu.einsum("ij,jk->ik", shendu.ones(2, 2), shendu.ones(3, 4))
    with pytest.raises(ValueError, match="einsum: invalid character '1' at index 1"):
        shendu.einsum("i1", shendu.ones(2, 3))
    with pytest.raises(ValueError, match="einsum: output label 'k' does not appear in any operand"):
        shendu.einsum("ij->k", shendu.ones(2, 3))
    with pytest.raises(ValueError, match="einsum: output label 'i' appears more than once"):
        shendu.einsum("ij->ii", shendu.ones(2, 3))
    with pytest.raises(shendu.ShapeError, match=r"einsum: operand 0 has 2 dimension.* subscripts 'ijk' name 3"):
        shendu.einsum("ijk", shendu.ones(2, 3))
    with pytest.raises(shendu.ShapeError, match="einsum: label 'i' is repeated in operand 0 but its sizes differ"):
        shendu.einsum("ii", shendu.ones(2, 3))
    with pytest.raises(ValueError, match="einsum: malformed ellipsis"):
        shendu.einsum("..i", shendu.ones(2, 3))
    with pytest.raises(ValueError, match="einsum: malformed equation"):
        shendu.einsum("ij->j->", shendu.ones(2, 3))
    with pytest.raises(shendu.DtypeError, match=r"einsum: .*shendu.float32 and shendu.float64"):
        shendu.einsum("ij,jk", shendu.ones(2, 3), shendu.ones(3, 2, dtype=shendu.float64))
    with pytest.raises(TypeError, match="einsum: the equation must be a string"):
        shendu.einsum(shendu.ones(2), shendu.ones(2))
    with pytest.raises(ValueError, match="einsum: expected at least one operand"):
        shendu.einsum("i")
