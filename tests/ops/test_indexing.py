from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from shendu.errors import IndexOutOfRange
from tests.helpers import check, grad_check

MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
ROWS = np.array([True, False, True])
INTS = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int64)
IDX = np.array([[0, 2], [1, 0], [2, 2]], dtype=np.int64)


def assigned(x: Any, index: Any, value: Any) -> Any:
    y = x.clone()
    y[index] = value
    return y


def one_hot_both(*args: Any):
    return lambda m, x: (F.one_hot if m is torch else shendu.one_hot)(x, *args)


def test_basic_indexing() -> None:
    check(lambda m, x: x[1], (3, 4))
    check(lambda m, x: x[-1], (3, 4))
    check(lambda m, x: x[:, -2], (3, 4))
    check(lambda m, x: x[1:], (3, 4))
    check(lambda m, x: x[::2, 1::2], (3, 4))
    check(lambda m, x: x[-2:, :-1], (3, 4), noncontiguous=True)
    check(lambda m, x: x[None], (3, 4))
    check(lambda m, x: x[:, None, 1], (3, 4))
    check(lambda m, x: x[..., 1], (2, 3, 4))
    check(lambda m, x: x[1, ..., None], (2, 3, 4))
    check(lambda m, x: x[0, 1, 2], (2, 3, 4))
    check(lambda m, x: x[2], (4,))
    check(lambda m, x: x[()], ())
    check(lambda m, x: x[...], ())
    check(lambda m, x: x[None, ..., None], ())
    check(lambda m, x: x[5:], (3, 4))
    check(lambda m, x: x[:0], (3, 4))
    check(lambda m, x: x[:, 1:3], (0, 4))
    check(lambda m, x: x[m.tensor(1), 2:], (3, 4))
    check(lambda m, x: x[np.int64(1)], (3, 4))
    check(lambda m, x: x[1], INTS)


def test_advanced_indexing() -> None:
    check(lambda m, x: x[[0, 2]], (3, 4))
    check(lambda m, x: x[[0, 0, 2, 0]], (3, 4))
    check(lambda m, x: x[[-1, 0]], (3, 4))
    check(lambda m, x: x[m.tensor([2, 2, 1])], (3, 4), noncontiguous=True)
    check(lambda m, x: x[m.tensor([[0, 1], [1, 1]])], (3, 4))
    check(lambda m, x: x[m.tensor([0, 1], dtype=m.int32)], (3, 4))
    check(lambda m, x: x[:, [3, 3, 0]], (3, 4))
    check(lambda m, x: x[1:, [2, 2]], (3, 4))
    check(lambda m, x: x[[0, 1, 1], [3, 3, 0]], (3, 4))
    check(lambda m, x: x[[0, 1], :, [1, 1]], (2, 3, 4))
    check(lambda m, x: x[:, [0, 0], None, [1, 2]], (2, 3, 4))
    check(lambda m, x: x[..., [1, 1]], (2, 3, 4))
    check(lambda m, x: x[[[0], [1]], [0, 2, 2]], (2, 3))
    check(lambda m, x: x[[]], (3, 4))
    check(lambda m, x: x[:, []], (3, 4))
    check(lambda m, x: x[[0, 0]], (3, 0))
    check(lambda m, x: x[[1, 0]], INTS)


def test_ints_apply_before_array_indices_as_in_pytorch() -> None:
    check(lambda m, x: x[0, :, [1, 2]], (2, 3, 4))
    check(lambda m, x: x[[0, 1], 0, [1, 2]], (2, 3, 4))
    check(lambda m, x: x[:, 1, [0, 0, 3]], (2, 3, 4))
    check(lambda m, x: x[m.tensor(1), [0, 2]], (3, 4))
    check(lambda m, x: x[True, [0, 1]], (3, 4))
    check(lambda m, x, rows: x[1, :, rows], (2, 4, 3), ROWS)
    check(lambda m, x, v: assigned(x, (0, slice(None), [1, 2]), v), (2, 3, 4), (3, 2), grad=False)
    check(lambda m, x: assigned(x, (m.tensor(1), [0, 2]), 5.0), (3, 4), grad=False)


