"""shendu (深度, "deep"): a deep-learning framework written from first principles over NumPy and CuPy.

The API follows PyTorch's names and semantics, so a PyTorch script ports by
changing its imports::

    import shendu as torch
"""

from __future__ import annotations

import importlib.util as _importlib_util
from typing import Any as _Any

from . import (
    _allocator,
    _bind,
    accelerator,
    autograd,
    backends,
    cuda,
    linalg,
    multiprocessing,
    nn,
    onnx,
    optim,
    serialization,
    sparse,
    utils,
)
from ._dtype import (
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    set_default_dtype,
    short,
    uint8,
)
from ._ops_namespace import *  # noqa: F403
from ._ops_namespace import __all__ as _ops_all
from ._switches import (
    are_deterministic_algorithms_enabled,
    get_float32_matmul_precision,
    is_deterministic_algorithms_warn_only_enabled,
    set_float32_matmul_precision,
    use_deterministic_algorithms,
)
from ._tensor_types import BoolTensor, DoubleTensor, FloatTensor, IntTensor, LongTensor
from ._threads import get_num_threads, set_num_threads
from ._type_info import finfo, iinfo
from .autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .backend import device, get_default_device, set_default_device
from .errors import (
    DeviceError,
    DimError,
    DtypeError,
    GraphError,
    IndexOutOfRange,
    OutOfMemoryError,
    ShapeError,
    ShenduError,
)
from .errors import missing_attribute as _missing_attribute
from .io import load, save
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .sparse.coo import layout, sparse_coo, sparse_coo_tensor, spmm, strided
from .tensor import Size, Tensor

__version__ = "0.1.0"

__all__ = [
    "Tensor",
    "FloatTensor",
    "DoubleTensor",
    "LongTensor",
    "IntTensor",
    "BoolTensor",
    "Size",
    "dtype",
    "device",
    "get_default_device",
    "set_default_device",
    "accelerator",
    "autograd",
    "backends",
    "cuda",
    "linalg",
    "multiprocessing",
    "serialization",
    "sparse",
    "sparse_coo_tensor",
    "spmm",
    "layout",
    "strided",
    "sparse_coo",
    "utils",
    "nn",
    "onnx",
    "optim",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "inference_mode",
    "is_inference_mode_enabled",
    "Generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
    "get_default_dtype",
    "set_default_dtype",
    "promote_types",
    "float16",
    "float32",
    "float64",
    "half",
    "float",
    "double",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "short",
    "int",
    "long",
    "bool",
    "save",
    "load",
    "set_num_threads",
    "get_num_threads",
    "finfo",
    "iinfo",
    "set_float32_matmul_precision",
    "get_float32_matmul_precision",
    "use_deterministic_algorithms",
    "are_deterministic_algorithms_enabled",
    "is_deterministic_algorithms_warn_only_enabled",
    "ShenduError",
    "ShapeError",
    "DimError",
    "IndexOutOfRange",
    "OutOfMemoryError",
    "DeviceError",
    "DtypeError",
    "GraphError",
    *_ops_all,
]

del _bind

_allocator.tune()
multiprocessing.init_reductions()


def __getattr__(name: str) -> _Any:
    # Only reached for a name the module lacks: a subpackage not imported yet, or a PyTorch name shendu lacks.
    if name.startswith("_"):
        raise AttributeError(f"module 'shendu' has no attribute {name!r}")
    if "." not in name and _importlib_util.find_spec(f"shendu.{name}") is not None:
        raise AttributeError(f"module 'shendu' has no attribute {name!r} until it is imported: import shendu.{name}")
    raise _missing_attribute("module 'shendu'", name)
