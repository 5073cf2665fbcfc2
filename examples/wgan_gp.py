"""Train a WGAN-GP on a ring of eight Gaussians and count the modes it covers.

The critic's loss carries the gradient penalty of Gulrajani et al. (2017): the squared distance
of the norm of the critic's gradient, at points between real and generated samples, from 1. That
gradient is computed with ``create_graph=True``, and the loss is differentiated through it: a
second-order derivative in every critic step.

A mode counts as covered when at least 2% of generated samples fall within three standard
deviations of its centre; the quality is the share of samples within that distance of any mode.

Run:  python examples/wgan_gp.py           (2,000 generator steps)
      python examples/wgan_gp.py --quick   (a few steps, to check that it runs)
"""

from __future__ import annotations

import argparse
import math
import time

import shendu
from shendu import nn

MODES = 8
RADIUS = 2.0
STD = 0.05


def centres() -> shendu.Tensor:
    angles = shendu.arange(MODES) * (2 * math.pi / MODES)
    return shendu.stack([angles.cos(), angles.sin()], dim=1) * RADIUS


def real_batch(size: int, generator: shendu.Generator) -> shendu.Tensor:
    picks = shendu.randint(0, MODES, (size,), generator=generator)
    return centres()[picks] + STD * shendu.randn(size, 2, generator=generator)


def mlp(inputs: int, outputs: int, hidden: int = 64) -> nn.Module:
    return nn.Sequential(
        nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, outputs)
    )


def gradient_penalty(critic: nn.Module, real: shendu.Tensor, fake: shendu.Tensor, g: shendu.Generator) -> shendu.Tensor:
    alpha = shendu.rand(real.shape[0], 1, generator=g)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    (slopes,) = shendu.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return ((slopes.norm(2, dim=1) - 1) ** 2).mean()


def coverage(samples: shendu.Tensor) -> tuple[int, float]:
    """Modes holding at least 2% of the samples within 3 std, and the share of samples near any mode."""
    distances = ((samples[:, None, :] - centres()[None]) ** 2).sum(-1).sqrt()
    nearest, mode = distances.min(dim=1)
    close = nearest < 3 * STD
    counts = [int(((mode == k) & close).sum()) for k in range(MODES)]
    covered = sum(c >= 0.02 * samples.shape[0] for c in counts)
    return covered, float(close.float().mean())


def main(
    steps: int = 2000, batch: int = 256, critic_steps: int = 5, penalty: float = 0.1, lr: float = 5e-4, seed: int = 0
) -> int:
    shendu.manual_seed(seed)
    g = shendu.Generator().manual_seed(seed)
    generator, critic = mlp(2, 2), mlp(2, 1)
    opt_g = shendu.optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.9))
    opt_c = shendu.optim.Adam(critic.parameters(), lr=lr, betas=(0.5, 0.9))
    start = time.perf_counter()
    for step in range(1, steps + 1):
        for _ in range(critic_steps):
            real = real_batch(batch, g)
            with shendu.no_grad():
                fake = generator(shendu.randn(batch, 2, generator=g))
            loss_c = critic(fake).mean() - critic(real).mean() + penalty * gradient_penalty(critic, real, fake, g)
            opt_c.zero_grad()
            loss_c.backward()
            opt_c.step()
        loss_g = -critic(generator(shendu.randn(batch, 2, generator=g))).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        if step % max(1, steps // 5) == 0:
            with shendu.no_grad():
                covered, quality = coverage(generator(shendu.randn(2000, 2, generator=g)))
            print(
                f"step {step:5d}  critic loss {loss_c.item():8.4f}  generator loss {loss_g.item():8.4f}  "
                f"modes covered {covered}/{MODES}  samples near a mode {quality:.1%}"
            )
    with shendu.no_grad():
        covered, quality = coverage(generator(shendu.randn(5000, 2, generator=g)))
    seconds = time.perf_counter() - start
    print(f"mode coverage: {covered}/{MODES} modes, {quality:.1%} of samples near a mode, {seconds:.0f} s")
    return covered


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="generator steps (default: 2000)")
    parser.add_argument("--quick", action="store_true", help="10 steps, to check that it runs")
    parser.add_argument("--lr", type=float, default=5e-4, help="Adam's learning rate (default: 5e-4)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    args = parser.parse_args()
    main(steps=10 if args.quick else args.steps, lr=args.lr, seed=args.seed)