def test_boolean_masks() -> None:
    check(lambda m, x, mask: x[mask], (3, 4), MASK)
    check(lambda m, x, mask: x[mask], (3, 4), MASK, noncontiguous=True)
    check(lambda m, x, rows: x[rows], (3, 4), ROWS)
    check(lambda m, x, rows: x[rows, 1:], (3, 4), ROWS)
    check(lambda m, x, rows: x[rows, [0, 3]], (3, 4), ROWS)
    check(lambda m, x, rows: x[:, rows], (4, 3), ROWS)
    check(lambda m, x: x[x > 0] if m is torch else x[shendu.tensor(x.detach().cpu().numpy() > 0)], (3, 4))
    check(lambda m, x: x[np.array([False, False, False])], (3, 4))
    check(lambda m, x: x[True], (3,))
    check(lambda m, x: x[False], (3,))
    check(lambda m, x, rows: x[rows], INTS.T.copy(), ROWS)


def test_setitem() -> None:
    check(lambda m, x: assigned(x, 1, 5.0), (3, 4), grad=False)
    check(lambda m, x: assigned(x, (slice(None), -1), 0), (3, 4), grad=False)
    check(lambda m, x, v: assigned(x, (slice(1, None), slice(None, 2)), v), (3, 4), (2,), grad=False)
    check(lambda m, x, v: assigned(x, [0, 2], v), (3, 4), (2, 4), grad=False)
    check(lambda m, x, v: assigned(x, (Ellipsis, 0), v), (2, 3, 4), (1, 3), grad=False)
    check(lambda m, x, mask: assigned(x, mask, -1.0), (3, 4), MASK, grad=False)
    check(lambda m, x, v: assigned(x, 0, v), (3,), (), grad=False)
    check(lambda m, x: assigned(x, (), 2.5), (), grad=False)
    check(lambda m, x: assigned(x, 0, m.tensor([7, 8, 9])), INTS, grad=False)
    check(lambda m, x: assigned(x, 1, 2.7), INTS, grad=False)
    check(lambda m, x, v: assigned(x, 0, v), INTS, (3,), grad=False)
    check(lambda m, x: assigned(x, slice(0, 0), 1.0), (3, 4), grad=False)
    x = shendu.zeros(2, 3)
    x[0, 1] = 4.0
    x.t()[2] = shendu.tensor([1.0, 2.0])
    np.testing.assert_array_equal(x.numpy(), [[0, 4, 1], [0, 0, 2]])


def test_setitem_bumps_the_version_and_respects_grad_mode() -> None:
    w = shendu.ones(3, requires_grad=True)
    with pytest.raises(shendu.GraphError, match="setitem: a leaf tensor that requires grad cannot be changed in place"):
        w[0] = 2.0
    with shendu.no_grad():
        w[0] = 2.0
    np.testing.assert_array_equal(w.detach().numpy(), [2, 1, 1])
    x = shendu.ones(3)
    x[0] = w[1] * 3  # the value requires grad: x joins the graph, as in PyTorch
    x.sum().backward()
    assert x.requires_grad and w.grad.tolist() == [0.0, 3.0, 0.0]
    y = shendu.ones(3)
    z = w * y
    y[1] = 5.0
    with pytest.raises(shendu.GraphError, match="modified in place"):
        z.backward(gradient=shendu.ones(3))


