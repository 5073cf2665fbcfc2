from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
from tests.helpers import check, grad_check

INTS = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int64)


def test_reshape_and_view() -> None:
    check(lambda m, x: x.reshape(2, -1), (3, 4))
    check(lambda m, x: x.reshape((4, 3)), (3, 4))
    check(lambda m, x: m.reshape(x, (-1,)), (3, 4))
    check(lambda m, x: x.reshape(2, 1, 6), (3, 4), noncontiguous=True)
    check(lambda m, x: x.reshape(()), (1,))
    check(lambda m, x: x.reshape(1, 1), ())
    check(lambda m, x: x.reshape(3, 0), (0, 3))
    check(lambda m, x: x.reshape(-1, 3), (0, 3))
    check(lambda m, x: x.view(2, -1), (3, 4))
    check(lambda m, x: x.view((2, -1)), (3, 4))
    check(lambda m, x: x.view(shendu.Size([12]) if m is shendu else torch.Size([12])), (3, 4))
    check(lambda m, x: x.view(-1), ())
    check(lambda m, x, y: x.view_as(y), (3, 4), (2, 6))
    check(lambda m, x, y: x.reshape_as(y), (3, 4), (6, 2), noncontiguous=True)
    check(lambda m, x: x.view(3, 2), INTS.reshape(3, 2).T.copy())


def test_flatten_unflatten() -> None:
    check(lambda m, x: x.flatten(), (2, 3, 4))
    check(lambda m, x: x.flatten(1), (2, 3, 4))
    check(lambda m, x: m.flatten(x, 0, 1), (2, 3, 4))
    check(lambda m, x: x.flatten(-2, -1), (2, 3, 4), noncontiguous=True)
    check(lambda m, x: x.flatten(), ())
    check(lambda m, x: x.flatten(1), (2, 0, 3))
    check(lambda m, x: x.unflatten(1, (3, -1)), (2, 12))
    check(lambda m, x: m.unflatten(x, -1, (2, 2, 3)), (2, 12))
    check(lambda m, x: x.unflatten(0, (1, 2)), (2, 3), noncontiguous=True)


def test_squeeze_unsqueeze() -> None:
    check(lambda m, x: x.squeeze(), (2, 1, 3, 1))
    check(lambda m, x: x.squeeze(1), (2, 1, 3, 1))
    check(lambda m, x: x.squeeze(-1), (2, 1, 3, 1))
    check(lambda m, x: x.squeeze((1, 3)), (2, 1, 3, 1))
    check(lambda m, x: m.squeeze(x, 0), (2, 1, 3, 1))
    check(lambda m, x: x.squeeze(), ())
    check(lambda m, x: x.squeeze(0), ())
    check(lambda m, x: x.squeeze(), (1, 0, 1))
    check(lambda m, x: x.unsqueeze(0), (2, 3))
    check(lambda m, x: x.unsqueeze(-1), (2, 3))
    check(lambda m, x: m.unsqueeze(x, 1), (2, 3), noncontiguous=True)
    check(lambda m, x: x.unsqueeze(-3), (2, 3))
    check(lambda m, x: x.unsqueeze(0), ())


def test_transpose_t_permute() -> None:
    check(lambda m, x: x.transpose(0, 2), (2, 3, 4))
    check(lambda m, x: m.transpose(x, -1, -2), (2, 3, 4))
    check(lambda m, x: x.swapaxes(0, 1), (2, 3), noncontiguous=True)
    check(lambda m, x: x.transpose(0, -1), ())
    check(lambda m, x: x.transpose(0, 0), (3,))
    check(lambda m, x: x.t(), (2, 3))
    check(lambda m, x: m.t(x), (3,))
    check(lambda m, x: x.t(), ())
    check(lambda m, x: x.permute(2, 0, 1), (2, 3, 4))
    check(lambda m, x: x.permute((1, 2, 0)), (2, 3, 4))
    check(lambda m, x: m.permute(x, (-1, 0, 1)), (2, 3, 4))
    check(lambda m, x: x.permute(dims=(1, 0)), (2, 3), noncontiguous=True)
    check(lambda m, x: x.permute(()), ())
    check(lambda m, x: x.permute(1, 0), (0, 3))
    check(lambda m, x: x.T, (2, 3))
    check(lambda m, x: x.mT, (2, 3, 4))


