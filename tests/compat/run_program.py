"""Run one compat program under PyTorch, or under shendu with the program's ``torch`` imports answered by shendu.

Usage: ``python -m tests.compat.run_program {torch,shendu} PROGRAM.py``

Under shendu, an import hook maps every ``torch`` module to the shendu module of the same path
(``torch.nn.functional`` to ``shendu.nn.functional``, ``torch.utils.data`` to ``shendu.utils.data``); the
program's text is not changed. A module that shendu lacks fails the import, naming the shendu module.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import runpy
import sys
import types


class TorchAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers ``import torch...`` with the shendu module of the same path."""

    @staticmethod
    def target(fullname: str) -> str:
        return "shendu" + fullname.removeprefix("torch")

    def find_spec(self, fullname: str, path: object, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != "torch" and not fullname.startswith("torch."):
            return None
        module = importlib.import_module(self.target(fullname))
        return importlib.machinery.ModuleSpec(fullname, self, is_package=hasattr(module, "__path__"))

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return importlib.import_module(self.target(spec.name))

    def exec_module(self, module: types.ModuleType) -> None:
        """The shendu module is already imported."""


def main(argv: list[str]) -> None:
    framework, program = argv
    if framework == "shendu":
        sys.meta_path.insert(0, TorchAlias())
    elif framework != "torch":
        raise SystemExit(f"run_program: expected 'torch' or 'shendu', got {framework!r}")
    sys.argv = [program]
    runpy.run_path(program, run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
