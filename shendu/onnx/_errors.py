"""The errors of ``shendu.onnx``: one for export, one for files that cannot be loaded."""

from __future__ import annotations

from types import ModuleType

from ..errors import ShenduError

__all__ = ["OnnxExportError", "OnnxLoadError", "OnnxUnavailableError", "require_onnx"]


class OnnxExportError(ShenduError, RuntimeError):
    """A model that cannot be written as ONNX: an op without an ONNX form, or a bad argument to ``export``."""


class OnnxLoadError(ShenduError, ValueError):
    """An ONNX file that shendu cannot read or run: damaged, of an unsupported opset, or with an unknown op."""


class OnnxUnavailableError(ShenduError, ImportError):
    """The optional ``onnx`` package is not installed."""


def require_onnx(op: str) -> ModuleType:
    """The ``onnx`` package, or an error that says how to install it."""
    try:
        import onnx
    except ImportError:
        raise OnnxUnavailableError(f"{op} needs the onnx package: pip install 'shendu[onnx]'") from None
    return onnx