def test_expand() -> None:
    check(lambda m, x: x.expand(2, 3, 4), (3, 1))
    check(lambda m, x: x.expand(-1, 5), (3, 1))
    check(lambda m, x: x.expand((2, -1, -1)), (3, 1))
    check(lambda m, x: x.expand(3), ())
    check(lambda m, x: x.expand(0, 2), (1, 2))
    check(lambda m, x: x.expand(2, 3), (2, 3))
    check(lambda m, x, y: x.expand_as(y), (1, 3), (4, 3))
    check(lambda m, x: x.expand(2, 3, 2), (3, 2), noncontiguous=True)


def test_cat() -> None:
    check(lambda m, a, b: m.cat([a, b]), (2, 3), (1, 3))
    check(lambda m, a, b: m.cat((a, b), dim=1), (2, 3), (2, 1))
    check(lambda m, a, b: m.cat([a, b, a], -1), (2, 3), (2, 1), noncontiguous=True)
    check(lambda m, a, b: m.cat([a, b]), (0, 3), (2, 3))
    check(lambda m, a, b: m.cat([a, b]), (2, 3), (0,))
    check(lambda m, a, b: m.cat([a, b]), (0,), (0,))
    check(lambda m, a: m.cat([a]), (4,))
    check(lambda m, a, b: m.concat([a, b]), (2,), (3,))
    check(lambda m, a, b: m.cat([a, b.double()]), (2, 3), (2, 3))
    check(lambda m, a, i: m.cat([i, a]), (2, 3), INTS)
    check(lambda m, i: m.cat([i, i.int()]), INTS)
    check(lambda m, i, b: m.cat([i, b]), INTS, np.ones((1, 3), dtype=bool))


def test_stack() -> None:
    check(lambda m, a, b: m.stack([a, b]), (2, 3), (2, 3))
    check(lambda m, a, b: m.stack((a, b), dim=1), (2, 3), (2, 3), noncontiguous=True)
    check(lambda m, a, b: m.stack([a, b, a], -1), (2, 3), (2, 3))
    check(lambda m, a, b: m.stack([a, b]), (), ())
    check(lambda m, a, b: m.stack([a, b], 1), (0, 2), (0, 2))
    check(lambda m, a, i: m.stack([a, i]), (2, 3), INTS)
    check(lambda m, a, b: m.stack([a.float(), b.double()]), (3,), (3,))


def test_split_chunk_unbind() -> None:
    check(lambda m, x: x.split(2), (5, 3))
    check(lambda m, x: x.split([1, 2, 2]), (5, 3))
    check(lambda m, x: m.split(x, 2, dim=1), (2, 5), noncontiguous=True)
    check(lambda m, x: x.split([1, 0, 2], -1), (2, 3))
    check(lambda m, x: x.split(2), (0, 3))
    check(lambda m, x: x.split(2)[1], (5, 3))
    check(lambda m, x: x.split(2)[0] + x.split([1, 2, 2])[2], (5, 3))
    check(lambda m, x: x.chunk(3), (7, 2))
    check(lambda m, x: x.chunk(4), (6,))
    check(lambda m, x: m.chunk(x, 2, dim=1), (3, 4))
    check(lambda m, x: x.chunk(3), (0, 2))
    check(lambda m, x: x.chunk(3)[-1], (7, 2))
    check(lambda m, x: x.unbind(), (3, 2))
    check(lambda m, x: m.unbind(x, 1), (3, 2), noncontiguous=True)
    check(lambda m, x: x.unbind(-1)[1], (2, 3, 4))
    check(lambda m, x: x.unbind(0)[0] * x.unbind(0)[0], (2, 3))
    check(lambda m, x: list(x), (3, 2))
    check(lambda m, x: x.unbind(), (0, 2))


def test_narrow_contiguous() -> None:
    check(lambda m, x: x.narrow(0, 1, 2), (4, 3))
    check(lambda m, x: m.narrow(x, -1, -3, 2), (4, 3), noncontiguous=True)
    check(lambda m, x: x.narrow(1, 3, 0), (4, 3))
    check(lambda m, x: x.narrow(0, m.tensor(1), 2), (4,))
    check(lambda m, x: x.t().contiguous(), (3, 4))
    check(lambda m, x: x.contiguous(), (3, 4), noncontiguous=True)
    x = shendu.ones(2, 3)
    assert x.contiguous() is x
    assert x.t().contiguous()._array.flags.c_contiguous


def test_select_movedim() -> None:
    check(lambda m, x: x.select(0, 1), (3, 4))
    check(lambda m, x: m.select(x, -1, -2), (2, 3, 4), noncontiguous=True)
    check(lambda m, x: x.select(0, 2), (3,))
    check(lambda m, x: x.movedim(0, -1), (2, 3, 4))
    check(lambda m, x: m.movedim(x, (0, 1), (2, 0)), (2, 3, 4))
    check(lambda m, x: x.moveaxis(-1, 0), (2, 3, 4), noncontiguous=True)
    check(lambda m, x: x.swapdims(0, 1), (2, 3))


