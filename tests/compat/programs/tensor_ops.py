"""Everyday tensor code on values from NumPy: legacy constructors, new_* factories, cat/stack/einsum,
gather/scatter_, topk, argmax, where, masked_fill, sorting, and plain-Python results via item/tolist."""

import numpy as np
import torch

torch.manual_seed(0)
rng = np.random.default_rng(5)
a = torch.from_numpy(rng.normal(size=(4, 5)).astype(np.float32))
b = torch.from_numpy(rng.normal(size=(4, 5)).astype(np.float32))

w = torch.Tensor(3, 4).uniform_()
assert w.shape == torch.Size([3, 4]) and w.dtype == torch.float32 and 0 <= w.min() and w.max() < 1
ids = torch.LongTensor([3, 0, 2, 1])
assert ids.dtype == torch.int64 and ids.tolist() == [3, 0, 2, 1]
flags = torch.BoolTensor([True, False, True, True])
halfs = torch.FloatTensor([[0.5, 1.5]])
zeros = a.new_zeros(2, 3)
full = a.new_full((2,), 7.0)
ones = a.new_ones((1, 5))
made = a.new_tensor([1, 2, 3])
assert zeros.dtype == full.dtype == ones.dtype == torch.float32 and made.dtype == torch.float32

results = {}
results["cat"] = torch.cat([a, b], dim=0).sum().item()
results["stack"] = torch.stack((a, b), dim=1).shape[1]
results["einsum"] = torch.einsum("ij,kj->ik", a, b).trace().item()
results["bmm_einsum"] = torch.einsum("bi,bi->b", a, b).sum().item()
results["gather"] = a.gather(1, ids.view(4, 1)).sum().item()
scattered = torch.zeros(4, 5).scatter_(1, ids.unsqueeze(1), 1.0)
assert torch.equal(scattered.argmax(dim=1), ids)
results["scatter_add"] = torch.zeros(5).scatter_add_(0, torch.tensor([0, 1, 1, 4]), a[0, :4]).sum().item()
values, indices = a.topk(2, dim=1)
results["topk"] = values.sum().item() + indices.sum().item()
results["topk_smallest"] = torch.topk(a.flatten(), 3, largest=False).values.sum().item()
results["argmax"] = a.argmax().item() + a.argmax(dim=0, keepdim=True).sum().item()
results["where"] = torch.where(a > 0, a, torch.zeros_like(a)).sum().item()
results["where_scalar"] = torch.where(a > b, 1.0, -1.0).sum().item()
results["masked_fill"] = a.masked_fill(flags.unsqueeze(1), 0.0).sum().item()
results["masked_select"] = torch.masked_select(a, a > 0.5).numel()
sorted_values, order = torch.sort(a[0], descending=True)
results["sort"] = order.tolist()[0] * 10 + sorted_values[-1].item()
results["nonzero"] = (a > 0).nonzero().shape[0] + (a > 0).nonzero(as_tuple=True)[1].sum().item()
results["cumsum"] = a.cumsum(dim=1)[:, -1].sum().item()
results["index_select"] = a.index_select(0, torch.tensor([2, 0])).sum().item()
results["unique"] = torch.unique(torch.tensor([3, 1, 3, 2, 1])).tolist()[-1]
results["bincount"] = torch.bincount(torch.tensor([0, 1, 1, 4])).tolist()[1]
results["clamp"] = a.clamp(min=-0.5, max=0.5).sum().item()
results["chunk"] = len(torch.chunk(a, 3, dim=1))
results["split"] = [t.shape[1] for t in a.split([2, 3], dim=1)][1]
results["repeat"] = a.repeat(2, 1).shape[0] + a.unsqueeze(0).expand(3, -1, -1).sum().item()
results["flip"] = a.flip(0)[0, 0].item() + torch.roll(a, 1, dims=1)[0, 0].item()
results["std"] = a.std(dim=0, unbiased=False).sum().item() + a.var().item()
results["norm"] = a.norm().item() + torch.linalg.norm(a, dim=1).sum().item()
results["allclose"] = float(torch.allclose(a + 1e-9, a)) + float((a == a).all())
results["logsumexp"] = torch.logsumexp(a, dim=1).sum().item()
results["outer"] = torch.outer(a[0], b[0]).sum().item()
results["tril"] = torch.tril(torch.ones(4, 4)).sum().item() + torch.triu(a[:, :4], diagonal=1).sum().item()
results["diag"] = torch.diag(a[:, :4]).sum().item() + torch.diag(torch.tensor([1.0, 2.0])).sum().item()
results["meshgrid"] = torch.meshgrid(torch.arange(3), torch.arange(2), indexing="ij")[0].sum().item()
results["linspace"] = torch.linspace(0, 1, steps=5)[3].item()
results["type"] = float(a.long().dtype == torch.int64) + float(a.double().dtype == torch.float64)
results["max_dim"] = a.max(dim=1).values.sum().item() + a.max(dim=1)[1].sum().item() + torch.max(a, b).sum().item()
results["any"] = float((a > 2).any().item()) + float(torch.isfinite(a).all())
results["fmt"] = float(f"{a.sum():.4f}") + float(f"{a[0, 0].item():.3f}")

for name, value in results.items():
    print(f"METRIC {name} {float(value):.5f}")
