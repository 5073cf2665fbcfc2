"""Fuzzing with hostile input: every public op, layer, loss, optimizer and scheduler, against PyTorch.

Targets are enumerated, not listed: every function in ``shendu.__all__`` and
``shendu.nn.functional.__all__``, every ``Module`` subclass in ``shendu.nn``, every optimizer in
``shendu.optim`` and every scheduler in ``shendu.optim.lr_scheduler``. A table of argument patterns
per family (``OP_PATTERNS``, ``LAYER_PATTERNS``, ...) makes each call meaningful; a target without an
entry falls back to a generic pattern, so new ops are fuzzed too. hypothesis draws the arguments:
NaN, inf, 1e38 and empty tensors; shapes of the wrong rank, negative and absurd sizes; bool, int,
float16 and float64 operands in mixes; bad device strings ('tpu', 'cuda:x', 'gpu', ...); and bad
hyperparameters (negative, NaN, zero, wrong types).

Each call runs in torch 2.13 (the oracle, where it has a function of the same name; a few shendu-only
ops get a torch twin in ``TORCH_TWINS``) and in shendu, under a 10 s alarm and a capped address
space, and must pass these rules:

1. If torch accepts the call, shendu accepts it too and returns the same structure with the same
   shapes and dtypes, and the same values (to 1e-3, NaN and inf positions included) for
   deterministic ops, unless an input holds 1e30+ values or extreme integers, or a hyperparameter
   is NaN or inf (then the order of operations decides overflow, as it does between torch's
   kernels). The same holds for a backward pass through the result when some input requires grad:
   its gradients are compared with torch's, values included, wherever every input is finite (at NaN
   and infinite inputs each library's gradient follows its own arithmetic; there shapes and dtypes
   are compared). Listed with its reason: torch's backward of ``std``/``var`` with ``dim=()``.
   Exceptions, each listed with its reason: ``STRICT`` and ``STRICT_OPS`` (calls shendu refuses on
   purpose, with an acceptable error, such as a "cpu:1" device or a float16 input to a norm with
   float32 weights), a DtypeError or ShapeError when an input is empty (torch skips most checks
   when there is nothing to compute), and layer hyperparameters that torch accepts at
   construction only to fail once the layer runs on the drawn input.
2. If torch rejects the call, shendu rejects it too, except where ``LENIENT`` or ``LENIENT_OPS``
   list torch's refusal: argument parsing (shendu's functions double as Tensor methods), missing
   kernels ("not implemented for 'Half'"), torch's own bugs, and shendu's documented leniencies.
3. Every exception shendu raises is *acceptable*: (a) it is a ValueError, TypeError or
   RuntimeError, or a shendu error that is an IndexError (``DimError``, ``IndexOutOfRange``);
   (b) it is a ``shendu.ShenduError``, or else its type is exactly ``ValueError``, ``TypeError``
   or ``NotImplementedError`` (so no NumPy subclass such as ``AxisError``) raised from a frame
   inside the shendu package; (c) its message starts with the op's name: the public name, the
   implementing function's ``__name__``, an alias listed in ``ALIASES`` (an op that delegates,
   such as ``view_as`` to ``view``), or the layer / optimizer / scheduler class name or the
   layer's functional form, possibly after a module path (``features.3 (Conv2d): ``), followed by
   ``:``, `` (``, ``(`` or ``.method:``.
4. Never: any other exception (IndexError, AttributeError, KeyError, ZeroDivisionError,
   OverflowError, MemoryError, NumPy's exceptions), or a call still running after 10 s.

NumPy RuntimeWarnings (overflow, invalid value) from inside shendu's ops are counted and listed per
op, not failed: silencing them means an ``np.errstate`` around every op, which doubles the cost of
small ops, so that is left as a decision for the project.

Max pooling whose windows hold only padding runs in shendu alone: torch 2.13 then writes its
gradient outside the input and corrupts the heap.

Every input is counted once, in ``tests.helpers.COUNTS["fuzzed inputs"]`` and under what was
checked for it (``KINDS`` in ``tests/fuzz_helpers.py``): values and gradients compared with torch,
values compared, shapes and dtypes only, both libraries raised, a listed difference, or shendu alone
(printed in the "shendu test counts" summary when the run passed, and per module with ``-s``). Runs
are derandomized (hypothesis seeds from the test's source), so CI sees the same inputs every time.
"""

from __future__ import annotations

import inspect
import math
import resource
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shendu
import shendu.nn.functional as F
from shendu.optim import lr_scheduler as shendu_sched
from tests.fuzz_helpers import (
    BAD_DEVICES,
    CALL_SECONDS,
    FLOATS,
    HUGE_SIZES,
    WARNED,
    Call,
    Case,
    D,
    Draw,
    P,
    T,
    error_problem,
    judge,
    run,
    tally,
    to_lib,
    verdict,
)
from tests.helpers import COUNTS, check

FUZZ_MEMORY = 4 * 2**30  # bytes of address space the fuzz run may add to what the process holds
FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# ---------------------------------------------------------------------------------------------- ops

NOT_OPS = {
    "is_grad_enabled",
    "seed",
    "initial_seed",
    "get_default_dtype",
    "save",
    "load",
}
# No value comparison: random results, or torch quirks (torch 2.13's float32 and float16 kernels
# give gelu(inf) = nan, where shendu and torch's float64 kernel give inf; normalize with p=nan gives
# x / |x| in torch; var_mean's and std_mean's
# mean of [inf, 1] is NaN in torch; with infinities, the order of a bilinear form or a multi-operand
# einsum decides between inf and NaN).
NONDETERMINISTIC = {
    "gelu",
    "normalize",
    "var_mean",
    "std_mean",
    "bilinear",
    "einsum",
    "empty",
    "empty_like",
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
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
    "manual_seed",
    "get_rng_state",
}
ALIASES = {
    "absolute": ("abs",),
    "negative": ("neg",),
    "clip": ("clamp",),
    "concat": ("cat",),
    "concatenate": ("cat",),
    "true_divide": ("div",),
    "swapaxes": ("transpose",),
    "swapdims": ("transpose",),
    "moveaxis": ("movedim",),
    "greater": ("gt",),
    "greater_equal": ("ge",),
    "less": ("lt",),
    "less_equal": ("le",),
    "not_equal": ("ne",),
    "rsub": ("sub",),
    "allclose": ("isclose",),
    "max": ("maximum",),
    "min": ("minimum",),
    # These delegate, and the delegate's name still tells the user what went wrong.
    "view_as": ("view",),
    "reshape_as": ("reshape",),
    "expand_as": ("expand",),
    "tile": ("repeat",),
    "softmin": ("softmax",),
    "normalize": ("norm",),
    "spmm": ("sparse_coo_tensor", "sparse.mm"),
    "pairwise_distance": ("norm",),
    "cosine_similarity": ("norm",),
}
# Torch refusals (regexes of torch's message) that shendu need not copy, beyond fuzz_helpers.LENIENT.
LENIENT_OPS: dict[str, tuple[str, ...]] = {
    # shendu takes int32 and uint8 class indices and integer targets, which torch refuses.
    "nll_loss": (r"expected target dtype to be Long", r"expected scalar type Long"),
    "cross_entropy": (r"expected target dtype to be Long", r"expected scalar type Long"),
    "one_hot": (r"only applicable to index tensor of type LongTensor", r"Can not infer total number of classes"),
    "kl_div": (r"Integral inputs not supported",),
    "conv_transpose2d": (r"Only zero batch or zero channel inputs are supported",),
    "conv1d": (r"Only zero batch or zero channel inputs are supported",),
    "conv2d": (r"Only zero batch or zero channel inputs are supported",),
    "binary_cross_entropy_with_logits": (r"result type \w+ can't be cast to the desired output type",),
    "norm": (r"Expected a floating point or complex tensor as input",),  # shendu honours dtype= first
    "tanhshrink": (r"Subtraction, the `-` operator, with a bool tensor",),  # shendu reads bools as floats
    # torch quirks: logsumexp over dim=() of an int tensor, pooling inputs with no channels or size,
    # repeat_interleave along dim -1 of a 0-d tensor.
    "logsumexp": (r"doesn't match the broadcast shape",),
    "max_pool1d": (r"Expected \dD or \dD \(batch mode\) tensor",),
    "avg_pool1d": (r"Expected \dD or \dD \(batch mode\) tensor",),
    "max_pool2d": (r"Expected 3D or 4D \(batch mode\) tensor",),
    "avg_pool2d": (r"Expected 3D or 4D \(batch mode\) tensor",),
    "repeat_interleave": (r"Dimension out of range",),
    "adaptive_avg_pool2d": (r"Expected (input|grad_output) to have non-zero size for non-batch dimensions",),
    "adaptive_max_pool2d": (r"Expected (input|grad_output) to have non-zero size for non-batch dimensions",),
    # torch's clamp backward cannot grow a 0-d input to the bounds' broadcast shape.
    "clamp": (r"doesn't match the broadcast shape",),
    "clip": (r"doesn't match the broadcast shape",),
    "clamp_min": (r"doesn't match the broadcast shape",),
    "clamp_max": (r"doesn't match the broadcast shape",),
    "pow": (
        r"cannot be converted to type c10::Half",  # torch converts a float16 tensor's exponent to half
        r"Subtraction, the `-` operator, with a bool tensor",  # torch's backward for a bool exponent
    ),
    # torch 2.13's own autograd bugs for scatter with an int32 or empty index.
    "scatter": (r"ScatterBackward0 returned an invalid gradient",),
    "scatter_add": (r"ScatterAddBackward0 returned an invalid gradient",),
    "interpolate": (r"Non-empty \dD data tensor expected",),
    # torch 2.13 cannot crop and wrap one dim in the same circular pad (its own aliasing check).
    "pad": (r"some elements of the input tensor and the written-to tensor refer to a single memory location",),
    # torch 2.13's backward of an empty pixel shuffle returns a gradient of the wrong shape.
    "pixel_shuffle": (r"PixelShuffleBackward0 returned an invalid gradient",),
    "pixel_unshuffle": (r"PixelUnshuffleBackward0 returned an invalid gradient",),
    "set_default_dtype": (r"invalid dtype object",),  # shendu also takes dtype names ("float32")
}
MIXED_PRECISION = r"has dtype shendu.float\d+ but the input has dtype shendu.float\d+"
# Calls torch accepts that shendu refuses on purpose (regexes of shendu's message).
STRICT_OPS: dict[str, tuple[str, ...]] = {
    # A number bound that overflows the dtype is refused even beside a NaN bound (torch then skips the check).
    "clamp": (r"cannot be converted to \w+ without overflow",),
    "clip": (r"cannot be converted to \w+ without overflow",),
    "clamp_min": (r"cannot be converted to \w+ without overflow",),
    "clamp_max": (r"cannot be converted to \w+ without overflow",),
    # torch interpolates integer tensors only with a 0-d float weight tensor, promoting them to float.
    "lerp": (r"lerp: expected a floating-point input",),
    "manual_seed": (r"seed must be an int",),  # torch also takes floats, bools and numeric strings
    "from_numpy": (r"NumPy dtype \w+ is not supported",),  # no complex or uint16..uint64 dtypes
    "gather": (r"index must have as many dims",),  # torch skips the check for an empty index
    "pad": (
        r"cannot be converted to \w+ without overflow",  # a NaN or inf fill value for an integer tensor
        r"needs at least one",  # torch lets replicate padding crop a depth to nothing, not a width
        # torch checks the wrap against the uncropped size, then reads memory it never wrote.
        r"can wrap around at most once, got padding .* once cropped",
    ),
    # torch checks dropout_p only when it drops something from a non-empty input.
    "scaled_dot_product_attention": (r"dropout_p must be a probability between 0 and 1",),
    # Scope: interpolate's lanczos mode, antialiasing and 5-D area resampling are not implemented.
    "interpolate": (
        r"mode 'lanczos' is not implemented",
        r"antialias=True is not implemented",
        r"mode 'area' is implemented",
    ),
    "where": (r"condition to be a bool tensor, got dtype shendu.uint8",),  # deprecated in torch
    "cross_entropy": (
        r"label_smoothing must be between 0.0 and 1.0",  # torch's own docs ask for it
        r"expected class indices \(an integer tensor of shape \(\)\)",  # torch also takes (1,) for (C,)
    ),
    "nll_loss": (r"expected class indices \(an integer tensor of shape \(\)\)",),
    # Scope: integer indices and one value per stored element (no hybrid sparse tensors).
    "sparse_coo_tensor": (r"indices must be integers", r"no hybrid sparse tensors"),
    "spmm": (r"indices must be integers", r"no hybrid sparse tensors"),
    # torch skips its dtype check when there is nothing to draw.
    "rand": (r"expected a floating-point dtype",),
    "randn": (r"expected a floating-point dtype",),
    # torch skips its shape or dtype checks when the input or output has no elements.
    "scatter": (r"index must have as many dims", r"must be no larger than"),
    "scatter_add": (r"index must have as many dims", r"must be no larger than"),
    "repeat": (r"repeats must be >= 0",),
    "tile": (r"repeats must be >= 0",),
    "adaptive_avg_pool2d": (
        r"expected a 3-D \(unbatched\) or 4-D",
        r"expected a 3-D \(C, H, W\) or 4-D",  # torch also pools a 2-D (H, W) input, undocumented
        r"cannot pool an empty input",
        r"expected a floating-point input",
    ),
    "adaptive_max_pool2d": (
        r"expected a 3-D \(unbatched\) or 4-D",
        r"expected a 3-D \(C, H, W\) or 4-D",
        r"cannot pool an empty input",
    ),
    # torch only warns when an InstanceNorm without running stats or affine gets another channel count.
    # With use_input_stats=False it normalizes as batch_norm does, and torch checks eps only when there is
    # something to normalize.
    "instance_norm": (
        r"expected input with \d+ channels",
        r"eps must be positive",
        r"eps must be non-negative",
        MIXED_PRECISION,
    ),
    # torch runs float16 or float64 inputs with float32 weights and statistics; shendu asks for one dtype.
    "layer_norm": (MIXED_PRECISION, r"eps must be non-negative"),
    "einsum": (r"expected all operands to have the same dtype",),  # torch too, except in a fast path
    "batch_norm": (
        r"eps must be non-negative",  # torch checks eps only when there is something to normalize
        r"batch_norm: expected an input of shape",
        r"should have \d+ elements",
        r"running_mean and running_var are required",
        r"expected input with \d+ channels",  # a BatchNorm without weights or statistics: torch does not look
        MIXED_PRECISION,
    ),
    # torch only checks the channel count of a GroupNorm with affine parameters.
    "group_norm": (r"eps must be positive", MIXED_PRECISION, r"expected input with \d+ channels"),
}
# Sparse results are compared through their dense form; spmm's sparse operand is built from
# (indices, values, size). torch checks the indices only when asked (else an out-of-range one crashes).
DENSE_FORMS: dict[str, Callable[[Any], Callable[..., Any]]] = {
    "sparse_coo_tensor": lambda lib: lambda *a, **k: lib.sparse_coo_tensor(*a, **k, **_checked(lib)).to_dense(),
    "spmm": lambda lib: lambda i, v, size, x: lib.spmm(lib.sparse_coo_tensor(i, v, size, **_checked(lib)), x),
}


def _checked(lib: Any) -> dict[str, bool]:
    return {"check_invariants": True} if lib is torch else {}


TORCH_TWINS: dict[str, Callable[..., Any] | None] = {
    "get_rng_state": None,  # a different generator: the states share nothing
    "get_num_threads": None,  # BLAS's threads in shendu, torch's own thread pool in torch
    "cast": lambda x, dtype: x.to(dtype),
    "move": lambda x, device: x.to(device),
}
# shendu binds these functions as Tensor methods too, so they take the method's forms (``x.flip(0, 1)``).
METHOD_TWINS = ("flip", "permute", "tile", "repeat", "expand", "reshape", "view")


def small_floats(d: Draw, pool: tuple[Any, ...] = (0.0, 0.5, 1.0, 2.0, -1.0, math.nan, math.inf, 1e38)) -> Any:
    return d.choice(pool)


def dtype_arg(d: Draw, names: tuple[str, ...] = ("float32", "float64", "float16", "int64", "int32", "bool")) -> D:
    return D(d.choice(names))


def sizes(d: Draw) -> tuple[Any, ...]:
    """A size for a creation function: mostly small, sometimes negative, float, bool or absurdly large."""
    base = list(d.shape(0, 3, 0, 3))
    kind = d.choice(("ok", "ok", "ok", "negative", "float", "huge", "bool", "none"))
    if kind == "negative":
        base.insert(d.int(0, len(base)), -d.int(1, 3))
    elif kind == "float":
        base.append(2.5)
    elif kind == "huge":
        base = [d.choice(HUGE_SIZES), d.choice(HUGE_SIZES)]
    elif kind == "bool":
        base.append(True)
    elif kind == "none":
        base.append(None)
    return tuple(base)


def creation_kwargs(d: Draw, dtypes: tuple[str, ...] = ("float32", "float64", "float16", "int64", "bool")) -> dict:
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["dtype"] = dtype_arg(d, dtypes)
    if d.maybe(0.4):
        kwargs["device"] = d.choice(("cpu", *BAD_DEVICES))
    if d.maybe(0.2):
        kwargs["requires_grad"] = True
    return kwargs


def p_shape(d: Draw) -> Call:
    shape = sizes(d)
    form = d.choice(("varargs", "tuple", "size"))
    kwargs = creation_kwargs(d)
    if form == "varargs":
        return Call(shape, kwargs)
    if form == "tuple":
        return Call((shape,), kwargs)
    return Call((), {"size": shape, **kwargs})


def p_full(d: Draw) -> Call:
    return Call((sizes(d), d.scalar()), creation_kwargs(d))


def p_like(d: Draw) -> Call:
    return Call((d.tensor(),), creation_kwargs(d))


def p_full_like(d: Draw) -> Call:
    return Call((d.tensor(), d.scalar()), creation_kwargs(d))


def p_arange(d: Draw) -> Call:
    pool = (0, 1, 5, -3, 2.5, 0.5, -0.5, 0.0, math.nan, math.inf, 1e38, 2**62)
    args = tuple(d.choice(pool) for _ in range(d.int(1, 3)))
    return Call(args, creation_kwargs(d, ("float32", "float64", "int64", "int32", "uint8")))


def p_linspace(d: Draw, base: bool = False) -> Call:
    pool = (0, 1, -2.5, 10, math.nan, math.inf, 1e38)
    steps = d.choice((0, 1, 2, 5, -1, 2.5, 2**40))
    args: tuple[Any, ...] = (d.choice(pool), d.choice(pool), steps)
    if base and d.maybe(0.3):
        args += (d.choice((2.0, 10, 0.0, -2.0, math.nan)),)
    return Call(args, creation_kwargs(d, ("float32", "float64", "int64", "float16")))


def p_eye(d: Draw) -> Call:
    pool = (0, 1, 3, -1, 2.5, 2**40)
    args = (d.choice(pool),) if d.bool() else (d.choice(pool), d.choice(pool))
    return Call(args, creation_kwargs(d))


def p_randint(d: Draw) -> Call:
    low, high = d.choice((0, 3, -2, 10, 2**62)), d.choice((0, 3, 10, -1, 2**63 - 1))
    size = sizes(d)
    form = d.choice(("high", "low_high", "kw"))
    kwargs = creation_kwargs(d, ("int64", "int32", "uint8", "float32", "bool"))
    if form == "high":
        return Call((high, size), kwargs)
    if form == "low_high":
        return Call((low, high, size), kwargs)
    return Call((low, high), {"size": size, **kwargs})


def p_randint_like(d: Draw) -> Call:
    x = d.tensor(dtype=("int64", "float32", "int32", "uint8"))
    args = (x, d.choice((3, 0, -1, 10))) if d.bool() else (x, d.choice((0, -2, 5)), d.choice((3, 0, 10)))
    return Call(args, creation_kwargs(d, ("int64", "float32")))


def p_randperm(d: Draw) -> Call:
    return Call((d.choice((0, 1, 5, -1, 2.5, 2**40)),), creation_kwargs(d, ("int64", "int32", "float32", "uint8")))


def p_normal(d: Draw) -> Call:
    form = d.choice(("scalars", "tensor_mean", "tensor_std", "both"))
    scalars = (0.0, 1.0, -1.0, 0.0, math.nan, math.inf, 1e38)
    if form == "scalars":
        return Call((d.choice(scalars), d.choice((*scalars, -1.0, 0.0)), sizes(d)), creation_kwargs(d, FLOATS))
    if form == "tensor_mean":
        return Call((d.tensor(dtype=FLOATS), d.choice((1.0, 0.0, -1.0, math.nan))))
    if form == "tensor_std":
        return Call((d.choice(scalars), d.tensor(dtype=FLOATS)))
    return Call((d.tensor(dtype=FLOATS), d.tensor(dtype=FLOATS)))


def p_bernoulli(d: Draw) -> Call:
    x = d.tensor(dtype=(*FLOATS, "int64"))
    if d.maybe(0.3):
        return Call((x,), {"p": d.choice((0.5, 0.0, 1.0, -0.5, 1.5, math.nan))})
    return Call((x,))


def p_multinomial(d: Draw) -> Call:
    x = d.tensor(min_rank=0, max_rank=3, dtype=(*FLOATS, "int64"))
    return Call((x, d.choice((1, 2, 0, -1, 5, 2.5))), {"replacement": d.bool()})


def nested(d: Draw) -> Any:
    kind = d.choice(("floats", "ints", "ragged", "mixed", "strings", "deep", "empty", "scalar", "none", "huge_int"))
    if kind == "floats":
        return [[small_floats(d) for _ in range(2)] for _ in range(d.int(0, 2))]
    if kind == "ints":
        return [d.int(-5, 5) for _ in range(d.int(0, 3))]
    if kind == "ragged":
        return [[1, 2], [3]]
    if kind == "mixed":
        return [1, 2.5, True, math.nan]
    if kind == "strings":
        return ["a", "b"]
    if kind == "deep":
        return [[[[[math.inf]]]]]
    if kind == "empty":
        return [[], []]
    if kind == "scalar":
        return d.scalar()
    if kind == "none":
        return None
    return [2**64, 1]