def test_gradcheck() -> None:
    grad_check(lambda m, x: x.reshape(6, 2) * x.view(2, 6).t(), (3, 4))
    grad_check(lambda m, x: x.flatten(1) * 2.0, (2, 3, 4))
    grad_check(lambda m, x: x.unflatten(1, (2, 2)).squeeze().unsqueeze(0), (3, 4))
    grad_check(lambda m, x: x.transpose(0, 2) * x.permute(2, 1, 0), (2, 3, 4))
    grad_check(lambda m, x: x.expand(2, 3, 4) * x.repeat(2, 1, 4), (3, 1))
    grad_check(lambda m, a, b: m.cat([a, b, a], 1) * m.stack([a, a, b], 1).flatten(1), (2, 3), (2, 3))
    grad_check(lambda m, x: x.split([1, 3])[1] * x.chunk(2)[1].repeat(2, 1)[:3], (4, 2))
    grad_check(lambda m, x: x.unbind(1)[2] * x.narrow(1, 0, 1).squeeze(1), (3, 4))
    grad_check(lambda m, x: x.select(1, 2) * x.movedim(1, 0)[3], (3, 4))


def test_views_share_the_version_counter() -> None:
    x = shendu.ones(2, 3)
    for view in (
        x.transpose(0, 1),
        x.t(),
        x.permute(1, 0),
        x.view(6),
        x.reshape(3, 2),
        x.squeeze(),
        x.unsqueeze(0),
        x.expand(2, 2, 3),
        x.narrow(1, 0, 2),
        x.select(0, 1),
        x.movedim(0, 1),
        x.flatten(),
        x[0],
        x[:, 1:],
        *x.split(1),
        *x.chunk(2, 1),
        *x.unbind(1),
    ):
        assert view._vc is x._vc
    for copy in (x.t().reshape(6), x.flip(0), x.repeat(1, 1), shendu.cat([x, x]), x[[0, 1]], x.t().contiguous()):
        assert copy._vc is not x._vc


@pytest.mark.parametrize("through", ["view", "base"])
def test_in_place_change_of_a_view_is_caught(through: str) -> None:
    x = shendu.ones(2, 3)
    y = x.transpose(0, 1)
    w = shendu.ones(3, 2, requires_grad=True)
    z = w * y
    (y if through == "view" else x).add_(1)
    with pytest.raises(shendu.GraphError, match="modified in place"):
        z.backward(gradient=shendu.ones(3, 2))


def test_in_place_change_of_a_split_piece_is_caught() -> None:
    x = shendu.ones(4)
    w = shendu.ones(4, requires_grad=True)
    z = w * x
    x.split(2)[1].mul_(3)
    with pytest.raises(shendu.GraphError, match="modified in place"):
        z.backward(gradient=shendu.ones(4))


def test_view_writes_through() -> None:
    x = shendu.zeros(2, 3)
    x.t()[0].add_(1)
    x.view(6).narrow(0, 5, 1).add_(2)
    np.testing.assert_array_equal(x.numpy(), [[1, 0, 0], [1, 0, 2]])


def test_copies_do_not_alias() -> None:
    x = shendu.zeros(3)
    x.flip(0).add_(1)
    x.repeat(2).add_(1)
    np.testing.assert_array_equal(x.numpy(), [0, 0, 0])


def test_reshape_errors() -> None:
    x = shendu.ones(3, 4)
    with pytest.raises(
        shendu.ShapeError, match=r"reshape: shape \(4, 5\) is invalid for input of size 12 \(input shape \(3, 4\)\)"
    ):
        x.reshape(4, 5)
    with pytest.raises(shendu.ShapeError, match=r"view: shape \(5, -1\) is invalid for input of size 12"):
        x.view(5, -1)
    with pytest.raises(
        shendu.ShapeError, match=r"view: only one dimension can be inferred \(-1\), got shape \(-1, -1\)"
    ):
        x.view(-1, -1)
    with pytest.raises(shendu.ShapeError, match=r"reshape: invalid size -2 at index 0 of shape \(-2, 6\)"):
        x.reshape(-2, 6)
    with pytest.raises(shendu.ShapeError, match=r"reshape: cannot infer the -1 in shape \(-1, 0\) for a tensor of 0"):
        shendu.ones(0, 3).reshape(-1, 0)
    with pytest.raises(shendu.ShapeError, match=r"reshape: shape \(-1, 0\) is invalid for input of size 12"):
        x.reshape(-1, 0)
    with pytest.raises(
        shendu.ShapeError, match=r"view: shape \(12,\) is not compatible with the memory layout.*reshape"
    ):
        x.t().view(12)
    with pytest.raises(TypeError, match=r"reshape: sizes must be ints, got float 2.0"):
        x.reshape(2.0, 6)
    with pytest.raises(TypeError, match=r"view: reinterpreting the bytes as another dtype is not supported"):
        x.view(shendu.float64)


