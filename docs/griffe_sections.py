"""A griffe extension for the API reference: read shendu's PyTorch-style docstrings as Markdown.

- ``Example:`` becomes ``Examples:``, the heading griffe reads as doctest code; with the singular
  heading the ``>>>`` lines would render as prose.
- The reStructuredText role ``:math:`x``` becomes the code span ``x``, which Markdown shows as is.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_HEADING = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)
_MATH_ROLE = re.compile(r":math:`([^`]*)`")


class ExampleSections(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            text = _HEADING.sub(r"\1Examples:", obj.docstring.value)
            obj.docstring.value = _MATH_ROLE.sub(r"`\1`", text)