def p_tensor(d: Draw) -> Call:
    return Call((nested(d),), creation_kwargs(d))


def p_as_tensor(d: Draw) -> Call:
    kwargs = creation_kwargs(d)
    kwargs.pop("requires_grad", None)
    return Call((nested(d),), kwargs)


def p_from_numpy(d: Draw) -> Call:
    kind = d.choice(("float", "int", "complex", "object", "list", "uint16", "0d", "noncontiguous"))
    if kind == "float":
        return Call((d.tensor().array,))
    if kind == "int":
        return Call((np.arange(6, dtype=np.int16).reshape(2, 3),))
    if kind == "complex":
        return Call((np.ones(3, dtype=np.complex64),))
    if kind == "object":
        return Call((np.array([1, "a"], dtype=object),))
    if kind == "uint16":
        return Call((np.ones(2, dtype=np.uint16),))
    if kind == "0d":
        return Call((np.array(math.nan),))
    if kind == "noncontiguous":
        return Call((np.arange(12.0).reshape(3, 4)[:, ::2],))
    return Call(([1.0, 2.0],))


def p_cast(d: Draw) -> Call:
    return Call((d.tensor(), dtype_arg(d, ("float32", "float64", "float16", "int64", "int32", "uint8", "bool"))))


def p_move(d: Draw) -> Call:
    return Call((d.tensor(), d.choice(("cpu", *BAD_DEVICES))))


def p_manual_seed(d: Draw) -> Call:
    return Call((d.choice((0, 1, 2**63, -1, 2**64, 2**70, 1.5, "7", None, True, -(2**63))),))


def p_set_rng_state(d: Draw) -> Call:
    kind = d.choice(("own", "bytes", "float", "empty", "list"))
    if kind == "own":
        return Call((T(np.zeros(5000, dtype=np.uint8)),))
    if kind == "bytes":
        return Call((d.tensor(shape=(d.int(0, 40),), dtype="uint8"),))
    if kind == "float":
        return Call((d.tensor(dtype="float32"),))
    if kind == "empty":
        return Call((T(np.zeros(0, dtype=np.uint8)),))
    return Call(([1, 2, 3],))


def p_set_default_dtype(d: Draw) -> Call:
    return Call((dtype_arg(d, ("int64", "bool", "uint8", "int32")) if d.bool() else d.choice(("float32", 3, None)),))


def p_promote_types(d: Draw) -> Call:
    names = ("float32", "float64", "float16", "int64", "int32", "int8", "uint8", "bool")
    return Call((dtype_arg(d, names), dtype_arg(d, names) if d.maybe(0.9) else "float32"))


def unary(d: Draw) -> Call:
    return Call((d.tensor(),))


def unary_float(d: Draw) -> Call:
    """Ops torch defines on every dtype but whose interesting behaviour is on floats."""
    return Call((d.tensor(dtype=d.choice((FLOATS, ("int64", "bool", "uint8", "float32")))),))


def activation(d: Draw, **params: tuple[Any, ...]) -> Call:
    x = d.tensor(dtype=d.choice((FLOATS, FLOATS, ("int64", "bool"))))
    kwargs = {name: d.choice(pool) for name, pool in params.items() if d.bool()}
    return Call((x,), kwargs)


def act(**params: tuple[Any, ...]) -> Callable[[Draw], Call]:
    return lambda d: activation(d, **params)


INPLACE = (False, False, True)
SLOPES = (0.01, 1.0, 0.0, -1.0, 2.0, math.nan, math.inf, 1e38)


