from __future__ import annotations

import copy
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

import shendu


def test_attributes() -> None:
    x = shendu.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and isinstance(x.shape, shendu.Size)
    assert repr(x.shape) == "shendu.Size([2, 3, 4])"
    assert x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    assert x.ndim == 3 and x.dim() == 3 and x.numel() == 24 and x.shape.numel() == 24
    assert x.dtype == shendu.float32 and x.element_size() == 4
    assert x.is_leaf and x.grad is None and x.grad_fn is None and not x.requires_grad


def test_size_with_bad_dim() -> None:
    with pytest.raises(shendu.ShapeError, match=r"size: dim 3 is out of range for a 2-d tensor"):
        shendu.zeros(2, 3).size(3)


def test_numpy_shares_memory_and_refuses_graph_tensors() -> None:
    x = shendu.zeros(3)
    x.numpy()[0] = 5
    assert x.tolist()[0] == 5
    with pytest.raises(shendu.GraphError, match=r"numpy: cannot convert a tensor that requires grad.*detach"):
        shendu.zeros(3, requires_grad=True).numpy()


def test_item_and_tolist() -> None:
    assert shendu.tensor([2.5]).item() == 2.5
    assert shendu.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    with pytest.raises(shendu.ShapeError, match=r"item: only a tensor with one element .* shape \(2,\)"):
        shendu.ones(2).item()


def test_conversions() -> None:
    x = shendu.tensor([1.7, -2.2])
    assert x.double().dtype == shendu.float64
    assert x.long().tolist() == [1, -2]
    assert x.int().dtype == shendu.int32
    assert x.bool().tolist() == [True, True]
    assert x.half().dtype == shendu.float16
    assert x.to(shendu.float32) is x
    assert x.to(dtype=shendu.float64).dtype == shendu.float64
    assert x.to(shendu.ones(1, dtype=shendu.int64)).dtype == shendu.int64
    assert x.type() == "shendu.FloatTensor"


def test_cast_is_differentiable() -> None:
    x = shendu.ones(2, requires_grad=True)
    y = x.double() * 3.0
    y.backward(shendu.ones(2, dtype=shendu.float64))
    assert x.grad.dtype == shendu.float32
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_detach_shares_data_and_clone_copies() -> None:
    x = shendu.ones(3, requires_grad=True)
    d = x.detach()
    assert d._array is x._array and not d.requires_grad
    c = x.clone()
    assert c._array is not x._array and c.grad_fn is not None
    c.backward(shendu.ones(3))
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 1.0])


@pytest.mark.parametrize("lib", ["torch", "shendu"])
def test_data_is_a_detached_tensor_sharing_memory(lib: str) -> None:
    # The same program under both frameworks: `.data` idioms that real training code uses.
    import torch

    t = torch if lib == "torch" else shendu
    w = t.ones(3, requires_grad=True)
    d = w.data
    assert isinstance(d, t.Tensor) and not d.requires_grad and d.grad_fn is None
    before = w._version
    w.data.add_(1.0)
    w.data.mul_(2.0)
    assert w._version == before, "changes through .data are not seen by the version counter"
    assert w.tolist() == [4.0, 4.0, 4.0]
    w.data = t.zeros(2)
    assert w.shape == (2,) and w.requires_grad
    m = t.nn.Linear(2, 2)
    m.bias.data.fill_(0)
    m.weight.data.copy_(t.eye(2))
    x = t.tensor([[1.0, 2.0]])
    assert m(x).tolist() == [[1.0, 2.0]]
    with pytest.raises(TypeError, match=r"data"):
        w.data = [1.0, 2.0]


def test_in_place_ops() -> None:
    x = shendu.ones(3)
    x.add_(2).mul_(3).sub_(1).div_(2)
    np.testing.assert_array_equal(x.numpy(), [4.0, 4.0, 4.0])
    x.add_(shendu.ones(3), alpha=2)
    np.testing.assert_array_equal(x.numpy(), [6.0, 6.0, 6.0])
    x.zero_()
    assert x.tolist() == [0.0, 0.0, 0.0]
    x.fill_(7)
    assert x.tolist() == [7.0, 7.0, 7.0]
    x.copy_(shendu.tensor([1, 2, 3]))
    assert x.tolist() == [1.0, 2.0, 3.0] and x.dtype == shendu.float32
    assert x._version == 8


def test_in_place_keeps_dtype_and_rejects_shape_changes() -> None:
    x = shendu.zeros(3, dtype=shendu.int64)
    with pytest.raises(shendu.DtypeError, match=r"mul_: the result has dtype shendu.float32.*int64"):
        x.mul_(1.5)
    with pytest.raises(shendu.ShapeError, match=r"add_: the result has shape \(2, 3\).*\(3,\)"):
        x.add_(shendu.zeros(2, 3, dtype=shendu.int64))
    with pytest.raises(shendu.ShapeError, match=r"copy_: the source of shape \(4,\) cannot be broadcast"):
        x.copy_(shendu.zeros(4))