def test_flatten_squeeze_transpose_errors() -> None:
    x = shendu.ones(2, 3, 4)
    with pytest.raises(shendu.ShapeError, match=r"flatten: start_dim \(2\) must not come after end_dim \(1\)"):
        x.flatten(2, 1)
    with pytest.raises(shendu.ShapeError, match=r"flatten: dim 3 is out of range for a 3-d tensor"):
        x.flatten(3)
    with pytest.raises(
        shendu.ShapeError, match=r"unflatten: sizes \(5, -1\) do not multiply up to the size of dim 2 \(4\)"
    ):
        x.unflatten(2, (5, -1))
    with pytest.raises(shendu.ShapeError, match=r"unflatten: only one of the sizes \(-1, -1\) can be -1"):
        x.unflatten(2, (-1, -1))
    with pytest.raises(shendu.ShapeError, match="unflatten: sizes must not be empty"):
        x.unflatten(2, ())
    with pytest.raises(TypeError, match="unflatten: sizes must be a tuple or list of ints, got int"):
        x.unflatten(2, 4)
    with pytest.raises(shendu.ShapeError, match=r"squeeze: dim 5 is out of range for a 3-d tensor"):
        x.squeeze(5)
    with pytest.raises(shendu.ShapeError, match=r"squeeze: dim \(1, 1\) names the same dimension twice"):
        x.squeeze((1, 1))
    with pytest.raises(shendu.ShapeError, match=r"unsqueeze: dim 4 is out of range for a 4-d tensor"):
        x.unsqueeze(4)
    with pytest.raises(shendu.ShapeError, match=r"transpose: dim 3 is out of range for a 3-d tensor"):
        x.transpose(0, 3)
    with pytest.raises(
        shendu.ShapeError, match=r"t: expects a tensor with at most 2 dimensions, got shape \(2, 3, 4\)"
    ):
        x.t()


def test_permute_expand_errors() -> None:
    x = shendu.ones(2, 3)
    with pytest.raises(
        shendu.ShapeError, match=r"permute: expected 2 dims, one per dimension of the input \(shape \(2, 3\)\), got 1"
    ):
        x.permute(0)
    with pytest.raises(shendu.ShapeError, match=r"permute: dims \(0, -2\) name the same dimension twice"):
        x.permute(0, -2)
    with pytest.raises(TypeError, match=r"permute: dims must be ints, got float"):
        x.permute(0.0, 1)
    with pytest.raises(
        shendu.ShapeError,
        match=r"expand: the expanded size 5 must match the existing size 3 at non-singleton dim 1;"
        r" target sizes \(2, 5\)",
    ):
        x.expand(2, 5)
    with pytest.raises(shendu.ShapeError, match=r"expand: got 1 sizes \(6,\) for a tensor of 2 dimensions"):
        x.expand(6)
    with pytest.raises(shendu.ShapeError, match=r"expand: size -1 is not allowed for the new leading dim 0"):
        x.expand(-1, 2, 3)


def test_select_movedim_errors() -> None:
    x = shendu.ones(3, 4)
    with pytest.raises(IndexError, match=r"select: index 4 is out of range for dim 1 with size 4"):
        x.select(1, 4)
    with pytest.raises(shendu.ShapeError, match="select: expected a tensor with at least 1 dimension"):
        shendu.tensor(1.0).select(0, 0)
    with pytest.raises(
        shendu.ShapeError, match=r"movedim: source \(0, 1\) and destination 0 must name the same number"
    ):
        x.movedim((0, 1), 0)
    with pytest.raises(shendu.ShapeError, match=r"movedim: dims \(1, 1\) name the same dimension twice"):
        x.movedim((1, 1), (0, 1))


