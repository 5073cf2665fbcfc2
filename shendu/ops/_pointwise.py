"""Pointwise (1×1, stride 1, unpadded, ungrouped) convolutions as batched matrix products.

A 1×1 convolution mixes channels at every position independently: each sample's output is
``W @ x[n]`` with ``x[n]`` viewed as ``(C, H·W)``, which is how the input already lies in
memory. Lowered to im2col it would still copy the input (or move it to the batch-last
layout and back); here nothing is copied. The weight gradient is the per-sample products
``g[n] @ x[n]ᵀ`` summed in sample order, so the result does not depend on the thread count.
"""

from __future__ import annotations

from typing import Any

__all__ = ["is_pointwise", "pointwise_backward", "pointwise_forward"]


def is_pointwise(geom: Any) -> bool:
    """Whether a convolution takes this path: a 1×1 kernel at stride 1, no padding, one group."""
    return geom.kernel == (1, 1) and geom.stride == (1, 1) and geom.padding == ((0, 0), (0, 0)) and geom.groups == 1


def pointwise_forward(xp: Any, x: Any, w: Any) -> Any:
    """``y[n] = W @ x[n]`` for ``x`` ``(N, C, H, W)`` and ``w`` ``(O, C, 1, 1)``: ``(N, O, H, W)``."""
    n, c, h, width = x.shape
    return xp.matmul(w.reshape(w.shape[0], c), x.reshape(n, c, h * width)).reshape(n, w.shape[0], h, width)


def pointwise_backward(xp: Any, x: Any, w: Any, grad: Any, want_x: bool, want_w: bool) -> tuple[Any, Any]:
    """The input gradient ``(N, C, H, W)`` (or None) and the weight gradient ``(O, C, 1, 1)`` (or None)."""
    n, c, h, width = x.shape
    o = w.shape[0]
    g3 = grad.reshape(n, o, h * width)
    gx = gw = None
    if want_x:
        gx = xp.matmul(w.reshape(o, c).T, g3).reshape(x.shape)
    if want_w:
        x3 = x.reshape(n, c, h * width).transpose(0, 2, 1)
        # The per-sample products are summed a bounded number of samples at a time, in sample order.
        step = max(1, _PARTIAL_ELEMENTS // max(1, o * c))
        gw = xp.zeros((o, c), grad.dtype)
        for start in range(0, n, step):
            gw += xp.matmul(g3[start : start + step], x3[start : start + step]).sum(axis=0)
        gw = gw.reshape(w.shape)
    return gx, gw


# The most values the per-sample weight-gradient products hold at once (4 MB of float32).
_PARTIAL_ELEMENTS = 1 << 20
