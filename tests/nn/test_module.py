from __future__ import annotations

import copy
import pickle
import re
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
import torch

import shendu
from shendu import nn
from tests.helpers import COUNTS


def make_net(lib_nn: Any) -> Any:
    """The same CNN built from torch.nn or shendu.nn."""
    base = torch.nn.Module if lib_nn is torch.nn else nn.Module

    class Net(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.features = lib_nn.Sequential(
                lib_nn.Conv2d(3, 8, 3, padding=1),
                lib_nn.BatchNorm2d(8),
                lib_nn.ReLU(inplace=True),
                lib_nn.MaxPool2d(2),
                lib_nn.Conv2d(8, 16, 3, padding=1, bias=False),
                lib_nn.GroupNorm(4, 16),
                lib_nn.GELU(),
                lib_nn.AdaptiveAvgPool2d(1),
            )
            self.head = lib_nn.ModuleDict(
                {"fc": lib_nn.Linear(16, 10), "norm": lib_nn.LayerNorm(10), "act": lib_nn.PReLU()}
            )
            self.extra = lib_nn.ModuleList([lib_nn.Linear(10, 10), lib_nn.Dropout(0.3)])

        def forward(self, x: Any) -> Any:
            x = self.features(x).flatten(1)
            x = self.head["act"](self.head["norm"](self.head["fc"](x)))
            for layer in self.extra:
                x = layer(x)
            return x

    return Net()


def torch_state_as_numpy(module: torch.nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy() for k, v in module.state_dict().items()}


# ---------------------------------------------------------------------- registration and traversal
class TwoLayer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.scale = nn.Parameter(shendu.ones(3))
        self.register_buffer("count", shendu.zeros(1))
        self.register_buffer("scratch", shendu.zeros(2), persistent=False)
        self.fc2 = nn.Linear(3, 2)

    def forward(self, x: shendu.Tensor) -> shendu.Tensor:
        return self.fc2(self.fc1(x) * self.scale)


def test_registration_through_setattr() -> None:
    m = TwoLayer()
    assert [n for n, _ in m.named_parameters()] == ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in m.named_buffers()] == ["count", "scratch"]
    assert [n for n, _ in m.named_children()] == ["fc1", "fc2"]
    assert [n for n, _ in m.named_modules()] == ["", "fc1", "fc2"]
    assert [n for n, _ in m.named_parameters(recurse=False)] == ["scale"]
    assert next(m.named_parameters(prefix="model"))[0] == "model.scale"
    assert len(list(m.parameters())) == 5 and len(list(m.buffers())) == 2
    assert list(m.state_dict()) == ["scale", "count", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert isinstance(m.scale, nn.Parameter) and isinstance(m.fc1, nn.Linear)
    assert "fc1" in dir(m) and "scale" in dir(m) and "count" in dir(m)


def test_reassignment_and_deletion() -> None:
    m = TwoLayer()
    m.fc1 = nn.Linear(4, 3, bias=False)
    assert [n for n, _ in m.named_parameters()] == ["scale", "fc1.weight", "fc2.weight", "fc2.bias"]
    m.scale = None
    assert "scale" not in dict(m.named_parameters())
    m.count = shendu.ones(1)
    assert m.count.item() == 1.0 and "count" in m.state_dict()
    del m.fc2
    assert [n for n, _ in m.named_children()] == ["fc1"]
    del m.count
    assert "count" not in dict(m.named_buffers())
    m.plain = 3
    assert m.plain == 3
    del m.plain
    with pytest.raises(AttributeError, match="'TwoLayer' object has no attribute 'plain'"):
        _ = m.plain


def test_registration_errors() -> None:
    m = TwoLayer()
    with pytest.raises(TypeError, match=r"TwoLayer: cannot assign a Tensor as parameter 'scale' \(nn.Parameter"):
        m.scale = shendu.ones(3)
    with pytest.raises(TypeError, match="cannot assign a int as child module 'fc1'"):
        m.fc1 = 3
    with pytest.raises(TypeError, match="cannot assign a list as buffer 'count'"):
        m.count = [1.0]
    with pytest.raises(ValueError, match="register_buffer: attribute 'fc1' already exists"):
        m.register_buffer("fc1", shendu.zeros(1))
    with pytest.raises(ValueError, match=r'must not contain "."'):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="register_buffer: cannot assign a float as buffer 'x'"):
        m.register_buffer("x", 1.0)
    with pytest.raises(TypeError, match="add_module: int is not a Module subclass"):
        m.add_module("x", 1)
    with pytest.raises(TypeError, match=r"register_parameter: cannot assign a Tensor as parameter 'w'"):
        m.register_parameter("w", shendu.ones(1))

    class Forgot(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(shendu.ones(1))

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        Forgot()
    with pytest.raises(NotImplementedError, match='Module \\[Module\\] is missing the required "forward"'):
        nn.Module()(1)


def test_shared_modules_and_parameters_are_yielded_once() -> None:
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.modules())) == 3
    assert [n for n, _ in seq.named_modules(remove_duplicate=False)] == ["", "0", "1", "2"]
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_get_submodule_parameter_and_buffer() -> None:
    net = make_net(nn)
    assert net.get_submodule("features.1") is net.features[1]
    assert net.get_submodule("") is net
    assert net.get_parameter("head.fc.weight") is net.head["fc"].weight
    assert net.get_buffer("features.1.running_mean") is net.features[1].running_mean
    with pytest.raises(AttributeError, match="get_submodule: features has no submodule '9'"):
        net.get_submodule("features.9")
    with pytest.raises(AttributeError, match=r"get_parameter: features.0 has no parameter 'gamma'"):
        net.get_parameter("features.0.gamma")
    with pytest.raises(AttributeError, match=r"get_buffer: features.0 has no buffer 'running_mean'"):
        net.get_buffer("features.0.running_mean")


