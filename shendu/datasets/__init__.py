"""Real datasets, local-first: Fashion-MNIST, MNIST, Digits, Sunspots, CO2, sentence polarity, and your own images."""

from . import transforms
from .digits import Digits
from .folder import DatasetFolder, ImageFileError, ImageFolder, ImageFolderError
from .idx import IDXError, read_idx
from .mnist import MNIST, DatasetNotFoundError, FashionMNIST
from .polarity import Polarity, Vocabulary, tokenize
from .timeseries import CO2, Sunspots, WindowedSeries

__all__ = [
    "CO2",
    "MNIST",
    "DatasetFolder",
    "DatasetNotFoundError",
    "Digits",
    "FashionMNIST",
    "IDXError",
    "ImageFileError",
    "ImageFolder",
    "ImageFolderError",
    "Polarity",
    "Sunspots",
    "Vocabulary",
    "WindowedSeries",
    "read_idx",
    "tokenize",
    "transforms",
]
