"""Utilities for training: weight normalization and regularization penalties."""

from __future__ import annotations

from .regularization import l1_penalty, l2_penalty
from .weight_norm import remove_weight_norm, weight_norm

__all__ = ["l1_penalty", "l2_penalty", "remove_weight_norm", "weight_norm"]
