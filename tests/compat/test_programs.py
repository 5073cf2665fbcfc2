"""PyTorch programs run unchanged under shendu: each program in ``programs/`` is run twice, in fresh
processes, once with PyTorch and once with its ``torch`` imports answered by shendu (see ``run_program.py``),
and the final metrics it prints (``METRIC name value``) must agree within the program's tolerance.

The programs are written against PyTorch's API in the idioms real training code uses. ``PENDING`` lists the
programs that need a feature shendu does not have yet; they are strict expected failures, so one that
starts passing turns the suite red until it is taken off the list.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import COUNTS, FIGURES

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"
TIMEOUT_S = 300


@dataclass(frozen=True)
class Tolerance:
    """How far shendu's value may be from PyTorch's: an absolute gap, a relative gap, or a factor."""

    abs: float | None = None
    rel: float | None = None
    factor: float | None = None

    def accepts(self, got: float, want: float) -> bool:
        if self.abs is not None:
            return abs(got - want) <= self.abs
        if self.rel is not None:
            return abs(got - want) <= self.rel * abs(want)
        return want > 0 and got > 0 and abs(math.log(got / want)) <= math.log(self.factor)


# tensor_ops prints one checksum per op, each computed on the same NumPy values under both frameworks.
TENSOR_OPS = (
    "cat stack einsum bmm_einsum gather scatter_add topk topk_smallest argmax where where_scalar masked_fill "
    "masked_select sort nonzero cumsum index_select unique bincount clamp chunk split repeat flip std norm "
    "allclose logsumexp outer tril diag meshgrid linspace type max_dim any fmt"
).split()
LOSSES = (
    "ce_ignore ce_weighted ce_sum nll bce_pos bce_probs kl huber smooth_l1 l1 cosine soft_targets masked_lm "
    "grad_logits grad_scores grad_pred"
).split()

# Initial weights, dropout masks and shuffles come from each framework's own random generator, so only
# programs that draw their weights from NumPy agree closely; the others agree as trained models do.
METRICS: dict[str, dict[str, Tolerance]] = {
    "attention_masks": {"accuracy": Tolerance(abs=0.05), "masked_weight": Tolerance(abs=0.0)},
    "checkpoint": {"accuracy": Tolerance(abs=0.06), "resume_gap": Tolerance(abs=0.0)},
    "cnn_digits": {"accuracy": Tolerance(abs=0.05)},
    "collate_packed": {"accuracy": Tolerance(abs=0.05)},
    "dcgan": {"generated_mean": Tolerance(abs=0.15), "data_mean": Tolerance(abs=1e-4)},
    "device_moves": {"loss": Tolerance(rel=1e-3), "pred_mean": Tolerance(rel=1e-3)},
    "gcn": {"test_accuracy": Tolerance(abs=0.08)},
    "grad_accumulation": {
        "first_norm": Tolerance(rel=1e-4),
        "loss": Tolerance(rel=1e-3),
        "accuracy": Tolerance(abs=0.01),
    },
    "gradient_penalty": {"loss": Tolerance(rel=1e-3), "penalty": Tolerance(rel=1e-3), "hvp_sum": Tolerance(rel=1e-3)},
    "gru_classifier": {"accuracy": Tolerance(abs=0.03)},
    "hogwild": {"accuracy": Tolerance(abs=0.08)},
    "hooks_inference": {
        "dead": Tolerance(abs=0.1),
        "new_accuracy": Tolerance(abs=0.05),
        "prob_sum": Tolerance(abs=1e-4),
    },
    "inplace_resnet": {"accuracy": Tolerance(abs=0.05), "batches_tracked": Tolerance(abs=0.0)},
    "lbfgs_time_series": {"test_loss": Tolerance(factor=5.0)},
    "losses": {name: Tolerance(rel=1e-5) for name in LOSSES},
    "lstm_language_model": {"test_ppl": Tolerance(rel=0.08)},
    "manual_updates": {"test_loss": Tolerance(rel=0.02)},
    "optim_resume": {"val_loss": Tolerance(rel=1e-3), "resume_gap": Tolerance(abs=0.0), "lr": Tolerance(rel=1e-6)},
    "param_groups": {"train_loss": Tolerance(rel=1e-4), "lr0": Tolerance(rel=1e-6), "lr1": Tolerance(rel=1e-6)},
    "siamese": {"pair_accuracy": Tolerance(abs=0.06)},
    "style_transfer": {"test_loss": Tolerance(rel=0.35)},
    "super_resolution": {"psnr": Tolerance(abs=1.0)},
    "tensor_ops": {name: Tolerance(abs=1e-4) for name in TENSOR_OPS},
    "transformer_language_model": {"test_ppl": Tolerance(rel=0.1)},
    "vae": {"test_loss": Tolerance(rel=0.03)},
    "weight_init": {
        # Statistics of one random draw each (1728 to 64000 values): a few percent apart.
        "conv_std": Tolerance(rel=0.06),
        "fc2_absmax_ratio": Tolerance(abs=0.01),
        "emb_std": Tolerance(rel=0.03),
        "orthogonal_gap": Tolerance(abs=1e-5),
        "fc1_mean_abs": Tolerance(rel=0.03),
    },
}

# Programs waiting for a feature, with the feature they wait for (none at present).
PENDING: dict[str, str] = {}

# Each program's two runs start together (one thread each), so they share the machine's cores.
_outcomes: dict[tuple[str, str], subprocess.CompletedProcess[str]] = {}


def _launch(framework: str, name: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    command = [sys.executable, "-m", "tests.compat.run_program", framework, str(PROGRAMS / f"{name}.py")]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run_both(name: str) -> None:
    running = {framework: _launch(framework, name) for framework in ("torch", "shendu")}
    for framework, process in running.items():
        try:
            stdout, stderr = process.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
            stderr += f"\n(killed after {TIMEOUT_S} s)"
        _outcomes[framework, name] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _metrics(framework: str, name: str) -> dict[str, float]:
    if (framework, name) not in _outcomes:
        _run_both(name)
    done = _outcomes[framework, name]
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
        pytest.fail(f"{name} failed under {framework} (exit code {done.returncode}):\n{tail}", pytrace=False)
    metrics = {m[1]: float(m[2]) for m in re.finditer(r"^METRIC (\w+) (\S+)$", done.stdout, re.MULTILINE)}
    assert set(metrics) == set(METRICS[name]), f"{name} under {framework} printed metrics {sorted(metrics)}"
    return metrics


def test_every_program_is_listed() -> None:
    found = {p.stem for p in PROGRAMS.glob("*.py")} - {"corpus"}
    assert found == set(METRICS), f"programs without tolerances: {found - set(METRICS)}"
    assert set(PENDING) <= set(METRICS)
    FIGURES["compat programs that run unchanged under shendu"] = f"{len(METRICS) - len(PENDING)} of {len(METRICS)}"


@pytest.mark.parametrize("name", sorted(METRICS))
def test_runs_under_torch(name: str) -> None:
    _metrics("torch", name)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=f"waits for {PENDING[n]}", strict=True)) if n in PENDING else n
        for n in sorted(METRICS)
    ],
)
def test_runs_unchanged_under_shendu(name: str) -> None:
    want = _metrics("torch", name)
    got = _metrics("shendu", name)
    for metric, tolerance in METRICS[name].items():
        assert tolerance.accepts(got[metric], want[metric]), (
            f"{name}: {metric} is {got[metric]} under shendu and {want[metric]} under torch ({tolerance})"
        )
    COUNTS["compat programs matching torch"] += 1
