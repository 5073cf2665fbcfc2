"""Containers: Sequential, ModuleList and ModuleDict."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..._checks import is_int
from ..module import Module, _addindent

__all__ = ["ModuleDict", "ModuleList", "Sequential"]


def _check_module(op: str, value: Any) -> Module:
    if not isinstance(value, Module):
        raise TypeError(f"{op}: expected an nn.Module, got {type(value).__name__}")
    return value


class _IndexedContainer(Module):
    """Shared code of Sequential and ModuleList: children keyed "0", "1", ... in order."""

    def _index(self, idx: Any) -> int:
        if not is_int(idx, numpy=False):
            raise TypeError(f"{type(self).__name__}: indices must be ints or slices, got {type(idx).__name__} {idx!r}")
        size = len(self._modules)
        if not -size <= idx < size:
            raise IndexError(f"{type(self).__name__}: index {idx} is out of range for a container of length {size}")
        return idx % size

    def _renumber(self, modules: list[Module]) -> None:
        self._modules.clear()
        for i, module in enumerate(modules):
            self._register_child(str(i), module)

    def _from_modules(self, modules: list[Module]) -> Any:
        # Slices share the modules, which keep the path of the container they belong to.
        out = type(self).__new__(type(self))
        Module.__init__(out)
        for i, module in enumerate(modules):
            out._modules[str(i)] = module
        return out

    def __getitem__(self, idx: int | slice) -> Any:
        values = list(self._modules.values())
        if isinstance(idx, slice):
            return self._from_modules(values[idx])
        return values[self._index(idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        _check_module(f"{type(self).__name__}.__setitem__", module)
        self._register_child(str(self._index(idx)), module)

    def __delitem__(self, idx: int | slice) -> None:
        values = list(self._modules.values())
        if isinstance(idx, slice):
            drop = set(range(len(values))[idx])
        else:
            drop = {self._index(idx)}
        self._renumber([m for i, m in enumerate(values) if i not in drop])

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._modules.values())

    def __dir__(self) -> list[str]:
        return [key for key in super().__dir__() if not key.isdigit()]

    def append(self, module: Module) -> Any:
        """Add ``module`` at the end; returns self."""
        _check_module(f"{type(self).__name__}.append", module)
        self._register_child(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Any:
        """Add every module of ``modules`` at the end; returns self."""
        if not isinstance(modules, Iterable):
            raise TypeError(f"{type(self).__name__}: expected an iterable of modules, got {type(modules).__name__}")
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> Any:
        """Insert ``module`` before position ``index`` (negative indices count from the end); returns self."""
        _check_module(f"{type(self).__name__}.insert", module)
        values = list(self._modules.values())
        size = len(values)
        if not isinstance(index, int) or not -size <= index <= size:
            raise IndexError(f"{type(self).__name__}.insert: index {index} is out of range for length {size}")
        values.insert(index if index >= 0 else index + size, module)
        self._renumber(values)
        return self

    def pop(self, idx: int = -1) -> Module:
        """Remove the module at ``idx`` and return it."""
        module = self[idx]
        del self[idx]
        return module

    def __add__(self, other: Any) -> Any:
        if not isinstance(other, type(self)):
            raise TypeError(
                f"{type(self).__name__}: can only add another {type(self).__name__}, got {type(other).__name__}"
            )
        out = type(self)()
        out.extend(list(self) + list(other))
        return out

    def __iadd__(self, other: Iterable[Module]) -> Any:
        return self.extend(other)


class Sequential(_IndexedContainer):
    """A chain of modules: the output of each is the input of the next.

    Args:
        *args: the modules in order, or one OrderedDict mapping names to modules.

    Shape:
        - Input: whatever the first module takes.
        - Output: whatever the last module returns.

    Example:
        >>> model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
        >>> model[0]
        Linear(in_features=784, out_features=128, bias=True)
        >>> model[-2:]
        Sequential(
          (1): ReLU()
          (2): Linear(in_features=128, out_features=10, bias=True)
        )
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), _check_module("Sequential", module))

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            items = list(self._modules.items())[idx]
            out = Sequential()
            out._modules.update(items)
            return out
        return super().__getitem__(idx)

    def __setitem__(self, idx: int, module: Module) -> None:
        _check_module("Sequential.__setitem__", module)
        key = list(self._modules)[self._index(idx)]
        self._register_child(key, module)

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_IndexedContainer):
    """A list of modules, registered so that their parameters belong to the owner.

    Args:
        modules: an iterable of modules. Default: None (empty).

    Example:
        >>> layers = nn.ModuleList([nn.Linear(64, 64) for _ in range(4)])
        >>> x = shendu.randn(2, 64)
        >>> for layer in layers:
        ...     x = layer(x)
        >>> len(layers), len(list(layers.parameters()))
        (4, 8)
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "ModuleList has no forward: iterate over it and call the modules yourself, or use nn.Sequential"
        )

    def _child_repr_lines(self) -> list[str]:
        # Runs of identical children print once, as PyTorch does: "(0-2): 3 x Linear(...)".
        lines: list[str] = []
        reprs = [repr(m) for m in self._modules.values()]
        start = 0
        while start < len(reprs):
            end = start
            while end + 1 < len(reprs) and reprs[end + 1] == reprs[start]:
                end += 1
            text = _addindent(reprs[start], 2)
            if end == start:
                lines.append(f"({start}): {text}")
            else:
                lines.append(f"({start}-{end}): {end - start + 1} x {text}")
            start = end + 1
        return lines


class ModuleDict(Module):
    """A dict of modules, registered so that their parameters belong to the owner; keeps insertion order.

    Args:
        modules: a mapping (or iterable of pairs) from names to modules. Default: None (empty).

    Example:
        >>> heads = nn.ModuleDict({"cls": nn.Linear(64, 10), "box": nn.Linear(64, 4)})
        >>> heads["box"](shendu.randn(2, 64)).shape
        shendu.Size([2, 4])
        >>> list(heads.keys())
        ['cls', 'box']
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleDict has no forward: look up a module by key and call it")

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyError(f"ModuleDict: no module named {key!r}; keys are {list(self._modules)}")
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _check_module("ModuleDict.__setitem__", module))

    def __delitem__(self, key: str) -> None:
        if key not in self._modules:
            raise KeyError(f"ModuleDict: no module named {key!r}; keys are {list(self._modules)}")
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        """The names, in insertion order."""
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        """The ``(name, module)`` pairs, in insertion order."""
        return self._modules.items()

    def values(self) -> Iterable[Module]:
        """The modules, in insertion order."""
        return self._modules.values()

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def pop(self, key: str) -> Module:
        """Remove the module named ``key`` and return it."""
        module = self[key]
        del self[key]
        return module

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace modules from a mapping or an iterable of ``(name, module)`` pairs."""
        if not isinstance(modules, Iterable):
            raise TypeError(f"ModuleDict: expected a mapping or (name, module) pairs, got {type(modules).__name__}")
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"ModuleDict.update: expected (name, module) pairs, got {pair!r}")
            self[pair[0]] = pair[1]
