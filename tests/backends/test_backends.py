"""``shendu.backends``: the settings programs assign are kept; the availability answers are true for shendu."""

from __future__ import annotations

import torch

import shendu


def test_cudnn_settings_have_pytorchs_defaults_and_are_assignable() -> None:
    cudnn = shendu.backends.cudnn
    for name in ("benchmark", "deterministic", "enabled", "allow_tf32"):
        assert getattr(cudnn, name) == getattr(torch.backends.cudnn, name), name
    saved = cudnn.benchmark, cudnn.deterministic
    try:
        cudnn.benchmark = True
        cudnn.deterministic = True
        assert cudnn.benchmark and cudnn.deterministic
    finally:
        cudnn.benchmark, cudnn.deterministic = saved


def test_cudnn_flags_set_and_restore() -> None:
    cudnn = shendu.backends.cudnn
    with cudnn.flags(enabled=True, benchmark=True, deterministic=True):
        assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (True, True, True)
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (True, False, False)


def test_shendu_never_uses_cudnn_or_metal() -> None:
    assert shendu.backends.cudnn.is_available() is False
    assert shendu.backends.cudnn.version() is None
    assert shendu.backends.mps.is_available() is torch.backends.mps.is_available() is False
    assert shendu.backends.mps.is_built() is False


def test_cuda_build_and_matmul_precision_setting() -> None:
    assert shendu.backends.cuda.is_built() in (True, False)
    if shendu.cuda.is_available():
        assert shendu.backends.cuda.is_built()
    matmul = shendu.backends.cuda.matmul
    assert matmul.allow_tf32 is torch.backends.cuda.matmul.allow_tf32 is False
    matmul.allow_tf32 = True
    try:
        assert matmul.allow_tf32 and "allow_tf32=True" in repr(matmul)
    finally:
        matmul.allow_tf32 = False
