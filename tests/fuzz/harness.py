"""The engine behind the fuzz tests: hostile inputs, and the judge that runs them in torch and shendu.

A fuzz case is a call description built from plain Python values and three markers that each library
turns into its own objects: ``T`` (a tensor made from a NumPy array), ``D`` (a dtype by name) and
``P`` (a parameter, for optimizers). ``judge`` runs the same description through torch and shendu
and raises ``AssertionError`` when shendu misbehaves; the rules are in the docstring
of ``tests/fuzz/__init__.py``.
"""

from __future__ import annotations

import math
import re
import signal
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import shendu
from tests.helpers import COUNTS, TORCH_DTYPES, _flatten

SHENDU_ROOT = str(Path(shendu.__file__).parent)
WARNED: Counter[str] = Counter()  # calls per target that let a NumPy RuntimeWarning through
CALL_SECONDS = 10.0

FLOATS = ("float32", "float64", "float16")
INTS = ("int64", "int32", "uint8", "int8")
DTYPES = ("float32", "float32", "float64", "float16", "int64", "int32", "uint8", "bool")
BAD_DEVICES = ("tpu", "cuda:x", "gpu", "cpu:1", "cuda:-1", "", 7)
MODES = ("normal", "normal", "normal", "special", "huge", "nan", "inf")
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0])  # 1e38 is the "huge" mode's
HUGE_SIZES = (2**40, 2**62)
# Torch refusals that shendu need not copy: argument parsing (shendu's functions double as Tensor
# methods and take Python scalars where torch insists on tensors), missing float16 kernels, and
# gradients that torch leaves unimplemented.
LENIENT = re.compile(
    "|".join(
        (
            r"invalid combination of arguments",
            r"missing \d+ required positional",
            r"takes \d+ positional arguments? but",
            r"argument '\w+' \(position \d+\) must be",
            r"not implemented for '\w+'",
            r"derivative for .* is not implemented",
            r"is not differentiable with respect to argument",
            r"Autograd not support dtype",
            r"Found dtype \w+ but expected \w+",  # torch's backward of some losses with mixed dtypes
            r"index 0 out of range for tensor of size \[0\]",  # torch's norms on empty batches
            r"tensor does not have a device",  # torch's group_norm backward on an empty batch
            r"Dimension specified as -?\d+ but tensor has no dimensions",  # dims 0 and -1 of a 0-d tensor
            r"INTERNAL ASSERT FAILED",  # torch's own bugs
            # shendu's documented in-place policy: with autograd in the way, the result comes out of place.
            r"a leaf Variable that requires grad is being used in an in-place operation",
        )
    )
)
# Calls torch accepts that shendu refuses on purpose: "cpu:1" (torch ignores a CPU index), bools among
# sizes (torch reads True as 1), and in-place changes to a leaf that requires grad (torch lets them
# through only when the tensor is empty).
STRICT = re.compile(
    r"the CPU has no index|size must be a sequence of ints, got bool|a leaf tensor that requires grad cannot be changed"
)


@dataclass
class T:
    """A tensor: ``array`` copied into each library, optionally requiring grad."""

    array: np.ndarray
    grad: bool = False
    huge: bool = False

    def __repr__(self) -> str:
        a = self.array
        body = np.array2string(a, threshold=12, edgeitems=2, precision=4, separator=",").replace("\n", "")
        return f"tensor({body}, shape={a.shape}, dtype={a.dtype}{', requires_grad' if self.grad else ''})"


@dataclass
class P(T):
    """A parameter (a leaf that requires grad) for optimizer cases, with ``grad_array`` as its gradient."""

    grad_array: np.ndarray | None = None

    def __repr__(self) -> str:
        grad = "None" if self.grad_array is None else repr(T(self.grad_array))
        return f"Parameter({T.__repr__(self)}, grad={grad})"


@dataclass(frozen=True)
class D:
    """A dtype by name: ``torch.float32`` / ``shendu.float32``."""

    name: str

    def __repr__(self) -> str:
        return f"<{self.name}>"


