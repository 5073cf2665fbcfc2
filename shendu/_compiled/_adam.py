"""Adam's whole update in one pass over each parameter (numba; see ``shendu/optim/adam.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def adam_update(
    param: Any,
    grad: Any,
    exp_avg: Any,
    exp_avg_sq: Any,
    max_exp_avg_sq: Any,
    lerp_weight: Any,
    lerp_from_end: bool,
    beta2: Any,
    one_minus_beta2: Any,
    neg_step_size: Any,
    bias_correction2_sqrt: Any,
    eps: Any,
    flush_below: Any,
    weight_decay: Any,
    decay_factor: Any,
    maximize: bool,
    coupled_decay: bool,
    decoupled_decay: bool,
    amsgrad: bool,
) -> None:
    # Each line rounds as the NumPy path's ufunc of the same name does, in the same order, so
    # both paths give bit-identical results; the scalars come in the arrays' dtype.
    zero = flush_below - flush_below
    for i in range(param.size):
        g = grad[i]
        if maximize:
            g = -g
        if decoupled_decay:
            param[i] = param[i] * decay_factor
        if coupled_decay:
            g = g + param[i] * weight_decay
        if lerp_from_end:
            first = g - (g - exp_avg[i]) * lerp_weight
        else:
            first = exp_avg[i] + (g - exp_avg[i]) * lerp_weight
        second = exp_avg_sq[i] * beta2 + g * one_minus_beta2 * g
        # A first moment under ``flush_below`` is stored as zero, as on the NumPy path (see
        # ``_flush_below`` in shendu/optim/adam.py).
        if abs(first) < flush_below:
            first = zero
        exp_avg[i] = first
        exp_avg_sq[i] = second
        if amsgrad:
            previous = max_exp_avg_sq[i]
            # np.maximum's rule: a NaN on either side wins.
            if previous > second or previous != previous:
                second = previous
            max_exp_avg_sq[i] = second
        denominator = np.sqrt(second) / bias_correction2_sqrt + eps
        param[i] = param[i] + first * neg_step_size / denominator
