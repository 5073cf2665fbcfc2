from __future__ import annotations

import numpy as np
import pytest

import shendu


def test_device_parsing_and_equality() -> None:
    assert shendu.device("cpu") == "cpu"
    assert shendu.device("cuda:1").index == 1
    assert shendu.device("cuda") == shendu.device("cuda:0")
    assert repr(shendu.device("cuda", 2)) == "device(type='cuda', index=2)"
    assert str(shendu.device("cpu")) == "cpu"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("tpu", r"unknown device type 'tpu'; expected 'cpu', 'cuda' or 'cuda:N'"),
        ("cuda:x", r"bad device index in 'cuda:x'"),
        ("cpu:1", r"the CPU has no index 1"),
    ],
)
def test_bad_device_strings(name: str, message: str) -> None:
    with pytest.raises(shendu.DeviceError, match=message):
        shendu.device(name)


def test_unknown_device_in_to_names_the_op() -> None:
    with pytest.raises(shendu.DeviceError, match=r"to: unknown device type 'tpu'"):
        shendu.ones(2).to("tpu")


@pytest.mark.skipif(shendu.cuda.is_available(), reason="checks the error raised where no GPU is usable")
def test_cuda_without_cupy_says_how_to_install() -> None:
    assert shendu.cuda.device_count() == 0
    with pytest.raises(shendu.DeviceError, match=r"to: CUDA was requested but .*install CuPy"):
        shendu.ones(2).cuda()
    with pytest.raises(shendu.DeviceError, match=r"zeros: CUDA was requested"):
        shendu.zeros(2, device="cuda")


@pytest.mark.skipif(shendu.cuda.is_available(), reason="checks the error raised where no GPU is usable")
def test_cuda_default_device_without_cupy_fails_at_the_factory() -> None:
    with shendu.device("cuda"):
        assert shendu.get_default_device() == "cuda:0"
        with pytest.raises(shendu.DeviceError, match=r"randn: CUDA was requested"):
            shendu.randn(2)
        with pytest.raises(shendu.DeviceError, match=r"ones: CUDA was requested"):
            shendu.ones(2)
        assert shendu.from_numpy(np.zeros(2)).device == "cpu"
    assert shendu.get_default_device() == "cpu"


def test_device_blocks_nest_and_restore_the_default() -> None:
    with shendu.device("cpu") as outer:
        assert outer == "cpu"
        with shendu.device("cuda:1"):
            assert shendu.get_default_device() == "cuda:1"
        assert shendu.get_default_device() == "cpu"
    shendu.set_default_device("cuda")
    try:
        assert shendu.get_default_device() == "cuda:0"
    finally:
        shendu.set_default_device(None)
    assert shendu.get_default_device() == "cpu"
    assert shendu.zeros(1).device == "cpu" and shendu.tensor([1]).device == "cpu"


def test_cpu_tensor_reports_its_device() -> None:
    x = shendu.ones(2)
    assert x.device == shendu.device("cpu")
    assert not x.is_cuda and x.get_device() == -1
    assert x.cpu() is x and x.to("cpu") is x


def test_allocator_tuning_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from shendu import _allocator

    monkeypatch.setenv("SHENDU_TUNE_MALLOC", "0")
    assert _allocator.tune() is False
    monkeypatch.setenv("SHENDU_TUNE_MALLOC", "1")
    assert _allocator.tune() is True


def test_set_num_threads_round_trip() -> None:
    before = shendu.get_num_threads()
    shendu.set_num_threads(1)
    assert shendu.get_num_threads() == 1
    shendu.set_num_threads(before)
    assert shendu.get_num_threads() == before
    with pytest.raises(ValueError, match="set_num_threads: expected a positive int, got 0"):
        shendu.set_num_threads(0)
