"""One module per family of questions; importing this package registers every experiment."""

from . import cnn_layers  # noqa: F401
