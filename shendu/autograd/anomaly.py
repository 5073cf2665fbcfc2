"""Anomaly detection: find the op, the layer and the line of code where a NaN or Inf first appeared.

Off by default, and free when off: turning it on swaps in a checking version of
``Function.apply`` rather than adding a test to every op call. When on, every
op's output is checked in forward, and every gradient in backward; the first
non-finite value raises an AnomalyError that names the op, the module path
(``features.3``), the input shapes and the user's source line that created the op.
A NaN that no op produced (in the data, or in a parameter) is named as coming
from there, at the first op that reads it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from ..errors import ShenduError

__all__ = ["AnomalyError", "detect_anomaly", "is_anomaly_enabled", "set_detect_anomaly"]

F = TypeVar("F", bound=Callable[..., Any])

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class AnomalyError(ShenduError, FloatingPointError):
    """A NaN or Inf was produced while anomaly detection was on."""


class _State:
    enabled = False
    module_stack: list[str] = []


# Function.apply as defined (a classmethod object), kept at module level: read through a class
# attribute, the descriptor would bind to that class.
_plain_apply: Any = None


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on."""
    return _State.enabled


def current_module_path() -> str | None:
    """The path of the innermost module whose forward is running (recorded only in anomaly mode)."""
    return _State.module_stack[-1] if _State.module_stack else None


def push_module(path: str) -> None:
    _State.module_stack.append(path)


def pop_module() -> None:
    if _State.module_stack:
        _State.module_stack.pop()


def _user_line() -> str:
    """The innermost stack frame outside the shendu package: the user's line that called the op."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(_PACKAGE_DIR + os.sep):
            return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        frame = frame.f_back
    return "(inside shendu)"


def _finite(array: Any) -> bool:
    if array is None or array.dtype.kind != "f":
        return True
    xp = np if isinstance(array, np.ndarray | np.generic) else __import__("cupy")
    return bool(xp.isfinite(array).all())


def _describe(name: str, trace: dict[str, Any]) -> str:
    where = f" in module {trace['module']}" if trace.get("module") else ""
    shapes = ", ".join(str(tuple(s)) for s in trace["shapes"])
    return f"{name}{where} (input shapes {shapes}), created at {trace['line']}"


def _has_nan(array: Any) -> bool:
    if array is None or array.dtype.kind != "f":
        return False
    xp = np if isinstance(array, np.ndarray | np.generic) else __import__("cupy")
    return bool(xp.isnan(array).any())


def _check_graph_inputs(name: str, inputs: tuple[Any, ...], trace: dict[str, Any]) -> None:
    """Name the data (or a parameter) as the source of a NaN that no op produced.

    An input that no op made (a leaf: the data, a parameter, a constant) and that holds NaN would
    otherwise pass through the forward pass unblamed and surface in the backward of whichever op
    comes last. Infinities are allowed here: attention and padding masks use them.
    """
    for index, t in enumerate(inputs):
        if t._grad_fn is None and _has_nan(t._array):
            if type(t).__name__ == "Parameter":
                kind, origin = "a parameter", "it is in the parameter's values (a diverged or corrupt checkpoint?)"
            else:
                kind, origin = "the input", "it was in the data given to the computation"
            raise AnomalyError(
                f"anomaly: {kind} holds NaN before any op ran: input {index} (shape {tuple(t.shape)}) of "
                f"{_describe(name, trace)}; no op produced it: {origin}"
            )


def _checking_apply(cls: type, *inputs: Any, **params: Any) -> Any:
    trace = {"module": current_module_path(), "shapes": [t.shape for t in inputs], "line": _user_line()}
    _check_graph_inputs(cls.__name__, inputs, trace)
    out = _plain_apply.__func__(cls, *inputs, **params)
    outputs = out if isinstance(out, tuple) else (out,)
    for o in outputs:
        if o._grad_fn is not None:
            o._grad_fn.trace = trace
    if all(_finite(i._array) for i in inputs) and not all(_finite(o._array) for o in outputs):
        raise AnomalyError(
            f"anomaly: {_describe(cls.__name__, trace)} returned NaN or Inf in forward from finite inputs"
        )
    return out


def check_backward(fn: Any, grads: tuple[Any, ...]) -> None:
    """Raise AnomalyError if ``fn``'s backward produced a non-finite gradient (called by the engine)."""
    for index, grad in enumerate(grads):
        if not _finite(grad):
            trace = getattr(fn, "trace", None) or {"module": None, "shapes": [], "line": "(unknown)"}
            raise AnomalyError(
                f"anomaly: the backward of {_describe(fn.name(), trace)} returned NaN or Inf in the gradient "
                f"of input {index}"
            )


def set_detect_anomaly(mode: bool) -> None:
    """Turn anomaly detection on or off for the whole process."""
    from .function import Function

    global _plain_apply
    if _plain_apply is None:
        _plain_apply = Function.__dict__["apply"]
    mode = bool(mode)
    if mode == _State.enabled:
        return
    Function.apply = classmethod(_checking_apply) if mode else _plain_apply  # type: ignore[method-assign]
    _State.enabled = mode
    _State.module_stack.clear()


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Context manager and decorator that turns anomaly detection on, then restores the previous mode.

    Example:
        >>> x = shendu.tensor([-1.0, 1.0], requires_grad=True)
        >>> with shendu.autograd.detect_anomaly():
        ...     shendu.sqrt(x).sum().backward()
        Traceback (most recent call last):
        ...
        shendu.autograd.anomaly.AnomalyError: anomaly: Sqrt ... returned NaN or Inf in forward from finite inputs
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._previous = _State.enabled
        set_detect_anomaly(self.check_nan)

    def __exit__(self, *exc: object) -> None:
        set_detect_anomaly(self._previous)

    def __call__(self, func: F) -> F:
        import functools

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
