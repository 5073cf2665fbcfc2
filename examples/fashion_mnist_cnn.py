"""Fashion-MNIST with a small CNN: DataLoader, a learning-rate schedule, checkpoints, evaluation.

The training loop is written out as in a PyTorch script (no Trainer): each epoch trains on
shuffled mini-batches with AdamW and a one-cycle learning-rate schedule stepped every batch,
then measures the validation accuracy. The best epoch's model and optimizer state go to a
checkpoint (``shendu.save``: safetensors and JSON, written atomically, no pickle); at the end
the best checkpoint is loaded back and scored once on the 10,000 test images.

Run:  python examples/fashion_mnist_cnn.py               (3 epochs, about 2 minutes on 2 cores)
      python examples/fashion_mnist_cnn.py --quick       (a few thousand images, seconds)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import shendu
from shendu import nn, optim
from shendu.datasets import FashionMNIST
from shendu.utils.data import DataLoader, Subset, random_split


def make_model() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.25),
        nn.Linear(64 * 7 * 7, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    )


def evaluate(model: nn.Module, loader: DataLoader) -> tuple[float, float]:
    """Mean loss and accuracy over ``loader``, in eval mode and without building a graph."""
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with shendu.no_grad():
        for images, labels in loader:
            logits = model(images)
            total_loss += nn.functional.cross_entropy(logits, labels, reduction="sum").item()
            correct += (logits.argmax(dim=1) == labels).sum().item()
            seen += labels.shape[0]
    return total_loss / seen, correct / seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="train on 3,000 images and test on 1,000")
    parser.add_argument("--out", default="runs/example-fashion-cnn", help="folder for the checkpoint")
    args = parser.parse_args()

    shendu.manual_seed(0)
    shendu.set_num_threads(1)  # on a small machine one BLAS thread is the fastest (see the performance notes)
    full, test = FashionMNIST(train=True), FashionMNIST(train=False)
    train, val = random_split(full, [55_000, 5_000], generator=shendu.Generator().manual_seed(0))
    if args.quick:
        train, val, test = Subset(train, range(3_000)), Subset(val, range(1_000)), Subset(test, range(1_000))
    train_loader = DataLoader(train, batch_size=128, shuffle=True, generator=shendu.Generator().manual_seed(1))
    val_loader = DataLoader(val, batch_size=1_000)
    test_loader = DataLoader(test, batch_size=1_000)

    model = make_model()
    optimizer = optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    scheduler = optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=2e-3, epochs=args.epochs, steps_per_epoch=len(train_loader)
    )
    checkpoint = Path(args.out) / "best.safetensors"
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    print(f"{len(train)} training, {len(val)} validation and {len(test)} test images; {len(train_loader)} batches")

    best = 0.0
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        model.train()
        for images, labels in train_loader:
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            scheduler.step()
        val_loss, val_accuracy = evaluate(model, val_loader)
        print(
            f"epoch {epoch}: last batch loss {loss.item():.4f}, validation loss {val_loss:.4f}, "
            f"accuracy {val_accuracy:.4f} ({time.perf_counter() - start:.0f} s)"
        )
        if val_accuracy > best:
            best = val_accuracy
            state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}
            shendu.save(state, checkpoint)

    state = shendu.load(checkpoint)
    restored = make_model()
    restored.load_state_dict(state["model"])
    test_loss, test_accuracy = evaluate(restored, test_loader)
    print(f"best epoch {state['epoch']} restored from {checkpoint}")
    print(f"test accuracy {test_accuracy:.4f}  test loss {test_loss:.4f}")


if __name__ == "__main__":
    main()