# ---------------------------------------------------------------------- state_dict
@pytest.mark.parametrize(
    "build",
    [
        make_net,
        lambda lib: lib.Sequential(lib.Linear(3, 4), lib.BatchNorm1d(4, affine=False), lib.Linear(4, 2, bias=False)),
        lambda lib: lib.Sequential(
            lib.Conv1d(2, 4, 3), lib.InstanceNorm1d(4, affine=True, track_running_stats=True), lib.Flatten()
        ),
        lambda lib: lib.Sequential(lib.ConvTranspose2d(4, 2, 3), lib.BatchNorm2d(2, track_running_stats=False)),
        lambda lib: lib.Sequential(
            OrderedDict([("embed", lib.Linear(2, 3)), ("block", lib.Sequential(lib.LayerNorm([3], bias=False)))])
        ),
        lambda lib: lib.ModuleList([lib.CrossEntropyLoss(weight=torch.ones(3) if lib is torch.nn else shendu.ones(3))]),
        lambda lib: lib.BCEWithLogitsLoss(pos_weight=torch.ones(2) if lib is torch.nn else shendu.ones(2)),
    ],
)
def test_state_dict_keys_and_shapes_equal_torch(build: Any) -> None:
    t_state = build(torch.nn).state_dict()
    s_state = build(nn).state_dict()
    assert list(s_state) == list(t_state)
    for key in t_state:
        assert tuple(s_state[key].shape) == tuple(t_state[key].shape), key
        assert s_state[key].dtype.name == str(t_state[key].dtype).removeprefix("torch."), key
        assert not s_state[key].requires_grad


