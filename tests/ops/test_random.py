from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import shendu

N = 100_000

SAMPLERS: list[tuple[str, Callable[..., shendu.Tensor]]] = [
    ("rand", lambda **kw: shendu.rand(3, 4, **kw)),
    ("randn", lambda **kw: shendu.randn(3, 4, **kw)),
    ("randint", lambda **kw: shendu.randint(0, 100, (3, 4), **kw)),
    ("randperm", lambda **kw: shendu.randperm(20, **kw)),
    ("normal", lambda **kw: shendu.normal(1.0, 2.0, (3, 4), **kw)),
    ("normal_tensor", lambda **kw: shendu.normal(shendu.zeros(3, 4), shendu.ones(4), **kw)),
    ("bernoulli", lambda **kw: shendu.bernoulli(shendu.full((3, 4), 0.3), **kw)),
    ("multinomial", lambda **kw: shendu.multinomial(shendu.ones(2, 10), 5, **kw)),
    ("multinomial_replacement", lambda **kw: shendu.multinomial(shendu.ones(10), 5, True, **kw)),
    ("rand_like", lambda **kw: shendu.rand_like(shendu.zeros(3, 4), **kw)),
    ("randn_like", lambda **kw: shendu.randn_like(shendu.zeros(3, 4), **kw)),
    ("randint_like", lambda **kw: shendu.randint_like(shendu.zeros(3, 4), 2, 9, **kw)),
]


def _same(a: shendu.Tensor, b: shendu.Tensor) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.numpy().tobytes() == b.numpy().tobytes()


@pytest.mark.parametrize(("name", "sample"), SAMPLERS)
def test_manual_seed_reproduces_bitwise(name: str, sample: Callable[..., shendu.Tensor]) -> None:
    shendu.manual_seed(123)
    first, second = sample(), sample()
    shendu.manual_seed(123)
    assert _same(sample(), first)
    assert _same(sample(), second)
    assert not _same(first, second) or name == "multinomial"  # all 10 equal weights may draw alike


@pytest.mark.parametrize(("name", "sample"), SAMPLERS)
def test_generator_is_independent_of_global_state(name: str, sample: Callable[..., shendu.Tensor]) -> None:
    g = shendu.Generator().manual_seed(7)
    expected = sample(generator=g)
    shendu.manual_seed(999)
    shendu.rand(5)
    assert _same(sample(generator=g.manual_seed(7)), expected)
    assert g.initial_seed() == 7


def test_rng_state_round_trip() -> None:
    shendu.manual_seed(3)
    shendu.randn(7)
    state = shendu.get_rng_state()
    assert state.dtype == shendu.uint8
    a = shendu.randn(5, dtype=shendu.float64)
    b = shendu.randint(0, 10, (4,))
    shendu.set_rng_state(state)
    assert _same(shendu.randn(5, dtype=shendu.float64), a)
    assert _same(shendu.randint(0, 10, (4,)), b)
    g = shendu.Generator().manual_seed(11)
    saved = g.get_state()
    x = shendu.rand(6, generator=g)
    assert _same(shendu.rand(6, generator=g.set_state(saved)), x)


def test_in_place_fills_draw_from_rand_and_randn() -> None:
    shendu.manual_seed(5)
    u = shendu.empty(4, dtype=shendu.float64).uniform_(-2.0, 3.0)
    n = shendu.empty(4).normal_(1.0, 0.5)
    shendu.manual_seed(5)
    np.testing.assert_array_equal(u.numpy(), shendu.rand(4, dtype=shendu.float64).numpy() * 5.0 - 2.0)
    np.testing.assert_array_equal(n.numpy(), shendu.randn(4).numpy() * 0.5 + 1.0)


