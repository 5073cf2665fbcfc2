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
from ._graph import supported_ops
from ._import_ops import IMPORTERS
from ._loader import OnnxModule, load
from ._validate import IMPORT_OPSETS

__all__ = [
    "DEFAULT_OPSET",
    "EXPORT_OPSETS",
    "IMPORT_OPSETS",
    "SUPPORTED_ONNX_OPS",
    "SUPPORTED_OPS",
    "OnnxExportError",
    "OnnxLoadError",
    "OnnxModule",
    "OnnxUnavailableError",
    "export",
    "load",
]

# The shendu ops (Function classes, and the comparisons and argmax/argmin) that export covers.
SUPPORTED_OPS: tuple[str, ...] = supported_ops()
# The ONNX ops that load runs.
SUPPORTED_ONNX_OPS: tuple[str, ...] = tuple(sorted(IMPORTERS))
