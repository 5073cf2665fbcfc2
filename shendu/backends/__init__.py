"""``shendu.backends``: PyTorch's switches for the libraries under its kernels, answered truthfully.

shendu computes with NumPy (and OpenBLAS) on the CPU and with CuPy (and cuBLAS) on NVIDIA GPUs.
It never calls cuDNN or Apple's Metal, so ``cudnn.is_available()`` and ``mps.is_available()`` are
False; the cuDNN and TF32 settings that programs assign (``cudnn.benchmark = True``) are kept and
read back but change nothing, because what they permit is something shendu never does.
"""

from __future__ import annotations

from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
