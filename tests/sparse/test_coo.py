"""Sparse COO tensors against PyTorch: construction, coalescing, products and their gradients."""

from __future__ import annotations

import copy
import pickle
import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import shendu
from shendu.sparse import SparseLayoutError
from tests.helpers import COUNTS, check, grad_check

# Column k is the position of value k; (0, 2) appears twice, so the tensor is uncoalesced.
IDX = np.array([[0, 1, 1, 0, 2], [2, 0, 2, 2, 3]], dtype=np.int64)
NNZ = IDX.shape[1]


@pytest.fixture(autouse=True)
def _quiet_torch() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: "sparse invariant checks are implicitly disabled"
        yield


def sp(m: Any, values: Any, size: tuple[int, ...] = (3, 4)) -> Any:
    return m.sparse_coo_tensor(m.tensor(IDX), values, size)


def sparse_pattern(a: np.ndarray) -> np.ndarray:
    return np.where(np.abs(a) < 0.6, 0.0, a)


def test_dense_forms() -> None:
    check(lambda m, v: sp(m, v).to_dense(), (NNZ,))
    check(lambda m, v: sp(m, v, (4, 5)).to_dense() * 2, (NNZ,))
    check(lambda m, v: m.sparse_coo_tensor(m.tensor(IDX), v).to_dense(), (NNZ,))
    check(lambda m, v: sp(m, v).coalesce().to_dense(), (NNZ,))
    check(lambda m, v: m.sparse_coo_tensor(m.tensor(IDX[:1]), v, (4,)).to_dense(), (NNZ,))
    check(lambda m, v: m.sparse_coo_tensor(m.tensor([[0, 1], [1, 0], [2, 2]]), v, (2, 2, 3)).to_dense(), (2,))
    check(lambda m, v: sp(m, v).t().to_dense(), (NNZ,))
    check(lambda m, v: sp(m, v).transpose(1, 0).to_dense(), (NNZ,))
    check(lambda m, v: (sp(m, v) * 3).to_dense(), (NNZ,))
    check(lambda m, v: (0.5 * sp(m, v)).to_dense(), (NNZ,))
    check(lambda m, v: (sp(m, v) / 4).to_dense(), (NNZ,))
    check(lambda m, v: (-sp(m, v)).to_dense(), (NNZ,))
    check(lambda m, v: sp(m, v).mul(m.tensor(2.0, dtype=v.dtype)).to_dense(), (NNZ,))
    check(lambda m, v: sp(m, v).clone().to_dense(), (NNZ,))
    check(lambda m, v: sp(m, v).detach().to_dense(), (NNZ,), grad=False)
    check(lambda m, v: sp(m, v).to(m.float64).to_dense(), (NNZ,))
    check(lambda m, v: sp(m, v).double().to_dense(), (NNZ,))
    check(lambda m, v: m.sparse_coo_tensor(m.tensor(IDX), v, (3, 4), dtype=m.float64).to_dense(), (NNZ,))
    check(lambda m: m.sparse_coo_tensor(IDX.tolist(), [1, 2, 3, 4, 5], (3, 4)).to_dense())
    check(lambda m: m.sparse_coo_tensor(m.zeros(2, 0, dtype=m.int64), m.zeros(0), (2, 3)).to_dense())
    check(lambda m, x: x.to_dense(), (2, 3))


