"""Grad mode: whether ops record the graph that backward walks.

``no_grad``, ``enable_grad`` and ``set_grad_enabled`` work both as context
managers and as decorators, as in PyTorch. The flag is process-wide rather
than thread-local: keeping it a plain attribute keeps the check in every op
call cheap, and shendu runs autograd on one thread.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["enable_grad", "is_grad_enabled", "no_grad", "set_grad_enabled"]

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    enabled = True


def is_grad_enabled() -> bool:
    """Whether ops currently record the graph for backward."""
    return _State.enabled


class _GradModeContext:
    _target: bool

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
