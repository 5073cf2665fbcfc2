"""Edge cases the fuzzing found, each kept as a plain test of the behaviour it fixed."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import shendu
from shendu.optim import lr_scheduler as shendu_sched
from tests.helpers import check

# One check per bug the fuzzer found, next to the harness that found it.


# One check per bug the fuzzer found, next to the harness that found it.


@pytest.mark.parametrize(
    "make",
    [
        lambda: shendu.zeros(2, dtype=shendu.int64, requires_grad=True),
        lambda: shendu.arange(3, requires_grad=True),
        lambda: shendu.full((2,), 1, requires_grad=True),
        lambda: shendu.zeros_like(shendu.ones(2), dtype=shendu.int64, requires_grad=True),
        lambda: shendu.randperm(3, requires_grad=True),
    ],
)
def test_creation_with_requires_grad_on_an_integer_dtype_names_the_op(make: Callable[[], Any]) -> None:
    with pytest.raises(shendu.DtypeError, match=r"^(zeros|arange|full|zeros_like|randperm): only floating-point"):
        make()


@pytest.mark.parametrize(
    "make",
    [
        lambda: shendu.zeros(2**40, 2**40),
        lambda: shendu.ones(2**62, 4),
        lambda: shendu.eye(2**40),
        lambda: shendu.linspace(0, 1, 2**62),
        lambda: shendu.logspace(0, 1, 2**62),
        lambda: shendu.arange(0, 1e38),
        lambda: shendu.arange(0, 2**62, dtype=shendu.float32),
        lambda: shendu.randperm(2**62),
        lambda: shendu.rand(2**40, 2**40),
        lambda: shendu.randn(2**62),
        lambda: shendu.randint(0, 5, (2**40, 2**40)),
        lambda: shendu.normal(0.0, 1.0, (2**62, 2**62)),
    ],
)
def test_creating_an_unaddressable_tensor_is_a_shendu_error(make: Callable[[], Any]) -> None:
    with pytest.raises(shendu.OutOfMemoryError, match=r"^\w+: a tensor of shape .* more than this machine can address"):
        make()


def test_a_tensor_larger_than_memory_is_a_shendu_error() -> None:
    with pytest.raises(shendu.OutOfMemoryError, match=r"^zeros: not enough memory for a tensor of shape"):
        shendu.zeros(2**50)  # 4 PiB: addressable, but beyond any machine's virtual memory


def test_arange_with_a_non_finite_or_non_numeric_bound_names_the_op() -> None:
    with pytest.raises(ValueError, match=r"^arange: start must be finite, got nan"):
        shendu.arange(math.nan, 0.0, 1e38, dtype=shendu.int64)
    with pytest.raises(ValueError, match=r"^arange: end must be finite, got inf"):
        shendu.arange(math.inf)
    with pytest.raises(TypeError, match=r"^arange: step must be a number, got str"):
        shendu.arange(0, 3, "1")
    with pytest.raises(ValueError, match=r"^arange: start 1e\+38 cannot be converted to int64 without overflow"):
        shendu.arange(1e38, 1e38, dtype=shendu.int64)
    assert shendu.arange(0, 1, math.inf).shape == (0,)  # as in torch


@pytest.mark.parametrize(
    ("args", "dtype", "expected"),
    [
        ((2.5,), "int32", [0, 1, 2]),
        ((0.5, 2.5), "int32", [0, 1]),
        ((-2.5, 1), "int64", [-2, -1, 0]),
        ((0, 3, 0.5), "int32", [0] * 6),  # the step truncates to 0 but counts as 0.5
    ],
)
def test_arange_counts_like_torch_for_integer_dtypes(args: tuple[float, ...], dtype: str, expected: list[int]) -> None:
    assert shendu.arange(*args, dtype=getattr(shendu, dtype)).tolist() == expected


def test_full_refuses_a_fill_value_that_overflows_the_dtype() -> None:
    with pytest.raises(ValueError, match=r"^full: fill_value nan cannot be converted to int64 without overflow"):
        shendu.full((2,), math.nan, dtype=shendu.int64)
    with pytest.raises(ValueError, match=r"^full_like: fill_value -inf cannot be converted to int64"):
        shendu.full_like(shendu.zeros(2, dtype=shendu.uint8), -math.inf, dtype=shendu.int64)
    with pytest.raises(ValueError, match=r"^full: fill_value 300 cannot be converted to uint8"):
        shendu.full((2,), 300, dtype=shendu.uint8)
    with pytest.raises(ValueError, match=r"^full: fill_value 1e\+38 cannot be converted to float16"):
        shendu.full((2,), 1e38, dtype=shendu.float16)
    with pytest.raises(TypeError, match=r"^full: fill_value must be a number, got str"):
        shendu.full((2,), "a")
    assert shendu.full((2,), -1, dtype=shendu.uint8).tolist() == [255, 255]  # as in torch
    assert shendu.full((2,), 2.7, dtype=shendu.int64).tolist() == [2, 2]


def test_set_rng_state_names_itself_and_refuses_foreign_states() -> None:
    with pytest.raises(ValueError, match=r"^set_rng_state: expected a uint8 tensor of 80 bytes"):
        shendu.set_rng_state(shendu.zeros(5000, dtype=shendu.uint8))
    with pytest.raises(
        TypeError, match=r"^set_rng_state: expected a uint8 tensor from get_state\(\), got dtype float32"
    ):
        shendu.set_rng_state(shendu.zeros(80))
    with pytest.raises(ValueError, match=r"^set_rng_state: these 80 bytes are not a state"):
        shendu.set_rng_state(shendu.full((80,), 255, dtype=shendu.uint8))
    state = shendu.get_rng_state()
    first = shendu.rand(3)
    shendu.set_rng_state(state)
    assert shendu.equal(shendu.rand(3), first)


def test_manual_seed_refuses_seeds_beyond_64_bits() -> None:
    with pytest.raises(ValueError, match=r"^manual_seed: seed must be in \[-2\*\*63, 2\*\*64 - 1\]"):
        shendu.manual_seed(2**64)
    shendu.manual_seed(2**64 - 1)
    shendu.manual_seed(-(2**63))


def test_normal_refuses_a_nan_std() -> None:
    with pytest.raises(ValueError, match=r"^normal: std must be >= 0, but got nan"):
        shendu.normal(0.0, math.nan, (2,))
    with pytest.raises(ValueError, match=r"^normal: std must be >= 0, but got nan"):
        shendu.normal(shendu.zeros(2), math.nan)
    with pytest.raises(ValueError, match=r"^normal: every element of std must be >= 0, but std has negative or NaN"):
        shendu.normal(1.0, shendu.tensor([1.0, math.nan]))


@pytest.mark.parametrize("device", ["tpu", "cuda:x", "gpu", ""])
def test_move_parses_its_device_and_names_itself(device: str) -> None:
    with pytest.raises(shendu.DeviceError, match=r"^move: "):
        shendu.move(shendu.ones(2), device)


def test_move_to_the_cpu_by_name_is_a_no_op() -> None:
    x = shendu.ones(2)
    assert shendu.move(x, "cpu") is x


def test_a_missing_dtype_is_not_read_as_float64() -> None:
    with pytest.raises(TypeError, match=r"^set_default_dtype: expected a dtype such as shendu.float32, got None"):
        shendu.set_default_dtype(None)
    assert shendu.get_default_dtype() is shendu.float32
    with pytest.raises(TypeError, match=r"^promote_types: expected a dtype such as shendu.float32, got None"):
        shendu.promote_types(shendu.int64, None)


def test_promote_types_takes_dtype_names() -> None:
    assert shendu.promote_types(shendu.int64, "float32") is shendu.float32
    with pytest.raises(TypeError, match=r"^promote_types: 'x' is not a dtype"):
        shendu.promote_types("x", shendu.int64)


def test_add_and_sub_check_alpha_against_the_operand_dtypes() -> None:
    ints = shendu.tensor([1, 2])
    with pytest.raises(shendu.DtypeError, match=r"^add: alpha must not be a float when both operands are integers"):
        shendu.add(ints, ints, alpha=0.5)
    with pytest.raises(shendu.DtypeError, match=r"^sub: alpha must not be a float"):
        shendu.sub(ints, 3, alpha=1.0)
    with pytest.raises(shendu.DtypeError, match=r"^add: a bool alpha \(True\) is only accepted when both"):
        shendu.add(ints, ints, alpha=True)
    assert shendu.add(ints, shendu.tensor([1.5, 1.5]), alpha=0.5).tolist() == [1.75, 2.75]
    assert shendu.add(shendu.tensor([True]), shendu.tensor([False]), alpha=True).tolist() == [True]


@pytest.mark.parametrize(
    "call",
    [
        lambda: shendu.sub(shendu.tensor([True]), shendu.tensor([False])),
        lambda: shendu.sub(shendu.tensor([True]), -math.inf),
        lambda: shendu.sub(math.inf, shendu.tensor([False])),
        lambda: shendu.rsub(shendu.tensor([1]), shendu.tensor([True])),
    ],
)
def test_sub_refuses_bool_tensors(call: Callable[[], Any]) -> None:
    with pytest.raises(shendu.DtypeError, match=r"^sub: subtracting bool tensors is not supported"):
        call()


def test_sub_refuses_a_bool_number_on_either_side() -> None:
    with pytest.raises(TypeError, match=r"^sub: subtracting from a bool is not supported"):
        shendu.rsub(shendu.tensor([0.5]), True)
    with pytest.raises(TypeError, match=r"^sub: subtracting a bool is not supported"):
        shendu.sub(shendu.tensor([0.5]), True)


def test_an_int_scalar_beyond_the_tensor_dtype_wraps_as_in_torch() -> None:
    small = shendu.tensor([1, 2], dtype=shendu.uint8)
    assert shendu.mul(small, 2**63 - 1).dtype is shendu.uint8
    assert shendu.mul(small, 2**63 - 1).tolist() == [255, 254]
    assert shendu.add(0, small, alpha=-1).tolist() == [255, 254]
    assert (small + 256).tolist() == [1, 2]
    assert shendu.div(small, 2**63 - 1).tolist() == pytest.approx([2**-63, 2**-62])  # true division: no wrap
    with pytest.raises(ValueError, match=r"^mul: the integer 18446744073709551616 does not fit in 64 bits"):
        shendu.mul(small, 2**64)
    with pytest.raises(ValueError, match=r"^pow: the integer 9223372036854775807 cannot be converted to uint8"):
        shendu.pow(small, 2**63 - 1)


def test_rounded_division_and_remainder() -> None:
    ints = shendu.tensor([3, 4])
    for call in (
        lambda: shendu.floor_divide(ints, shendu.tensor(0, dtype=shendu.uint8)),
        lambda: shendu.div(ints, shendu.tensor([0, 1]), rounding_mode="trunc"),
        lambda: shendu.remainder(ints, 0),
    ):
        with pytest.raises(ValueError, match=r"^(floor_divide|div|remainder): integer division by zero"):
            call()
    with pytest.raises(shendu.ShapeError, match=r"^floor_divide: shapes \(2,\) and \(3, 3\) cannot be broadcast"):
        shendu.floor_divide(shendu.tensor([True, True]), shendu.ones(3, 3))
    assert shendu.floor_divide(shendu.tensor(1, dtype=shendu.uint8), 2**63 - 1).dtype is shendu.uint8
    assert shendu.floor_divide(7, shendu.tensor([2, 3], dtype=shendu.int32)).dtype is shendu.int32
    assert shendu.floor_divide(shendu.tensor([-7.0]), 0.0).tolist() == [-math.inf]
    assert shendu.floor_divide(shendu.zeros(0, dtype=shendu.int64), 0).shape == (0,)  # nothing to divide


def test_hardtanh_of_an_integer_tensor_with_a_nan_bound_names_the_op() -> None:
    with pytest.raises(ValueError, match=r"^hardtanh: an integer tensor needs finite bounds, got min_val=nan"):
        shendu.nn.functional.hardtanh(shendu.tensor([1, 2]), min_val=math.nan)


@pytest.mark.parametrize("decimals", [400, -400])
def test_round_to_more_decimals_than_float64_holds_gives_nan_as_torch(decimals: int) -> None:
    out = shendu.round(shendu.tensor([3e38, 1.5]), decimals=decimals)
    assert math.isnan(out[0].item()) and math.isnan(out[1].item())


def test_nan_to_num_checks_its_replacement_values() -> None:
    assert shendu.nan_to_num(shendu.tensor([math.nan]), nan=None).tolist() == [0.0]  # as in torch
    with pytest.raises(TypeError, match=r"^nan_to_num: posinf must be a number or None, got str"):
        shendu.nan_to_num(shendu.ones(2), posinf="big")
    assert shendu.nan_to_num(shendu.tensor([math.inf]), posinf=math.nan).isnan().all().item()


def test_clamp_ranks_a_number_bound_below_a_tensor_bound() -> None:
    x = shendu.tensor(0, dtype=shendu.uint8)
    assert shendu.clamp(x, min=0, max=shendu.tensor(0, dtype=shendu.uint8)).dtype is shendu.uint8
    assert shendu.clamp(shendu.tensor([1, 5]), min=shendu.tensor(2), max=3.5).dtype is shendu.float32


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: shendu.chunk(shendu.ones(4), 2.5), r"^chunk: chunks must be an int, got float 2.5"),
        (lambda: shendu.split(shendu.ones(4), 2.5), r"^split: split_size_or_sections must be an int, got float"),
        (lambda: shendu.narrow(shendu.ones(4), 0, 1.0, 2), r"^narrow: start must be an int, got float"),
        (lambda: shendu.select(shendu.ones(4), 0, "1"), r"^select: index must be an int, got str"),
        (lambda: shendu.repeat_interleave(shendu.ones(2), 1.5), r"^repeat_interleave: repeats must be an int"),
        (lambda: shendu.tril(shendu.ones(2, 2), 0.5), r"^tril: diagonal must be an int, got float"),
        (lambda: shendu.one_hot(shendu.tensor([1]), 2.0), r"^one_hot: num_classes must be an int, got float"),
        (lambda: shendu.ones(4)[0:2.5], r"^\w+: slice stop must be an int, got float"),
    ],
)
def test_a_float_where_an_int_belongs_names_the_op(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        call()


def test_movedim_of_a_0d_tensor() -> None:
    assert shendu.movedim(shendu.tensor(1.0), -1, -1).shape == ()
    assert shendu.moveaxis(shendu.tensor(1.0), [0], [0]).shape == ()


def test_repeat_interleave_of_counts_checks_them_and_keeps_their_dtype() -> None:
    with pytest.raises(shendu.ShapeError, match=r"^repeat_interleave: repeats must be >= 0"):
        shendu.repeat_interleave(shendu.tensor([3, -3]))
    out = shendu.repeat_interleave(shendu.tensor([2, 1], dtype=shendu.int32))
    assert out.dtype is shendu.int32 and out.tolist() == [0, 0, 1]


def test_dropout_of_an_integer_tensor_is_refused_only_when_it_must_scale() -> None:
    ints = shendu.tensor([3, 3, 2, 2])
    assert shendu.nn.functional.dropout(ints, training=False) is ints
    assert shendu.nn.functional.dropout(ints, p=0.0) is ints
    assert shendu.nn.functional.alpha_dropout(ints) is ints
    zeros = shendu.nn.functional.dropout(ints, p=1.0)
    assert zeros.dtype is shendu.int64 and zeros.tolist() == [0, 0, 0, 0]
    with pytest.raises(shendu.DtypeError, match=r"^dropout: expected a floating-point input, got dtype shendu.int64"):
        shendu.nn.functional.dropout(ints, p=0.5)
    scalar = shendu.tensor(0.5)
    assert shendu.nn.functional.feature_alpha_dropout(scalar) is scalar
    with pytest.raises(shendu.ShapeError, match=r"^feature_alpha_dropout: expected an input of shape \(N, C, \*\)"):
        shendu.nn.functional.feature_alpha_dropout(scalar, training=True)
    with pytest.raises(shendu.ShapeError, match=r"^dropout2d: expected an input with at least 2 dimensions"):
        shendu.nn.functional.dropout2d(shendu.ones(3))
    with pytest.warns(UserWarning, match="dropout2d: got a 0-D input"):
        assert shendu.nn.functional.dropout2d(shendu.tensor(2), p=1.0).item() == 0  # p = 1 zeroes any shape
    for alpha in (shendu.nn.functional.alpha_dropout, shendu.nn.functional.feature_alpha_dropout):
        assert alpha(shendu.tensor([2]), p=1.0, training=True).tolist() == [0]
        assert alpha(shendu.tensor(2), p=1.0, training=True).item() == 0
    with pytest.raises(shendu.ShapeError, match=r"^dropout3d: expected an input with channels, got a 0-d tensor"):
        shendu.nn.functional.dropout3d(scalar)


def test_prelu_takes_a_0d_weight_as_one_slope() -> None:
    out = shendu.nn.functional.prelu(shendu.tensor([[-2.0, 3.0]]), shendu.tensor(0.25))
    assert out.tolist() == [[-0.5, 3.0]]
    with pytest.raises(shendu.ShapeError, match=r"^prelu: weight must be 0-D or 1-D, got shape \(1, 1\)"):
        shendu.nn.functional.prelu(shendu.ones(2), shendu.ones(1, 1))


@pytest.mark.parametrize(
    "make",
    [
        lambda **k: shendu.nn.Linear(2, 3, **k),
        lambda **k: shendu.nn.Bilinear(2, 2, 3, **k),
        lambda **k: shendu.nn.Conv2d(1, 2, 3, **k),
        lambda **k: shendu.nn.ConvTranspose2d(1, 2, 3, **k),
        lambda **k: shendu.nn.BatchNorm1d(3, **k),
        lambda **k: shendu.nn.InstanceNorm2d(3, affine=True, **k),
        lambda **k: shendu.nn.GroupNorm(1, 2, **k),
        lambda **k: shendu.nn.LayerNorm(3, **k),
        lambda **k: shendu.nn.PReLU(**k),
        lambda **k: shendu.nn.Embedding(3, 2, **k),
        lambda **k: shendu.nn.LSTM(2, 3, **k),
        lambda **k: shendu.nn.GRUCell(2, 3, **k),
        lambda **k: shendu.nn.RBM(3, 2, **k),
    ],
)
def test_layers_name_themselves_for_a_bad_device_or_dtype(make: Callable[..., Any]) -> None:
    with pytest.raises(shendu.DeviceError, match=r"^[A-Z]\w+: unknown device type 'tpu'"):
        make(device="tpu")
    with pytest.raises(shendu.DtypeError, match=r"^[A-Z]\w+: parameters need a floating-point dtype, got shendu.int64"):
        make(dtype=shendu.int64)


def test_batch_norm_of_an_empty_batch() -> None:
    m = shendu.nn.BatchNorm1d(3)
    x = shendu.zeros(0, 3, requires_grad=True)
    y = m(x)
    assert y.shape == (0, 3)
    assert m.running_mean.tolist() == [0.0, 0.0, 0.0] and m.running_var.tolist() == [1.0, 1.0, 1.0]
    y.sum().backward()
    assert x.grad.shape == (0, 3)
    with pytest.raises(shendu.ShapeError, match=r"^BatchNorm1d: expected more than 1 value per channel"):
        m(shendu.zeros(1, 3))


def test_layer_norm_with_a_float_shape_names_the_layer() -> None:
    with pytest.raises(
        TypeError, match=r"^LayerNorm: normalized_shape must be an int or a sequence of ints, got float"
    ):
        shendu.nn.LayerNorm(2.5)
    assert shendu.nn.LayerNorm(shendu.Size([2, 3])).normalized_shape == (2, 3)


def test_containers_name_themselves_when_given_a_non_iterable() -> None:
    with pytest.raises(TypeError, match=r"^ModuleList: expected an iterable of modules, got int"):
        shendu.nn.ModuleList(3)
    with pytest.raises(TypeError, match=r"^ModuleDict: expected a mapping or \(name, module\) pairs, got int"):
        shendu.nn.ModuleDict(3)


def test_schedulers_name_themselves_for_arguments_of_the_wrong_kind() -> None:
    opt = shendu.optim.SGD([shendu.nn.Parameter(shendu.zeros(2))], lr=0.1)
    with pytest.raises(TypeError, match=r"^ChainedScheduler: scheduler 0 is a SGD, not a learning-rate scheduler"):
        shendu_sched.ChainedScheduler([opt])
    with pytest.raises(TypeError, match=r"^MultiStepLR: milestones must be a list of epochs, got int"):
        shendu_sched.MultiStepLR(opt, 3)
    shendu_sched.MultiStepLR(opt, None)  # torch reads None as no milestones


def test_adaptive_avg_pool2d_keeps_inf_inside_its_window() -> None:
    x = [[[[math.inf, 1.0, 2.0], [3.0, -math.inf, 4.0]]]]
    check(lambda m, a: m.nn.functional.adaptive_avg_pool2d(a, (2, 3)), np.array(x), grad=False)
    check(lambda m, a: m.nn.functional.adaptive_avg_pool2d(a, (1, 2)), np.array(x), grad=False)
    check(lambda m, a: m.nn.functional.adaptive_avg_pool2d(a, 0), np.array(x), grad=False)


def test_layer_norm_over_no_dimensions_is_refused() -> None:
    with pytest.raises(shendu.ShapeError, match=r"^layer_norm: normalized_shape must name at least one dimension"):
        shendu.nn.functional.layer_norm(shendu.tensor(0.5), ())


def test_a_norm_layer_without_parameters_takes_any_dtype() -> None:
    assert shendu.nn.InstanceNorm1d(3, dtype=shendu.int64).weight is None
    assert shendu.nn.GroupNorm(1, 2, affine=False, dtype=shendu.int64).weight is None
    assert shendu.nn.LayerNorm(3, elementwise_affine=False, dtype=shendu.int64).weight is None


def test_where_with_only_a_condition_takes_any_dtype() -> None:
    (indices,) = shendu.where(shendu.tensor([0.5, 0.0, -2.0]))
    assert indices.tolist() == [0, 2]
    with pytest.raises(shendu.DtypeError, match=r"^where: expected condition to be a bool tensor"):
        shendu.where(shendu.tensor([0.5]), 1.0, 2.0)


def test_split_into_no_sections_gives_no_pieces() -> None:
    assert shendu.split(shendu.ones(0), []) == ()


def test_masked_fill_refuses_a_value_that_overflows_the_dtype() -> None:
    x, mask = shendu.tensor([3], dtype=shendu.uint8), shendu.tensor([True])
    with pytest.raises(ValueError, match=r"^masked_fill: fill_value -1.5 cannot be converted to uint8"):
        shendu.masked_fill(x, mask, -1.5)
    with pytest.raises(ValueError, match=r"^masked_fill: fill_value nan cannot be converted to int64"):
        shendu.masked_fill(shendu.tensor([1]), mask, shendu.tensor(math.nan))
    assert shendu.masked_fill(x, mask, -1).tolist() == [255]


def test_linspace_and_logspace_name_themselves_for_bad_endpoints() -> None:
    with pytest.raises(ValueError, match=r"^linspace: the endpoint nan cannot be converted to int64 without overflow"):
        shendu.linspace(0, math.nan, 2, dtype=shendu.int64)
    with pytest.raises(ValueError, match=r"^linspace: the endpoint 1e\+38 cannot be converted to int64"):
        shendu.linspace(0, 1e38, 2, dtype=shendu.int64)
    assert shendu.linspace(0, math.nan, 0, dtype=shendu.int64).shape == (0,)  # nothing to convert, as in torch
    assert shendu.logspace(0, math.nan, 0, dtype=shendu.int64).shape == (0,)
    assert shendu.linspace(0, math.nan, 1, dtype=shendu.int64).tolist() == [0]  # one step: the start alone
    assert shendu.logspace(0, math.nan, 1, dtype=shendu.int64).tolist() == [1]
    with pytest.raises(ValueError, match=r"^logspace: the endpoint inf cannot be converted to int32"):
        shendu.logspace(math.inf, 1, 3, dtype=shendu.int32)
    with pytest.raises(ValueError, match=r"^logspace: the endpoint 1e\+38 cannot be converted to float16"):
        shendu.logspace(0, 1e38, 2, 2.0, dtype=shendu.float16)
    with pytest.raises(TypeError, match=r"^linspace: start and end must be numbers, got str"):
        shendu.linspace("0", 1, 3)


def test_multinomial_without_categories_names_the_op() -> None:
    with pytest.raises(ValueError, match=r"^multinomial: the probabilities must have at least one category"):
        shendu.multinomial(shendu.zeros(0), 1, replacement=True)
    assert shendu.multinomial(shendu.zeros(0, 0), 1, replacement=True).shape == (0, 1)  # no rows, as in torch


def test_alpha_takes_no_part_in_type_promotion() -> None:
    half = shendu.tensor(0.5, dtype=shendu.float16)
    assert shendu.rsub(shendu.tensor(2), half, alpha=0.5).dtype is shendu.float16
    assert shendu.add(shendu.ones(2, dtype=shendu.float16), shendu.tensor([1, 2]), alpha=0.5).dtype is shendu.float16


def test_a_ceil_mode_pooling_window_may_run_past_a_small_input() -> None:
    check(lambda m, a: m.nn.MaxPool2d(2, ceil_mode=True)(a), (1, 1, 1))
    check(lambda m, a: m.nn.AvgPool2d(3, stride=2, ceil_mode=True)(a), (1, 2, 2))
    with pytest.raises(shendu.ShapeError, match=r"^MaxPool2d: the pooling window spans 2 elements"):
        shendu.nn.MaxPool2d(2)(shendu.ones(1, 1, 1))


def test_scatter_into_a_0d_tensor() -> None:
    x = shendu.tensor(0.5)
    assert shendu.scatter(x, 0, shendu.tensor([], dtype=shendu.int64), value=0.0).item() == 0.5
    assert shendu.scatter(x, -1, shendu.tensor(0), value=2.0).item() == 2.0
    with pytest.raises(shendu.DimError, match=r"^scatter_add: dim 1 is out of range for a 0-d tensor"):
        shendu.scatter_add(x, 1, shendu.tensor(0), shendu.tensor(1.0))


@pytest.mark.parametrize("target", [math.nan, 1.5, -0.5])
def test_binary_cross_entropy_refuses_a_target_outside_0_1(target: float) -> None:
    with pytest.raises(ValueError, match=r"^binary_cross_entropy: all elements of target should be between 0 and 1"):
        shendu.nn.functional.binary_cross_entropy(shendu.tensor([0.5]), shendu.tensor([target]))


@pytest.mark.parametrize("arg", ["div_factor", "final_div_factor"])
def test_one_cycle_refuses_a_zero_divisor(arg: str) -> None:
    opt = shendu.optim.SGD([shendu.nn.Parameter(shendu.zeros(2))], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=rf"^OneCycleLR: {arg} must not be 0"):
        shendu_sched.OneCycleLR(opt, 0.1, total_steps=10, **{arg: 0.0})


def test_constant_lr_with_a_zero_factor_restores_the_base_rate() -> None:
    opt = shendu.optim.SGD([shendu.nn.Parameter(shendu.zeros(2))], lr=0.1)
    scheduler = shendu_sched.ConstantLR(opt, factor=0.0, total_iters=2)
    seen = [opt.param_groups[0]["lr"]]
    for _ in range(3):
        opt.step()
        scheduler.step()
        seen.append(opt.param_groups[0]["lr"])
    assert seen == [0.0, 0.0, 0.1, 0.1]


def test_clamp_refuses_a_bound_that_overflows_the_dtype() -> None:
    with pytest.raises(ValueError, match=r"^clamp: max 1e\+38 cannot be converted to float16 without overflow"):
        shendu.clamp(shendu.tensor([1.0], dtype=shendu.float16), max=1e38)
    with pytest.raises(ValueError, match=r"^clamp: max 300 cannot be converted to uint8"):
        shendu.clamp(shendu.tensor([1], dtype=shendu.uint8), max=300)
    assert shendu.clamp(shendu.tensor([1], dtype=shendu.uint8), min=-1).tolist() == [255]  # as torch wraps it


def test_tensor_refuses_floats_that_overflow_an_integer_dtype() -> None:
    with pytest.raises(ValueError, match=r"^as_tensor: the value nan cannot be converted to int64 without overflow"):
        shendu.as_tensor([1, 2.5, True, math.nan], dtype=shendu.int64)
    with pytest.raises(ValueError, match=r"^tensor: the value 300.0 cannot be converted to uint8"):
        shendu.tensor([300.0], dtype=shendu.uint8)
    assert shendu.tensor([2.7, -1.5], dtype=shendu.int32).tolist() == [2, -1]
    with pytest.raises(ValueError, match=r"^tensor: the value 9.223372036854776e\+18 cannot be converted to int64"):
        shendu.tensor([2.0**63], dtype=shendu.int64)


def test_index_select_from_a_0d_tensor_takes_exactly_one_index() -> None:
    x = shendu.tensor(0.5)
    assert shendu.index_select(x, 0, shendu.tensor([0])).shape == ()
    with pytest.raises(
        shendu.ShapeError, match=r"^index_select: the index into a 0-d tensor must hold one value, got 0"
    ):
        shendu.index_select(x, 0, shendu.tensor([], dtype=shendu.int64))


@pytest.mark.parametrize("op", ["isclose", "allclose"])
def test_isclose_refuses_nan_tolerances(op: str) -> None:
    a = shendu.ones(2)
    with pytest.raises(ValueError, match=rf"^{op}: rtol must be >= 0, got nan"):
        getattr(shendu, op)(a, a, rtol=math.nan)
    with pytest.raises(ValueError, match=rf"^{op}: atol must be >= 0, got nan"):
        getattr(shendu, op)(a, a, atol=math.nan)


def test_bernoulli_with_p_takes_an_integer_tensor_for_its_shape() -> None:
    out = shendu.bernoulli(shendu.tensor([2, 3]), p=1.0)
    assert out.dtype is shendu.int64 and out.tolist() == [1, 1]
    with pytest.raises(shendu.DtypeError, match=r"^bernoulli: expected a floating-point tensor of probabilities"):
        shendu.bernoulli(shendu.tensor([1, 0]))


def test_tensor_takes_ints_beyond_int64_for_a_float_or_bool_dtype() -> None:
    assert shendu.tensor([2**64, 1], dtype=shendu.float32).tolist() == [2.0**64, 1.0]
    assert shendu.as_tensor(2**70, dtype=shendu.float64).item() == 2.0**70
    assert shendu.tensor([2**64, 0], dtype=shendu.bool).tolist() == [True, False]
    with pytest.raises(ValueError, match=r"^tensor: the integer 18446744073709551616 does not fit in int64"):
        shendu.tensor([2**64, 1])


def test_bitwise_ops_wrap_int_scalars_as_torch_does() -> None:
    small = shendu.tensor([3], dtype=shendu.uint8)
    assert shendu.bitwise_or(small, -1).tolist() == [255]
    assert shendu.bitwise_and(shendu.tensor([2], dtype=shendu.int32), 2**63 - 1).tolist() == [2]


def test_adaptive_max_pool2d_to_an_empty_output_has_a_zero_gradient() -> None:
    x = shendu.ones(2, 3, 3, requires_grad=True)
    shendu.nn.functional.adaptive_max_pool2d(x, 0).sum().backward()
    assert x.grad.shape == (2, 3, 3) and not x.grad.any().item()


@pytest.mark.parametrize("factor", [math.nan, math.inf, (2.0, math.nan)])
def test_interpolate_refuses_a_non_finite_scale_factor(factor: Any) -> None:
    with pytest.raises(ValueError, match=r"^interpolate: scale_factor must be finite numbers"):
        shendu.nn.functional.interpolate(shendu.ones(1, 1, 2, 2), scale_factor=factor)


def test_scatter_converts_its_value_as_torch_does() -> None:
    ints, index = shendu.tensor([1, 2]), shendu.tensor([0])
    with pytest.raises(ValueError, match=r"^scatter: value nan cannot be converted to int64 without overflow"):
        shendu.scatter(ints, 0, index, value=math.nan)
    empty = shendu.zeros(0, dtype=shendu.int64)
    assert shendu.scatter(empty, 0, empty, value=math.nan).shape == (0,)


def test_prelu_reads_an_input_of_fewer_than_2_dims_as_one_channel() -> None:
    with pytest.raises(shendu.ShapeError, match=r"^prelu: weight has 2 slopes but the input has 1 channels"):
        shendu.nn.functional.prelu(shendu.ones(2), shendu.ones(2))
    with pytest.raises(shendu.ShapeError, match=r"^PReLU: expected input with 3 channels \(one slope each\), got 1"):
        shendu.nn.PReLU(3)(shendu.ones(3))


@pytest.mark.parametrize("power", [-1.0, math.nan])
def test_polynomial_lr_refuses_a_power_that_would_divide_by_zero(power: float) -> None:
    opt = shendu.optim.SGD([shendu.nn.Parameter(shendu.zeros(2))], lr=0.1)
    with pytest.raises(ValueError, match=r"^PolynomialLR: power must be a number >= 0"):
        shendu_sched.PolynomialLR(opt, total_iters=1, power=power)


def test_pad_converts_its_value_as_torch_does() -> None:
    with pytest.raises(ValueError, match=r"^pad: value nan cannot be converted to int64 without overflow"):
        shendu.nn.functional.pad(shendu.zeros(0, dtype=shendu.int64), (0, 1), value=math.nan)
    with pytest.raises(ValueError, match=r"^pad: value -1.0 cannot be converted to uint8 without overflow"):
        shendu.nn.functional.pad(shendu.tensor([1], dtype=shendu.uint8), (1, 0), value=-1)
    assert shendu.nn.functional.pad(shendu.tensor([1]), (1, 0), value=2.7).tolist() == [2, 1]
    with pytest.raises(TypeError, match=r"^pad: value must be a number, got str"):
        shendu.nn.functional.pad(shendu.ones(1), (1, 0), value="0")


def test_number_operands_that_overflow_the_dtype_name_the_op() -> None:
    small = shendu.tensor(2, dtype=shendu.int32)
    with pytest.raises(ValueError, match=r"^where: other 9223372036854775807 cannot be converted to int32"):
        shendu.where(shendu.tensor(False), small, 2**63 - 1)
    with pytest.raises(ValueError, match=r"^minimum: other 9223372036854775807 cannot be converted to int32"):
        shendu.minimum(small, 2**63 - 1)
    assert shendu.where(shendu.tensor([True, False]), shendu.tensor([1, 2]), 5).tolist() == [1, 5]


def test_repeat_interleave_beyond_memory_is_a_shendu_error() -> None:
    with pytest.raises(shendu.OutOfMemoryError, match=r"^repeat_interleave: "):
        shendu.repeat_interleave(shendu.tensor([2**63 - 2]))
    with pytest.raises(shendu.OutOfMemoryError, match=r"^repeat_interleave: "):
        shendu.repeat_interleave(shendu.ones(2), shendu.tensor([2**62, 2**62]))


def test_rnn_cell_base_checks_num_chunks() -> None:
    with pytest.raises(ValueError, match=r"^RNNCellBase: num_chunks must be a positive int, got -1"):
        shendu.nn.RNNCellBase(1, 1, True, -1)


def test_embedding_backward_with_empty_rows() -> None:
    weight = shendu.zeros(1, 0, requires_grad=True)
    shendu.nn.functional.embedding(shendu.tensor(0), weight).sum().backward()
    assert weight.grad.shape == (1, 0)


@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell"])
def test_a_recurrent_cell_takes_an_empty_batch(cell: str) -> None:
    check(lambda m, x: getattr(m.nn, cell)(1, 2)(x), (0, 1), grad=False, dtypes=("float32",))


def test_recurrent_layers_need_input_features() -> None:
    with pytest.raises(ValueError, match=r"^LSTM: input_size must be a positive int, got 0"):
        shendu.nn.LSTM(0, 1)
