"""DistributedDataParallel on 2 MPI processes against the same training in one process.

One launch runs every check (``tests/distributed/worker.py``, program ``ddp``); each test reads
what the ranks measured.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from shendu import nn
from tests.distributed.mpi import ROOT, mpirun, run_worker
from tests.helpers import FIGURES

TOLERANCE = {"shendu.float64": 1e-10, "shendu.float32": 1e-5}


@pytest.fixture(scope="module")
def ranks(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return run_worker("ddp", tmp_path_factory.mktemp("ddp"), timeout=300)


@pytest.mark.parametrize("dtype", ["shendu.float64", "shendu.float32"])
@pytest.mark.parametrize("model", ["mlp", "lenet", "lstm"])
def test_two_processes_reach_the_weights_of_one(ranks: list[dict[str, Any]], model: str, dtype: str) -> None:
    # Global batch 128 (64 per rank) against one process with batch 128, 20 Adam steps from seed 0.
    difference = ranks[0][f"{model} {dtype} 2 processes vs 1 after 20 steps"]
    FIGURES[f"DDP 2 processes vs 1, {model} {dtype.removeprefix('shendu.')}, max |weight difference|"] = (
        f"{difference:.2e}"
    )
    assert difference <= TOLERANCE[dtype]
    for results in ranks:
        assert results[f"{model} {dtype} starts from rank 0's weights"] == 0.0
        assert results[f"{model} {dtype} ranks agree"] == 0.0


def test_buckets_start_while_backward_runs(ranks: list[dict[str, Any]]) -> None:
    for results in ranks:
        assert results["buckets"] > 2
        # Of lenet's buckets, all but the one holding the first layer start before that layer's gradient exists.
        assert results["all-reduces started before the first layer's gradient"] == results["buckets"] - 1
    assert ranks[0]["tiny buckets vs 1 process"] <= 1e-10
    assert ranks[0]["default buckets of lenet"] == [61706 * 4]


def test_no_sync_accumulates_locally_then_averages(ranks: list[dict[str, Any]]) -> None:
    for results in ranks:
        assert results["no_sync leaves local gradients (max difference between ranks)"] > 1e-3
        assert results["no_sync then a synced backward: ranks agree"] == 0.0
        assert results["no_sync gradients changed by the synced backward"] is True
    assert ranks[0]["no_sync accumulation vs 1 process"] <= 1e-12


@pytest.mark.parametrize("broadcast", [True, False])
def test_batchnorm_buffers_follow_rank_0(ranks: list[dict[str, Any]], broadcast: bool) -> None:
    for results in ranks:
        assert results[f"broadcast_buffers={broadcast}: buffers equal after construction"] is True
        assert results[f"broadcast_buffers={broadcast}: buffers differ after a forward on different data"] is True
        assert results[f"broadcast_buffers={broadcast}: next forward gives every rank rank 0's buffers"] is broadcast


def test_half_precision_model(ranks: list[dict[str, Any]]) -> None:
    for results in ranks:
        assert results["float16: weights are rank 0's"] is True
        assert results["float16: gradient dtype"] == "shendu.float16"
        assert results["float16: gradient is the float32 mean of the ranks'"] is True


def test_unused_parameters(ranks: list[dict[str, Any]]) -> None:
    for results in ranks:
        assert results["find_unused_parameters: used gradients agree"] is True
        assert results["find_unused_parameters: unused grad stays None"] is True
        assert results["unused parameter without find_unused_parameters"] == (
            "DistributedDataParallel: the previous backward produced no gradient for 2 parameter(s) "
            "(unused.bias, unused.weight), so their buckets were never averaged; make every parameter take "
            "part in the loss, or pass find_unused_parameters=True"
        )


def test_different_models_are_refused(ranks: list[dict[str, Any]]) -> None:
    for rank, results in enumerate(ranks):
        assert results["different models on the ranks"].startswith(
            f"DistributedDataParallel: the ranks hold different models (parameter names, shapes or dtypes "
            f"differ; rank {rank} has 2 parameters"
        )


def test_sampler_reads_the_process_group(ranks: list[dict[str, Any]]) -> None:
    from shendu.utils.data import DistributedSampler

    for rank, results in enumerate(ranks):
        expected = list(DistributedSampler(range(11), num_replicas=2, rank=rank))
        assert results["DistributedSampler from the process group"] == [2, rank, expected]


def test_needs_a_process_group() -> None:
    with pytest.raises(ValueError, match="DistributedDataParallel: Default process group has not been initialized"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))


def test_state_dict_keys_are_prefixed_as_in_torch(ranks: list[dict[str, Any]]) -> None:
    assert ranks[0]["state_dict keys"] == ["module.weight", "module.bias"]
    assert (
        ranks[0]["repr"] == "DistributedDataParallel(\n  (module): Linear(in_features=2, out_features=3, bias=True)\n)"
    )


def test_a_pytorch_program_reaches_torchs_weights(tmp_path: Path) -> None:
    # The same DDP program (DistributedSampler, DataLoader, SGD with momentum, 3 epochs, float64) under
    # torch (gloo backend) and shendu (MPI), both on 2 processes started by mpirun.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for lib in ("torch", "shendu"):
        done, _ = mpirun([str(ROOT / "tests/distributed/ddp_program.py"), lib, str(tmp_path), str(port)], timeout=180)
        assert done.returncode == 0, f"{lib}: {done.stderr}"
    theirs, ours = np.load(tmp_path / "torch.npz"), np.load(tmp_path / "shendu.npz")
    difference = max(float(np.abs(theirs[k] - ours[k]).max()) for k in theirs)
    FIGURES["DDP program under shendu vs torch (2 processes, float64), max |weight difference|"] = f"{difference:.1e}"
    assert difference < 1e-12