def test_indices_and_values() -> None:
    check(lambda m, v: (sp(m, v)._indices(), sp(m, v)._values()), (NNZ,))
    check(lambda m, v: (sp(m, v).coalesce().indices(), sp(m, v).coalesce().values()), (NNZ,))
    check(lambda m, v: sp(m, v).coalesce().values() * 2, (NNZ,))
    check(lambda m, x: (x.to_sparse().indices(), x.to_sparse().values()), (3, 4), transform=sparse_pattern)
    check(lambda m, x: x.to_sparse().to_dense() * x, (3, 4), transform=sparse_pattern)
    check(lambda m, x: x.to_sparse().values(), (2, 3, 2), transform=sparse_pattern)
    check(lambda m, x: x.to_sparse().coalesce().to_dense(), (5,), transform=sparse_pattern)
    for lib in (torch, shendu):
        s = sp(lib, lib.ones(NNZ))
        c = s.coalesce()
        dense = lib.tensor([[0.0, 1.0], [2.0, 0.0]]).to_sparse()
        answers = (s.is_sparse, s.is_coalesced(), c.is_coalesced(), dense.is_coalesced(), s._nnz(), c._nnz())
        assert answers == (True, False, True, True, 5, 4)
        assert (s.sparse_dim(), s.dense_dim(), s.dim(), tuple(s.shape), s.numel()) == (2, 0, 2, (3, 4), 12)
        assert str(s.layout).endswith("sparse_coo") and str(lib.zeros(1).layout).endswith("strided")
        assert not lib.zeros(2).is_sparse and c.coalesce() is c
    COUNTS["op cases compared with torch"] += 1


def test_products() -> None:
    check(lambda m, v, x: m.sparse.mm(sp(m, v), x), (NNZ,), (4, 2))
    check(lambda m, v, x: m.spmm(sp(m, v), x), (NNZ,), (4, 3))
    check(lambda m, v, x: m.mm(sp(m, v), x), (NNZ,), (4, 1))
    check(lambda m, v, x: m.matmul(sp(m, v), x), (NNZ,), (4, 2))
    check(lambda m, v, x: sp(m, v) @ x, (NNZ,), (4, 2))
    check(lambda m, v, x: sp(m, v).mm(x), (NNZ,), (4, 2), noncontiguous=True)
    check(lambda m, v, x: m.sparse.mm(sp(m, v).coalesce(), x), (NNZ,), (4, 2))
    check(lambda m, v, x: m.sparse.mm(sp(m, v).t(), x), (NNZ,), (3, 2))
    check(lambda m, v, x: m.sparse.mm(x, sp(m, v)), (NNZ,), (2, 3))
    check(lambda m, v, x: x @ sp(m, v), (NNZ,), (5, 3))
    check(lambda m, v, x: m.sparse.mm(sp(m, v) * 2, m.sparse.mm(sp(m, v).t(), x)), (NNZ,), (3, 2))
    check(lambda m, a, x: m.sparse.mm(a.to_sparse(), x), (3, 4), (4, 2), transform=sparse_pattern)
    check(lambda m, v, x: m.sparse.mm(sp(m, v, (3, 6)), x), (NNZ,), (6, 2))
    check(lambda m, v, x: m.sparse.mm(sp(m, v), x), (NNZ,), (4, 0))


@given(
    rows=st.integers(1, 5),
    cols=st.integers(1, 5),
    out=st.integers(0, 3),
    nnz=st.integers(0, 8),
    seed=st.integers(0, 2**16),
)
def test_random_sparse_products(rows: int, cols: int, out: int, nnz: int, seed: int) -> None:
    idx = np.random.default_rng(seed).integers(0, (rows, cols), size=(nnz, 2)).T.astype(np.int64)

    def make(m: Any, v: Any) -> Any:
        return m.sparse_coo_tensor(m.tensor(idx), v, (rows, cols))

    check(lambda m, v, x: m.sparse.mm(make(m, v), x), (nnz,), (cols, out), dtypes=("float64",), seed=seed)
    check(lambda m, v: make(m, v).coalesce().to_dense(), (nnz,), dtypes=("float64",), seed=seed)


def test_a_two_layer_graph_convolution_trains_like_torch() -> None:
    rng = np.random.default_rng(0)
    n, f, h, c = 12, 5, 4, 3
    edges = rng.integers(0, n, (2, 30))
    feats, w1, w2 = rng.standard_normal((n, f)), rng.standard_normal((f, h)), rng.standard_normal((h, c))
    labels = rng.integers(0, c, n)

    def run(m: Any) -> list[np.ndarray]:
        adj = m.sparse_coo_tensor(m.tensor(edges), m.ones(30, dtype=m.float64), (n, n)).coalesce()
        x = m.tensor(feats)
        p1, p2 = m.tensor(w1, requires_grad=True), m.tensor(w2, requires_grad=True)
        hidden = m.sparse.mm(adj, x @ p1).relu()
        loss = m.nn.functional.cross_entropy(m.spmm(adj, hidden @ p2), m.tensor(labels))
        loss.backward()
        return [loss.detach().numpy(), p1.grad.numpy(), p2.grad.numpy()]

    for got, want in zip(run(shendu), run(torch)):
        np.testing.assert_allclose(got, want, rtol=1e-10)
    COUNTS["op cases compared with torch"] += 1


