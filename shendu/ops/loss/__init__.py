"""Loss functions, each computed by one op with a closed-form backward.

Cross-entropy fuses the log-softmax into the loss: the log-probabilities are
computed once, stably (subtracting the row maximum), and the gradient is
``softmax - target`` scaled, so logits of +-1e4 give finite values and
gradients. Binary cross-entropy with logits uses ``log1p(exp(-|x|))`` for the
same reason. Elementwise weights, where PyTorch computes them as a product
followed by a reduction, go through one small weighted-reduction op.
"""

from .binary import binary_cross_entropy, binary_cross_entropy_with_logits
from .classification import cross_entropy, nll_loss
from .divergence import kl_div
from .regression import huber_loss, l1_loss, mse_loss, smooth_l1_loss

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
]
