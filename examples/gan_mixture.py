"""A GAN that learns a mixture of eight Gaussians on a ring, and how many modes it covers.

The data are points around eight centres on a circle of radius 2 (standard deviation 0.05):
a distribution with well-separated modes, the classic test of mode collapse (a generator
that puts all its samples on a few centres still fools a weak discriminator). Generator and
discriminator are small MLPs trained with the non-saturating loss and Adam (beta1 = 0.5), one
discriminator step per generator step.

Scores, on 2,500 generated points: a point is of high quality when it lies within three
standard deviations of a centre; a mode is covered when at least 1% of the points are of
high quality around it (an even share is 12.5%).

Run:  python examples/gan_mixture.py               (3,000 steps, about a minute)
      python examples/gan_mixture.py --quick       (seconds)
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

import shendu
from shendu import nn, optim

MODES, RADIUS, STD = 8, 2.0, 0.05
CENTRES = np.asarray(
    [[RADIUS * math.cos(2 * math.pi * k / MODES), RADIUS * math.sin(2 * math.pi * k / MODES)] for k in range(MODES)],
    dtype=np.float32,
)


def real_batch(size: int, rng: np.random.Generator) -> shendu.Tensor:
    modes = rng.integers(0, MODES, size)
    return shendu.from_numpy(CENTRES[modes] + rng.normal(0, STD, (size, 2)).astype(np.float32))


def mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def coverage(points: np.ndarray) -> tuple[int, float]:
    """Modes covered and the share of high-quality points (within 3 standard deviations of a centre)."""
    distances = np.linalg.norm(points[:, None, :] - CENTRES[None], axis=2)
    nearest, closest = distances.argmin(axis=1), distances.min(axis=1)
    good = closest < 3 * STD
    per_mode = np.bincount(nearest[good], minlength=MODES)
    return int((per_mode >= 0.01 * len(points)).sum()), float(good.mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3_000)
    parser.add_argument("--quick", action="store_true", help="400 steps")
    args = parser.parse_args()
    steps = 400 if args.quick else args.steps

    shendu.manual_seed(0)
    shendu.set_num_threads(1)
    rng = np.random.default_rng(0)
    generator, discriminator = mlp([8, 128, 128, 2]), mlp([2, 128, 128, 1])
    g_opt = optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    d_opt = optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    ones, zeros = shendu.ones(256, 1), shendu.zeros(256, 1)
    start = time.perf_counter()
    for step in range(1, steps + 1):
        fake = generator(shendu.randn(256, 8))
        d_loss = bce(discriminator(real_batch(256, rng)), ones) + bce(discriminator(fake.detach()), zeros)
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        # Non-saturating generator loss: maximize log D(G(z)) rather than minimize log(1 - D(G(z))).
        g_loss = bce(discriminator(fake), ones)
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
        if step % max(steps // 5, 1) == 0:
            with shendu.no_grad():
                modes, quality = coverage(generator(shendu.randn(2_500, 8)).numpy())
            print(
                f"step {step}: D loss {d_loss.item():.3f}, G loss {g_loss.item():.3f}, "
                f"{modes}/{MODES} modes, {quality:.1%} high quality ({time.perf_counter() - start:.0f} s)"
            )
    with shendu.no_grad():
        modes, quality = coverage(
            generator(shendu.randn(2_500, 8, generator=shendu.Generator().manual_seed(1))).numpy()
        )
    print(f"modes covered {modes}/{MODES}  high-quality samples {quality:.1%}")


if __name__ == "__main__":
    main()