def test_index_select_gather_scatter() -> None:
    check(lambda m, x: x.index_select(0, m.tensor([2, 0, 2])), (3, 4))
    check(lambda m, x: m.index_select(x, -1, m.tensor([3, 3, 1])), (3, 4), noncontiguous=True)
    check(lambda m, x: x.index_select(1, m.tensor(2)), (3, 4))
    check(lambda m, x: x.index_select(0, m.tensor([], dtype=m.int64)), (3, 4))
    check(lambda m, x: x.index_select(0, m.tensor([0])), ())
    check(lambda m, x: x.index_select(1, m.tensor([1], dtype=m.int32)), INTS)
    check(lambda m, x, i: x.gather(1, i), (3, 4), IDX)
    check(lambda m, x, i: m.gather(x, 0, i), (3, 4), IDX, noncontiguous=True)
    check(lambda m, x, i: x.gather(-1, i[:2, :1]), (3, 4), IDX)
    check(lambda m, x: x.gather(0, m.tensor(0)), ())
    check(lambda m, x: x.gather(0, m.tensor([[1, 1, 0]])), INTS)
    check(lambda m, x, i, s: x.scatter(1, i, s), (3, 4), IDX[:, :1], (3, 1))
    check(lambda m, x, i, s: x.scatter(1, i, s), (3, 4), IDX[:, :1], (3, 2), grad=False)
    check(lambda m, x, s: x.scatter(0, m.tensor([[2, 0, 1, 2]]), s), (3, 4), (1, 4), noncontiguous=True)
    check(lambda m, x, i: m.scatter(x, 1, i, 7.0), (3, 4), IDX[:, :1])
    check(lambda m, x, i: x.scatter(1, i, value=-1), (3, 4), IDX[:, :1])
    check(lambda m, x, s: x.scatter(0, m.tensor(0), s), (), ())
    check(lambda m, x, i, s: x.scatter_add(1, i, s), (3, 4), IDX, (3, 2))
    check(lambda m, x, s: m.scatter_add(x, 0, m.tensor([[0, 0, 0, 2], [0, 1, 0, 2]]), s), (3, 4), (2, 4))
    check(lambda m, x, i: x.scatter_add(0, i, x[:2].clone()), (3, 4), np.zeros((2, 4), dtype=np.int64))
    check(lambda m, x: x.scatter(1, m.tensor([[0], [2]]), 9), INTS)
    check(lambda m, x: x.scatter_add(1, m.tensor([[0, 0]]), m.tensor([[5, 6]])), INTS)


def test_masked_select_one_hot_triangles() -> None:
    check(lambda m, x, mask: x.masked_select(mask), (3, 4), MASK)
    check(lambda m, x, rows: m.masked_select(x, rows), (4, 3), ROWS, noncontiguous=True)
    check(lambda m, x, rows: m.masked_select(x, rows[:, None]), (3, 4), ROWS)
    check(lambda m, x, mask: m.masked_select(x, mask), (4,), MASK[:, :, None])
    check(lambda m, x, mask: x.masked_select(mask), (), MASK)
    check(one_hot_both(), np.array([0, 3, 1, 3]))
    check(one_hot_both(5), np.array([[0, 3], [4, 1]]))
    check(one_hot_both(3), np.zeros((0,), dtype=np.int64))
    check(one_hot_both(2), np.array(1))
    check(lambda m, x: m.tril(x), (4, 4))
    check(lambda m, x: x.tril(1), (3, 5), noncontiguous=True)
    check(lambda m, x: x.tril(-1), (2, 3, 4))
    check(lambda m, x: m.triu(x), (4, 4))
    check(lambda m, x: x.triu(diagonal=-1), (5, 3))
    check(lambda m, x: x.triu(2), (2, 0, 3))
    check(lambda m, x: x.tril(), INTS)
    check(lambda m, x: x.triu(), np.ones((3, 3), dtype=bool))


def test_gradcheck() -> None:
    grad_check(lambda m, x: x[1:, ::2] * x[[0, 0, 2]][:2, 1::2], (3, 4))
    grad_check(lambda m, x: x[[0, 2, 0], [1, 1, 1]], (3, 4))
    grad_check(lambda m, x, mask: x[mask], (3, 4), MASK)
    grad_check(lambda m, x, rows: x[rows, 2:], (3, 4), ROWS)
    grad_check(lambda m, x: x.index_select(1, m.tensor([3, 0, 3])), (3, 4))
    grad_check(lambda m, x, i: x.gather(1, i), (3, 4), IDX)
    grad_check(lambda m, x, i, s: x.scatter(1, i, s), (3, 4), IDX[:, :1], (3, 2))
    grad_check(lambda m, x, i: x.scatter(0, i[:1], 2.0), (3, 4), IDX)
    grad_check(lambda m, x, i, s: x.scatter_add(1, i, s), (3, 4), IDX, (3, 3))
    grad_check(lambda m, x, rows: x.masked_select(rows[:, None]), (3, 4), ROWS)
    grad_check(lambda m, x: x.tril(1) + x.triu(-1), (3, 4))


