"""Generate the API reference: one page per public module, each object documented where it is defined.

Run by mkdocs-gen-files during ``mkdocs build``. A module's public names come from its ``__all__``
(or its non-underscore names); an object is documented on the page of the public module that
defines it (or, for an object defined in a private module, the first public module that exports
it), and every other page that exports it links there.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import mkdocs_gen_files

import shendu


def public_modules() -> list[str]:
    names = ["shendu"]
    for info in pkgutil.walk_packages(shendu.__path__, "shendu."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names, key=lambda n: (n.count("."), n))


def exported(module: ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            n
            for n, obj in vars(module).items()
            if not n.startswith("_") and getattr(obj, "__module__", None) == module.__name__
        ]
    return list(dict.fromkeys(names))


def defining_module(obj: object) -> str | None:
    if inspect.ismodule(obj):
        return None
    if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return getattr(obj, "__module__", None)
    return None


def is_public(module_name: str) -> bool:
    return not any(part.startswith("_") for part in module_name.split("."))


def page_path(module_name: str) -> str:
    """A package's page is its section's index page, a module's page its own."""
    path = "reference/" + module_name.replace(".", "/")
    return path + ("/index.md" if hasattr(loaded[module_name], "__path__") else ".md")


modules = public_modules()
home: dict[int, str] = {}  # id(object) -> the documented path
local: dict[str, list[str]] = {m: [] for m in modules}
links: dict[str, list[tuple[str, str]]] = {m: [] for m in modules}
loaded = {m: importlib.import_module(m) for m in modules}

# First pass: objects defined in public modules are documented there.
for name in modules:
    module = loaded[name]
    for attr in exported(module):
        obj = getattr(module, attr, None)
        if defining_module(obj) == name and id(obj) not in home:
            # Under its own name where it is exported as such (``gt``), not an alias (``greater = gt``).
            own = obj.__name__ if getattr(module, obj.__name__, None) is obj else attr
            local[name].append(own)
            home[id(obj)] = f"{name}.{own}"
# Second pass, from the top down: everything else is documented where first exported, or linked.
for name in modules:
    module = loaded[name]
    for attr in exported(module):
        obj = getattr(module, attr, None)
        if attr in local[name]:
            continue
        if inspect.ismodule(obj):
            if obj.__name__ in loaded:
                links[name].append((attr, obj.__name__))
            continue
        target = home.get(id(obj))
        if target is None and (defining_module(obj) is None or not is_public(defining_module(obj))):
            local[name].append(attr)
            home[id(obj)] = f"{name}.{attr}"
        elif target is not None:
            links[name].append((attr, target))


def has_docstring(obj: object) -> bool:
    """Classes and functions with their own docstring: what the reference renders (attributes need one too)."""
    if inspect.isclass(obj):
        return bool(obj.__dict__.get("__doc__"))  # its own, not one inherited from a base class
    return inspect.isfunction(obj) and bool(obj.__doc__)


def cell(text: str, limit: int = 100) -> str:
    """Text fit for one table cell: one line, no pipes, shortened."""
    text = " ".join(text.split()).replace("|", "\\|")
    if len(text) <= limit:
        return text
    text = text[: limit - 3]
    if text.count("`") % 2:  # do not leave a code span open
        text = text.rsplit("`", 1)[0]
    return text + "..."


nav = mkdocs_gen_files.Nav()
documented = 0
for name in modules:
    parts = tuple(name.split("."))
    nav[parts] = page_path(name).removeprefix("reference/")
    documented += sum(has_docstring(getattr(loaded[name], attr)) for attr in local[name])
    with mkdocs_gen_files.open(page_path(name), "w") as page:
        members = f"[{', '.join(local[name])}]" if local[name] else "false"
        page.write(f"::: {name}\n    options:\n      members: {members}\n\n")
        if links[name]:
            page.write("## Also available here\n\n")
            page.write("| name | documented at | summary |\n|---|---|---|\n")
            for attr, target in links[name]:
                summary = cell((inspect.getdoc(getattr(loaded[name], attr)) or "").split("\n", 1)[0])
                page.write(f"| `{attr}` | [`{target}`][{target}] | {summary} |\n")

with mkdocs_gen_files.open("reference/SUMMARY.md", "w") as summary:
    summary.write("* [Overview](index.md)\n")
    summary.writelines(nav.build_literate_nav())
with mkdocs_gen_files.open("reference/index.md", "w") as index:
    index.write(
        "# API reference\n\n"
        f"Generated from the docstrings: {len(modules)} public modules and {documented} public classes "
        "and functions, each documented where it is defined, with its methods; the pages of the "
        "namespaces that re-export a name (`shendu`, `shendu.nn`, `shendu.nn.functional`...) link "
        "to it.\n"
    )
