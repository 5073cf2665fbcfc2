"""Wording helpers for messages."""

from __future__ import annotations

__all__ = ["count"]


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with the noun in the right number: ``count(1, "epoch")`` is ``"1 epoch"``, 2 gives ``"2 epochs"``.

    Args:
        n: how many.
        noun: the singular.
        plural: the plural, where it is not the singular plus ``s`` (``"classes"``). Default: None.
    """
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
