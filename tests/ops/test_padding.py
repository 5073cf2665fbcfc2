from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import shendu
import shendu.nn.functional as F
from tests.helpers import check, grad_check

INTS = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int64)


def pad_both(pad: tuple[int, ...], **kwargs: object):
    """The same pad call in both libraries (PyTorch keeps it in nn.functional)."""
    return lambda m, x: (TF.pad if m is torch else shendu.pad)(x, pad, **kwargs)


def test_constant() -> None:
    check(pad_both((1, 2)), (2, 3))
    check(pad_both((1, -1, 0, 2)), (2, 3))
    check(pad_both((0, 0, 2, 1)), (2, 3, 4), noncontiguous=True)
    check(pad_both((1, 1, 1, 1, 1, 1)), (2, 3, 4))
    check(pad_both((-1, -2)), (2, 4))
    check(pad_both((2, 1), value=1.5), (3,))
    check(pad_both((1, 0)), (0, 2))
    check(pad_both(()), (2, 2))
    check(pad_both((1, 1), value=2.7), INTS)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    ("pad", "shape"),
    [
        ((2, 3), (2, 3, 5)),
        ((1, 1), (3, 4)),  # unbatched (C, W)
        ((0, 0), (2, 3, 4)),  # a copy
        ((2, 1, 1, 2), (2, 2, 4, 5)),
        ((1, 0, 0, 3), (2, 4, 5)),  # unbatched (C, H, W)
        ((-1, 2, 3, -2), (1, 2, 5, 6)),  # crop one side, pad the other
        ((-2, -1, 1, 1), (2, 1, 3, 6)),
        ((1, 1, 2, 0, 1, 2), (1, 2, 3, 4, 5)),
        ((2, 0, 1, 1, 0, 2), (2, 3, 4, 5)),  # unbatched (C, D, H, W)
        ((1, 1), (0, 2, 3)),  # an empty batch
    ],
)
def test_reflect_replicate_circular(mode: str, pad: tuple[int, ...], shape: tuple[int, ...]) -> None:
    check(lambda m, x: (TF if m is torch else F).pad(x, pad, mode=mode), shape)


@pytest.mark.parametrize(
    ("mode", "pad", "shape"),
    [
        ("reflect", (3, 3), (1, 2, 4)),  # the widest reflection: size - 1
        ("reflect", (-3, 3), (1, 2, 4)),
        ("reflect", (2, -2), (1, 2, 4)),
        ("replicate", (6, 5), (1, 2, 3)),  # any width
        ("replicate", (-5, 2), (1, 1, 4)),
        ("circular", (4, 4), (1, 2, 4)),  # one full turn each side
        ("circular", (3, -1), (1, 2, 4)),  # wraps around the cropped input
        ("circular", (-1, 2, 3, -2), (1, 1, 5, 6)),
        ("circular", (-2, -2), (1, 2, 4)),  # empty result
    ],
)
def test_edge_amounts(mode: str, pad: tuple[int, ...], shape: tuple[int, ...]) -> None:
    check(lambda m, x: (TF if m is torch else F).pad(x, pad, mode=mode), shape)


def test_integer_and_bool_inputs() -> None:
    ints = np.arange(24).reshape(2, 3, 4)
    for mode in ("reflect", "replicate", "circular"):
        check(lambda m, x, mode=mode: (TF if m is torch else F).pad(x, (2, 1), mode=mode), ints)
    check(lambda m, x: (TF if m is torch else F).pad(x, (1, 1), mode="circular"), ints % 2 == 0)


def test_noncontiguous_and_value_zero() -> None:
    check(lambda m, x: (TF if m is torch else F).pad(x, (1, 2, 2, 1), mode="reflect"), (2, 3, 4, 5), noncontiguous=True)
    check(lambda m, x: (TF if m is torch else F).pad(x, (1, 2), mode="replicate", value=0.0), (2, 3, 4))