@dataclass
class Call:
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return "(" + ", ".join(parts) + ")"


def make_array(shape: tuple[int, ...], dtype: str, mode: str, seed: int) -> np.ndarray:
    """Values for a tensor: ``mode`` is normal, special (a NaN/inf/1e38 mix), huge, nan or inf."""
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return np.asarray(rng.random(shape) < 0.5)
    kind = np.dtype(dtype)
    if kind.kind in "iu":
        info = np.iinfo(kind)
        if mode in ("huge", "special"):
            pool = np.array([info.min, info.max, 0, 1, info.max - 1], dtype=kind)
            return np.asarray(rng.choice(pool, size=shape))
        low = 0 if kind.kind == "u" else -3
        return np.asarray(rng.integers(low, 4, size=shape), dtype=kind)
    values = rng.standard_normal(shape)
    if mode == "special":
        values = np.where(rng.random(shape) < 0.5, rng.choice(SPECIAL, size=shape), values)
    elif mode == "huge":
        values = rng.choice(np.array([1e38, -1e38, 3e38, -3e38, 1e30]), size=shape)
    elif mode == "nan":
        values = np.full(shape, np.nan)
    elif mode == "inf":
        values = rng.choice(np.array([np.inf, -np.inf]), size=shape)
    with np.errstate(over="ignore"):
        return np.asarray(values, dtype=kind)


class Draw:
    """Convenience draws over hypothesis's ``st.data()``, so that argument patterns read as plain code."""

    def __init__(self, data: Any) -> None:
        self.data = data

    def __call__(self, strategy: st.SearchStrategy[Any]) -> Any:
        return self.data.draw(strategy)

    def choice(self, options: Iterable[Any]) -> Any:
        return self.data.draw(st.sampled_from(tuple(options)))

    def int(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))

    def bool(self) -> bool:
        return self.data.draw(st.booleans())

    def maybe(self, probability_true: float = 0.3) -> bool:
        """True with roughly ``probability_true``, for the rarer hostile branches."""
        return self.data.draw(st.integers(0, 99)) < probability_true * 100

    def shape(self, min_rank: int = 0, max_rank: int = 4, low: int = 0, high: int = 4) -> tuple[int, ...]:
        rank = self.int(min_rank, max_rank)
        return tuple(self.int(low, high) for _ in range(rank))

    def dtype(self, options: Iterable[str] = DTYPES) -> str:
        return self.choice(options)

    def mode(self) -> str:
        return self.choice(MODES)

    def tensor(
        self,
        shape: tuple[int, ...] | None = None,
        dtype: str | Iterable[str] | None = None,
        mode: str | None = None,
        min_rank: int = 0,
        max_rank: int = 4,
        grad: bool | None = None,
        low: int = 0,
        high: int = 4,
    ) -> T:
        if shape is None:
            shape = self.shape(min_rank, max_rank, low, high)
        if dtype is None:
            dtype = self.dtype()
        elif not isinstance(dtype, str):
            dtype = self.choice(dtype)
        mode = mode or self.mode()
        seed = self.int(0, 2**16)
        array = make_array(shape, dtype, mode, seed)
        if grad is None:
            grad = dtype in ("float32", "float64") and self.maybe(0.4)
        # Extreme ints overflow at different steps in torch's and NumPy's integer arithmetic.
        huge = mode == "huge" or (mode == "special" and np.dtype(dtype).kind in "iu")
        return T(array, grad=bool(grad) and dtype in FLOATS, huge=huge)

    def index(self, shape: tuple[int, ...], high: int, dtype: str = "int64") -> T:
        """An integer index tensor of ``shape``, mostly in [0, high) with occasional out-of-range values."""
        seed = self.int(0, 2**16)
        rng = np.random.default_rng(seed)
        low, top = (-high - 2, high + 2) if self.maybe(0.25) else (0, max(high, 1))
        return T(np.asarray(rng.integers(low, top, size=shape), dtype=dtype))

    def scalar(self) -> Any:
        return self.choice((0, 1, -1, 2, 0.5, -2.5, True, False, math.nan, math.inf, -math.inf, 1e38, 2**63 - 1))

    def dim(self, ndim: int) -> int:
        """A dim, usually valid for ``ndim`` dimensions, sometimes out of range."""
        span = max(ndim, 1)
        return self.int(-span - 2, span + 1) if self.maybe(0.2) else self.int(-span, span - 1)

    def device(self) -> Any:
        return self.choice((None, None, None, "cpu", *BAD_DEVICES))