def test_views_and_copies() -> None:
    x = shendu.ones(3, 4)
    assert x[1]._vc is x._vc and x[:, 1:]._vc is x._vc and x[None, ..., 0]._vc is x._vc
    assert x[[0, 1]]._vc is not x._vc
    x[1].add_(1)
    x[[0, 1]].add_(10)
    np.testing.assert_array_equal(x.numpy()[:, 0], [1, 2, 1])
    v = shendu.arange(3.0)
    v[0].add_(5)
    assert v.tolist() == [5.0, 1.0, 2.0]


def test_a_twice_used_getitem_graph_runs_backward_twice_with_retain() -> None:
    x = shendu.ones(3, requires_grad=True)
    y = x[[0, 0]]
    y.backward(gradient=shendu.ones(2), retain_graph=True)
    y.backward(gradient=shendu.ones(2))
    assert x.grad.tolist() == [4.0, 0.0, 0.0]


def test_getitem_errors() -> None:
    x = shendu.ones(3, 4)
    with pytest.raises(IndexOutOfRange, match=r"getitem: index 5 is out of range for dim 0 with size 3"):
        x[5]
    with pytest.raises(
        IndexError, match=r"getitem: index -5 is out of range for dim 1 with size 4; expected an index in \[-4, 3\]"
    ):
        x[:, -5]
    with pytest.raises(IndexOutOfRange, match=r"getitem: index 9 is out of range for dim 1 with size 4"):
        x[:, shendu.tensor([0, 9])]
    with pytest.raises(shendu.ShenduError, match=r"getitem: index 3 is out of range for dim 0 with size 3"):
        x[[1, 3]]
    with pytest.raises(
        IndexOutOfRange, match=r"getitem: too many indices for a tensor of dimension 2 \(shape \(3, 4\)\)"
    ):
        x[1, 2, 3]
    with pytest.raises(
        IndexOutOfRange, match=r"getitem: a boolean mask of shape \(2,\) does not match the indexed tensor"
    ):
        x[shendu.tensor([True, False])]
    with pytest.raises(IndexOutOfRange, match=r"getitem: shape mismatch: the index arrays of shapes \(2,\), \(3,\)"):
        x[[0, 1], [0, 1, 2]]
    with pytest.raises(IndexOutOfRange, match=r"getitem: an index can hold only one Ellipsis"):
        x[..., ...]
    with pytest.raises(ValueError, match=r"getitem: slice step must be positive, got -1 .*flip\(\)"):
        x[::-1]
    with pytest.raises(ValueError, match=r"getitem: slice step must be positive, got 0"):
        x[::0]
    with pytest.raises(
        shendu.DtypeError, match="getitem: tensors used as indices must be long, int or bool tensors, got float32"
    ):
        x[shendu.tensor([0.5])]
    with pytest.raises(
        TypeError, match="getitem: tensors used as indices must be long, int or bool tensors, got float64"
    ):
        x[[0.5, 1.0]]
    with pytest.raises(
        TypeError,
        match="getitem: only ints, slices, None, Ellipsis, bools and integer or bool tensors are valid indices, "
        "got float",
    ):
        x[0.5]
    with pytest.raises(TypeError, match=r"getitem: only ints.*got str"):
        x["a"]
    with pytest.raises(IndexOutOfRange, match=r"getitem: index 0 is out of range for dim 0 with size 0"):
        shendu.ones(0)[0]
    with pytest.raises(IndexOutOfRange, match=r"getitem: too many indices for a tensor of dimension 0"):
        shendu.tensor(1.0)[0]