@settings(max_examples=25, deadline=None)
@given(
    mode=st.sampled_from(["reflect", "replicate", "circular"]),
    dims=st.integers(1, 3),
    batched=st.booleans(),
    data=st.data(),
)
def test_random_shapes_and_amounts(mode: str, dims: int, batched: bool, data: st.DataObject) -> None:
    shape = tuple(data.draw(st.lists(st.integers(2, 4), min_size=dims + 1 + batched, max_size=dims + 1 + batched)))
    pad = []
    for i in range(dims):
        size = shape[-1 - i]
        high = size - 1 if mode == "reflect" else size
        low = -(size // 2) if mode == "reflect" else 0 if mode == "circular" else -(size - 1)
        pad += [data.draw(st.integers(low, high)), data.draw(st.integers(low, high))]
    check(lambda m, x: (TF if m is torch else F).pad(x, tuple(pad), mode=mode), shape, dtypes=("float64",))


def test_gradcheck() -> None:
    grad_check(lambda m, x: x.t().contiguous() * m.pad(x, (-1, 0, 1, 0)), (3, 4))
    grad_check(lambda m, x: m.pad(x, (2, 1, 1, -1), value=3.0), (3, 4))
    grad_check(lambda m, x: F.pad(x, (2, 3, 1, -1), mode="reflect"), (2, 4, 5))
    grad_check(lambda m, x: F.pad(x, (3, 1, 0, 2), mode="replicate"), (1, 2, 3, 3))
    grad_check(lambda m, x: F.pad(x, (3, 2, 1, 1, 2, 0), mode="circular"), (1, 3, 3, 4))


def test_modes_on_a_known_row() -> None:
    row = shendu.tensor([[[0.0, 1.0, 2.0, 3.0]]])
    assert F.pad(row, (2, 1), mode="reflect").flatten().tolist() == [2, 1, 0, 1, 2, 3, 2]
    assert F.pad(row, (2, 1), mode="replicate").flatten().tolist() == [0, 0, 0, 1, 2, 3, 3]
    assert F.pad(row, (2, 1), mode="circular").flatten().tolist() == [2, 3, 0, 1, 2, 3, 0]
    copy = F.pad(row, (0, 0), mode="reflect")
    copy[0, 0, 0] = 9.0
    assert row[0, 0, 0].item() == 0.0  # a zero padding still gives a new tensor, as in PyTorch


def test_errors() -> None:
    x = shendu.zeros(3, 4)
    with pytest.raises(shendu.ShapeError, match=r"pad: the padding \(1, 2, 3\) must have an even length"):
        shendu.pad(x, (1, 2, 3))
    with pytest.raises(
        shendu.ShapeError, match=r"pad: the padding \(1, 1, 1, 1, 1, 1\) covers 3 dims but the input has only 2"
    ):
        shendu.pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(shendu.ShapeError, match=r"pad: padding \(-3, -2\) crops more than the size 4 of dim 1"):
        shendu.pad(x, (-3, -2))
    with pytest.raises(ValueError, match="pad: unknown mode 'wrap'; expected 'constant', 'reflect'"):
        shendu.pad(x, (1, 1), mode="wrap")
    with pytest.raises(TypeError, match="pad: pad must be a tuple or list of ints, got int"):
        shendu.pad(x, 1)
    with pytest.raises(TypeError, match="pad: expected a Tensor as input, got list"):
        shendu.pad([1.0], (1, 1))
    with pytest.raises(ValueError, match=r"pad: mode 'reflect' takes no fill value, got value=1.0"):
        F.pad(x, (1, 1), mode="reflect", value=1.0)
    with pytest.raises(
        NotImplementedError,
        match=r"pad: mode 'replicate' with a padding of length 2 is not supported for a 1-D input of shape \(4,\)",
    ):
        F.pad(shendu.zeros(4), (1, 1), mode="replicate")
    with pytest.raises(NotImplementedError, match=r"padding of length 4 is not supported for a 2-D input"):
        F.pad(x, (1, 1, 1, 1), mode="circular")
    with pytest.raises(NotImplementedError, match=r"padding of length 2 is not supported for a 4-D input"):
        F.pad(shendu.zeros(1, 1, 3, 4), (1, 1), mode="reflect")
    with pytest.raises(
        shendu.ShapeError,
        match=r"pad: mode 'reflect' needs each padding amount below the size of its dim, got padding \(4, 0\) "
        r"for dim 2 of size 4 \(input shape \(1, 3, 4\)\)",
    ):
        F.pad(shendu.zeros(1, 3, 4), (4, 0), mode="reflect")
    with pytest.raises(
        shendu.ShapeError, match=r"pad: mode 'circular' can wrap around at most once, got padding \(5, 0\)"
    ):
        F.pad(shendu.zeros(1, 3, 4), (5, 0), mode="circular")
    with pytest.raises(
        shendu.ShapeError,
        match=r"pad: mode 'circular' can wrap around at most once, got padding \(2, -3\) for dim 2 of size 4 "
        r"once cropped to 1",
    ):
        F.pad(shendu.zeros(1, 3, 4), (2, -3), mode="circular")
    with pytest.raises(shendu.ShapeError, match=r"pad: padding \(-3, -3\) crops more than the size 4 of dim 2"):
        F.pad(shendu.zeros(1, 3, 4), (-3, -3), mode="circular")
    with pytest.raises(
        shendu.ShapeError,
        match=r"pad: padding \(-2, -2\) leaves 0 elements of dim 2 .* mode 'replicate' needs at least one",
    ):
        F.pad(shendu.zeros(1, 3, 4), (-2, -2), mode="replicate")
    with pytest.raises(
        shendu.ShapeError,
        match=r"pad: mode 'reflect' needs non-empty channel and spatial dims \(the batch may be empty\), "
        r"got input shape \(1, 0, 4\)",
    ):
        F.pad(shendu.zeros(1, 0, 4), (1, 1), mode="reflect")


def test_torch_refuses_the_same_calls() -> None:
    for args, kwargs in [
        ((torch.zeros(1, 3, 4), (4, 0)), {"mode": "reflect"}),
        ((torch.zeros(1, 3, 4), (5, 0)), {"mode": "circular"}),
        ((torch.zeros(1, 3, 4), (-2, -2)), {"mode": "replicate"}),
        ((torch.zeros(4), (1, 1)), {"mode": "replicate"}),
        ((torch.zeros(3, 4), (1, 1)), {"mode": "reflect", "value": 1.0}),
    ]:
        with pytest.raises((RuntimeError, NotImplementedError)):
            TF.pad(*args, **kwargs)
