"""A data-parallel training program as PyTorch users write it, run under mpirun with torch or with shendu.

    mpirun -np 2 python tests/distributed/ddp_program.py {torch|shendu} OUT PORT

Only the imports and the process group's backend differ: PyTorch's wheels have no MPI backend, so
torch uses gloo (rank and world size read from Open MPI's environment); shendu uses MPI. Rank 0
starts from fixed weights, the other ranks from random ones (DDP copies rank 0's); the data order
is unshuffled (the two frameworks draw different permutations). Rank 0 saves the final weights.
"""

import os
import sys

import numpy as np

if sys.argv[1] == "torch":
    import torch
    import torch.distributed as dist
    from torch import nn
    from torch.nn.parallel import DistributedDataParallel as DDP  # noqa: N817 - the name PyTorch users use
    from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{sys.argv[3]}",
        rank=int(os.environ["OMPI_COMM_WORLD_RANK"]),
        world_size=int(os.environ["OMPI_COMM_WORLD_SIZE"]),
    )
else:
    import shendu as torch
    import shendu.distributed as dist
    from shendu import nn
    from shendu.nn.parallel import DistributedDataParallel as DDP  # noqa: N817 - the name PyTorch users use
    from shendu.utils.data import DataLoader, DistributedSampler, TensorDataset

    dist.init_process_group("mpi")

rank = dist.get_rank()
rng = np.random.default_rng(0)
features = torch.tensor(rng.standard_normal((90, 20)))
labels = torch.tensor(rng.integers(0, 3, 90))
dataset = TensorDataset(features, labels)

model = nn.Sequential(nn.Linear(20, 32), nn.Tanh(), nn.Linear(32, 3)).double()
if rank == 0:
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.tensor(np.random.default_rng(i).uniform(-0.3, 0.3, tuple(p.shape))))
model = DDP(model)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
sampler = DistributedSampler(dataset, shuffle=False)
loader = DataLoader(dataset, batch_size=8, sampler=sampler)

for epoch in range(3):
    sampler.set_epoch(epoch)
    for x, y in loader:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()

if rank == 0:
    weights = [p.detach().numpy() for p in model.module.parameters()]
    np.savez(os.path.join(sys.argv[2], f"{sys.argv[1]}.npz"), *weights)
dist.barrier()
dist.destroy_process_group()
if sys.argv[1] == "torch":
    # torch 2.13's gloo threads can abort the interpreter's teardown ("terminate called without an
    # active exception", seen under load); the results are written, so leave without it.
    sys.stdout.flush()
    os._exit(0)
