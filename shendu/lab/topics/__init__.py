"""One module per family of questions; importing this package registers every experiment."""
# ruff: noqa: F401, I001 - one plain import per topic module keeps merges between topic branches trivial

from . import frameworks
from . import pooling
from . import tensors
from . import training_loop
from . import lstm
from . import gradients