def test_loading_a_torch_state_dict_gives_the_same_outputs() -> None:
    torch.manual_seed(0)
    t_net = make_net(torch.nn)
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    t_net.train()
    for _ in range(3):  # give BatchNorm non-trivial running statistics
        t_net(torch.from_numpy(x) * 2 + 1)
    t_net.eval()
    s_net = make_net(nn)
    result = s_net.load_state_dict(torch_state_as_numpy(t_net))
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    s_net.eval()
    want = t_net(torch.from_numpy(x)).detach().numpy()
    got = s_net(shendu.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # shendu tensors load too, and the state_dict round-trips
    other = make_net(nn)
    other.load_state_dict(s_net.state_dict())
    other.eval()
    np.testing.assert_allclose(other(shendu.from_numpy(x)).detach().numpy(), got, rtol=0, atol=0)
    COUNTS["layer cases compared with torch"] += 1


def test_load_state_dict_strict_error_lists_every_problem() -> None:
    net = make_net(nn)
    state = {k: v.numpy() for k, v in net.state_dict().items()}
    del state["features.0.bias"], state["head.fc.weight"]
    state["head.classifier.weight"] = np.zeros((2, 2), np.float32)
    state["features.4.weight"] = np.zeros((16, 8, 5, 5), np.float32)
    before = net.features[1].running_var.numpy().copy()
    state["features.1.running_var"] = np.full(8, 7.0, np.float32)
    with pytest.raises(nn.StateDictError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    assert message.startswith("load_state_dict: the state_dict does not fit Net:")
    assert "missing keys (2): features.0.bias, head.fc.weight" in message
    assert "unexpected keys (1): head.classifier.weight" in message
    assert (
        "shape mismatches (1): features.4.weight: checkpoint shape (16, 8, 5, 5), model shape (16, 8, 3, 3)" in message
    )
    assert isinstance(info.value, RuntimeError)
    # nothing was copied
    np.testing.assert_array_equal(net.features[1].running_var.numpy(), before)


def test_load_state_dict_non_strict() -> None:
    net = TwoLayer()
    state = {k: v.numpy() for k, v in net.state_dict().items()}
    del state["fc2.bias"]
    state["other"] = np.zeros(1, np.float32)
    state["scale"] = np.full(3, 2.0)
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["fc2.bias"] and result.unexpected_keys == ["other"]
    assert net.scale.dtype == shendu.float32 and net.scale.tolist() == [2.0, 2.0, 2.0]
    state["scale"] = np.zeros(4)
    with pytest.raises(nn.StateDictError, match=r"scale: checkpoint shape \(4,\), model shape \(3,\)"):
        net.load_state_dict(state, strict=False)
    with pytest.raises(TypeError, match="load_state_dict: expected a dict, got list"):
        net.load_state_dict([1])
    state["scale"] = "abc"
    with pytest.raises(nn.StateDictError, match=r"scale: the value holds 'abc', not numbers"):
        net.load_state_dict(state, strict=False)


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("5", "holds '5', not numbers"),
        (None, "holds None, not numbers"),
        (object(), "holds <object object at .*>, not numbers"),
        (np.array("x"), "holds 'x', not numbers"),
    ],
)
def test_load_state_dict_checks_every_value_before_copying_any(bad: Any, why: str) -> None:
    net = make_net(nn)
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    state = {k: v.numpy() + 1 for k, v in net.state_dict().items()}
    state["features.1.num_batches_tracked"] = bad  # the right shape (0-d), but not a number
    with pytest.raises(nn.StateDictError) as info:
        net.load_state_dict(state)
    expected = rf"values that are not tensors of numbers \(1\): features\.1\.num_batches_tracked: the value {why}"
    assert re.search(expected, str(info.value))
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[key], err_msg=key)


def test_load_state_dict_assign_replaces_the_tensors() -> None:
    net = TwoLayer()
    state = {k: shendu.tensor(v.numpy() + 1) for k, v in net.state_dict().items()}
    old = net.fc1.weight
    net.load_state_dict(state, assign=True)
    assert net.fc1.weight is not old and isinstance(net.fc1.weight, nn.Parameter)
    assert net.fc1.weight.requires_grad
    np.testing.assert_array_equal(net.fc1.weight.detach().numpy(), state["fc1.weight"].numpy())


def test_state_dict_keep_vars_and_sharing() -> None:
    net = TwoLayer()
    assert net.state_dict(keep_vars=True)["fc1.weight"] is net.fc1.weight
    detached = net.state_dict()["fc1.weight"]
    assert not detached.requires_grad
    assert np.shares_memory(detached.numpy(), net.fc1.weight.detach().numpy())


# ---------------------------------------------------------------------- modes and conversion
def test_train_eval_recurse() -> None:
    net = make_net(nn)
    assert net.training and all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(TypeError, match="train: mode must be a bool, got str 'no'"):
        net.train("no")


def test_to_dtype_keeps_parameter_identity_and_integer_buffers() -> None:
    net = make_net(nn)
    weight = net.features[0].weight
    net(shendu.randn(2, 3, 8, 8)).sum().backward()
    assert net.to(shendu.float64) is net
    assert net.features[0].weight is weight and weight.dtype == shendu.float64
    assert weight.grad.dtype == shendu.float64
    assert net.features[1].running_mean.dtype == shendu.float64
    assert net.features[1].num_batches_tracked.dtype == shendu.int64
    assert all(p.dtype == shendu.float64 for p in net.parameters())
    net.float()
    assert all(p.dtype == shendu.float32 for p in net.parameters())
    net.double()
    net.to(shendu.zeros(1, dtype=shendu.float32))
    assert all(p.dtype == shendu.float32 for p in net.parameters())
    assert net.to("cpu") is net and net.cpu() is net
    assert net.to(device="cpu", dtype=shendu.float64).features[0].weight.dtype == shendu.float64
    with pytest.raises(
        shendu.DtypeError, match=r"Module.to: only floating-point dtypes are accepted, got shendu\.int64"
    ):
        net.to(shendu.int64)
    with pytest.raises(TypeError, match=r"Module.to: unexpected keyword arguments \['colour'\]"):
        net.to(colour="red")


