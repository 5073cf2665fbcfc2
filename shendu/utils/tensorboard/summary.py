"""TensorBoard ``Summary`` protocol buffers from NumPy values: scalars, histograms, images, text.

The protos and the event-file writer are TensorBoard's own (the ``tensorboard`` package, as
PyTorch's ``torch.utils.tensorboard`` uses); this module only turns arrays into them, in the
classic layout that TensorBoard and its ``EventAccumulator`` read as scalars, histograms and images.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["histogram", "image", "scalar", "tensorflow_bins", "text", "to_hwc_uint8"]


def _protos() -> Any:
    try:
        from tensorboard.compat.proto import summary_pb2
    except ImportError:
        raise ImportError(
            "SummaryWriter writes TensorBoard files with the tensorboard package: pip install 'shendu[tensorboard]'"
        ) from None
    return summary_pb2


def scalar(tag: str, value: float, new_style: bool = False, double_precision: bool = False) -> Any:
    """A scalar: a classic ``simple_value``, or with ``new_style`` a tensor read by the scalars plugin."""
    pb = _protos()
    if not new_style:
        return pb.Summary(value=[pb.Summary.Value(tag=tag, simple_value=value)])
    from tensorboard.compat.proto.tensor_pb2 import TensorProto
    from tensorboard.plugins.scalar.metadata import create_summary_metadata

    tensor = (
        TensorProto(dtype="DT_DOUBLE", double_val=[value])
        if double_precision
        else TensorProto(dtype="DT_FLOAT", float_val=[value])
    )
    metadata = create_summary_metadata(display_name="", description="")
    return pb.Summary(value=[pb.Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])


def tensorflow_bins() -> np.ndarray:
    """TensorFlow's default histogram bucket edges: ±1e-12 growing by 10% up to 1e20, and zero."""
    count = int(np.ceil(np.log(1e20 / 1e-12) / np.log(1.1)))
    positive = 1e-12 * 1.1 ** np.arange(count)
    return np.concatenate([-positive[::-1], [0.0], positive])


def histogram(tag: str, values: np.ndarray, bins: Any = "tensorflow", max_bins: int | None = None) -> Any:
    """A histogram of ``values`` (any shape) with ``numpy.histogram``'s ``bins``, or TensorFlow's default edges.

    Empty buckets beyond the data are left out, except one on the left: TensorBoard stores only the
    right edge of each bucket, so that bucket gives the histogram's left edge.
    """
    pb = _protos()
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    counts, edges = np.histogram(
        flat, bins=tensorflow_bins() if isinstance(bins, str) and bins == "tensorflow" else bins
    )
    if max_bins is not None and len(counts) > max_bins:
        group = -(-len(counts) // max_bins)
        padded = np.concatenate([counts, np.zeros(-len(counts) % group, dtype=counts.dtype)])
        counts = padded.reshape(-1, group).sum(axis=1)
        edges = np.concatenate([edges[:-1:group], edges[-1:]])
    used = np.flatnonzero(counts)
    first, last = int(used[0]), int(used[-1])
    left = max(first - 1, 0)
    bucket_counts = counts[left : last + 1].tolist()
    limits = edges[left + 1 : last + 2].tolist()
    if first == 0:
        # No empty bucket exists left of the data: add one that ends at the lowest edge.
        bucket_counts, limits = [0, *bucket_counts], [float(edges[0]), *limits]
    histo = pb.HistogramProto(
        min=float(flat.min()),
        max=float(flat.max()),
        num=flat.size,
        sum=float(flat.sum()),
        sum_squares=float(flat @ flat),
        bucket_limit=limits,
        bucket=bucket_counts,
    )
    return pb.Summary(value=[pb.Summary.Value(tag=tag, histo=histo)])


def _grid(images: np.ndarray, columns: int = 8) -> np.ndarray:
    """Tile (N, H, W, C) images into one (rows*H, columns*W, C) image, row by row, black where none."""
    n, h, w, c = images.shape
    columns = min(n, columns)
    rows = -(-n // columns)
    canvas = np.zeros((rows * h, columns * w, c), dtype=images.dtype)
    for i, picture in enumerate(images):
        row, col = divmod(i, columns)
        canvas[row * h : (row + 1) * h, col * w : (col + 1) * w] = picture
    return canvas


def to_hwc_uint8(op: str, array: np.ndarray, dataformats: str) -> np.ndarray:
    """An image (or a batch, as a grid) as uint8 (H, W, C) with 1, 3 or 4 channels.

    Floats are taken to be in [0, 1] and scaled by 255 (as PyTorch's writer does); uint8 stays.
    """
    layout = dataformats.upper()
    if len(layout) != array.ndim or len(set(layout)) != len(layout) or not set(layout) <= set("NCHW"):
        raise ValueError(
            f"{op}: dataformats {dataformats!r} does not describe an array of shape {array.shape} "
            f"(use letters from N, C, H, W, one per dimension, e.g. 'CHW' or 'HWC')"
        )
    if not set("HW") <= set(layout):
        raise ValueError(f"{op}: dataformats {dataformats!r} must contain H and W")
    target = [axis for axis in "NHWC" if axis in layout]
    array = np.transpose(array, [layout.index(axis) for axis in target])
    if "C" not in layout:
        array = array[..., None]
    if "N" not in layout:
        array = array[None]
    if 0 in array.shape[:-1]:
        raise ValueError(f"{op}: there is no image to log: the images have shape {tuple(array.shape)} (N, H, W, C)")
    if array.shape[-1] not in (1, 3, 4):
        raise ValueError(f"{op}: images need 1, 3 or 4 channels, got {array.shape[-1]} (shape {tuple(array.shape)})")
    if array.dtype != np.uint8:
        array = np.nan_to_num(np.asarray(array, dtype=np.float32) * np.float32(255), nan=0.0)
        array = np.clip(array, 0, 255).astype(np.uint8)
    return _grid(array) if array.shape[0] > 1 else array[0]


def image(tag: str, hwc: np.ndarray) -> Any:
    """A PNG-encoded image from uint8 (H, W, C)."""
    pb = _protos()
    from PIL import Image

    height, width, channels = hwc.shape
    picture = Image.fromarray(hwc[..., 0] if channels == 1 else hwc)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    encoded = pb.Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=buffer.getvalue())
    return pb.Summary(value=[pb.Summary.Value(tag=tag, image=encoded)])


def text(tag: str, content: str) -> Any:
    """Text (Markdown) for TensorBoard's text plugin, under ``tag + "/text_summary"`` as PyTorch writes it."""
    pb = _protos()
    from tensorboard.compat.proto.tensor_pb2 import TensorProto
    from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboard.plugins.text.metadata import create_summary_metadata

    tensor = TensorProto(
        dtype="DT_STRING",
        string_val=[content.encode("utf-8")],
        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]),
    )
    metadata = create_summary_metadata(display_name="", description="")
    return pb.Summary(value=[pb.Summary.Value(tag=f"{tag}/text_summary", tensor=tensor, metadata=metadata)])


def figure_pixels(figures: Sequence[Any]) -> np.ndarray:
    """Render matplotlib figures to uint8 (N, H, W, 4) RGBA arrays (all must have one size)."""
    rendered = []
    for figure in figures:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        rendered.append(np.asarray(canvas.buffer_rgba()).copy())
    return np.stack(rendered)
