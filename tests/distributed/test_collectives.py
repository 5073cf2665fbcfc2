"""Every collective, op and dtype on 2 MPI processes, compared with NumPy's reduction of both ranks' data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import shendu
import shendu.distributed as dist
from tests.distributed.mpi import run_worker
from tests.distributed.worker import DTYPES, OPS, valid
from tests.helpers import COUNTS


@pytest.fixture(scope="module")
def ranks(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return run_worker("collectives", tmp_path_factory.mktemp("collectives"))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", OPS)
def test_all_reduce_matches_numpy(ranks: list[dict[str, Any]], op: str, dtype: str) -> None:
    for results in ranks:
        outcome = results[f"all_reduce {op} {dtype}"]
        if valid(op, dtype):
            assert outcome is True
            COUNTS["collective cases compared with NumPy (2 processes)"] += 1
        else:
            assert outcome.startswith(f"refused: all_reduce: ReduceOp.{op} needs")


@pytest.mark.parametrize(("op", "dtype"), [(op, dtype) for op in OPS for dtype in DTYPES if valid(op, dtype)])
def test_reduce_scatter_matches_numpy(ranks: list[dict[str, Any]], op: str, dtype: str) -> None:
    assert all(results[f"reduce_scatter {op} {dtype}"] is True for results in ranks)
    COUNTS["collective cases compared with NumPy (2 processes)"] += 1


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("check", ["broadcast src=0", "broadcast src=1", "all_gather", "all_gather_into_tensor"])
def test_data_movement_matches_numpy(ranks: list[dict[str, Any]], check: str, dtype: str) -> None:
    assert all(results[f"{check} {dtype}"] is True for results in ranks)
    COUNTS["collective cases compared with NumPy (2 processes)"] += 1


@pytest.mark.parametrize(
    "check",
    [
        "all_reduce of a transposed view",
        "async_op returns Work",
        "async_op waits",
        "async is_completed after wait",
        "barrier",
    ],
)
def test_views_async_and_barrier(ranks: list[dict[str, Any]], check: str) -> None:
    assert all(results[check] is True for results in ranks)


def test_rank_world_and_backend(ranks: list[dict[str, Any]]) -> None:
    assert [r["rank and world"] for r in ranks] == [[0, 2, "mpi"], [1, 2, "mpi"]]


def test_groups(ranks: list[dict[str, Any]]) -> None:
    for results in ranks:
        assert results["group=group.WORLD"] is True
        assert results["another group"] == "all_reduce: only the default group (group=None) is supported, got 'mine'"


# ---------------------------------------------------------------- without a process group (no MPI needed)
@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: dist.all_reduce(shendu.ones(2)), "all_reduce"),
        (lambda: dist.broadcast(shendu.ones(2), src=0), "broadcast"),
        (lambda: dist.all_gather([shendu.ones(2)], shendu.ones(2)), "all_gather"),
        (lambda: dist.reduce_scatter(shendu.ones(2), [shendu.ones(2)]), "reduce_scatter"),
        (lambda: dist.barrier(), "barrier"),
    ],
)
def test_collectives_need_a_process_group(call: Any, name: str) -> None:
    with pytest.raises(ValueError, match=f"{name}: Default process group has not been initialized"):
        call()


def test_reduce_op_names_match_torch() -> None:
    import torch.distributed as tdist

    mine = {op.name for op in dist.ReduceOp}
    assert mine <= set(tdist.ReduceOp.RedOpType.__members__)
    assert repr(dist.ReduceOp.SUM) == "ReduceOp.SUM"
    assert np.dtype(bool).kind == "b"  # the bool ops are logical: SUM is or, PRODUCT is and
