"""`mpirun -np N shendu train --distributed`: equal to one process, rank 0 writes, a killed job resumes bit for bit."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from shendu import cli
from shendu.io import load
from shendu.train.distributed import RankBatchSampler
from shendu.utils.data import SequentialSampler
from tests.distributed.mpi import MPIRUN, ROOT, mpi_env, mpirun
from tests.helpers import FIGURES
from tests.image_folders import write_color_folder

DIGITS = ["--dataset", "digits", "--quiet"]


def train(out: Path, *args: str, np: int = 2, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    done, _ = mpirun(
        ["-m", "shendu", "train", "--distributed", "--out", str(out), *DIGITS, *args], np=np, timeout=timeout
    )
    return done


def weights(path: Path) -> dict[str, np.ndarray]:
    return {k: v.numpy() for k, v in load(path)["model"].items()}


def test_two_processes_train_like_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The MLP has no dropout and no batch norm: the same global batches give the same weights. The
    # digits training set (1,295 samples) ends on a batch of 15, split 8 and 7 over the ranks.
    args = ["--model", "mlp", "--epochs", "2", "--scheduler", "none", "--name", "run", "--tensorboard"]
    done = train(tmp_path / "two", *args, "--checkpoint-every", "5")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("test accuracy") == 1  # rank 0 alone prints
    assert cli.main(["train", "--out", str(tmp_path / "one"), *DIGITS, *args]) == 0
    capsys.readouterr()
    two, one = weights(tmp_path / "two/run/last.ckpt"), weights(tmp_path / "one/run/last.ckpt")
    difference = max(float(np.abs(two[k] - one[k]).max()) for k in one)
    FIGURES["shendu train --distributed, 2 processes vs 1 (MLP, 22 Adam steps, float32), max |weight difference|"] = (
        f"{difference:.1e}"
    )
    assert difference < 1e-5
    assert load(tmp_path / "two/run/last.ckpt")["config"]["world_size"] == 2
    assert sorted(p.name for p in (tmp_path / "two/run").iterdir()) == sorted(
        p.name for p in (tmp_path / "one/run").iterdir()
    )
    # Rank 0 alone logs for TensorBoard: one event file per folder, as in one process.
    for split in ("train", "validation"):
        assert len(list((tmp_path / "two/run/tensorboard" / split).iterdir())) == 1


def rank_pids(parent: int) -> dict[int, int]:
    """The pids of the ranks that ``mpirun`` (pid ``parent``) started, by rank."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            environ = (proc / "environ").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        for entry in environ:
            if ppid == parent and entry.startswith(b"OMPI_COMM_WORLD_RANK="):
                found[int(entry.split(b"=")[1])] = int(proc.name)
    return found


