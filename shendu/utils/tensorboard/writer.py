"""``SummaryWriter``: PyTorch's TensorBoard logging API over TensorBoard's own event-file writer."""

from __future__ import annotations

import atexit
import os
import socket
import time
import weakref
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np

from ..._checks import is_int
from ...backend import CPU, to_device
from ...tensor import Tensor
from . import summary

__all__ = ["SummaryWriter"]


def _event_file_writer() -> Any:
    try:
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError:
        raise ImportError(
            "SummaryWriter writes TensorBoard files with the tensorboard package: pip install 'shendu[tensorboard]'"
        ) from None
    return EventFileWriter


def _numpy(value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        return np.asarray(to_device(value.detach()._array, CPU))
    return np.asarray(value)


class SummaryWriter:
    """Write TensorBoard event files: scalars, histograms, images, figures and text.

    The same names, arguments and files as PyTorch's ``torch.utils.tensorboard.SummaryWriter``,
    written with the ``tensorboard`` package's own writer (``pip install 'shendu[tensorboard]'``).
    View the files with ``tensorboard --logdir runs``. Values may be shendu tensors (on any
    device), NumPy arrays or Python numbers. Events are queued and written by a background
    thread; ``flush()`` writes them now, ``close()`` (or leaving a ``with`` block) writes and
    closes the files, and a writer still open when the program ends is flushed then.

    Args:
        log_dir: the folder for the event files. Default: ``runs/<date>_<time>_<hostname><comment>``.
        comment: appended to the default ``log_dir``; ignored when ``log_dir`` is given. Default: ``""``.
        purge_step: when continuing a run that stopped at a later step, events from this step
            on in the earlier files are hidden, so that a resumed run shows no duplicates. Default: None.
        max_queue: events held before they are written. Default: 10.
        flush_secs: seconds between automatic flushes. Default: 120.
        filename_suffix: appended to each event file's name. Default: ``""``.

    Example:
        >>> from shendu.utils.tensorboard import SummaryWriter
        >>> with SummaryWriter("runs/demo") as writer:  # doctest: +SKIP
        ...     for step in range(3):
        ...         writer.add_scalar("loss", 1.0 / (step + 1), step)
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str] | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: int = 120,
        filename_suffix: str = "",
    ) -> None:
        if log_dir is None:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        for name, value in (("max_queue", max_queue), ("flush_secs", flush_secs)):
            if not is_int(value, numpy=False) or value < 1:
                raise ValueError(f"SummaryWriter: {name} must be a positive int, got {value!r}")
        self.log_dir = os.fspath(log_dir)
        self.purge_step = purge_step
        self.max_queue, self.flush_secs, self.filename_suffix = max_queue, flush_secs, filename_suffix
        self._writers: dict[str, Any] = {}
        self._writer(self.log_dir)
        # Events wait in a queue; a script that ends without close() would otherwise lose them all.
        atexit.register(_flush_at_exit, weakref.ref(self))

    def get_logdir(self) -> str:
        """The folder the event files are written to."""
        return self.log_dir

    def _writer(self, folder: str) -> Any:
        writer = self._writers.get(folder)
        if writer is None:
            event_file_writer = _event_file_writer()
            try:
                writer = event_file_writer(folder, self.max_queue, self.flush_secs, self.filename_suffix)
            except OSError as exc:
                raise OSError(
                    f"SummaryWriter: cannot write event files to {folder!r}: {exc.strerror or exc}"
                    + ("; it is a file, and log_dir must be a folder" if os.path.isfile(folder) else "")
                ) from None
            if self.purge_step is not None:
                from tensorboard.compat.proto.event_pb2 import Event, SessionLog

                writer.add_event(
                    Event(step=self.purge_step, wall_time=time.time(), session_log=SessionLog(status=SessionLog.START))
                )
            self._writers[folder] = writer
        return writer

    def _add(self, op: str, proto: Any, global_step: Any, walltime: float | None, folder: str | None = None) -> None:
        from tensorboard.compat.proto.event_pb2 import Event

        event = Event(summary=proto, wall_time=time.time() if walltime is None else float(walltime))
        step = _step(op, global_step)
        if step is not None:
            event.step = step
        self._writer(folder or self.log_dir).add_event(event)

    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        """Log one number, e.g. a loss, at a step.

        Args:
            tag: the series name; ``"/"`` groups series in TensorBoard (``"loss/train"``).
            scalar_value: a number or a one-element tensor.
            global_step: the step (x axis). Default: None.
            walltime: seconds since the epoch. Default: now.
            new_style: write a tensor summary (read by TensorBoard's scalars plugin) instead
                of the classic ``simple_value``. Default: False.
            double_precision: with ``new_style``, keep the value as float64. Default: False.
        """
        value = _scalar("add_scalar", tag, scalar_value)
        self._add("add_scalar", summary.scalar(tag, value, new_style, double_precision), global_step, walltime)

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: Mapping[str, Any],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log several numbers in one chart, e.g. ``{"train": 0.3, "val": 0.4}``.

        As in PyTorch, each key is written to its own subfolder ``<log_dir>/<main_tag>_<key>``,
        which TensorBoard shows as one run per key with the tag ``main_tag``.

        Args:
            main_tag: the chart's name.
            tag_scalar_dict: the numbers by series name.
            global_step: the step. Default: None.
            walltime: seconds since the epoch. Default: now.
        """
        _tag("add_scalars", main_tag)
        if not isinstance(tag_scalar_dict, Mapping):
            raise TypeError(
                f"add_scalars: tag_scalar_dict must map names to numbers, got {type(tag_scalar_dict).__name__}"
            )
        for key, value in tag_scalar_dict.items():
            number = _scalar("add_scalars", f"{main_tag}/{key}", value)
            folder = os.path.join(self.log_dir, f"{main_tag.replace('/', '_')}_{key}")
            self._add("add_scalars", summary.scalar(main_tag, number), global_step, walltime, folder)

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: int | None = None,
        bins: Any = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """Log the distribution of ``values`` (e.g. a layer's weights) at a step.

        Args:
            tag: the histogram's name.
            values: a tensor or array of any shape; all values must be finite.
            global_step: the step. Default: None.
            bins: ``"tensorflow"`` (TensorFlow's default exponential buckets) or anything
                ``numpy.histogram`` accepts (``"auto"``, a count, edges). Default: ``"tensorflow"``.
            walltime: seconds since the epoch. Default: now.
            max_bins: merge neighbouring buckets down to at most this many. Default: None.
        """
        _tag("add_histogram", tag)
        array = _numpy(values)
        if array.size == 0:
            raise ValueError(f"add_histogram: the values for {tag!r} are empty")
        if not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
            raise TypeError(f"add_histogram: the values for {tag!r} must be real numbers, got dtype {array.dtype}")
        if not np.isfinite(array).all():
            raise ValueError(f"add_histogram: the values for {tag!r} contain NaN or infinity")
        self._add("add_histogram", summary.histogram(tag, array, bins, max_bins), global_step, walltime)

    def add_image(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
    ) -> None:
        """Log one image: float values in [0, 1] or uint8 in [0, 255], with 1, 3 or 4 channels.

        Args:
            tag: the image's name.
            img_tensor: the image, laid out as ``dataformats`` says.
            global_step: the step. Default: None.
            walltime: seconds since the epoch. Default: now.
            dataformats: ``"CHW"``, ``"HWC"`` or ``"HW"``. Default: ``"CHW"``.
        """
        _tag("add_image", tag)
        pixels = summary.to_hwc_uint8("add_image", _numpy(img_tensor), dataformats)
        self._add("add_image", summary.image(tag, pixels), global_step, walltime)

    def add_images(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "NCHW",
    ) -> None:
        """Log a batch of images as one grid, 8 to a row.

        Args:
            tag: the grid's name.
            img_tensor: the images, laid out as ``dataformats`` says.
            global_step: the step. Default: None.
            walltime: seconds since the epoch. Default: now.
            dataformats: ``"NCHW"``, ``"NHWC"`` or ``"NHW"``. Default: ``"NCHW"``.
        """
        _tag("add_images", tag)
        pixels = summary.to_hwc_uint8("add_images", _numpy(img_tensor), dataformats)
        self._add("add_images", summary.image(tag, pixels), global_step, walltime)

    def add_figure(
        self,
        tag: str,
        figure: Any,
        global_step: int | None = None,
        close: bool = True,
        walltime: float | None = None,
    ) -> None:
        """Log a matplotlib figure (or a list of figures of one size, as a grid) as an image.

        Args:
            tag: the image's name.
            figure: a ``matplotlib.figure.Figure`` or a list of them.
            global_step: the step. Default: None.
            close: close the figure(s) after rendering. Default: True.
            walltime: seconds since the epoch. Default: now.
        """
        _tag("add_figure", tag)
        figures = list(figure) if isinstance(figure, (list, tuple)) else [figure]
        if not figures or not all(hasattr(f, "savefig") and hasattr(f, "canvas") for f in figures):
            raise TypeError(f"add_figure: expected a matplotlib figure or a list of them, got {type(figure).__name__}")
        pixels = summary.figure_pixels(figures)
        if close:
            import matplotlib.pyplot as plt

            for f in figures:
                plt.close(f)
        self._add(
            "add_figure", summary.image(tag, summary.to_hwc_uint8("add_figure", pixels, "NHWC")), global_step, walltime
        )

    def add_text(
        self, tag: str, text_string: str, global_step: int | None = None, walltime: float | None = None
    ) -> None:
        """Log text (Markdown is rendered by TensorBoard), e.g. a run's settings.

        Args:
            tag: the text's name (written as ``tag + "/text_summary"``, as PyTorch does).
            text_string: the text.
            global_step: the step. Default: None.
            walltime: seconds since the epoch. Default: now.
        """
        _tag("add_text", tag)
        if not isinstance(text_string, str):
            raise TypeError(f"add_text: text_string must be a str, got {type(text_string).__name__}")
        self._add("add_text", summary.text(tag, text_string), global_step, walltime)

    def flush(self) -> None:
        """Write every queued event to disk now."""
        for writer in self._writers.values():
            writer.flush()

    def close(self) -> None:
        """Write the queued events and close the files; a later ``add_*`` opens new ones."""
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SummaryWriter(log_dir={self.log_dir!r})"


def _flush_at_exit(ref: weakref.ref[SummaryWriter]) -> None:
    writer = ref()
    if writer is not None:
        writer.flush()


def _tag(op: str, tag: Any) -> None:
    if not isinstance(tag, str) or not tag:
        raise TypeError(f"{op}: tag must be a non-empty str, got {tag!r}")


def _step(op: str, step: Any) -> int | None:
    if step is None:
        return None
    if isinstance(step, Tensor):
        step = _scalar(op, "global_step", step)
    try:
        whole = not isinstance(step, (bool, np.bool_, str)) and float(step).is_integer()
    except (TypeError, ValueError):
        whole = False
    if not whole:
        raise TypeError(f"{op}: global_step must be an int, got {step!r}")
    if not -(2**63) <= int(step) < 2**63:
        raise ValueError(f"{op}: global_step must fit in 64 bits (an event's step is an int64), got {step!r}")
    return int(step)


def _scalar(op: str, tag: str, value: Any) -> float:
    _tag(op, tag)
    array = _numpy(value)
    if array.size != 1 or not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise ValueError(
            f"{op}: the value for {tag!r} must be a number or a one-element tensor, "
            f"got {type(value).__name__} of shape {array.shape} and dtype {array.dtype}"
        )
    return float(array.reshape(()))
