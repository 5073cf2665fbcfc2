"""A variational autoencoder on Fashion-MNIST (Kingma and Welling, 2014).

The encoder maps an image to the mean and log-variance of a 16-dimensional Gaussian; a latent
code is drawn from it with the reparameterization trick (mean + std * noise, so the gradient
flows through the draw), and the decoder turns the code back into 784 pixel logits. The loss
is the negative evidence lower bound: the reconstruction's binary cross-entropy plus the KL
divergence from the code's Gaussian to the standard normal prior, both in nats per image.

The printed score is the test set's negative ELBO (lower is better) and its two parts. With
``--out DIR`` (and Pillow), ``samples.png`` shows 64 images decoded from prior draws.

Run:  python examples/vae_fashion_mnist.py               (10 epochs, a few minutes on 2 cores)
      python examples/vae_fashion_mnist.py --quick       (seconds)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import shendu
from shendu import nn, optim
from shendu.datasets import FashionMNIST
from shendu.utils.data import DataLoader, Subset


class VAE(nn.Module):
    def __init__(self, latent: int = 16, hidden: int = 400) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU())
        self.mean = nn.Linear(hidden, latent)
        self.log_var = nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 784))

    def forward(self, images: shendu.Tensor) -> tuple[shendu.Tensor, shendu.Tensor, shendu.Tensor]:
        hidden = self.encoder(images)
        mean, log_var = self.mean(hidden), self.log_var(hidden)
        code = mean + shendu.exp(0.5 * log_var) * shendu.randn_like(mean)
        return self.decoder(code), mean, log_var


def negative_elbo(
    logits: shendu.Tensor, images: shendu.Tensor, mean: shendu.Tensor, log_var: shendu.Tensor
) -> tuple[shendu.Tensor, shendu.Tensor]:
    """Summed reconstruction cross-entropy and KL divergence (nats) over the batch."""
    targets = images.reshape(images.shape[0], -1)
    reconstruction = nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="sum")
    kl = -0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum()
    return reconstruction, kl


def evaluate(model: VAE, loader: DataLoader) -> tuple[float, float]:
    model.eval()
    reconstruction_sum, kl_sum, seen = 0.0, 0.0, 0
    with shendu.no_grad():
        for images, _ in loader:
            logits, mean, log_var = model(images)
            reconstruction, kl = negative_elbo(logits, images, mean, log_var)
            reconstruction_sum += reconstruction.item()
            kl_sum += kl.item()
            seen += images.shape[0]
    return reconstruction_sum / seen, kl_sum / seen


def save_samples(model: VAE, path: Path) -> None:
    from PIL import Image

    with shendu.no_grad():
        codes = shendu.randn(64, model.mean.out_features, generator=shendu.Generator().manual_seed(0))
        pixels = shendu.sigmoid(model.decoder(codes)).numpy().reshape(8, 8, 28, 28)
    grid = (pixels.transpose(0, 2, 1, 3).reshape(8 * 28, 8 * 28) * 255).astype(np.uint8)
    Image.fromarray(grid).resize((448, 448), Image.Resampling.NEAREST).save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="one epoch on 5,000 images, tested on 1,000")
    parser.add_argument("--out", help="folder for samples.png")
    args = parser.parse_args()

    shendu.manual_seed(0)
    shendu.set_num_threads(1)
    train, test = FashionMNIST(train=True), FashionMNIST(train=False)
    epochs = args.epochs
    if args.quick:
        train, test, epochs = Subset(train, range(5_000)), Subset(test, range(1_000)), 1
    loader = DataLoader(train, batch_size=128, shuffle=True, generator=shendu.Generator().manual_seed(1))
    model = VAE()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, epochs + 1):
        start, total, seen = time.perf_counter(), 0.0, 0
        model.train()
        for images, _ in loader:
            logits, mean, log_var = model(images)
            reconstruction, kl = negative_elbo(logits, images, mean, log_var)
            loss = (reconstruction + kl) / images.shape[0]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * images.shape[0]
            seen += images.shape[0]
        print(f"epoch {epoch}: training negative ELBO {total / seen:.1f} nats ({time.perf_counter() - start:.0f} s)")
    reconstruction, kl = evaluate(model, DataLoader(test, batch_size=1_000))
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        save_samples(model, Path(args.out) / "samples.png")
        print(f"samples written to {Path(args.out) / 'samples.png'}")
    print(f"test negative ELBO {reconstruction + kl:.1f} nats (reconstruction {reconstruction:.1f}, KL {kl:.1f})")


if __name__ == "__main__":
    main()
