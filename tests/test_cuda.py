"""The CuPy backend end to end: models train on the GPU as they do on the CPU.

These run only where CuPy sees a GPU. ``SHENDU_TEST_DEVICE=cuda`` also runs every op and
layer comparison of the suite on the GPU (see tests/helpers.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import shendu
from shendu import nn
from shendu.models import MLP, FashionCNN, LeNet5, RowLSTM

pytestmark = pytest.mark.skipif(not shendu.cuda.is_available(), reason="needs CuPy and a CUDA GPU")


def _train(model: nn.Module, device: str, images: np.ndarray, labels: np.ndarray, steps: int) -> dict[str, np.ndarray]:
    model.to(device)
    optimizer = shendu.optim.Adam(model.parameters(), lr=1e-3)
    x = shendu.from_numpy(images).to(device)
    y = shendu.from_numpy(labels).to(device)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    return {name: value.cpu().numpy() for name, value in model.state_dict().items()}


@pytest.mark.parametrize(
    "make_model",
    [lambda: MLP(784, (64,), 10, dropout=0.2), LeNet5, lambda: FashionCNN(width=8), RowLSTM],
    ids=["mlp", "lenet5", "fashion-cnn", "row-lstm"],
)
def test_training_steps_on_gpu_match_the_cpu(make_model) -> None:
    rng = np.random.default_rng(0)
    images = rng.random((32, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, 32)
    shendu.manual_seed(0)
    on_cpu = make_model()
    on_gpu = make_model()
    on_gpu.load_state_dict(on_cpu.state_dict())
    # Random draws come from the CPU generator on every device, so dropout masks match too.
    shendu.manual_seed(1)
    want = _train(on_cpu, "cpu", images, labels, steps=3)
    shendu.manual_seed(1)
    got = _train(on_gpu, "cuda", images, labels, steps=3)
    for name in want:
        # Adam divides by sqrt(v): where a gradient is near zero, the last-bit differences between GPU
        # and CPU sums move a weight by up to ~1e-4 after three steps of lr 1e-3.
        np.testing.assert_allclose(got[name], want[name], rtol=1e-3, atol=2e-4, err_msg=name)
        assert got[name].dtype == want[name].dtype, name


def test_tensors_move_between_devices_and_keep_dtype() -> None:
    x = shendu.arange(6, dtype=shendu.float32).reshape(2, 3)
    g = x.cuda()
    assert g.is_cuda and g.device == shendu.device("cuda:0") and g.dtype == shendu.float32
    np.testing.assert_array_equal(g.cpu().numpy(), x.numpy())
    assert (g * 2).sum().item() == 30.0


def test_gradients_flow_back_across_a_device_move() -> None:
    x = shendu.ones(3, requires_grad=True)
    (x.cuda() * 3).sum().backward()
    assert not x.grad.is_cuda
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0, 3.0])


def test_mixed_devices_name_both_devices_and_the_fix() -> None:
    message = r"add: expected all tensors on the same device.*cpu.*cuda:0.*to\(device\)"
    with pytest.raises(shendu.DeviceError, match=message):
        shendu.ones(2) + shendu.ones(2, device="cuda")


def test_numpy_of_a_gpu_tensor_says_to_copy_it_first() -> None:
    with pytest.raises(shendu.DeviceError, match=r"cpu\(\)"):
        shendu.ones(2, device="cuda").numpy()


def test_same_seed_gives_the_same_draws_on_every_device() -> None:
    shendu.manual_seed(3)
    on_gpu = shendu.randn(100, device="cuda")
    assert on_gpu.is_cuda
    shendu.manual_seed(3)
    np.testing.assert_array_equal(on_gpu.cpu().numpy(), shendu.randn(100).numpy())


def test_a_gpu_state_dict_saves_and_loads_on_the_cpu(tmp_path) -> None:
    model = FashionCNN(width=4).cuda()
    shendu.save(model.state_dict(), tmp_path / "gpu.safetensors")
    loaded = shendu.load(tmp_path / "gpu.safetensors")
    assert all(not value.is_cuda for value in loaded.values())
    restored = FashionCNN(width=4)
    restored.load_state_dict(loaded)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(restored.state_dict()[name].numpy(), value.cpu().numpy())


def test_cli_trains_on_the_gpu(tmp_path) -> None:
    from shendu.cli import main

    code = main(
        ["train", "--dataset", "digits", "--model", "mlp", "--epochs", "2", "--device", "cuda", "--out", str(tmp_path)]
    )
    assert code == 0
    assert (tmp_path / "mlp-digits" / "last.ckpt").exists()


def test_factories_follow_the_default_device() -> None:
    with shendu.device("cuda"):
        assert shendu.zeros(2).is_cuda and shendu.randn(2).is_cuda and shendu.tensor([1, 2]).is_cuda
        assert not shendu.from_numpy(np.zeros(2)).is_cuda
    assert not shendu.zeros(2).is_cuda


def test_a_zero_dim_cpu_tensor_joins_a_gpu_op_like_a_scalar() -> None:
    scale = shendu.tensor(3.0, requires_grad=True)
    x = shendu.ones(2, device="cuda")
    out = (x * scale).sum()
    assert out.is_cuda and out.item() == 6.0
    out.backward()
    assert not scale.grad.is_cuda and scale.grad.item() == 2.0


def test_in_place_ops_on_the_gpu_and_the_expanded_view_guard() -> None:
    x = shendu.zeros(3, device="cuda")
    x.add_(2)
    x[1] = 5.0
    np.testing.assert_array_equal(x.cpu().numpy(), [2.0, 5.0, 2.0])
    with pytest.raises(shendu.GraphError, match=r"add_: this tensor is a read-only view.*clone\(\)"):
        shendu.ones(1, device="cuda").expand(3).add_(1)
