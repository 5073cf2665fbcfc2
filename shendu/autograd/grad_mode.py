"""Grad mode: whether ops record the graph that backward walks.

``no_grad``, ``enable_grad``, ``inference_mode`` and ``set_grad_enabled`` work
both as context managers and as decorators (``@no_grad()`` or bare
``@no_grad``), as in PyTorch. The flag is process-wide rather than
thread-local: keeping it a plain attribute keeps the check in every op call
cheap, and shendu runs autograd on one thread.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "enable_grad",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "no_grad",
    "set_grad_enabled",
]

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    enabled = True
    inference = False


def is_grad_enabled() -> bool:
    """Whether ops currently record the graph for backward."""
    return _State.enabled


class _GradModeContext:
    _target: bool

    def __new__(cls, func: Any = None) -> Any:
        # A bare ``@no_grad`` hands over the function itself: decorate it.
        if func is not None and callable(func):
            return cls()(func)
        return super().__new__(cls)

    def __init__(self, func: Any = None) -> None:
        pass

    def __enter__(self) -> None:
        self._previous = _State.enabled
        _State.enabled = self._target

    def __exit__(self, *exc: object) -> None:
        _State.enabled = self._previous

    def __call__(self, func: F) -> F:
        target = self._target

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            previous = _State.enabled
            _State.enabled = target
            try:
                return func(*args, **kwargs)
            finally:
                _State.enabled = previous

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Context manager and decorator that turns graph recording off.

    Use it for evaluation and for updating parameters in place.

    Example:
        >>> model = nn.Linear(3, 2)
        >>> with shendu.no_grad():
        ...     y = model(shendu.randn(4, 3))
        >>> y.requires_grad
        False
    """

    _target = False


class enable_grad(_GradModeContext):  # noqa: N801
    """Context manager and decorator that turns graph recording back on inside ``no_grad``."""

    _target = True


class inference_mode:  # noqa: N801
    """Context manager and decorator for inference: like ``no_grad`` (with ``mode=False``, no change).

    PyTorch also marks the tensors made inside as inference tensors that autograd refuses later;
    shendu has no such tensors, so code that runs under PyTorch runs the same here.

    Args:
        mode: turn graph recording off (True) or leave grad mode as it is (False). Default: True.

    Example:
        >>> with shendu.inference_mode():
        ...     y = shendu.ones(2, requires_grad=True) * 2
        >>> y.requires_grad
        False
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):
            return cls()(mode)
        return object.__new__(cls)

    def __init__(self, mode: Any = True) -> None:
        self._mode = bool(mode)

    def __enter__(self) -> None:
        self._previous = _State.enabled, _State.inference
        if self._mode:
            _State.enabled, _State.inference = False, True

    def __exit__(self, *exc: object) -> None:
        _State.enabled, _State.inference = self._previous

    def __call__(self, func: F) -> F:
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            previous = _State.enabled, _State.inference
            if mode:
                _State.enabled, _State.inference = False, True
            try:
                return func(*args, **kwargs)
            finally:
                _State.enabled, _State.inference = previous

        return wrapper  # type: ignore[return-value]


def is_inference_mode_enabled() -> bool:
    """Whether the code runs inside ``inference_mode()``."""
    return _State.inference


class set_grad_enabled(_GradModeContext):  # noqa: N801
    """Set grad mode to ``mode``; as a plain call it sets it for good, as a context manager until exit.

    Args:
        mode: True to record the graph, False not to.
    """

    def __init__(self, mode: bool) -> None:
        self._target = bool(mode)
        self._previous = _State.enabled
        _State.enabled = self._target

    def __enter__(self) -> None:
        pass

    def __call__(self, func: F) -> F:
        # Used as a decorator, the constructor's immediate switch must not leak past the definition.
        _State.enabled = self._previous
        return super().__call__(func)