def broadcastable(d: Draw, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts with ``shape``: a suffix of it with some sizes set to 1, maybe with leading 1s."""
    keep = d.int(0, len(shape))
    out = [1 if d.maybe(0.3) else s for s in shape[len(shape) - keep :]]
    return (1,) * d.int(0, 1) + tuple(out)


def other_operand(d: Draw, x: T, dtypes: tuple[str, ...] | None = None) -> Any:
    kind = d.choice(("scalar", "same", "broadcast", "broadcast", "random"))
    if kind == "scalar":
        return d.scalar()
    if kind == "same":
        return d.tensor(shape=x.array.shape, dtype=dtypes)
    if kind == "broadcast":
        return d.tensor(shape=broadcastable(d, x.array.shape), dtype=dtypes)
    return d.tensor(dtype=dtypes)


def binary(d: Draw, dtypes: tuple[str, ...] | None = None, scalar_first: bool = True, **params: Any) -> Call:
    x = d.tensor(dtype=dtypes)
    y = other_operand(d, x, dtypes)
    args: tuple[Any, ...] = (x, y)
    if scalar_first and d.maybe(0.1):
        args = (d.scalar(), x)
    kwargs = {name: d.choice(pool) for name, pool in params.items() if d.bool()}
    return Call(args, kwargs)


def bin_(dtypes: tuple[str, ...] | None = None, scalar_first: bool = True, **params: Any) -> Callable[[Draw], Call]:
    return lambda d: binary(d, dtypes, scalar_first, **params)


def tensor_pair(d: Draw, dtypes: tuple[str, ...] | None = None, **params: Any) -> Call:
    x = d.tensor(dtype=dtypes)
    kind = d.choice(("same", "broadcast", "random"))
    if kind == "same":
        y = d.tensor(shape=x.array.shape, dtype=dtypes)
    elif kind == "broadcast":
        y = d.tensor(shape=broadcastable(d, x.array.shape), dtype=dtypes)
    else:
        y = d.tensor(dtype=dtypes)
    return Call((x, y), {name: d.choice(pool) for name, pool in params.items() if d.bool()})


def p_clamp(d: Draw) -> Call:
    x = d.tensor()
    bound = (None, 0, -1.0, 1.0, math.nan, math.inf, -math.inf, 1e38)

    def one() -> Any:
        return (
            d.tensor(shape=broadcastable(d, x.array.shape), dtype=x.array.dtype.name)
            if d.maybe(0.3)
            else d.choice(bound)
        )

    return Call((x,), {"min": one(), "max": one()})


def p_masked_fill(d: Draw) -> Call:
    x = d.tensor()
    mask_shape = broadcastable(d, x.array.shape) if d.bool() else d.shape()
    mask = d.tensor(shape=mask_shape, dtype=d.choice(("bool", "bool", "uint8", "float32")))
    value = d.scalar() if d.bool() else d.tensor(shape=(), dtype=d.choice(("float32", "int64", "float64")))
    if d.maybe(0.1):
        value = d.tensor(shape=(2,))
    return Call((x, mask, value))


def p_where(d: Draw) -> Call:
    x = d.tensor()
    cond = d.tensor(shape=broadcastable(d, x.array.shape), dtype=d.choice(("bool", "bool", "uint8", "float32")))
    if d.maybe(0.2):
        return Call((cond,))
    y = other_operand(d, x)
    if d.maybe(0.15):
        return Call((cond, d.scalar(), d.scalar()))
    return Call((cond, x, y))


def p_nan_to_num(d: Draw) -> Call:
    pool = (None, 0.0, 1.0, -1.0, math.nan, math.inf, 1e38, 5)
    return Call((d.tensor(),), {name: d.choice(pool) for name in ("nan", "posinf", "neginf") if d.bool()})


def p_round(d: Draw) -> Call:
    x = d.tensor()
    return Call((x,), {"decimals": d.choice((0, 1, 3, -1, 400, -400))}) if d.bool() else Call((x,))


def p_max_min(d: Draw) -> Call:
    x = d.tensor()
    form = d.choice(("all", "dim", "dim", "other"))
    if form == "all":
        return Call((x,))
    if form == "other":
        return Call((x, other_operand(d, x)))
    return Call((x, d.dim(x.array.ndim)), {"keepdim": d.bool()})


def dims_arg(d: Draw, ndim: int) -> Any:
    kind = d.choice(("none", "int", "int", "tuple", "list", "empty", "dup"))
    if kind == "none":
        return None
    if kind == "int":
        return d.dim(ndim)
    if kind == "tuple":
        return tuple(d.dim(ndim) for _ in range(d.int(1, 2)))
    if kind == "list":
        return [d.dim(ndim)]
    if kind == "empty":
        return ()
    dim = d.dim(ndim)
    return (dim, dim)


def reduce(
    d: Draw,
    dims: str = "multi",
    dtype: bool = False,
    correction: bool = False,
    p: bool = False,
    dtypes: tuple[str, ...] | None = None,
) -> Call:
    x = d.tensor(dtype=dtypes)
    kwargs: dict[str, Any] = {}
    if dims == "multi":
        dim = dims_arg(d, x.array.ndim)
    elif dims == "int_or_none":
        dim = d.dim(x.array.ndim) if d.maybe(0.7) else None
    else:
        dim = d.dim(x.array.ndim)
    if dim is not None or dims == "int":
        kwargs["dim"] = dim
    if d.bool() and "dim" in kwargs and dims != "int":
        kwargs["keepdim"] = d.bool()
    if dtype and d.maybe(0.3):
        kwargs["dtype"] = dtype_arg(d, ("float64", "float32", "float16", "int64", "int32", "bool"))
    if correction and d.maybe(0.5):
        if d.bool():
            kwargs["correction"] = d.choice((0, 1, 2, -1, 1.5, 100))
        else:
            kwargs["unbiased"] = d.bool()
    if p and d.maybe(0.6):
        kwargs["p"] = d.choice((2, 1, "fro", "nuc", math.inf, -math.inf, 0, 3, 0.5, -1, "bad"))
    return Call((x,), kwargs)


def red(**options: Any) -> Callable[[Draw], Call]:
    return lambda d: reduce(d, **options)


def p_softmax(d: Draw) -> Call:
    x = d.tensor(dtype=d.choice((FLOATS, FLOATS, ("int64",))))
    kwargs: dict[str, Any] = {"dim": d.dim(x.array.ndim)}
    if d.maybe(0.3):
        kwargs["dtype"] = dtype_arg(d, ("float64", "float32", "float16", "int64"))
    return Call((x,), kwargs)


def matrix(d: Draw, rows: int, cols: int, dtypes: tuple[str, ...] | None = None) -> T:
    return d.tensor(shape=(rows, cols), dtype=dtypes)


def linalg_dtypes(d: Draw) -> tuple[str, ...]:
    return d.choice((("float32",), ("float64",), FLOATS, ("int64", "float32"), ("int64",), ("bool",)))


def p_mm(d: Draw) -> Call:
    dt = linalg_dtypes(d)
    n, k, m = d.int(0, 3), d.int(0, 3), d.int(0, 3)
    if d.maybe(0.25):
        return Call((d.tensor(dtype=dt), d.tensor(dtype=dt)))
    return Call((matrix(d, n, k, dt), matrix(d, k if d.maybe(0.85) else k + 1, m, dt)))


def p_bmm(d: Draw) -> Call:
    dt = linalg_dtypes(d)
    b, n, k, m = d.int(0, 2), d.int(0, 3), d.int(0, 3), d.int(0, 3)
    if d.maybe(0.25):
        return Call((d.tensor(dtype=dt), d.tensor(dtype=dt)))
    b2 = b if d.maybe(0.85) else b + 1
    return Call((d.tensor(shape=(b, n, k), dtype=dt), d.tensor(shape=(b2, k, m), dtype=dt)))


def p_matmul(d: Draw) -> Call:
    dt = linalg_dtypes(d)
    k = d.int(0, 3)
    a = (*d.shape(0, 3, 1, 3), k)
    b = (*d.shape(0, 2, 1, 3), k if d.maybe(0.85) else k + 1, d.int(0, 3))
    if d.maybe(0.2):
        a = a[-1:]
    if d.maybe(0.2):
        b = b[-2:-1]
    if d.maybe(0.1):
        a = ()
    return Call((d.tensor(shape=a, dtype=dt), d.tensor(shape=b, dtype=dt)))


def p_vectors(d: Draw) -> Call:
    dt = linalg_dtypes(d)
    n = d.int(0, 4)
    m = n if d.maybe(0.7) else d.int(0, 4)
    a = d.tensor(shape=(n,), dtype=dt) if d.maybe(0.85) else d.tensor(dtype=dt)
    return Call((a, d.tensor(shape=(m,), dtype=dt)))


def p_linear(d: Draw) -> Call:
    dt = linalg_dtypes(d)
    i, o = d.int(0, 3), d.int(0, 3)
    x = d.tensor(shape=(*d.shape(0, 2, 0, 3), i), dtype=dt) if d.maybe(0.85) else d.tensor(dtype=dt)
    w = d.tensor(shape=(o, i if d.maybe(0.85) else i + 1), dtype=dt) if d.maybe(0.9) else d.tensor(dtype=dt)
    args: tuple[Any, ...] = (x, w)
    if d.bool():
        args += (d.tensor(shape=(o,) if d.maybe(0.8) else (o + 1,), dtype=dt),)
    return Call(args)


def p_bilinear(d: Draw) -> Call:
    n, i1, i2, o = d.int(0, 2), d.int(1, 3), d.int(1, 3), d.int(1, 3)
    x1 = d.tensor(shape=(n, i1), dtype=FLOATS[:2])
    x2 = d.tensor(shape=(n if d.maybe(0.85) else n + 1, i2), dtype=x1.array.dtype.name)
    w = d.tensor(shape=(o, i1, i2 if d.maybe(0.85) else i2 + 1), dtype=x1.array.dtype.name)
    args: tuple[Any, ...] = (x1, x2, w)
    if d.bool():
        args += (d.tensor(shape=(o,), dtype=x1.array.dtype.name),)
    return Call(args)


EINSUM = (
    ("ij,jk->ik", 2),
    ("ii->i", 1),
    ("ij->", 1),
    ("bij,bjk->bik", 2),
    ("i,i->", 2),
    ("...ij->...ji", 1),
    ("ij,jk->il", 2),
    ("ij->ij->", 1),
    ("ab", 2),
    ("i j , j k -> i k", 2),
    ("ij,jk", 2),
    ("Ab,bc->Ac", 2),
    ("", 1),
)


def p_einsum(d: Draw) -> Call:
    eq, count = d.choice(EINSUM)
    dt = linalg_dtypes(d)
    n = d.int(0, 3)
    operands = tuple(d.tensor(shape=(n,) * d.int(1, 3), dtype=dt) for _ in range(count))
    if d.maybe(0.2):
        return Call((eq, list(operands)))
    return Call((eq, *operands))


def p_cat(d: Draw) -> Call:
    x = d.tensor(min_rank=0, max_rank=3)
    tensors = [x]
    for _ in range(d.int(0, 2)):
        shape = list(x.array.shape)
        if shape and d.bool():
            shape[d.int(0, len(shape) - 1)] = d.int(0, 3)
        tensors.append(d.tensor(shape=tuple(shape) if d.maybe(0.85) else d.shape()))
    if d.maybe(0.1):
        tensors = []
    dim = d.dim(x.array.ndim + 1)
    return Call((tuple(tensors) if d.bool() else tensors,), {"dim": dim} if d.bool() else {})


def shape_arg(d: Draw, numel: int) -> tuple[Any, ...]:
    kind = d.choice(("flat", "minus", "split", "bad", "two_minus", "negative", "empty"))
    if kind == "flat":
        return (numel,)
    if kind == "minus":
        return (-1,)
    if kind == "split":
        return (1, numel, 1)
    if kind == "two_minus":
        return (-1, -1)
    if kind == "negative":
        return (-2, max(numel, 1))
    if kind == "empty":
        return ()
    return (numel + 1,)


def p_reshape(d: Draw) -> Call:
    x = d.tensor()
    shape = shape_arg(d, x.array.size)
    if d.bool():
        return Call((x, shape))
    return Call((x, *shape))


def p_expand(d: Draw) -> Call:
    x = d.tensor(max_rank=3, high=3)
    target = list(x.array.shape)
    target = [d.choice((s, -1, s + 1, 3 if s == 1 else s)) for s in target]
    target = [d.int(0, 3) for _ in range(d.int(0, 2))] + target
    if d.maybe(0.1):
        target = target[1:]
    return Call((x, *target)) if d.bool() else Call((x, tuple(target)))


def perm(d: Draw, ndim: int) -> list[int]:
    order = list(range(ndim))
    order = [order[i] for i in np.random.default_rng(d.int(0, 99)).permutation(ndim)]
    if d.maybe(0.2) and ndim:
        order[0] = order[-1]
    if d.maybe(0.1):
        order.append(ndim)
    if d.maybe(0.2) and ndim:
        order[-1] -= ndim
    return order


def p_permute(d: Draw) -> Call:
    x = d.tensor()
    order = perm(d, x.array.ndim)
    return Call((x, *order)) if d.bool() else Call((x, tuple(order)))


def p_two_dims(d: Draw) -> Call:
    x = d.tensor()
    return Call((x, d.dim(x.array.ndim), d.dim(x.array.ndim)))


def p_dim(d: Draw) -> Call:
    x = d.tensor()
    return Call((x, d.dim(x.array.ndim)))


def p_unsqueeze(d: Draw) -> Call:
    x = d.tensor()
    return Call((x, d.dim(x.array.ndim + 1)))


def p_squeeze(d: Draw) -> Call:
    x = d.tensor(low=1, high=2)
    kind = d.choice(("none", "int", "tuple"))
    if kind == "none":
        return Call((x,))
    if kind == "int":
        return Call((x, d.dim(x.array.ndim)))
    return Call((x, tuple(d.dim(x.array.ndim) for _ in range(d.int(0, 2)))))


def p_flatten(d: Draw) -> Call:
    x = d.tensor()
    n = x.array.ndim
    return Call((x,), {"start_dim": d.dim(n), "end_dim": d.dim(n)} if d.bool() else {})


def p_unflatten(d: Draw) -> Call:
    x = d.tensor(min_rank=1)
    dim = d.dim(x.array.ndim)
    size = x.array.shape[dim] if -x.array.ndim <= dim < x.array.ndim else 1
    sizes_ = d.choice(((size,), (1, size), (-1, 1), (size, -1), (2, -1), (-1, -1), (size + 1,), ()))
    return Call((x, dim, sizes_))


def p_narrow(d: Draw) -> Call:
    x = d.tensor(min_rank=1 if d.maybe(0.9) else 0)
    dim = d.dim(x.array.ndim)
    return Call((x, dim, d.int(-4, 4), d.int(-1, 4)))


def p_select(d: Draw) -> Call:
    x = d.tensor(min_rank=1 if d.maybe(0.9) else 0)
    return Call((x, d.dim(x.array.ndim), d.int(-5, 4)))


def p_chunk(d: Draw) -> Call:
    x = d.tensor(min_rank=1 if d.maybe(0.9) else 0)
    return Call((x, d.choice((1, 2, 3, 0, -1, 2.5))), {"dim": d.dim(x.array.ndim)} if d.bool() else {})


def p_split(d: Draw) -> Call:
    x = d.tensor(min_rank=1 if d.maybe(0.9) else 0)
    dim = d.dim(x.array.ndim)
    size = d.choice((1, 2, 0, -1, [1, 1], [0, 5], [-1, 2], [], 2.5))
    return Call((x, size), {"dim": dim} if d.bool() else {})


def p_flip(d: Draw) -> Call:
    x = d.tensor()
    dims = [d.dim(x.array.ndim) for _ in range(d.int(0, 2))]
    return Call((x, dims)) if d.bool() else Call((x, *dims))


def p_roll(d: Draw) -> Call:
    x = d.tensor()
    kind = d.choice(("flat", "int", "tuple", "mismatch"))
    if kind == "flat":
        return Call((x, d.int(-5, 5)))
    if kind == "int":
        return Call((x, d.int(-5, 5), d.dim(x.array.ndim)))
    if kind == "tuple":
        return Call((x, (d.int(-5, 5), 1), (d.dim(x.array.ndim), d.dim(x.array.ndim))))
    return Call((x, (1, 2), (0,)))


def p_repeat(d: Draw) -> Call:
    x = d.tensor(max_rank=3, high=3)
    reps = [d.int(0, 2) for _ in range(x.array.ndim + d.int(-1, 1))]
    if d.maybe(0.15) and reps:
        reps[0] = -1
    return Call((x, *reps)) if d.bool() else Call((x, tuple(reps)))


def p_repeat_interleave(d: Draw) -> Call:
    x = d.tensor(max_rank=3, high=3)
    kind = d.choice(("int", "tensor", "dim", "neg", "self"))
    if kind == "int":
        return Call((x, d.int(0, 3)))
    if kind == "neg":
        return Call((x, -1))
    if kind == "self":
        return Call((d.tensor(shape=(d.int(0, 4),), dtype=("int64", "int32", "float32")),))
    dim = d.dim(x.array.ndim)
    size = x.array.shape[dim] if x.array.ndim and -x.array.ndim <= dim < x.array.ndim else 1
    reps = d.index((size if d.maybe(0.8) else size + 1,), 3)
    if kind == "tensor":
        return Call((x, reps, dim))
    return Call((x, d.int(0, 3)), {"dim": dim})


def p_movedim(d: Draw) -> Call:
    x = d.tensor()
    n = x.array.ndim
    if d.bool():
        return Call((x, d.dim(n), d.dim(n)))
    return Call((x, (d.dim(n), d.dim(n)), (d.dim(n),)))


def p_pad(d: Draw) -> Call:
    x = d.tensor(min_rank=1)
    n = d.choice((2, 2, 4, 1, 6, 8))
    pads = tuple(d.choice((0, 1, 2, -1, -5)) for _ in range(n))
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["mode"] = d.choice(("constant", "reflect", "replicate", "circular", "bad"))
    if d.bool():
        kwargs["value"] = d.choice((0.0, 1.5, math.nan, math.inf))
    return Call((x, pads), kwargs)


def p_pixel_shuffle(d: Draw) -> Call:
    factor = d.choice((2, 2, 1, 3, 0, -1, 1.5, True))
    c = d.choice((4, 8, 9, 3, 0))
    shape = (*d.shape(0, 2, 0, 2), c, d.int(0, 3), d.int(0, 3)) if d.maybe(0.8) else d.shape()
    return Call((d.tensor(shape=shape, dtype=d.choice((FLOATS, ("int64",)))), factor))


def p_pixel_unshuffle(d: Draw) -> Call:
    # No empty inputs: torch 2.13 returns them unchanged, where shendu (and the definition) rearrange
    # their shape (tests/ops/test_pixel_shuffle.py shows both).
    factor = d.choice((2, 2, 1, 3, 0, -1, 1.5))
    lead = (*d.shape(0, 2, 1, 2), d.int(1, 3))
    shape = (*lead, d.choice((2, 4, 3)), d.choice((2, 4, 6, 5))) if d.maybe(0.8) else d.shape(low=1)
    return Call((d.tensor(shape=shape, dtype=d.choice((FLOATS, ("int64",)))), factor))


def p_attention(d: Draw) -> Call:
    """scaled_dot_product_attention: (..., L, E) queries against (..., S, E) keys and (..., S, Ev) values."""
    batch = d.shape(0, 2, 1, 3)
    length, source, embed = d.int(0, 3), d.int(0, 3), d.int(1, 3)
    dt = d.choice(("float32", "float32", "float64", "float16", "int64"))
    shapes = [(*batch, length, embed), (*batch, source, embed), (*batch, source, d.int(1, 3))]
    if d.maybe(0.2):
        shapes[d.int(0, 2)] = d.shape()
    q, k, v = (d.tensor(shape=shape, dtype=dt, mode="normal") for shape in shapes)
    kwargs: dict[str, Any] = {}
    if d.maybe(0.4):
        mask_shape = (length, source) if d.maybe(0.8) else d.shape(0, 3)
        kwargs["attn_mask"] = d.tensor(shape=mask_shape, dtype=d.choice(("bool", "bool", dt, "int64")), mode="normal")
    elif d.maybe(0.3):
        kwargs["is_causal"] = True
    if d.maybe(0.3):
        kwargs["scale"] = d.choice((0.5, 2.0, 0.0))
    if d.maybe(0.2):
        kwargs["dropout_p"] = d.choice((0.0, 1.0, 1.5))
    return Call((q, k, v), kwargs)


def p_multi_head_attention(d: Draw) -> Call:
    """multi_head_attention_forward with projection weights of the right sizes, most of the time."""
    embed, heads = d.choice((4, 4, 6, 3)), d.choice((2, 2, 1, 3, 4))
    length, source, batch = d.int(1, 3), d.int(1, 3), d.int(1, 2)
    dt = d.choice(("float32", "float32", "float64", "int64"))
    batched = d.maybe(0.8)

    def seq(n: int) -> T:
        shape = (n, batch, embed) if batched else (n, embed)
        return d.tensor(shape=shape if d.maybe(0.9) else d.shape(), dtype=dt, mode="normal")

    def weight(*shape: int) -> T:
        return d.tensor(shape=shape, dtype=dt, mode="normal")

    query, key = seq(length), seq(source)
    value = key if d.bool() else seq(source)
    args = (query, key, value, embed, heads, weight(3 * embed, embed), weight(3 * embed) if d.bool() else None)
    args += (None, None, d.bool(), 0.0, weight(embed, embed), weight(embed))
    kwargs: dict[str, Any] = {"training": d.bool(), "need_weights": d.bool()}
    if d.maybe(0.3):
        kwargs["key_padding_mask"] = d.tensor(shape=(batch, source) if batched else (source,), dtype="bool")
    if d.maybe(0.3):
        kwargs["attn_mask"] = d.tensor(shape=(length, source), dtype=d.choice(("bool", dt)), mode="normal")
    if d.maybe(0.2):
        kwargs["average_attn_weights"] = False
    return Call(args, kwargs)


def p_as(d: Draw) -> Call:
    x = d.tensor(max_rank=3)
    shape = x.array.shape if d.bool() else broadcastable(d, x.array.shape) if d.bool() else d.shape()
    return Call((d.tensor(shape=shape), x))


def p_tri(d: Draw) -> Call:
    x = d.tensor(min_rank=2 if d.maybe(0.85) else 0)
    return Call((x,), {"diagonal": d.int(-5, 5)} if d.bool() else {})


def p_diag(d: Draw) -> Call:
    x = d.tensor(min_rank=1 if d.maybe(0.85) else 0, max_rank=2 if d.maybe(0.85) else 3)
    return Call((x,), {"diagonal": d.int(-5, 5)} if d.bool() else {})


def p_diagonal(d: Draw) -> Call:
    x = d.tensor(min_rank=2 if d.maybe(0.85) else 0)
    kwargs = {"offset": d.int(-5, 5)} if d.bool() else {}
    if d.bool():
        kwargs.update(dim1=d.dim(x.array.ndim), dim2=d.dim(x.array.ndim))
    return Call((x,), kwargs)


def coo_parts(d: Draw, rows: int, cols: int) -> tuple[T, T]:
    """The indices and values of a sparse (rows, cols) matrix, sometimes out of range or of the wrong shape."""
    nnz = d.int(0, 5)
    shape = (2, nnz) if d.maybe(0.85) else d.choice(((nnz,), (3, nnz), (2, nnz + 1)))
    indices = d.index(shape, max(min(rows, cols), 1), d.choice(("int64", "int64", "int32", "float32")))
    values = d.tensor(shape=(nnz,) if d.maybe(0.9) else (nnz, 2), dtype=d.choice((FLOATS, ("float32",))))
    return indices, values


def p_sparse_coo_tensor(d: Draw) -> Call:
    rows, cols = d.int(0, 4), d.int(0, 4)
    indices, values = coo_parts(d, rows, cols)
    return Call((indices, values, (rows, cols))) if d.maybe(0.8) else Call((indices, values))


def p_spmm(d: Draw) -> Call:
    rows, cols, out = d.int(1, 4), d.int(1, 4), d.int(0, 3)
    indices, values = coo_parts(d, rows, cols)
    dense = d.tensor(shape=(cols if d.maybe(0.85) else cols + 1, out), dtype=values.array.dtype.name)
    return Call((indices, values, (rows, cols), dense))


def p_pairwise_distance(d: Draw) -> Call:
    x1 = d.tensor(shape=d.shape(1, 2, 0, 4) if d.maybe(0.9) else (), dtype=FLOATS)
    x2 = d.tensor(shape=broadcastable(d, x1.array.shape), dtype=x1.array.dtype.name)
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["p"] = d.choice((2.0, 1.0, 3.0, math.inf))
    if d.maybe(0.3):
        kwargs["eps"] = d.choice((1e-6, 0.0))
    if d.bool():
        kwargs["keepdim"] = d.bool()
    return Call((x1, x2), kwargs)


def p_cosine_similarity(d: Draw) -> Call:
    x1 = d.tensor(shape=d.shape(1, 3, 0, 4), dtype=FLOATS)
    x2 = d.tensor(shape=broadcastable(d, x1.array.shape), dtype=x1.array.dtype.name)
    kwargs: dict[str, Any] = {"dim": d.dim(x1.array.ndim)} if d.bool() else {}
    if d.maybe(0.3):
        kwargs["eps"] = d.choice((1e-8, 1e-3))
    return Call((x1, x2), kwargs)


def p_gather(d: Draw) -> Call:
    x = d.tensor(min_rank=1 if d.maybe(0.9) else 0)
    dim = d.dim(x.array.ndim)
    shape = tuple(d.int(0, s) for s in x.array.shape) if d.maybe(0.8) else d.shape()
    index = d.index(shape, max(x.array.shape or (1,)), d.choice(("int64", "int64", "int32", "float32")))
    return Call((x, dim, index))


def p_index_select(d: Draw) -> Call:
    x = d.tensor(min_rank=1 if d.maybe(0.9) else 0)
    dim = d.dim(x.array.ndim)
    size = x.array.shape[dim] if x.array.ndim and -x.array.ndim <= dim < x.array.ndim else 1
    index = d.index(d.shape(1, 1) if d.maybe(0.9) else d.shape(2, 2), size, d.choice(("int64", "int32", "float32")))
    return Call((x, dim, index))


def p_masked_select(d: Draw) -> Call:
    x = d.tensor()
    shape = broadcastable(d, x.array.shape) if d.maybe(0.8) else d.shape()
    return Call((x, d.tensor(shape=shape, dtype=d.choice(("bool", "bool", "uint8", "float32")))))


def p_one_hot(d: Draw) -> Call:
    index = d.index(d.shape(0, 3), 4, d.choice(("int64", "int64", "int32", "float32")))
    return Call((index,), {"num_classes": d.choice((-1, 4, 2, 0, 10, -3))} if d.bool() else {})


def p_scatter(d: Draw, add: bool = False) -> Call:
    x = d.tensor(min_rank=1 if d.maybe(0.9) else 0)
    dim = d.dim(x.array.ndim)
    shape = tuple(d.int(0, s) for s in x.array.shape) if d.maybe(0.8) else d.shape()
    index = d.index(shape, max(x.array.shape or (1,)), d.choice(("int64", "int64", "int32")))
    src_shape = x.array.shape if d.maybe(0.8) else d.shape()
    src = d.tensor(shape=src_shape, dtype=x.array.dtype.name if d.maybe(0.8) else None)
    if add:
        return Call((x, dim, index, src))
    if d.maybe(0.3):
        return Call((x, dim, index), {"value": d.scalar()})
    if d.maybe(0.15):
        return Call((x, dim, index, src), {"value": 1.0})
    return Call((x, dim, index, src))


def p_isclose(d: Draw) -> Call:
    call = tensor_pair(d, None, rtol=(1e-5, 0.0, -1.0, math.nan), atol=(1e-8, 0.0, -1.0), equal_nan=(True, False))
    return call


# nn.functional -------------------------------------------------------------------------------------


def f_dtypes(d: Draw) -> tuple[str, ...]:
    return d.choice((("float32",), ("float64",), FLOATS, ("int64",)))


def conv_setup(d: Draw, spatial: int, transpose: bool = False) -> Call:
    dt = f_dtypes(d)
    groups = d.choice((1, 1, 2, 0, -1))
    g = groups if groups > 0 else 1
    cin = g * d.int(1, 2)
    cout = g * d.int(1, 2)
    k = tuple(d.int(1, 3) for _ in range(spatial))
    n = d.int(0, 2)
    size = tuple(d.int(0, 5) for _ in range(spatial))
    rank = spatial + 2 if d.maybe(0.8) else d.choice((spatial + 1, spatial + 3, 1))
    shape = (n, cin, *size) if rank == spatial + 2 else (cin, *size) if rank == spatial + 1 else d.shape(rank, rank)
    if d.maybe(0.1):
        shape = (n, cin + 1, *size)
    x = d.tensor(shape=shape, dtype=dt)
    w_shape = (cin, cout // g, *k) if transpose else (cout, cin // g, *k)
    w = d.tensor(shape=w_shape, dtype=dt) if d.maybe(0.9) else d.tensor(dtype=dt)
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["bias"] = d.tensor(shape=(cout if d.maybe(0.85) else cout + 1,), dtype=dt)
    for name, pool in (("stride", (1, 2, 0, -1)), ("padding", (0, 1, 2, -1)), ("dilation", (1, 2, 0))):
        if d.maybe(0.4):
            kwargs[name] = d.choice(pool)
    if not transpose and d.maybe(0.15):
        kwargs["padding"] = d.choice(("same", "valid", "bad"))
    if transpose and d.maybe(0.3):
        kwargs["output_padding"] = d.choice((0, 1, 2, -1))
    if groups != 1 or d.maybe(0.2):
        kwargs["groups"] = groups
    return Call((x, w), kwargs)


def pool_setup(d: Draw, spatial: int, kind: str) -> Call:
    dt = f_dtypes(d)
    rank = spatial + 2 if d.maybe(0.7) else d.choice((spatial + 1, spatial + 2, spatial + 3, 1))
    x = d.tensor(shape=d.shape(rank, rank, 0, 5), dtype=dt)
    kwargs: dict[str, Any] = {"kernel_size": d.choice((1, 2, 3, 0, -1, (2,) * spatial, (1,) * (spatial + 1)))}
    if d.bool():
        kwargs["stride"] = d.choice((None, 1, 2, 0, -1))
    if d.bool():
        kwargs["padding"] = d.choice((0, 1, 2, -1))
    if d.bool():
        kwargs["ceil_mode"] = d.bool()
    if kind == "max":
        if d.bool():
            kwargs["dilation"] = d.choice((1, 2, 0))
        if d.bool():
            kwargs["return_indices"] = d.bool()
    else:
        if d.bool():
            kwargs["count_include_pad"] = d.bool()
        if spatial == 2 and d.maybe(0.3):
            kwargs["divisor_override"] = d.choice((None, 1, 3, 0, -1))
    return Call((x,), kwargs)


def p_adaptive(d: Draw, indices: bool = False) -> Call:
    dt = f_dtypes(d)
    x = d.tensor(shape=d.shape(2, 5, 0, 5), dtype=dt)
    size = d.choice((1, 2, 3, 0, -1, (2, None), (None, None), (1, 2, 3), (2, 2), 2.5))
    kwargs = {"return_indices": d.bool()} if indices and d.bool() else {}
    return Call((x, size), kwargs)


def p_interpolate(d: Draw) -> Call:
    dt = d.choice((("float32",), ("float64",), ("int64",)))
    rank = d.int(2, 5)
    x = d.tensor(shape=d.shape(rank, rank, 0, 4), dtype=dt)
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["size"] = d.choice((2, 0, -1, (2, 3), (2,), (1, 2, 3), 2.5))
    if d.bool() or not kwargs:
        kwargs["scale_factor"] = d.choice((2, 0.5, 1.5, 0, -1, (2, 2), math.nan, math.inf))
    if d.bool():
        kwargs["mode"] = d.choice(("nearest", "linear", "bilinear", "bicubic", "area", "nearest-exact", "bad"))
    if d.maybe(0.3):
        kwargs["align_corners"] = d.bool()
    return Call((x,), kwargs)


def norm_stats(d: Draw, c: int, dt: str) -> T:
    return d.tensor(shape=(c,) if d.maybe(0.85) else (c + 1,), dtype=dt)


def p_batch_norm(d: Draw) -> Call:
    dt = d.choice(("float32", "float64", "float16"))
    rank = d.int(1, 5)
    x = d.tensor(shape=d.shape(rank, rank, 0, 3), dtype=dt)
    c = x.array.shape[1] if rank > 1 else 1
    args: tuple[Any, ...] = (
        x,
        norm_stats(d, c, dt) if d.maybe(0.8) else None,
        norm_stats(d, c, dt) if d.maybe(0.8) else None,
    )
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["weight"] = norm_stats(d, c, dt)
    if d.bool():
        kwargs["bias"] = norm_stats(d, c, dt)
    if d.bool():
        kwargs["training"] = d.bool()
    if d.maybe(0.3):
        kwargs["momentum"] = d.choice((0.1, 0.0, 1.0, -1.0, math.nan))
    if d.maybe(0.3):
        kwargs["eps"] = d.choice((1e-5, 0.0, -1.0, math.nan))
    return Call(args, kwargs)


def p_instance_norm(d: Draw) -> Call:
    dt = d.choice(("float32", "float64"))
    rank = d.int(1, 5)
    x = d.tensor(shape=d.shape(rank, rank, 0, 3), dtype=dt)
    c = x.array.shape[1] if rank > 1 else 1
    kwargs: dict[str, Any] = {}
    if d.maybe(0.3):
        kwargs["running_mean"] = norm_stats(d, c, dt)
        kwargs["running_var"] = norm_stats(d, c, dt)
    if d.bool():
        kwargs["weight"] = norm_stats(d, c, dt)
    if d.bool():
        kwargs["bias"] = norm_stats(d, c, dt)
    if d.maybe(0.3):
        kwargs["use_input_stats"] = d.bool()
    if d.maybe(0.3):
        kwargs["eps"] = d.choice((1e-5, 0.0, -1.0))
    return Call((x,), kwargs)


def p_group_norm(d: Draw) -> Call:
    dt = d.choice(("float32", "float64"))
    rank = d.int(1, 4)
    x = d.tensor(shape=d.shape(rank, rank, 0, 4), dtype=dt)
    c = x.array.shape[1] if rank > 1 else 1
    groups = d.choice((1, 2, c, 0, -1, 3))
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["weight"] = norm_stats(d, c, dt)
    if d.bool():
        kwargs["bias"] = norm_stats(d, c, dt)
    if d.maybe(0.3):
        kwargs["eps"] = d.choice((1e-5, 0.0, -1.0))
    return Call((x, groups), kwargs)


def p_layer_norm(d: Draw) -> Call:
    dt = d.choice(("float32", "float64", "float16", "int64"))
    x = d.tensor(dtype=dt)
    tail = x.array.shape[len(x.array.shape) - d.int(0, len(x.array.shape)) :]
    shape = d.choice((tail, tail, (3,), (), (0,), (-1,), [*tail]))
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["weight"] = d.tensor(shape=tuple(shape) if d.maybe(0.85) and -1 not in shape else (7,), dtype=dt)
    if d.bool() and -1 not in shape:
        kwargs["bias"] = d.tensor(shape=tuple(shape), dtype=dt)
    if d.maybe(0.3):
        kwargs["eps"] = d.choice((1e-5, 0.0, -1.0))
    return Call((x, shape), kwargs)


def p_normalize(d: Draw) -> Call:
    x = d.tensor(dtype=d.choice((FLOATS, ("int64",))))
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["p"] = d.choice((2.0, 1.0, 0.0, -1.0, math.inf, math.nan))
    if d.bool():
        kwargs["dim"] = d.dim(x.array.ndim)
    if d.maybe(0.3):
        kwargs["eps"] = d.choice((1e-12, 0.0, -1.0))
    return Call((x,), kwargs)


def p_prelu(d: Draw) -> Call:
    dt = d.choice(("float32", "float64"))
    x = d.tensor(dtype=dt)
    c = x.array.shape[1] if x.array.ndim > 1 else 1
    w = d.tensor(shape=d.choice(((1,), (c,), (c + 1,), (), (1, 1))), dtype=dt)
    return Call((x, w))


def p_dropout(d: Draw) -> Call:
    x = d.tensor(dtype=d.choice((FLOATS, ("int64",))))
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["p"] = d.choice((0.0, 0.5, 1.0, -0.1, 1.5, math.nan))
    if d.bool():
        kwargs["training"] = d.bool()
    if d.maybe(0.2):
        kwargs["inplace"] = True
    return Call((x,), kwargs)


REDUCTIONS = ("mean", "sum", "none", "bad")


def loss_pair(d: Draw) -> tuple[T, T]:
    """Input and target; torch's losses disagree among themselves on mixed float dtypes, so those share one."""
    x = d.tensor(dtype=FLOATS)
    kind = d.choice(("same", "same", "same", "broadcast", "random"))
    shape = x.array.shape if kind == "same" else broadcastable(d, x.array.shape) if kind == "broadcast" else d.shape()
    return x, d.tensor(shape=shape, dtype="int64" if d.maybe(0.1) else x.array.dtype.name)


def p_regression_loss(d: Draw, param: str | None = None) -> Call:
    x, y = loss_pair(d)
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["reduction"] = d.choice(REDUCTIONS)
    if param and d.bool():
        kwargs[param] = d.choice((1.0, 0.5, 0.0, -1.0, math.nan, math.inf))
    return Call((x, y), kwargs)


def probabilities(d: Draw, shape: tuple[int, ...], dt: str) -> T:
    seed = d.int(0, 2**16)
    values = np.random.default_rng(seed).random(shape)
    if d.maybe(0.25):
        values = values * 3 - 1
    if d.maybe(0.1):
        values = np.full(shape, np.nan)
    return T(np.asarray(values, dtype=dt), grad=d.maybe(0.4) and dt in ("float32", "float64"))


def p_bce(d: Draw) -> Call:
    dt = d.choice(("float32", "float64", "float16"))
    shape = d.shape()
    x = probabilities(d, shape, dt)
    y = probabilities(d, shape if d.maybe(0.85) else d.shape(), dt)
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["reduction"] = d.choice(REDUCTIONS)
    if d.maybe(0.3):
        kwargs["weight"] = d.tensor(shape=broadcastable(d, shape), dtype=dt)
    return Call((x, y), kwargs)


def p_bce_logits(d: Draw) -> Call:
    x, y = loss_pair(d)
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["reduction"] = d.choice(REDUCTIONS)
    if d.maybe(0.3):
        kwargs["weight"] = d.tensor(shape=broadcastable(d, x.array.shape), dtype=x.array.dtype.name)
    if d.maybe(0.3):
        kwargs["pos_weight"] = d.tensor(shape=broadcastable(d, x.array.shape), dtype=x.array.dtype.name)
    return Call((x, y), kwargs)


def p_classification(d: Draw, cross_entropy: bool) -> Call:
    dt = d.choice(("float32", "float64", "float16"))
    n, c = d.int(0, 3), d.int(1, 4)
    form = d.choice(("nc", "nc", "c", "ncd", "bad"))
    if form == "nc":
        x_shape, t_shape = (n, c), (n,)
    elif form == "c":
        x_shape, t_shape = (c,), ()
    elif form == "ncd":
        x_shape, t_shape = (n, c, 2), (n, 2)
    else:
        x_shape, t_shape = d.shape(), d.shape()
    x = d.tensor(shape=x_shape, dtype=dt)
    if cross_entropy and d.maybe(0.25):
        target = probabilities(d, x_shape, dt)
    else:
        target = d.index(t_shape if d.maybe(0.9) else (n + 1,), c, d.choice(("int64", "int64", "int32", "uint8")))
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["reduction"] = d.choice(REDUCTIONS)
    if d.maybe(0.3):
        kwargs["weight"] = d.tensor(shape=(c,) if d.maybe(0.8) else (c + 1,), dtype=dt)
    if d.maybe(0.3):
        kwargs["ignore_index"] = d.choice((-100, 0, 1, -1))
    if cross_entropy and d.maybe(0.3):
        kwargs["label_smoothing"] = d.choice((0.0, 0.1, 1.0, -0.1, 1.5, math.nan))
    return Call((x, target), kwargs)


def p_kl_div(d: Draw) -> Call:
    x, y = loss_pair(d)
    kwargs: dict[str, Any] = {}
    if d.bool():
        kwargs["reduction"] = d.choice((*REDUCTIONS, "batchmean"))
    if d.bool():
        kwargs["log_target"] = d.bool()
    return Call((x, y), kwargs)


def p_embedding(d: Draw) -> Call:
    n, dim = d.int(1, 4), d.int(0, 3)
    index = d.index(d.shape(0, 3), n, d.choice(("int64", "int64", "int32", "float32")))
    weight = d.tensor(shape=(n, dim) if d.maybe(0.9) else d.shape(), dtype=FLOATS[:2])
    kwargs = layer_kwargs(
        d,
        padding_idx=(None, 0, -1, n, -n - 1),
        max_norm=(None, 1.0, 0.0, -1.0, math.nan),
        norm_type=(2.0, 1.0, 0.0, -1.0, math.inf),
        scale_grad_by_freq=(False, True),
    )
    return Call((index, weight), kwargs)


def p_set_num_threads(d: Draw) -> Call:
    return Call((d.choice((1, 2, 0, -1, 2.5, True, None, "2")),))


def p_set_default_device(d: Draw) -> Call:
    return Call((d.choice(("cpu", None, "tpu", "cpu:1", 0, 2.5)),))


def p_fallback(d: Draw) -> Call:
    """For a public function without a table entry: a tensor, maybe with a second operand."""
    x = d.tensor()
    return Call((x,)) if d.bool() else Call((x, other_operand(d, x)))


def p_sort(d: Draw) -> Call:
    x = d.tensor()
    kwargs: dict[str, Any] = {"stable": True}  # without it, tied values may come in any order in torch
    if d.bool():
        kwargs["descending"] = d.bool()
    if d.bool():
        kwargs["dim"] = d.dim(x.array.ndim)
    return Call((x,), kwargs)


def p_topk(d: Draw) -> Call:
    x = d.tensor()
    dim = d.dim(x.array.ndim) if d.bool() else -1
    size = x.array.shape[dim] if x.array.ndim and -x.array.ndim <= dim < x.array.ndim else 1
    kwargs: dict[str, Any] = {"dim": dim, "largest": d.bool()} if d.bool() else {}
    return Call((x, d.int(-1, size + 1)), kwargs)


def p_nonzero(d: Draw) -> Call:
    return Call((d.tensor(),), {"as_tuple": d.bool()} if d.bool() else {})


def p_unique(d: Draw) -> Call:
    x = d.tensor()
    kwargs: dict[str, Any] = {name: d.bool() for name in ("return_inverse", "return_counts") if d.bool()}
    if d.maybe(0.3):
        kwargs["dim"] = d.dim(x.array.ndim)
    return Call((x,), kwargs)


def p_bincount(d: Draw) -> Call:
    n = d.int(0, 5)
    x = d.index((n,), 5) if d.maybe(0.8) else d.tensor()
    kwargs: dict[str, Any] = {}
    if n and d.maybe(0.4):  # torch 2.13 gives int64 for an empty input with weights, shendu the weights' dtype
        kwargs["weights"] = d.tensor(shape=(n,) if d.maybe(0.85) else (n + 1,), dtype=FLOATS[:2])
    if d.maybe(0.3):
        kwargs["minlength"] = d.int(0, 7)
    return Call((x,), kwargs)


def p_meshgrid(d: Draw) -> Call:
    dt = d.choice(("float32", "int64"))
    tensors = [d.tensor(max_rank=1 if d.maybe(0.9) else 2, dtype=dt) for _ in range(d.int(1, 3))]
    return Call(tuple(tensors), {"indexing": d.choice(("ij", "xy"))})


def p_bound(d: Draw) -> Call:
    x = d.tensor()
    bound = d.tensor(shape=broadcastable(d, x.array.shape), dtype=x.array.dtype.name) if d.maybe(0.3) else None
    return Call((x, bound if bound is not None else d.choice((0, -1.0, 1.0, math.nan, math.inf, 1e38))))


def p_lerp(d: Draw) -> Call:
    x = d.tensor(dtype=d.choice((FLOATS, FLOATS, ("int64",))))
    end = d.tensor(shape=broadcastable(d, x.array.shape), dtype=x.array.dtype.name) if d.maybe(0.9) else d.tensor()
    # A weight tensor of another dtype meets torch's promotion quirks (a 0-d one promotes all three operands).
    weight = (
        d.choice((0.0, 0.5, 1.0, -1.0, 2.0))
        if d.bool()
        else d.tensor(shape=broadcastable(d, x.array.shape), dtype=x.array.dtype.name)
    )
    return Call((x, end, weight))


def p_join(d: Draw) -> Call:
    return Call(p_cat(d).args[:1])


def p_broadcast_to(d: Draw) -> Call:
    call = p_expand(d)
    x, *target = call.args
    return Call((x, tuple(target[0]) if len(target) == 1 and isinstance(target[0], tuple) else tuple(target)))


NOARG = lambda d: Call()  # noqa: E731

OP_PATTERNS: dict[str, Callable[[Draw], Call]] = {
    "manual_seed": p_manual_seed,
    "get_num_threads": NOARG,
    "set_num_threads": p_set_num_threads,
    "get_default_device": NOARG,
    "set_default_device": p_set_default_device,
    "embedding": p_embedding,
    "get_rng_state": NOARG,
    "set_rng_state": p_set_rng_state,
    "set_default_dtype": p_set_default_dtype,
    "promote_types": p_promote_types,
    "zeros": p_shape,
    "ones": p_shape,
    "empty": p_shape,
    "rand": p_shape,
    "randn": p_shape,
    "full": p_full,
    "zeros_like": p_like,
    "ones_like": p_like,
    "empty_like": p_like,
    "rand_like": p_like,
    "randn_like": p_like,
    "full_like": p_full_like,
    "arange": p_arange,
    "linspace": p_linspace,
    "logspace": lambda d: p_linspace(d, base=True),
    "eye": p_eye,
    "randint": p_randint,
    "randint_like": p_randint_like,
    "randperm": p_randperm,
    "normal": p_normal,
    "bernoulli": p_bernoulli,
    "multinomial": p_multinomial,
    "tensor": p_tensor,
    "as_tensor": p_as_tensor,
    "from_numpy": p_from_numpy,
    "cast": p_cast,
    "move": p_move,
    "clone": unary,
    "contiguous": unary,
    "add": bin_(alpha=(1, 2, 0.5, -1, math.nan, True)),
    "sub": bin_(alpha=(1, 2, 0.5, -1, math.nan, True)),
    "rsub": bin_(scalar_first=False, alpha=(1, 2, 0.5)),
    "mul": bin_(),
    "div": bin_(rounding_mode=(None, "trunc", "floor", "bad")),
    "true_divide": bin_(),
    "floor_divide": bin_(),
    "remainder": bin_(),
    "pow": bin_(),
    "maximum": bin_(scalar_first=False),
    "minimum": bin_(scalar_first=False),
    "clamp": p_clamp,
    "clip": p_clamp,
    "masked_fill": p_masked_fill,
    "where": p_where,
    "nan_to_num": p_nan_to_num,
    "round": p_round,
    "celu": act(alpha=(1.0, 0.0, -1.0, 2.0, math.nan), inplace=INPLACE),
    "elu": act(alpha=(1.0, 0.0, -1.0, 2.0, math.nan), inplace=INPLACE),
    "gelu": act(approximate=("none", "tanh", "bad")),
    "hardsigmoid": act(inplace=INPLACE),
    "hardswish": act(inplace=INPLACE),
    "hardtanh": act(min_val=(-1.0, 1.0, 2.0, math.nan), max_val=(1.0, -2.0, math.inf), inplace=INPLACE),
    "leaky_relu": act(negative_slope=SLOPES, inplace=INPLACE),
    "mish": act(inplace=INPLACE),
    "relu": act(inplace=INPLACE),
    "relu6": act(inplace=INPLACE),
    "selu": act(inplace=INPLACE),
    "silu": act(inplace=INPLACE),
    "softplus": act(beta=(1.0, 2.0, 0.0, -1.0, math.nan), threshold=(20.0, 0.0, -1.0, math.inf)),
    "log_softmax": p_softmax,
    "softmax": p_softmax,
    "softmin": p_softmax,
    "all": red(),
    "any": red(),
    "amax": red(),
    "amin": red(),
    "argmax": red(dims="int_or_none"),
    "argmin": red(dims="int_or_none"),
    "cumprod": red(dims="int", dtype=True),
    "cumsum": red(dims="int", dtype=True),
    "logsumexp": red(),
    "max": p_max_min,
    "min": p_max_min,
    "mean": red(dtype=True),
    "sum": red(dtype=True),
    "prod": red(dims="int_or_none", dtype=True),
    "norm": red(dtype=True, p=True),
    "std": red(correction=True),
    "var": red(correction=True),
    "std_mean": red(correction=True),
    "var_mean": red(correction=True),
    "bmm": p_bmm,
    "mm": p_mm,
    "matmul": p_matmul,
    "dot": p_vectors,
    "outer": p_vectors,
    "linear": p_linear,
    "bilinear": p_bilinear,
    "einsum": p_einsum,
    "cat": p_cat,
    "concat": p_cat,
    "concatenate": p_cat,
    "stack": p_cat,
    "chunk": p_chunk,
    "expand": p_expand,
    "expand_as": p_as,
    "reshape_as": p_as,
    "view_as": p_as,
    "flatten": p_flatten,
    "flip": p_flip,
    "moveaxis": p_movedim,
    "movedim": p_movedim,
    "narrow": p_narrow,
    "pad": p_pad,
    "pixel_shuffle": p_pixel_shuffle,
    "pixel_unshuffle": p_pixel_unshuffle,
    "scaled_dot_product_attention": p_attention,
    "multi_head_attention_forward": p_multi_head_attention,
    "permute": p_permute,
    "repeat": p_repeat,
    "tile": p_repeat,
    "repeat_interleave": p_repeat_interleave,
    "reshape": p_reshape,
    "view": p_reshape,
    "roll": p_roll,
    "select": p_select,
    "split": p_split,
    "squeeze": p_squeeze,
    "unsqueeze": p_unsqueeze,
    "swapaxes": p_two_dims,
    "swapdims": p_two_dims,
    "transpose": p_two_dims,
    "t": unary,
    "unbind": p_dim,
    "unflatten": p_unflatten,
    "gather": p_gather,
    "index_select": p_index_select,
    "masked_select": p_masked_select,
    "one_hot": p_one_hot,
    "scatter": p_scatter,
    "scatter_add": lambda d: p_scatter(d, add=True),
    "tril": p_tri,
    "triu": p_tri,
    "diag": p_diag,
    "diagonal": p_diagonal,
    "sparse_coo_tensor": p_sparse_coo_tensor,
    "spmm": p_spmm,
    "pairwise_distance": p_pairwise_distance,
    "cosine_similarity": p_cosine_similarity,
    "allclose": p_isclose,
    "isclose": p_isclose,
    "equal": lambda d: tensor_pair(d),
    "bitwise_and": bin_(scalar_first=False),
    "bitwise_or": bin_(scalar_first=False),
    "bitwise_xor": bin_(scalar_first=False),
    "adaptive_avg_pool2d": p_adaptive,
    "adaptive_max_pool2d": lambda d: p_adaptive(d, indices=True),
    "avg_pool1d": lambda d: pool_setup(d, 1, "avg"),
    "avg_pool2d": lambda d: pool_setup(d, 2, "avg"),
    "max_pool1d": lambda d: pool_setup(d, 1, "max"),
    "max_pool2d": lambda d: pool_setup(d, 2, "max"),
    "conv1d": lambda d: conv_setup(d, 1),
    "conv2d": lambda d: conv_setup(d, 2),
    "conv_transpose2d": lambda d: conv_setup(d, 2, transpose=True),
    "interpolate": p_interpolate,
    "batch_norm": p_batch_norm,
    "instance_norm": p_instance_norm,
    "group_norm": p_group_norm,
    "layer_norm": p_layer_norm,
    "normalize": p_normalize,
    "prelu": p_prelu,
    "dropout": p_dropout,
    "dropout1d": p_dropout,
    "dropout2d": p_dropout,
    "dropout3d": p_dropout,
    "alpha_dropout": p_dropout,
    "feature_alpha_dropout": p_dropout,
    "mse_loss": p_regression_loss,
    "l1_loss": p_regression_loss,
    "smooth_l1_loss": lambda d: p_regression_loss(d, "beta"),
    "huber_loss": lambda d: p_regression_loss(d, "delta"),
    "binary_cross_entropy": p_bce,
    "binary_cross_entropy_with_logits": p_bce_logits,
    "cross_entropy": lambda d: p_classification(d, True),
    "nll_loss": lambda d: p_classification(d, False),
    "kl_div": p_kl_div,
    "sort": p_sort,
    "argsort": p_sort,
    "topk": p_topk,
    "nonzero": p_nonzero,
    "argwhere": unary,
    "unique": p_unique,
    "bincount": p_bincount,
    "meshgrid": p_meshgrid,
    "trace": lambda d: Call((d.tensor(min_rank=2 if d.maybe(0.85) else 0),)),
    "clamp_min": p_bound,
    "clamp_max": p_bound,
    "is_tensor": unary,
    "numel": unary,
    "is_floating_point": unary,
    "lerp": p_lerp,
    "hstack": p_join,
    "vstack": p_join,
    "row_stack": p_join,
    "dstack": p_join,
    "column_stack": p_join,
    "atleast_1d": unary,
    "atleast_2d": unary,
    "atleast_3d": unary,
    "broadcast_to": p_broadcast_to,
    "is_inference_mode_enabled": NOARG,
    "get_float32_matmul_precision": NOARG,
    "set_float32_matmul_precision": lambda d: Call(("highest",)),  # other values would leak into later cases
    "use_deterministic_algorithms": lambda d: Call((False,)),
    "are_deterministic_algorithms_enabled": NOARG,
    "is_deterministic_algorithms_warn_only_enabled": NOARG,
}
BINARY_NAMES = (
    "eq ne lt le gt ge greater greater_equal less less_equal not_equal logical_and logical_or logical_xor"
).split()
UNARY_NAMES = (
    "abs absolute ceil floor trunc sign neg negative square isfinite isinf isnan logical_not bitwise_not "
    "cos sin exp expm1 erf log log1p log2 log10 reciprocal rsqrt sqrt sigmoid tanh logsigmoid softsign "
    "tanhshrink"
).split()
for _name in BINARY_NAMES:
    OP_PATTERNS[_name] = bin_(scalar_first=False)
for _name in UNARY_NAMES:
    OP_PATTERNS[_name] = unary_float


def _public_ops() -> dict[str, Callable[..., Any]]:
    """Every public function of ``shendu`` and ``shendu.nn.functional``, once per function object."""
    found: dict[str, Callable[..., Any]] = {}
    seen: set[int] = set()
    for module in (shendu, F):
        for name in module.__all__:
            fn = getattr(module, name)
            if not inspect.isfunction(fn) or name in NOT_OPS or (id(fn) in seen and module is F):
                continue
            seen.add(id(fn))
            found.setdefault(name, fn)
    return found


PUBLIC_OPS = _public_ops()


def torch_twin(name: str, fn: Callable[..., Any]) -> Callable[..., Any] | None:
    if name in TORCH_TWINS:
        return TORCH_TWINS[name]
    if name in METHOD_TWINS:
        return getattr(torch.Tensor, name)
    if name in F.__all__ and getattr(F, name) is fn and hasattr(TF, name):
        return getattr(TF, name)
    return getattr(torch, name, None) or getattr(TF, name, None)


def dim_argument(call: Call) -> Any:
    """The ``dim`` of a reduction call, given by keyword or as the second argument (None when absent)."""
    if "dim" in call.kwargs:
        return call.kwargs["dim"]
    return call.args[1] if len(call.args) > 1 else None


def op_case(name: str) -> Case:
    fn = PUBLIC_OPS[name]
    names = (name, fn.__name__, *ALIASES.get(name, ()))
    twin = torch_twin(name, fn)
    if name in DENSE_FORMS:
        fn, twin = DENSE_FORMS[name](shendu), DENSE_FORMS[name](torch)
    return Case(
        name,
        fn,
        twin,
        names,
        values=name not in NONDETERMINISTIC,
        lenient=LENIENT_OPS.get(name, ()),
        strict=STRICT_OPS.get(name, ()),
    )


def _address_space() -> int:
    """This process's virtual memory size in bytes (0 where /proc is not available)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * resource.getpagesize()
    except OSError:
        return 0


@pytest.fixture(autouse=True, scope="module")
def _report_count() -> Any:
    # A hostile input must fail with MemoryError, never drive the machine out of memory (a CI runner
    # would kill the whole test run): cap the address space at what is in use plus FUZZ_MEMORY.
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    in_use = _address_space()
    if in_use:
        cap = in_use + FUZZ_MEMORY
        resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    before = COUNTS["fuzzed inputs"]
    yield
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    print(f"\nfuzz: {COUNTS['fuzzed inputs'] - before} inputs tried")
    if WARNED:
        print(
            "fuzz: NumPy RuntimeWarnings reached the user from "
            + ", ".join(f"{k} ({v})" for k, v in sorted(WARNED.items()))
        )


@pytest.fixture
def _default_dtype_restored() -> Any:
    """Global state that some fuzzed calls change: the default dtype and device, the RNG, the thread counts."""
    previous, state = shendu.get_default_dtype(), shendu.get_rng_state()
    threads, torch_threads = shendu.get_num_threads(), torch.get_num_threads()
    yield
    shendu.set_default_device(None)
    torch.set_default_device(None)
    shendu.set_default_dtype(previous)
    shendu.set_rng_state(state)
    torch.set_default_dtype(torch.float32)
    shendu.set_num_threads(threads)
    torch.set_num_threads(torch_threads)


def _pairs(value: Any, n: int) -> tuple[int, ...] | None:
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(values) != n or not all(type(v) is int for v in values):
        return None
    return values


def torch_max_pool_is_safe(shape: tuple[int, ...], spatial: int, kwargs: dict[str, Any]) -> bool:
    """Whether every max-pooling window holds an input element.

    A window made only of padding makes torch 2.13 return an out-of-range index and write its
    gradient outside the input, corrupting the heap; such calls are run in shendu alone.
    """
    kernel = _pairs(kwargs.get("kernel_size"), spatial)
    stride = _pairs(kwargs.get("stride") or kwargs.get("kernel_size"), spatial)
    padding = _pairs(kwargs.get("padding", 0), spatial)
    dilation = _pairs(kwargs.get("dilation", 1), spatial)
    if None in (kernel, stride, padding, dilation) or len(shape) < spatial:
        return True  # torch refuses these before computing
    for size, k, s, p, d in zip(shape[-spatial:], kernel, stride, padding, dilation):
        if min(k, s, d) <= 0 or p < 0 or size <= 0:
            return True
        extent = d * (k - 1) + 1
        count = (size + 2 * p - extent + (s - 1 if kwargs.get("ceil_mode") else 0)) // s + 1
        for i in range(max(count, 0)):
            if not any(0 <= i * s - p + d * j < size for j in range(k)):
                return False
    return True


MAX_POOLS = {"max_pool1d": 1, "max_pool2d": 2, "MaxPool1d": 1, "MaxPool2d": 2}
COMPARISONS = {"eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal"}


def non_finite_parameter(call: Call) -> bool:
    """Whether a keyword argument (a hyperparameter, or a norm's weight or bias) is NaN or infinite.

    Then torch's fused kernels and shendu's step-by-step arithmetic may disagree between inf and NaN,
    or, like torch's elu(0, alpha=nan) = 0, about whether NaN reaches the result at all.
    """
    for value in call.kwargs.values():
        if isinstance(value, float) and not math.isfinite(value):
            return True
        if isinstance(value, T) and value.array.dtype.kind == "f" and not np.isfinite(value.array).all():
            return True
    return False


def out_of_range_int_scalar(call: Call) -> bool:
    """Whether an int scalar falls outside the integer dtype of the tensor it meets."""
    tensors = [a for a in call.args if isinstance(a, T)]
    scalars = [a for a in call.args if type(a) is int]
    if not tensors or not scalars or tensors[0].array.dtype.kind not in "iu":
        return False
    info = np.iinfo(tensors[0].array.dtype)
    return any(not info.min <= v <= info.max for v in scalars)


@pytest.mark.usefixtures("_default_dtype_restored")
@pytest.mark.parametrize("name", sorted(PUBLIC_OPS))
@FUZZ
@given(data=st.data())
def test_fuzz_op(name: str, data: Any) -> None:
    case = op_case(name)
    call = OP_PATTERNS.get(name, p_fallback)(Draw(data))
    if name in MAX_POOLS and not torch_max_pool_is_safe(call.args[0].array.shape, MAX_POOLS[name], call.kwargs):
        case.torch_fn = None
    if name in COMPARISONS and out_of_range_int_scalar(call):
        case.values = False  # shendu compares the true values on purpose; torch wraps the scalar first
    if non_finite_parameter(call):
        case.values = False  # NaN or inf hyperparameters and weights: the order of operations decides
    if name in ("std", "var") and dim_argument(call) == ():
        case.grad_values = False  # torch 2.13 reduces dim=() over every dim forward, but its backward gives inf
    judge(case, call)
    if name == "set_default_dtype":
        shendu.set_default_dtype(shendu.float32)


def test_every_public_op_has_a_pattern() -> None:
    """New public functions should get a meaningful pattern; the fallback only keeps them fuzzed meanwhile."""
    missing = sorted(set(PUBLIC_OPS) - set(OP_PATTERNS))
    assert not missing, f"add argument patterns for {missing} to OP_PATTERNS"


def test_the_judge_rejects_what_it_must() -> None:
    """The fuzz rules themselves: NumPy and Python errors fail, shendu errors that name the op pass."""
    import tests.fuzz_helpers as fh

    def boom() -> None:
        np.zeros(2).reshape(3)

    out = run(boom)
    assert fh.error_problem(out.error, ("reshape",)) is not None
    assert fh.error_problem(shendu.ShapeError("reshape: bad"), ("reshape",)) is None
    assert fh.error_problem(shendu.ShapeError("other: bad"), ("reshape",)) is not None
    assert fh.error_problem(KeyError("reshape: x"), ("reshape",)) is not None
    assert fh.error_problem(fh.Hang("x"), ("reshape",)).startswith("hang")
    assert fh.error_problem(shendu.ShapeError("layer.1 (Linear): bad"), ("Linear",)) is None
    with pytest.raises(AssertionError, match="shendu returned a result where torch raises"):
        judge(Case("zeros", lambda: shendu.zeros(1), lambda: torch.zeros(-1), ("zeros",)), Call())
    with pytest.raises(AssertionError, match="shape"):
        judge(Case("zeros", lambda: shendu.zeros(2), lambda: torch.zeros(1), ("zeros",)), Call())


def test_the_judge_compares_gradient_values_and_counts_each_input_once() -> None:
    import tests.fuzz_helpers as fh

    x = T(np.array([1.0, -2.0, 3.0]), grad=True)
    # The same forward values (2x - x = x), but a gradient of 2 where torch's is 1.
    wrong = Case("mul", lambda a: a * 2.0 - a.detach(), lambda a: a * 1.0, ("mul",))
    with pytest.raises(AssertionError, match=r"then backward\(\): gradient result 0: values differ"):
        judge(wrong, Call((x,)))
    before = dict(COUNTS)
    judge(Case("mul", lambda a: a * 1.0, lambda a: a * 1.0, ("mul",)), Call((x,)))
    judge(Case("mul", lambda a: a * 1.0, lambda a: a * 1.0, ("mul",)), Call((T(np.ones(2)),)))
    judge(Case("log", lambda a: shendu.log(a), lambda a: torch.log(a), ("log",)), Call((3,)))
    grew = {k: v - before.get(k, 0) for k, v in COUNTS.items() if v != before.get(k, 0)}
    assert grew == {
        "fuzzed inputs": 3,
        fh.KINDS["values+grads"]: 1,
        fh.KINDS["values"]: 1,
        fh.KINDS["both raised"]: 1,
    }


# ------------------------------------------------------------------------------------------- layers

COUNTS_PLAIN = (0, 1, 3, -1, 2.5, None, True)


def count(d: Draw, good: tuple[int, ...] = (1, 2, 3)) -> Any:
    """A size hyperparameter: usually a valid int, sometimes 0, negative, a float, None or a bool."""
    return d.choice(good) if d.maybe(0.8) else d.choice(COUNTS_PLAIN)


def size_or(value: Any, default: int, minimum: int = 1) -> int:
    """``value`` when it is a usable size for an input tensor, else ``default`` (the layer may refuse it)."""
    return value if type(value) is int and value >= minimum else default


def layer_kwargs(d: Draw, **pools: tuple[Any, ...]) -> dict[str, Any]:
    return {name: d.choice(pool) for name, pool in pools.items() if d.maybe(0.35)}


def factory(d: Draw) -> dict[str, Any]:
    """device= and dtype= for layers that create parameters."""
    kwargs: dict[str, Any] = {}
    if d.maybe(0.2):
        kwargs["device"] = d.choice(("cpu", *BAD_DEVICES))
    if d.maybe(0.3):
        kwargs["dtype"] = dtype_arg(d, ("float32", "float64", "int64"))
    return kwargs


def layer_input(d: Draw, shape: tuple[int, ...], dtype: str | None = None) -> T:
    """An input of ``shape`` most of the time; else of a random (wrong) rank or size."""
    dt = dtype or d.choice(("float32", "float32", "float64", "float16", "int64"))
    return d.tensor(shape=shape if d.maybe(0.75) else d.shape(), dtype=dt)


def activation_layer(**pools: tuple[Any, ...]) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        return Call((), layer_kwargs(d, **pools)), Call((d.tensor(dtype=d.choice((FLOATS, ("int64",)))),))

    return pattern


def l_linear(d: Draw) -> tuple[Call, Call]:
    i, o = count(d, (0, 1, 3)), count(d)
    ctor = Call((i, o), {**layer_kwargs(d, bias=(True, False)), **factory(d)})
    n = size_or(i, 2, minimum=0)
    return ctor, Call((layer_input(d, (*d.shape(0, 2), n)),))


def l_bilinear(d: Draw) -> tuple[Call, Call]:
    i1, i2, o = count(d), count(d), count(d)
    ctor = Call((i1, i2, o), {**layer_kwargs(d, bias=(True, False)), **factory(d)})
    n = d.int(0, 2)
    a = size_or(i1, 2)
    b = size_or(i2, 2)
    dt = d.choice(("float32", "float64"))
    return ctor, Call((layer_input(d, (n, a), dt), layer_input(d, (n, b), dt)))


def l_conv(spatial: int, transpose: bool = False) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        groups = d.choice((1, 1, 1, 2, 0, -1))
        g = size_or(groups, 1)
        cin, cout = g * d.int(1, 2), g * d.int(1, 2)
        if d.maybe(0.15):
            cin, cout = count(d), count(d)
        kernel = d.choice((1, 2, 3, 0, -1, (2,) * spatial, (1,) * (spatial + 1)))
        pools: dict[str, tuple[Any, ...]] = {
            "stride": (1, 2, 0, -1, (1,) * spatial),
            "padding": (0, 1, -1) if transpose else (0, 1, -1, "same", "valid", "bad"),
            "dilation": (1, 2, 0),
            "bias": (True, False),
            "padding_mode": ("zeros", "reflect", "replicate", "circular", "bad"),
        }
        if transpose:
            pools["output_padding"] = (0, 1, 2)
        kwargs = {**layer_kwargs(d, **pools), **factory(d)}
        if groups != 1:
            kwargs["groups"] = groups
        channels = size_or(cin, 1)
        shape = (d.int(0, 2), channels, *(d.int(0, 5) for _ in range(spatial)))
        if d.maybe(0.15):
            shape = shape[1:]
        return Call((cin, cout, kernel), kwargs), Call((layer_input(d, shape),))

    return pattern


def l_pool(spatial: int, kind: str) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        pools: dict[str, tuple[Any, ...]] = {
            "stride": (None, 1, 2, 0, -1),
            "padding": (0, 1, 2, -1),
            "ceil_mode": (True, False),
        }
        if kind == "max":
            pools.update(dilation=(1, 2, 0), return_indices=(True, False))
        else:
            pools.update(count_include_pad=(True, False))
            if spatial == 2:
                pools.update(divisor_override=(None, 1, 3, 0, -1))
        kernel = d.choice((1, 2, 3, 0, -1, (2,) * spatial, (1,) * (spatial + 1)))
        shape = d.shape(spatial + 1, spatial + 2, 0, 5)
        return Call((kernel,), layer_kwargs(d, **pools)), Call((layer_input(d, shape),))

    return pattern


def l_adaptive(indices: bool) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        size = d.choice((1, 2, 3, 0, -1, (2, None), (None, None), (1, 2, 3), (2, 2), 2.5))
        kwargs = layer_kwargs(d, return_indices=(True, False)) if indices else {}
        return Call((size,), kwargs), Call((layer_input(d, d.shape(3, 4, 0, 5)),))

    return pattern


def l_norm(kind: str) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        c = count(d)
        pools: dict[str, tuple[Any, ...]] = {
            "eps": (1e-5, 0.0, -1.0, math.nan),
            "momentum": (0.1, None, 0.0, 1.0, -0.5, 2.0),
            "affine": (True, False),
            "track_running_stats": (True, False),
        }
        kwargs = {**layer_kwargs(d, **pools), **factory(d)}
        channels = size_or(c, 2)
        rank = {"BatchNorm1d": d.choice((2, 3)), "BatchNorm2d": 4, "InstanceNorm1d": 3, "InstanceNorm2d": 4}[kind]
        shape = (d.int(0, 3), channels, *(d.int(0, 3) for _ in range(rank - 2)))
        return Call((c,), kwargs), Call((layer_input(d, shape, d.choice(FLOATS)),))

    return pattern


def l_group_norm(d: Draw) -> tuple[Call, Call]:
    g, c = count(d, (1, 2)), count(d, (2, 4))
    kwargs = {**layer_kwargs(d, eps=(1e-5, 0.0, -1.0), affine=(True, False)), **factory(d)}
    channels = size_or(c, 2)
    return Call((g, c), kwargs), Call((layer_input(d, (d.int(0, 2), channels, d.int(0, 3)), d.choice(FLOATS)),))


def l_layer_norm(d: Draw) -> tuple[Call, Call]:
    shape = d.choice((3, (2, 3), (), 0, -1, (3,), 2.5, [2, 3]))
    kwargs = {**layer_kwargs(d, eps=(1e-5, 0.0, -1.0), elementwise_affine=(True, False), bias=(True, False))}
    kwargs.update(factory(d))
    tail = (shape,) if isinstance(shape, int) else tuple(shape) if isinstance(shape, (tuple, list)) else (3,)
    tail = tuple(size_or(s, 1, minimum=0) for s in tail)
    return Call((shape,), kwargs), Call((layer_input(d, (*d.shape(0, 2), *tail), d.choice(FLOATS)),))


def l_pad(dims: int, value: bool = False) -> Callable[[Draw], tuple[Call, Call]]:
    """The padding layers: ``dims`` padded dims, with a fill value for the constant ones."""

    def pattern(d: Draw) -> tuple[Call, Call]:
        amounts = tuple(d.choice((0, 1, 2, -1)) for _ in range(2 * dims))
        padding = d.choice((1, 2, 0, -1, amounts, amounts, amounts[:-1], 1.5, None))
        args = (padding, d.choice((0.0, 1.5, -2.0, math.nan))) if value else (padding,)
        shape = d.shape(dims, dims + 2, 1, 4) if d.maybe(0.85) else d.shape()
        return Call(args), Call((d.tensor(shape=shape, dtype=d.choice((FLOATS, ("int64",)))),))

    return pattern


def l_pixel_shuffle(unshuffle: bool) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        call = p_pixel_unshuffle(d) if unshuffle else p_pixel_shuffle(d)
        return Call((call.args[1],)), Call((call.args[0],))

    return pattern


def l_upsampling_2d(d: Draw) -> tuple[Call, Call]:
    kwargs = {"size": d.choice((3, (2, 5), 0, (2,)))} if d.bool() else {"scale_factor": d.choice((2, 0.5, 1.5, 0))}
    shape = (d.int(0, 2), d.int(0, 2), d.int(1, 4), d.int(1, 4)) if d.maybe(0.85) else d.shape()
    return Call((), kwargs), Call((layer_input(d, shape, d.choice(("float32", "float64", "int64"))),))


def l_multihead_attention(d: Draw) -> tuple[Call, Call]:
    embed, heads = d.choice((4, 4, 6, 0)), d.choice((2, 2, 1, 3, 0))
    pools = {
        "bias": (True, False),
        "add_bias_kv": (True, False),
        "add_zero_attn": (True, False),
        "kdim": (None, 3, 0),
        "vdim": (None, 2),
        "batch_first": (True, False),
        "dropout": (0.0, -0.1, 1.5),
    }
    kwargs = {**layer_kwargs(d, **pools), **factory(d)}
    e, batch, length, source = size_or(embed, 4), d.int(1, 2), d.int(1, 3), d.int(1, 3)
    kdim, vdim = size_or(kwargs.get("kdim"), e), size_or(kwargs.get("vdim"), e)
    first = kwargs.get("batch_first", False)
    dt = d.choice(("float32", "float32", "float64", "int64"))

    def seq(n: int, features: int) -> T:
        return layer_input(d, (batch, n, features) if first else (n, batch, features), dt)

    query = seq(length, e)
    if d.maybe(0.3) and kdim == vdim == e:
        return Call((embed, heads), kwargs), Call((query, query, query))
    return Call((embed, heads), kwargs), Call((query, seq(source, kdim), seq(source, vdim)))


TRANSFORMER_POOLS: dict[str, tuple[Any, ...]] = {
    "activation": ("relu", "gelu", "tanh"),
    "layer_norm_eps": (1e-5, 1e-3),
    "batch_first": (True, False),
    "norm_first": (True, False),
    "bias": (True, False),
}


def _sequences(d: Draw, kwargs: dict[str, Any], *lengths: int) -> tuple[T, ...]:
    batch = d.int(1, 2)
    dt = d.choice(("float32", "float32", "float64", "int64"))
    first = kwargs.get("batch_first", False)
    return tuple(layer_input(d, (batch, n, 4) if first else (n, batch, 4), dt) for n in lengths)


def l_transformer_layer(decoder: bool) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        kwargs = {**layer_kwargs(d, **TRANSFORMER_POOLS), **factory(d)}
        args = (d.choice((4, 4, 3, 0)), d.choice((2, 2, 1, 3)), 8, 0.0)
        return Call(args, kwargs), Call(_sequences(d, kwargs, d.int(1, 3), *((d.int(1, 3),) if decoder else ())))

    return pattern


def l_transformer_stack(decoder: bool) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        first = d.bool()
        layer = ("TransformerDecoderLayer" if decoder else "TransformerEncoderLayer", 4, 2, 8, 0.0, "relu", 1e-5, first)
        args: tuple[Any, ...] = (layer, d.choice((1, 2, 0)))
        if d.bool():
            args += (("LayerNorm", 4),)
        inputs = _sequences(d, {"batch_first": first}, d.int(1, 3), *((d.int(1, 3),) if decoder else ()))
        return Call(args, {"kind": "modules"}), Call(inputs)

    return pattern


def l_transformer(d: Draw) -> tuple[Call, Call]:
    kwargs = {**layer_kwargs(d, **TRANSFORMER_POOLS), **factory(d)}
    args = (d.choice((4, 4, 3)), d.choice((2, 2, 3)), d.choice((1, 2)), d.choice((1, 2)), 8, 0.0)
    return Call(args, kwargs), Call(_sequences(d, kwargs, d.int(1, 3), d.int(1, 3)))


def l_prelu(d: Draw) -> tuple[Call, Call]:
    n = count(d, (1, 1, 3))
    kwargs = {**layer_kwargs(d, init=(0.25, 0.0, -1.0, math.nan)), **factory(d)}
    channels = size_or(n, 1)
    return Call((n,), kwargs), Call((layer_input(d, (d.int(0, 2), channels, d.int(0, 3)), d.choice(FLOATS)),))


def l_dropout(d: Draw) -> tuple[Call, Call]:
    p = d.choice((0.0, 0.5, 1.0, -0.1, 1.5, math.nan, "0.5", None))
    kwargs = layer_kwargs(d, inplace=(True, False))
    return Call((p,), kwargs), Call((d.tensor(dtype=d.choice((FLOATS, ("int64",)))),))


def l_flatten(d: Draw) -> tuple[Call, Call]:
    kwargs = layer_kwargs(d, start_dim=(0, 1, -1, 5, -5), end_dim=(-1, 0, 2, 5))
    return Call((), kwargs), Call((d.tensor(),))


def l_unflatten(d: Draw) -> tuple[Call, Call]:
    x = d.tensor(min_rank=1)
    dim = d.dim(x.array.ndim)
    size = x.array.shape[dim] if -x.array.ndim <= dim < x.array.ndim else 1
    sizes_ = d.choice(((size,), (1, size), (-1, 1), (size, -1), (-1, -1), (size + 1,), (), [size], 3))
    return Call((dim, sizes_)), Call((x,))


def l_upsample(d: Draw) -> tuple[Call, Call]:
    call = p_interpolate(d)
    kwargs = dict(call.kwargs)
    return Call((), kwargs), Call(call.args)


def l_softmax(d: Draw) -> tuple[Call, Call]:
    x = d.tensor(dtype=FLOATS)
    return Call((), {"dim": d.dim(x.array.ndim)} if d.maybe(0.8) else {}), Call((x,))


def l_identity(d: Draw) -> tuple[Call, Call]:
    return Call(tuple(d.scalar() for _ in range(d.int(0, 2))), layer_kwargs(d, foo=(1, None))), Call((d.tensor(),))


def loss_layer(input_pattern: Callable[[Draw], Call], **pools: tuple[Any, ...]) -> Callable[[Draw], tuple[Call, Call]]:
    """A loss module: the functional pattern's tensors go to forward, its keyword arguments to the constructor."""

    def pattern(d: Draw) -> tuple[Call, Call]:
        call = input_pattern(d)
        kwargs = dict(call.kwargs)
        kwargs.update(layer_kwargs(d, **pools))
        return Call((), kwargs), Call(call.args)

    return pattern


def l_data_parallel(d: Draw) -> tuple[Call, Call]:
    wrapped = ("Linear", 3, 2) if d.maybe(0.85) else d.scalar()
    kwargs: dict[str, Any] = {"kind": "modules"}
    if d.maybe(0.2):
        kwargs["dim"] = d.choice((0, 1))
    return Call((wrapped,), kwargs), Call((layer_input(d, (d.int(0, 3), 3), d.choice(FLOATS[:2])),))


def l_sequential(d: Draw) -> tuple[Call, Call]:
    kind = d.choice(("layers", "layers", "empty", "not_module", "dict"))
    if kind == "layers":
        spec = ("Linear", 3, 2), ("ReLU",), ("Linear", 2, 1)
        return Call(spec, {"kind": "modules"}), Call((layer_input(d, (d.int(0, 2), 3), "float32"),))
    if kind == "empty":
        return Call((), {"kind": "modules"}), Call((d.tensor(),))
    if kind == "not_module":
        return Call((("ReLU",), 3), {"kind": "modules"}), Call((d.tensor(),))
    return Call((("ReLU",),), {"kind": "dict"}), Call((d.tensor(dtype=FLOATS),))


def l_module_list(d: Draw) -> tuple[Call, Call]:
    kind = d.choice(("layers", "none", "not_module", "int"))
    if kind == "layers":
        return Call(((("ReLU",), ("Tanh",)),), {"kind": "modules"}), Call()
    if kind == "none":
        return Call((None,), {}), Call()
    if kind == "not_module":
        return Call(((("ReLU",), "relu"),), {"kind": "modules"}), Call()
    return Call((3,), {}), Call()


def l_module_dict(d: Draw) -> tuple[Call, Call]:
    kind = d.choice(("layers", "none", "bad_key", "dotted", "not_module", "list"))
    if kind == "layers":
        return Call(({"a": ("ReLU",)},), {"kind": "modules"}), Call()
    if kind == "none":
        return Call((None,), {}), Call()
    if kind == "bad_key":
        return Call(({1: ("ReLU",)},), {"kind": "modules"}), Call()
    if kind == "dotted":
        return Call(({"a.b": ("ReLU",)},), {"kind": "modules"}), Call()
    if kind == "not_module":
        return Call(({"a": 3},), {"kind": "modules"}), Call()
    return Call(([("a", ("ReLU",)), ("b",)],), {"kind": "modules"}), Call()


def l_embedding(d: Draw) -> tuple[Call, Call]:
    n, dim = count(d, (1, 3, 4)), count(d, (2, 3))
    kwargs = layer_kwargs(
        d, padding_idx=(None, 0, -1, 5, -5), max_norm=(None, 1.0, 0.0, math.nan), scale_grad_by_freq=(False, True)
    )
    kwargs.update(factory(d))
    index = d.index(d.shape(0, 3), size_or(n, 3), d.choice(("int64", "int64", "int32", "float32")))
    return Call((n, dim), kwargs), Call((index,))


def l_recurrent(kind: str) -> Callable[[Draw], tuple[Call, Call]]:
    """RNN, LSTM and GRU (and RNNBase with a mode): sequences (L, N, H_in), unbatched or batch-first."""

    def pattern(d: Draw) -> tuple[Call, Call]:
        size, hidden = count(d, (1, 2, 3)), count(d, (1, 2))
        pools: dict[str, tuple[Any, ...]] = {
            "num_layers": (1, 2, 0, -1),
            "bias": (True, False),
            "batch_first": (False, True),
            "dropout": (0.0, 0.5, 1.0, -0.1, math.nan),
            "bidirectional": (False, True),
        }
        if kind == "RNN":
            pools["nonlinearity"] = ("tanh", "relu", "bad")
        if kind == "LSTM":
            pools["proj_size"] = (0, 1, -1, 5)
        kwargs = {**layer_kwargs(d, **pools), **factory(d)}
        args: tuple[Any, ...] = (size, hidden)
        if kind == "RNNBase":
            args = (d.choice(("LSTM", "GRU", "RNN_TANH", "RNN_RELU", "bad")), *args)
            kwargs.pop("nonlinearity", None)
        length, batch = d.int(0, 3), d.int(1, 2)
        shape = d.choice(((length, batch, size_or(size, 2)), (length, size_or(size, 2))))
        return Call(args, kwargs), Call((layer_input(d, shape, d.choice(FLOATS[:2])),))

    return pattern


def l_cell(kind: str) -> Callable[[Draw], tuple[Call, Call]]:
    def pattern(d: Draw) -> tuple[Call, Call]:
        size, hidden = count(d, (1, 2, 3)), count(d, (1, 2))
        pools: dict[str, tuple[Any, ...]] = {"bias": (True, False)}
        if kind == "RNNCell":
            pools["nonlinearity"] = ("tanh", "relu", "bad")
        kwargs = {**layer_kwargs(d, **pools), **factory(d)}
        if kind == "RNNCellBase":
            kwargs.pop("bias", None)
            return Call((size, hidden, d.choice((True, False)), d.choice((1, 3, 4, 0, -1))), kwargs), Call()
        shape = d.choice(((d.int(0, 2), size_or(size, 2)), (size_or(size, 2),)))
        return Call((size, hidden), kwargs), Call((layer_input(d, shape, d.choice(FLOATS[:2])),))

    return pattern


def l_rbm(d: Draw) -> tuple[Call, Call]:
    visible, hidden = count(d, (2, 3)), count(d, (1, 2))
    v = probabilities(d, (d.int(0, 2), size_or(visible, 2)), d.choice(("float32", "float64")))
    return Call((visible, hidden), factory(d)), Call((v,))


ACT_SLOPE = {"negative_slope": SLOPES, "inplace": (True, False)}
LAYER_PATTERNS: dict[str, Callable[[Draw], tuple[Call, Call]]] = {
    "CELU": activation_layer(alpha=(1.0, 0.0, -1.0, math.nan), inplace=(True, False)),
    "ELU": activation_layer(alpha=(1.0, 0.0, -1.0, math.nan), inplace=(True, False)),
    "GELU": activation_layer(approximate=("none", "tanh", "bad")),
    "SELU": activation_layer(inplace=(True, False)),
    "Hardtanh": activation_layer(min_val=(-1.0, 1.0, 2.0, math.nan), max_val=(1.0, -2.0, math.inf)),
    "LeakyReLU": activation_layer(**ACT_SLOPE),
    "LogSigmoid": activation_layer(),
    "Mish": activation_layer(inplace=(True, False)),
    "ReLU": activation_layer(inplace=(True, False)),
    "ReLU6": activation_layer(inplace=(True, False)),
    "SiLU": activation_layer(inplace=(True, False)),
    "Sigmoid": activation_layer(),
    "Softplus": activation_layer(beta=(1.0, 2.0, 0.0, -1.0, math.nan), threshold=(20.0, 0.0, -1.0)),
    "Softsign": activation_layer(),
    "Tanh": activation_layer(),
    "LogSoftmax": l_softmax,
    "Softmax": l_softmax,
    "Softmin": l_softmax,
    "PReLU": l_prelu,
    "Identity": l_identity,
    "Linear": l_linear,
    "Bilinear": l_bilinear,
    "Conv1d": l_conv(1),
    "Conv2d": l_conv(2),
    "ConvTranspose2d": l_conv(2, transpose=True),
    "AvgPool1d": l_pool(1, "avg"),
    "AvgPool2d": l_pool(2, "avg"),
    "MaxPool1d": l_pool(1, "max"),
    "MaxPool2d": l_pool(2, "max"),
    "AdaptiveAvgPool2d": l_adaptive(False),
    "AdaptiveMaxPool2d": l_adaptive(True),
    "BatchNorm1d": l_norm("BatchNorm1d"),
    "BatchNorm2d": l_norm("BatchNorm2d"),
    "InstanceNorm1d": l_norm("InstanceNorm1d"),
    "InstanceNorm2d": l_norm("InstanceNorm2d"),
    "GroupNorm": l_group_norm,
    "LayerNorm": l_layer_norm,
    "Dropout": l_dropout,
    "Dropout2d": l_dropout,
    "Flatten": l_flatten,
    "Unflatten": l_unflatten,
    "Upsample": l_upsample,
    "UpsamplingNearest2d": l_upsampling_2d,
    "UpsamplingBilinear2d": l_upsampling_2d,
    "PixelShuffle": l_pixel_shuffle(False),
    "PixelUnshuffle": l_pixel_shuffle(True),
    "ReflectionPad1d": l_pad(1),
    "ReflectionPad2d": l_pad(2),
    "ReflectionPad3d": l_pad(3),
    "ReplicationPad1d": l_pad(1),
    "ReplicationPad2d": l_pad(2),
    "ReplicationPad3d": l_pad(3),
    "CircularPad1d": l_pad(1),
    "CircularPad2d": l_pad(2),
    "CircularPad3d": l_pad(3),
    "ZeroPad1d": l_pad(1),
    "ZeroPad2d": l_pad(2),
    "ZeroPad3d": l_pad(3),
    "ConstantPad1d": l_pad(1, value=True),
    "ConstantPad2d": l_pad(2, value=True),
    "ConstantPad3d": l_pad(3, value=True),
    "MultiheadAttention": l_multihead_attention,
    "TransformerEncoderLayer": l_transformer_layer(False),
    "TransformerDecoderLayer": l_transformer_layer(True),
    "TransformerEncoder": l_transformer_stack(False),
    "TransformerDecoder": l_transformer_stack(True),
    "Transformer": l_transformer,
    "BCELoss": loss_layer(p_bce),
    "BCEWithLogitsLoss": loss_layer(p_bce_logits),
    "CrossEntropyLoss": loss_layer(lambda d: p_classification(d, True)),
    "NLLLoss": loss_layer(lambda d: p_classification(d, False)),
    "HuberLoss": loss_layer(p_regression_loss, delta=(1.0, 0.5, 0.0, -1.0, math.nan)),
    "SmoothL1Loss": loss_layer(p_regression_loss, beta=(1.0, 0.5, 0.0, -1.0, math.nan)),
    "KLDivLoss": loss_layer(p_kl_div),
    "L1Loss": loss_layer(p_regression_loss),
    "MSELoss": loss_layer(p_regression_loss),
    "Embedding": l_embedding,
    "RNN": l_recurrent("RNN"),
    "LSTM": l_recurrent("LSTM"),
    "GRU": l_recurrent("GRU"),
    "RNNBase": l_recurrent("RNNBase"),
    "RNNCell": l_cell("RNNCell"),
    "LSTMCell": l_cell("LSTMCell"),
    "GRUCell": l_cell("GRUCell"),
    "RNNCellBase": l_cell("RNNCellBase"),
    "RBM": l_rbm,
    "Sequential": l_sequential,
    "DataParallel": l_data_parallel,
    "PairwiseDistance": loss_layer(p_pairwise_distance),
    "CosineSimilarity": loss_layer(p_cosine_similarity),
    "ModuleList": l_module_list,
    "ModuleDict": l_module_dict,
}
LAYER_FUNCTIONS = {
    "AvgPool1d": ("avg_pool1d",),
    "AvgPool2d": ("avg_pool2d",),
    "MaxPool1d": ("max_pool1d",),
    "MaxPool2d": ("max_pool2d",),
    "AdaptiveAvgPool2d": ("adaptive_avg_pool2d",),
    "AdaptiveMaxPool2d": ("adaptive_max_pool2d",),
    "Conv1d": ("conv1d",),
    "Conv2d": ("conv2d",),
    "ConvTranspose2d": ("conv_transpose2d",),
    "Linear": ("linear",),
    "Bilinear": ("bilinear",),
    "Upsample": ("interpolate",),
    "UpsamplingNearest2d": ("interpolate",),
    "UpsamplingBilinear2d": ("interpolate",),
    "PixelShuffle": ("pixel_shuffle",),
    "PixelUnshuffle": ("pixel_unshuffle",),
    **{
        f"{kind}Pad{n}d": ("pad",)
        for kind in ("Reflection", "Replication", "Circular", "Zero", "Constant")
        for n in (1, 2, 3)
    },
    "MultiheadAttention": ("multi_head_attention_forward",),
    # The Transformer family names the inner layer that refused the input.
    **{
        name: ("MultiheadAttention", "LayerNorm", "Linear", "TransformerEncoderLayer", "TransformerDecoderLayer")
        for name in (
            "TransformerEncoderLayer",
            "TransformerDecoderLayer",
            "TransformerEncoder",
            "TransformerDecoder",
            "Transformer",
        )
    },
    "Flatten": ("flatten",),
    "Unflatten": ("unflatten",),
    "LayerNorm": ("layer_norm",),
    "GroupNorm": ("group_norm",),
    "PReLU": ("prelu",),
    "BatchNorm1d": ("batch_norm",),
    "BatchNorm2d": ("batch_norm",),
    "InstanceNorm1d": ("instance_norm",),
    "InstanceNorm2d": ("instance_norm",),
    "Dropout": ("dropout",),
    "Dropout2d": ("dropout2d",),
    "BCELoss": ("binary_cross_entropy",),
    "BCEWithLogitsLoss": ("binary_cross_entropy_with_logits",),
    "CrossEntropyLoss": ("cross_entropy",),
    "NLLLoss": ("nll_loss",),
    "HuberLoss": ("huber_loss",),
    "SmoothL1Loss": ("smooth_l1_loss",),
    "KLDivLoss": ("kl_div",),
    "L1Loss": ("l1_loss",),
    "MSELoss": ("mse_loss",),
    "Softmin": ("softmin", "softmax"),
    "Softmax": ("softmax",),
    "LogSoftmax": ("log_softmax",),
    "Embedding": ("embedding",),
    "PairwiseDistance": ("pairwise_distance", "norm"),
    "CosineSimilarity": ("cosine_similarity", "norm"),
    "DataParallel": ("Linear", "linear"),  # errors come from the wrapped module, under its path
}


def _layer_classes() -> dict[str, type]:
    found = {}
    for name in shendu.nn.__all__:
        obj = getattr(shendu.nn, name)
        if inspect.isclass(obj) and issubclass(obj, shendu.nn.Module) and obj is not shendu.nn.Module:
            found[name] = obj
    return found


LAYERS = _layer_classes()


def build_modules(lib: Any, spec: Any) -> Any:
    """Container arguments: ``("Linear", 3, 2)`` is a layer of ``lib``; lists, tuples and dicts recurse."""
    if isinstance(spec, tuple) and spec and isinstance(spec[0], str) and hasattr(torch.nn, spec[0]):
        return getattr(lib.nn, spec[0])(*spec[1:])
    if isinstance(spec, (list, tuple)):
        return type(spec)(build_modules(lib, s) for s in spec)
    if isinstance(spec, dict):
        return {k: build_modules(lib, v) for k, v in spec.items()}
    return spec


def make_layer(lib: Any, name: str, ctor: Call) -> Any:
    args, kwargs = to_lib(lib, ctor.args), to_lib(lib, dict(ctor.kwargs))
    kind = kwargs.pop("kind", None)
    if kind == "modules":
        args = build_modules(lib, args)
        if name == "Sequential":
            return getattr(lib.nn, name)(*args)
    elif kind == "dict":
        from collections import OrderedDict

        return getattr(lib.nn, name)(OrderedDict((f"m{i}", m) for i, m in enumerate(build_modules(lib, args))))
    return getattr(lib.nn, name)(*args, **kwargs)


def copy_state(t_mod: Any, s_mod: Any) -> None:
    """Give the shendu layer torch's weights, as a user porting a checkpoint would."""
    state = {k: v.detach().numpy().copy() for k, v in t_mod.state_dict().items()}
    s_mod.load_state_dict(state)


# Constructor checks stricter than torch's where torch's layer would still run on the drawn input.
LAYER_STRICT = (
    r"must be a positive int, got ",  # odd feature counts, which torch may never use (InstanceNorm)
    r"must be an int >= 0, got (True|False)",
    r"must be a positive int or a pair of positive ints",  # an adaptive pool's output size 0
    r"p must be a probability between 0 and 1, got nan",
    r"label_smoothing must be between 0 and 1",
    r"max_val must be greater than min_val, got min_val=nan",
    r"eps must be (a )?(non-negative|positive)",
    r"expected a string such as 'cpu' or 'cuda:0'",
    r"must be an int or a tuple of \d+ positive ints",  # torch checks these only in forward
    r"give exactly one of size and scale_factor",
    r"proj_size=\d+ \(LSTM with projections\) is not supported by shendu",  # scope
    r"output_padding=.* must be smaller than",
    r"dropout must be a probability between 0 and 1",  # torch's MultiheadAttention takes any dropout
    r"padding must be an int or a tuple of \d+ ints",  # torch's padding layers check it only in forward
    # torch parses device= only when it makes a tensor; a layer without parameters never does.
    r"unknown device type|bad device index|the CPU has no index",
)
LAYER_LENIENT = {
    "RNNBase": (r"is missing the required \"forward\" function",),  # shendu's base class runs its mode
    "PReLU": (r"Type promoting not supported",),  # shendu promotes a float32 weight for a float64 input
}


def layer_case(name: str) -> Case:
    functions = LAYER_FUNCTIONS.get(name, (name.lower(),))
    names = (name, *functions)
    if name in ("ModuleList", "ModuleDict", "Sequential"):
        names += ("add_module", "Linear", "ReLU")  # containers name the inner layer that failed
    return Case(
        name,
        lambda *a, **k: None,
        None,
        names,
        values="Dropout" not in name and name not in ("GELU", "Bilinear"),
        lenient=(*LAYER_LENIENT.get(name, ()), *(p for f in functions for p in LENIENT_OPS.get(f, ()))),
        strict=(*LAYER_STRICT, *(p for f in functions for p in STRICT_OPS.get(f, ()))),
    )


@pytest.mark.parametrize("name", sorted(LAYERS))
@FUZZ
@given(data=st.data())
def test_fuzz_layer(name: str, data: Any) -> None:
    d = Draw(data)
    ctor, inputs = LAYER_PATTERNS.get(name, l_identity)(d)
    case = layer_case(name)
    where = f"nn.{name}{ctor!r}"
    oracle = hasattr(torch.nn, name)  # shendu's own layers (the RBM) run alone
    if name in MAX_POOLS and inputs.args:
        keys = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")
        pool_kwargs = {**dict(zip(keys, ctor.args)), **ctor.kwargs}
        oracle = torch_max_pool_is_safe(inputs.args[0].array.shape, MAX_POOLS[name], pool_kwargs)
    t_res = run(lambda: make_layer(torch, name, ctor)) if oracle else None
    s_res = run(lambda: make_layer(shendu, name, ctor), CALL_SECONDS)
    if t_res and t_res.ok and not s_res.ok and inputs.args and error_problem(s_res.error, case.names) is None:
        # torch checks most hyperparameters only when the layer runs; shendu may check them up front.
        if not run(lambda: t_res.value(*to_lib(torch, inputs.args))).ok:
            tally("both raised")
            return
    kind = verdict(case, where, t_res, s_res, values=False)
    if not (s_res.ok and inputs.args and (t_res is None or t_res.ok)):
        tally(kind)
        return
    if non_finite_parameter(ctor) or ctor.kwargs.get("dropout", 0) != 0:
        case.values = False  # NaN hyperparameters (see non_finite_parameter), or random dropout between layers
    training = d.bool()
    s_res.value.train(training)
    case.shendu_fn, case.torch_fn = s_res.value, None
    if t_res is not None:
        t_res.value.train(training)
        copy_state(t_res.value, s_res.value)
        case.torch_fn = t_res.value
    judge(case, inputs, label=f"{where}{inputs!r} ({'train' if training else 'eval'} mode)")


def test_every_layer_has_a_pattern() -> None:
    missing = sorted(set(LAYERS) - set(LAYER_PATTERNS))
    assert not missing, f"add argument patterns for {missing} to LAYER_PATTERNS"


# ------------------------------------------------------------------------------- optimizers, schedulers


def params(d: Draw) -> Any:
    """The ``params`` argument: usually a list of parameters with gradients, sometimes something hostile."""
    kind = d.choice(("list", "list", "list", "groups", "empty", "ints", "tensor", "duplicate", "no_grad", "dict"))

    def one() -> P:
        dt = d.choice(("float32", "float32", "float64"))
        shape = d.shape(0, 2, 0, 3)
        grad = None if d.maybe(0.1) else d.tensor(shape=shape, dtype=dt)
        value = d.tensor(shape=shape, dtype=dt, mode="normal").array
        return P(value, huge=grad is not None and grad.huge, grad_array=None if grad is None else grad.array)

    if kind == "list":
        return [one() for _ in range(d.int(1, 2))]
    if kind == "groups":
        groups: list[Any] = [{"params": [one()]}, {"params": [one()], "lr": d.choice((0.01, -1.0, math.nan))}]
        if d.maybe(0.3):
            groups.append({"lr": 0.1})
        return groups
    if kind == "empty":
        return []
    if kind == "ints":
        return [1, 2]
    if kind == "tensor":
        return one()
    if kind == "duplicate":
        p = one()
        return [p, p]
    if kind == "no_grad":
        return [d.tensor(dtype="float32", grad=False)]
    return {"params": [one()]}


LR = (1e-3, 0.1, 0.0, -1.0, math.nan, math.inf, 1e38, "0.1", None)
BETAS = ((0.9, 0.999), (0.0, 0.0), (1.0, 0.999), (0.9, 1.0), (-0.1, 0.9), (0.9,), (math.nan, 0.9), "ab", 0.9)
EPS = (1e-8, 0.0, -1e-8, math.nan, math.inf)
DECAY = (0.0, 0.01, -0.1, math.nan, math.inf)
OPTIMIZER_POOLS: dict[str, dict[str, tuple[Any, ...]]] = {
    "SGD": {
        "momentum": (0.0, 0.9, -0.5, math.nan, 1.5),
        "dampening": (0.0, 0.5, -1.0, math.nan),
        "weight_decay": DECAY,
        "nesterov": (False, True),
        "maximize": (False, True),
    },
    "Adam": {
        "betas": BETAS,
        "eps": EPS,
        "weight_decay": DECAY,
        "amsgrad": (False, True),
        "maximize": (False, True),
    },
    "AdamW": {
        "betas": BETAS,
        "eps": EPS,
        "weight_decay": DECAY,
        "amsgrad": (False, True),
        "maximize": (False, True),
    },
    "RMSprop": {
        "alpha": (0.99, 0.0, -0.1, 1.5, math.nan),
        "eps": EPS,
        "weight_decay": DECAY,
        "momentum": (0.0, 0.9, -0.5, math.nan),
        "centered": (False, True),
        "maximize": (False, True),
    },
    "Adagrad": {
        "lr_decay": (0.0, 0.1, -0.1, math.nan),
        "weight_decay": DECAY,
        "initial_accumulator_value": (0.0, 0.1, -0.1, math.nan),
        "eps": EPS,
        "maximize": (False, True),
    },
    "Adadelta": {
        "rho": (0.9, 0.0, 1.0, -0.1, 1.5, math.nan),
        "eps": EPS,
        "weight_decay": DECAY,
        "maximize": (False, True),
    },
    "LBFGS": {
        "max_iter": (20, 1, 3, 0, -1, 2.5),
        "max_eval": (None, 1, 4, 0),
        "tolerance_grad": (1e-7, 0.0, -1.0, math.nan),
        "tolerance_change": (1e-9, 0.0, -1.0),
        "history_size": (100, 1, 2, 0),
        "line_search_fn": (None, "strong_wolfe", "strong_wolfe", "armijo"),
    },
}
OPTIMIZERS = sorted(n for n in shendu.optim.__all__ if n not in ("Optimizer", "lr_scheduler"))


def _step_and_read(lib: Any, name: str, call: Call, steps: int) -> list[Any]:
    args, kwargs = to_lib(lib, call.args), to_lib(lib, call.kwargs)
    opt = getattr(lib.optim, name)(*args, **kwargs)
    for _ in range(steps):
        if name == "LBFGS":
            opt.step(_quadratic_closure(opt))
        else:
            opt.step()
    return [p.detach().clone() for group in opt.param_groups for p in group["params"]]


def _quadratic_closure(opt: Any) -> Callable[[], Any]:
    """For optimizers that re-evaluate the loss: sum(p² / 2 + g·p), whose gradient at 0 is the drawn g."""
    params = [p for group in opt.param_groups for p in group["params"]]
    targets = [p.grad.detach().clone() if p.grad is not None else None for p in params]

    def closure() -> Any:
        opt.zero_grad()
        loss = sum(
            ((p * p).sum() / 2 + (p * g).sum() if g is not None else (p * p).sum() / 2) for p, g in zip(params, targets)
        )
        if loss.requires_grad:  # plain tensors among the params: nothing to differentiate
            loss.backward()
        return loss

    return closure


@pytest.mark.parametrize("name", OPTIMIZERS)
@FUZZ
@given(data=st.data())
def test_fuzz_optimizer(name: str, data: Any) -> None:
    d = Draw(data)
    kwargs = layer_kwargs(d, **OPTIMIZER_POOLS.get(name, {}))
    if d.maybe(0.7):
        kwargs["lr"] = d.choice(LR)
    call = Call((params(d),), kwargs)
    steps = d.int(1, 2)
    case = Case(
        name,
        lambda *a, **k: _step_and_read(shendu, name, Call(a, k), steps),
        lambda *a, **k: _step_and_read(torch, name, Call(a, k), steps),
        (name,),
        backward=False,
        # In float32, rounding tips L-BFGS's line-search decisions (tests/optim/test_lbfgs.py compares float64).
        values=name != "LBFGS",
        # shendu reads plain tensors as parameters; torch insists on leaves that require grad.
        lenient=(
            r"list index out of range",  # torch's L-BFGS line search, when the loss is NaN
            r"can't optimize a non-leaf Tensor",
            r"optimizing a parameter that doesn't require gradients",
            r"value cannot be converted to type float without overflow",  # torch's float32 step sizes
        ),
        # torch's `value < 0` checks let NaN through, and it checks only the defaults, not each group.
        strict=(
            r"invalid [\w ]+: (nan|-)",
            # torch's LBFGS takes history_size=0 and fails (IndexError) only once it stores a correction.
            r"invalid history_size: 0",
            r"LBFGS: \w+ must be an int, got float",  # torch counts iterations up to a float bound too
        ),
    )
    judge(case, call, label=f"optim.{name}{call!r} then {steps} step(s)")


def test_every_optimizer_is_fuzzed_with_its_hyperparameters() -> None:
    missing = sorted(set(OPTIMIZERS) - set(OPTIMIZER_POOLS))
    assert not missing, f"add hyperparameter pools for {missing} to OPTIMIZER_POOLS"


GAMMA = (0.1, 0.5, 1.0, 0.0, -0.5, 2.0, math.nan, math.inf)
ITERS = (1, 3, 5, 0, -1, 2.5, None)
EPOCH = (-1, -1, -1, 0, 3, -2)
SCHEDULER_POOLS: dict[str, Callable[[Draw], Call]] = {
    "StepLR": lambda d: Call((d.choice((1, 2, 0, -1, 2.5, None)),), layer_kwargs(d, gamma=GAMMA, last_epoch=EPOCH)),
    "MultiStepLR": lambda d: Call(
        (d.choice(([1, 3], [3, 1], [], [-1, 2], [2, 2], [1.5], 3, None)),),
        layer_kwargs(d, gamma=GAMMA, last_epoch=EPOCH),
    ),
    "ExponentialLR": lambda d: Call((d.choice(GAMMA),), layer_kwargs(d, last_epoch=EPOCH)),
    "ConstantLR": lambda d: Call(
        (), layer_kwargs(d, factor=(0.5, 0.0, 1.0, -0.5, 1.5, math.nan), total_iters=ITERS, last_epoch=EPOCH)
    ),
    "LinearLR": lambda d: Call(
        (),
        layer_kwargs(
            d,
            start_factor=(0.5, 0.0, 1.0, 1.5, -1.0, math.nan),
            end_factor=(1.0, 0.0, 0.5, 1.5, -1.0),
            total_iters=ITERS,
            last_epoch=EPOCH,
        ),
    ),
    "PolynomialLR": lambda d: Call(
        (), layer_kwargs(d, total_iters=ITERS, power=(1.0, 2.0, 0.0, -1.0, math.nan), last_epoch=EPOCH)
    ),
    "CosineAnnealingLR": lambda d: Call(
        (d.choice((1, 5, 0, -1, 2.5, None)),), layer_kwargs(d, eta_min=(0.0, 0.01, -1.0, math.nan), last_epoch=EPOCH)
    ),
    "CosineAnnealingWarmRestarts": lambda d: Call(
        (d.choice((1, 3, 0, -1, 2.5, None)),),
        layer_kwargs(d, T_mult=(1, 2, 0, -1, 1.5), eta_min=(0.0, 0.01, -1.0, math.nan), last_epoch=EPOCH),
    ),
    "LambdaLR": lambda d: Call(
        (d.choice(("decay", "decay", "nan", "constant", "list", "short_list", "none")),),
        layer_kwargs(d, last_epoch=EPOCH),
    ),
    "MultiplicativeLR": lambda d: Call(
        (d.choice(("decay", "decay", "nan", "constant", "list", "short_list", "none")),),
        layer_kwargs(d, last_epoch=EPOCH),
    ),
    "OneCycleLR": lambda d: Call(
        (d.choice((0.1, [0.1], [0.1, 0.2], 0.0, -1.0, math.nan)),),
        layer_kwargs(
            d,
            total_steps=(10, 3, 0, -1, 2.5, None),
            epochs=(2, 0, -1, None),
            steps_per_epoch=(3, 0, -1, None),
            pct_start=(0.3, 0.0, 1.0, -0.1, 1.5, math.nan),
            anneal_strategy=("cos", "linear", "bad"),
            cycle_momentum=(True, False),
            div_factor=(25.0, 0.0, -1.0, math.nan),
            final_div_factor=(1e4, 0.0, -1.0),
            three_phase=(False, True),
            last_epoch=EPOCH,
        ),
    ),
    "ReduceLROnPlateau": lambda d: Call(
        (),
        layer_kwargs(
            d,
            mode=("min", "max", "bad"),
            factor=(0.1, 0.5, 1.0, 0.0, -0.5, 2.0, math.nan),
            patience=(0, 1, 10, -1, 2.5),
            threshold=(1e-4, 0.0, -1.0, math.nan),
            threshold_mode=("rel", "abs", "bad"),
            cooldown=(0, 1, -1),
            min_lr=(0.0, 0.01, -1.0, [0.0], [0.0, 0.0], math.nan),
            eps=(1e-8, 0.0, -1.0, math.nan),
        ),
    ),
    "SequentialLR": lambda d: Call(
        (d.choice(("two", "two", "empty", "not_scheduler", "one")),),
        {"milestones": d.choice(([2], [], [1, 2], [-1], [3, 1])), **layer_kwargs(d, last_epoch=(-1, 0, 2))},
    ),
    "ChainedScheduler": lambda d: Call((d.choice(("two", "two", "empty", "not_scheduler", "one")),)),
    "LRScheduler": lambda d: Call((), layer_kwargs(d, last_epoch=EPOCH)),
}
LAMBDAS: dict[str, Any] = {
    "decay": lambda epoch: 0.9**epoch,
    "nan": lambda epoch: math.nan,
    "constant": 0.5,
    "list": [lambda epoch: 0.9**epoch],
    "short_list": [],
    "none": None,
}
SCHEDULERS = sorted(
    n for n in shendu_sched.__all__ if inspect.isclass(getattr(shendu_sched, n)) and n not in ("LRScheduler",)
)


def _schedule(lib: Any, name: str, call: Call, steps: int, optimizer: str, metrics: tuple[float, ...]) -> list[Any]:
    """Build an optimizer and the scheduler, step both ``steps`` times, and return every learning rate seen."""
    param = lib.nn.Parameter(lib.zeros(2))
    opt_kwargs = {"lr": 0.1, "momentum": 0.9} if optimizer == "SGD" else {"lr": 0.1}
    opt = getattr(lib.optim, optimizer)([param], **opt_kwargs)
    sched_mod = lib.optim.lr_scheduler
    args = list(call.args)
    if name in ("LambdaLR", "MultiplicativeLR"):
        args[0] = LAMBDAS[args[0]]
    if name in ("SequentialLR", "ChainedScheduler"):
        inner = {
            "two": [sched_mod.ConstantLR(opt, factor=0.5, total_iters=2), sched_mod.ExponentialLR(opt, gamma=0.9)],
            "one": [sched_mod.StepLR(opt, step_size=1)],
            "empty": [],
            "not_scheduler": [opt],
        }[args[0]]
        args[0] = inner
    if name == "ChainedScheduler":
        sched = sched_mod.ChainedScheduler(*args, **call.kwargs)
    else:
        sched = getattr(sched_mod, name)(opt, *args, **call.kwargs)
    seen = [opt.param_groups[0]["lr"]]
    for i in range(steps):
        opt.step()
        if name == "ReduceLROnPlateau":
            sched.step(metrics[i % len(metrics)])
        else:
            sched.step()
        seen.append(opt.param_groups[0]["lr"])
    return seen


@pytest.mark.parametrize("name", SCHEDULERS)
@FUZZ
@given(data=st.data())
def test_fuzz_scheduler(name: str, data: Any) -> None:
    d = Draw(data)
    call = SCHEDULER_POOLS[name](d)
    steps = d.int(0, 4)
    optimizer = d.choice(("SGD", "SGD", "Adam"))
    metrics = (1.0, d.choice((0.5, 1.0, 2.0, math.nan, math.inf)), 0.2)
    case = Case(
        name,
        lambda *a, **k: _schedule(shendu, name, Call(a, k), steps, optimizer, metrics),
        lambda *a, **k: _schedule(torch, name, Call(a, k), steps, optimizer, metrics),
        (name,),
        backward=False,
        # torch lets through zero, negative and fractional periods and NaN factors that later misbehave
        strict=(r"expected a positive integer", r"got nan", r"power must be a number >= 0"),
        lenient=(r"float division by zero",),  # torch's ConstantLR divides by a zero factor; shendu does not
    )
    judge(case, call, label=f"lr_scheduler.{name}{call!r} on {optimizer}, {steps} step(s), metrics {metrics}")


def test_every_scheduler_has_a_pattern() -> None:
    missing = sorted(set(SCHEDULERS) - set(SCHEDULER_POOLS))
    assert not missing, f"add argument patterns for {missing} to SCHEDULER_POOLS"


# ------------------------------------------------------------------------------------------ regressions
# One check per bug the fuzzer found, next to the harness that found it.


# ------------------------------------------------------------------------------------------ regressions
# One check per bug the fuzzer found, next to the harness that found it.


@pytest.mark.parametrize(
    "make",
    [
        lambda: shendu.zeros(2, dtype=shendu.int64, requires_grad=True),
        lambda: shendu.arange(3, requires_grad=True),
        lambda: shendu.full((2,), 1, requires_grad=True),
        lambda: shendu.zeros_like(shendu.ones(2), dtype=shendu.int64, requires_grad=True),
        lambda: shendu.randperm(3, requires_grad=True),
    ],
)
def test_creation_with_requires_grad_on_an_integer_dtype_names_the_op(make: Callable[[], Any]) -> None:
    with pytest.raises(shendu.DtypeError, match=r"^(zeros|arange|full|zeros_like|randperm): only floating-point"):
        make()


@pytest.mark.parametrize(
    "make",
    [
        lambda: shendu.zeros(2**40, 2**40),
        lambda: shendu.ones(2**62, 4),
        lambda: shendu.eye(2**40),
        lambda: shendu.linspace(0, 1, 2**62),
        lambda: shendu.logspace(0, 1, 2**62),
        lambda: shendu.arange(0, 1e38),
        lambda: shendu.arange(0, 2**62, dtype=shendu.float32),
        lambda: shendu.randperm(2**62),
        lambda: shendu.rand(2**40, 2**40),
        lambda: shendu.randn(2**62),
        lambda: shendu.randint(0, 5, (2**40, 2**40)),
        lambda: shendu.normal(0.0, 1.0, (2**62, 2**62)),
    ],
)
def test_creating_an_unaddressable_tensor_is_a_shendu_error(make: Callable[[], Any]) -> None:
    with pytest.raises(shendu.OutOfMemoryError, match=r"^\w+: a tensor of shape .* more than this machine can address"):
        make()


def test_a_tensor_larger_than_memory_is_a_shendu_error() -> None:
    with pytest.raises(shendu.OutOfMemoryError, match=r"^zeros: not enough memory for a tensor of shape"):
        shendu.zeros(2**50)  # 4 PiB: addressable, but beyond any machine's virtual memory


def test_arange_with_a_non_finite_or_non_numeric_bound_names_the_op() -> None:
    with pytest.raises(ValueError, match=r"^arange: start must be finite, got nan"):
        shendu.arange(math.nan, 0.0, 1e38, dtype=shendu.int64)
    with pytest.raises(ValueError, match=r"^arange: end must be finite, got inf"):
        shendu.arange(math.inf)
    with pytest.raises(TypeError, match=r"^arange: step must be a number, got str"):
        shendu.arange(0, 3, "1")
    with pytest.raises(ValueError, match=r"^arange: start 1e\+38 cannot be converted to int64 without overflow"):
        shendu.arange(1e38, 1e38, dtype=shendu.int64)
    assert shendu.arange(0, 1, math.inf).shape == (0,)  # as in torch


@pytest.mark.parametrize(
    ("args", "dtype", "expected"),
    [
        ((2.5,), "int32", [0, 1, 2]),
        ((0.5, 2.5), "int32", [0, 1]),
        ((-2.5, 1), "int64", [-2, -1, 0]),
        ((0, 3, 0.5), "int32", [0] * 6),  # the step truncates to 0 but counts as 0.5
    ],
)
def test_arange_counts_like_torch_for_integer_dtypes(args: tuple[float, ...], dtype: str, expected: list[int]) -> None:
    assert shendu.arange(*args, dtype=getattr(shendu, dtype)).tolist() == expected


def test_full_refuses_a_fill_value_that_overflows_the_dtype() -> None:
    with pytest.raises(ValueError, match=r"^full: fill_value nan cannot be converted to int64 without overflow"):
        shendu.full((2,), math.nan, dtype=shendu.int64)
    with pytest.raises(ValueError, match=r"^full_like: fill_value -inf cannot be converted to int64"):
        shendu.full_like(shendu.zeros(2, dtype=shendu.uint8), -math.inf, dtype=shendu.int64)
    with pytest.raises(ValueError, match=r"^full: fill_value 300 cannot be converted to uint8"):
        shendu.full((2,), 300, dtype=shendu.uint8)
    with pytest.raises(ValueError, match=r"^full: fill_value 1e\+38 cannot be converted to float16"):
        shendu.full((2,), 1e38, dtype=shendu.float16)
    with pytest.raises(TypeError, match=r"^full: fill_value must be a number, got str"):
        shendu.full((2,), "a")
    assert shendu.full((2,), -1, dtype=shendu.uint8).tolist() == [255, 255]  # as in torch
    assert shendu.full((2,), 2.7, dtype=shendu.int64).tolist() == [2, 2]


def test_set_rng_state_names_itself_and_refuses_foreign_states() -> None:
    with pytest.raises(ValueError, match=r"^set_rng_state: expected a uint8 tensor of 80 bytes"):
        shendu.set_rng_state(shendu.zeros(5000, dtype=shendu.uint8))
    with pytest.raises(
        TypeError, match=r"^set_rng_state: expected a uint8 tensor from get_state\(\), got dtype float32"
    ):
        shendu.set_rng_state(shendu.zeros(80))
    with pytest.raises(ValueError, match=r"^set_rng_state: these 80 bytes are not a state"):
        shendu.set_rng_state(shendu.full((80,), 255, dtype=shendu.uint8))
    state = shendu.get_rng_state()
    first = shendu.rand(3)
    shendu.set_rng_state(state)
    assert shendu.equal(shendu.rand(3), first)


def test_manual_seed_refuses_seeds_beyond_64_bits() -> None:
    with pytest.raises(ValueError, match=r"^manual_seed: seed must be in \[-2\*\*63, 2\*\*64 - 1\]"):
        shendu.manual_seed(2**64)
    shendu.manual_seed(2**64 - 1)
    shendu.manual_seed(-(2**63))


def test_normal_refuses_a_nan_std() -> None:
    with pytest.raises(ValueError, match=r"^normal: std must be >= 0, but got nan"):
        shendu.normal(0.0, math.nan, (2,))
    with pytest.raises(ValueError, match=r"^normal: std must be >= 0, but got nan"):
        shendu.normal(shendu.zeros(2), math.nan)
    with pytest.raises(ValueError, match=r"^normal: every element of std must be >= 0, but std has negative or NaN"):
        shendu.normal(1.0, shendu.tensor([1.0, math.nan]))


@pytest.mark.parametrize("device", ["tpu", "cuda:x", "gpu", ""])
def test_move_parses_its_device_and_names_itself(device: str) -> None:
    with pytest.raises(shendu.DeviceError, match=r"^move: "):
        shendu.move(shendu.ones(2), device)


def test_move_to_the_cpu_by_name_is_a_no_op() -> None:
    x = shendu.ones(2)
    assert shendu.move(x, "cpu") is x


def test_a_missing_dtype_is_not_read_as_float64() -> None:
    with pytest.raises(TypeError, match=r"^set_default_dtype: expected a dtype such as shendu.float32, got None"):
        shendu.set_default_dtype(None)
    assert shendu.get_default_dtype() is shendu.float32
    with pytest.raises(TypeError, match=r"^promote_types: expected a dtype such as shendu.float32, got None"):
        shendu.promote_types(shendu.int64, None)


def test_promote_types_takes_dtype_names() -> None:
    assert shendu.promote_types(shendu.int64, "float32") is shendu.float32
    with pytest.raises(TypeError, match=r"^promote_types: 'x' is not a dtype"):
        shendu.promote_types("x", shendu.int64)


def test_add_and_sub_check_alpha_against_the_operand_dtypes() -> None:
    ints = shendu.tensor([1, 2])
    with pytest.raises(shendu.DtypeError, match=r"^add: alpha must not be a float when both operands are integers"):
        shendu.add(ints, ints, alpha=0.5)
    with pytest.raises(shendu.DtypeError, match=r"^sub: alpha must not be a float"):
        shendu.sub(ints, 3, alpha=1.0)
    with pytest.raises(shendu.DtypeError, match=r"^add: a bool alpha \(True\) is only accepted when both"):
        shendu.add(ints, ints, alpha=True)
    assert shendu.add(ints, shendu.tensor([1.5, 1.5]), alpha=0.5).tolist() == [1.75, 2.75]
    assert shendu.add(shendu.tensor([True]), shendu.tensor([False]), alpha=True).tolist() == [True]


@pytest.mark.parametrize(
    "call",
    [
        lambda: shendu.sub(shendu.tensor([True]), shendu.tensor([False])),
        lambda: shendu.sub(shendu.tensor([True]), -math.inf),
        lambda: shendu.sub(math.inf, shendu.tensor([False])),
        lambda: shendu.rsub(shendu.tensor([1]), shendu.tensor([True])),
    ],
)
def test_sub_refuses_bool_tensors(call: Callable[[], Any]) -> None:
    with pytest.raises(shendu.DtypeError, match=r"^sub: subtracting bool tensors is not supported"):
        call()


def test_sub_refuses_a_bool_number_on_either_side() -> None:
    with pytest.raises(TypeError, match=r"^sub: subtracting from a bool is not supported"):
        shendu.rsub(shendu.tensor([0.5]), True)
    with pytest.raises(TypeError, match=r"^sub: subtracting a bool is not supported"):
        shendu.sub(shendu.tensor([0.5]), True)


def test_an_int_scalar_beyond_the_tensor_dtype_wraps_as_in_torch() -> None:
    small = shendu.tensor([1, 2], dtype=shendu.uint8)
    assert shendu.mul(small, 2**63 - 1).dtype is shendu.uint8
    assert shendu.mul(small, 2**63 - 1).tolist() == [255, 254]
    assert shendu.add(0, small, alpha=-1).tolist() == [255, 254]
    assert (small + 256).tolist() == [1, 2]
    assert shendu.div(small, 2**63 - 1).tolist() == pytest.approx([2**-63, 2**-62])  # true division: no wrap
    with pytest.raises(ValueError, match=r"^mul: the integer 18446744073709551616 does not fit in 64 bits"):
        shendu.mul(small, 2**64)
    with pytest.raises(ValueError, match=r"^pow: the integer 9223372036854775807 cannot be converted to uint8"):
        shendu.pow(small, 2**63 - 1)


def test_rounded_division_and_remainder() -> None:
    ints = shendu.tensor([3, 4])
    for call in (
        lambda: shendu.floor_divide(ints, shendu.tensor(0, dtype=shendu.uint8)),
        lambda: shendu.div(ints, shendu.tensor([0, 1]), rounding_mode="trunc"),
        lambda: shendu.remainder(ints, 0),
    ):
        with pytest.raises(ValueError, match=r"^(floor_divide|div|remainder): integer division by zero"):
            call()
    with pytest.raises(shendu.ShapeError, match=r"^floor_divide: shapes \(2,\) and \(3, 3\) cannot be broadcast"):
        shendu.floor_divide(shendu.tensor([True, True]), shendu.ones(3, 3))
    assert shendu.floor_divide(shendu.tensor(1, dtype=shendu.uint8), 2**63 - 1).dtype is shendu.uint8
    assert shendu.floor_divide(7, shendu.tensor([2, 3], dtype=shendu.int32)).dtype is shendu.int32
    assert shendu.floor_divide(shendu.tensor([-7.0]), 0.0).tolist() == [-math.inf]
    assert shendu.floor_divide(shendu.zeros(0, dtype=shendu.int64), 0).shape == (0,)  # nothing to divide


def test_hardtanh_of_an_integer_tensor_with_a_nan_bound_names_the_op() -> None:
    with pytest.raises(ValueError, match=r"^hardtanh: an integer tensor needs finite bounds, got min_val=nan"):
        shendu.nn.functional.hardtanh(shendu.tensor([1, 2]), min_val=math.nan)


@pytest.mark.parametrize("decimals", [400, -400])
def test_round_to_more_decimals_than_float64_holds_gives_nan_as_torch(decimals: int) -> None:
    out = shendu.round(shendu.tensor([3e38, 1.5]), decimals=decimals)
    assert math.isnan(out[0].item()) and math.isnan(out[1].item())


def test_nan_to_num_checks_its_replacement_values() -> None:
    assert shendu.nan_to_num(shendu.tensor([math.nan]), nan=None).tolist() == [0.0]  # as in torch
    with pytest.raises(TypeError, match=r"^nan_to_num: posinf must be a number or None, got str"):
        shendu.nan_to_num(shendu.ones(2), posinf="big")
    assert shendu.nan_to_num(shendu.tensor([math.inf]), posinf=math.nan).isnan().all().item()


def test_clamp_ranks_a_number_bound_below_a_tensor_bound() -> None:
    x = shendu.tensor(0, dtype=shendu.uint8)
    assert shendu.clamp(x, min=0, max=shendu.tensor(0, dtype=shendu.uint8)).dtype is shendu.uint8
    assert shendu.clamp(shendu.tensor([1, 5]), min=shendu.tensor(2), max=3.5).dtype is shendu.float32


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: shendu.chunk(shendu.ones(4), 2.5), r"^chunk: chunks must be an int, got float 2.5"),
        (lambda: shendu.split(shendu.ones(4), 2.5), r"^split: split_size_or_sections must be an int, got float"),
        (lambda: shendu.narrow(shendu.ones(4), 0, 1.0, 2), r"^narrow: start must be an int, got float"),
        (lambda: shendu.select(shendu.ones(4), 0, "1"), r"^select: index must be an int, got str"),
        (lambda: shendu.repeat_interleave(shendu.ones(2), 1.5), r"^repeat_interleave: repeats must be an int"),
        (lambda: shendu.tril(shendu.ones(2, 2), 0.5), r"^tril: diagonal must be an int, got float"),
        (lambda: shendu.one_hot(shendu.tensor([1]), 2.0), r"^one_hot: num_classes must be an int, got float"),
        (lambda: shendu.ones(4)[0:2.5], r"^\w+: slice stop must be an int, got float"),
    ],
)
def test_a_float_where_an_int_belongs_names_the_op(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        call()


def test_movedim_of_a_0d_tensor() -> None:
    assert shendu.movedim(shendu.tensor(1.0), -1, -1).shape == ()
    assert shendu.moveaxis(shendu.tensor(1.0), [0], [0]).shape == ()


def test_repeat_interleave_of_counts_checks_them_and_keeps_their_dtype() -> None:
    with pytest.raises(shendu.ShapeError, match=r"^repeat_interleave: repeats must be >= 0"):
        shendu.repeat_interleave(shendu.tensor([3, -3]))
    out = shendu.repeat_interleave(shendu.tensor([2, 1], dtype=shendu.int32))
    assert out.dtype is shendu.int32 and out.tolist() == [0, 0, 1]


def test_dropout_of_an_integer_tensor_is_refused_only_when_it_must_scale() -> None:
    ints = shendu.tensor([3, 3, 2, 2])
    assert shendu.nn.functional.dropout(ints, training=False) is ints
    assert shendu.nn.functional.dropout(ints, p=0.0) is ints
    assert shendu.nn.functional.alpha_dropout(ints) is ints
    zeros = shendu.nn.functional.dropout(ints, p=1.0)
    assert zeros.dtype is shendu.int64 and zeros.tolist() == [0, 0, 0, 0]
    with pytest.raises(shendu.DtypeError, match=r"^dropout: expected a floating-point input, got dtype shendu.int64"):
        shendu.nn.functional.dropout(ints, p=0.5)
    scalar = shendu.tensor(0.5)
    assert shendu.nn.functional.feature_alpha_dropout(scalar) is scalar
    with pytest.raises(shendu.ShapeError, match=r"^feature_alpha_dropout: expected an input of shape \(N, C, \*\)"):
        shendu.nn.functional.feature_alpha_dropout(scalar, training=True)
    with pytest.raises(shendu.ShapeError, match=r"^dropout2d: expected an input with at least 2 dimensions"):
        shendu.nn.functional.dropout2d(shendu.ones(3))
    with pytest.warns(UserWarning, match="dropout2d: got a 0-D input"):
        assert shendu.nn.functional.dropout2d(shendu.tensor(2), p=1.0).item() == 0  # p = 1 zeroes any shape
    for alpha in (shendu.nn.functional.alpha_dropout, shendu.nn.functional.feature_alpha_dropout):
        assert alpha(shendu.tensor([2]), p=1.0, training=True).tolist() == [0]
        assert alpha(shendu.tensor(2), p=1.0, training=True).item() == 0
    with pytest.raises(shendu.ShapeError, match=r"^dropout3d: expected an input with channels, got a 0-d tensor"):
        shendu.nn.functional.dropout3d(scalar)


def test_prelu_takes_a_0d_weight_as_one_slope() -> None:
    out = shendu.nn.functional.prelu(shendu.tensor([[-2.0, 3.0]]), shendu.tensor(0.25))
    assert out.tolist() == [[-0.5, 3.0]]
    with pytest.raises(shendu.ShapeError, match=r"^prelu: weight must be 0-D or 1-D, got shape \(1, 1\)"):
        shendu.nn.functional.prelu(shendu.ones(2), shendu.ones(1, 1))


@pytest.mark.parametrize(
    "make",
    [
        lambda **k: shendu.nn.Linear(2, 3, **k),
        lambda **k: shendu.nn.Bilinear(2, 2, 3, **k),
        lambda **k: shendu.nn.Conv2d(1, 2, 3, **k),
        lambda **k: shendu.nn.ConvTranspose2d(1, 2, 3, **k),
        lambda **k: shendu.nn.BatchNorm1d(3, **k),
        lambda **k: shendu.nn.InstanceNorm2d(3, affine=True, **k),
        lambda **k: shendu.nn.GroupNorm(1, 2, **k),
        lambda **k: shendu.nn.LayerNorm(3, **k),
        lambda **k: shendu.nn.PReLU(**k),
        lambda **k: shendu.nn.Embedding(3, 2, **k),
        lambda **k: shendu.nn.LSTM(2, 3, **k),
        lambda **k: shendu.nn.GRUCell(2, 3, **k),
        lambda **k: shendu.nn.RBM(3, 2, **k),
    ],
)
def test_layers_name_themselves_for_a_bad_device_or_dtype(make: Callable[..., Any]) -> None:
    with pytest.raises(shendu.DeviceError, match=r"^[A-Z]\w+: unknown device type 'tpu'"):
        make(device="tpu")
    with pytest.raises(shendu.DtypeError, match=r"^[A-Z]\w+: parameters need a floating-point dtype, got shendu.int64"):
        make(dtype=shendu.int64)


def test_batch_norm_of_an_empty_batch() -> None:
    m = shendu.nn.BatchNorm1d(3)
    x = shendu.zeros(0, 3, requires_grad=True)
    y = m(x)
    assert y.shape == (0, 3)
    assert m.running_mean.tolist() == [0.0, 0.0, 0.0] and m.running_var.tolist() == [1.0, 1.0, 1.0]
    y.sum().backward()
    assert x.grad.shape == (0, 3)
    with pytest.raises(shendu.ShapeError, match=r"^BatchNorm1d: expected more than 1 value per channel"):
        m(shendu.zeros(1, 3))


def test_layer_norm_with_a_float_shape_names_the_layer() -> None:
    with pytest.raises(
        TypeError, match=r"^LayerNorm: normalized_shape must be an int or a sequence of ints, got float"
    ):
        shendu.nn.LayerNorm(2.5)
    assert shendu.nn.LayerNorm(shendu.Size([2, 3])).normalized_shape == (2, 3)


def test_containers_name_themselves_when_given_a_non_iterable() -> None:
    with pytest.raises(TypeError, match=r"^ModuleList: expected an iterable of modules, got int"):
        shendu.nn.ModuleList(3)
    with pytest.raises(TypeError, match=r"^ModuleDict: expected a mapping or \(name, module\) pairs, got int"):
        shendu.nn.ModuleDict(3)


def test_schedulers_name_themselves_for_arguments_of_the_wrong_kind() -> None:
    opt = shendu.optim.SGD([shendu.nn.Parameter(shendu.zeros(2))], lr=0.1)
    with pytest.raises(TypeError, match=r"^ChainedScheduler: scheduler 0 is a SGD, not a learning-rate scheduler"):
        shendu_sched.ChainedScheduler([opt])
    with pytest.raises(TypeError, match=r"^MultiStepLR: milestones must be a list of epochs, got int"):
        shendu_sched.MultiStepLR(opt, 3)
    shendu_sched.MultiStepLR(opt, None)  # torch reads None as no milestones


def test_adaptive_avg_pool2d_keeps_inf_inside_its_window() -> None:
    x = [[[[math.inf, 1.0, 2.0], [3.0, -math.inf, 4.0]]]]
    check(lambda m, a: m.nn.functional.adaptive_avg_pool2d(a, (2, 3)), np.array(x), grad=False)
    check(lambda m, a: m.nn.functional.adaptive_avg_pool2d(a, (1, 2)), np.array(x), grad=False)
    check(lambda m, a: m.nn.functional.adaptive_avg_pool2d(a, 0), np.array(x), grad=False)


def test_layer_norm_over_no_dimensions_is_refused() -> None:
    with pytest.raises(shendu.ShapeError, match=r"^layer_norm: normalized_shape must name at least one dimension"):
        shendu.nn.functional.layer_norm(shendu.tensor(0.5), ())


def test_a_norm_layer_without_parameters_takes_any_dtype() -> None:
    assert shendu.nn.InstanceNorm1d(3, dtype=shendu.int64).weight is None
    assert shendu.nn.GroupNorm(1, 2, affine=False, dtype=shendu.int64).weight is None
    assert shendu.nn.LayerNorm(3, elementwise_affine=False, dtype=shendu.int64).weight is None


def test_where_with_only_a_condition_takes_any_dtype() -> None:
    (indices,) = shendu.where(shendu.tensor([0.5, 0.0, -2.0]))
    assert indices.tolist() == [0, 2]
    with pytest.raises(shendu.DtypeError, match=r"^where: expected condition to be a bool tensor"):
        shendu.where(shendu.tensor([0.5]), 1.0, 2.0)


def test_split_into_no_sections_gives_no_pieces() -> None:
    assert shendu.split(shendu.ones(0), []) == ()


def test_masked_fill_refuses_a_value_that_overflows_the_dtype() -> None:
    x, mask = shendu.tensor([3], dtype=shendu.uint8), shendu.tensor([True])
    with pytest.raises(ValueError, match=r"^masked_fill: fill_value -1.5 cannot be converted to uint8"):
        shendu.masked_fill(x, mask, -1.5)
    with pytest.raises(ValueError, match=r"^masked_fill: fill_value nan cannot be converted to int64"):
        shendu.masked_fill(shendu.tensor([1]), mask, shendu.tensor(math.nan))
    assert shendu.masked_fill(x, mask, -1).tolist() == [255]


def test_linspace_and_logspace_name_themselves_for_bad_endpoints() -> None:
    with pytest.raises(ValueError, match=r"^linspace: the endpoint nan cannot be converted to int64 without overflow"):
        shendu.linspace(0, math.nan, 2, dtype=shendu.int64)
    with pytest.raises(ValueError, match=r"^linspace: the endpoint 1e\+38 cannot be converted to int64"):
        shendu.linspace(0, 1e38, 2, dtype=shendu.int64)
    assert shendu.linspace(0, math.nan, 0, dtype=shendu.int64).shape == (0,)  # nothing to convert, as in torch
    assert shendu.logspace(0, math.nan, 0, dtype=shendu.int64).shape == (0,)
    assert shendu.linspace(0, math.nan, 1, dtype=shendu.int64).tolist() == [0]  # one step: the start alone
    assert shendu.logspace(0, math.nan, 1, dtype=shendu.int64).tolist() == [1]
    with pytest.raises(ValueError, match=r"^logspace: the endpoint inf cannot be converted to int32"):
        shendu.logspace(math.inf, 1, 3, dtype=shendu.int32)
    with pytest.raises(ValueError, match=r"^logspace: the endpoint 1e\+38 cannot be converted to float16"):
        shendu.logspace(0, 1e38, 2, 2.0, dtype=shendu.float16)
    with pytest.raises(TypeError, match=r"^linspace: start and end must be numbers, got str"):
        shendu.linspace("0", 1, 3)


def test_multinomial_without_categories_names_the_op() -> None:
    with pytest.raises(ValueError, match=r"^multinomial: the probabilities must have at least one category"):
        shendu.multinomial(shendu.zeros(0), 1, replacement=True)
    assert shendu.multinomial(shendu.zeros(0, 0), 1, replacement=True).shape == (0, 1)  # no rows, as in torch


def test_alpha_takes_no_part_in_type_promotion() -> None:
    half = shendu.tensor(0.5, dtype=shendu.float16)
    assert shendu.rsub(shendu.tensor(2), half, alpha=0.5).dtype is shendu.float16
    assert shendu.add(shendu.ones(2, dtype=shendu.float16), shendu.tensor([1, 2]), alpha=0.5).dtype is shendu.float16


def test_a_ceil_mode_pooling_window_may_run_past_a_small_input() -> None:
    check(lambda m, a: m.nn.MaxPool2d(2, ceil_mode=True)(a), (1, 1, 1))
    check(lambda m, a: m.nn.AvgPool2d(3, stride=2, ceil_mode=True)(a), (1, 2, 2))
    with pytest.raises(shendu.ShapeError, match=r"^MaxPool2d: the pooling window spans 2 elements"):
        shendu.nn.MaxPool2d(2)(shendu.ones(1, 1, 1))


def test_scatter_into_a_0d_tensor() -> None:
    x = shendu.tensor(0.5)
    assert shendu.scatter(x, 0, shendu.tensor([], dtype=shendu.int64), value=0.0).item() == 0.5
    assert shendu.scatter(x, -1, shendu.tensor(0), value=2.0).item() == 2.0
    with pytest.raises(shendu.DimError, match=r"^scatter_add: dim 1 is out of range for a 0-d tensor"):
        shendu.scatter_add(x, 1, shendu.tensor(0), shendu.tensor(1.0))


@pytest.mark.parametrize("target", [math.nan, 1.5, -0.5])
def test_binary_cross_entropy_refuses_a_target_outside_0_1(target: float) -> None:
    with pytest.raises(ValueError, match=r"^binary_cross_entropy: all elements of target should be between 0 and 1"):
        shendu.nn.functional.binary_cross_entropy(shendu.tensor([0.5]), shendu.tensor([target]))


@pytest.mark.parametrize("arg", ["div_factor", "final_div_factor"])
def test_one_cycle_refuses_a_zero_divisor(arg: str) -> None:
    opt = shendu.optim.SGD([shendu.nn.Parameter(shendu.zeros(2))], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=rf"^OneCycleLR: {arg} must not be 0"):
        shendu_sched.OneCycleLR(opt, 0.1, total_steps=10, **{arg: 0.0})


def test_constant_lr_with_a_zero_factor_restores_the_base_rate() -> None:
    opt = shendu.optim.SGD([shendu.nn.Parameter(shendu.zeros(2))], lr=0.1)
    scheduler = shendu_sched.ConstantLR(opt, factor=0.0, total_iters=2)
    seen = [opt.param_groups[0]["lr"]]
    for _ in range(3):
        opt.step()
        scheduler.step()
        seen.append(opt.param_groups[0]["lr"])
    assert seen == [0.0, 0.0, 0.1, 0.1]


def test_clamp_refuses_a_bound_that_overflows_the_dtype() -> None:
    with pytest.raises(ValueError, match=r"^clamp: max 1e\+38 cannot be converted to float16 without overflow"):
        shendu.clamp(shendu.tensor([1.0], dtype=shendu.float16), max=1e38)
    with pytest.raises(ValueError, match=r"^clamp: max 300 cannot be converted to uint8"):
        shendu.clamp(shendu.tensor([1], dtype=shendu.uint8), max=300)
    assert shendu.clamp(shendu.tensor([1], dtype=shendu.uint8), min=-1).tolist() == [255]  # as torch wraps it


def test_tensor_refuses_floats_that_overflow_an_integer_dtype() -> None:
    with pytest.raises(ValueError, match=r"^as_tensor: the value nan cannot be converted to int64 without overflow"):
        shendu.as_tensor([1, 2.5, True, math.nan], dtype=shendu.int64)
    with pytest.raises(ValueError, match=r"^tensor: the value 300.0 cannot be converted to uint8"):
        shendu.tensor([300.0], dtype=shendu.uint8)
    assert shendu.tensor([2.7, -1.5], dtype=shendu.int32).tolist() == [2, -1]
    with pytest.raises(ValueError, match=r"^tensor: the value 9.223372036854776e\+18 cannot be converted to int64"):
        shendu.tensor([2.0**63], dtype=shendu.int64)


def test_index_select_from_a_0d_tensor_takes_exactly_one_index() -> None:
    x = shendu.tensor(0.5)
    assert shendu.index_select(x, 0, shendu.tensor([0])).shape == ()
    with pytest.raises(
        shendu.ShapeError, match=r"^index_select: the index into a 0-d tensor must hold one value, got 0"
    ):
        shendu.index_select(x, 0, shendu.tensor([], dtype=shendu.int64))


@pytest.mark.parametrize("op", ["isclose", "allclose"])
def test_isclose_refuses_nan_tolerances(op: str) -> None:
    a = shendu.ones(2)
    with pytest.raises(ValueError, match=rf"^{op}: rtol must be >= 0, got nan"):
        getattr(shendu, op)(a, a, rtol=math.nan)
    with pytest.raises(ValueError, match=rf"^{op}: atol must be >= 0, got nan"):
        getattr(shendu, op)(a, a, atol=math.nan)


def test_bernoulli_with_p_takes_an_integer_tensor_for_its_shape() -> None:
    out = shendu.bernoulli(shendu.tensor([2, 3]), p=1.0)
    assert out.dtype is shendu.int64 and out.tolist() == [1, 1]
    with pytest.raises(shendu.DtypeError, match=r"^bernoulli: expected a floating-point tensor of probabilities"):
        shendu.bernoulli(shendu.tensor([1, 0]))


def test_tensor_takes_ints_beyond_int64_for_a_float_or_bool_dtype() -> None:
    assert shendu.tensor([2**64, 1], dtype=shendu.float32).tolist() == [2.0**64, 1.0]
    assert shendu.as_tensor(2**70, dtype=shendu.float64).item() == 2.0**70
    assert shendu.tensor([2**64, 0], dtype=shendu.bool).tolist() == [True, False]
    with pytest.raises(ValueError, match=r"^tensor: the integer 18446744073709551616 does not fit in int64"):
        shendu.tensor([2**64, 1])


def test_bitwise_ops_wrap_int_scalars_as_torch_does() -> None:
    small = shendu.tensor([3], dtype=shendu.uint8)
    assert shendu.bitwise_or(small, -1).tolist() == [255]
    assert shendu.bitwise_and(shendu.tensor([2], dtype=shendu.int32), 2**63 - 1).tolist() == [2]


def test_adaptive_max_pool2d_to_an_empty_output_has_a_zero_gradient() -> None:
    x = shendu.ones(2, 3, 3, requires_grad=True)
    shendu.nn.functional.adaptive_max_pool2d(x, 0).sum().backward()
    assert x.grad.shape == (2, 3, 3) and not x.grad.any().item()


@pytest.mark.parametrize("factor", [math.nan, math.inf, (2.0, math.nan)])
def test_interpolate_refuses_a_non_finite_scale_factor(factor: Any) -> None:
    with pytest.raises(ValueError, match=r"^interpolate: scale_factor must be finite numbers"):
        shendu.nn.functional.interpolate(shendu.ones(1, 1, 2, 2), scale_factor=factor)


def test_scatter_converts_its_value_as_torch_does() -> None:
    ints, index = shendu.tensor([1, 2]), shendu.tensor([0])
    with pytest.raises(ValueError, match=r"^scatter: value nan cannot be converted to int64 without overflow"):
        shendu.scatter(ints, 0, index, value=math.nan)
    empty = shendu.zeros(0, dtype=shendu.int64)
    assert shendu.scatter(empty, 0, empty, value=math.nan).shape == (0,)


def test_prelu_reads_an_input_of_fewer_than_2_dims_as_one_channel() -> None:
    with pytest.raises(shendu.ShapeError, match=r"^prelu: weight has 2 slopes but the input has 1 channels"):
        shendu.nn.functional.prelu(shendu.ones(2), shendu.ones(2))
    with pytest.raises(shendu.ShapeError, match=r"^PReLU: expected input with 3 channels \(one slope each\), got 1"):
        shendu.nn.PReLU(3)(shendu.ones(3))


@pytest.mark.parametrize("power", [-1.0, math.nan])
def test_polynomial_lr_refuses_a_power_that_would_divide_by_zero(power: float) -> None:
    opt = shendu.optim.SGD([shendu.nn.Parameter(shendu.zeros(2))], lr=0.1)
    with pytest.raises(ValueError, match=r"^PolynomialLR: power must be a number >= 0"):
        shendu_sched.PolynomialLR(opt, total_iters=1, power=power)


def test_pad_converts_its_value_as_torch_does() -> None:
    with pytest.raises(ValueError, match=r"^pad: value nan cannot be converted to int64 without overflow"):
        shendu.nn.functional.pad(shendu.zeros(0, dtype=shendu.int64), (0, 1), value=math.nan)
    with pytest.raises(ValueError, match=r"^pad: value -1.0 cannot be converted to uint8 without overflow"):
        shendu.nn.functional.pad(shendu.tensor([1], dtype=shendu.uint8), (1, 0), value=-1)
    assert shendu.nn.functional.pad(shendu.tensor([1]), (1, 0), value=2.7).tolist() == [2, 1]
    with pytest.raises(TypeError, match=r"^pad: value must be a number, got str"):
        shendu.nn.functional.pad(shendu.ones(1), (1, 0), value="0")


def test_number_operands_that_overflow_the_dtype_name_the_op() -> None:
    small = shendu.tensor(2, dtype=shendu.int32)
    with pytest.raises(ValueError, match=r"^where: other 9223372036854775807 cannot be converted to int32"):
        shendu.where(shendu.tensor(False), small, 2**63 - 1)
    with pytest.raises(ValueError, match=r"^minimum: other 9223372036854775807 cannot be converted to int32"):
        shendu.minimum(small, 2**63 - 1)
    assert shendu.where(shendu.tensor([True, False]), shendu.tensor([1, 2]), 5).tolist() == [1, 5]


def test_repeat_interleave_beyond_memory_is_a_shendu_error() -> None:
    with pytest.raises(shendu.OutOfMemoryError, match=r"^repeat_interleave: "):
        shendu.repeat_interleave(shendu.tensor([2**63 - 2]))
    with pytest.raises(shendu.OutOfMemoryError, match=r"^repeat_interleave: "):
        shendu.repeat_interleave(shendu.ones(2), shendu.tensor([2**62, 2**62]))


def test_rnn_cell_base_checks_num_chunks() -> None:
    with pytest.raises(ValueError, match=r"^RNNCellBase: num_chunks must be a positive int, got -1"):
        shendu.nn.RNNCellBase(1, 1, True, -1)


def test_embedding_backward_with_empty_rows() -> None:
    weight = shendu.zeros(1, 0, requires_grad=True)
    shendu.nn.functional.embedding(shendu.tensor(0), weight).sum().backward()
    assert weight.grad.shape == (1, 0)


@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell"])
def test_a_recurrent_cell_takes_an_empty_batch(cell: str) -> None:
    check(lambda m, x: getattr(m.nn, cell)(1, 2)(x), (0, 1), grad=False, dtypes=("float32",))


def test_recurrent_layers_need_input_features() -> None:
    with pytest.raises(ValueError, match=r"^LSTM: input_size must be a positive int, got 0"):
        shendu.nn.LSTM(0, 1)
