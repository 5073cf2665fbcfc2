"""Every shendu module can be the first one imported.

Python runs ``shendu/__init__.py`` before any submodule, so a plain ``import shendu.tensor`` only ever
tests the order in which ``__init__`` happens to list its imports. To test each module on its own, one
fresh interpreter imports every module in turn from an empty ``sys.modules`` (shendu's part of it),
with a bare ``shendu`` package in place of ``__init__``: the module is then truly the first to load,
and an import cycle shows up as "partially initialized module". The lab is an application written
against the public API (``from shendu import nn``), so its modules are imported through the real package.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import shendu

# The imports behind pyproject.toml's optional extras: a module that needs a missing one is skipped.
_OPTIONAL = {"numba", "cupy", "matplotlib", "sklearn", "statsmodels"}

_SCRIPT = r"""
import importlib, importlib.util, json, sys, types
from pathlib import Path

spec = importlib.util.find_spec("shendu")
root = Path(spec.submodule_search_locations[0])
names = []
for path in sorted(root.rglob("*.py")):
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__main__":
        continue
    if parts[-1] == "__init__":
        parts.pop()
    names.append(".".join(parts))

failures, skipped = {}, {}
for name in names:
    for loaded in [m for m in sys.modules if m == "shendu" or m.startswith("shendu.")]:
        del sys.modules[loaded]
    if name != "shendu" and not name.startswith("shendu.lab"):
        bare = types.ModuleType("shendu")
        bare.__path__ = [str(root)]
        bare.__spec__ = spec
        sys.modules["shendu"] = bare
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and error.name.split(".")[0] != "shendu":  # a dependency is missing
            skipped[name] = error.name
        else:
            failures[name] = f"{type(error).__name__}: {error}"
    except Exception as error:
        failures[name] = f"{type(error).__name__}: {error}"
print(json.dumps({"imported": len(names) - len(skipped), "skipped": skipped, "failures": failures}))
"""


def test_every_module_imports_first_in_a_fresh_interpreter(tmp_path: Path) -> None:
    # A private bytecode cache: each module is imported many times over, and compiling every file
    # anew each time (as with PYTHONDONTWRITEBYTECODE) would take most of the test's time.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["failures"] == {}
    modules = len(list(Path(shendu.__file__).parent.rglob("*.py"))) - 1  # every module but __main__
    assert report["imported"] + len(report["skipped"]) == modules
    assert {name.split(".")[0] for name in report["skipped"].values()} <= _OPTIONAL
