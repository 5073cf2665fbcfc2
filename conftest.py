"""pytest setup for the docstring examples, which run as doctests (``--doctest-modules``, see pyproject.toml).

Every example sees ``shendu``, ``nn`` (``shendu.nn``), ``F`` (``shendu.nn.functional``) and ``np``, starts
from seed 0, and leaves the default dtype and device, grad mode and anomaly mode as it found them. An
example that needs a GPU carries ``# doctest: +REQUIRES_CUDA`` and is skipped where CUDA is not available.
"""

from __future__ import annotations

import doctest
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _pytest.doctest import DoctestItem

import shendu
import shendu.nn.functional as F
from shendu import nn
from shendu.autograd import anomaly

REQUIRES_CUDA = doctest.register_optionflag("REQUIRES_CUDA")

# Importing __main__ starts the command line; the compiled kernels import numba, an optional dependency.
collect_ignore = ["shendu/__main__.py"]
if importlib.util.find_spec("numba") is None:
    collect_ignore += [str(path) for path in Path(__file__).parent.glob("shendu/_compiled/_*.py")]


@pytest.fixture(autouse=True)
def _doctest_scope(request: pytest.FixtureRequest, doctest_namespace: dict[str, Any]) -> Iterator[None]:
    if not isinstance(request.node, DoctestItem):
        yield
        return
    needs_cuda = any(example.options.get(REQUIRES_CUDA) for example in request.node.dtest.examples)
    if needs_cuda and not shendu.cuda.is_available():
        pytest.skip("the example needs a CUDA GPU")
    doctest_namespace.update(shendu=shendu, nn=nn, F=F, np=np)
    dtype, device = shendu.get_default_dtype(), shendu.get_default_device()
    grad, detect = shendu.is_grad_enabled(), anomaly.is_anomaly_enabled()
    shendu.manual_seed(0)
    yield
    shendu.set_default_dtype(dtype)
    shendu.set_default_device(device)
    shendu.set_grad_enabled(grad)
    anomaly.set_detect_anomaly(detect)