def test_random_fills_are_reproducible() -> None:
    shendu.manual_seed(3)
    a = shendu.empty(5).uniform_(-1, 1)
    b = shendu.empty(5).normal_(2.0, 0.5)
    shendu.manual_seed(3)
    np.testing.assert_array_equal(shendu.empty(5).uniform_(-1, 1).numpy(), a.numpy())
    np.testing.assert_array_equal(shendu.empty(5).normal_(2.0, 0.5).numpy(), b.numpy())
    assert a.numpy().min() >= -1 and a.numpy().max() < 1


def test_python_protocol() -> None:
    x = shendu.tensor([3.0])
    assert float(x) == 3.0 and int(x) == 3 and bool(x)
    assert len(shendu.zeros(4, 2)) == 4
    assert [1, 2, 3][shendu.tensor(1)] == 2
    with pytest.raises(shendu.ShapeError, match="truth value of a tensor with 2 elements is ambiguous"):
        bool(shendu.ones(2))
    with pytest.raises(TypeError, match="len: a 0-d tensor has no length"):
        len(shendu.tensor(1.0))
    with pytest.raises(TypeError, match="index: only an integer tensor"):
        [1, 2][shendu.tensor(1.0)]


def test_numpy_interop() -> None:
    x = shendu.tensor([1.0, 2.0])
    assert np.asarray(x).dtype == np.float32
    y = np.float32(2.0) * x
    assert isinstance(y, shendu.Tensor) and y.dtype == shendu.float32
    z = np.ones(2) + x
    assert isinstance(z, shendu.Tensor)


def test_pickle_and_deepcopy() -> None:
    x = shendu.tensor([1.0, 2.0], requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == [1.0, 2.0] and y.requires_grad
    z = copy.deepcopy(x)
    assert z._array is not x._array and z.requires_grad


def test_in_place_on_expanded_view_is_a_clear_error() -> None:
    view = shendu.ones(3, 1).expand(3, 4)
    with pytest.raises(shendu.GraphError, match=r"add_: this tensor is a read-only view .*clone\(\)"):
        view.add_(1)
    with pytest.raises(shendu.GraphError, match="fill_: this tensor is a read-only view"):
        view.fill_(0)


def test_random_fill_of_integer_tensor_names_the_method() -> None:
    with pytest.raises(shendu.DtypeError, match="uniform_: expected a floating-point tensor, got dtype"):
        shendu.zeros(3, dtype=shendu.int64).uniform_()


@pytest.mark.parametrize(
    ("grad", "error", "message"),
    [
        (lambda: shendu.zeros(3), shendu.ShapeError, r"Tensor.grad: assigned a gradient of shape \(3,\) to a tensor"),
        (
            lambda: shendu.zeros(2, 3, dtype=shendu.float64),
            shendu.DtypeError,
            r"Tensor.grad: assigned a gradient of dtype shendu.float64 to a tensor of dtype shendu.float32",
        ),
        (lambda: [[0.0] * 3] * 2, TypeError, r"Tensor.grad: expected a Tensor or None, got list"),
    ],
)
def test_assigned_gradient_must_fit_the_tensor(grad: object, error: type[Exception], message: str) -> None:
    # As in PyTorch: an optimizer or clip_grad_norm_ would otherwise broadcast a wrong gradient silently.
    x = shendu.zeros(2, 3, requires_grad=True)
    with pytest.raises(error, match=message):
        x.grad = grad()
    assert x.grad is None
    x.grad = shendu.ones(3, 2).t()
    x.grad = None


def test_tensor_queries() -> None:
    x = shendu.zeros(2, 3)
    assert shendu.is_tensor(x) and shendu.is_tensor(shendu.nn.Parameter(x)) and not shendu.is_tensor(x.numpy())
    assert shendu.numel(x) == 6 and shendu.is_floating_point(x) and not shendu.is_floating_point(x.long())
    assert x.is_contiguous() and not x.t().is_contiguous() and x.t().contiguous().is_contiguous()
    assert torch.zeros(2, 3).t().is_contiguous() is False
    with pytest.raises(TypeError, match="numel: expected a Tensor, got list"):
        shendu.numel([1, 2])


def test_missing_names_point_at_the_porting_guide() -> None:
    guide = r"; shendu has part of PyTorch's API, and the porting guide \(docs/tutorials/porting.md\) lists"
    with pytest.raises(AttributeError, match=r"^'Tensor' object has no attribute 'kthvalue'" + guide):
        shendu.ones(2).kthvalue(1)
    with pytest.raises(AttributeError, match=r"^module 'shendu' has no attribute 'compile'" + guide):
        shendu.compile  # noqa: B018
    with pytest.raises(AttributeError, match=r"^module 'shendu' has no attribute '_private'$"):
        shendu._private  # noqa: B018
    with pytest.raises(AttributeError, match=r"^'Parameter' object has no attribute '_nothing'$"):
        shendu.nn.Parameter(shendu.ones(1))._nothing  # noqa: B018
    assert not hasattr(shendu.ones(2), "kthvalue") and not hasattr(shendu, "fft") and not hasattr(shendu, "a.b")


def test_a_subpackage_not_imported_yet_says_to_import_it() -> None:
    code = "import shendu\ntry:\n    shendu.datasets\nexcept AttributeError as error:\n    print(error)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (
        done.stdout.strip()
        == "module 'shendu' has no attribute 'datasets' until it is imported: import shendu.datasets"
    )
