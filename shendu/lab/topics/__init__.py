"""One module per family of questions; importing this package registers every experiment."""

from . import backprop  # noqa: F401, I001
from . import losses  # noqa: F401
from . import optimization  # noqa: F401
from . import recurrent  # noqa: F401
from . import softmax_relu  # noqa: F401
