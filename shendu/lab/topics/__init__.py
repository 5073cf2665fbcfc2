"""One module per family of questions; importing this package registers every experiment.

Every topic follows one pattern: module constants ``QUESTION``, ``EXPLANATION``, ``CLAIMS`` and ``LABELS``
(prefixed by the question's subject where a module answers two), a ``run(seed, quick, full)`` registered
with ``@experiment``, relative imports, and ``__all__`` naming what tests and other modules use. Training
goes through ``_training.train``; data comes from ``_data``.
"""

# ruff: noqa: I001 - one plain import per line, in question order

from . import foundations  # 1, 2
from . import perceptron  # 3
from . import normalization  # 4
from . import boltzmann  # 5
from . import activations  # 6
from . import losses  # 7
from . import optimization  # 8
from . import backprop  # 9
from . import recurrent  # 10, 11
from . import softmax_relu  # 12
from . import hyperparameters  # 13, 14
from . import regularization  # 15
from . import batching  # 16
from . import capacity  # 17
from . import initialization  # 18
from . import cnn_layers  # 19
from . import pooling  # 20
from . import lstm  # 21
from . import gradients  # 22
from . import training_loop  # 23
from . import tensors  # 24
from . import frameworks  # 25

__all__ = [
    "activations",
    "backprop",
    "batching",
    "boltzmann",
    "capacity",
    "cnn_layers",
    "foundations",
    "frameworks",
    "gradients",
    "hyperparameters",
    "initialization",
    "losses",
    "lstm",
    "normalization",
    "optimization",
    "perceptron",
    "pooling",
    "recurrent",
    "regularization",
    "softmax_relu",
    "tensors",
    "training_loop",
]
