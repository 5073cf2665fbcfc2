"""Hogwild training: two processes train one model in shared memory, each with its own optimizer."""

import torch
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader, TensorDataset

digits = load_digits()
images = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)
labels = torch.tensor(digits.target)
train_set = TensorDataset(images[:1400], labels[:1400])
test_set = TensorDataset(images[1400:], labels[1400:])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(8 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = x.view(-1, 8 * 4 * 4)
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


def train(rank, model, epochs):
    torch.manual_seed(1 + rank)
    loader = DataLoader(train_set, batch_size=32, shuffle=True)
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
    model.train()
    for epoch in range(epochs):
        for data, target in loader:
            optimizer.zero_grad()
            loss = F.nll_loss(model(data), target)
            loss.backward()
            optimizer.step()
        print(f"{mp.current_process().name} epoch {epoch}: loss {loss.item():.4f}")


def test(model):
    model.eval()
    correct = 0
    with torch.no_grad():
        for data, target in DataLoader(test_set, batch_size=200):
            correct += model(data).argmax(dim=1).eq(target).sum().item()
    return correct / len(test_set)


if __name__ == "__main__":
    torch.manual_seed(1)
    mp.set_start_method("fork", force=True)
    model = Net()
    model.share_memory()  # gradients are allocated lazily, so they are not shared here
    before = test(model)
    processes = []
    for rank in range(2):
        p = mp.Process(target=train, args=(rank, model, 4))
        p.start()
        processes.append(p)
    for p in processes:
        p.join()
    assert all(p.exitcode == 0 for p in processes)
    accuracy = test(model)
    print(f"test accuracy before {before:.3f}, after {accuracy:.3f}")
    print(f"METRIC accuracy {accuracy:.4f}")
