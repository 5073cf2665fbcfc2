"""Fuzzing with hostile input: every public op, layer, loss, optimizer and scheduler, against PyTorch.

Targets are enumerated, not listed: every function in ``shendu.__all__`` and
``shendu.nn.functional.__all__``, every ``Module`` subclass in ``shendu.nn``, every optimizer in
``shendu.optim`` and every scheduler in ``shendu.optim.lr_scheduler``. A table of argument patterns
per family (``OP_PATTERNS``, ``LAYER_PATTERNS``, ...) makes each call meaningful; a target without an
entry falls back to a generic pattern, so new ops are fuzzed too. hypothesis draws the arguments:
NaN, inf, 1e38 and empty tensors; shapes of the wrong rank, negative and absurd sizes; bool, int,
float16 and float64 operands in mixes; bad device strings ('tpu', 'cuda:x', 'gpu', ...); and bad
hyperparameters (negative, NaN, zero, wrong types).

Each call runs in torch 2.13 (the oracle, where it has a function of the same name; a few shendu-only
ops get a torch twin in ``TORCH_TWINS``) and in shendu, under a 10 s alarm and a capped address
space, and must pass these rules:

1. If torch accepts the call, shendu accepts it too and returns the same structure with the same
   shapes and dtypes, and the same values (to 1e-3, NaN and inf positions included) for
   deterministic ops, unless an input holds 1e30+ values or extreme integers, or a hyperparameter
   is NaN or inf (then the order of operations decides overflow, as it does between torch's
   kernels). The same holds for a backward pass through the result when some input requires grad:
   its gradients are compared with torch's, values included, wherever every input is finite (at NaN
   and infinite inputs each library's gradient follows its own arithmetic; there shapes and dtypes
   are compared). Listed with its reason: torch's backward of ``std``/``var`` with ``dim=()``.
   Exceptions, each listed with its reason: ``STRICT`` and ``STRICT_OPS`` (calls shendu refuses on
   purpose, with an acceptable error, such as a "cpu:1" device or a float16 input to a norm with
   float32 weights), a DtypeError or ShapeError when an input is empty (torch skips most checks
   when there is nothing to compute), and layer hyperparameters that torch accepts at
   construction only to fail once the layer runs on the drawn input.
2. If torch rejects the call, shendu rejects it too, except where ``LENIENT`` or ``LENIENT_OPS``
   list torch's refusal: argument parsing (shendu's functions double as Tensor methods), missing
   kernels ("not implemented for 'Half'"), torch's own bugs, and shendu's documented leniencies.
3. Every exception shendu raises is *acceptable*: (a) it is a ValueError, TypeError or
   RuntimeError, or a shendu error that is an IndexError (``DimError``, ``IndexOutOfRange``);
   (b) it is a ``shendu.ShenduError``, or else its type is exactly ``ValueError``, ``TypeError``
   or ``NotImplementedError`` (so no NumPy subclass such as ``AxisError``) raised from a frame
   inside the shendu package; (c) its message starts with the op's name: the public name, the
   implementing function's ``__name__``, an alias listed in ``ALIASES`` (an op that delegates,
   such as ``view_as`` to ``view``), or the layer / optimizer / scheduler class name or the
   layer's functional form, possibly after a module path (``features.3 (Conv2d): ``), followed by
   ``:``, `` (``, ``(`` or ``.method:``.
4. Never: any other exception (IndexError, AttributeError, KeyError, ZeroDivisionError,
   OverflowError, MemoryError, NumPy's exceptions), or a call still running after 10 s.

NumPy RuntimeWarnings (overflow, invalid value) from inside shendu's ops are counted and listed per
op, not failed: silencing them means an ``np.errstate`` around every op, which doubles the cost of
small ops, so that is left as a decision for the project.

Max pooling whose windows hold only padding runs in shendu alone: torch 2.13 then writes its
gradient outside the input and corrupts the heap.

Every input is counted once, in ``tests.helpers.COUNTS["fuzzed inputs"]`` and under what was
checked for it (``KINDS`` in ``harness.py``): values and gradients compared with torch,
values compared, shapes and dtypes only, both libraries raised, a listed difference, or shendu alone
(printed in the "shendu test counts" summary when the run passed, and per module with ``-s``). Runs
are derandomized (hypothesis seeds from the test's source), so CI sees the same inputs every time.

The package: ``harness.py`` (hostile inputs and the judge), ``op_rules.py`` (per-op exceptions to
the rules), the argument patterns of the ops (``tensor_patterns.py``, ``shape_patterns.py``,
``functional_patterns.py``), the fuzz tests of ops, layers and optimizers (``test_ops.py``,
``test_layers.py``, ``test_optim.py``), and the edge cases the fuzzing found, each a plain test
(``test_regressions.py``).
"""
