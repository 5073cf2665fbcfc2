"""``shendu.nn.summary``: a table of a model's layers, output shapes and parameter counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import _dtype
from .._checks import is_int
from ..autograd.grad_mode import no_grad
from ..ops.creation import zeros
from ..tensor import Tensor
from .module import Module

__all__ = ["LayerSummary", "ModelSummary", "summary"]

_MB = 1024.0**2


@dataclass
class LayerSummary:
    """One row of the table: a call of one submodule."""

    path: str
    type: str
    output_shape: Any = None
    params: int = 0


@dataclass
class ModelSummary:
    """What ``summary`` measured; ``str()`` gives the printed table."""

    layers: list[LayerSummary] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    non_trainable_params: int = 0
    input_size_mb: float = 0.0
    params_size_mb: float = 0.0
    buffers_size_mb: float = 0.0

    @property
    def model_size_mb(self) -> float:
        """Parameters and buffers, in MiB."""
        return self.params_size_mb + self.buffers_size_mb

    def __str__(self) -> str:
        header = ("Layer (path)", "Type", "Output Shape", "Param #")
        rows = [(row.path, row.type, _format_shape(row.output_shape), f"{row.params:,}") for row in self.layers]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
        widths = [max(w, 12) for w in widths]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(
                (cell.ljust(w) if i < 3 else cell.rjust(w)) for i, (cell, w) in enumerate(zip(cells, widths))
            ).rstrip()

        total_width = sum(widths) + 2 * 3
        thin, thick = "-" * total_width, "=" * total_width
        out = [thin, line(header), thick]
        out += [line(r) for r in rows]
        out += [
            thick,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            thin,
            f"Input size (MB): {self.input_size_mb:.2f}",
            f"Params size (MB): {self.params_size_mb:.2f}",
            f"Buffers size (MB): {self.buffers_size_mb:.2f}",
            f"Model size (MB): {self.model_size_mb:.2f}",
            thin,
        ]
        return "\n".join(out)

    __repr__ = __str__


def _shape_of(output: Any) -> Any:
    if isinstance(output, Tensor):
        return list(output.shape)
    if isinstance(output, (tuple, list)):
        return [_shape_of(item) for item in output]
    return type(output).__name__


def _format_shape(shape: Any) -> str:
    if shape is None:
        return "--"
    if isinstance(shape, list) and shape and isinstance(shape[0], (list, str)):
        return ", ".join(_format_shape(s) for s in shape)
    return str(shape)


def _as_sizes(input_size: Any) -> list[tuple[int, ...]]:
    if isinstance(input_size, (tuple, list)) and input_size and all(isinstance(s, int) for s in input_size):
        return [tuple(input_size)]
    if isinstance(input_size, (tuple, list)) and input_size and all(isinstance(s, (tuple, list)) for s in input_size):
        return [tuple(s) for s in input_size]
    raise ValueError(
        f"summary: input_size must be a shape such as (3, 32, 32) or a list of shapes, one per input, "
        f"got {input_size!r}"
    )


def summary(
    model: Module,
    input_size: Sequence[int] | Sequence[Sequence[int]],
    batch_size: int = 1,
    dtype: Any = None,
    device: Any = None,
    verbose: bool = True,
) -> ModelSummary:
    """Run one forward pass of zeros through ``model`` and tabulate every submodule it calls.

    Each row gives the submodule's path (``features.0``), its type, its output shape, and the number
    of parameters it owns directly (so the column adds up to the total). The totals split the
    parameters into trainable (``requires_grad``) and non-trainable ones, and the sizes are in MiB.
    The pass runs in eval mode under ``no_grad``, so running statistics and the random state are
    untouched; the model's training mode is restored afterwards.

    Args:
        model: the model.
        input_size: the shape of one input without the batch dimension, e.g. ``(3, 32, 32)``, or a
            list of such shapes for a model with several inputs.
        batch_size: the batch dimension of the made-up inputs. Default: 1.
        dtype: the inputs' dtype, or a list with one per input. Default: None (the default float dtype).
        device: where to create the inputs. Default: None (the device of the model's first parameter).
        verbose: print the table. Default: True.

    Returns:
        A ModelSummary; ``str()`` of it is the table.

    Example:
        >>> model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 26 * 26, 10))
        >>> s = nn.summary(model, (1, 28, 28), verbose=False)
        >>> s.total_params
        54170
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: expected an nn.Module, got {type(model).__name__}")
    if not is_int(batch_size, numpy=False) or batch_size < 1:
        raise ValueError(f"summary: batch_size must be a positive int, got {batch_size!r}")
    sizes = _as_sizes(input_size)
    dtypes = list(dtype) if isinstance(dtype, (list, tuple)) else [dtype] * len(sizes)
    if len(dtypes) != len(sizes):
        raise ValueError(f"summary: got {len(sizes)} input sizes but {len(dtypes)} dtypes")
    if device is None:
        first = next(iter(model.parameters()), None)
        device = first.device if first is not None else None
    inputs = [
        zeros((batch_size, *size), dtype=d or _dtype.get_default_dtype(), device=device)
        for size, d in zip(sizes, dtypes)
    ]

    result = ModelSummary()
    seen: set[int] = set()
    handles = []
    paths = {id(m): path for path, m in model.named_modules()}

    def before(module: Module, args: Any) -> None:
        params = 0 if id(module) in seen else sum(p.numel() for p in module.parameters(recurse=False))
        seen.add(id(module))
        result.layers.append(LayerSummary(paths[id(module)], type(module).__name__, None, params))
        module_rows.setdefault(id(module), []).append(result.layers[-1])

    def after(module: Module, args: Any, output: Any) -> None:
        module_rows[id(module)].pop().output_shape = _shape_of(output)

    module_rows: dict[int, list[LayerSummary]] = {}
    for _, module in model.named_modules():
        if module is model:
            continue
        handles.append(module.register_forward_pre_hook(before))
        handles.append(module.register_forward_hook(after))
    training = {id(m): m.training for m in model.modules()}
    try:
        model.eval()
        with no_grad():
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
        for m in model.modules():
            m.training = training[id(m)]

    params = list(model.parameters())
    result.total_params = sum(p.numel() for p in params)
    result.trainable_params = sum(p.numel() for p in params if p.requires_grad)
    result.non_trainable_params = result.total_params - result.trainable_params
    result.input_size_mb = sum(t.numel() * t.element_size() for t in inputs) / _MB
    result.params_size_mb = sum(p.numel() * p.element_size() for p in params) / _MB
    result.buffers_size_mb = sum(b.numel() * b.element_size() for b in model.buffers()) / _MB
    if verbose:
        print(result)
    return result