@pytest.mark.parametrize("dtype", [shendu.float32, shendu.float64])
def test_distributions(dtype: shendu.dtype) -> None:
    u = shendu.rand(N, dtype=dtype).numpy()
    assert u.dtype == dtype.np and u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.std() - np.sqrt(1 / 12)) < 0.005
    z = shendu.randn(N, dtype=dtype).numpy()
    assert abs(z.mean()) < 0.015 and abs(z.std() - 1) < 0.015
    g = shendu.normal(3.0, 2.0, (N,), dtype=dtype).numpy()
    assert g.dtype == dtype.np and abs(g.mean() - 3) < 0.03 and abs(g.std() - 2) < 0.03
    means = np.repeat(np.array([[-5.0], [0.0], [5.0]], dtype=dtype.np), N // 10, axis=1)
    stds = shendu.tensor([[0.5], [1.0], [3.0]], dtype=dtype)
    wide = shendu.normal(shendu.tensor(means), stds)
    assert wide.dtype == dtype and wide.shape == (3, N // 10)
    np.testing.assert_allclose(wide.numpy().mean(1), [-5.0, 0.0, 5.0], atol=0.1)
    np.testing.assert_allclose(wide.numpy().std(1), [0.5, 1.0, 3.0], rtol=0.03)
    b = shendu.bernoulli(shendu.full((N,), 0.3, dtype=dtype)).numpy()
    assert set(np.unique(b)) <= {0, 1} and abs(b.mean() - 0.3) < 0.01
    assert abs(shendu.bernoulli(shendu.zeros(N, dtype=dtype), 0.8).numpy().mean() - 0.8) < 0.01


def test_float16_samples() -> None:
    u = shendu.rand(N, dtype=shendu.float16)
    assert u.dtype == shendu.float16 and float(u.numpy().max()) < 1.0
    assert shendu.randn(3, dtype=shendu.float16).dtype == shendu.float16


def test_randint_range_and_dtypes() -> None:
    r = shendu.randint(-3, 4, (N,)).numpy()
    assert r.dtype == np.int64 and r.min() == -3 and r.max() == 3
    assert abs(r.mean()) < 0.05
    assert shendu.randint(5, (2, 3)).numpy().max() < 5
    assert shendu.randint(5, size=(2, 3)).shape == (2, 3)
    assert shendu.randint(low=2, high=5, size=(4,)).numpy().min() >= 2
    assert shendu.randint(0, 256, (10,), dtype=shendu.uint8).dtype == shendu.uint8
    assert shendu.randint(0, 2, (10,), dtype=shendu.bool).dtype == shendu.bool
    f = shendu.randint(0, 10, (3,), dtype=shendu.float32, requires_grad=True)
    assert f.dtype == shendu.float32 and f.requires_grad and np.all(f.detach().numpy() == np.round(f.detach().numpy()))
    like = shendu.randint_like(shendu.zeros(2, 3, dtype=shendu.float64), 10)
    assert like.shape == (2, 3) and like.dtype == shendu.float64 and like.numpy().max() < 10
    assert shendu.randint_like(shendu.zeros(4, dtype=shendu.int32), 3, 6).dtype == shendu.int32
    assert shendu.randint(0, 5, (0, 3)).shape == (0, 3)


def test_randperm_is_a_permutation() -> None:
    for n in (0, 1, 10, 1000):
        p = shendu.randperm(n)
        assert p.dtype == shendu.int64 and sorted(p.tolist()) == list(range(n))
    assert shendu.randperm(5, dtype=shendu.float32).dtype == shendu.float32
    assert shendu.randperm(5, dtype=shendu.int32, device="cpu").device == shendu.device("cpu")


def test_multinomial() -> None:
    probs = shendu.tensor([0.1, 0.0, 0.6, 0.3])
    draws = shendu.multinomial(probs, N, replacement=True)
    assert draws.dtype == shendu.int64 and draws.shape == (N,)
    counts = np.bincount(draws.numpy(), minlength=4) / N
    np.testing.assert_allclose(counts, [0.1, 0.0, 0.6, 0.3], atol=0.01)
    rows = shendu.multinomial(shendu.tensor([[1.0, 2.0, 3.0], [5.0, 0.0, 0.0]]), 3)
    assert rows.shape == (2, 3)
    for row in rows.tolist():
        assert sorted(row) == [0, 1, 2]
    assert rows.tolist()[1][0] == 0
    # Without replacement, categories with positive weight come before zero-weight ones.
    first_two = shendu.multinomial(shendu.tensor([0.0, 1.0, 0.0, 1.0]), 2).tolist()
    assert sorted(first_two) == [1, 3]
    # The first draw without replacement follows the weights.
    firsts = [shendu.multinomial(shendu.tensor([1.0, 3.0]), 1).item() for _ in range(2000)]
    assert abs(np.mean(firsts) - 0.75) < 0.04
    assert shendu.multinomial(shendu.ones(0, 3), 2).shape == (0, 2)


def test_dtype_device_and_requires_grad_arguments() -> None:
    for make in (shendu.rand, shendu.randn):
        x = make(2, 3, dtype=shendu.float64, device="cpu", requires_grad=True)
        assert x.dtype == shendu.float64 and x.requires_grad and x.is_leaf and x.device.type == "cpu"
        assert make((2, 3)).shape == (2, 3) and make([4]).shape == (4,) and make().shape == ()
        assert make(2, 0).shape == (2, 0)
    assert shendu.normal(0.0, 1.0, (2,), dtype=shendu.float64, requires_grad=True).requires_grad
    like = shendu.rand_like(shendu.zeros(2, 2, dtype=shendu.float64))
    assert like.dtype == shendu.float64 and like.shape == (2, 2)
    assert shendu.randn_like(shendu.zeros(3), dtype=shendu.float64, requires_grad=True).requires_grad
    shendu.set_default_dtype(shendu.float64)
    try:
        assert shendu.rand(2).dtype == shendu.float64
        assert shendu.normal(0.0, 1.0, (2,)).dtype == shendu.float64
    finally:
        shendu.set_default_dtype(shendu.float32)


def test_tensor_parameter_forms() -> None:
    mean = shendu.zeros(3, dtype=shendu.float64)
    assert shendu.normal(mean, 2.0).dtype == shendu.float64
    assert shendu.normal(1.0, shendu.ones(2, 3)).shape == (2, 3)
    assert shendu.normal(shendu.zeros(3), shendu.ones(2, 1, dtype=shendu.float64)).dtype == shendu.float32
    assert shendu.normal(shendu.zeros(3), shendu.zeros(3)).numpy().tolist() == [0.0, 0.0, 0.0]
    assert shendu.bernoulli(shendu.ones(2, 2, dtype=shendu.float64)).dtype == shendu.float64


def test_sampling_from_parameters_that_require_grad_gives_zero_gradients() -> None:
    mean = shendu.zeros(3, requires_grad=True)
    std = shendu.ones(3, requires_grad=True)
    shendu.autograd.backward([shendu.normal(mean, std)], [shendu.ones(3)])
    assert mean.grad.numpy().tolist() == [0.0, 0.0, 0.0] and std.grad.numpy().tolist() == [0.0, 0.0, 0.0]
    p = shendu.full((3,), 0.5, requires_grad=True)
    out = shendu.bernoulli(p)
    assert out.requires_grad
    out.backward(shendu.ones(3))
    assert p.grad.numpy().tolist() == [0.0, 0.0, 0.0]


def test_errors() -> None:
    with pytest.raises(shendu.ShapeError, match=r"rand: negative dimension -1 in size \(2, -1\)"):
        shendu.rand(2, -1)
    with pytest.raises(shendu.ShapeError, match=r"randn: negative dimension -2"):
        shendu.randn(-2)
    with pytest.raises(shendu.ShapeError, match=r"randint: negative dimension -3"):
        shendu.randint(0, 5, (-3,))
    with pytest.raises(shendu.ShapeError, match=r"randperm: negative dimension -1"):
        shendu.randperm(-1)
    with pytest.raises(shendu.ShapeError, match=r"normal: negative dimension -1"):
        shendu.normal(0.0, 1.0, (-1,))
    with pytest.raises(ValueError, match="randint: high must be greater than low, but got low=5 and high=3"):
        shendu.randint(5, 3, (2,))
    with pytest.raises(ValueError, match="randint: high must be greater than low, but got low=0 and high=0"):
        shendu.randint(0, (2,))
    with pytest.raises(ValueError, match="randint_like: high must be greater than low, but got low=4 and high=4"):
        shendu.randint_like(shendu.zeros(2), 4, 4)
    with pytest.raises(ValueError, match=r"randint: the range \[0, 300\) does not fit dtype shendu.uint8"):
        shendu.randint(0, 300, (2,), dtype=shendu.uint8)
    with pytest.raises(TypeError, match="randint: missing the size argument"):
        shendu.randint(0, 5)
    with pytest.raises(TypeError, match="randint: high must be an int, got str"):
        shendu.randint(0, "5", (2,))
    with pytest.raises(shendu.DtypeError, match=r"rand: expected a floating-point dtype, got shendu.int64"):
        shendu.rand(2, dtype=shendu.int64)
    with pytest.raises(shendu.DtypeError, match=r"randn: expected a floating-point dtype, got shendu.int32"):
        shendu.randn(2, dtype=shendu.int32)
    with pytest.raises(shendu.DtypeError, match=r"rand_like: expected a floating-point dtype, got shendu.int64"):
        shendu.rand_like(shendu.zeros(2, dtype=shendu.int64))
    with pytest.raises(shendu.DtypeError, match="only floating-point tensors can require gradients"):
        shendu.randint(0, 5, (2,), requires_grad=True)
    with pytest.raises(TypeError, match=r"rand: generator must be a shendu.Generator, got int"):
        shendu.rand(2, generator=3)


def test_parameter_errors() -> None:
    with pytest.raises(ValueError, match=r"normal: std must be >= 0, but got -1.0"):
        shendu.normal(0.0, -1.0, (2,))
    with pytest.raises(ValueError, match=r"normal: std must be >= 0, but got -2.0"):
        shendu.normal(shendu.zeros(2), -2.0)
    with pytest.raises(ValueError, match="normal: every element of std must be >= 0"):
        shendu.normal(shendu.zeros(2), shendu.tensor([1.0, -1.0]))
    with pytest.raises(TypeError, match="normal: size is required when mean and std are numbers"):
        shendu.normal(0.0, 1.0)
    with pytest.raises(TypeError, match="normal: size, dtype, device and requires_grad are only accepted"):
        shendu.normal(shendu.zeros(2), 1.0, (2,))
    with pytest.raises(
        shendu.DtypeError, match=r"normal: mean must be a floating-point tensor, got dtype shendu.int64"
    ):
        shendu.normal(shendu.zeros(2, dtype=shendu.int64), 1.0)
    with pytest.raises(shendu.ShapeError, match=r"normal: shapes \(3,\) and \(2,\) cannot be broadcast"):
        shendu.normal(shendu.zeros(3), shendu.ones(2))
    with pytest.raises(ValueError, match=r"bernoulli: probabilities must be in \[0, 1\], but input has values in"):
        shendu.bernoulli(shendu.tensor([0.5, 1.5]))
    with pytest.raises(ValueError, match=r"bernoulli: p must be in \[0, 1\], but got p=-0.1"):
        shendu.bernoulli(shendu.zeros(2), -0.1)
    with pytest.raises(shendu.DtypeError, match=r"bernoulli: expected a floating-point tensor .* shendu.int64"):
        shendu.bernoulli(shendu.zeros(2, dtype=shendu.int64))
    with pytest.raises(ValueError, match="multinomial: cannot draw 4 samples without replacement from 3 categories"):
        shendu.multinomial(shendu.ones(3), 4)
    with pytest.raises(ValueError, match="multinomial: the probabilities must be finite and non-negative"):
        shendu.multinomial(shendu.tensor([1.0, -1.0]), 1)
    with pytest.raises(ValueError, match="multinomial: the probabilities must be finite and non-negative"):
        shendu.multinomial(shendu.tensor([1.0, float("nan")]), 1)
    with pytest.raises(ValueError, match="multinomial: every distribution needs a positive sum"):
        shendu.multinomial(shendu.zeros(3), 1, True)
    with pytest.raises(ValueError, match="multinomial: num_samples must be positive, got 0"):
        shendu.multinomial(shendu.ones(3), 0)
    with pytest.raises(shendu.ShapeError, match=r"multinomial: expected a 1-D or 2-D tensor .* shape \(2, 3, 4\)"):
        shendu.multinomial(shendu.ones(2, 3, 4), 1)
    with pytest.raises(shendu.DtypeError, match=r"multinomial: expected a floating-point tensor .* shendu.int64"):
        shendu.multinomial(shendu.ones(3, dtype=shendu.int64), 1)


def test_cuda_request_without_a_gpu_is_a_clear_error() -> None:
    if shendu.cuda.is_available():
        x = shendu.rand(3, device="cuda")
        assert x.device.type == "cuda"
        shendu.manual_seed(1)
        a = shendu.randn(4, device="cuda").cpu()
        shendu.manual_seed(1)
        assert _same(a, shendu.randn(4))
        return
    with pytest.raises(shendu.DeviceError, match="rand: CUDA was requested but"):
        shendu.rand(3, device="cuda")


def test_tensor_methods() -> None:
    shendu.manual_seed(4)
    a = shendu.full((5,), 0.5).bernoulli()
    b = shendu.ones(4).multinomial(2)
    shendu.manual_seed(4)
    assert _same(a, shendu.bernoulli(shendu.full((5,), 0.5)))
    assert _same(b, shendu.multinomial(shendu.ones(4), 2))
