"""Shared helpers of the ONNX tests: export a shendu module and run it in onnxruntime at two batch sizes."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import onnxruntime as ort

import shendu
from shendu import nn
from tests.helpers import COUNTS

ATOL = RTOL = 1e-5


class Lambda(nn.Module):
    """A module whose forward is a function of the input: one line per functional case.

    ``modules`` that the function uses are registered, so that eval() reaches them.
    """

    def __init__(self, fn: Callable[..., Any], *modules: nn.Module) -> None:
        super().__init__()
        self.fn = fn
        self.parts = nn.ModuleList(modules)

    def forward(self, *args: Any) -> Any:
        return self.fn(*args)


def _arrays(out: Any) -> list[np.ndarray]:
    if isinstance(out, (tuple, list)):
        return [a for item in out for a in _arrays(item)]
    return [out.detach().numpy()]


def make_input(shape: Sequence[int], dtype: str, rng: np.random.Generator, high: int) -> np.ndarray:
    if dtype == "int64":
        return rng.integers(0, high, size=shape).astype(np.int64)
    return rng.standard_normal(shape).astype(np.float32)


def session(payload: bytes) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(payload, options, providers=["CPUExecutionProvider"])


def check_in_onnxruntime(
    model: nn.Module,
    shapes: Sequence[Sequence[int]],
    batch_axis: int = 0,
    sizes: tuple[int, int] = (2, 5),
    dtype: str = "float32",
    high: int = 10,
    counter: str = "onnx layer cases run in onnxruntime",
) -> bytes:
    """Export ``model`` with a dynamic batch axis; run it at two batch sizes in onnxruntime, in shendu, and loaded
    back with ``shendu.onnx.load``, and compare."""
    rng = np.random.default_rng(0)
    model.eval()

    def inputs(batch: int) -> list[np.ndarray]:
        out = []
        for shape in shapes:
            full = list(shape)
            full.insert(batch_axis, batch)
            out.append(make_input(full, dtype, rng, high))
        return out

    example = [shendu.tensor(a) for a in inputs(sizes[0])]
    names = [f"x{i}" for i in range(len(shapes))]
    buffer = io.BytesIO()
    shendu.onnx.export(
        model, tuple(example), buffer, input_names=names, dynamic_axes={n: {batch_axis: "batch"} for n in names}
    )
    payload = buffer.getvalue()
    runner = session(payload)
    loaded = shendu.onnx.load(payload)
    for batch in sizes:
        arrays = inputs(batch)
        with shendu.no_grad():
            want = _arrays(model(*[shendu.tensor(a) for a in arrays]))
            again = _arrays(loaded(*[shendu.tensor(a) for a in arrays]))
        got = runner.run(None, dict(zip(names, arrays)))
        assert len(got) == len(want) == len(again)
        for g, a, w in zip(got, again, want):
            assert g.shape == a.shape == w.shape, f"onnxruntime {g.shape}, loaded {a.shape}, shendu {w.shape}"
            np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL, err_msg="onnxruntime")
            np.testing.assert_allclose(a, w, rtol=RTOL, atol=ATOL, err_msg="loaded back into shendu")
    COUNTS[counter] += 1
    return payload