def test_a_leaf_sparse_tensor_gets_a_sparse_gradient_like_torch() -> None:
    rng = np.random.default_rng(0)
    x, values = rng.standard_normal((4, 2)), rng.standard_normal(NNZ)
    grads = {}
    for lib in (torch, shendu):
        a = lib.sparse_coo_tensor(lib.tensor(IDX), lib.tensor(values), (3, 4), requires_grad=True)
        assert a.is_leaf and a.requires_grad
        lib.sparse.mm(a, lib.tensor(x)).sum().backward()
        assert a.grad.is_sparse
        grads[lib] = (a.grad.coalesce().indices().numpy(), a.grad.coalesce().values().numpy())
    np.testing.assert_array_equal(grads[shendu][0], grads[torch][0])
    np.testing.assert_allclose(grads[shendu][1], grads[torch][1], rtol=1e-12)
    b = sp(shendu, shendu.ones(NNZ, requires_grad=True))
    assert not b.is_leaf and b.requires_grad and b.grad_fn is not None
    c = sp(shendu, shendu.ones(NNZ)).requires_grad_()
    shendu.sparse.mm(c, shendu.ones(4, 1)).sum().backward()
    assert c.grad is not None
    c.grad = None
    assert c.grad is None
    COUNTS["op cases compared with torch"] += 1


def test_repr_matches_torch() -> None:
    for make in (
        lambda m: sp(m, m.tensor([3.0, 4.0, 5.0, 1.0, 2.0])),
        lambda m: sp(m, m.tensor([3.0, 4.0, 5.0, 1.0, 2.0], dtype=m.float64)).coalesce(),
        lambda m: m.sparse_coo_tensor(m.tensor(IDX), m.ones(NNZ), (3, 4), requires_grad=True),
    ):
        assert repr(make(shendu)) == repr(make(torch)).replace("torch.", "shendu.")
        COUNTS["reprs compared with torch"] += 1


def test_sharing_copies_and_pickles() -> None:
    values = shendu.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    a = sp(shendu, values)
    values[0] = 10.0
    assert a.to_dense()[0, 2].item() == 14.0  # the values are shared, as in PyTorch
    b = pickle.loads(pickle.dumps(a))
    c = copy.deepcopy(a)
    values[0] = 0.0
    for other in (b, c):
        assert other.is_sparse and np.array_equal(other.to_dense().numpy()[0], [0.0, 0.0, 14.0, 0.0])
    assert shendu.sparse.FloatTensor(shendu.tensor(IDX), shendu.ones(NNZ), (3, 4)).dtype == shendu.float32


def test_data_is_the_sparse_tensor_outside_autograd() -> None:
    a = sp(shendu, shendu.ones(NNZ, requires_grad=True))
    assert a.data.is_sparse and not a.data.requires_grad
    assert np.array_equal(a.data.to_dense().numpy(), a.detach().to_dense().numpy())
    b = sp(shendu, shendu.zeros(NNZ))
    b.data = a.data
    assert b.to_dense().sum().item() == NNZ
    with pytest.raises(TypeError, match=r"SparseTensor\.data: expected a sparse tensor, got Tensor"):
        b.data = shendu.ones(3, 4)


def test_gradcheck() -> None:
    grad_check(lambda m, v, x: m.sparse.mm(sp(m, v), x), (NNZ,), (4, 2))
    grad_check(lambda m, v, x: m.sparse.mm(x, sp(m, v).coalesce()), (NNZ,), (2, 3))
    grad_check(lambda m, v: sp(m, v).coalesce().to_dense() ** 2, (NNZ,))
    grad_check(lambda m, a: (a.to_sparse() * 3).to_dense(), (3, 4))  # no zeros: the pattern stays put


