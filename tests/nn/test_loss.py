from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import shendu
from shendu import nn
from tests.helpers import check
from tests.nn.helpers import check_module

RNG = np.random.default_rng(0)
INDICES = RNG.integers(0, 5, size=6)
INDICES_IGNORED = np.array([1, -100, 4, 0, -100, 2])
INDICES_2D = RNG.integers(0, 4, size=(2, 3, 5))
PROBS = RNG.dirichlet(np.ones(5), size=6)
UNIT = RNG.uniform(0.05, 0.95, size=(4, 3))
BINARY = (RNG.uniform(size=(4, 3)) > 0.5).astype(np.float64)


def loss_pair(cls: str, **kwargs: Any) -> tuple[Any, Any]:
    """The torch loss and a factory for shendu's, converting tensor keyword arguments."""
    t_kwargs = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    s_kwargs = {k: shendu.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    return getattr(torch.nn, cls)(**t_kwargs), lambda: getattr(nn, cls)(**s_kwargs)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        ("MSELoss", {}),
        ("L1Loss", {}),
        ("SmoothL1Loss", {}),
        ("SmoothL1Loss", {"beta": 0.5}),
        ("HuberLoss", {}),
        ("HuberLoss", {"delta": 0.3}),
    ],
)
def test_regression_losses(cls: str, kwargs: dict[str, Any], reduction: str) -> None:
    check_module(*loss_pair(cls, reduction=reduction, **kwargs), (4, 3), (4, 3))


@pytest.mark.filterwarnings("ignore:size_average and reduce args")
def test_legacy_reduction_arguments() -> None:
    check_module(torch.nn.MSELoss(size_average=False), lambda: nn.MSELoss(size_average=False), (3, 2), (3, 2))
    check_module(torch.nn.L1Loss(reduce=False), lambda: nn.L1Loss(reduce=False), (3, 2), (3, 2))


@pytest.mark.parametrize(
    ("kwargs", "inputs"),
    [
        ({}, ((6, 5), INDICES)),
        ({"reduction": "sum"}, ((6, 5), INDICES)),
        ({"reduction": "none"}, ((6, 5), INDICES)),
        ({"weight": RNG.uniform(0.5, 2, 5)}, ((6, 5), INDICES)),
        ({"ignore_index": -100}, ((6, 5), INDICES_IGNORED)),
        ({"ignore_index": 2, "weight": RNG.uniform(0.5, 2, 5)}, ((6, 5), INDICES)),
        ({"label_smoothing": 0.1}, ((6, 5), INDICES)),
        ({"label_smoothing": 0.2, "weight": RNG.uniform(0.5, 2, 5), "reduction": "sum"}, ((6, 5), INDICES)),
        ({}, ((6, 5), PROBS)),
        ({"label_smoothing": 0.1, "reduction": "none"}, ((6, 5), PROBS)),
        ({}, ((2, 4, 3, 5), INDICES_2D)),
        ({"reduction": "none", "weight": RNG.uniform(0.5, 2, 4)}, ((2, 4, 3, 5), INDICES_2D)),
        ({}, ((5,), np.array(3))),
    ],
)
def test_cross_entropy(kwargs: dict[str, Any], inputs: tuple[Any, ...]) -> None:
    check_module(*loss_pair("CrossEntropyLoss", **kwargs), *inputs)


@pytest.mark.parametrize(
    ("kwargs", "inputs"),
    [
        ({}, ((6, 5), INDICES)),
        ({"weight": RNG.uniform(0.5, 2, 5), "reduction": "sum"}, ((6, 5), INDICES)),
        ({"reduction": "none"}, ((6, 5), INDICES_IGNORED)),
        ({}, ((2, 4, 3, 5), INDICES_2D)),
    ],
)
def test_nll_loss(kwargs: dict[str, Any], inputs: tuple[Any, ...]) -> None:
    check_module(*loss_pair("NLLLoss", **kwargs), *inputs)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_loss(reduction: str) -> None:
    check_module(*loss_pair("BCELoss", reduction=reduction), (4, 3), UNIT, low=0.05, high=0.95)
    check_module(
        *loss_pair("BCELoss", weight=RNG.uniform(0, 2, 3), reduction=reduction), (4, 3), BINARY, low=0.05, high=0.95
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"reduction": "sum"},
        {"reduction": "none"},
        {"pos_weight": RNG.uniform(0.5, 3, 3)},
        {"weight": RNG.uniform(0, 2, (4, 1)), "pos_weight": RNG.uniform(0.5, 3, 3), "reduction": "sum"},
    ],
)
def test_bce_with_logits_loss(kwargs: dict[str, Any]) -> None:
    check_module(*loss_pair("BCEWithLogitsLoss", **kwargs), (4, 3), UNIT)


