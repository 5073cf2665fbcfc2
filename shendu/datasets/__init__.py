"""Real datasets, local-first: Fashion-MNIST, MNIST, Digits, Sunspots, CO2, sentence polarity."""

from . import transforms
from .digits import Digits
from .idx import IDXError, read_idx
from .mnist import MNIST, DatasetNotFoundError, FashionMNIST
from .polarity import Polarity, Vocabulary, tokenize
from .timeseries import CO2, Sunspots, WindowedSeries

__all__ = [
    "CO2",
    "MNIST",
    "DatasetNotFoundError",
    "Digits",
    "FashionMNIST",
    "IDXError",
    "Polarity",
    "Sunspots",
    "Vocabulary",
    "WindowedSeries",
    "read_idx",
    "tokenize",
    "transforms",
]