def test_errors() -> None:
    s = sp(shendu, shendu.ones(NNZ))
    for call, name in [
        (lambda: s + 1, "add"),
        (lambda: 1 - s, "sub"),
        (lambda: shendu.exp(s), "exp"),
        (lambda: s.sum(), "sum"),
        (lambda: s[0], "getitem"),
        (lambda: s.view(-1), "reshape"),
        (lambda: shendu.cat([s, s]), "concatenate"),
        (lambda: s.numpy(), "numpy"),
        (lambda: shendu.nn.functional.linear(shendu.ones(3, 4), s), "linear"),
        (lambda: s.add_(1), "add_"),
        (lambda: s.sort(), "sort"),
        (lambda: shendu.unique(s), "unique"),
    ]:
        with pytest.raises(SparseLayoutError, match=rf"^{name}: sparse tensors are not supported; call .to_dense\(\)"):
            call()
    with pytest.raises(
        SparseLayoutError, match=r"mul: a sparse tensor can be multiplied .* got a tensor of shape \(2,\)"
    ):
        s * shendu.ones(2)
    with pytest.raises(
        shendu.IndexOutOfRange, match=r"sparse_coo_tensor: index -1 in row 0 of the indices is negative"
    ):
        shendu.sparse_coo_tensor(shendu.tensor([[-1], [0]]), shendu.ones(1))
    with pytest.raises(shendu.ShapeError, match=r"indices: cannot get indices of an uncoalesced sparse tensor"):
        s.indices()
    with pytest.raises(shendu.ShapeError, match=r"values: cannot get values of an uncoalesced"):
        s.values()
    with pytest.raises(shendu.ShapeError, match=r"describe the same number of elements, got 5 columns .* and 4 values"):
        shendu.sparse_coo_tensor(IDX, shendu.ones(4), (3, 4))
    with pytest.raises(shendu.ShapeError, match=r"indices must have 2 dims .* got shape \(5,\)"):
        shendu.sparse_coo_tensor(IDX[0], shendu.ones(NNZ), (3,))
    with pytest.raises(shendu.DtypeError, match="sparse_coo_tensor: indices must be integers, got dtype float64"):
        shendu.sparse_coo_tensor(IDX.astype(float), shendu.ones(NNZ))
    with pytest.raises(shendu.ShapeError, match=r"values must have 1 dim .* no hybrid sparse tensors"):
        shendu.sparse_coo_tensor(IDX, shendu.ones(NNZ, 2))
    with pytest.raises(shendu.ShapeError, match=r"size \(3, 4, 1\) has 3 dims but the indices have 2 rows"):
        shendu.sparse_coo_tensor(IDX, shendu.ones(NNZ), (3, 4, 1))
    with pytest.raises(IndexError, match=r"index 3 in row 1 of the indices is out of range for size 3 of dim 1"):
        shendu.sparse_coo_tensor(IDX, shendu.ones(NNZ), (3, 3))
    with pytest.raises(IndexError, match=r"sparse_coo_tensor: index -1 in row 0 of the indices is negative"):
        shendu.sparse_coo_tensor([[0, -1]], [1.0, 2.0], (3,))
    # Without a size the shape is inferred from the indices; a negative one is refused all the same, as in torch.
    with pytest.raises(IndexError, match=r"sparse_coo_tensor: index -1 in row 0 of the indices is negative"):
        shendu.sparse_coo_tensor([[-1, 0], [1, 2]], [1.0, 2.0])
    with pytest.raises(RuntimeError, match="found negative index -1 for dim 0"):
        torch.sparse_coo_tensor([[-1, 0], [1, 2]], [1.0, 2.0])
    with pytest.raises(shendu.ShapeError, match="is_coalesced=True but the positions are not sorted and distinct"):
        shendu.sparse_coo_tensor(IDX, shendu.ones(NNZ), (3, 4), is_coalesced=True)
    with pytest.raises(shendu.GraphError, match="requires_grad=True makes a leaf, but the values already require"):
        shendu.sparse_coo_tensor(IDX, shendu.ones(NNZ, requires_grad=True), requires_grad=True)
    with pytest.raises(shendu.ShapeError, match=r"sparse.mm: mat1 has 4 columns but mat2 has 3 rows"):
        shendu.sparse.mm(s, shendu.ones(3, 2))
    with pytest.raises(shendu.ShapeError, match=r"sparse.mm: mat2 must be a matrix \(2 dims\), got shape \(4,\)"):
        shendu.sparse.mm(s, shendu.ones(4))
    with pytest.raises(shendu.DtypeError, match=r"sparse\.mm: expected both matrices of the same dtype"):
        shendu.sparse.mm(s, shendu.ones(4, 2, dtype=shendu.float64))
    with pytest.raises(TypeError, match=r"sparse\.mm: expected a sparse matrix as mat1 or mat2, got two dense ones"):
        shendu.sparse.mm(shendu.ones(2, 2), shendu.ones(2, 2))
    with pytest.raises(SparseLayoutError, match=r"sparse\.mm of two sparse matrices: sparse tensors are not supported"):
        shendu.sparse.mm(s, s.t())
    with pytest.raises(TypeError, match="spmm: input must be a sparse tensor, got Tensor"):
        shendu.spmm(shendu.ones(2, 2), shendu.ones(2, 2))
    with pytest.raises(SparseLayoutError, match="to_sparse: sparse_dim=1 would make a hybrid sparse tensor"):
        shendu.ones(2, 2).to_sparse(1)
    with pytest.raises(shendu.ShapeError, match="to_sparse: expected a tensor with at least 1 dim"):
        shendu.tensor(1.0).to_sparse()
    with pytest.raises(shendu.ShapeError, match=r"t: expected a sparse matrix \(2 dims\), got shape \(4,\)"):
        shendu.sparse_coo_tensor([[0]], [1.0], (4,)).t()
    with pytest.raises(shendu.GraphError, match=r"SparseTensor\.grad: only None can be assigned"):
        s.grad = shendu.ones(1)