def test_apply_zero_grad_and_requires_grad() -> None:
    net = make_net(nn)
    visited: list[str] = []
    assert net.apply(lambda m: visited.append(type(m).__name__)) is net
    assert visited[-1] == "Net" and visited[0] == "Conv2d"

    def init_linear(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)

    net.apply(init_linear)
    assert not np.any(net.head["fc"].weight.detach().numpy())

    net(shendu.randn(2, 3, 8, 8)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not np.any(p.grad.numpy()) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())
    net.features.requires_grad_()
    assert all(p.requires_grad for p in net.features.parameters())
    assert not net.head["fc"].weight.requires_grad


def test_deepcopy_and_pickle() -> None:
    net = TwoLayer()
    clone = copy.deepcopy(net)
    assert isinstance(clone.fc1.weight, nn.Parameter) and clone.fc1.weight is not net.fc1.weight
    x = shendu.randn(3, 4)
    np.testing.assert_array_equal(clone(x).detach().numpy(), net(x).detach().numpy())
    again = pickle.loads(pickle.dumps(net))
    assert isinstance(again.scale, nn.Parameter) and again.scale.requires_grad
    np.testing.assert_array_equal(again(x).detach().numpy(), net(x).detach().numpy())


# ---------------------------------------------------------------------- Parameter
def test_parameter() -> None:
    data = shendu.ones(2, 3)
    p = nn.Parameter(data)
    assert isinstance(p, nn.Parameter) and isinstance(p, shendu.Tensor)
    assert p.requires_grad and p.is_leaf
    assert np.shares_memory(p.detach().numpy(), data.numpy())
    assert repr(p) == "Parameter containing:\n" + repr(shendu.ones(2, 3, requires_grad=True))
    t_repr = repr(torch.nn.Parameter(torch.ones(2, 3)))
    assert repr(p) == t_repr
    assert not nn.Parameter(data, requires_grad=False).requires_grad
    assert type(p * 2) is shendu.Tensor
    assert nn.Parameter().shape == (0,)
    assert isinstance(nn.Parameter(np.zeros(2)), nn.Parameter)
    assert isinstance(copy.deepcopy(p), nn.Parameter)
    with pytest.raises(shendu.DtypeError, match="only floating-point tensors can require gradients"):
        nn.Parameter(shendu.tensor([1, 2]))


# ---------------------------------------------------------------------- hooks
def test_forward_hooks() -> None:
    lin = nn.Linear(2, 2)
    calls: list[str] = []
    pre = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = lin.register_forward_hook(lambda m, args, out: calls.append("post") or out + 1)
    out = lin(shendu.ones(1, 2))
    np.testing.assert_allclose(out.detach().numpy(), lin.bias.detach().numpy()[None] + 1, rtol=1e-6)
    assert calls == ["post"]
    pre.remove()
    post.remove()
    pre.remove()
    np.testing.assert_allclose(lin(shendu.zeros(1, 2)).detach().numpy(), lin.bias.detach().numpy()[None], rtol=1e-6)
    assert calls == ["post"]


def test_hook_order_prepend_kwargs_and_context_manager() -> None:
    class Scale(nn.Module):
        def forward(self, x: Any, factor: float = 1.0) -> Any:
            return x * factor

    m = Scale()
    order: list[str] = []
    m.register_forward_pre_hook(lambda mod, args: order.append("a"))
    m.register_forward_pre_hook(lambda mod, args: order.append("b"), prepend=True)
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: order.append(f"k{kwargs['factor']}"), with_kwargs=True)
    assert m(shendu.ones(1)).item() == 3.0
    assert order == ["b", "a", "k3.0"]
    with m.register_forward_hook(lambda mod, args, out: out * 10):
        assert m(shendu.ones(1)).item() == 30.0
    assert m(shendu.ones(1)).item() == 3.0
    m.register_forward_pre_hook(lambda mod, args, kwargs: 5, with_kwargs=True)
    with pytest.raises(TypeError, match="Scale: a forward pre-hook registered with with_kwargs=True must return"):
        m(shendu.ones(1))
    with pytest.raises(TypeError, match="register hook: expected a callable, got int"):
        m.register_forward_hook(3)


