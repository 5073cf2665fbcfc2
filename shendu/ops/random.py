"""Random sampling: ``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``, ``multinomial``.

Every sample is drawn on the CPU by the NumPy generator behind a ``shendu.Generator``
(the global one unless ``generator=`` names another), directly in the target float
dtype (float16 through float32), and only then moved to the requested device. So a
seed gives bitwise-identical tensors on every device, and a float32 draw never rounds
up to the excluded upper bound as a float64 draw cast to float32 can.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _dtype
from .. import backend as _backend
from .._checks import check_floating, check_tensor, is_int, is_number
from ..autograd.function import Function
from ..errors import DtypeError, ShapeError
from ..random import Generator, numpy_generator
from ..tensor import Tensor
from ._common import allocating, broadcast_shape, parse_size
from .creation import _finish, size_arg

__all__ = [
    "bernoulli",
    "multinomial",
    "normal",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
]

_BELOW_ONE_HALF = np.nextafter(np.float16(1), np.float16(0))


def _float_dtype(op: str, dtype: Any) -> np.dtype:
    chosen = _dtype.to_dtype(dtype, op) if dtype is not None else _dtype.get_default_dtype()
    if not chosen.is_floating_point:
        raise DtypeError(f"{op}: expected a floating-point dtype, got {chosen}; use randint for integers")
    return chosen.np


def _uniform(gen: np.random.Generator, shape: tuple[int, ...], np_dtype: np.dtype, op: str) -> np.ndarray:
    """Samples from [0, 1) in ``np_dtype``."""
    with allocating(op, shape, np_dtype):
        if np_dtype == np.float16:
            out = gen.random(shape, dtype=np.float32).astype(np.float16)
            # Rounding to half precision can reach 1.0, which the interval excludes.
            return np.minimum(out, _BELOW_ONE_HALF, out=out)
        return gen.random(shape, dtype=np_dtype)


def _standard_normal(gen: np.random.Generator, shape: tuple[int, ...], np_dtype: np.dtype, op: str) -> np.ndarray:
    with allocating(op, shape, np_dtype):
        if np_dtype == np.float16:
            return gen.standard_normal(shape, dtype=np.float32).astype(np.float16)
        return gen.standard_normal(shape, dtype=np_dtype)


def rand(
    *shape: Any,
    size: Any = None,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Samples from the uniform distribution on [0, 1).

    Args:
        shape: the shape, as ints or one sequence (``rand(2, 3)``, ``rand((2, 3))``, or ``rand(size=(2, 3))``).
        generator: the Generator to draw from. Default: the global one.
        dtype: a floating-point dtype. Default: ``shendu.get_default_dtype()`` (float32).
        device: where the result lives. Default: the default device (see ``set_default_device``).
        requires_grad: Default: False.

    Example:
        >>> x = shendu.rand(2, 3)
        >>> x.shape, bool(((x >= 0) & (x < 1)).all())
        (shendu.Size([2, 3]), True)
    """
    shape = size_arg("rand", shape, size)
    np_dtype = _float_dtype("rand", dtype)
    return _finish(_uniform(numpy_generator(generator, "rand"), shape, np_dtype, "rand"), device, requires_grad, "rand")


