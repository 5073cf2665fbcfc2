"""One module per family of questions; importing this package registers every experiment."""
# ruff: noqa: F401, I001 - one plain import line per topic module, so that merges stay trivial

from . import cnn_layers
from . import hyperparameters
from . import regularization
from . import batching
from . import capacity
from . import initialization
