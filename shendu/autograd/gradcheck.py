"""Finite-difference gradient checking in float64."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..backend import CPU, to_device
from ..errors import DtypeError
from ..tensor import Tensor
from .grad_mode import enable_grad, no_grad

__all__ = ["gradcheck", "gradgradcheck"]

# PyTorch's other gradcheck options, with the values under which shendu's check is the same check:
# speed and tolerance knobs change nothing here, and checks of features shendu does not have (vmap,
# forward-mode AD, masked tensors) can only be left off.
_NEUTRAL_OPTIONS: dict[str, tuple[Any, ...] | None] = {
    "nondet_tol": None,
    "fast_mode": None,
    "check_undefined_grad": None,
    "check_backward_ad": (True,),
    "check_rev_over_rev": (True,),
    "gen_non_contig_grad_outputs": None,
    "check_batched_grad": (False,),
    "check_batched_forward_grad": (False,),
    "check_forward_ad": (False,),
    "check_fwd_over_rev": (False,),
    "masked": (None, False),
}


def _check_options(op: str, options: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for name, value in options.items():
        if name not in allowed:
            raise TypeError(f"{op}: unexpected keyword argument {name!r}")
        accepted = _NEUTRAL_OPTIONS[name]
        if accepted is not None and value not in accepted:
            raise NotImplementedError(
                f"{op}: {name}={value!r} is not supported (shendu checks reverse-mode gradients only); "
                f"leave it at {accepted[0]!r}"
            )


def _outputs(fn: Callable[..., Any], inputs: Sequence[Any]) -> list[Tensor]:
    out = fn(*inputs)
    outs = [out] if isinstance(out, Tensor) else list(out)
    return [o for o in outs if isinstance(o, Tensor) and o._array.dtype.kind == "f"]


def gradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    check_grad_dtypes: bool = False,
    **options: Any,
) -> bool:
    """Compare the analytic gradients of ``fn`` with central finite differences.

    Every floating-point input that requires grad must be float64, so that the finite
    differences are accurate. Each output is reduced with a fixed random weighting, so one
    backward pass checks the full Jacobian-vector product.

    Args:
        fn: a function of ``inputs`` returning a tensor or a sequence of tensors.
        inputs: a tensor or a sequence of arguments; tensors that require grad are checked.
        eps: the finite-difference step. Default: 1e-6.
        atol: absolute tolerance. Default: 1e-5.
        rtol: relative tolerance. Default: 1e-3.
        raise_exception: raise on a mismatch (printing both gradients) instead of returning False.
            Default: True.
        check_grad_dtypes: also require each gradient to have its input's dtype. Default: False.
        options: PyTorch's other options, accepted where they leave the check the same
            (``nondet_tol``, ``fast_mode``, ``check_undefined_grad``, and the checks of vmap and
            forward-mode AD left off).

    Returns:
        True when every gradient matches.

    Example:
        >>> x = shendu.randn(3, dtype=shendu.float64, requires_grad=True)
        >>> shendu.autograd.gradcheck(shendu.tanh, (x,))
        True
    """
    _check_options(
        "gradcheck",
        options,
        (
            "nondet_tol",
            "fast_mode",
            "check_undefined_grad",
            "check_backward_ad",
            "check_batched_grad",
            "check_batched_forward_grad",
            "check_forward_ad",
            "masked",
        ),
    )
    args = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    checked = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
    for t in checked:
        if t._array.dtype != np.float64:
            raise DtypeError(f"gradcheck: inputs that require grad must be float64, got {t.dtype}")
    rng = np.random.default_rng(0)
    outs = _outputs(fn, args)
    weights = [rng.standard_normal(o.shape) for o in outs]

    def weighted_sum() -> float:
        with no_grad():
            values = _outputs(fn, args)
        return float(sum((to_device(v._array, CPU) * w).sum() for v, w in zip(values, weights)))

    for t in checked:
        t.grad = None
    pairs = [(o, Tensor._make(to_device(w, o.device))) for o, w in zip(outs, weights) if o.requires_grad]
    if pairs:
        from . import backward

        backward([o for o, _ in pairs], [w for _, w in pairs])

    ok = True
    for index, t in enumerate(checked):
        if check_grad_dtypes and t.grad is not None and t.grad.dtype != t.dtype:
            ok = False
            if raise_exception:
                raise AssertionError(
                    f"gradcheck: the gradient of input {index} has dtype {t.grad.dtype} but the input has {t.dtype}"
                )
        analytic = np.zeros(t.shape) if t.grad is None else to_device(t.grad._array, CPU)
        numeric = np.zeros(t.shape)
        # Perturbing through an index into the original array (not a flat copy) works for any layout.
        for position in np.ndindex(*t.shape):
            original = t._array[position].item()
            t._array[position] = original + eps
            plus = weighted_sum()
            t._array[position] = original - eps
            minus = weighted_sum()
            t._array[position] = original
            numeric[position] = (plus - minus) / (2 * eps)
        if not np.allclose(analytic, numeric, atol=atol, rtol=rtol, equal_nan=True):
            ok = False
            if raise_exception:
                diff = np.abs(analytic - numeric).max()
                raise AssertionError(
                    f"gradcheck: the gradient of input {index} (shape {tuple(t.shape)}) does not match finite "
                    f"differences (max difference {diff:.3e}, atol {atol}, rtol {rtol})\n"
                    f"analytic:\n{analytic}\nnumeric:\n{numeric}"
                )
    for t in checked:
        t.grad = None
    return ok


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Any],
    grad_outputs: Tensor | Sequence[Tensor] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    check_grad_dtypes: bool = False,
    **options: Any,
) -> bool:
    """Check second derivatives: ``gradcheck`` of the first derivative (computed with ``create_graph=True``).

    The function checked maps the inputs and the output gradients to the input gradients, so the
    check covers the second derivative with respect to the inputs and the derivative with respect
    to the output gradients, as PyTorch's ``gradgradcheck`` does.

    Args:
        fn: a function of ``inputs`` returning a tensor or a sequence of tensors.
        inputs: a tensor or a sequence of arguments; float64 tensors that require grad are checked.
        grad_outputs: the gradients of the outputs (float64). Default: random, fixed by a seed.
        eps, atol, rtol, raise_exception, check_grad_dtypes: as in ``gradcheck``.
        options: PyTorch's other options, accepted where they leave the check the same
            (``nondet_tol``, ``fast_mode``, ``gen_non_contig_grad_outputs``, ``check_undefined_grad``,
            and the checks of vmap and forward-over-reverse AD left off).

    Example:
        >>> x = shendu.randn(3, dtype=shendu.float64, requires_grad=True)
        >>> shendu.autograd.gradgradcheck(lambda t: (t ** 3).sum(), (x,))
        True
    """
    from . import grad

    _check_options(
        "gradgradcheck",
        options,
        (
            "nondet_tol",
            "fast_mode",
            "gen_non_contig_grad_outputs",
            "check_undefined_grad",
            "check_rev_over_rev",
            "check_batched_grad",
            "check_fwd_over_rev",
            "masked",
        ),
    )
    args = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    checked = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    outs = _outputs(fn, args)
    if grad_outputs is None:
        rng = np.random.default_rng(1)
        given = [Tensor._make(to_device(rng.standard_normal(o.shape), o.device)) for o in outs]
    else:
        given = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    given = [g.detach().requires_grad_(True) for g in given]

    def first_derivative(*values: Any) -> tuple[Any, ...]:
        call = list(args)
        for i, v in zip(checked, values[: len(checked)]):
            call[i] = v
        # gradcheck evaluates this under no_grad for its finite differences; a derivative needs a graph.
        with enable_grad():
            found = grad(
                _outputs(fn, call),
                [call[i] for i in checked],
                list(values[len(checked) :]),
                create_graph=True,
                allow_unused=True,
            )
        return tuple(g for g in found if g is not None)

    return gradcheck(
        first_derivative,
        [args[i] for i in checked] + given,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        check_grad_dtypes=check_grad_dtypes,
    )
