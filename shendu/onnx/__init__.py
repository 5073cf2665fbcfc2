"""ONNX: export shendu models for onnxruntime and other runtimes, and run ONNX models as shendu modules.

``export(model, args, f, ...)`` records the ops of one forward pass in eval mode and writes them
as ONNX nodes, with the weights as initializers named as in ``state_dict()``. ``load(path)``
checks a file before allocating anything and returns a ``Module`` that runs its graph with
shendu's ops, so a model exported from PyTorch evaluates, and fine-tunes, in shendu.

Both need the optional ``onnx`` package (``pip install 'shendu[onnx]'``, which also installs
onnxruntime to run the exported files).
"""

from ._errors import OnnxExportError, OnnxLoadError, OnnxUnavailableError
from ._exporter import DEFAULT_OPSET, EXPORT_OPSETS, export
from ._graph import CONVERTERS

__all__ = [
    "DEFAULT_OPSET",
    "EXPORT_OPSETS",
    "SUPPORTED_OPS",
    "OnnxExportError",
    "OnnxLoadError",
    "OnnxUnavailableError",
    "export",
]

# The shendu ops (Function classes) that export covers.
SUPPORTED_OPS: tuple[str, ...] = tuple(sorted({cls.__name__ for cls in CONVERTERS} | {"Einsum"}))