def test_single_value_from_pre_hook_becomes_the_args() -> None:
    relu = nn.ReLU()
    relu.register_forward_pre_hook(lambda m, args: -args[0])
    assert relu(shendu.tensor([-2.0])).item() == 2.0


# ---------------------------------------------------------------------- repr
REPR_CASES = [
    make_net,
    lambda lib: lib.Sequential(
        lib.Sequential(lib.Linear(2, 3), lib.Sequential(lib.ReLU(), lib.Identity())),
        lib.ModuleList([lib.Linear(3, 3) for _ in range(3)] + [lib.Tanh(), lib.Tanh()]),
        lib.Sequential(),
    ),
    lambda lib: lib.Sequential(
        lib.Conv1d(2, 3, 4, stride=2, padding=1, dilation=2, groups=1, padding_mode="reflect"),
        lib.Conv2d(4, 4, (3, 5), stride=1, padding="same", groups=2, bias=False),
        lib.Conv2d(4, 4, 3, padding="valid"),
        lib.ConvTranspose2d(4, 2, 4, stride=2, padding=1, output_padding=1),
        lib.MaxPool1d(3, stride=1, padding=1, ceil_mode=True),
        lib.MaxPool2d((2, 3), dilation=2),
        lib.AvgPool1d(3, padding=1),
        lib.AvgPool2d(2, stride=1, padding=1, ceil_mode=True),
        lib.AdaptiveAvgPool2d((None, 3)),
        lib.AdaptiveMaxPool2d(2),
        lib.Upsample(scale_factor=2),
        lib.Upsample(size=(4, 4)),
        lib.Flatten(0, 2),
        lib.Unflatten(1, (2, 2)),
        lib.Unflatten(1, [2, 2]),
    ),
    lambda lib: lib.ModuleDict(
        {
            "bn1": lib.BatchNorm1d(4, momentum=None, affine=False),
            "bn2": lib.BatchNorm2d(4, eps=1e-3, track_running_stats=False),
            "ln": lib.LayerNorm((2, 3), elementwise_affine=False),
            "gn": lib.GroupNorm(2, 4, affine=False),
            "in1": lib.InstanceNorm1d(3),
            "in2": lib.InstanceNorm2d(3, affine=True, track_running_stats=True),
            "drop": lib.Dropout(0.25, inplace=True),
            "drop2": lib.Dropout2d(),
        }
    ),
    lambda lib: lib.Sequential(
        lib.ReLU(inplace=True),
        lib.ReLU6(),
        lib.LeakyReLU(0.2, inplace=True),
        lib.PReLU(3, init=0.1),
        lib.ELU(alpha=0.5),
        lib.CELU(),
        lib.SELU(inplace=True),
        lib.GELU(approximate="tanh"),
        lib.SiLU(),
        lib.Mish(),
        lib.Sigmoid(),
        lib.Tanh(),
        lib.LogSigmoid(),
        lib.Hardtanh(-2.0, 2.0),
        lib.Softplus(beta=2, threshold=10),
        lib.Softsign(),
        lib.Softmax(dim=-1),
        lib.LogSoftmax(1),
        lib.Softmin(),
    ),
    lambda lib: lib.ModuleList(
        [
            lib.MSELoss(),
            lib.L1Loss(reduction="sum"),
            lib.SmoothL1Loss(beta=0.5),
            lib.HuberLoss(delta=2.0),
            lib.CrossEntropyLoss(label_smoothing=0.1),
            lib.NLLLoss(),
            lib.BCELoss(),
            lib.BCEWithLogitsLoss(),
            lib.KLDivLoss(reduction="batchmean"),
        ]
    ),
]


@pytest.mark.parametrize("build", REPR_CASES)
def test_repr_equals_torch(build: Any) -> None:
    assert repr(build(nn)) == repr(build(torch.nn))


def test_repr_of_none_child_and_custom_extra_repr() -> None:
    class Custom(nn.Module):
        def extra_repr(self) -> str:
            return "a=1\nb=2"

    class TorchCustom(torch.nn.Module):
        def extra_repr(self) -> str:
            return "a=1\nb=2"

    s, t = nn.Sequential(Custom()), torch.nn.Sequential(TorchCustom())
    s.add_module("gone", None)
    t.add_module("gone", None)
    assert repr(s).replace("Custom", "X") == repr(t).replace("TorchCustom", "X")