# In PyTorch 2.13 the gradient reaching a sparse tensor's values through to_dense does not record a
# graph of its own (its second-order terms are dropped), so float64 finite differences are the oracle.
SECOND_ORDER = [
    ("to_dense", lambda v, d: shendu.sparse_coo_tensor(INDEX, v, (3, 3)).to_dense() ** 3),
    ("coalesce", lambda v, d: shendu.sparse_coo_tensor(INDEX, v, (3, 3)).coalesce().to_dense() ** 2 * d[:, :3]),
    ("sparse_mm", lambda v, d: shendu.sparse.mm(shendu.sparse_coo_tensor(INDEX, v, (3, 3)), d * d) ** 2),
]
INDEX = [[0, 1, 1, 2, 0], [2, 0, 2, 1, 2]]


@pytest.mark.parametrize(("name", "fn"), SECOND_ORDER, ids=[c[0] for c in SECOND_ORDER])
def test_second_derivatives_match_finite_differences(name: str, fn: Any) -> None:
    rng = np.random.default_rng(0)
    v = shendu.tensor(rng.standard_normal(5), requires_grad=True)
    d = shendu.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert shendu.autograd.gradgradcheck(fn, (v, d))
    COUNTS["float64 gradgradchecks"] += 1
    # The first derivatives taken with create_graph=True (through the op's graph form) are the plain ones.
    out = fn(v, d)
    weights = shendu.tensor(rng.standard_normal(tuple(out.shape)))
    recorded = shendu.autograd.grad(out, (v, d), weights, create_graph=True, allow_unused=True)
    plain = shendu.autograd.grad(fn(v, d), (v, d), weights, allow_unused=True)
    for r, p in zip(recorded, plain):
        assert (r is None and p is None) or np.allclose(r.detach().numpy(), p.numpy(), rtol=1e-12, atol=1e-12)
