"""Derivatives of whole functions: vector-Jacobian and Jacobian-vector products, Jacobians, Hessians.

The names and signatures are those of ``torch.autograd.functional``. Each helper calls the
function on fresh copies of the inputs and differentiates it with ``autograd.grad``; products with
a Jacobian use one backward pass, forward-mode products (``jvp``) and Hessian products use the
double-backward trick (a backward pass differentiated again), and full Jacobians and Hessians use
one backward pass per output element.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..errors import GraphError, ShapeError
from ..tensor import Tensor
from .grad_mode import enable_grad

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]

Inputs = Tensor | Sequence[Tensor]


def _tuple(op: str, name: str, value: Any) -> tuple[bool, tuple[Tensor, ...]]:
    """``(was_a_tuple, values)``; every value must be a tensor."""
    is_tuple = isinstance(value, (tuple, list))
    values = tuple(value) if is_tuple else (value,)
    for v in values:
        if not isinstance(v, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor or a tuple of Tensors, got {type(v).__name__}")
    return is_tuple, values


def _prepare(inputs: tuple[Tensor, ...], create_graph: bool) -> tuple[Tensor, ...]:
    """Inputs that require grad: linked to the callers' graph when building a graph, else detached."""
    if create_graph:
        return tuple(t.view_as(t) if t.requires_grad else t.detach().requires_grad_(True) for t in inputs)
    return tuple(t.detach().requires_grad_(True) for t in inputs)


def _finish(values: tuple[Any, ...], create_graph: bool) -> tuple[Any, ...]:
    if create_graph:
        return values
    return tuple(v.detach() if isinstance(v, Tensor) else v for v in values)


def _fill(grads: tuple[Tensor | None, ...], like: tuple[Tensor, ...], strict: bool, op: str) -> tuple[Tensor, ...]:
    """Zeros for the inputs that the outputs do not depend on (``strict`` makes that an error)."""
    from ..ops.creation import zeros_like

    filled = []
    for i, (g, t) in enumerate(zip(grads, like)):
        if g is None:
            if strict:
                raise GraphError(f"{op}: the output does not depend on input {i}, and strict=True")
            g = zeros_like(t)
        filled.append(g)
    return tuple(filled)


def _outputs(op: str, func: Callable[..., Any], inputs: tuple[Tensor, ...]) -> tuple[bool, tuple[Tensor, ...]]:
    with enable_grad():
        out = func(*inputs)
    return _tuple(op, "the function's output", out)


def _check_v(op: str, v: Any, like: tuple[Tensor, ...], what: str) -> tuple[Tensor, ...]:
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise GraphError(
                f"{op}: v can be omitted only when the {what} is a single tensor with one element; "
                f"got {len(like)} tensor(s) of shapes {[tuple(t.shape) for t in like]}"
            )
        from ..ops.creation import ones_like

        return (ones_like(like[0]),)
    _, vs = _tuple(op, "v", v)
    if len(vs) != len(like) or any(tuple(a.shape) != tuple(b.shape) for a, b in zip(vs, like)):
        raise ShapeError(
            f"{op}: v must match the {what} in number and shape: got shapes {[tuple(t.shape) for t in vs]}, "
            f"expected {[tuple(t.shape) for t in like]}"
        )
    return vs


