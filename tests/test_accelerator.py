"""``shendu.accelerator`` answers as PyTorch does on a machine without an accelerator, and truthfully with a GPU."""

from __future__ import annotations

import pytest
import torch

import shendu

HAS_GPU = shendu.cuda.is_available()


@pytest.mark.skipif(HAS_GPU, reason="compares with PyTorch's CPU build, which sees no accelerator")
def test_without_an_accelerator_the_answers_match_pytorch() -> None:
    assert shendu.accelerator.is_available() is torch.accelerator.is_available() is False
    assert shendu.accelerator.current_accelerator() is torch.accelerator.current_accelerator() is None
    assert shendu.accelerator.current_accelerator(check_available=True) is None
    assert shendu.accelerator.device_count() == torch.accelerator.device_count() == 0
    for call in (
        lambda m: m.accelerator.current_device_index(),
        lambda m: m.accelerator.set_device_index(0),
        lambda m: m.accelerator.synchronize(),
    ):
        with pytest.raises(RuntimeError):
            call(torch)
        with pytest.raises(shendu.DeviceError, match=r"accelerator\.\w+: no accelerator is available \("):
            call(shendu)


def test_the_usual_device_choice_runs() -> None:
    device = shendu.accelerator.current_accelerator() if shendu.accelerator.is_available() else shendu.device("cpu")
    assert shendu.zeros(2, device=device).device.type == ("cuda" if HAS_GPU else "cpu")


@pytest.mark.skipif(not HAS_GPU, reason="needs CuPy and a CUDA GPU")
def test_with_a_gpu_the_answers_are_cupys() -> None:
    assert shendu.accelerator.is_available()
    assert shendu.accelerator.current_accelerator() == shendu.device("cuda")
    assert shendu.accelerator.device_count() == shendu.cuda.device_count() >= 1
    shendu.accelerator.set_device_index(0)
    assert shendu.accelerator.current_device_index() == 0
    shendu.ones(3, device="cuda").sum()
    shendu.accelerator.synchronize()
    with pytest.raises(shendu.DeviceError, match=r"set_device_index: cuda:99 was requested but \d+ GPU"):
        shendu.accelerator.set_device_index(99)


def test_device_queries_on_tensors() -> None:
    for lib in (torch, shendu):
        x = lib.zeros(2)
        assert (x.is_cpu, x.is_cuda, x.is_mps, x.is_xpu, x.is_sparse) == (True, False, False, False, False)
    if HAS_GPU:
        g = shendu.zeros(2, device="cuda")
        assert (g.is_cpu, g.is_cuda, g.is_mps, g.is_xpu) == (False, True, False, False)