def randn(
    *shape: Any,
    size: Any = None,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Samples from the standard normal distribution N(0, 1); arguments as in ``rand``.

    Example:
        >>> shendu.randn(64, 784).dtype
        shendu.float32
    """
    shape = size_arg("randn", shape, size)
    np_dtype = _float_dtype("randn", dtype)
    return _finish(
        _standard_normal(numpy_generator(generator, "randn"), shape, np_dtype, "randn"), device, requires_grad, "randn"
    )


def _check_int_range(op: str, low: int, high: int, target: np.dtype) -> None:
    if high <= low:
        raise ValueError(f"{op}: high must be greater than low, but got low={low} and high={high}")
    if target.kind == "b":
        lo, hi = 0, 1
    elif target.kind in "iu":
        info = np.iinfo(target)
        lo, hi = int(info.min), int(info.max)
    else:
        return
    if low < lo or high - 1 > hi:
        raise ValueError(
            f"{op}: the range [{low}, {high}) does not fit dtype {_dtype.from_numpy_dtype(target)}, "
            f"which holds [{lo}, {hi}]"
        )


def _int_bound(op: str, name: str, value: Any) -> int:
    if isinstance(value, Tensor):
        value = value.item()
    if not is_number(value):
        raise TypeError(f"{op}: {name} must be an int, got {type(value).__name__} {value!r}")
    return int(value)


def _randint_array(
    op: str, low: Any, high: Any, shape: tuple[int, ...], generator: Generator | None, target: np.dtype
) -> np.ndarray:
    lo, hi = _int_bound(op, "low", low), _int_bound(op, "high", high)
    _check_int_range(op, lo, hi, target)
    # Always drawn as int64, so a seed gives the same integers whatever the dtype.
    with allocating(op, shape, np.int64):
        return numpy_generator(generator, op).integers(lo, hi, size=shape, dtype=np.int64).astype(target)


def randint(
    low: Any = 0,
    high: Any = None,
    size: Any = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Integers drawn uniformly from [low, high): ``randint(high, size)`` or ``randint(low, high, size)``.

    Args:
        low: the lowest value. Default: 0.
        high: one above the highest value.
        size: the shape, a tuple of ints.
        generator: Default: the global Generator.
        dtype: Default: ``shendu.int64``; float dtypes hold the integers as floats.
        device: Default: the default device, the CPU unless ``set_default_device`` changed it.
        requires_grad: Default: False (only floating-point results can require grad).

    Example:
        >>> shendu.randint(10, (2, 3)).dtype
        shendu.int64
    """
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint: missing the size argument, e.g. randint(10, (2, 3)) or randint(0, 10, (2, 3))")
    if high is None:
        raise TypeError("randint: missing the high argument, e.g. randint(10, (2, 3))")
    shape = parse_size("randint", (size,))
    target = _dtype.to_dtype(dtype, "randint").np if dtype is not None else np.dtype(np.int64)
    return _finish(_randint_array("randint", low, high, shape, generator, target), device, requires_grad, "randint")


def randperm(
    n: int,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A random permutation of the integers ``0 .. n-1``.

    Args:
        n: how many integers.
        generator: Default: the global Generator.
        dtype: Default: ``shendu.int64``.
        device: Default: the default device, the CPU unless ``set_default_device`` changed it.
        requires_grad: Default: False.

    Example:
        >>> sorted(shendu.randperm(5).tolist())
        [0, 1, 2, 3, 4]
    """
    (count,) = parse_size("randperm", (n,))
    target = _dtype.to_dtype(dtype, "randperm").np if dtype is not None else np.dtype(np.int64)
    if target.kind in "iub" and count > 0:
        _check_int_range("randperm", 0, count, target)
    with allocating("randperm", (count,), np.int64):
        perm = numpy_generator(generator, "randperm").permutation(count).astype(target)
    return _finish(perm, device, requires_grad, "randperm")


def _like_args(op: str, input: Tensor, dtype: Any, device: Any) -> tuple[Any, Any]:
    check_tensor(op, input)
    return (dtype if dtype is not None else input.dtype), (device if device is not None else input.device)


def _float_like(name: str, draw: Any) -> Any:
    """The ``*_like`` sampler ``name``: a float sample of ``input``'s shape from ``draw`` (``_uniform`` or
    ``_standard_normal``), with ``input``'s dtype and device unless given."""

    def sample_like(
        input: Tensor,
        *,
        generator: Generator | None = None,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        dtype, device = _like_args(name, input, dtype, device)
        np_dtype = _float_dtype(name, dtype)
        sample = draw(numpy_generator(generator, name), tuple(input.shape), np_dtype, name)
        return _finish(sample, device, requires_grad, name)

    sample_like.__name__ = sample_like.__qualname__ = name
    sample_like.__doc__ = f"``{name[:-5]}`` with ``input``'s shape, dtype and device (each overridable)."
    return sample_like


rand_like = _float_like("rand_like", _uniform)
randn_like = _float_like("randn_like", _standard_normal)


def randint_like(
    input: Tensor,
    low: Any = 0,
    high: Any = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``randint`` with ``input``'s shape, dtype and device: ``randint_like(x, high)`` or ``(x, low, high)``."""
    dtype, device = _like_args("randint_like", input, dtype, device)
    if high is None:
        low, high = 0, low
    target = _dtype.to_dtype(dtype, "randint_like").np
    sample = _randint_array("randint_like", low, high, tuple(input.shape), generator, target)
    return _finish(sample, device, requires_grad, "randint_like")


class Sample(Function):
    """A draw whose parameters require grad: PyTorch records it with a zero gradient, and so does shendu."""

    def forward(self, *arrays: Any, sample: Any) -> Any:
        self.meta = tuple((a.shape, a.dtype) for a in arrays)
        return sample

    def backward(self, grad: Any) -> tuple[Any, ...]:
        xp = _backend.get_array_module(grad)
        return tuple(
            xp.zeros(shape, dtype) if self.needs_input_grad(i) else None for i, (shape, dtype) in enumerate(self.meta)
        )

    def backward_graph(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        return tuple(None if g is None else Tensor._make(g) for g in self.backward(grad._array))


class Normal(Sample):
    pass


class Bernoulli(Sample):
    pass


def _normal_param(name: str, value: Tensor) -> None:
    if not value.is_floating_point():
        raise DtypeError(f"normal: {name} must be a floating-point tensor, got dtype {value.dtype}")


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Sequence[int] | None = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Samples from normal distributions N(mean, std**2).

    The forms, as in PyTorch: ``normal(mean_tensor, std_tensor)`` (shapes broadcast),
    ``normal(mean_tensor, std=1.0)``, ``normal(mean, std_tensor)``, and
    ``normal(mean, std, size)`` for numbers. The result takes ``mean``'s dtype when it is a
    tensor, else ``std``'s.

    Args:
        mean: the mean(s). Default: 0.0.
        std: the standard deviation(s), all >= 0. Default: 1.0.
        size: the shape; only (and required) when ``mean`` and ``std`` are both numbers.
        generator: Default: the global Generator.
        dtype, device, requires_grad: only with ``size``; as in ``randn``.

    Example:
        >>> shendu.normal(2.0, 3.0, size=(1, 4)).shape
        shendu.Size([1, 4])
    """
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal: size is required when mean and std are numbers, e.g. normal(0.0, 1.0, (2, 3))")
        if not float(std) >= 0:
            raise ValueError(f"normal: std must be >= 0, but got {std}")
        shape = parse_size("normal", (size,))
        np_dtype = _float_dtype("normal", dtype)
        sample = _standard_normal(numpy_generator(generator, "normal"), shape, np_dtype, "normal")
        sample = sample * np_dtype.type(std) + np_dtype.type(mean)
        return _finish(np.asarray(sample, dtype=np_dtype), device, requires_grad, "normal")
    if size is not None or dtype is not None or device is not None or requires_grad:
        raise TypeError(
            "normal: size, dtype, device and requires_grad are only accepted when mean and std are both numbers; "
            "with a tensor mean or std the result takes its shape, dtype and device"
        )
    if isinstance(mean, Tensor):
        _normal_param("mean", mean)
    if isinstance(std, Tensor):
        _normal_param("std", std)
    first = tensors[0]
    np_dtype = first._array.dtype
    if len(tensors) == 2 and (type(mean._array) is not type(std._array) or mean.device != std.device):
        from ._common import check_same_device

        check_same_device("normal", mean, std)
    std_data = std._array if isinstance(std, Tensor) else std
    if isinstance(std, Tensor):
        if std._array.size and not bool((std._array >= 0).all()):
            raise ValueError("normal: every element of std must be >= 0, but std has negative or NaN values")
    elif not std >= 0:
        raise ValueError(f"normal: std must be >= 0, but got {std}")
    shape = broadcast_shape("normal", *(tuple(t.shape) for t in tensors))
    noise = _standard_normal(numpy_generator(generator, "normal"), shape, np_dtype, "normal")
    noise = _backend.to_device(noise, first.device, "normal")
    mean_data = mean._array if isinstance(mean, Tensor) else mean
    return Normal.apply(*tensors, sample=(noise * std_data + mean_data).astype(np_dtype, copy=False))


def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None) -> Tensor:
    """Draw 0 or 1 for every element: 1 with probability ``input`` (or with the number ``p`` when given).

    Args:
        input: the probabilities, a floating-point tensor with values in [0, 1]; the result has its
            shape, dtype and device. With ``p`` given, only its shape, dtype and device count.
        p: one probability for every element, used instead of ``input``'s values. Default: None.
        generator: Default: the global Generator.

    Example:
        >>> x = shendu.bernoulli(shendu.full((2, 3), 0.5))
        >>> x.shape, bool(((x == 0) | (x == 1)).all())
        (shendu.Size([2, 3]), True)
    """
    check_tensor("bernoulli", input)
    if not input.is_floating_point() and p is None:
        raise DtypeError(f"bernoulli: expected a floating-point tensor of probabilities, got dtype {input.dtype}")
    if p is not None:
        if not 0 <= p <= 1:
            raise ValueError(f"bernoulli: p must be in [0, 1], but got p={p}")
        probs: Any = p
    else:
        probs = input._array
        if probs.size:
            lo, hi = float(probs.min()), float(probs.max())
            if not (0 <= lo and hi <= 1):
                raise ValueError(f"bernoulli: probabilities must be in [0, 1], but input has values in [{lo}, {hi}]")
    # With p given, input only lends its shape and dtype, which may be an integer one.
    work = input._array.dtype if input.is_floating_point() else np.dtype(np.float32)
    u = _uniform(numpy_generator(generator, "bernoulli"), tuple(input.shape), work, "bernoulli")
    u = _backend.to_device(u, input.device, "bernoulli")
    sample = (u < probs).astype(input._array.dtype)
    return Bernoulli.apply(input, sample=sample)


def multinomial(
    input: Tensor, num_samples: int, replacement: bool = False, *, generator: Generator | None = None
) -> Tensor:
    """Draw category indices from the distributions in the rows of ``input`` (non-negative weights).

    Without replacement an index is drawn at most once per row (once the positive weights are
    used up, zero-weight indices follow at random, as in PyTorch).

    Args:
        input: a 1-D tensor of weights, or a 2-D tensor with one distribution per row.
        num_samples: how many indices to draw per distribution.
        replacement: whether an index may be drawn more than once. Default: False.
        generator: Default: the global Generator.

    Shape:
        ``(n,)`` -> ``(num_samples,)``; ``(rows, n)`` -> ``(rows, num_samples)``; int64.

    Example:
        >>> draws = shendu.multinomial(shendu.tensor([0.1, 0.0, 0.9]), 4, replacement=True)
        >>> draws.shape, bool((draws != 1).all())  # index 1 has weight 0
        (shendu.Size([4]), True)
    """
    check_tensor("multinomial", input)
    if input._array.ndim not in (1, 2):
        raise ShapeError(f"multinomial: expected a 1-D or 2-D tensor of probabilities, got shape {tuple(input.shape)}")
    check_floating("multinomial", input, "tensor of probabilities")
    if not is_int(num_samples):
        raise TypeError(f"multinomial: num_samples must be an int, got {type(num_samples).__name__}")
    categories = input._array.shape[-1]
    if num_samples <= 0:
        raise ValueError(f"multinomial: num_samples must be positive, got {num_samples}")
    rows = 1 if input._array.ndim == 1 else input._array.shape[0]
    if categories == 0 and rows:
        raise ValueError(f"multinomial: the probabilities must have at least one category, got shape {input.shape}")
    if not replacement and num_samples > categories:
        raise ValueError(
            f"multinomial: cannot draw {num_samples} samples without replacement from {categories} categories"
        )
    weights = _backend.to_device(input._array, _backend.CPU).astype(np.float64).reshape(rows, categories)
    if not np.all(np.isfinite(weights)) or bool((weights < 0).any()):
        raise ValueError("multinomial: the probabilities must be finite and non-negative (found inf, nan or < 0)")
    if weights.shape[0] and (weights.shape[1] == 0 or bool((weights.sum(axis=1) <= 0).any())):
        raise ValueError("multinomial: every distribution needs a positive sum of probabilities, but one sums to 0")
    gen = numpy_generator(generator, "multinomial")
    if replacement:
        cdf = np.cumsum(weights, axis=1)
        cdf /= cdf[:, -1:]
        u = gen.random((weights.shape[0], num_samples))
        # side="right" skips the zero-weight categories, whose cdf equals their predecessor's.
        out = np.stack([np.searchsorted(row, draws, side="right") for row, draws in zip(cdf, u)]) if len(u) else u
    else:
        # Exponential race: sorting E / w (E ~ Exp(1)) gives draws without replacement in proportion to w.
        race = gen.standard_exponential(weights.shape)
        with np.errstate(divide="ignore"):
            keys = np.where(weights > 0, race / weights, np.inf)
        out = np.lexsort((race, keys), axis=-1)[:, :num_samples]
    out = out.astype(np.int64).reshape(*input._array.shape[:-1], num_samples)
    return Tensor._make(_backend.to_device(out, input.device, "multinomial"))
