"""One module per family of questions; importing this package registers every experiment."""
# ruff: noqa: F401, I001 - one plain import per line keeps the helpers' merges trivial

from . import perceptron
from . import activations
from . import foundations
from . import normalization
from . import boltzmann
