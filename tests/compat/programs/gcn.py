"""A two-layer graph convolutional network classifies the nodes of a graph with communities; the normalized
adjacency is a sparse COO tensor and every propagation is a sparse-dense product."""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.nn.parameter import Parameter

torch.manual_seed(42)
rng = np.random.default_rng(42)

# A graph of 4 communities of 40 nodes: dense links inside a community, sparse links between them.
n_nodes, n_classes, n_features = 160, 4, 24
labels_np = np.repeat(np.arange(n_classes), n_nodes // n_classes)
same = labels_np[:, None] == labels_np[None, :]
upper = np.triu(rng.random((n_nodes, n_nodes)) < np.where(same, 0.12, 0.01), k=1)
rows, cols = np.nonzero(upper | upper.T)
# Features: a weak, noisy hint of the community, which the graph has to sharpen.
centres = rng.normal(size=(n_classes, n_features))
features_np = 0.35 * centres[labels_np] + rng.normal(size=(n_nodes, n_features))


def normalized_adjacency(rows, cols, n):
    """D^-1/2 (A + I) D^-1/2 as a sparse tensor."""
    rows = np.concatenate([rows, np.arange(n)])
    cols = np.concatenate([cols, np.arange(n)])
    degree = np.bincount(rows, minlength=n).astype(np.float32)
    values = 1.0 / np.sqrt(degree[rows] * degree[cols])
    indices = torch.from_numpy(np.vstack((rows, cols)).astype(np.int64))
    return torch.sparse.FloatTensor(indices, torch.from_numpy(values.astype(np.float32)), torch.Size([n, n]))


adj = normalized_adjacency(rows, cols, n_nodes)
features = torch.FloatTensor(features_np)
labels = torch.LongTensor(labels_np)
order = rng.permutation(n_nodes)
idx_train, idx_val, idx_test = (torch.LongTensor(order[a:b]) for a, b in ((0, 40), (40, 80), (80, 160)))


class GraphConvolution(nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(torch.FloatTensor(in_features, out_features))
        if bias:
            self.bias = Parameter(torch.FloatTensor(out_features))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.weight.size(1))
        self.weight.data.uniform_(-stdv, stdv)
        if self.bias is not None:
            self.bias.data.uniform_(-stdv, stdv)

    def forward(self, input, adj):
        support = torch.mm(input, self.weight)
        output = torch.spmm(adj, support)
        return output + self.bias if self.bias is not None else output


class GCN(nn.Module):
    def __init__(self, nfeat, nhid, nclass, dropout):
        super().__init__()
        self.gc1 = GraphConvolution(nfeat, nhid)
        self.gc2 = GraphConvolution(nhid, nclass)
        self.dropout = dropout

    def forward(self, x, adj):
        x = F.relu(self.gc1(x, adj))
        x = F.dropout(x, self.dropout, training=self.training)
        x = torch.sparse.mm(adj, torch.mm(x, self.gc2.weight)) + self.gc2.bias
        return F.log_softmax(x, dim=1)


def accuracy(output, labels):
    preds = output.max(1)[1].type_as(labels)
    correct = preds.eq(labels).double()
    return correct.sum() / len(labels)


model = GCN(nfeat=features.shape[1], nhid=16, nclass=n_classes, dropout=0.5)
optimizer = optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)

for epoch in range(100):
    model.train()
    optimizer.zero_grad()
    output = model(features, adj)
    loss_train = F.nll_loss(output[idx_train], labels[idx_train])
    acc_train = accuracy(output[idx_train], labels[idx_train])
    loss_train.backward()
    optimizer.step()
    if epoch % 25 == 24:
        model.eval()
        output = model(features, adj)
        loss_val = F.nll_loss(output[idx_val], labels[idx_val])
        acc_val = accuracy(output[idx_val], labels[idx_val])
        print(
            f"Epoch: {epoch + 1:04d} loss_train: {loss_train.item():.4f} acc_train: {acc_train.item():.4f} "
            f"loss_val: {loss_val.item():.4f} acc_val: {acc_val.item():.4f}"
        )

model.eval()
output = model(features, adj)
acc_test = accuracy(output[idx_test], labels[idx_test])
print(f"Test set results: accuracy= {acc_test.item():.4f}")
print(f"METRIC test_accuracy {acc_test.item():.4f}")
