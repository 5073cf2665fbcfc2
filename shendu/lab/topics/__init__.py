"""One module per family of questions; importing this package registers every experiment."""

from . import (
    backprop,  # noqa: F401
    losses,  # noqa: F401
    optimization,  # noqa: F401
    recurrent,  # noqa: F401
    softmax_relu,  # noqa: F401
)
