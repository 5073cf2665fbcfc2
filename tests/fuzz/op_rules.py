"""What the op fuzzing expects of each op: which calls may differ from torch, and how to compare them."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from shendu.ops import random as random_ops
from tests.fuzz.harness import (
    Call,
    T,
)

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
    *random_ops.__all__,
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
# Torch refusals (regexes of torch's message) that shendu need not copy, beyond harness.LENIENT.
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
    "adaptive_avg_pool1d": (r"Expected (input|grad_output) to have non-zero size for non-batch dimensions",),
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
    "adaptive_avg_pool1d": (r"cannot pool an empty input", r"expected a floating-point input"),
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
    # torch too, except in a fast path; and shendu has no boolean einsum.
    "einsum": (r"expected all operands to have the same dtype", r"bool tensors are not supported"),
    # A number that does not fit the tensor's dtype is refused, where torch wraps it.
    "pow": (r"cannot be converted to \w+ without overflow",),
    "batch_norm": (
        r"eps must be non-negative",  # torch checks eps only when there is something to normalize
        r"eps must be positive",
        r"batch_norm: expected an input of shape",
        r"should have \d+ elements",
        r"running_mean and running_var are required",
        r"expected input with \d+ channels",  # a BatchNorm without weights or statistics: torch does not look
        MIXED_PRECISION,
    ),
    # torch only checks the channel count of a GroupNorm with affine parameters.
    "group_norm": (r"eps must be positive", MIXED_PRECISION, r"expected input with \d+ channels"),
}
TORCH_TWINS: dict[str, Callable[..., Any] | None] = {
    "get_rng_state": None,  # a different generator: the states share nothing
    "get_num_threads": None,  # BLAS's threads in shendu, torch's own thread pool in torch
    "cast": lambda x, dtype: x.to(dtype),
    "move": lambda x, device: x.to(device),
}
# shendu binds these functions as Tensor methods too, so they take the method's forms (``x.flip(0, 1)``).
METHOD_TWINS = ("flip", "permute", "tile", "repeat", "expand", "reshape", "view")


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
