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


def test_nonfinite_inputs_do_not_blame_the_op() -> None:
    with detect_anomaly():
        y = shendu.tensor([float("nan")]) * 2.0
    assert np.isnan(y.item())


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
