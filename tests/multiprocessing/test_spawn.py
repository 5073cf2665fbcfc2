"""``shendu.multiprocessing.spawn`` runs ``fn(rank, *args)`` in each process and reports failures."""

from __future__ import annotations

import pytest

import shendu
import shendu.multiprocessing as mp
from tests.multiprocessing import workers


def test_every_rank_runs() -> None:
    board = shendu.zeros(3).share_memory_()
    assert mp.spawn(workers.write_rank, args=(board,), nprocs=3) is None
    assert board.tolist() == [10.0, 11.0, 12.0]


def test_without_join_a_context_comes_back() -> None:
    board = shendu.zeros(2).share_memory_()
    context = mp.start_processes(workers.write_rank, args=(board,), nprocs=2, join=False, start_method="fork")
    assert len(context.pids()) == 2
    while not context.join():
        pass
    assert board.tolist() == [10.0, 11.0]


def test_a_failing_rank_raises_with_its_traceback() -> None:
    with pytest.raises(mp.ProcessRaisedException, match=r"spawn: process 0 raised:(.|\n)*ValueError: rank 0 failed"):
        mp.spawn(workers.fail, nprocs=1, start_method="fork")