def test_cat_stack_errors() -> None:
    with pytest.raises(
        shendu.ShapeError,
        match=r"cat: tensors must have the same shape except in dim 1,"
        r" but tensor 0 has shape \(2, 3\) and tensor 1 has shape \(3, 3\)",
    ):
        shendu.cat([shendu.ones(2, 3), shendu.ones(3, 3)], dim=1)
    with pytest.raises(
        shendu.ShapeError,
        match=r"cat: tensors must have the same number of dimensions,"
        r" but tensor 0 has shape \(2, 3\) and tensor 1 has shape \(3,\)",
    ):
        shendu.cat([shendu.ones(2, 3), shendu.ones(3)])
    with pytest.raises(ValueError, match="cat: expected a non-empty list of tensors"):
        shendu.cat([])
    with pytest.raises(TypeError, match="cat: expected a list or tuple of tensors, got Tensor"):
        shendu.cat(shendu.ones(2))
    with pytest.raises(TypeError, match="cat: expected a list of tensors, but element 1 is float"):
        shendu.cat([shendu.ones(2), 1.0])
    with pytest.raises(shendu.ShapeError, match=r"cat: a 0-d tensor \(at position 0\) cannot be concatenated"):
        shendu.cat([shendu.tensor(1.0)])
    with pytest.raises(shendu.ShapeError, match=r"cat: dim 2 is out of range for a 2-d tensor"):
        shendu.cat([shendu.ones(2, 3)], dim=2)
    with pytest.raises(
        shendu.ShapeError,
        match=r"stack: expects tensors of equal shape, but tensor 0 has shape \(2, 3\) and tensor 1 has shape \(2, 4\)",
    ):
        shendu.stack([shendu.ones(2, 3), shendu.ones(2, 4)])
    with pytest.raises(ValueError, match="stack: expected a non-empty list of tensors"):
        shendu.stack([])
    with pytest.raises(shendu.ShapeError, match=r"stack: dim 3 is out of range for a 3-d tensor"):
        shendu.stack([shendu.ones(2, 3)], dim=3)


def test_split_narrow_pad_errors() -> None:
    x = shendu.ones(3, 4)
    with pytest.raises(
        shendu.ShapeError, match=r"split: sections \(1, 1\) must be >= 0 and sum to the size 3 of dim 0"
    ):
        x.split([1, 1])
    with pytest.raises(
        shendu.ShapeError, match=r"split: split_size must be positive \(or 0 for a dim of size 0\), got 0"
    ):
        x.split(0)
    with pytest.raises(shendu.ShapeError, match="split: expected a tensor with at least 1 dimension, got a 0-d tensor"):
        shendu.tensor(1.0).split(1)
    with pytest.raises(shendu.ShapeError, match="chunk: chunks must be > 0, got 0"):
        x.chunk(0)
    with pytest.raises(shendu.ShapeError, match="unbind: expected a tensor with at least 1 dimension"):
        shendu.tensor(1.0).unbind()
    with pytest.raises(shendu.ShapeError, match=r"narrow: start \(3\) \+ length \(2\) exceeds the size 4 of dim 1"):
        x.narrow(1, 3, 2)
    with pytest.raises(
        shendu.ShapeError, match=r"narrow: start 5 is out of range for dim 1 of size 4; expected \[-4, 4\]"
    ):
        x.narrow(1, 5, 0)
    with pytest.raises(shendu.ShapeError, match="narrow: length must be >= 0, got -1"):
        x.narrow(1, 0, -1)


@st.composite
def _shape_and_factorization(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=4)))
    sizes = [p for s in shape for p in ((s,) if s in (1, 2, 3) else (2, 2))]
    draw(st.randoms()).shuffle(sizes)
    target = list(sizes) or [1]
    target[draw(st.integers(0, len(target) - 1))] = -1
    return shape, tuple(target)


@settings(max_examples=30, deadline=None)
@given(_shape_and_factorization(), st.booleans())
def test_reshape_property(case: tuple, noncontiguous: bool) -> None:
    shape, target = case
    check(lambda m, x: x.reshape(target), shape, noncontiguous=noncontiguous, dtypes=("float64",))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=4), st.randoms())
def test_permute_property(shape: list[int], rnd) -> None:
    order = list(range(len(shape)))
    rnd.shuffle(order)
    check(lambda m, x: x.permute(*order), tuple(shape), dtypes=("float64",))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(1, 3), min_size=1, max_size=3),
    st.lists(st.integers(0, 3), min_size=1, max_size=4),
    st.data(),
)
def test_cat_property(shape: list[int], sizes: list[int], data: st.DataObject) -> None:
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    shapes = [tuple(s if j != dim % len(shape) else n for j, s in enumerate(shape)) for n in sizes]
    check(lambda m, *xs: m.cat(xs, dim), *shapes, dtypes=("float64",))
    check(lambda m, *xs: m.cat(xs, dim).split(sizes, dim), *shapes, dtypes=("float64",))
