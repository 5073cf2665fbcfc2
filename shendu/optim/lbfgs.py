"""L-BFGS: a quasi-Newton method that steers by the last few gradient differences, with an optional line search.

The arithmetic follows PyTorch's ``optim.LBFGS`` (itself modelled on minFunc) operation for
operation: the same two-loop recursion, first step length, stopping tests and strong-Wolfe line
search with cubic interpolation, on the parameters flattened into one vector. The scalars of the
recursion stay in the parameters' dtype, as PyTorch's 0-d tensors do, so a float64 problem
follows PyTorch's trajectory to rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .. import backend as _backend
from .._checks import is_int
from ..autograd import grad_mode
from ..errors import DeviceError
from ..tensor import Tensor
from .optimizer import Optimizer, check_non_negative

__all__ = ["LBFGS"]


def _dot(a: Any, b: Any) -> Any:
    """``a · b`` of two vectors; einsum sums as PyTorch's CPU dot does for short vectors (BLAS's dot does not)."""
    return _backend.get_array_module(a).einsum("i,i->", a, b)


def _cubic_minimum(x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any, bounds: tuple[Any, Any] | None = None) -> Any:
    """The minimizer, clipped to ``bounds``, of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2.

    When the cubic has no minimum (its discriminant is negative), the middle of the bounds.
    """
    low, high = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    square = d1**2 - g1 * g2
    if square < 0:
        return (low + high) / 2.0
    d2 = np.sqrt(square)
    if x1 <= x2:
        position = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        position = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(position, low), high)


def _strong_wolfe(
    evaluate: Callable[[Any], tuple[float, Any]],
    t: Any,
    d: Any,
    f: float,
    g: Any,
    gtd: Any,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, Any, Any, int]:
    """Find a step ``t`` along ``d`` that satisfies the strong Wolfe conditions (Nocedal & Wright, Alg. 3.5-3.6).

    ``evaluate(t)`` returns the loss and flat gradient at ``x + t·d``. First the step grows until it
    brackets an acceptable point, then the bracket shrinks by cubic interpolation ("zoom").
    Returns the loss, gradient and step of the best point found, and the number of evaluations.
    """
    xp = _backend.get_array_module(d)
    d_norm = xp.abs(d).max()
    f_new, g_new = evaluate(t)
    evaluations = 1
    gtd_new = _dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[Any] = []
    bracket_f: list[Any] = []
    bracket_g: list[Any] = []
    bracket_gtd: list[Any] = []
    while ls_iter < max_ls:
        # Too far (not enough decrease), or past a minimum: it lies between the last two steps.
        too_far = f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev)
        if not too_far and abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if too_far or gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # Still descending steeply: extrapolate to a longer step, at least 1% further, at most 10 times.
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        previous = t
        t = _cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = previous, f_new, g_new, gtd_new
        f_new, g_new = evaluate(t)
        evaluations += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]
    insufficient_progress = False
    # (A NaN loss compares false: a one-point bracket must still pick its one point.)
    low, high = (0, 1) if len(bracket) == 1 or bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        # A point too close to an end of the bracket shrinks it little: move it inside, unless the
        # previous point was already close (then once is allowed).
        top, bottom = max(bracket), min(bracket)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            if insufficient_progress or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = evaluate(t)
        evaluations += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = t, f_new, g_new, gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evaluations


class LBFGS(Optimizer):
    r"""Limited-memory BFGS, with PyTorch's algorithm, defaults and state.

    Each ``step(closure)`` runs up to ``max_iter`` iterations. An iteration approximates the
    inverse Hessian from the last ``history_size`` pairs of parameter and gradient changes
    (the two-loop recursion), steps along the resulting direction, and re-evaluates the closure.
    The first step of all has length ``min(1, 1 / |g|_1) · lr``; later ones ``lr``, or the step
    found by the strong-Wolfe line search. An iteration stops the step when the gradient's
    largest entry is at most ``tolerance_grad``, when the step or the loss change falls below
    ``tolerance_change``, or when ``max_eval`` evaluations are spent. The state carries over
    from one ``step`` to the next.

    Suited to full-batch, deterministic problems of modest size; it keeps
    ``(history_size + 1)`` copies of the flattened parameters. There is one parameter group,
    and all parameters live on one device. In float32, rounding can tip the line search's
    decisions, so long runs may part from PyTorch's; in float64 they follow it.

    Args:
        params: the tensors to optimize.
        lr: the learning rate (the step length without a line search). Default: 1.
        max_iter: the most iterations per ``step`` (0: only evaluate the closure). Default: 20.
        max_eval: the most closure evaluations per ``step``; iterations stop once it is reached.
            Default: None, meaning ``max_iter * 5 // 4``.
        tolerance_grad: stop when the largest absolute gradient entry is at most this. Default: 1e-7.
        tolerance_change: stop when the step or the loss change is below this. Default: 1e-9.
        history_size: the number of correction pairs kept. Default: 100.
        line_search_fn: ``"strong_wolfe"`` or None. Default: None.

    Example:
        >>> x = shendu.tensor([-1.5, 2.0], dtype=shendu.float64, requires_grad=True)
        >>> opt = shendu.optim.LBFGS([x], line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        ...     loss.backward()
        ...     return loss
        >>> for _ in range(5):
        ...     _ = opt.step(closure)
        >>> [round(v, 4) for v in x.tolist()]
        [1.0, 1.0]
    """

    _state_matches_params = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if max_eval is None and isinstance(max_iter, int):
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError(
                f"LBFGS: per-parameter options (parameter groups) are not supported, got {len(self.param_groups)} "
                "groups; pass one list of parameters"
            )
        self._params: list[Tensor] = self.param_groups[0]["params"]
        first = self._params[0]
        for i, p in enumerate(self._params[1:], start=1):
            if type(p._array) is not type(first._array) or p.device != first.device:
                raise DeviceError(
                    f"LBFGS: all parameters must be on one device, but parameter 0 is on {first.device} and "
                    f"parameter {i} on {p.device}"
                )
        # The flat vectors take the widest dtype, as PyTorch's concatenation of the gradients does.
        self._dtype = np.result_type(*(p._array.dtype for p in self._params))

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_non_negative("LBFGS", "lr", "learning rate", group["lr"])
        check_non_negative("LBFGS", "tolerance_grad", "tolerance_grad", group["tolerance_grad"])
        check_non_negative("LBFGS", "tolerance_change", "tolerance_change", group["tolerance_change"])
        for name, least in (("max_iter", 0), ("max_eval", 0), ("history_size", 1)):
            value = group[name]
            if not is_int(value):
                raise TypeError(f"LBFGS: {name} must be an int, got {type(value).__name__} {value!r}")
            if value < least:
                raise ValueError(f"LBFGS: invalid {name}: {value}; {name} must be an int >= {least}")
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(
                f"LBFGS: line_search_fn must be None or 'strong_wolfe' (the only line search), "
                f"got {group['line_search_fn']!r}"
            )

    # ------------------------------------------------------------------ the flat parameter vector
    def _flat_grad(self) -> Any:
        """Every parameter's gradient, flattened and joined in order; zeros for a parameter without one."""
        xp = _backend.get_array_module(self._params[0]._array)
        views = []
        for p in self._params:
            if p.grad is None:
                views.append(xp.zeros(p._array.size, self._dtype))
            else:
                views.append(p.grad._array.reshape(-1))
        return xp.concatenate(views)

    def _add_grad(self, step: Any, direction: Any) -> None:
        """Move the parameters by ``step · direction`` in place."""
        xp = _backend.get_array_module(direction)
        offset = 0
        for p in self._params:
            array = p._array
            view = direction[offset : offset + array.size].reshape(array.shape)
            xp.add(array, view * step, out=array)
            p._vc[0] += 1
            offset += array.size

    def _set_params(self, arrays: list[Any]) -> None:
        xp = _backend.get_array_module(arrays[0])
        for p, array in zip(self._params, arrays):
            xp.copyto(p._array, array)
            p._vc[0] += 1

    @staticmethod
    def _call(closure: Callable[[], Any]) -> Any:
        with grad_mode.enable_grad():
            return closure()

    # ------------------------------------------------------------------ the state, as PyTorch keeps it
    def _load_state(self, state: dict[str, Any]) -> dict[str, Any]:
        """The step's working values from ``state``: tensors as raw arrays, 0-d tensors as scalars."""

        def raw(value: Any) -> Any:
            if isinstance(value, Tensor):
                return value._array if value.ndim else value._array[()]
            if isinstance(value, list):
                return [raw(v) for v in value]
            return value

        keys = ("d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss", "al")
        return {k: raw(state.get(k)) for k in keys}

    @staticmethod
    def _save_state(state: dict[str, Any], values: dict[str, Any]) -> None:
        def wrap(value: Any) -> Any:
            if isinstance(value, list):
                return [wrap(v) for v in value]
            if value is None or (isinstance(value, (int, float)) and not isinstance(value, np.generic)):
                return value
            array = value if hasattr(value, "ndim") and not isinstance(value, np.generic) else np.asarray(value)
            return Tensor._make(array)

        for key, value in values.items():
            if value is not None or key in state:
                state[key] = wrap(value)

    # ------------------------------------------------------------------ step
    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` iterations of L-BFGS; returns the loss of the closure's first evaluation.

        Args:
            closure: a function that zeroes the gradients, re-evaluates the model, calls
                ``backward`` and returns the loss. L-BFGS calls it several times per step.
        """
        if closure is None or not callable(closure):
            raise TypeError(
                "LBFGS.step: needs a closure that zeroes the gradients, re-evaluates the model, calls backward() "
                f"and returns the loss, e.g. optimizer.step(closure); got {closure!r}"
            )
        group = self.param_groups[0]
        lr, max_iter, max_eval = float(group["lr"]), group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search, history_size = group["line_search_fn"], group["history_size"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = self._call(closure)
        loss = float(orig_loss)
        evaluations = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if flat_grad.size == 0:
            raise ValueError("LBFGS.step: the parameters hold no elements; there is nothing to optimize")
        xp = _backend.get_array_module(flat_grad)
        if xp.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        v = self._load_state(state)
        d, t, old_dirs, old_stps, ro = v["d"], v["t"], v["old_dirs"], v["old_stps"], v["ro"]
        h_diag, prev_flat_grad, prev_loss, al = v["H_diag"], v["prev_flat_grad"], v["prev_loss"], v["al"]
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = _dot(y, s)
                # Keep a pair only when it has positive curvature, so the approximation stays positive definite.
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / _dot(y, y)
                if al is None:
                    al = [None] * history_size
                # The two-loop recursion: d = -H·g with H built from the stored pairs.
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = _dot(old_stps[i], q) * ro[i]
                    q += old_dirs[i] * -al[i]
                d = q * h_diag
                for i in range(len(old_dirs)):
                    be_i = _dot(old_dirs[i], d) * ro[i]
                    d += old_stps[i] * (al[i] - be_i)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            if state["n_iter"] == 1:
                inverse = 1.0 / xp.abs(flat_grad).sum()
                t = (inverse if inverse < 1.0 else 1.0) * lr
            else:
                t = lr
            gtd = _dot(flat_grad, d)
            if gtd > -tolerance_change:
                break  # not a descent direction
            spent = 0
            if line_search is not None:
                start = [p._array.copy() for p in self._params]

                def evaluate(step: Any, start: list[Any] = start, d: Any = d) -> tuple[float, Any]:
                    self._add_grad(step, d)
                    value = float(self._call(closure))
                    gradient = self._flat_grad()
                    self._set_params(start)
                    return value, gradient

                loss, flat_grad, t, spent = _strong_wolfe(
                    evaluate, t, d, loss, flat_grad, gtd, max_ls=max_eval - evaluations
                )
                self._add_grad(t, d)
                optimal = xp.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                optimal = False
                if n_iter != max_iter:
                    loss = float(self._call(closure))
                    flat_grad = self._flat_grad()
                    optimal = xp.abs(flat_grad).max() <= tolerance_grad
                    spent = 1
            evaluations += spent
            state["func_evals"] += spent
            if n_iter == max_iter or evaluations >= max_eval or optimal:
                break
            if xp.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break
        self._save_state(
            state,
            {
                "d": d,
                "t": float(t) if t is not None else None,
                "old_dirs": old_dirs,
                "old_stps": old_stps,
                "ro": ro,
                "H_diag": h_diag,
                "prev_flat_grad": prev_flat_grad,
                "prev_loss": prev_loss,
                "al": al,
            },
        )
        return orig_loss
