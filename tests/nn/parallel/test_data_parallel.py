"""``nn.DataParallel`` and ``nn.parallel.data_parallel`` behave as PyTorch's on a machine without several GPUs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import shendu
from shendu import nn
from tests.helpers import COUNTS

HAS_GPU = shendu.cuda.is_available()


def _pair() -> tuple[torch.nn.Module, nn.Module]:
    t = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    s = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    s.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    return t, s


def test_the_wrapper_calls_the_module_and_prefixes_the_state_dict() -> None:
    t_model, s_model = _pair()
    t_dp, s_dp = torch.nn.DataParallel(t_model), nn.DataParallel(s_model)
    assert s_dp.module is s_model
    assert (
        list(s_dp.state_dict())
        == list(t_dp.state_dict())
        == ["module.0.weight", "module.0.bias", "module.2.weight", "module.2.bias"]
    )
    assert repr(s_dp) == repr(t_dp)
    if not HAS_GPU:
        assert s_dp.device_ids == t_dp.device_ids == []
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    t_out, s_out = t_dp(torch.from_numpy(x)), s_dp(shendu.from_numpy(x).to("cuda" if HAS_GPU else "cpu"))
    np.testing.assert_allclose(s_out.detach().cpu().numpy(), t_out.detach().numpy(), rtol=1e-5, atol=1e-6)
    t_out.sum().backward()
    s_out.sum().backward()
    for (name, tp), sp in zip(t_dp.named_parameters(), s_dp.parameters()):
        np.testing.assert_allclose(sp.grad.cpu().numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    COUNTS["layer cases compared with torch"] += 1


def test_a_wrapped_checkpoint_loads_into_a_wrapper_and_unwrapped_into_the_module() -> None:
    _, s_model = _pair()
    wrapped = nn.DataParallel(s_model)
    fresh = nn.DataParallel(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)))
    fresh.load_state_dict(wrapped.state_dict())
    plain = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    plain.load_state_dict(wrapped.module.state_dict())
    for a, b in zip(fresh.parameters(), plain.parameters()):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())


def test_keyword_arguments_reach_the_module() -> None:
    class Scaled(nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale

    assert nn.DataParallel(Scaled())(shendu.ones(2), scale=3.0).tolist() == [3.0, 3.0]
    out = nn.parallel.data_parallel(Scaled(), (shendu.ones(2),), module_kwargs={"scale": 2.0})
    assert out.tolist() == [2.0, 2.0]


def test_functional_form_runs_the_module() -> None:
    _, s_model = _pair()
    x = shendu.ones(2, 4)
    assert np.array_equal(nn.parallel.data_parallel(s_model, x).detach().numpy(), s_model(x).detach().numpy())


def test_errors() -> None:
    with pytest.raises(TypeError, match="DataParallel: expected a Module to wrap, got function"):
        nn.DataParallel(lambda x: x)


@pytest.mark.skipif(not HAS_GPU, reason="needs CuPy and a CUDA GPU")
def test_on_a_gpu_inputs_move_to_the_first_device() -> None:
    model = nn.DataParallel(nn.Linear(4, 2).to("cuda"))
    assert model.device_ids == list(range(shendu.cuda.device_count()))
    out = model(shendu.ones(3, 4))
    assert out.device == shendu.device("cuda:0")
    on_cpu = nn.DataParallel(nn.Linear(4, 2).to("cuda"), output_device=-1)
    assert on_cpu(shendu.ones(3, 4)).device.type == "cpu"
    with pytest.raises(
        shendu.DeviceError, match=r"DataParallel: the module must have its parameters and buffers on cuda:0"
    ):
        nn.DataParallel(nn.Linear(4, 2))(shendu.ones(3, 4))
