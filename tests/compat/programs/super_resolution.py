"""Super-resolution with a sub-pixel convolution: 4x4 digits upscaled to 8x8 by Conv2d + PixelShuffle; PSNR."""

import math

import torch
import torch.nn as nn
import torch.nn.init as init
import torch.optim as optim
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(123)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

targets = torch.tensor(load_digits().images / 16.0, dtype=torch.float32).unsqueeze(1)
inputs = nn.functional.avg_pool2d(targets, 2)  # the low-resolution images, 4x4
train_loader = DataLoader(TensorDataset(inputs[:1500], targets[:1500]), batch_size=50, shuffle=True)
test_loader = DataLoader(TensorDataset(inputs[1500:], targets[1500:]), batch_size=100)


class Net(nn.Module):
    def __init__(self, upscale_factor):
        super().__init__()
        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 32, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(32, 32, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(32, 16, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(16, upscale_factor**2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        return self.pixel_shuffle(self.conv4(x))

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv2.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv3.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv4.weight)


model = Net(upscale_factor=2).to(device)
criterion = nn.MSELoss()
optimizer = optim.Adam(model.parameters(), lr=2e-3)


def test():
    avg_psnr = 0
    with torch.no_grad():
        for input, target in test_loader:
            input, target = input.to(device), target.to(device)
            mse = criterion(model(input), target)
            avg_psnr += 10 * math.log10(1 / mse.item())
    return avg_psnr / len(test_loader)


for epoch in range(1, 9):
    epoch_loss = 0
    for input, target in train_loader:
        input, target = input.to(device), target.to(device)
        optimizer.zero_grad()
        loss = criterion(model(input), target)
        epoch_loss += loss.item()
        loss.backward()
        optimizer.step()
    if epoch % 2 == 0:
        print(f"===> Epoch {epoch}: loss {epoch_loss / len(train_loader):.4f}, avg. PSNR {test():.2f} dB")

print(f"METRIC psnr {test():.3f}")