@pytest.mark.filterwarnings("ignore:.*'mean' divides")
@pytest.mark.parametrize(
    "kwargs", [{}, {"reduction": "batchmean"}, {"reduction": "sum"}, {"reduction": "none"}, {"log_target": True}]
)
def test_kl_div_loss(kwargs: dict[str, Any]) -> None:
    target = np.log(PROBS) if kwargs.get("log_target") else PROBS
    check_module(*loss_pair("KLDivLoss", **kwargs), (6, 5), target)


def test_extreme_logits_are_stable_and_match_torch() -> None:
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0], [3.0, 1e4, -1e4]])
    check(lambda m, x: m.nn.CrossEntropyLoss()(x, m.tensor([1, 0, 2])), logits)
    check(lambda m, x: m.nn.CrossEntropyLoss(label_smoothing=0.1)(x, m.tensor([1, 0, 2])), logits)
    extreme = np.array([[100.0, -100.0], [-100.0, 100.0]])
    check(lambda m, x: m.nn.BCEWithLogitsLoss()(x, m.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=x.dtype)), extreme)
    check(
        lambda m, x: m.nn.BCEWithLogitsLoss(pos_weight=m.tensor([2.0, 3.0], dtype=x.dtype))(
            x, m.tensor([[0.0, 1.0], [1.0, 1.0]], dtype=x.dtype)
        ),
        extreme,
    )
    x = shendu.tensor([[1e4, -1e4]], requires_grad=True)
    loss = nn.CrossEntropyLoss()(x, shendu.tensor([1]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(x.grad.numpy()))


def test_bad_targets_raise_clear_errors() -> None:
    ce = nn.CrossEntropyLoss()
    logits = shendu.randn(3, 4)
    with pytest.raises(
        shendu.ShapeError,
        match=r"^CrossEntropyLoss: cross_entropy: target contains class index 5 but the input has 4 classes",
    ):
        ce(logits, shendu.tensor([0, 5, 1]))
    with pytest.raises(
        shendu.ShapeError,
        match=r"CrossEntropyLoss: cross_entropy: expected class indices .* got a float32 tensor of shape \(3,\)",
    ):
        ce(logits, shendu.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(shendu.ShapeError, match=r"^MSELoss: mse_loss: .*\(3, 4\) and \(3, 5\)"):
        nn.MSELoss()(logits, shendu.randn(3, 5))
    with pytest.raises(shendu.ShapeError, match=r"^NLLLoss: nll_loss: target contains class index -3"):
        nn.NLLLoss()(logits, shendu.tensor([0, -3, 1]))


def test_constructor_errors_and_buffers() -> None:
    with pytest.raises(ValueError, match="MSELoss: reduction must be 'none', 'mean' or 'sum', got 'avg'"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="KLDivLoss: reduction must be 'none', 'mean', 'sum' or 'batchmean'"):
        nn.KLDivLoss(reduction="avg")
    with pytest.raises(ValueError, match=r"CrossEntropyLoss: label_smoothing must be between 0 and 1, got 1.5"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(TypeError, match="CrossEntropyLoss: expected weight to be a Tensor or None, got list"):
        nn.CrossEntropyLoss(weight=[1.0, 2.0])
    with pytest.raises(TypeError, match="BCEWithLogitsLoss: expected pos_weight to be a Tensor or None, got float"):
        nn.BCEWithLogitsLoss(pos_weight=2.0)
    loss = nn.CrossEntropyLoss(weight=shendu.ones(3))
    assert list(loss.state_dict()) == ["weight"]
    assert loss.to(shendu.float64).weight.dtype == shendu.float64
