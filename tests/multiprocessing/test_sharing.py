"""Shared-memory tensors: several processes update the same parameters in place (Hogwild)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import shendu
import shendu.multiprocessing as mp
from shendu import nn
from tests.multiprocessing import workers


def _model() -> nn.Module:
    shendu.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))


def _arrays(model: nn.Module) -> list[np.ndarray]:
    return [p.detach().numpy().copy() for p in model.parameters()]


def test_share_memory_keeps_the_tensor_and_its_values() -> None:
    x = shendu.arange(6.0).view(2, 3)
    before = x.numpy().copy()
    assert not x.is_shared()
    assert x.share_memory_() is x and x.is_shared()
    assert np.array_equal(x.numpy(), before) and x.dtype == shendu.float32
    assert x[1].is_shared() and x.t().is_shared()
    assert x.share_memory_() is x
    assert not x.clone().is_shared()
    assert shendu.zeros(0, 3).share_memory_().is_shared()
    model = _model()
    params = list(model.parameters())
    assert model.share_memory() is model
    assert list(model.parameters()) == params and all(p.is_shared() for p in params)
    bn = nn.BatchNorm1d(3).share_memory()
    assert all(b.is_shared() for b in bn.buffers())


def test_forked_processes_update_the_shared_parameters_in_turn() -> None:
    context = mp.get_context("fork")
    model = _model().share_memory()
    expected = copy.deepcopy(model)
    workers.train_steps(expected, 5, offset=0)
    workers.train_steps(expected, 5, offset=5)
    for offset in (0, 5):
        process = context.Process(target=workers.train_steps, args=(model, 5, offset))
        process.start()
        process.join()
        assert process.exitcode == 0
    # The parent did no training: what it sees is the two children's steps, one after the other.
    for got, want in zip(_arrays(model), _arrays(expected)):
        np.testing.assert_array_equal(got, want)


def test_hogwild_processes_train_the_shared_model_together() -> None:
    context = mp.get_context("fork")
    model = _model().share_memory()
    start, loss_before = _arrays(model), workers.loss_of(model)
    processes = [context.Process(target=workers.train_steps, args=(model, 30, rank)) for rank in range(2)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
        assert p.exitcode == 0
    assert all(not np.array_equal(a, b) for a, b in zip(_arrays(model), start))
    assert workers.loss_of(model) < 0.5 * loss_before


def test_spawned_processes_receive_shared_tensors_not_copies() -> None:
    context = mp.get_context("spawn")
    t = shendu.zeros(3).share_memory_()
    p = nn.Parameter(shendu.ones(2)).share_memory_()
    for target, arg in ((workers.add_one, t[1:]), (workers.check_parameter_arrives_shared, p)):
        process = context.Process(target=target, args=(arg,))
        process.start()
        process.join()
        assert process.exitcode == 0
    assert t.tolist() == [0.0, 1.0, 1.0] and p.tolist() == [2.0, 2.0]
    q = context.Queue()
    q.put(t)
    received = q.get(timeout=30)
    received.fill_(7.0)
    assert t.tolist() == [7.0, 7.0, 7.0]


def test_unshared_tensors_travel_by_value() -> None:
    context = mp.get_context("spawn")
    t = shendu.zeros(2)
    process = context.Process(target=workers.add_one, args=(t,))
    process.start()
    process.join()
    assert process.exitcode == 0 and t.tolist() == [0.0, 0.0]


def test_sharing_strategies() -> None:
    assert mp.get_sharing_strategy() == "file_descriptor"
    assert mp.get_all_sharing_strategies() == {"file_descriptor", "file_system"}
    mp.set_sharing_strategy("file_system")
    assert mp.get_sharing_strategy() == "file_descriptor"
    with pytest.raises(ValueError, match=r"set_sharing_strategy: expected one of .* got 'shm'"):
        mp.set_sharing_strategy("shm")
    assert mp.Process is __import__("multiprocessing").Process


@pytest.mark.skipif(not shendu.cuda.is_available(), reason="needs CuPy and a CUDA GPU")
def test_gpu_tensors_cannot_be_shared() -> None:
    with pytest.raises(shendu.DeviceError, match="share_memory_: the tensor is on cuda:0; only CPU tensors"):
        shendu.zeros(2, device="cuda").share_memory_()
