"""Micro-benchmark of shendu's convolution and max pooling against PyTorch on LeNet-5's shapes.

Not a test. Run it from the repository root:

    python benchmarks/conv_micro.py              # LeNet shapes, shendu vs PyTorch, ratios
    python benchmarks/conv_micro.py --layouts    # also both conv lowerings on a range of shapes
    python benchmarks/conv_micro.py --threads 1 --cpu-time  # immune to other processes' load

Both libraries use the same number of threads (2 by default; NumPy's BLAS is limited through
threadpoolctl when it is installed). Each case is timed in alternating rounds and reported as the
best round's median, so the ratios compare like with like even on a busy machine.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import torch

import shendu
from shendu.ops import conv, pooling

BATCH = 128


CLOCK = time.perf_counter


def _median_ms(fn: Callable[[], Any], repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = CLOCK()
        fn()
        times.append(CLOCK() - start)
    return statistics.median(times) * 1e3


def _best_ms(fn: Callable[[], Any], repeats: int, rounds: int = 3) -> float:
    return min(_median_ms(fn, repeats) for _ in range(rounds))


def _pair(torch_fn: Callable[[], Any], shendu_fn: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """Times of both: the median of each round, alternating rounds, and the best round (least disturbed)."""
    t_all, s_all = [], []
    for _ in range(5):
        t_all.append(_median_ms(torch_fn, repeats))
        s_all.append(_median_ms(shendu_fn, repeats))
    return min(t_all), min(s_all)


def _step(lib: Any, out_fn: Callable[[], Any], grad: Any) -> Callable[[], None]:
    def run() -> None:
        out = out_fn()
        if lib is torch:
            out.backward(grad)
        else:
            shendu.autograd.backward([out], [grad])

    return run


def lenet(repeats: int) -> None:
    rng = np.random.default_rng(0)
    images = rng.random((BATCH, 1, 28, 28), dtype=np.float32)
    w1 = rng.standard_normal((6, 1, 5, 5), dtype=np.float32) * 0.2
    b1 = rng.standard_normal(6, dtype=np.float32) * 0.1
    w2 = rng.standard_normal((16, 6, 5, 5), dtype=np.float32) * 0.1
    b2 = rng.standard_normal(16, dtype=np.float32) * 0.1
    pooled1 = np.maximum(rng.standard_normal((BATCH, 6, 14, 14), dtype=np.float32), 0)
    conv1_out = np.maximum(rng.standard_normal((BATCH, 6, 28, 28), dtype=np.float32), 0)
    conv2_out = np.maximum(rng.standard_normal((BATCH, 16, 10, 10), dtype=np.float32), 0)

    def tensors(lib: Any) -> dict[str, Any]:
        make = torch.from_numpy if lib is torch else shendu.from_numpy
        out = {}
        for name, value, grad in (
            ("x", images, False),
            ("w1", w1, True),
            ("b1", b1, True),
            ("w2", w2, True),
            ("b2", b2, True),
            ("p1", pooled1, True),
            ("c1", conv1_out, True),
            ("c2", conv2_out, True),
        ):
            out[name] = make(value.copy()).requires_grad_(grad)
        return out

    tt, st = tensors(torch), tensors(shendu)
    tf = torch.nn.functional
    grads = {
        "conv1": rng.standard_normal((BATCH, 6, 28, 28), dtype=np.float32),
        "pool1": rng.standard_normal((BATCH, 6, 14, 14), dtype=np.float32),
        "conv2": rng.standard_normal((BATCH, 16, 10, 10), dtype=np.float32),
        "pool2": rng.standard_normal((BATCH, 16, 5, 5), dtype=np.float32),
    }
    cases = {
        "conv1 6@5x5 pad 2": (
            lambda: tf.conv2d(tt["x"], tt["w1"], tt["b1"], padding=2),
            lambda: conv.conv2d(st["x"], st["w1"], st["b1"], padding=2),
            "conv1",
        ),
        "pool1 2x2": (lambda: tf.max_pool2d(tt["c1"], 2), lambda: pooling.max_pool2d(st["c1"], 2), "pool1"),
        "conv2 16@5x5": (
            lambda: tf.conv2d(tt["p1"], tt["w2"], tt["b2"]),
            lambda: conv.conv2d(st["p1"], st["w2"], st["b2"]),
            "conv2",
        ),
        "pool2 2x2": (lambda: tf.max_pool2d(tt["c2"], 2), lambda: pooling.max_pool2d(st["c2"], 2), "pool2"),
        "chain conv1-pool-conv2-pool": (
            lambda: tf.max_pool2d(
                tf.conv2d(tf.max_pool2d(tf.conv2d(tt["x"], tt["w1"], tt["b1"], padding=2), 2), tt["w2"], tt["b2"]), 2
            ),
            lambda: pooling.max_pool2d(
                conv.conv2d(
                    pooling.max_pool2d(conv.conv2d(st["x"], st["w1"], st["b1"], padding=2), 2), st["w2"], st["b2"]
                ),
                2,
            ),
            "pool2",
        ),
    }
    print(f"LeNet shapes, batch {BATCH}, float32, torch {torch.__version__} with {torch.get_num_threads()} threads")
    print(f"{'case':32s} {'pass':9s} {'torch ms':>9s} {'shendu ms':>10s} {'ratio':>6s}")
    totals = {"forward": [0.0, 0.0], "fwd+bwd": [0.0, 0.0]}
    for name, (t_fn, s_fn, grad_key) in cases.items():
        g = grads[grad_key]
        t_grad, s_grad = torch.from_numpy(g), shendu.from_numpy(g.copy())
        for label, t_run, s_run in (
            ("forward", t_fn, s_fn),
            ("fwd+bwd", _step(torch, t_fn, t_grad), _step(shendu, s_fn, s_grad)),
        ):
            t_ms, s_ms = _pair(t_run, s_run, repeats)
            if not name.startswith("chain"):
                totals[label][0] += t_ms
                totals[label][1] += s_ms
            print(f"{name:32s} {label:9s} {t_ms:9.3f} {s_ms:10.3f} {s_ms / t_ms:6.2f}")
    for label, (t_ms, s_ms) in totals.items():
        print(f"{'sum of the four ops':32s} {label:9s} {t_ms:9.3f} {s_ms:10.3f} {s_ms / t_ms:6.2f}")
    inference(rng, w1, b1, w2, b2, repeats=repeats)


def inference(rng: np.random.Generator, *weights: np.ndarray, batch: int = 1000, repeats: int = 20) -> None:
    """The same chain without autograd at batch 1000, as in LeNet inference."""
    images = rng.random((batch, 1, 28, 28), dtype=np.float32)
    tf = torch.nn.functional

    def chain(c2d: Any, mp2d: Any, x: Any, w1: Any, b1: Any, w2: Any, b2: Any) -> Any:
        return mp2d(c2d(mp2d(c2d(x, w1, b1, padding=2), 2), w2, b2), 2)

    t_args = [torch.from_numpy(a.copy()) for a in (images, *weights)]
    s_args = [shendu.from_numpy(a.copy()) for a in (images, *weights)]

    def t_run() -> Any:
        with torch.no_grad():
            return chain(tf.conv2d, tf.max_pool2d, *t_args)

    def s_run() -> Any:
        with shendu.no_grad():
            return chain(conv.conv2d, pooling.max_pool2d, *s_args)

    t_ms, s_ms = _pair(t_run, s_run, max(3, repeats // 4))
    label = f"inference chain, batch {batch}"
    print(f"{label:32s} {'no_grad':9s} {t_ms:9.3f} {s_ms:10.3f} {s_ms / t_ms:6.2f}")


LAYOUT_SHAPES = [
    # (N, C, H, O, k, padding, stride, groups)
    (128, 1, 28, 6, 5, 2, 1, 1),
    (128, 6, 14, 16, 5, 0, 1, 1),
    (128, 3, 32, 32, 3, 1, 1, 1),
    (128, 32, 16, 64, 3, 1, 1, 1),
    (128, 64, 8, 128, 3, 1, 1, 1),
    (128, 32, 32, 32, 3, 1, 2, 1),
    (32, 16, 28, 32, 3, 1, 1, 1),
    (32, 32, 14, 32, 3, 1, 1, 1),
    (128, 32, 16, 32, 3, 1, 1, 32),
    (128, 32, 32, 32, 3, 1, 1, 32),
    (128, 32, 32, 64, 3, 1, 1, 4),
]


def layouts(repeats: int) -> None:
    """Time the two lowerings of conv2d on each shape (forward + backward, input and weight grads)."""
    rng = np.random.default_rng(0)
    chosen = conv._batch_last
    print("\nconv2d lowering, forward + backward (ms): batch-major vs batch-last, and the heuristic's pick")
    print(f"{'N, C, H, O, k, pad, stride, groups':36s} {'major':>8s} {'last':>8s} {'torch':>8s}  pick")
    for n, c, h, o, k, pad, stride, groups in LAYOUT_SHAPES:
        x = shendu.from_numpy(rng.standard_normal((n, c, h, h), dtype=np.float32)).requires_grad_()
        w = shendu.from_numpy(rng.standard_normal((o, c // groups, k, k), dtype=np.float32)).requires_grad_()
        tx = torch.from_numpy(x._array.copy()).requires_grad_()
        tw = torch.from_numpy(w._array.copy()).requires_grad_()
        s_fn = partial(conv.conv2d, x, w, padding=pad, stride=stride, groups=groups)
        t_fn = partial(torch.nn.functional.conv2d, tx, tw, padding=pad, stride=stride, groups=groups)
        out = s_fn()
        g = rng.standard_normal(tuple(out.shape), dtype=np.float32)
        sg, tg = shendu.from_numpy(g), torch.from_numpy(g.copy())
        results = []
        for forced in (False, True):
            conv._batch_last = lambda xp, n, geom, forced=forced: forced
            results.append(_best_ms(_step(shendu, s_fn, sg), repeats))
        conv._batch_last = chosen
        t_ms = _best_ms(_step(torch, t_fn, tg), repeats)
        out_size = (h + 2 * pad - k) // stride + 1
        geom = conv._Geometry((k, k), (stride, stride), ((pad, pad),) * 2, (1, 1), groups, (h, h), (out_size,) * 2)
        pick = "last" if conv._batch_last(np, n, geom) else "major"
        label = f"{n}, {c}, {h}, {o}, {k}, {pad}, {stride}, {groups}"
        print(f"{label:36s} {results[0]:8.3f} {results[1]:8.3f} {t_ms:8.3f}  {pick}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layouts", action="store_true", help="also compare the two conv lowerings")
    parser.add_argument("--repeats", type=int, default=20, help="timed calls per round (default 20)")
    parser.add_argument("--threads", type=int, default=2, help="threads for each library (default 2)")
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="time the CPU use of the calling thread, not the wall clock; with --threads 1 this ignores the load "
        "of other processes on a shared machine",
    )
    args = parser.parse_args()
    global CLOCK
    if args.cpu_time:
        CLOCK = time.thread_time
    print(f"clock: {'CPU time of the calling thread' if args.cpu_time else 'wall time'}")
    torch.set_num_threads(args.threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print("threadpoolctl is not installed: NumPy's BLAS uses its default number of threads")
        limits: Any = contextlib.nullcontext()
    else:
        limits = threadpool_limits(args.threads, user_api="blas")
    with limits:
        lenet(args.repeats)
        if args.layouts:
            layouts(args.repeats)


if __name__ == "__main__":
    main()