def to_lib(lib: Any, spec: Any) -> Any:
    """Turn a call description into ``lib``'s objects (fresh tensors each time, so in-place ops cannot leak)."""
    if isinstance(spec, T):
        array = spec.array.copy()
        if lib is torch:
            t = torch.from_numpy(array)
        else:
            t = shendu.from_numpy(array)
        if isinstance(spec, P):
            t = torch.nn.Parameter(t) if lib is torch else shendu.nn.Parameter(t)
            if spec.grad_array is not None:
                g = spec.grad_array.copy()
                t.grad = torch.from_numpy(g) if lib is torch else shendu.from_numpy(g)
        elif spec.grad:
            t.requires_grad_(True)
        return t
    if isinstance(spec, D):
        return getattr(lib, spec.name)
    if isinstance(spec, list):
        return [to_lib(lib, s) for s in spec]
    if isinstance(spec, tuple):
        return tuple(to_lib(lib, s) for s in spec)
    if isinstance(spec, dict):
        return {k: to_lib(lib, v) for k, v in spec.items()}
    return spec


def has_nonfinite(spec: Any) -> bool:
    """Whether any tensor or number in the call is NaN or infinite.

    At such inputs each library's gradient follows its own arithmetic (torch's softsign(-inf) has the
    gradient NaN where the derivative's limit is 0; its l1_loss at NaN has 0), so gradient values are
    compared only where every input is finite.
    """
    if isinstance(spec, T):
        return spec.array.dtype.kind == "f" and not np.isfinite(spec.array).all()
    if isinstance(spec, (list, tuple)):
        return any(has_nonfinite(s) for s in spec)
    if isinstance(spec, dict):
        return any(has_nonfinite(s) for s in spec.values())
    return isinstance(spec, float) and not math.isfinite(spec)


def has_huge(spec: Any) -> bool:
    """Whether any tensor in the call holds huge values, where float rounding order decides inf or not."""
    if isinstance(spec, T):
        return spec.huge
    if isinstance(spec, (list, tuple)):
        return any(has_huge(s) for s in spec)
    if isinstance(spec, dict):
        return any(has_huge(s) for s in spec.values())
    if isinstance(spec, float):
        return math.isfinite(spec) and abs(spec) >= 1e30
    if isinstance(spec, int):
        return abs(spec) >= 2**31  # integer overflow: torch and NumPy wrap at different steps
    return False


# --------------------------------------------------------------------------------------------- running


class Hang(BaseException):
    """Raised by the alarm when a call runs past ``CALL_SECONDS``; a BaseException so no ``except`` eats it."""


def _alarm(signum: int, frame: Any) -> None:
    raise Hang


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None
    warnings: list[warnings.WarningMessage] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


def run(fn: Callable[[], Any], limit: float | None = None) -> Outcome:
    """Call ``fn`` under a time limit, catching its exception and the warnings it emits."""
    out = Outcome()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if limit is not None:
            previous = signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            out.value = fn()
        except Hang:
            out.error = Hang(f"no result after {limit} s")
        except Exception as exc:
            out.error = exc
        finally:
            if limit is not None:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
    out.warnings = list(caught)
    return out


