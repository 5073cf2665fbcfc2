from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import shendu
from shendu import nn
from shendu._checks import check_dim, check_floating, check_tensor, is_int, is_number, normalize_dims


@pytest.mark.parametrize(
    ("value", "expected", "python_only"),
    [
        (3, True, True),
        (-1, True, True),
        (np.int64(3), True, False),
        (np.uint8(3), True, False),
        (True, False, False),
        (np.bool_(True), False, False),
        (3.0, False, False),
        ("3", False, False),
        (None, False, False),
    ],
)
def test_is_int_excludes_bool_and_optionally_numpy(value: object, expected: bool, python_only: bool) -> None:
    assert is_int(value) is expected
    assert is_int(value, numpy=False) is python_only


@pytest.mark.parametrize(
    ("value", "expected", "python_only"),
    [
        (3, True, True),
        (0.5, True, True),
        (np.float64(0.5), True, True),  # a subclass of float
        (np.float32(0.5), True, False),
        (np.int32(2), True, False),
        (False, False, False),
        (np.bool_(False), False, False),
        (Fraction(1, 2), False, False),
        ("0.5", False, False),
        (None, False, False),
    ],
)
def test_is_number_excludes_bool_and_optionally_numpy(value: object, expected: bool, python_only: bool) -> None:
    assert is_number(value) is expected
    assert is_number(value, numpy=False) is python_only


def test_check_tensor_returns_the_tensor_and_accepts_subclasses() -> None:
    x = shendu.ones(2)
    assert check_tensor("op", x) is x
    p = nn.Parameter(shendu.ones(2))
    assert check_tensor("op", p) is p
    assert check_tensor("op", None, optional=True) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "op: expected a Tensor, got list"),
        ({"what": "as input"}, "op: expected a Tensor as input, got list"),
        ({"what": "as bias", "optional": True}, "op: expected a Tensor or None as bias, got list"),
        ({"name": "target"}, "op: expected target to be a Tensor, got list"),
        ({"name": "weight", "optional": True}, "op: expected weight to be a Tensor or None, got list"),
    ],
)
def test_check_tensor_message_names_the_op_the_argument_and_what_came(kwargs: dict, message: str) -> None:
    with pytest.raises(TypeError, match=f"^{message}$"):
        check_tensor("op", [1.0], **kwargs)


def test_check_floating() -> None:
    check_floating("op", shendu.ones(2))
    with pytest.raises(shendu.DtypeError, match=r"^op: expected a floating-point tensor, got dtype shendu.int64$"):
        check_floating("op", shendu.tensor([1, 2]))
    with pytest.raises(shendu.DtypeError, match=r"^op: expected a floating-point input, got dtype shendu.bool; hint$"):
        check_floating("op", shendu.tensor([True]), "input", hint="; hint")


def test_check_dim_and_normalize_dims() -> None:
    assert check_dim("op", -1, 3) == 2
    assert check_dim("op", np.int64(1), 3) == 1
    assert check_dim("op", 0, 0) == 0  # a 0-d tensor takes dim 0 and -1, as in PyTorch
    with pytest.raises(shendu.DimError, match=r"op: dim 3 is out of range for a 3-d tensor \(input shape \(1, 2, 3\)"):
        check_dim("op", 3, 3, (1, 2, 3))
    with pytest.raises(TypeError, match="op: dim must be an int, got bool True"):
        check_dim("op", True, 3)
    assert normalize_dims("op", None, 3) == (0, 1, 2)
    assert normalize_dims("op", (-1, 0), 3) == (0, 2)
    assert normalize_dims("op", -1, 0) == ()
    with pytest.raises(shendu.ShapeError, match=r"op: dim \(0, -3\) names the same dimension twice"):
        normalize_dims("op", (0, -3), 3)
    with pytest.raises(TypeError, match="op: dim must be an int or a tuple of ints, got str 'x'"):
        normalize_dims("op", "x", 3)


def test_optimizer_refuses_a_fraction_learning_rate_up_front() -> None:
    # A Fraction made NumPy fail inside step() with an object-dtype casting error.
    with pytest.raises(TypeError, match="SGD: lr must be a real number, got Fraction"):
        shendu.optim.SGD([nn.Parameter(shendu.ones(2))], lr=Fraction(1, 10))
