"""Train a small MLP on two interleaved spirals with shendu's autograd alone.

This is the engine at work with no layers or optimizers: tensors, matmul,
tanh, log-softmax and a hand-written gradient-descent step under no_grad.

Run:  python examples/spirals.py
"""

from __future__ import annotations

import itertools
import math
import time

import shendu


def two_spirals(points_per_class: int, noise: float, generator: shendu.Generator) -> tuple[shendu.Tensor, ...]:
    """Two spirals winding around each other: the classic problem a linear model cannot solve."""
    t = shendu.linspace(0.25, 3 * math.pi, points_per_class)
    xs, ys = [], []
    for label, phase in ((0, 0.0), (1, math.pi)):
        x = shendu.stack([t * shendu.cos(t + phase), t * shendu.sin(t + phase)], dim=1) / (3 * math.pi)
        xs.append(x + noise * shendu.randn(points_per_class, 2, generator=generator))
        ys.append(shendu.full((points_per_class,), label))
    return shendu.cat(xs), shendu.cat(ys)


def main(steps: int = 1500, hidden: int = 64, lr: float = 0.5, seed: int = 0) -> float:
    generator = shendu.Generator().manual_seed(seed)
    inputs, labels = two_spirals(200, 0.02, generator)
    sizes = [2, hidden, hidden, 2]
    params = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        bound = 1 / math.sqrt(fan_in)
        weight = (shendu.rand(fan_in, fan_out, generator=generator) * 2 - 1) * bound
        bias = shendu.zeros(fan_out)
        params += [weight.requires_grad_(), bias.requires_grad_()]

    start = time.perf_counter()
    for step in range(steps + 1):
        h = inputs
        for i in range(0, len(params) - 2, 2):
            h = shendu.tanh(h @ params[i] + params[i + 1])
        logits = h @ params[-2] + params[-1]
        log_probs = shendu.log_softmax(logits, dim=1)
        loss = -log_probs.gather(1, labels.unsqueeze(1)).mean()
        for p in params:
            p.grad = None
        loss.backward()
        with shendu.no_grad():
            for p in params:
                p.sub_(lr * p.grad)
        if step % 250 == 0:
            accuracy = (logits.argmax(dim=1) == labels).float().mean().item()
            print(f"step {step:5d}  loss {loss.item():.4f}  accuracy {accuracy:6.1%}")
    print(f"trained in {time.perf_counter() - start:.1f} s")
    return loss.item()


if __name__ == "__main__":
    main()