def _innermost_file(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    return tb[-1].filename if tb else ""


def _names_op(message: str, names: Iterable[str]) -> bool:
    """Whether ``message`` starts with one of ``names`` (after an optional ``path (Layer): `` prefix)."""
    for name in names:
        pattern = rf"^(?:[\w.]+ \({re.escape(name)}\): |{re.escape(name)}(?::|\(| \(|\.\w+:))"
        if re.match(pattern, message):
            return True
    return False


def error_problem(exc: BaseException, names: Iterable[str]) -> str | None:
    """Why ``exc`` is not an acceptable shendu error, or None when it is (the rule is in ``tests/fuzz/__init__.py``)."""
    if isinstance(exc, Hang):
        return "hang: " + str(exc)
    shendu_error = isinstance(exc, shendu.ShenduError)
    family = isinstance(exc, (ValueError, TypeError, RuntimeError)) or (shendu_error and isinstance(exc, IndexError))
    if not family:
        return f"{type(exc).__module__}.{type(exc).__name__} escaped"
    if not shendu_error:
        if type(exc) not in (ValueError, TypeError, NotImplementedError):
            return f"{type(exc).__module__}.{type(exc).__name__} escaped (not a shendu error)"
        if not _innermost_file(exc).startswith(SHENDU_ROOT):
            return f"{type(exc).__name__} raised outside shendu ({_innermost_file(exc)})"
    if not _names_op(str(exc), names):
        return f"the message does not start with the op's name ({' / '.join(names)})"
    return None


def _np_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [f"{w.category.__name__}: {w.message}" for w in caught if issubclass(w.category, RuntimeWarning)]


def _dtype_name(value: Any) -> str:
    return TORCH_DTYPES.get(value.dtype, str(value.dtype)) if isinstance(value, torch.Tensor) else value.dtype.name


def _values_differ(got: np.ndarray, want: np.ndarray) -> str | None:
    if want.dtype.kind in "biu":
        if not np.array_equal(got, want):
            return "values differ"
        return None
    got64, want64 = got.astype(np.float64), want.astype(np.float64)
    if not np.array_equal(np.isnan(got64), np.isnan(want64)):
        return "NaN positions differ"
    finite = np.isfinite(want64) & np.isfinite(got64)
    if not np.array_equal(got64[~finite & ~np.isnan(want64)], want64[~finite & ~np.isnan(want64)]):
        return "inf positions differ"
    tol = 2e-2 if want.dtype == np.float16 else 1e-3
    if not np.allclose(got64[finite], want64[finite], rtol=tol, atol=tol):
        return "values differ"
    return None


def compare(t_out: Any, s_out: Any, values: bool) -> str | None:
    """Why shendu's result differs from torch's (shape, dtype, structure, values), or None."""
    t_flat, s_flat = _flatten(t_out), _flatten(s_out)
    if len(t_flat) != len(s_flat):
        return f"torch returned {len(t_flat)} results, shendu {len(s_flat)}"
    for i, (t, s) in enumerate(zip(t_flat, s_flat)):
        if isinstance(t, torch.Tensor):
            if not isinstance(s, shendu.Tensor):
                return f"result {i}: torch gives a Tensor, shendu a {type(s).__name__}"
            if tuple(s.shape) != tuple(t.shape):
                return f"result {i}: shape {tuple(s.shape)} != torch's {tuple(t.shape)}"
            if _dtype_name(s) != _dtype_name(t):
                return f"result {i}: dtype {_dtype_name(s)} != torch's {_dtype_name(t)}"
            if values:
                why = _values_differ(s.detach().numpy(force=True), t.detach().numpy())
                if why:
                    return f"result {i}: {why}: shendu {s.detach().numpy(force=True)!r} torch {t.detach().numpy()!r}"
        elif isinstance(t, torch.dtype):
            if getattr(s, "name", None) != TORCH_DTYPES.get(t):
                return f"result {i}: dtype {s!r} != torch's {t}"
        elif isinstance(t, (bool, int, float)) and values:
            if isinstance(t, float) and isinstance(s, (int, float)):
                same = math.isclose(s, t, rel_tol=1e-6, abs_tol=1e-12) or (math.isnan(t) and math.isnan(s))
            else:
                same = s == t
            if not same:
                return f"result {i}: {s!r} != torch's {t!r}"
    return None


@dataclass
class Case:
    """One fuzz target: the shendu callable, its torch twin (None when torch has none) and its names."""

    name: str
    shendu_fn: Callable[..., Any]
    torch_fn: Callable[..., Any] | None
    names: tuple[str, ...]
    values: bool = True
    backward: bool = True
    # Compare gradient values too (False where torch's gradient is a different but valid subgradient).
    grad_values: bool = True
    lenient: tuple[str, ...] = ()
    strict: tuple[str, ...] = ()


def _grad_outputs(lib: Any, out: Any) -> list[Any]:
    tensor = torch.Tensor if lib is torch else shendu.Tensor
    return [o for o in _flatten(out) if isinstance(o, tensor) and o.requires_grad and o.is_floating_point()]


def _input_tensors(lib: Any, built: Any) -> list[Any]:
    tensor = torch.Tensor if lib is torch else shendu.Tensor
    return [t for t in _flatten(list(built)) if isinstance(t, tensor)]


def _backward(lib: Any, outs: list[Any]) -> None:
    if lib is torch:
        torch.autograd.backward(outs, [torch.ones_like(o) for o in outs])
    else:
        shendu.autograd.backward(outs, [shendu.ones_like(o) for o in outs])


# What each fuzzed input was checked for: every input is counted once, under one of these.
KINDS = {
    "values+grads": "fuzzed inputs: values and gradients compared with torch",
    "values+grad shapes": "fuzzed inputs: values compared with torch, gradients' shapes only (non-finite inputs)",
    "values": "fuzzed inputs: values compared with torch (no gradient compared)",
    "shapes": "fuzzed inputs: shapes and dtypes compared with torch (values not comparable)",
    "both raised": "fuzzed inputs: torch and shendu both raised (shendu's error checked)",
    "listed": "fuzzed inputs: one side raised, a listed difference (LENIENT/STRICT)",
    "alone": "fuzzed inputs: shendu alone, no torch twin (its errors checked)",
}


def tally(kind: str) -> None:
    """Count one fuzzed input under ``kind`` (a key of KINDS), and in the total."""
    COUNTS[KINDS[kind]] += 1
    COUNTS["fuzzed inputs"] += 1


def judge(case: Case, call: Call, label: str | None = None) -> None:
    """Run ``call`` through torch and shendu; raise AssertionError when shendu breaks the fuzz rules.

    The forward results are compared (values too, where ``case.values`` and the inputs allow), then,
    when some input requires grad and both libraries return results, a backward pass through both,
    whose gradients are compared the same way. The input is counted once, by what was compared.

    ``label`` replaces ``name(arguments)`` in failure messages (for layers, whose constructor matters).
    """
    kind = _judge(case, call, label)
    tally(kind)


def _judge(case: Case, call: Call, label: str | None) -> str:
    where = label or f"{case.name}{call!r}"
    t_args = to_lib(torch, call.args)
    t_kwargs = to_lib(torch, call.kwargs)
    s_args = to_lib(shendu, call.args)
    s_kwargs = to_lib(shendu, call.kwargs)
    t_res = run(lambda: case.torch_fn(*t_args, **t_kwargs)) if case.torch_fn is not None else None
    s_res = run(lambda: case.shendu_fn(*s_args, **s_kwargs), CALL_SECONDS)
    empty = _has_empty(call.args) or _has_empty(call.kwargs)
    values = case.values and not has_huge((call.args, call.kwargs))
    kind = verdict(case, where, t_res, s_res, values, empty)
    if not (case.backward and s_res.ok and t_res is not None and t_res.ok):
        return kind
    t_outs, s_outs = _grad_outputs(torch, t_res.value), _grad_outputs(shendu, s_res.value)
    if not t_outs or len(t_outs) != len(s_outs):
        return kind
    t_back = run(lambda: _backward(torch, t_outs))
    s_back = run(lambda: _backward(shendu, s_outs), CALL_SECONDS)
    where += " then backward()"
    if not (t_back.ok and s_back.ok):
        verdict(case, where, t_back, s_back, values=False, empty=empty)
        return kind
    t_in = _input_tensors(torch, (t_args, t_kwargs))
    s_in = _input_tensors(shendu, (s_args, s_kwargs))
    t_grads = [t.grad for t in t_in if t.requires_grad]
    s_grads = [s.grad for s in s_in if s.requires_grad]
    if len(t_grads) != len(s_grads):
        raise AssertionError(f"{where}: {len(s_grads)} inputs require grad, torch has {len(t_grads)}")
    grad_values = values and case.grad_values and not has_nonfinite((call.args, call.kwargs))
    compared = False
    for tg, sg in zip(t_grads, s_grads):
        if (tg is None) != (sg is None) and tg is not None:
            raise AssertionError(f"{where}: shendu computed no gradient where torch did")
        if tg is not None and sg is not None:
            why = compare(tg, sg, values=grad_values)
            if why:
                raise AssertionError(f"{where}: gradient {why}")
            compared = True
    if kind != "values" or not compared:
        return kind
    return "values+grads" if grad_values else "values+grad shapes"


def _allowed_strictness(case: Case, error: BaseException, empty: bool) -> bool:
    """Whether shendu may refuse a call that torch accepts (see STRICT in ``tests/fuzz/op_rules.py``)."""
    message = str(error)
    if empty and isinstance(error, (shendu.DtypeError, shendu.ShapeError)):
        return True  # torch skips many dtype and rank checks when there is nothing to compute
    return STRICT.search(message) is not None or any(re.search(p, message) for p in case.strict)


def _has_empty(spec: Any) -> bool:
    if isinstance(spec, T):
        return spec.array.size == 0
    if isinstance(spec, (list, tuple)):
        return any(_has_empty(s) for s in spec)
    if isinstance(spec, dict):
        return any(_has_empty(s) for s in spec.values())
    return False


def verdict(case: Case, where: str, t_res: Outcome | None, s_res: Outcome, values: bool, empty: bool = False) -> str:
    """Raise AssertionError when shendu's outcome ``s_res`` breaks the rules, given torch's ``t_res``.

    Returns what was checked, as a key of KINDS.
    """
    if _np_warnings(s_res.warnings):
        WARNED[case.name] += 1
        COUNTS["fuzzed inputs with a NumPy RuntimeWarning"] += 1
    if not s_res.ok:
        problem = error_problem(s_res.error, case.names)
        if problem:
            raise AssertionError(f"{where}: {problem}: {type(s_res.error).__name__}: {s_res.error}") from s_res.error
        if t_res is not None and t_res.ok and not _allowed_strictness(case, s_res.error, empty):
            raise AssertionError(
                f"{where}: torch accepts this call but shendu raised {type(s_res.error).__name__}: {s_res.error}"
            )
        return "alone" if t_res is None else "listed" if t_res.ok else "both raised"
    if t_res is None:
        return "alone"
    if not t_res.ok:
        message = str(t_res.error)
        if LENIENT.search(message) or any(re.search(p, message) for p in case.lenient):
            return "listed"
        raise AssertionError(
            f"{where}: shendu returned a result where torch raises "
            f"{type(t_res.error).__name__}: {message.splitlines()[0] if message else ''}"
        )
    why = compare(t_res.value, s_res.value, values)
    if why:
        raise AssertionError(f"{where}: {why}")
    return "values" if values else "shapes"


FUZZ_MEMORY = 4 * 2**30  # bytes of address space the fuzz run may add to what the process holds
FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def layer_kwargs(d: Draw, **pools: tuple[Any, ...]) -> dict[str, Any]:
    return {name: d.choice(pool) for name, pool in pools.items() if d.maybe(0.35)}
