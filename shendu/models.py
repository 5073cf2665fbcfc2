"""Ready-made models for ``shendu train``: an MLP, LeNet-5, a CNN with batch norm, and a row-wise LSTM."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import nn
from .tensor import Tensor

__all__ = ["MLP", "MODELS", "FashionCNN", "LeNet5", "RowLSTM", "build_model"]


class MLP(nn.Sequential):
    """A multilayer perceptron on flattened images: 784-256-256-10 with ReLU by default.

    Args:
        in_features: inputs per sample (the flattened image). Default: 784.
        hidden: the hidden layer sizes. Default: (256, 256).
        num_classes: outputs. Default: 10.
        dropout: dropout before each hidden layer's output, 0 for none. Default: 0.
    """

    def __init__(
        self, in_features: int = 784, hidden: tuple[int, ...] = (256, 256), num_classes: int = 10, dropout: float = 0.0
    ) -> None:
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for size in hidden:
            layers += [nn.Linear(width, size), nn.ReLU()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, num_classes))
        super().__init__(*layers)


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al., 1998) for 28x28 images, with ReLU and max pooling.

    conv 6@5x5 pad 2, ReLU, max-pool 2, conv 16@5x5, ReLU, max-pool 2, fc 120, fc 84, fc 10.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


class FashionCNN(nn.Module):
    """Two convolution blocks with batch norm, then a dropout-regularized classifier.

    conv 32@3x3, BN, ReLU, max-pool 2; conv 64@3x3, BN, ReLU, max-pool 2; dropout, fc 128,
    ReLU, dropout, fc 10. The default model of ``shendu train``.

    Args:
        in_channels: image channels. Default: 1.
        num_classes: outputs. Default: 10.
        width: channels of the first block (the second has twice as many). Default: 32.
        dropout: the dropout probability. Default: 0.25.
    """

    def __init__(
        self, in_channels: int = 1, num_classes: int = 10, width: int = 32, dropout: float = 0.25, image_size: int = 28
    ) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1, bias=False),
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        side = image_size // 4
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(2 * width * side * side, 128),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(128, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


class RowLSTM(nn.Module):
    """Read an image row by row with an LSTM and classify from the last step.

    Args:
        input_size: features per row. Default: 28.
        hidden_size: the LSTM's hidden size. Default: 128.
        num_classes: outputs. Default: 10.
    """

    def __init__(self, input_size: int = 28, hidden_size: int = 128, num_classes: int = 10) -> None:
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        rows = x.reshape(x.shape[0], x.shape[-2], x.shape[-1])
        output, _ = self.lstm(rows)
        return self.head(output[:, -1])


MODELS: dict[str, Callable[..., nn.Module]] = {
    "mlp": MLP,
    "lenet": LeNet5,
    "cnn": FashionCNN,
    "lstm": RowLSTM,
}


def build_model(name: str, **kwargs: Any) -> nn.Module:
    """Build a model by name (``mlp``, ``lenet``, ``cnn``, ``lstm``)."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(sorted(MODELS))}")
    return MODELS[name](**kwargs)