def test_setitem_errors() -> None:
    x = shendu.ones(3, 4)
    with pytest.raises(IndexOutOfRange, match=r"setitem: index 3 is out of range for dim 0 with size 3"):
        x[3] = 1.0
    with pytest.raises(ValueError, match=r"setitem: slice step must be positive, got -2"):
        x[::-2] = 1.0
    with pytest.raises(
        shendu.DtypeError, match="setitem: tensors used as indices must be long, int or bool tensors, got float32"
    ):
        x[shendu.tensor([1.0])] = 0.0
    with pytest.raises(
        shendu.ShapeError, match=r"setitem: a value of shape \(3,\) cannot be broadcast to the indexed shape \(4,\)"
    ):
        x[0] = shendu.ones(3)
    with pytest.raises(
        shendu.ShapeError, match=r"setitem: a value of shape \(2, 2\) cannot be broadcast to the indexed shape \(3, 2\)"
    ):
        x[:, :2] = [[1, 2], [3, 4]]
    with pytest.raises(TypeError, match="setitem: the value must be a tensor, a number or a list, got str"):
        x[0] = "a"
    with pytest.raises(shendu.GraphError, match="setitem: this tensor is a read-only view"):
        shendu.ones(3, 1).expand(3, 4)[0] = 2.0
    with pytest.raises(shendu.DtypeError, match="setitem: the value 300 does not fit in dtype uint8"):
        shendu.zeros(3, dtype=shendu.uint8)[0] = 300
    with pytest.raises(shendu.DtypeError, match="setitem: cannot store the value in a tensor of dtype int64"):
        shendu.zeros(3, dtype=shendu.int64)[0] = float("nan")


def test_index_op_errors() -> None:
    x = shendu.ones(3, 4)
    with pytest.raises(
        IndexOutOfRange,
        match=r"index_select: index 4 is out of range for dim 1 with size 4; expected an index in \[0, 3\]",
    ):
        x.index_select(1, shendu.tensor([0, 4]))
    with pytest.raises(IndexOutOfRange, match=r"index_select: index -1 is out of range for dim 0 with size 3"):
        x.index_select(0, shendu.tensor([-1]))
    with pytest.raises(shendu.DtypeError, match="index_select: index must be an int64 or int32 tensor, got float32"):
        x.index_select(0, shendu.tensor([0.0]))
    with pytest.raises(TypeError, match="index_select: index must be a Tensor of int64 or int32, got list"):
        x.index_select(0, [0])
    with pytest.raises(shendu.ShapeError, match=r"index_select: index must be a 0-d or 1-d tensor, got shape \(1, 1\)"):
        x.index_select(0, shendu.tensor([[0]]))
    with pytest.raises(shendu.ShapeError, match=r"index_select: dim 2 is out of range for a 2-d tensor"):
        x.index_select(2, shendu.tensor([0]))
    with pytest.raises(IndexOutOfRange, match=r"gather: index 5 is out of range for dim 1 with size 4"):
        x.gather(1, shendu.tensor([[5]]))
    with pytest.raises(
        shendu.ShapeError, match=r"gather: index must have as many dims as the input, got index shape \(1,\)"
    ):
        x.gather(1, shendu.tensor([0]))
    with pytest.raises(
        shendu.ShapeError,
        match=r"gather: index of shape \(4, 1\) must be no larger than the input of shape \(3, 4\) "
        r"in every dim but dim 1",
    ):
        x.gather(1, shendu.zeros(4, 1, dtype=shendu.int64))
    with pytest.raises(
        shendu.ShapeError, match=r"scatter: index of shape \(2, 1\) must be no larger than src of shape \(1, 1\)"
    ):
        x.scatter(1, shendu.tensor([[0], [1]]), shendu.ones(1, 1))
    with pytest.raises(shendu.DtypeError, match="scatter: src must have the input's dtype float32, got float64"):
        x.scatter(1, shendu.tensor([[0]]), shendu.ones(1, 1, dtype=shendu.float64))
    with pytest.raises(IndexOutOfRange, match=r"scatter_add: index -1 is out of range for dim 0 with size 3"):
        x.scatter_add(0, shendu.tensor([[-1]]), shendu.ones(1, 1))
    with pytest.raises(TypeError, match="scatter: expected src \\(a tensor\\) or value \\(a number\\)"):
        x.scatter(0, shendu.tensor([[0]]))
    with pytest.raises(TypeError, match="scatter_add: expected src to be a Tensor, got float"):
        x.scatter_add(0, shendu.tensor([[0]]), 1.0)
    with pytest.raises(shendu.DtypeError, match="masked_select: mask must be a bool tensor, got int64"):
        x.masked_select(shendu.tensor([1, 0, 1, 0]))
    with pytest.raises(shendu.ShapeError, match=r"masked_select: shapes \(3, 4\) and \(5,\) cannot be broadcast"):
        x.masked_select(shendu.ones(5, dtype=shendu.bool))
    with pytest.raises(
        shendu.ShapeError, match=r"tril: expected a tensor with at least 2 dimensions, got shape \(3,\)"
    ):
        shendu.tril(shendu.ones(3))
    with pytest.raises(shendu.ShapeError, match=r"triu: expected a tensor with at least 2 dimensions, got shape \(\)"):
        shendu.triu(shendu.tensor(1.0))


