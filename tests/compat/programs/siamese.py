"""A siamese network tells whether two digits are the same: one shared embedding network (wrapped in
DataParallel), pairwise distances and a contrastive loss."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

digits = load_digits()
images = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)
labels = torch.tensor(digits.target)


class PairDataset(Dataset):
    """Pairs of images: half of the same digit (target 1), half of different digits (target 0)."""

    def __init__(self, images, labels, count, seed):
        rng = np.random.default_rng(seed)
        by_digit = [np.flatnonzero(labels.numpy() == d) for d in range(10)]
        self.pairs = []
        for k in range(count):
            a = int(rng.integers(len(labels)))
            if k % 2 == 0:
                b = int(rng.choice(by_digit[int(labels[a])]))
            else:
                other = (int(labels[a]) + int(rng.integers(1, 10))) % 10
                b = int(rng.choice(by_digit[other]))
            self.pairs.append((a, b, float(k % 2 == 0)))
        self.images = images

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, idx):
        a, b, same = self.pairs[idx]
        return self.images[a], self.images[b], torch.tensor(same)


class EmbeddingNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.convnet = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.PReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.PReLU()
        )
        self.fc = nn.Sequential(nn.Linear(32 * 4 * 4, 64), nn.PReLU(), nn.Linear(64, 16))

    def forward(self, x):
        output = self.convnet(x)
        output = output.view(output.size()[0], -1)
        return self.fc(output)


class SiameseNet(nn.Module):
    def __init__(self, embedding_net):
        super().__init__()
        self.embedding_net = embedding_net

    def forward(self, x1, x2):
        return self.embedding_net(x1), self.embedding_net(x2)


class ContrastiveLoss(nn.Module):
    def __init__(self, margin):
        super().__init__()
        self.margin = margin

    def forward(self, out1, out2, target):
        distances = F.pairwise_distance(out1, out2)
        losses = target * distances.pow(2) + (1 - target) * F.relu(self.margin - distances).pow(2)
        return 0.5 * losses.mean()


train_loader = DataLoader(PairDataset(images[:1300], labels[:1300], 2000, 0), batch_size=64, shuffle=True)
test_loader = DataLoader(PairDataset(images[1300:], labels[1300:], 600, 1), batch_size=200)

model = nn.DataParallel(SiameseNet(EmbeddingNet())).to(device)
criterion = ContrastiveLoss(margin=1.0)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(6):
    model.train()
    total = 0.0
    for x1, x2, target in train_loader:
        x1, x2, target = x1.to(device), x2.to(device), target.to(device)
        optimizer.zero_grad()
        out1, out2 = model(x1, x2)
        loss = criterion(out1, out2, target)
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"epoch {epoch}: loss {total / len(train_loader):.4f}")

model.eval()
correct = 0
with torch.no_grad():
    for x1, x2, target in test_loader:
        out1, out2 = model(x1.to(device), x2.to(device))
        predicted_same = F.pairwise_distance(out1, out2) < 0.5
        correct += (predicted_same == target.bool()).sum().item()
accuracy = correct / len(test_loader.dataset)
print(f"pair accuracy {accuracy:.3f}; the embedding network's keys: {list(model.module.state_dict())[:2]}")
print(f"METRIC pair_accuracy {accuracy:.4f}")
