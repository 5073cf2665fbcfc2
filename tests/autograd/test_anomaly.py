from __future__ import annotations

import numpy as np
import pytest

import shendu
from shendu.autograd import AnomalyError, Function, detect_anomaly


def test_off_by_default_and_restored_after_the_context() -> None:
    """Off, Function.apply is the very object it was before: anomaly mode costs nothing per op."""
    plain = Function.__dict__["apply"]
    assert not shendu.autograd.is_anomaly_enabled()
    with detect_anomaly():
        assert shendu.autograd.is_anomaly_enabled()
        assert Function.__dict__["apply"] is not plain
    assert not shendu.autograd.is_anomaly_enabled()
    assert Function.__dict__["apply"] is plain


def test_forward_nan_names_op_shapes_and_user_line() -> None:
    x = shendu.tensor([1.0, 0.0], requires_grad=True)
    with (
        detect_anomaly(),
        pytest.raises(AnomalyError, match=r"Log \(input shapes \(2,\)\), created at .*test_anomaly.py:\d+"),
    ):
        shendu.log(x)


def test_infinite_inputs_do_not_blame_the_op() -> None:
    with detect_anomaly():
        y = shendu.tensor([float("inf"), 1.0]) * 2.0  # a mask-like input: infinities are allowed
    assert np.isinf(y[0].item())


def test_a_nan_in_the_data_names_the_input_not_the_last_layer() -> None:
    model = shendu.nn.Sequential(shendu.nn.Linear(3, 4), shendu.nn.ReLU(), shendu.nn.Linear(4, 2))
    x = shendu.tensor([[1.0, float("nan"), 2.0]])
    expected = (
        r"^anomaly: the input holds NaN before any op ran: input 0 \(shape \(1, 3\)\) of Linear in module 0 "
        r"\(Linear\) .*created at .*test_anomaly.py:\d+ .*no op produced it: it was in the data"
    )
    with detect_anomaly(), pytest.raises(AnomalyError, match=expected):
        model(x).sum().backward()


def test_a_nan_parameter_is_named_as_the_source() -> None:
    layer = shendu.nn.Linear(2, 2)
    with shendu.no_grad():
        layer.weight[0, 0] = float("nan")
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"^anomaly: a parameter holds NaN .*input 1 \(shape"):
        layer(shendu.ones(1, 2))


def test_backward_nan_names_the_op_that_produced_it() -> None:
    x = shendu.tensor([4.0, 0.0], requires_grad=True)
    with detect_anomaly():
        y = shendu.sqrt(x)
        with pytest.raises(AnomalyError, match=r"backward of SqrtBackward .*created at .*test_anomaly.py"):
            y.backward(shendu.ones(2))


def test_decorator_form() -> None:
    @detect_anomaly()
    def bad() -> shendu.Tensor:
        return shendu.log(shendu.zeros(1))

    with pytest.raises(AnomalyError):
        bad()
    assert not shendu.autograd.is_anomaly_enabled()