def vjp(
    func: Callable[..., Any], inputs: Inputs, v: Inputs | None = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """The function's output and the product ``vᵀ J`` of a vector with its Jacobian.

    Args:
        func: a function of the inputs returning a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of tensors.
        v: one tensor per output, of its shape; may be omitted for a single one-element output.
        create_graph: make the result differentiable. Default: False.
        strict: raise when an output does not depend on an input, instead of returning zeros.
            Default: False.

    Example:
        >>> x = shendu.tensor([1.0, 2.0])
        >>> shendu.autograd.functional.vjp(lambda t: t ** 2, x, shendu.ones(2))[1]
        tensor([2., 4.])
    """
    in_tuple, ins = _tuple("vjp", "inputs", inputs)
    ins = _prepare(ins, create_graph)
    out_tuple, outs = _outputs("vjp", func, ins)
    vs = _check_v("vjp", v, outs, "output")
    from . import grad

    with enable_grad():
        grads = grad(outs, ins, vs, create_graph=create_graph, allow_unused=True)
    result = _finish(_fill(grads, ins, strict, "vjp"), create_graph)
    outs = _finish(outs, create_graph)
    return (outs if out_tuple else outs[0]), (result if in_tuple else result[0])


def jvp(
    func: Callable[..., Any], inputs: Inputs, v: Inputs | None = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """The function's output and the product ``J v`` of its Jacobian with a vector (forward-mode, by double backward).

    Example:
        >>> x = shendu.tensor([1.0, 2.0])
        >>> shendu.autograd.functional.jvp(lambda t: t ** 2, x, shendu.ones(2))[1]
        tensor([2., 4.])
    """
    _, ins = _tuple("jvp", "inputs", inputs)
    ins = _prepare(ins, create_graph)
    out_tuple, outs = _outputs("jvp", func, ins)
    vs = _check_v("jvp", v, ins, "inputs")
    from ..ops.creation import zeros_like
    from . import grad

    with enable_grad():
        # J v is the derivative of u -> (uᵀ J) v in u: a backward pass differentiated again.
        dummies = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        back = grad(outs, ins, dummies, create_graph=True, allow_unused=True)
        pairs = [(b, t) for b, t in zip(back, vs) if b is not None]
        if not pairs:
            result = tuple(zeros_like(o) for o in outs)
        else:
            found = grad(
                [b for b, _ in pairs], dummies, [t for _, t in pairs], create_graph=create_graph, allow_unused=True
            )
            result = _fill(found, outs, strict, "jvp")
    result = _finish(result, create_graph)
    outs = _finish(outs, create_graph)
    return (outs if out_tuple else outs[0]), (result if out_tuple else result[0])


def jacobian(
    func: Callable[..., Any],
    inputs: Inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of the function: for each output and input, a tensor of shape ``output.shape + input.shape``.

    Args:
        func: a function of the inputs returning a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of tensors.
        create_graph: make the result differentiable. Default: False.
        strict: raise when an output does not depend on an input, instead of returning zeros.
            Default: False.
        vectorize: PyTorch's switch to batch the backward passes (a speed-up only, with the same
            result); shendu runs one backward pass per output element either way. Default: False.
        strategy: ``"reverse-mode"`` or ``"forward-mode"``, which PyTorch accepts only with
            ``vectorize=True``; both give the same Jacobian here. Default: ``"reverse-mode"``.

    Returns:
        A tensor for one input and one output; a tuple over inputs for one output (or over outputs
        for one input); a tuple (over outputs) of tuples (over inputs) otherwise.

    Example:
        >>> shendu.autograd.functional.jacobian(lambda t: t ** 2, shendu.tensor([1.0, 2.0]))
        tensor([[2., 0.],
                [0., 4.]])
    """
    _check_options("jacobian", "strategy", strategy, vectorize, strict, create_graph)
    in_tuple, ins = _tuple("jacobian", "inputs", inputs)
    ins = _prepare(ins, create_graph)
    out_tuple, outs = _outputs("jacobian", func, ins)
    from ..ops.creation import zeros
    from ..ops.shape import stack
    from . import grad

    table = []
    for out in outs:
        flat = out.reshape(-1)
        rows: list[list[Tensor]] = [[] for _ in ins]
        for j in range(flat.shape[0]):
            with enable_grad():
                found = (
                    grad(flat[j], ins, retain_graph=True, create_graph=create_graph, allow_unused=True)
                    if flat.requires_grad
                    else (None,) * len(ins)
                )
            for k, g in enumerate(_fill(found, ins, strict, "jacobian")):
                rows[k].append(g)
        per_input = []
        for k, t in enumerate(ins):
            if rows[k]:
                block = stack(rows[k], 0).reshape(*out.shape, *t.shape)
            else:
                block = zeros(*out.shape, *t.shape, dtype=t.dtype, device=t.device)
            per_input.append(block)
        table.append(_finish(tuple(per_input), create_graph))
    if not out_tuple:
        return table[0] if in_tuple else table[0][0]
    return tuple(row if in_tuple else row[0] for row in table)


def hessian(
    func: Callable[..., Any],
    inputs: Inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of a scalar function: the Jacobian of its gradient.

    Args:
        func: a function of the inputs returning a tensor with one element.
        inputs: a tensor or a tuple of tensors.
        create_graph, strict, vectorize: as in ``jacobian``.
        outer_jacobian_strategy: ``strategy`` of the outer Jacobian, as in ``jacobian``.
            Default: ``"reverse-mode"``.

    Example:
        >>> shendu.autograd.functional.hessian(lambda t: (t ** 3).sum(), shendu.tensor([1.0, 2.0]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    in_tuple, _ = _tuple("hessian", "inputs", inputs)
    from . import grad

    def gradient(*values: Tensor) -> Any:
        out = func(*values)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise ShapeError(f"hessian: the function must return a tensor with one element, got {_describe(out)}")
        found = _fill(grad(out, values, create_graph=True, allow_unused=True), values, strict, "hessian")
        return found if in_tuple else found[0]

    _check_options("hessian", "outer_jacobian_strategy", outer_jacobian_strategy, vectorize, strict, create_graph)
    return jacobian(gradient, inputs, create_graph=create_graph, strict=strict)


def vhp(
    func: Callable[..., Any], inputs: Inputs, v: Inputs | None = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """The scalar function's output and the product ``vᵀ H`` of a vector with its Hessian (two backward passes)."""
    return _hessian_product("vhp", func, inputs, v, create_graph, strict)


def hvp(
    func: Callable[..., Any], inputs: Inputs, v: Inputs | None = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """The scalar function's output and the Hessian-vector product ``H v``.

    The Hessian of a twice continuously differentiable function is symmetric, so ``H v`` equals
    ``vᵀ H``, computed with two backward passes.

    Example:
        >>> f = lambda t: (t ** 3).sum()
        >>> shendu.autograd.functional.hvp(f, shendu.tensor([1.0, 2.0]), shendu.tensor([1.0, 1.0]))[1]
        tensor([ 6., 12.])
    """
    return _hessian_product("hvp", func, inputs, v, create_graph, strict)


def _hessian_product(
    op: str, func: Callable[..., Any], inputs: Inputs, v: Inputs | None, create_graph: bool, strict: bool
) -> tuple[Any, Any]:
    in_tuple, ins = _tuple(op, "inputs", inputs)
    ins = _prepare(ins, create_graph)
    _, outs = _outputs(op, func, ins)
    if len(outs) != 1 or outs[0].numel() != 1:
        raise ShapeError(f"{op}: the function must return a tensor with one element, got {_describe(outs)}")
    vs = _check_v(op, v, ins, "inputs")
    from ..ops.creation import zeros_like
    from . import grad

    with enable_grad():
        first = _fill(grad(outs[0], ins, create_graph=True, allow_unused=True), ins, strict, op)
        terms = [(g * t).sum() for g, t in zip(first, vs) if g.requires_grad]
        if terms:
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            result = _fill(grad(total, ins, create_graph=create_graph, allow_unused=True), ins, strict, op)
        else:
            result = tuple(zeros_like(t) for t in ins)
    result = _finish(result, create_graph)
    out = _finish(outs, create_graph)[0]
    return out, (result if in_tuple else result[0])


def _check_options(op: str, name: str, strategy: str, vectorize: bool, strict: bool, create_graph: bool) -> None:
    """PyTorch's rules for its ``vectorize`` and ``strategy`` options (which change only its speed)."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"{op}: {name} must be 'reverse-mode' or 'forward-mode', got {strategy!r}")
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError(f"{op}: {name}='forward-mode' needs vectorize=True, as in PyTorch")
    if strategy == "forward-mode" and create_graph:
        raise NotImplementedError(f"{op}: {name}='forward-mode' does not support create_graph=True, as in PyTorch")
    if vectorize and strict:
        raise ValueError(f"{op}: strict=True and vectorize=True cannot be used together, as in PyTorch")


def _describe(value: Any) -> str:
    if isinstance(value, Tensor):
        return f"shape {tuple(value.shape)}"
    if isinstance(value, tuple):
        return f"{len(value)} outputs"
    return type(value).__name__
