"""Per-op time with anomaly detection off and on (not a test: timings are noisy on shared machines).

Run:  python benchmarks/anomaly_overhead.py
"""

from __future__ import annotations

import timeit

import shendu


def per_op_us(n: int = 20000) -> float:
    x = shendu.ones(64, requires_grad=True)
    return min(timeit.repeat(lambda: x * x, number=n, repeat=7)) / n * 1e6


def main() -> None:
    before = per_op_us()
    with shendu.autograd.detect_anomaly():
        on = per_op_us()
    after = per_op_us()
    print(f"anomaly off (before): {before:.2f} us/op")
    print(f"anomaly on:           {on:.2f} us/op")
    print(f"anomaly off (after):  {after:.2f} us/op  (ratio to before: {after / before:.3f})")


if __name__ == "__main__":
    main()