def test_one_hot_errors() -> None:
    with pytest.raises(
        IndexOutOfRange, match=r"one_hot: class value 3 is out of range for num_classes=2; expected values in \[0, 1\]"
    ):
        shendu.one_hot(shendu.tensor([0, 3]), 2)
    with pytest.raises(IndexError, match=r"one_hot: class value -1 is out of range for num_classes=5"):
        shendu.one_hot(shendu.tensor([0, -1]), 5)
    with pytest.raises(
        shendu.ShapeError, match="one_hot: cannot infer num_classes from an empty tensor; pass num_classes"
    ):
        shendu.one_hot(shendu.zeros(0, dtype=shendu.int64))
    with pytest.raises(
        shendu.DtypeError, match=r"one_hot: expected an integer \(int64\) tensor of class indices, got float32"
    ):
        shendu.one_hot(shendu.tensor([1.0]))
    with pytest.raises(shendu.ShapeError, match="one_hot: num_classes must be -1 or >= 0, got -2"):
        shendu.one_hot(shendu.tensor([1]), -2)


class Scalar:
    """A 0-d integer tensor in a generated index, made in whichever library runs the case."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"tensor({self.value})"


@st.composite
def _indexed(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[Any, ...]]:
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    count = draw(st.integers(0, 3))
    key: list[Any] = []
    for size in shape:
        kind = draw(st.sampled_from(["int", "tensor", "slice", "list", "none", "full"]))
        if kind == "int":
            key.append(draw(st.integers(-size, size - 1)))
        elif kind == "tensor":
            key.append(Scalar(draw(st.integers(-size, size - 1))))
        elif kind == "slice":
            key.append(slice(draw(st.integers(-size, size)), draw(st.integers(-size, size)), draw(st.integers(1, 3))))
        elif kind == "list":
            key.append(draw(st.lists(st.integers(-size, size - 1), min_size=count, max_size=count)))
        elif kind == "none":
            key.extend([None, slice(None)])
        else:
            key.append(slice(None))
    cut = draw(st.integers(0, len(key)))
    if draw(st.booleans()):
        key = [*key[:cut], Ellipsis]
    return shape, tuple(key)


@settings(max_examples=40, deadline=None)
@given(_indexed(), st.booleans())
def test_getitem_property(case: tuple, noncontiguous: bool) -> None:
    shape, key = case

    def index(m: Any, x: Any) -> Any:
        return x[tuple(m.tensor(k.value) if isinstance(k, Scalar) else k for k in key)]

    check(index, shape, noncontiguous=noncontiguous, dtypes=("float64",))


def test_range_and_list_indices() -> None:
    check(lambda m, x: x[range(2)], (3, 4))
    check(lambda m, x: x[range(0, 3, 2), 1], (3, 4))
    check(lambda m, x: x[:, range(1, 4)], (3, 4))
    check(lambda m, x: x[range(0)], (3, 4))
    check(lambda m, x: x[range(2), [3, 1]], (3, 4))
    check(lambda m, x: x[[2, 0], range(1, 3)], (3, 4))
    check(lambda m, x: assigned(x, range(2), 0.0), (3, 4), grad=False)
    check(lambda m, x: assigned(x, (range(3), [0, 1, 3]), m.tensor([5.0, 6.0, 7.0], dtype=x.dtype)), (3, 4), grad=False)
    check(lambda m, x: assigned(x, [0, 2], -1.0), (3, 4), grad=False)
    grad_check(lambda m, x: x[range(1, 3), range(2)], (3, 4))
    with pytest.raises(IndexOutOfRange, match=r"getitem: index 4 is out of range for dim 0 with size 3"):
        shendu.zeros(3, 4)[range(5)]
    with pytest.raises(IndexOutOfRange, match=r"setitem: index 3 is out of range for dim 1 with size 3"):
        shendu.zeros(2, 3)[:, range(1, 4)] = 1.0