def test_killed_rank_ends_the_job_and_resume_continues_bit_identically(tmp_path: Path) -> None:
    # The CNN has dropout (each rank draws its own masks) and batch norm: the checkpoint must carry
    # every rank's random state for the resumed run to equal the uninterrupted one.
    args = ["--model", "cnn", "--epochs", "3", "--checkpoint-every", "4", "--name", "run"]
    reference = train(tmp_path / "whole", *args)
    assert reference.returncode == 0, reference.stderr
    command = [*MPIRUN, "-np", "2", sys.executable, "-m", "shendu", "train", "--distributed"]
    command += ["--out", str(tmp_path / "killed"), *DIGITS, *args]
    job = subprocess.Popen(command, env=mpi_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    checkpoint = tmp_path / "killed/run/last.ckpt"
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    pids = rank_pids(job.pid)
    assert job.poll() is None and set(pids) == {0, 1}, "the job ended before a checkpoint could be killed into"
    killed_at = time.monotonic()
    subprocess.run(["kill", "-KILL", str(pids[1])], check=True)
    try:
        _, stderr = job.communicate(timeout=60)
    finally:
        job.kill()
    seconds = time.monotonic() - killed_at
    FIGURES["killed rank 1 of 2: seconds until mpirun exited"] = f"{seconds:.1f}"
    assert job.returncode != 0
    assert seconds < 30
    assert "process rank 1" in stderr and "signal 9" in stderr
    interrupted_at = load(checkpoint)["iteration"]
    before = checkpoint.read_bytes()
    # Another world size is refused, with or without mpirun, and the checkpoint stays as it was.
    refused = train(tmp_path / "killed", *args, "--resume", np=3)
    assert refused.returncode != 0
    assert "written by a run of 2 processes" in refused.stderr and "with 3 processes" in refused.stderr
    assert "Traceback" not in refused.stderr
    code = cli.main(["train", "--out", str(tmp_path / "killed"), *DIGITS, *args, "--resume"])
    assert code == 1 and checkpoint.read_bytes() == before
    resumed = train(tmp_path / "killed", *args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert interrupted_at < load(checkpoint)["iteration"] == load(tmp_path / "whole/run/last.ckpt")["iteration"]
    whole, again = weights(tmp_path / "whole/run/last.ckpt"), weights(checkpoint)
    assert all(np.array_equal(whole[k], again[k]) for k in whole), "the resumed run differs from the uninterrupted one"
    untimed = [
        [{k: v for k, v in row.items() if k not in ("seconds", "samples_per_s")} for row in load(path)["history"]]
        for path in (checkpoint, tmp_path / "whole/run/last.ckpt")
    ]
    assert untimed[0] == untimed[1]


def test_resume_refusal_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shendu.io import save

    run = tmp_path / "run"
    run.mkdir()
    save({"config": {"world_size": 2}}, run / "last.ckpt")
    before = (run / "last.ckpt").read_bytes()
    from shendu.train.distributed import DistributedRunError, check_world_size

    with pytest.raises(DistributedRunError, match=r"cannot resume .*last.ckpt with 1 process: it was written by a run"):
        check_world_size(run / "last.ckpt", 1)
    with pytest.raises(DistributedRunError, match="resume with mpirun -np 2 shendu train --distributed"):
        check_world_size(run / "last.ckpt", 4)
    check_world_size(run / "last.ckpt", 2)
    check_world_size(run / "missing.ckpt", 3)
    assert (run / "last.ckpt").read_bytes() == before


def test_mpirun_without_distributed_and_a_failing_rank(tmp_path: Path) -> None:
    done, _ = mpirun(["-m", "shendu", "train", "--out", str(tmp_path), *DIGITS], timeout=120)
    assert done.returncode != 0
    assert "shendu train: mpirun started 2 processes, but --distributed is missing" in done.stderr
    assert "Traceback" not in done.stderr
    # Only rank 0 checks the run folder; its failure must end rank 1 too.
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    done, seconds = mpirun(["-m", "shendu", "train", "--distributed", "--out", str(blocker), *DIGITS], timeout=120)
    assert done.returncode != 0 and seconds < 30
    assert "shendu train: rank 0 of 2: cannot write to the folder" in done.stderr
    assert "Traceback" not in done.stderr
    assert blocker.read_text() == "not a folder"
    # Three images, two held out: one to train on, for two processes.
    images = write_color_folder(tmp_path / "three", per_class=1)
    args = ["--data", str(images), "--val-split", "0.6", "--image-size", "8", "--quiet", "--out", str(tmp_path)]
    done, seconds = mpirun(["-m", "shendu", "train", "--distributed", *args], timeout=120)
    assert done.returncode != 0 and seconds < 30
    assert re.search(
        r"shendu train: rank [01] of 2: the training set has 1 sample, fewer than the 2 processes", done.stderr
    )
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("n", "batch", "world", "shares"),
    [
        (10, 4, 2, [[[0, 1], [4, 5], [8]], [[2, 3], [6, 7], [9]]]),
        (9, 4, 3, [[[0, 1], [4, 5]], [[2], [6]], [[3], [7]]]),  # the last batch of 1 is dropped
        (8, 8, 3, [[[0, 1, 2]], [[3, 4, 5]], [[6, 7]]]),
    ],
)
def test_rank_batches_cut_each_global_batch(n: int, batch: int, world: int, shares: list) -> None:
    for rank in range(world):
        sampler = RankBatchSampler(SequentialSampler(range(n)), batch, rank, world)
        assert list(sampler) == shares[rank]
        assert len(sampler) == len(shares[rank])


def test_rank_batches_need_a_sample_per_rank() -> None:
    from shendu.train.distributed import DistributedRunError

    with pytest.raises(DistributedRunError, match="the batch size 2 is smaller than the 3 processes"):
        RankBatchSampler(SequentialSampler(range(4)), 2, 0, 3)


def test_distributed_without_mpi4py_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from shendu.distributed import process_group

    monkeypatch.setattr(process_group, "is_available", lambda: False)
    code = cli.main(["train", "--distributed", "--out", str(tmp_path), *DIGITS])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("shendu train: init_process_group: backend 'mpi' needs mpi4py, which is not installed")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_rank_loader_logs_the_global_batch(capsys: pytest.CaptureFixture[str]) -> None:
    from shendu import nn, optim, tensor
    from shendu.train import Trainer
    from shendu.train.distributed import rank_loader
    from shendu.utils.data import TensorDataset

    data = TensorDataset(tensor(np.zeros((10, 2), dtype=np.float32)), tensor(np.zeros(10, dtype=np.int64)))
    model = nn.Linear(2, 2)
    loader = rank_loader(data, 4, None, rank=0, world_size=1)
    Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(), loader, epochs=1).fit()
    assert "10 samples / batch 4 = 3 iterations per epoch, 1 epoch" in capsys.readouterr().out


def test_a_training_set_smaller_than_the_processes_is_refused() -> None:
    from shendu.train.distributed import DistributedRunError, rank_loader

    with pytest.raises(DistributedRunError, match="the training set has 1 sample, fewer than the 2 processes; every"):
        rank_loader(range(1), 4, None, rank=0, world_size=2)
    assert len(rank_loader(range(2), 4, None, rank=1, world_size=2)) == 1
